package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
)

// Complete commits the outcome of one URL in one transaction: the article
// (new, changed, unchanged, rejected or a 304), its cards and raw response,
// the links found on it and the frontier item's final state. It implements
// crawler.Sink.
//
// An article is saved when f.Record is not nil and its PageType is
// "article" (or empty); PageType "blocked" is SaveRejected and leaves the
// stored page untouched; another type (list, home, search, error) keeps
// f.Raw in the unarchived table for reextract, unless the URL is an
// archived article; f.NotModified updates the fetch time and revisit
// schedule of the stored page only.
func (db *DB) Complete(ctx context.Context, runID int64, f *finarchive.Fetched) (finarchive.SaveResult, error) {
	if db.w == nil {
		return finarchive.SaveNone, ErrReadOnly
	}
	cfg, err := db.runConfig(ctx, db.r, runID)
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("store: complete %q: %w", f.Item.URL, err)
	}
	// Work done outside the transaction: hashing, JSON, bigrams, compression.
	c := NewCompletion(f, db.now(), CompletionOptions{Records: true})
	canonical, fetchedAt, other, notModified := c.Canonical, c.FetchedAt, c.Other, c.NotModified
	var page *pageRow
	result, rejected := finarchive.SaveNone, finarchive.SaveNone
	switch {
	case c.Rejected:
		rejected = finarchive.SaveRejected
	case c.Article:
		page, err = db.newPageRow(canonical, f.Record, fetchedAt)
		if err != nil {
			return finarchive.SaveNone, fmt.Errorf("store: complete %q: %w", canonical, err)
		}
		page.etag, page.lastModified, page.raw = f.ETag, f.LastModified, c.Raw
	}
	state, lastErr, failRun := StateDone, "", 0
	switch {
	case f.Failed != "":
		state, lastErr, failRun = StateFailed, f.Failed, 1
	case f.Deferred != "":
		state, lastErr = StateDeferred, f.Deferred
	}
	now := fmtTime(db.now())
	var (
		links      []byte
		linkHashes []uint64
	)
	if len(f.Links) > 0 {
		var fresh []finarchive.QueueItem
		fresh, linkHashes = db.known.filter(runID, f.Links)
		if len(fresh) > 0 {
			links = encodeItems(fresh)
		}
	}
	err = db.write(ctx, func(tx *wtx) error {
		result = rejected
		switch {
		case f.NotModified:
			ok, err := db.touchPage(ctx, tx, canonical, fetchedAt, f.ETag, f.LastModified, cfg, notModified, runID)
			if err != nil {
				return err
			}
			if ok {
				result = finarchive.SaveUnchanged
			}
		case page != nil:
			var err error
			if result, err = db.savePage(ctx, tx, page, cfg, runID, true); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM unarchived WHERE url = ?", canonical); err != nil {
				return fmt.Errorf("drop unarchived page: %w", err)
			}
		case other != nil:
			if err := keepUnarchived(ctx, tx, other, runID, fmtTime(fetchedAt)); err != nil {
				return err
			}
		case f.Gone:
			// An archived article that is gone keeps its record and
			// history; it is marked removed (once: the first time), and
			// the answer that said so is kept as one of its fetches.
			var id int64
			err := tx.QueryRowContext(ctx, "UPDATE pages SET removed_at = ? WHERE url = ? AND removed_at IS NULL RETURNING id",
				fmtTime(fetchedAt), f.Item.URL).Scan(&id)
			switch {
			case err == sql.ErrNoRows:
			case err != nil:
				return fmt.Errorf("mark removed: %w", err)
			default:
				result = finarchive.SaveRemoved
				if err := insertGoneFetch(ctx, tx, id, runID, fmtTime(fetchedAt), c.Gone); err != nil {
					return err
				}
			}
		}
		tx.saved(runID, result, f.NotModified)
		if links != nil {
			if _, err := db.enqueue(ctx, tx, runID, cfg, links, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE frontier SET state = ?, last_error = ?, fail_runs = fail_runs + ? WHERE run_id = ? AND url = ?",
			state, lastErr, failRun, runID, f.Item.URL); err != nil {
			return fmt.Errorf("mark item: %w", err)
		}
		if canonical != f.Item.URL {
			// The redirect target is done too: a link to it is not fetched again.
			if _, err := tx.ExecContext(ctx, `INSERT INTO frontier (run_id, url, host, depth, state, last_error) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (run_id, url) DO UPDATE SET state = excluded.state WHERE state IN ('queued', 'notdue')`,
				runID, canonical, finarchive.URLHost(canonical), f.Item.Depth, state, lastErr); err != nil {
				return fmt.Errorf("mark final URL: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("store: complete %q: %w", canonical, err)
	}
	if canonical != f.Item.URL {
		db.known.add(runID, linkHashes, canonical) // inserted above
	} else {
		db.known.add(runID, linkHashes)
	}
	return result, nil
}

// Reextracted stores rec, extracted anew from the page's raw response, for
// `finarchive reextract`: a changed content hash makes a new revision, as in
// a crawl, but the fetch time, validators and revisit schedule stay.
func (db *DB) Reextracted(ctx context.Context, pageURL string, rec *extract.Record) (finarchive.SaveResult, error) {
	if db.w == nil {
		return finarchive.SaveNone, ErrReadOnly
	}
	if KindOf(rec) == KindRejected {
		return finarchive.SaveRejected, nil
	}
	if KindOf(rec) == KindOther {
		return finarchive.SaveNone, nil
	}
	page, err := db.newPageRow(pageURL, rec, rec.FetchedAt)
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("store: reextracted %q: %w", pageURL, err)
	}
	var result finarchive.SaveResult
	err = db.write(ctx, func(tx *wtx) error {
		var err error
		result, err = db.savePage(ctx, tx, page, runConfig{min: DefaultMinRevisit, max: DefaultMaxRevisit}, 0, false)
		return err
	})
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("store: reextracted %q: %w", pageURL, err)
	}
	return result, nil
}

// pageRow is a record prepared for the pages table.
type pageRow struct {
	url        string
	rec        *extract.Record
	hash       string
	published  any // RFC 3339 text or nil
	publUTC    any
	breadcrumb string
	keywords   string
	fetchedAt  time.Time
	site       string
	titleIdx   string // bigram forms for the search index
	bodyIdx    string
	bodyHTML   string // rec.BodyHTML through extract's allow-list
	charsIdx   string // distinct characters of title and body
	titleChars string // of the title

	etag, lastModified string
	raw                *RawRow // the response it was extracted from (nil: none, e.g. reextract)
}

func (db *DB) newPageRow(canonical string, rec *extract.Record, fetchedAt time.Time) (*pageRow, error) {
	a, err := NewArticleColumns(canonical, rec)
	if err != nil {
		return nil, err
	}
	p := &pageRow{url: canonical, rec: rec, fetchedAt: fetchedAt, hash: a.Hash, published: a.Published,
		breadcrumb: a.Breadcrumb, keywords: a.Keywords, site: a.Site, bodyHTML: a.BodyHTML}
	if fetchedAt.IsZero() {
		p.fetchedAt = db.now()
	}
	if a.PublishedAt != nil {
		p.publUTC = fmtTime(*a.PublishedAt)
	}
	p.titleIdx = indexText(rec.Title)
	p.bodyIdx = indexText(rec.Body)
	p.charsIdx = charsText(rec.Title, rec.Body)
	p.titleChars = charsText(rec.Title)
	return p, nil
}

// ArticleColumns are the columns of an article's pages row that every back
// end derives from its record in the same way.
type ArticleColumns struct {
	Hash        string     // the record's content hash
	Published   any        // RFC 3339 text with the page's own offset, or nil
	PublishedAt *time.Time // the same instant (nil: no date)
	Breadcrumb  string     // JSON list
	Keywords    string     // JSON list
	Site        string     // the record's site, or else the URL's host
	BodyHTML    string     // the record's body_html through extract's allow-list
}

// NewArticleColumns derives the columns of rec, archived at canonical.
func NewArticleColumns(canonical string, rec *extract.Record) (ArticleColumns, error) {
	a := ArticleColumns{Hash: rec.ContentHash, Site: rec.Site}
	if a.Hash == "" {
		a.Hash = rec.Hash()
	}
	if rec.Published != nil && !rec.Published.IsZero() {
		a.Published = rec.Published.Format(time.RFC3339Nano)
		a.PublishedAt = rec.Published
	}
	var err error
	if a.Breadcrumb, err = jsonList(rec.Breadcrumb); err != nil {
		return a, fmt.Errorf("breadcrumb: %w", err)
	}
	if a.Keywords, err = jsonList(rec.Keywords); err != nil {
		return a, fmt.Errorf("keywords: %w", err)
	}
	if a.Site == "" {
		if u, err := url.Parse(canonical); err == nil {
			a.Site = u.Hostname()
		}
	}
	a.BodyHTML = extract.SanitizeBodyHTML(rec.BodyHTML)
	return a, nil
}

func jsonList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

// charsetOf returns the charset parameter of a Content-Type, lower case.
func charsetOf(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.ToLower(params["charset"])
}

// Revisit intervals: see SCHEMA.md, "Adaptive revisits".
func nextInterval(cur time.Duration, result finarchive.SaveResult, cfg runConfig) time.Duration {
	switch result {
	case finarchive.SaveNew:
		return cfg.min
	case finarchive.SaveChanged:
		cur /= 2
	default:
		cur *= 2
	}
	return min(max(cur, cfg.min), cfg.max)
}

// savePage inserts or updates p in tx and says which it was. fetched tells
// a crawl (which sets the fetch time, validators and revisit schedule and
// replaces the raw response) from a reextract (which does not).
func (db *DB) savePage(ctx context.Context, tx *wtx, p *pageRow, cfg runConfig, runID int64, fetched bool) (finarchive.SaveResult, error) {
	var (
		id       int64
		oldHash  string
		interval int64
	)
	err := tx.QueryRowContext(ctx, "SELECT id, content_hash, revisit_interval_s FROM pages WHERE url = ?", p.url).Scan(&id, &oldHash, &interval)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if !fetched {
			return finarchive.SaveNone, ErrNotFound
		}
		id = 0
	case err != nil:
		return finarchive.SaveNone, fmt.Errorf("look up page: %w", err)
	}
	rec := p.rec
	fetchedAt := fmtTime(p.fetchedAt)
	var result finarchive.SaveResult
	switch {
	case id == 0:
		result = finarchive.SaveNew
	case oldHash != p.hash:
		result = finarchive.SaveChanged
	default:
		result = finarchive.SaveUnchanged
	}
	changedAt := fetchedAt
	if !fetched {
		changedAt = fmtTime(db.now()) // a reextract changes the page now
	}
	iv := nextInterval(time.Duration(interval)*time.Second, result, cfg)
	next := fmtTime(p.fetchedAt.Add(iv))
	ivS := int64(iv / time.Second)

	switch result {
	case finarchive.SaveNew:
		err = tx.QueryRowContext(ctx, `INSERT INTO pages (url, site, title, body, published, published_utc, published_raw,
			author, source, category, breadcrumb, keywords, content_hash, etag, last_modified,
			first_seen_at, fetched_at, changed_at, revisit_interval_s, next_revisit_at, body_html)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.url, p.site, rec.Title, rec.Body, p.published, p.publUTC, rec.PublishedRaw,
			rec.Author, rec.Source, rec.Category, p.breadcrumb, p.keywords, p.hash, p.etag, p.lastModified,
			fetchedAt, fetchedAt, fetchedAt, ivS, next, p.bodyHTML).Scan(&id)
		if err != nil {
			return result, fmt.Errorf("insert page: %w", err)
		}
	case finarchive.SaveChanged:
		// The current revision's body is the page's (NULL in revisions,
		// see 0004_revision_body_once.sql): keep it there before the page
		// takes the new one.
		if _, err := tx.ExecContext(ctx, `UPDATE revisions SET body = (SELECT body FROM pages WHERE id = ?1)
			WHERE page_id = ?1 AND body IS NULL`, id); err != nil {
			return result, fmt.Errorf("keep old body: %w", err)
		}
		q := `UPDATE pages SET site = ?, title = ?, body = ?, published = ?, published_utc = ?, published_raw = ?,
			author = ?, source = ?, category = ?, breadcrumb = ?, keywords = ?, content_hash = ?, changed_at = ?, body_html = ?`
		args := []any{p.site, rec.Title, rec.Body, p.published, p.publUTC, rec.PublishedRaw,
			rec.Author, rec.Source, rec.Category, p.breadcrumb, p.keywords, p.hash, changedAt, p.bodyHTML}
		if fetched {
			q += `, etag = ?, last_modified = ?, fetched_at = ?, revisit_interval_s = ?, next_revisit_at = ?, removed_at = NULL`
			args = append(args, p.etag, p.lastModified, fetchedAt, ivS, next)
		}
		if _, err := tx.ExecContext(ctx, q+" WHERE id = ?", append(args, id)...); err != nil {
			return result, fmt.Errorf("update page: %w", err)
		}
	case finarchive.SaveUnchanged:
		// The same content: body_html still follows the extractor (it is
		// no part of the hash), so a page archived before it had the
		// field, or rendered by an older extractor, catches up.
		if fetched {
			if _, err := tx.ExecContext(ctx, `UPDATE pages SET etag = ?, last_modified = ?, fetched_at = ?,
				revisit_interval_s = ?, next_revisit_at = ?, body_html = ?, removed_at = NULL WHERE id = ?`,
				p.etag, p.lastModified, fetchedAt, ivS, next, p.bodyHTML, id); err != nil {
				return result, fmt.Errorf("update page: %w", err)
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE pages SET body_html = ?1 WHERE id = ?2 AND body_html <> ?1`,
			p.bodyHTML, id); err != nil {
			return result, fmt.Errorf("update page: %w", err)
		}
	}
	if result != finarchive.SaveUnchanged {
		var run any
		if runID != 0 {
			run = runID
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO revisions (page_id, run_id, content_hash, title, body, published,
			published_raw, author, source, category, breadcrumb, keywords, fetched_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, run, p.hash, rec.Title, nil, p.published, rec.PublishedRaw, rec.Author, rec.Source,
			rec.Category, p.breadcrumb, p.keywords, fetchedAt)
		if err != nil {
			return result, fmt.Errorf("insert revision: %w", err)
		}
		rev, err := res.LastInsertId()
		if err != nil {
			return result, fmt.Errorf("insert revision: %w", err)
		}
		tx.addIndex(id, rev, p.titleIdx, p.bodyIdx, p.charsIdx, p.titleChars)
	}
	var bodyFetch any // the fetch raw's body belongs to
	if fetched && p.raw != nil {
		// A new page has no raw body yet to compare with or keep.
		fetchID, same, err := insertFetch(ctx, tx, id, runID, fetchedAt, p.raw.Fetch, result != finarchive.SaveNew)
		if err != nil {
			return result, err
		}
		bodyFetch = fetchID
		if same != 0 {
			// The same bytes as the stored raw response (same payload
			// digest): the body stays where it is, with the fetch that
			// brought it; when the content is unchanged too, so do the
			// cards, and only the raw's fetch time moves. A body kept as
			// WARC records stays too: its records are that fetch's.
			bodyFetch = same
			keep := p.raw.Compression == RecordEncoding
			if result == finarchive.SaveUnchanged || keep {
				if _, err := tx.ExecContext(ctx, "UPDATE raw SET fetched_at = ? WHERE page_id = ?", fetchedAt, id); err != nil {
					return result, fmt.Errorf("touch raw: %w", err)
				}
				if result == finarchive.SaveUnchanged {
					return result, nil
				}
				return result, replaceCards(ctx, tx, id, rec.Cards, true)
			}
		}
	}
	if err := replaceCards(ctx, tx, id, rec.Cards, result != finarchive.SaveNew); err != nil {
		return result, err
	}
	if fetched && p.raw != nil {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO raw (page_id, content_type, charset, encoding, size, fetched_at, data, content_encoding, fetch_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.raw.ContentType, charsetOf(p.raw.ContentType), p.raw.StoredEncoding(), p.raw.Size, fetchedAt, p.raw.Data,
			p.raw.Encoding, bodyFetch); err != nil {
			return result, fmt.Errorf("store raw: %w", err)
		}
	}
	return result, nil
}

func replaceCards(ctx context.Context, tx *wtx, pageID int64, cards []extract.Card, existing bool) error {
	if existing {
		if _, err := tx.ExecContext(ctx, "DELETE FROM cards WHERE page_id = ?", pageID); err != nil {
			return fmt.Errorf("delete cards: %w", err)
		}
	}
	// One statement for up to cardsPerInsert cards (bound, not JSON: no
	// encoding in Go and no parsing in SQLite).
	const cardsPerInsert = 32
	for start := 0; start < len(cards); start += cardsPerInsert {
		part := cards[start:min(start+cardsPerInsert, len(cards))]
		var q strings.Builder
		q.WriteString("INSERT INTO cards (page_id, position, title, url, snippet, category, date) VALUES ")
		args := make([]any, 0, 7*len(part))
		for i, c := range part {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?,?,?)")
			args = append(args, pageID, start+i, c.Title, c.URL, c.Snippet, c.Category, c.Date)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("insert cards: %w", err)
		}
	}
	return nil
}

