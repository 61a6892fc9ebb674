package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// pageColumns are read by scanPage, in this order.
const pageColumns = `p.id, p.url, p.site, p.title, p.body, p.published, p.published_raw, p.author, p.source,
	p.category, p.breadcrumb, p.keywords, p.content_hash, p.fetched_at, p.body_html`

// scanPage reads pageColumns into a record (without cards) and returns the
// page id.
func scanPage(s scanner, rec *extract.Record) (int64, error) {
	var (
		id                   int64
		published            sql.NullString
		breadcrumb, keywords string
		fetchedAt            string
	)
	err := s.Scan(&id, &rec.URL, &rec.Site, &rec.Title, &rec.Body, &published, &rec.PublishedRaw, &rec.Author,
		&rec.Source, &rec.Category, &breadcrumb, &keywords, &rec.ContentHash, &fetchedAt, &rec.BodyHTML)
	if err != nil {
		return 0, err
	}
	if published.Valid {
		if t, err := time.Parse(time.RFC3339Nano, published.String); err == nil {
			rec.Published = &t
		}
	}
	if err := decodeList(breadcrumb, &rec.Breadcrumb); err != nil {
		return 0, fmt.Errorf("breadcrumb: %w", err)
	}
	if err := decodeList(keywords, &rec.Keywords); err != nil {
		return 0, fmt.Errorf("keywords: %w", err)
	}
	rec.FetchedAt = parseTime(fetchedAt)
	rec.PageType = extract.PageArticle
	return id, nil
}

// decodeList decodes a JSON array, leaving an empty one as a non-nil empty
// slice so exports show [] rather than null.
func decodeList(s string, l *[]string) error {
	*l = []string{}
	if s == "" || s == "[]" {
		return nil
	}
	return json.Unmarshal([]byte(s), l)
}

// cards returns a page's cards in page order (never nil).
func (db *DB) cards(ctx context.Context, pageID int64) ([]extract.Card, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT title, url, snippet, category, date FROM cards WHERE page_id = ? ORDER BY position", pageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cards := []extract.Card{}
	for rows.Next() {
		var c extract.Card
		if err := rows.Scan(&c.Title, &c.URL, &c.Snippet, &c.Category, &c.Date); err != nil {
			return nil, err
		}
		cards = append(cards, c)
	}
	return cards, rows.Err()
}

// Get returns the archived article at url (canonical form), with its cards,
// or ErrNotFound.
func (db *DB) Get(ctx context.Context, pageURL string) (*extract.Record, error) {
	rec := &extract.Record{}
	id, err := scanPage(db.r.QueryRowContext(ctx, "SELECT "+pageColumns+" FROM pages p WHERE p.url = ?", pageURL), rec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: get %q: %w", pageURL, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %q: %w", pageURL, err)
	}
	if rec.Cards, err = db.cards(ctx, id); err != nil {
		return nil, fmt.Errorf("store: get %q: cards: %w", pageURL, err)
	}
	return rec, nil
}

