package pgstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// The read side. Pages are read as store.PageDump (their rows as stored)
// and turned into records, history and fetches by the PageDump's own
// methods, the ones the SQLite store's dumps use: both back ends give the
// same results. A walk (Export, ExportFetches, DumpPages) runs in one
// REPEATABLE READ, READ ONLY transaction, so it sees one snapshot however
// long it takes, and reads the pages in chunks by id (keyset), each
// chunk's cards, revisions, fetches and raw rows by one query apiece:
// memory stays bounded and the round trips are a few per chunk, not per
// page.

// Chunk sizes of a walk: pages per chunk without and with fetch bodies.
const (
	pageChunk  = 256
	fetchChunk = 64
)

// ms is t in UTC to the millisecond, the precision the SQLite archive
// keeps, so that both back ends (and a copy of one in the other) give the
// same times.
func ms(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

func msPtr(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return ms(*t)
}

// querier is what a pool and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readTx runs fn in a read-only REPEATABLE READ transaction: one snapshot.
func (db *DB) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// parts says what a walk reads beside the pages rows.
type parts struct {
	cards, revisions, fetches, raw bool
	rawData                        bool // raw.data too (else the row without it)
}

const pageColumns = `p.id, p.url, p.site, p.title, p.body, p.body_html, p.published, p.published_utc, p.published_raw,
	p.author, p.source, p.category, p.breadcrumb, p.keywords, p.content_hash, p.etag, p.last_modified,
	p.first_seen_at, p.fetched_at, p.changed_at, p.revisit_interval_s, p.next_revisit_at, p.removed_at`

func scanPage(row pgx.Row) (*store.PageDump, error) {
	var (
		p                           store.PageDump
		published                   *string
		publishedUTC, removed       *time.Time
		first, fetched, changed, nx time.Time
		interval                    int64
	)
	if err := row.Scan(&p.ID, &p.URL, &p.Site, &p.Title, &p.Body, &p.BodyHTML, &published, &publishedUTC, &p.PublishedRaw,
		&p.Author, &p.Source, &p.Category, &p.Breadcrumb, &p.Keywords, &p.ContentHash, &p.ETag, &p.LastModified,
		&first, &fetched, &changed, &interval, &nx, &removed); err != nil {
		return nil, err
	}
	if published != nil {
		p.Published = *published
	}
	p.PublishedUTC, p.RemovedAt = msPtr(publishedUTC), msPtr(removed)
	p.FirstSeenAt, p.FetchedAt, p.ChangedAt, p.NextRevisitAt = ms(first), ms(fetched), ms(changed), ms(nx)
	p.RevisitInterval = time.Duration(interval) * time.Second
	return &p, nil
}

// walkPages calls fn with each page that filter (a condition on pages p,
// with args) selects, in id order, with the parts asked for, up to chunk
// pages at a time. Memory stays bounded by bytes too: a chunk whose pages
// held more than chunkBytes (pages with many fetch bodies) makes the next
// one smaller, down to one page, and small ones let it grow back.
func walkPages(ctx context.Context, q querier, filter string, args []any, pt parts, chunk int, fn func(*store.PageDump) error) error {
	n := len(args)
	query := "SELECT " + pageColumns + " FROM pages p WHERE " + filter + " AND p.id > $" + strconv.Itoa(n+1) +
		" ORDER BY p.id LIMIT $" + strconv.Itoa(n+2)
	var last int64
	size := chunk
	for {
		rows, err := q.Query(ctx, query, append(args, last, size)...)
		if err != nil {
			return fmt.Errorf("pages: %w", err)
		}
		var ps []*store.PageDump
		for rows.Next() {
			p, err := scanPage(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("pages: %w", err)
			}
			ps = append(ps, p)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("pages: %w", err)
		}
		if len(ps) == 0 {
			return nil
		}
		if err := fillParts(ctx, q, ps, pt); err != nil {
			return err
		}
		held, got := 0, len(ps)
		last = ps[got-1].ID
		for _, p := range ps {
			held += dumpBytes(p)
		}
		for i, p := range ps {
			ps[i] = nil // fn's to keep or drop
			if err := fn(p); err != nil {
				return err
			}
		}
		if got < size {
			return nil
		}
		size = nextChunk(size, chunk, held)
	}
}

// chunkBytes bounds the bytes of one chunk of a walk (about).
var chunkBytes = 32 << 20 // a variable for the tests

// nextChunk returns the size of the chunk after one of size pages that
// held bytes: scaled to hold about chunkBytes, between 1 and max.
func nextChunk(size, limit, bytes int) int {
	if bytes <= 0 {
		return limit
	}
	n := int(int64(size) * int64(chunkBytes) / int64(bytes))
	return min(max(n, 1), limit)
}

// dumpBytes is about how many bytes p holds.
func dumpBytes(p *store.PageDump) int {
	n := len(p.Body) + len(p.BodyHTML) + len(p.Title)
	for _, r := range p.Revisions {
		if r.Body != nil {
			n += len(*r.Body)
		}
	}
	for _, f := range p.Fetches {
		n += len(f.Body) + len(f.Request) + len(f.Response)
	}
	if p.Raw != nil {
		n += len(p.Raw.Data)
	}
	return n
}

// fillParts reads the parts of pages ps, one query per part.
func fillParts(ctx context.Context, q querier, ps []*store.PageDump, pt parts) error {
	ids := make([]int64, len(ps))
	byID := make(map[int64]*store.PageDump, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
		byID[p.ID] = p
		if pt.cards {
			p.Cards = []extract.Card{}
		}
	}
	if pt.cards {
		err := eachRow(ctx, q, `SELECT page_id, title, url, snippet, category, date FROM cards
			WHERE page_id = ANY($1) ORDER BY page_id, position`, ids, func(rows pgx.Rows) error {
			var (
				id int64
				c  extract.Card
			)
			if err := rows.Scan(&id, &c.Title, &c.URL, &c.Snippet, &c.Category, &c.Date); err != nil {
				return err
			}
			byID[id].Cards = append(byID[id].Cards, c)
			return nil
		})
		if err != nil {
			return fmt.Errorf("cards: %w", err)
		}
	}
	if pt.revisions {
		err := eachRow(ctx, q, `SELECT page_id, id, coalesce(run_id, 0), content_hash, title, body, published, published_raw,
			author, source, category, breadcrumb, keywords, fetched_at FROM revisions
			WHERE page_id = ANY($1) ORDER BY page_id, id`, ids, func(rows pgx.Rows) error {
			var (
				id        int64
				r         store.RevisionDump
				published *string
				at        time.Time
			)
			if err := rows.Scan(&id, &r.ID, &r.RunID, &r.ContentHash, &r.Title, &r.Body, &published, &r.PublishedRaw,
				&r.Author, &r.Source, &r.Category, &r.Breadcrumb, &r.Keywords, &at); err != nil {
				return err
			}
			if published != nil {
				r.Published = *published
			}
			r.FetchedAt = ms(at)
			byID[id].Revisions = append(byID[id].Revisions, r)
			return nil
		})
		if err != nil {
			return fmt.Errorf("revisions: %w", err)
		}
	}
	if pt.fetches {
		err := eachRow(ctx, q, `SELECT page_id, id, coalesce(run_id, 0), fetched_at, status, payload_digest, remote_ip,
			reconstructed, head_encoding, request, response, body, body_encoding, body_size, body_type, content_encoding,
			warc_id, warc_request FROM fetches WHERE page_id = ANY($1) ORDER BY page_id, id`, ids, func(rows pgx.Rows) error {
			var (
				id int64
				f  store.FetchDump
				at time.Time
			)
			if err := rows.Scan(&id, &f.ID, &f.RunID, &at, &f.Status, &f.PayloadDigest, &f.RemoteIP, &f.Reconstructed,
				&f.HeadEncoding, &f.Request, &f.Response, &f.Body, &f.BodyEncoding, &f.BodySize, &f.BodyType,
				&f.ContentEncoding, &f.WARCID, &f.WARCRequest); err != nil {
				return err
			}
			f.FetchedAt = ms(at)
			byID[id].Fetches = append(byID[id].Fetches, f)
			return nil
		})
		if err != nil {
			return fmt.Errorf("fetches: %w", err)
		}
	}
	if pt.raw {
		data := "NULL::bytea"
		if pt.rawData {
			data = "data"
		}
		err := eachRow(ctx, q, `SELECT page_id, content_type, charset, encoding, size, fetched_at, `+data+`, content_encoding,
			coalesce(fetch_id, 0) FROM raw WHERE page_id = ANY($1)`, ids, func(rows pgx.Rows) error {
			var (
				id int64
				r  store.RawDump
				at time.Time
			)
			if err := rows.Scan(&id, &r.ContentType, &r.Charset, &r.Encoding, &r.Size, &at, &r.Data, &r.ContentEncoding,
				&r.FetchID); err != nil {
				return err
			}
			r.FetchedAt = ms(at)
			byID[id].Raw = &r
			return nil
		})
		if err != nil {
			return fmt.Errorf("raw: %w", err)
		}
	}
	return nil
}

// eachRow calls fn for each row of query (with args).
func eachRow(ctx context.Context, q querier, query string, arg any, fn func(pgx.Rows) error) error {
	rows, err := q.Query(ctx, query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// page reads the page at pageURL with pt, or returns store.ErrNotFound.
func (db *DB) page(ctx context.Context, pageURL string, pt parts) (*store.PageDump, error) {
	// Two statements straight on the pool (no BEGIN and COMMIT around
	// them: half the round trips), as SQLite's Get reads.
	var found *store.PageDump
	err := walkPages(ctx, db.pool, "p.url = $1", []any{pageURL}, pt, 1, func(p *store.PageDump) error {
		found = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, store.ErrNotFound
	}
	return found, nil
}

// Get returns the archived article at pageURL (canonical form), with its
// cards, or store.ErrNotFound.
func (db *DB) Get(ctx context.Context, pageURL string) (*extract.Record, error) {
	p, err := db.page(ctx, pageURL, parts{cards: true})
	if err != nil {
		return nil, fmt.Errorf("pgstore: get %q: %w", pageURL, err)
	}
	return p.Record(), nil
}

// Info returns the bookkeeping of the page at pageURL, or
// store.ErrNotFound.
func (db *DB) Info(ctx context.Context, pageURL string) (store.PageInfo, error) {
	var (
		pi                           store.PageInfo
		first, fetched, changed, nxt time.Time
		removed                      *time.Time
		iv                           int64
	)
	err := db.pool.QueryRow(ctx, `SELECT id, url, etag, last_modified, first_seen_at, fetched_at, changed_at,
		revisit_interval_s, next_revisit_at, (SELECT count(*) FROM revisions WHERE page_id = pages.id), removed_at
		FROM pages WHERE url = $1`, pageURL).Scan(&pi.ID, &pi.URL, &pi.ETag, &pi.LastModified, &first, &fetched, &changed,
		&iv, &nxt, &pi.Revisions, &removed)
	if err != nil {
		return pi, fmt.Errorf("pgstore: info %q: %w", pageURL, errNotFound(err))
	}
	pi.FirstSeenAt, pi.FetchedAt, pi.ChangedAt, pi.NextRevisitAt = ms(first), ms(fetched), ms(changed), ms(nxt)
	pi.RevisitInterval = time.Duration(iv) * time.Second
	pi.RemovedAt = msPtr(removed)
	return pi, nil
}

// Revisions returns every stored version of the page at pageURL, oldest
// first; the last is the current one. store.ErrNotFound when the page is
// not archived.
func (db *DB) Revisions(ctx context.Context, pageURL string) ([]store.Revision, error) {
	p, err := db.page(ctx, pageURL, parts{revisions: true})
	if err != nil {
		return nil, fmt.Errorf("pgstore: revisions of %q: %w", pageURL, err)
	}
	return p.RevisionList(), nil
}

// Count returns how many pages the archive holds.
func (db *DB) Count(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM pages").Scan(&n); err != nil {
		return 0, fmt.Errorf("pgstore: count pages: %w", err)
	}
	return n, nil
}

// nameCounts counts pages by col, largest first, then by name in byte
// order (COLLATE "C", as SQLite's BINARY), whatever the database's
// collation.
func (db *DB) nameCounts(ctx context.Context, col string) ([]store.NameCount, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+col+", count(*) FROM pages GROUP BY "+col+
		` ORDER BY count(*) DESC, `+col+` COLLATE "C"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.NameCount
	for rows.Next() {
		var nc store.NameCount
		if err := rows.Scan(&nc.Name, &nc.Count); err != nil {
			return nil, err
		}
		out = append(out, nc)
	}
	return out, rows.Err()
}

// Sites returns each site with its number of pages, largest first.
func (db *DB) Sites(ctx context.Context) ([]store.NameCount, error) {
	out, err := db.nameCounts(ctx, "site")
	if err != nil {
		return nil, fmt.Errorf("pgstore: sites: %w", err)
	}
	return out, nil
}

// Categories returns each category with its number of pages, largest
// first.
func (db *DB) Categories(ctx context.Context) ([]store.NameCount, error) {
	out, err := db.nameCounts(ctx, "category")
	if err != nil {
		return nil, fmt.Errorf("pgstore: categories: %w", err)
	}
	return out, nil
}

// List returns one page of articles, newest first by published date
// (pages without one last, by fetch time; ties in id order, as SQLite
// reads its index), and how many match in all.
func (db *DB) List(ctx context.Context, opt store.ListOptions) ([]store.Summary, int, error) {
	if opt.Limit <= 0 {
		opt.Limit = 50
	}
	var (
		where []string
		args  []any
	)
	if opt.Site != "" {
		args = append(args, opt.Site)
		where = append(where, "site = $"+strconv.Itoa(len(args)))
	}
	if opt.Category != "" {
		args = append(args, opt.Category)
		where = append(where, "category = $"+strconv.Itoa(len(args)))
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	out := []store.Summary{}
	var total int
	err := func() error {
		if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM pages"+w, args...).Scan(&total); err != nil {
			return err
		}
		n := len(args)
		rows, err := db.pool.Query(ctx, `SELECT url, title, site, category, author, published, fetched_at, changed_at,
			(SELECT count(*) FROM revisions WHERE page_id = pages.id)
			FROM pages`+w+` ORDER BY published_utc DESC NULLS LAST, fetched_at DESC, id
			LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, opt.Limit, opt.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				s                store.Summary
				published        *string
				fetched, changed time.Time
			)
			if err := rows.Scan(&s.URL, &s.Title, &s.Site, &s.Category, &s.Author, &published, &fetched, &changed, &s.Revisions); err != nil {
				return err
			}
			if published != nil {
				if t, err := time.Parse(time.RFC3339Nano, *published); err == nil {
					s.Published = &t
				}
			}
			s.FetchedAt, s.ChangedAt = ms(fetched), ms(changed)
			out = append(out, s)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, 0, fmt.Errorf("pgstore: list: %w", err)
	}
	return out, total, nil
}

// exportFilter is the condition on pages p (and its arguments) that
// selects the pages opt exports.
func exportFilter(opt store.ExportOptions) (string, []any) {
	where := "true"
	var args []any
	if !opt.Since.IsZero() {
		// changed_at >= first_seen_at always, so this covers both; to the
		// millisecond, as SQLite compares. An article found removed since
		// is a change of it too.
		args = append(args, ms(opt.Since))
		n := strconv.Itoa(len(args))
		where += " AND (p.changed_at >= $" + n + " OR p.removed_at >= $" + n + ")"
	}
	if opt.Site != "" {
		args = append(args, opt.Site)
		where += " AND p.site = $" + strconv.Itoa(len(args))
	}
	return where, args
}

// Export calls fn for each selected page, in page id order (the order
// pages were first archived), streaming from one snapshot. An error from
// fn stops the export and is returned as is.
func (db *DB) Export(ctx context.Context, opt store.ExportOptions, fn func(*store.ExportRecord) error) error {
	where, args := exportFilter(opt)
	var fnErr error
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		return walkPages(ctx, tx, where, args, parts{cards: true, revisions: opt.History}, pageChunk, func(p *store.PageDump) error {
			if err := fn(p.ExportRecord(opt.History)); err != nil {
				fnErr = err
				return err
			}
			return nil
		})
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("pgstore: export: %w", err)
	}
	return nil
}