// touchPage records a 304 for the page at url: fetch time, validators (when
// sent again) and revisit schedule. It reports whether the page exists.
func (db *DB) touchPage(ctx context.Context, tx *wtx, pageURL string, fetchedAt time.Time, etag, lastModified string, cfg runConfig, fr *FetchRow, runID int64) (bool, error) {
	var id, interval int64
	err := tx.QueryRowContext(ctx, "SELECT id, revisit_interval_s FROM pages WHERE url = ?", pageURL).Scan(&id, &interval)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up page: %w", err)
	}
	iv := nextInterval(time.Duration(interval)*time.Second, finarchive.SaveUnchanged, cfg)
	_, err = tx.ExecContext(ctx, `UPDATE pages SET fetched_at = ?, etag = coalesce(nullif(?, ''), etag),
		last_modified = coalesce(nullif(?, ''), last_modified), revisit_interval_s = ?, next_revisit_at = ?, removed_at = NULL WHERE id = ?`,
		fmtTime(fetchedAt), etag, lastModified, int64(iv/time.Second), fmtTime(fetchedAt.Add(iv)), id)
	if err != nil {
		return false, fmt.Errorf("touch page: %w", err)
	}
	if fr != nil {
		if _, _, err := insertFetch(ctx, tx, id, runID, fmtTime(fetchedAt), fr, false); err != nil {
			return false, err
		}
	}
	return true, nil
}
