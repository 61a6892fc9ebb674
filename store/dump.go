package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
)

// The stored form of an archive, for a copy (finarchive export --format
// sqlite) that loses nothing: every column of every row, ids kept, bodies
// still compressed as stored. A Dumper gives it (both back ends are one),
// a Copier writes it into a new SQLite archive, and the read side of the
// PostgreSQL back end builds its records from it with the same methods
// the SQLite store's own results come from (Record, Info, Revisions,
// Fetches), so both give the same results.

// Dumper streams an archive's rows as stored. Both *DB and the PostgreSQL
// back end implement it.
type Dumper interface {
	// DumpPages calls fn for each archived page, in page id order, with
	// everything stored of it. The *PageDump is fn's to keep.
	DumpPages(ctx context.Context, fn func(*PageDump) error) error
	// DumpUnarchived calls fn for each unarchived page (fetched, not an
	// article), in id order. The *UnarchivedDump is fn's to keep.
	DumpUnarchived(ctx context.Context, fn func(*UnarchivedDump) error) error
	// DumpRuns returns every run with what it was started with, oldest
	// first.
	DumpRuns(ctx context.Context) ([]RunDump, error)
	// DumpFrontier calls fn for each frontier row of every run, in id
	// order: what a finished run left for the next (failed, deferred) and
	// the queue of one still running (which crawl --resume continues).
	DumpFrontier(ctx context.Context, fn func(*FrontierDump) error) error
}

var _ Dumper = (*DB)(nil)

// PageDump is one archived page as stored: its pages row, revisions
// (oldest first), cards, fetches (oldest first) and raw response.
type PageDump struct {
	ID                              int64
	URL, Site, Title, Body          string
	BodyHTML                        string
	Published                       string    // RFC 3339 with the page's offset; "" = unknown
	PublishedUTC                    time.Time // the same instant, for ordering; zero = unknown
	PublishedRaw                    string
	Author, Source, Category        string
	Breadcrumb, Keywords            []string
	ContentHash, ETag, LastModified string
	FirstSeenAt, FetchedAt          time.Time
	ChangedAt, NextRevisitAt        time.Time
	RevisitInterval                 time.Duration // whole seconds
	RemovedAt                       time.Time     // zero: online

	Revisions []RevisionDump
	Cards     []extract.Card
	Fetches   []FetchDump
	Raw       *RawDump // nil: no raw response stored
}

// RevisionDump is one row of revisions.
type RevisionDump struct {
	ID, RunID            int64 // RunID 0: none (reextract, import)
	ContentHash, Title   string
	Body                 *string // nil: the page's current body (the newest revision)
	Published            string
	PublishedRaw         string
	Author, Source       string
	Category             string
	Breadcrumb, Keywords []string
	FetchedAt            time.Time
}

// FetchDump is one row of fetches: head blocks and any body compressed as
// stored (see 0006_fetches.sql).
type FetchDump struct {
	ID, RunID         int64 // RunID 0: none
	FetchedAt         time.Time
	Status            int
	PayloadDigest     string
	RemoteIP          string
	Reconstructed     bool
	HeadEncoding      string
	Request, Response []byte // nil: not captured
	Body              []byte // nil: none kept here (raw holds it, or a revisit)
	BodyEncoding      string
	BodySize          int64
	BodyType          string
	ContentEncoding   string
	// WARCID and WARCRequest: the records the crawl kept of the fetch
	// (see RecordEncoding); "" and nil when none (and in back ends that
	// keep none).
	WARCID      string
	WARCRequest []byte
}

// RawDump is a page's row of raw: the latest body, compressed as Encoding
// says, and the fetch it came from (FetchID 0: none).
type RawDump struct {
	ContentType, Charset string
	Encoding             string
	Size                 int64
	FetchedAt            time.Time
	Data                 []byte
	ContentEncoding      string
	FetchID              int64
}