// ExportFetches is Export with each page's fetches, oldest first, bodies
// decompressed, for a WARC: fn gets one page at a time.
func (db *DB) ExportFetches(ctx context.Context, opt store.ExportOptions, fn func(*store.ExportRecord, []store.Fetch) error) error {
	where, args := exportFilter(opt)
	var fnErr error
	pt := parts{cards: true, revisions: opt.History, fetches: true, raw: true, rawData: true}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		return walkPages(ctx, tx, where, args, pt, fetchChunk, func(p *store.PageDump) error {
			fs, err := p.FetchList(opt.Records)
			if err != nil {
				return fmt.Errorf("%q: %w", p.URL, err)
			}
			if err := fn(p.ExportRecord(opt.History), fs); err != nil {
				fnErr = err
				return err
			}
			return nil
		})
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("pgstore: export: %w", err)
	}
	return nil
}

// RawPages calls fn with the raw response of each page that has one, in
// page order, one at a time. An error from fn stops the walk and is
// returned as is.
func (db *DB) RawPages(ctx context.Context, fn func(store.RawPage) error) error {
	return db.walkRaw(ctx, "raw pages", `SELECT p.url, 'article', r.content_type, r.charset, r.encoding, r.size, r.fetched_at,
		r.data, r.content_encoding FROM raw r JOIN pages p ON p.id = r.page_id`, "r.page_id", fn)
}

