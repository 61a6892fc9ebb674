package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Copier writes the stored rows of another archive (what a Dumper gives)
// into this one, which must be empty: a new SQLite file that is then the
// same archive (finarchive export --format sqlite). Nothing is lost: ids
// are kept (so export order, search ties and run references stay), every
// revision with its run, fetch time and body, cards, every fetch with its
// head blocks, payload digest and any body, the raw response with its
// fetch, validators, revisit schedule, removed_at, unarchived pages,
// runs and their frontiers (what a run left for the next, or the queue
// of one still running). Bodies are copied compressed as they are. Rows are written in
// transactions of up to copyBatch pages (or copyBatchBytes), so memory
// stays bounded whatever the archive's size; the search index is written
// as by a crawl (bigram rows in batches) and is complete after Close.
type Copier struct {
	db         *DB
	pages      []*PageDump
	unarchived []*UnarchivedDump
	frontier   []*FrontierDump
	runs       map[int64]bool // the runs copied
	held       int            // bytes of the rows waiting
	stats      CopyStats
}

// CopyStats count what a Copier wrote.
type CopyStats struct {
	Runs       int   `json:"runs"`
	Pages      int   `json:"pages"`
	Revisions  int   `json:"revisions"`
	Cards      int   `json:"cards"`
	Fetches    int   `json:"fetches"`
	Unarchived int   `json:"unarchived"`
	Frontier   int   `json:"frontier"`
	Bytes      int64 `json:"bytes"` // stored (compressed) bytes of bodies and heads
}

// Batch bounds of a Copier's transactions.
const (
	copyBatch      = 256
	copyBatchBytes = 32 << 20
)

// NotEmptyError is returned by NewCopier for an archive that already
// holds pages, runs or unarchived pages: a copy goes into a new one.
type NotEmptyError struct {
	Path  string
	Table string // the first table found with rows
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("store: copy into %s: the archive is not empty (%s has rows)", e.Path, e.Table)
}

// NewCopier returns a Copier into db, which must be writable and empty.
func (db *DB) NewCopier(ctx context.Context) (*Copier, error) {
	if db.w == nil {
		return nil, ErrReadOnly
	}
	for _, t := range []string{"pages", "runs", "unarchived", "fetches", "revisions"} {
		var n int
		if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+t+" LIMIT 1)").Scan(&n); err != nil {
			return nil, fmt.Errorf("store: copy into %s: %w", db.path, err)
		}
		if n > 0 {
			return nil, &NotEmptyError{Path: db.path, Table: t}
		}
	}
	return &Copier{db: db}, nil
}

// Stats returns what has been written so far.
func (c *Copier) Stats() CopyStats { return c.stats }