// UnarchivedDump is one row of unarchived (see 0009_unarchived.sql).
type UnarchivedDump struct {
	ID, RunID            int64 // RunID 0: none
	URL, PageType, Title string
	FetchedAt            time.Time
	ContentType, Charset string
	Encoding             string
	Size                 int64
	Data                 []byte
	ContentEncoding      string
	PayloadDigest        string
	RemoteIP             string
	Request, Response    []byte
}

// FrontierDump is one row of a run's frontier. Leases (PostgreSQL's) are
// no part of it: an item in flight is copied in flight, and crawl
// --resume puts it back in the queue.
type FrontierDump struct {
	ID, RunID int64
	URL, Host string
	Depth     int
	Attempts  int
	NextTry   time.Time // zero: now
	State     string
	LastError string
	FailRuns  int
}

// RunDump is one run with what it was started with.
type RunDump struct {
	Run  finarchive.Run
	Spec RunSpec
}

// parsePublished reads a stored published time (nil when unknown or
// unreadable, as the SQLite store has always read it).
func parsePublished(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil
	}
	return &t
}

// orList returns l, or an empty list for nil, so exports show [] rather
// than null.
func orList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// Record returns the page's record as Get gives it (cards included).
func (p *PageDump) Record() *extract.Record {
	cards := p.Cards
	if cards == nil {
		cards = []extract.Card{}
	}
	return &extract.Record{
		URL: p.URL, Site: p.Site, Title: p.Title, Body: p.Body, BodyHTML: p.BodyHTML,
		Published: parsePublished(p.Published), PublishedRaw: p.PublishedRaw,
		Author: p.Author, Source: p.Source, Category: p.Category,
		Breadcrumb: orList(p.Breadcrumb), Keywords: orList(p.Keywords),
		ContentHash: p.ContentHash, FetchedAt: p.FetchedAt, PageType: extract.PageArticle,
		Cards: cards,
	}
}

// ExportRecord returns the page as Export gives it; history adds its
// earlier versions (p.Revisions but the newest).
func (p *PageDump) ExportRecord(history bool) *ExportRecord {
	er := &ExportRecord{Record: *p.Record()}
	if !p.RemovedAt.IsZero() {
		t := p.RemovedAt
		er.RemovedAt = &t
	}
	if history && len(p.Revisions) > 1 {
		er.History = p.revisions(p.Revisions[:len(p.Revisions)-1])
	}
	return er
}

// Info returns the page's bookkeeping as Info gives it.
func (p *PageDump) Info() PageInfo {
	return PageInfo{ID: p.ID, URL: p.URL, ETag: p.ETag, LastModified: p.LastModified,
		FirstSeenAt: p.FirstSeenAt, FetchedAt: p.FetchedAt, ChangedAt: p.ChangedAt,
		RevisitInterval: p.RevisitInterval, NextRevisitAt: p.NextRevisitAt,
		Revisions: len(p.Revisions), RemovedAt: p.RemovedAt}
}

// RevisionList returns every version of the page, oldest first, as
// Revisions gives them.
func (p *PageDump) RevisionList() []Revision { return p.revisions(p.Revisions) }

func (p *PageDump) revisions(rs []RevisionDump) []Revision {
	var out []Revision
	for _, r := range rs {
		body := p.Body
		if r.Body != nil {
			body = *r.Body
		}
		out = append(out, Revision{ContentHash: r.ContentHash, Title: r.Title, Body: body,
			Published: parsePublished(r.Published), PublishedRaw: r.PublishedRaw, Author: r.Author,
			Source: r.Source, Category: r.Category, Breadcrumb: orList(r.Breadcrumb),
			Keywords: orList(r.Keywords), FetchedAt: r.FetchedAt})
	}
	return out
}