// PageInfo is what the archive knows about a page beyond its record.
type PageInfo struct {
	ID              int64         `json:"id"`
	URL             string        `json:"url"`
	ETag            string        `json:"etag,omitempty"`
	LastModified    string        `json:"last_modified,omitempty"`
	FirstSeenAt     time.Time     `json:"first_seen_at"`
	FetchedAt       time.Time     `json:"fetched_at"`
	ChangedAt       time.Time     `json:"changed_at"`
	RevisitInterval time.Duration `json:"revisit_interval"`
	NextRevisitAt   time.Time     `json:"next_revisit_at"`
	Revisions       int           `json:"revisions"`
	// RemovedAt is when the article first answered 404 or 410 (zero: it
	// has not been removed).
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

// Info returns the bookkeeping of the page at url, or ErrNotFound.
func (db *DB) Info(ctx context.Context, pageURL string) (PageInfo, error) {
	var (
		pi                           PageInfo
		first, fetched, changed, nxt string
		iv                           int64
		removed                      sql.NullString
	)
	err := db.r.QueryRowContext(ctx, `SELECT id, url, etag, last_modified, first_seen_at, fetched_at, changed_at,
		revisit_interval_s, next_revisit_at, (SELECT count(*) FROM revisions WHERE page_id = pages.id), removed_at
		FROM pages WHERE url = ?`, pageURL).Scan(&pi.ID, &pi.URL, &pi.ETag, &pi.LastModified, &first, &fetched, &changed, &iv, &nxt,
		&pi.Revisions, &removed)
	if errors.Is(err, sql.ErrNoRows) {
		return pi, fmt.Errorf("store: info %q: %w", pageURL, ErrNotFound)
	}
	if err != nil {
		return pi, fmt.Errorf("store: info %q: %w", pageURL, err)
	}
	pi.FirstSeenAt, pi.FetchedAt, pi.ChangedAt, pi.NextRevisitAt = parseTime(first), parseTime(fetched), parseTime(changed), parseTime(nxt)
	pi.RevisitInterval = time.Duration(iv) * time.Second
	pi.RemovedAt = parseNullTime(removed)
	return pi, nil
}

// Revision is one stored version of a page.
type Revision struct {
	ContentHash  string     `json:"content_hash"`
	Title        string     `json:"title"`
	Body         string     `json:"body"`
	Published    *time.Time `json:"published"`
	PublishedRaw string     `json:"published_raw"`
	Author       string     `json:"author"`
	Source       string     `json:"source,omitempty"`
	Category     string     `json:"category"`
	Breadcrumb   []string   `json:"breadcrumb"`
	Keywords     []string   `json:"keywords"`
	FetchedAt    time.Time  `json:"fetched_at"` // when this version was first fetched
}

// revisionColumns are read from revisions r joined to their page p: a
// NULL body is the page's current one (see 0004_revision_body_once.sql).
const revisionColumns = `r.content_hash, r.title, coalesce(r.body, p.body), r.published, r.published_raw, r.author,
	r.source, r.category, r.breadcrumb, r.keywords, r.fetched_at`

func scanRevision(s scanner) (Revision, error) {
	var (
		r                    Revision
		published            sql.NullString
		breadcrumb, keywords string
		fetchedAt            string
	)
	if err := s.Scan(&r.ContentHash, &r.Title, &r.Body, &published, &r.PublishedRaw, &r.Author, &r.Source, &r.Category,
		&breadcrumb, &keywords, &fetchedAt); err != nil {
		return r, err
	}
	if published.Valid {
		if t, err := time.Parse(time.RFC3339Nano, published.String); err == nil {
			r.Published = &t
		}
	}
	if err := decodeList(breadcrumb, &r.Breadcrumb); err != nil {
		return r, err
	}
	if err := decodeList(keywords, &r.Keywords); err != nil {
		return r, err
	}
	r.FetchedAt = parseTime(fetchedAt)
	return r, nil
}

// revisions returns the page's revisions oldest first, leaving out the
// newest (the current version) when skipCurrent is set.
func (db *DB) revisions(ctx context.Context, pageID int64, skipCurrent bool) ([]Revision, error) {
	q := "SELECT " + revisionColumns + " FROM revisions r JOIN pages p ON p.id = r.page_id WHERE r.page_id = ?1"
	if skipCurrent {
		q += " AND r.id < (SELECT max(id) FROM revisions WHERE page_id = ?1)"
	}
	rows, err := db.r.QueryContext(ctx, q+" ORDER BY r.id", pageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Revisions returns every stored version of the page at url, oldest first;
// the last is the current one. ErrNotFound when the page is not archived.
func (db *DB) Revisions(ctx context.Context, pageURL string) ([]Revision, error) {
	var id int64
	err := db.r.QueryRowContext(ctx, "SELECT id FROM pages WHERE url = ?", pageURL).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: revisions of %q: %w", pageURL, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: revisions of %q: %w", pageURL, err)
	}
	revs, err := db.revisions(ctx, id, false)
	if err != nil {
		return nil, fmt.Errorf("store: revisions of %q: %w", pageURL, err)
	}
	return revs, nil
}

// Count returns how many pages the archive holds.
func (db *DB) Count(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM pages").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count pages: %w", err)
	}
	return n, nil
}

// NameCount is a site or category with its number of pages.
type NameCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (db *DB) nameCounts(ctx context.Context, col string) ([]NameCount, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+col+", count(*) FROM pages GROUP BY "+col+" ORDER BY count(*) DESC, "+col)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NameCount
	for rows.Next() {
		var nc NameCount
		if err := rows.Scan(&nc.Name, &nc.Count); err != nil {
			return nil, err
		}
		out = append(out, nc)
	}
	return out, rows.Err()
}

// Sites returns each site with its number of pages, largest first.
func (db *DB) Sites(ctx context.Context) ([]NameCount, error) {
	out, err := db.nameCounts(ctx, "site")
	if err != nil {
		return nil, fmt.Errorf("store: sites: %w", err)
	}
	return out, nil
}