// UnarchivedPages calls fn with the raw response of each page fetched but
// not archived as an article, in the order they were first kept;
// RawPage.PageType is the type it was given. An error from fn stops the
// walk and is returned as is.
func (db *DB) UnarchivedPages(ctx context.Context, fn func(store.RawPage) error) error {
	// (A redirect is kept for the WARC export, not to be typed again.)
	return db.walkRaw(ctx, "unarchived pages", `SELECT url, page_type, content_type, charset, encoding, size, fetched_at,
		data, content_encoding FROM (SELECT * FROM unarchived WHERE page_type <> 'redirect') u`, "id", fn)
}

// walkRaw calls fn with each row of query (whose columns are a RawPage's:
// url, page type, content type, charset, compression, size, fetch time,
// compressed data and HTTP content encoding), in key order, pageChunk
// rows at a time: fn may write (reextract does) while no query is open.
func (db *DB) walkRaw(ctx context.Context, what, query, key string, fn func(store.RawPage) error) error {
	var last int64
	q := strings.Replace(query, "SELECT ", "SELECT "+key+", ", 1) + " WHERE " + key + " > $1 ORDER BY " + key +
		" LIMIT " + strconv.Itoa(fetchChunk)
	for {
		rows, err := db.pool.Query(ctx, q, last)
		if err != nil {
			return fmt.Errorf("pgstore: %s: %w", what, err)
		}
		var batch []store.UnarchivedDump
		for rows.Next() {
			var (
				u  store.UnarchivedDump
				at time.Time
			)
			if err := rows.Scan(&u.ID, &u.URL, &u.PageType, &u.ContentType, &u.Charset, &u.Encoding, &u.Size, &at, &u.Data,
				&u.ContentEncoding); err != nil {
				rows.Close()
				return fmt.Errorf("pgstore: %s: %w", what, err)
			}
			u.FetchedAt = ms(at)
			batch = append(batch, u)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("pgstore: %s: %w", what, err)
		}
		for i := range batch {
			rp, err := batch[i].RawPage()
			if err != nil {
				return fmt.Errorf("pgstore: %s: %w", what, err)
			}
			if err := fn(rp); err != nil {
				return err
			}
		}
		if len(batch) < fetchChunk {
			return nil
		}
		last = batch[len(batch)-1].ID
	}
}