// Runs writes the runs, keeping their ids. Call it before Page: a run's
// counts and status are copied as they are.
func (c *Copier) Runs(ctx context.Context, runs []RunDump) error {
	err := c.db.write(ctx, func(tx *wtx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO runs (id, seeds, options, adaptive, min_revisit_s, max_revisit_s,
			started_at, finished_at, status, error, fetched, new, changed, unchanged, not_modified, failed, skipped, bytes,
			skipped_by, failed_by, gone, gone_by, deferred, dropped, removed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, rd := range runs {
			r := rd.Run
			seeds := r.Seeds
			if seeds == nil {
				seeds = []string{}
			}
			sj, err := json.Marshal(seeds)
			if err != nil {
				return err
			}
			opts := string(r.Options)
			if opts == "" {
				opts = "{}"
			}
			var maps [3][]byte
			for i, m := range []map[string]int{r.SkippedBy, r.FailedBy, r.GoneBy} {
				if maps[i], err = json.Marshal(orEmpty(m)); err != nil {
					return err
				}
			}
			adaptive := 0
			if rd.Spec.Adaptive {
				adaptive = 1
			}
			if _, err := st.ExecContext(ctx, r.ID, string(sj), opts, adaptive, int64(rd.Spec.MinRevisit/time.Second),
				int64(rd.Spec.MaxRevisit/time.Second), fmtTime(r.StartedAt), nullTime(r.FinishedAt), r.Status, r.Error,
				r.Fetched, r.New, r.Changed, r.Unchanged, r.NotModified, r.Failed, r.Skipped, r.Bytes,
				string(maps[0]), string(maps[1]), r.Gone, string(maps[2]), r.Deferred, r.Dropped, r.Removed); err != nil {
				return fmt.Errorf("run %d: %w", r.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: copy runs: %w", err)
	}
	c.stats.Runs += len(runs)
	if c.runs == nil {
		c.runs = map[int64]bool{}
	}
	for _, r := range runs {
		c.runs[r.Run.ID] = true
	}
	return nil
}

// Page queues one page for writing; it is written with the next batch.
func (c *Copier) Page(ctx context.Context, p *PageDump) error {
	c.pages = append(c.pages, p)
	c.held += len(p.Body) + len(p.BodyHTML)
	for _, f := range p.Fetches {
		c.held += len(f.Body) + len(f.Request) + len(f.Response)
	}
	if p.Raw != nil {
		c.held += len(p.Raw.Data)
	}
	if len(c.pages)+len(c.unarchived) >= copyBatch || c.held >= copyBatchBytes {
		return c.flush(ctx)
	}
	return nil
}

// Unarchived queues one unarchived page for writing.
func (c *Copier) Unarchived(ctx context.Context, u *UnarchivedDump) error {
	c.unarchived = append(c.unarchived, u)
	c.held += len(u.Data) + len(u.Request) + len(u.Response)
	if len(c.pages)+len(c.unarchived) >= copyBatch || c.held >= copyBatchBytes {
		return c.flush(ctx)
	}
	return nil
}

// Frontier queues one frontier row for writing. A row of a run Runs did
// not write (one started while the copy was being read) is left out, with
// its run.
func (c *Copier) Frontier(ctx context.Context, f *FrontierDump) error {
	if !c.runs[f.RunID] {
		return nil
	}
	c.frontier = append(c.frontier, f)
	if len(c.frontier) >= 16*copyBatch {
		return c.flush(ctx)
	}
	return nil
}

// Close writes what is queued and the rest of the search index. The DB
// stays open.
func (c *Copier) Close(ctx context.Context) error {
	if err := c.flush(ctx); err != nil {
		return err
	}
	if err := c.db.flushSearch(ctx); err != nil {
		return fmt.Errorf("store: copy: search index: %w", err)
	}
	return nil
}

// flush writes the queued rows in one transaction.
func (c *Copier) flush(ctx context.Context) error {
	if len(c.pages) == 0 && len(c.unarchived) == 0 && len(c.frontier) == 0 {
		return nil
	}
	var st CopyStats
	err := c.db.write(ctx, func(tx *wtx) error {
		st = CopyStats{}
		w, err := newCopyStmts(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		for _, p := range c.pages {
			if err := w.writePage(ctx, tx, p, &st); err != nil {
				return fmt.Errorf("page %q: %w", p.URL, err)
			}
		}
		for _, u := range c.unarchived {
			if err := w.writeUnarchived(ctx, u, &st); err != nil {
				return fmt.Errorf("unarchived page %q: %w", u.URL, err)
			}
		}
		for _, f := range c.frontier {
			if _, err := w.frontier.ExecContext(ctx, f.ID, f.RunID, f.URL, f.Host, f.Depth, f.Attempts, unixMs(f.NextTry),
				f.State, f.LastError, f.FailRuns); err != nil {
				return fmt.Errorf("frontier row %q of run %d: %w", f.URL, f.RunID, err)
			}
		}
		st.Frontier = len(c.frontier)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: copy: %w", err)
	}
	c.stats.Pages += st.Pages
	c.stats.Revisions += st.Revisions
	c.stats.Cards += st.Cards
	c.stats.Fetches += st.Fetches
	c.stats.Unarchived += st.Unarchived
	c.stats.Frontier += st.Frontier
	c.stats.Bytes += st.Bytes
	clear(c.pages)
	clear(c.unarchived)
	clear(c.frontier)
	c.pages, c.unarchived, c.frontier, c.held = c.pages[:0], c.unarchived[:0], c.frontier[:0], 0
	return nil
}

// copyStmts are a copy transaction's prepared statements.
type copyStmts struct {
	page, revision, card, fetch, raw, unarchived, frontier *sql.Stmt
}

func newCopyStmts(ctx context.Context, tx *wtx) (*copyStmts, error) {
	w := &copyStmts{}
	for _, s := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&w.page, `INSERT INTO pages (id, url, site, title, body, published, published_utc, published_raw, author, source,
			category, breadcrumb, keywords, content_hash, etag, last_modified, first_seen_at, fetched_at, changed_at,
			revisit_interval_s, next_revisit_at, removed_at, body_html)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.revision, `INSERT INTO revisions (id, page_id, run_id, content_hash, title, body, published, published_raw,
			author, source, category, breadcrumb, keywords, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.card, `INSERT INTO cards (page_id, position, title, url, snippet, category, date) VALUES (?, ?, ?, ?, ?, ?, ?)`},
		{&w.fetch, `INSERT INTO fetches (id, page_id, run_id, fetched_at, status, payload_digest, remote_ip, reconstructed,
			head_encoding, request, response, body, body_encoding, body_size, body_type, content_encoding, warc_id, warc_request)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.raw, `INSERT INTO raw (page_id, content_type, charset, encoding, size, fetched_at, data, content_encoding, fetch_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.unarchived, `INSERT INTO unarchived (id, url, page_type, title, run_id, fetched_at, content_type, charset,
			encoding, size, data, content_encoding, payload_digest, remote_ip, request, response)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.frontier, `INSERT INTO frontier (id, run_id, url, host, depth, attempts, next_try, state, last_error, fail_runs)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	} {
		st, err := tx.PrepareContext(ctx, s.q)
		if err != nil {
			w.close()
			return nil, err
		}
		*s.dst = st
	}
	return w, nil
}

func (w *copyStmts) close() {
	for _, st := range []*sql.Stmt{w.page, w.revision, w.card, w.fetch, w.raw, w.unarchived, w.frontier} {
		if st != nil {
			st.Close()
		}
	}
}

// nullID is id, or NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullString is s, or NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (w *copyStmts) writePage(ctx context.Context, tx *wtx, p *PageDump, st *CopyStats) error {
	bc, err := jsonList(p.Breadcrumb)
	if err != nil {
		return err
	}
	kw, err := jsonList(p.Keywords)
	if err != nil {
		return err
	}
	if _, err := w.page.ExecContext(ctx, p.ID, p.URL, p.Site, p.Title, p.Body, nullString(p.Published), nullTime(p.PublishedUTC),
		p.PublishedRaw, p.Author, p.Source, p.Category, bc, kw, p.ContentHash, p.ETag, p.LastModified,
		fmtTime(p.FirstSeenAt), fmtTime(p.FetchedAt), fmtTime(p.ChangedAt), int64(p.RevisitInterval/time.Second),
		fmtTime(p.NextRevisitAt), nullTime(p.RemovedAt), p.BodyHTML); err != nil {
		return fmt.Errorf("insert page: %w", err)
	}
	for _, r := range p.Revisions {
		bc, err := jsonList(r.Breadcrumb)
		if err != nil {
			return err
		}
		kw, err := jsonList(r.Keywords)
		if err != nil {
			return err
		}
		var body any
		if r.Body != nil {
			body = *r.Body
		}
		if _, err := w.revision.ExecContext(ctx, r.ID, p.ID, nullID(r.RunID), r.ContentHash, r.Title, body, nullString(r.Published),
			r.PublishedRaw, r.Author, r.Source, r.Category, bc, kw, fmtTime(r.FetchedAt)); err != nil {
			return fmt.Errorf("insert revision %d: %w", r.ID, err)
		}
	}
	for i, c := range p.Cards {
		if _, err := w.card.ExecContext(ctx, p.ID, i, c.Title, c.URL, c.Snippet, c.Category, c.Date); err != nil {
			return fmt.Errorf("insert card: %w", err)
		}
	}
	for _, f := range p.Fetches {
		if _, err := w.fetch.ExecContext(ctx, f.ID, p.ID, nullID(f.RunID), fmtTime(f.FetchedAt), f.Status, f.PayloadDigest,
			f.RemoteIP, f.Reconstructed, f.HeadEncoding, f.Request, f.Response, f.Body, f.BodyEncoding, f.BodySize,
			f.BodyType, f.ContentEncoding, f.WARCID, f.WARCRequest); err != nil {
			return fmt.Errorf("insert fetch %d: %w", f.ID, err)
		}
		st.Bytes += int64(len(f.Request) + len(f.Response) + len(f.Body) + len(f.WARCRequest))
	}
	if r := p.Raw; r != nil {
		if r.Data == nil {
			return errors.New("raw response without data")
		}
		if _, err := w.raw.ExecContext(ctx, p.ID, r.ContentType, r.Charset, r.Encoding, r.Size, fmtTime(r.FetchedAt), r.Data,
			r.ContentEncoding, nullID(r.FetchID)); err != nil {
			return fmt.Errorf("insert raw: %w", err)
		}
		st.Bytes += int64(len(r.Data))
	}
	// The search row of the current version (the newest revision), as a
	// crawl writes it.
	if n := len(p.Revisions); n > 0 {
		tx.addIndex(p.ID, p.Revisions[n-1].ID, indexText(p.Title), indexText(p.Body), charsText(p.Title, p.Body), charsText(p.Title))
	}
	st.Pages++
	st.Revisions += len(p.Revisions)
	st.Cards += len(p.Cards)
	st.Fetches += len(p.Fetches)
	return nil
}

func (w *copyStmts) writeUnarchived(ctx context.Context, u *UnarchivedDump, st *CopyStats) error {
	if _, err := w.unarchived.ExecContext(ctx, u.ID, u.URL, u.PageType, u.Title, nullID(u.RunID), fmtTime(u.FetchedAt),
		u.ContentType, u.Charset, u.Encoding, u.Size, u.Data, u.ContentEncoding, u.PayloadDigest, u.RemoteIP,
		u.Request, u.Response); err != nil {
		return err
	}
	st.Unarchived++
	st.Bytes += int64(len(u.Data) + len(u.Request) + len(u.Response))
	return nil
}

// Copy writes everything src holds into dst, a new (empty) archive:
// runs, then pages, unarchived pages and the runs' frontiers, streaming. It returns what it
// wrote.
func Copy(ctx context.Context, src Dumper, dst *DB) (CopyStats, error) {
	c, err := dst.NewCopier(ctx)
	if err != nil {
		return CopyStats{}, err
	}
	runs, err := src.DumpRuns(ctx)
	if err != nil {
		return c.Stats(), err
	}
	if err := c.Runs(ctx, runs); err != nil {
		return c.Stats(), err
	}
	if err := src.DumpPages(ctx, func(p *PageDump) error { return c.Page(ctx, p) }); err != nil {
		return c.Stats(), err
	}
	if err := src.DumpUnarchived(ctx, func(u *UnarchivedDump) error { return c.Unarchived(ctx, u) }); err != nil {
		return c.Stats(), err
	}
	if err := src.DumpFrontier(ctx, func(f *FrontierDump) error { return c.Frontier(ctx, f) }); err != nil {
		return c.Stats(), err
	}
	if err := c.Close(ctx); err != nil {
		return c.Stats(), err
	}
	return c.Stats(), nil
}