// Categories returns each category with its number of pages, largest first.
func (db *DB) Categories(ctx context.Context) ([]NameCount, error) {
	out, err := db.nameCounts(ctx, "category")
	if err != nil {
		return nil, fmt.Errorf("store: categories: %w", err)
	}
	return out, nil
}

// ListOptions select and page the articles List returns.
type ListOptions struct {
	Site     string // "" = all
	Category string // "" = all
	Offset   int
	Limit    int // 0 = 50
}

// Summary is an article as a list shows it.
type Summary struct {
	URL       string     `json:"url"`
	Title     string     `json:"title"`
	Site      string     `json:"site"`
	Category  string     `json:"category"`
	Author    string     `json:"author"`
	Published *time.Time `json:"published"`
	FetchedAt time.Time  `json:"fetched_at"`
	ChangedAt time.Time  `json:"changed_at"`
	Revisions int        `json:"revisions"`
}

// List returns one page of articles, newest first by published date (pages
// without one last, by fetch time), and how many match in all.
func (db *DB) List(ctx context.Context, opt ListOptions) ([]Summary, int, error) {
	if opt.Limit <= 0 {
		opt.Limit = 50
	}
	var where []string
	var args []any
	if opt.Site != "" {
		where = append(where, "site = ?")
		args = append(args, opt.Site)
	}
	if opt.Category != "" {
		where = append(where, "category = ?")
		args = append(args, opt.Category)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM pages"+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: list: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT url, title, site, category, author, published, fetched_at, changed_at,
		(SELECT count(*) FROM revisions WHERE page_id = pages.id)
		FROM pages`+w+` ORDER BY published_utc DESC, fetched_at DESC LIMIT ? OFFSET ?`, append(args, opt.Limit, opt.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var (
			s                Summary
			published        sql.NullString
			fetched, changed string
		)
		if err := rows.Scan(&s.URL, &s.Title, &s.Site, &s.Category, &s.Author, &published, &fetched, &changed, &s.Revisions); err != nil {
			return nil, 0, fmt.Errorf("store: list: %w", err)
		}
		if published.Valid {
			if t, err := time.Parse(time.RFC3339Nano, published.String); err == nil {
				s.Published = &t
			}
		}
		s.FetchedAt, s.ChangedAt = parseTime(fetched), parseTime(changed)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: list: %w", err)
	}
	return out, total, nil
}

// RawPage is a page's latest raw response, decompressed.
type RawPage struct {
	URL         string
	Raw         []byte
	ContentType string
	Charset     string // from ContentType, lower case; "" = unknown
	FetchedAt   time.Time
	PageType    extract.PageType // the type it was stored as: article (RawPages), or list, home … (UnarchivedPages)
}

// RawPages calls fn with the raw response of each page that has one, in
// page order, one at a time (memory stays constant). An error from fn stops
// the walk and is returned as is.
func (db *DB) RawPages(ctx context.Context, fn func(RawPage) error) error {
	return db.walkRaw(ctx, "raw pages", `SELECT p.url, 'article', r.content_type, r.charset, r.encoding, r.size, r.fetched_at, r.data, r.content_encoding
		FROM raw r JOIN pages p ON p.id = r.page_id ORDER BY r.page_id`, fn)
}

// walkRaw calls fn with each row of query, whose columns are a RawPage's:
// url, page type, content type, charset, compression, size, fetch time,
// compressed data and HTTP content encoding.
func (db *DB) walkRaw(ctx context.Context, what, query string, fn func(RawPage) error) error {
	rows, err := db.r.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			rp                        RawPage
			size                      int
			kind, encoding, fetchedAt string
			data                      []byte
			ce                        string
		)
		if err := rows.Scan(&rp.URL, &kind, &rp.ContentType, &rp.Charset, &encoding, &size, &fetchedAt, &data, &ce); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		rp.PageType = extract.PageType(kind)
		if rp.Raw, err = decompress(data, size, encoding); err != nil {
			return fmt.Errorf("store: %s: %q: %w", what, rp.URL, err)
		}
		if rp.Raw, err = decodeContent(rp.Raw, ce); err != nil {
			return fmt.Errorf("store: %s: %q: %w", what, rp.URL, err)
		}
		rp.FetchedAt = parseTime(fetchedAt)
		if err := fn(rp); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}