// FetchList returns the page's fetches, bodies decompressed, as
// ExportFetches gives them: a fetch's own body, or for the fetch raw
// names, raw's; with records (ExportOptions.Records), a body kept as WARC
// records comes as them.
func (p *PageDump) FetchList(records bool) ([]Fetch, error) {
	out := make([]Fetch, 0, len(p.Fetches))
	for i := range p.Fetches {
		f, err := p.Fetches[i].decode(p.Raw, records)
		if err != nil {
			return nil, fmt.Errorf("fetch at %s: %w", p.Fetches[i].FetchedAt.Format(time.RFC3339), err)
		}
		out = append(out, f)
	}
	return out, nil
}

// decode returns the fetch as ExportFetches gives it; with records, a body
// kept as WARC records comes as them (Fetch.Records), not decompressed.
func (fd *FetchDump) decode(raw *RawDump, records bool) (Fetch, error) {
	f := Fetch{FetchedAt: fd.FetchedAt, Status: fd.Status, PayloadDigest: fd.PayloadDigest, RemoteIP: fd.RemoteIP,
		Reconstructed: fd.Reconstructed}
	var err error
	if fd.Request != nil {
		if f.Request, err = decompressHead(fd.Request, fd.HeadEncoding); err != nil {
			return f, fmt.Errorf("request head: %w", err)
		}
	}
	if fd.Response != nil {
		if f.Response, err = decompressHead(fd.Response, fd.HeadEncoding); err != nil {
			return f, fmt.Errorf("response head: %w", err)
		}
	}
	if records && fd.WARCID != "" && fd.WARCRequest != nil {
		data, enc, typ, ce := fd.Body, fd.BodyEncoding, fd.BodyType, fd.ContentEncoding
		if fd.Body == nil && raw != nil && raw.FetchID == fd.ID {
			data, enc, typ, ce = raw.Data, raw.Encoding, raw.ContentType, raw.ContentEncoding
		}
		if data != nil && enc == RecordEncoding {
			f.ContentType, f.ContentEncoding = typ, ce
			f.Records = &WARCRecords{ID: fd.WARCID, Request: fd.WARCRequest, Response: data}
			return f, nil
		}
	}
	switch {
	case fd.Body != nil:
		if f.Body, err = decompress(fd.Body, int(fd.BodySize), fd.BodyEncoding); err != nil {
			return f, fmt.Errorf("body: %w", err)
		}
		f.ContentType, f.ContentEncoding = fd.BodyType, fd.ContentEncoding
	case raw != nil && raw.FetchID == fd.ID && raw.Data != nil:
		if f.Body, err = decompress(raw.Data, int(raw.Size), raw.Encoding); err != nil {
			return f, fmt.Errorf("body: %w", err)
		}
		f.ContentType, f.ContentEncoding = raw.ContentType, raw.ContentEncoding
	}
	return f, nil
}

// RawPage returns the page's latest raw response as RawPages gives it.
func (p *PageDump) RawPage() (RawPage, error) {
	r := p.Raw
	if r == nil {
		return RawPage{}, fmt.Errorf("%q: %w", p.URL, ErrNotFound)
	}
	return decodeRaw(p.URL, extract.PageArticle, r.ContentType, r.Charset, r.Encoding, r.Size, r.FetchedAt, r.Data, r.ContentEncoding)
}

// RawPage returns the unarchived page's raw response as UnarchivedPages
// gives it.
func (u *UnarchivedDump) RawPage() (RawPage, error) {
	return decodeRaw(u.URL, extract.PageType(u.PageType), u.ContentType, u.Charset, u.Encoding, u.Size, u.FetchedAt, u.Data, u.ContentEncoding)
}

// Fetch returns the unarchived page's capture as a WARC export writes it:
// the heads and the body as received, decompressed, and the status of the
// response head's status line (200 without a head: a page is kept here
// only with a 200, or as a redirect, which always has its head).
func (u *UnarchivedDump) Fetch() (Fetch, error) {
	f := Fetch{FetchedAt: u.FetchedAt, Status: http200, PayloadDigest: u.PayloadDigest, RemoteIP: u.RemoteIP,
		ContentType: u.ContentType, ContentEncoding: u.ContentEncoding}
	var err error
	if u.Request != nil {
		if f.Request, err = decompressHead(u.Request, rawEncoding); err != nil {
			return f, fmt.Errorf("%q: request head: %w", u.URL, err)
		}
	}
	if u.Response != nil {
		if f.Response, err = decompressHead(u.Response, rawEncoding); err != nil {
			return f, fmt.Errorf("%q: response head: %w", u.URL, err)
		}
		if st := StatusOf(f.Response); st != 0 {
			f.Status = st
		}
	}
	if f.Body, err = decompress(u.Data, int(u.Size), u.Encoding); err != nil {
		return f, fmt.Errorf("%q: body: %w", u.URL, err)
	}
	return f, nil
}

// StatusOf returns the status code of a response head's status line
// ("HTTP/1.1 301 Moved Permanently"), 0 when it has none.
func StatusOf(head []byte) int {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	_, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok || len(rest) < 3 {
		return 0
	}
	n, err := strconv.Atoi(string(rest[:3]))
	if err != nil || n < 100 || n > 999 {
		return 0
	}
	return n
}

func decodeRaw(pageURL string, kind extract.PageType, contentType, charset, encoding string, size int64, fetchedAt time.Time, data []byte, ce string) (RawPage, error) {
	rp := RawPage{URL: pageURL, PageType: kind, ContentType: contentType, Charset: charset, FetchedAt: fetchedAt}
	var err error
	if rp.Raw, err = decompress(data, int(size), encoding); err != nil {
		return rp, fmt.Errorf("%q: %w", pageURL, err)
	}
	if rp.Raw, err = decodeContent(rp.Raw, ce); err != nil {
		return rp, fmt.Errorf("%q: %w", pageURL, err)
	}
	return rp, nil
}

// The SQLite side of the Dumper.

// DumpPages calls fn with each page as stored, in page id order, from one
// read transaction (one snapshot, whatever a crawl writes meanwhile). An
// error from fn stops the walk and is returned as is.
func (db *DB) DumpPages(ctx context.Context, fn func(*PageDump) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: dump pages: %w", err)
	}
	defer tx.Rollback()
	// Five cursors read side by side in page id order, each by its index.
	pages, err := tx.QueryContext(ctx, `SELECT id, url, site, title, body, body_html, published, published_utc, published_raw,
		author, source, category, breadcrumb, keywords, content_hash, etag, last_modified, first_seen_at, fetched_at,
		changed_at, revisit_interval_s, next_revisit_at, removed_at FROM pages ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: dump pages: %w", err)
	}
	defer pages.Close()
	var curs []*cursor
	defer func() {
		for _, c := range curs {
			c.rows.Close()
		}
	}()
	for _, q := range []struct {
		what, query string
		scan        func(*sql.Rows) (int64, func(*PageDump), error)
	}{
		{"revisions", `SELECT page_id, id, coalesce(run_id, 0), content_hash, title, body, published, published_raw,
			author, source, category, breadcrumb, keywords, fetched_at FROM revisions ORDER BY page_id, id`, scanRevisionDump},
		{"cards", `SELECT page_id, title, url, snippet, category, date FROM cards ORDER BY page_id, position`, scanCardDump},
		{"fetches", `SELECT page_id, id, coalesce(run_id, 0), fetched_at, status, payload_digest, remote_ip,
			reconstructed, head_encoding, request, response, body, body_encoding, body_size, body_type, content_encoding,
			warc_id, warc_request FROM fetches ORDER BY page_id, id`, scanFetchDump},
		{"raw", `SELECT page_id, content_type, charset, encoding, size, fetched_at, data, content_encoding,
			coalesce(fetch_id, 0) FROM raw ORDER BY page_id`, scanRawDump},
	} {
		c, err := newCursor(ctx, tx, q.query, q.scan)
		if err != nil {
			return fmt.Errorf("store: dump %s: %w", q.what, err)
		}
		curs = append(curs, c)
	}
	for pages.Next() {
		p := &PageDump{Cards: []extract.Card{}}
		var (
			published, publishedUTC, removed sql.NullString
			breadcrumb, keywords             string
			first, fetched, changed, next    string
			interval                         int64
		)
		if err := pages.Scan(&p.ID, &p.URL, &p.Site, &p.Title, &p.Body, &p.BodyHTML, &published, &publishedUTC, &p.PublishedRaw,
			&p.Author, &p.Source, &p.Category, &breadcrumb, &keywords, &p.ContentHash, &p.ETag, &p.LastModified,
			&first, &fetched, &changed, &interval, &next, &removed); err != nil {
			return fmt.Errorf("store: dump pages: %w", err)
		}
		p.Published = published.String
		p.PublishedUTC = parseNullTime(publishedUTC)
		if err := decodeList(breadcrumb, &p.Breadcrumb); err != nil {
			return fmt.Errorf("store: dump %q: breadcrumb: %w", p.URL, err)
		}
		if err := decodeList(keywords, &p.Keywords); err != nil {
			return fmt.Errorf("store: dump %q: keywords: %w", p.URL, err)
		}
		p.FirstSeenAt, p.FetchedAt, p.ChangedAt, p.NextRevisitAt = parseTime(first), parseTime(fetched), parseTime(changed), parseTime(next)
		p.RevisitInterval = time.Duration(interval) * time.Second
		p.RemovedAt = parseNullTime(removed)
		for _, c := range curs {
			if err := c.fill(p); err != nil {
				return fmt.Errorf("store: dump %q: %w", p.URL, err)
			}
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := pages.Err(); err != nil {
		return fmt.Errorf("store: dump pages: %w", err)
	}
	return nil
}

// cursor reads the rows of a query ordered by page id alongside the pages
// query: scan reads a row into a value and returns its page id and how
// to add the value to its page.
type cursor struct {
	rows    *sql.Rows
	scan    func(*sql.Rows) (int64, func(*PageDump), error)
	pendID  int64 // page of the row read ahead; 0 = none
	pending func(*PageDump)
	done    bool
}

func newCursor(ctx context.Context, tx *sql.Tx, query string, scan func(*sql.Rows) (int64, func(*PageDump), error)) (*cursor, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &cursor{rows: rows, scan: scan}, nil
}

// fill adds the rows of page p to it, passing over the rows of pages
// before it (written between the queries).
func (c *cursor) fill(p *PageDump) error {
	for !c.done {
		if c.pendID == 0 {
			if !c.rows.Next() {
				c.done = true
				return c.rows.Err()
			}
			var err error
			if c.pendID, c.pending, err = c.scan(c.rows); err != nil {
				return err
			}
		}
		if c.pendID > p.ID {
			return nil
		}
		if c.pendID == p.ID {
			c.pending(p)
		}
		c.pendID, c.pending = 0, nil
	}
	return nil
}

// DumpUnarchived calls fn with each unarchived page as stored, in id
// order. An error from fn stops the walk and is returned as is.
func (db *DB) DumpUnarchived(ctx context.Context, fn func(*UnarchivedDump) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT id, coalesce(run_id, 0), url, page_type, title, fetched_at, content_type, charset,
		encoding, size, data, content_encoding, payload_digest, remote_ip, request, response FROM unarchived ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: dump unarchived pages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u := &UnarchivedDump{}
		var at string
		if err := rows.Scan(&u.ID, &u.RunID, &u.URL, &u.PageType, &u.Title, &at, &u.ContentType, &u.Charset, &u.Encoding,
			&u.Size, &u.Data, &u.ContentEncoding, &u.PayloadDigest, &u.RemoteIP, &u.Request, &u.Response); err != nil {
			return fmt.Errorf("store: dump unarchived pages: %w", err)
		}
		u.FetchedAt = parseTime(at)
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: dump unarchived pages: %w", err)
	}
	return nil
}

// DumpRuns returns every run with its spec, oldest first.
func (db *DB) DumpRuns(ctx context.Context) ([]RunDump, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+runColumns+" FROM runs ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: dump runs: %w", err)
	}
	defer rows.Close()
	var out []RunDump
	for rows.Next() {
		r, spec, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: dump runs: %w", err)
		}
		out = append(out, RunDump{Run: r, Spec: spec})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dump runs: %w", err)
	}
	return out, nil
}

func scanRevisionDump(rows *sql.Rows) (int64, func(*PageDump), error) {
	var (
		id                   int64
		r                    RevisionDump
		body, published      sql.NullString
		breadcrumb, keywords string
		at                   string
	)
	if err := rows.Scan(&id, &r.ID, &r.RunID, &r.ContentHash, &r.Title, &body, &published, &r.PublishedRaw, &r.Author,
		&r.Source, &r.Category, &breadcrumb, &keywords, &at); err != nil {
		return 0, nil, fmt.Errorf("revisions: %w", err)
	}
	if body.Valid {
		r.Body = &body.String
	}
	r.Published = published.String
	if err := decodeList(breadcrumb, &r.Breadcrumb); err != nil {
		return 0, nil, fmt.Errorf("revision %d: breadcrumb: %w", r.ID, err)
	}
	if err := decodeList(keywords, &r.Keywords); err != nil {
		return 0, nil, fmt.Errorf("revision %d: keywords: %w", r.ID, err)
	}
	r.FetchedAt = parseTime(at)
	return id, func(p *PageDump) { p.Revisions = append(p.Revisions, r) }, nil
}

func scanCardDump(rows *sql.Rows) (int64, func(*PageDump), error) {
	var (
		id int64
		c  extract.Card
	)
	if err := rows.Scan(&id, &c.Title, &c.URL, &c.Snippet, &c.Category, &c.Date); err != nil {
		return 0, nil, fmt.Errorf("cards: %w", err)
	}
	return id, func(p *PageDump) { p.Cards = append(p.Cards, c) }, nil
}

func scanFetchDump(rows *sql.Rows) (int64, func(*PageDump), error) {
	var (
		id int64
		f  FetchDump
		at string
	)
	if err := rows.Scan(&id, &f.ID, &f.RunID, &at, &f.Status, &f.PayloadDigest, &f.RemoteIP, &f.Reconstructed, &f.HeadEncoding,
		&f.Request, &f.Response, &f.Body, &f.BodyEncoding, &f.BodySize, &f.BodyType, &f.ContentEncoding, &f.WARCID, &f.WARCRequest); err != nil {
		return 0, nil, fmt.Errorf("fetches: %w", err)
	}
	f.FetchedAt = parseTime(at)
	return id, func(p *PageDump) { p.Fetches = append(p.Fetches, f) }, nil
}

func scanRawDump(rows *sql.Rows) (int64, func(*PageDump), error) {
	var (
		id int64
		r  RawDump
		at string
	)
	if err := rows.Scan(&id, &r.ContentType, &r.Charset, &r.Encoding, &r.Size, &at, &r.Data, &r.ContentEncoding, &r.FetchID); err != nil {
		return 0, nil, fmt.Errorf("raw: %w", err)
	}
	r.FetchedAt = parseTime(at)
	return id, func(p *PageDump) { p.Raw = &r }, nil
}

// DumpFrontier calls fn with each frontier row, in id order. An error
// from fn stops the walk and is returned as is.
func (db *DB) DumpFrontier(ctx context.Context, fn func(*FrontierDump) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT id, run_id, url, host, depth, attempts, next_try, state, last_error, fail_runs
		FROM frontier ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: dump frontier: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f := &FrontierDump{}
		var next int64
		if err := rows.Scan(&f.ID, &f.RunID, &f.URL, &f.Host, &f.Depth, &f.Attempts, &next, &f.State, &f.LastError, &f.FailRuns); err != nil {
			return fmt.Errorf("store: dump frontier: %w", err)
		}
		if t := fromUnixMs(next); !t.IsZero() {
			f.NextTry = t.UTC()
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: dump frontier: %w", err)
	}
	return nil
}
