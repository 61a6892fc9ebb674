package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
)

// Group commit. The crawler's workers call Complete, Enqueue, Claim and
// Retry concurrently; each call becomes a writeReq for the one writer
// goroutine, which runs all the requests waiting at that moment (up to
// maxBatch, and after commitDelay when callers are many) in one
// transaction. A batch costs one commit instead of one per page (the search
// index waits for still larger batches: see "Deferred indexing" below). If
// any request of a batch fails, the batch rolls back and each request runs again
// alone, so one bad request never takes others down and each caller gets
// its own error. A request's fn may therefore run twice: it must set its
// results from scratch each time.

// maxBatch bounds the requests in one transaction.
const maxBatch = 64

// commitDelay is how long a batch may wait for more requests once several
// callers are seen writing at once (PostgreSQL's commit_delay and
// commit_siblings, in one rule). Without it a batch holds whatever was
// queued at the moment the writer came free: one or two of a crawl's
// completions, so every page paid for its own commit. Waiting up to 5 ms
// gathers about twenty (measured on the benchmark crawl: 4,591
// transactions for 5,882 pages without waiting, about 550 waiting 2 ms,
// about 300 waiting 5 ms; CPU per page fell about 10% and 3% more). A
// commit's cost is mostly the B-tree pages it writes to the WAL, and
// pages written by many requests of one batch are written once.
//
// The wait is cut short when the batch holds as many requests as the
// largest batch of late (peak, decaying): callers that write in a tight
// loop are then all in it, and nobody else is coming. A lone caller,
// writing one request after another, never waits: nothing queues up while
// its request runs.
const commitDelay = 5 * time.Millisecond

// ErrClosed is returned by writes on a closed DB.
var ErrClosed = errors.New("store: database closed")

type writeReq struct {
	ctx  context.Context
	fn   func(tx *wtx) error
	done chan error
}

// wtx is a write transaction of one or more requests. The search index
// rows of the pages it saves join the rows still pending from earlier
// transactions in index; see inWriteTx.
type wtx struct {
	*sql.Tx
	index    []indexDoc
	flushNow bool // write the pending index rows at the end of this transaction
	// Article counts of the pages saved in this transaction, per run,
	// added to the runs rows in it (see saved).
	counts map[int64]*articleCounts
}

// articleCounts are a run's counts of what it archived: they are added to
// the runs row in the transaction that saves the pages, so they always
// match the archive, whenever the crawl dies.
type articleCounts struct{ new, changed, unchanged, notModified int }

// saved counts one page saved by Complete in run runID with result
// (notModified: a 304 for an archived page).
func (tx *wtx) saved(runID int64, result finarchive.SaveResult, notModified bool) {
	if tx.counts == nil {
		tx.counts = map[int64]*articleCounts{}
	}
	c := tx.counts[runID]
	if c == nil {
		c = &articleCounts{}
		tx.counts[runID] = c
	}
	switch {
	case notModified && result == finarchive.SaveUnchanged:
		c.notModified++
	case notModified:
	case result == finarchive.SaveNew:
		c.new++
	case result == finarchive.SaveChanged:
		c.changed++
	case result == finarchive.SaveUnchanged:
		c.unchanged++
	}
}

// flushCounts adds the transaction's article counts to the runs rows and,
// for a run whose counts are tracked (see TrackCounts), stores the rest of
// its counts as they stand now, in the same transaction as its pages.
func (tx *wtx) flushCounts(ctx context.Context, db *DB) error {
	for id, c := range tx.counts {
		q := `UPDATE runs SET new = new + ?, changed = changed + ?, unchanged = unchanged + ?, not_modified = not_modified + ?`
		args := []any{c.new, c.changed, c.unchanged, c.notModified}
		if track := db.tracker(id); track != nil {
			more, err := countArgs(track())
			if err != nil {
				return fmt.Errorf("count run %d: %w", id, err)
			}
			q, args = q+", "+setCounts, append(args, more...)
		} else if *c == (articleCounts{}) {
			continue
		}
		if _, err := tx.ExecContext(ctx, q+" WHERE id = ?", append(args, id)...); err != nil {
			return fmt.Errorf("count run %d: %w", id, err)
		}
	}
	return nil
}

// Deferred indexing. Writing the full-text index costs about as much as
// all the rest of saving a page, and the cost per page falls by half when
// many pages go in at once: FTS4 writes one segment per statement and
// merges segments 16 at a time, so larger segments mean less merging. The
// index rows of saved pages therefore wait in memory (DB.pending) and go
// in by one statement at the end of the transaction in which indexBatch of
// them are waiting or the oldest has waited indexDelay, or when the writer
// is idle that long, on Close, before a Search through this DB, and
// on RebuildSearch. A page is searchable at most indexDelay after it was
// saved. Rows lost by a crash are recovered on the next Open: the docid is
// the revision id and rows go in in id order, so the current revisions
// newer than the index's largest docid are exactly those missing
// (catchUpIndex).
const (
	indexBatch = 512
	indexDelay = time.Second
)

// indexDoc is the search index row of a page's new revision, in bigram
// form: docid = the revision's id (see 0003_contentless_search.sql).
type indexDoc struct {
	page, rev int64
	t, b      string // title and body bigrams
	c, tc     string // distinct characters of title and body, of the title
}

// addIndex queues the index row of page's new revision rev. A row of the
// same page still waiting (a page saved twice in one batch) is replaced:
// it would only be stale.
func (tx *wtx) addIndex(page, rev int64, t, b, c, tc string) {
	for i, d := range tx.index {
		if d.page == page {
			tx.index = append(tx.index[:i], tx.index[i+1:]...)
			break
		}
	}
	tx.index = append(tx.index, indexDoc{page: page, rev: rev, t: t, b: b, c: c, tc: tc})
}

// flushIndex inserts the waiting index rows, by docid, in one statement.
func (tx *wtx) flushIndex(ctx context.Context) error {
	if len(tx.index) == 0 {
		return nil
	}
	slices.SortFunc(tx.index, func(a, b indexDoc) int { return cmp.Compare(a.rev, b.rev) })
	var q, qt strings.Builder
	q.WriteString("INSERT INTO search (docid, t, b, c) VALUES ")
	qt.WriteString("INSERT INTO search_title (docid, t, c) VALUES ")
	args := make([]any, 0, 4*len(tx.index))
	targs := make([]any, 0, 3*len(tx.index))
	for i, d := range tx.index {
		if i > 0 {
			q.WriteByte(',')
			qt.WriteByte(',')
		}
		q.WriteString("(?, ?, ?, ?)")
		qt.WriteString("(?, ?, ?)")
		args = append(args, d.rev, d.t, d.b, d.c)
		targs = append(targs, d.rev, d.t, d.tc)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("index pages: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qt.String(), targs...); err != nil {
		return fmt.Errorf("index titles: %w", err)
	}
	tx.index = tx.index[:0]
	return nil
}

// inWriteTx runs fns in one write transaction and commits, or rolls back if
// any fails; it writes the pending index rows when they are due (see
// indexBatch). It runs on the writer goroutine only, which owns
// db.pending.
func (db *DB) inWriteTx(ctx context.Context, fns ...func(tx *wtx) error) error {
	// A copy: a rolled-back transaction must leave db.pending as it was.
	tx := &wtx{index: slices.Clone(db.pending)}
	err := db.inTx(ctx, func(sqlTx *sql.Tx) error {
		tx.Tx = sqlTx
		if err := db.checkFence(ctx, sqlTx); err != nil {
			return err
		}
		for _, fn := range fns {
			if err := fn(tx); err != nil {
				return err
			}
		}
		if err := tx.flushCounts(ctx, db); err != nil {
			return err
		}
		if len(tx.index) > 0 && (tx.flushNow || len(tx.index) >= indexBatch || db.indexDue()) {
			return tx.flushIndex(ctx)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(db.pending) == 0 && len(tx.index) > 0 {
		db.pendingSince = time.Now()
	}
	db.pending = tx.index
	db.pendingN.Store(int64(len(tx.index)))
	return nil
}

// indexDue reports whether the oldest pending index row has waited
// indexDelay.
func (db *DB) indexDue() bool {
	return len(db.pending) > 0 && time.Since(db.pendingSince) >= indexDelay
}

// flushIndexNow writes the pending index rows from the writer goroutine.
func (db *DB) flushIndexNow() {
	if len(db.pending) == 0 {
		return
	}
	err := db.inWriteTx(context.Background(), func(tx *wtx) error { tx.flushNow = true; return nil })
	var lost *LockLostError
	if errors.As(err, &lost) {
		// Nothing commits any more; the next Open indexes these pages
		// (catchUpIndex).
		db.pending, db.pendingSince = nil, time.Time{}
		db.pendingN.Store(0)
		return
	}
	if err != nil {
		db.logger.Warn("store: write search index", "pages", len(db.pending), "err", err)
		db.pendingSince = time.Now() // try again in indexDelay, not at once
	}
}

// flushSearch makes the pages saved so far searchable (see indexDelay).
func (db *DB) flushSearch(ctx context.Context) error {
	if db.w == nil || db.pendingN.Load() == 0 {
		return nil
	}
	return db.write(ctx, func(tx *wtx) error { tx.flushNow = true; return nil })
}

// catchUpIndex indexes the current revisions newer than the index's
// largest docid: the rows a crash lost before they were written.
func (db *DB) catchUpIndex(ctx context.Context) error {
	const cur = `FROM revisions r JOIN pages p ON p.id = r.page_id
		WHERE r.id > (SELECT coalesce(max(docid), 0) FROM %s_docsize)
		AND NOT EXISTS (SELECT 1 FROM revisions n WHERE n.page_id = r.page_id AND n.id > r.id)
		ORDER BY r.id`
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO search (docid, t, b, c) SELECT r.id, fa_bigrams(p.title), fa_bigrams(p.body), fa_chars(p.title, p.body) "+
			fmt.Sprintf(cur, "search")); err != nil {
			return fmt.Errorf("store: catch up search index: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO search_title (docid, t, c) SELECT r.id, fa_bigrams(p.title), fa_chars(p.title, '') "+
			fmt.Sprintf(cur, "search_title")); err != nil {
			return fmt.Errorf("store: catch up search index: %w", err)
		}
		return nil
	})
}

// write runs fn in a write transaction, possibly shared with other
// requests, and returns when it has committed or failed.
func (db *DB) write(ctx context.Context, fn func(tx *wtx) error) error {
	if db.w == nil {
		return ErrReadOnly
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.writes <- req:
	case <-db.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the request runs (or fails on its own cancelled ctx):
	// wait for the outcome so the caller knows whether it committed.
	select {
	case err := <-req.done:
		return err
	case <-db.writerDone:
		select {
		case err := <-req.done:
			return err
		default:
			return ErrClosed // queued after the writer had stopped
		}
	}
}

// exec runs one statement as a write request, serialised with the other
// writes and fenced like them (see checkFence), and returns how many rows
// it changed.
func (db *DB) exec(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// writer serves write requests until Close.
func (db *DB) writer() {
	defer close(db.writerDone)
	batch := make([]*writeReq, 0, maxBatch)
	timer := time.NewTimer(indexDelay)
	timer.Stop()
	concurrent := false
	peak := 0.0 // recent largest batch, decaying by a twentieth per batch
	for {
		var due <-chan time.Time
		if len(db.pending) > 0 {
			timer.Reset(max(0, indexDelay-time.Since(db.pendingSince)))
			due = timer.C
		}
		select {
		case r := <-db.writes:
			batch = append(batch[:0], r)
		case <-due:
			db.flushIndexNow()
			continue
		case <-db.closing:
			timer.Stop()
			// Fail whatever is still queued, and write the index.
			for {
				select {
				case r := <-db.writes:
					r.done <- ErrClosed
				default:
					db.flushIndexNow()
					return
				}
			}
		}
		timer.Stop()
		batch = db.fill(batch, concurrent, int(peak))
		db.runBatch(batch)
		// Requests that queued up while this batch ran mean several
		// callers are writing: the next batch waits for its siblings. A
		// wait that gathered nothing means they have gone.
		concurrent = len(db.writes) > 0 || (concurrent && len(batch) > 1)
		peak = max(float64(len(batch)), peak*0.95)
		clear(batch)
	}
}

// fill adds the requests already waiting to batch, up to maxBatch. When
// concurrent, it then waits up to commitDelay for more, until the batch
// holds enough (as many as the recent peak).
func (db *DB) fill(batch []*writeReq, concurrent bool, enough int) []*writeReq {
	enough = min(max(enough, 2), maxBatch)
	batch = db.takeQueued(batch)
	if !concurrent || len(batch) >= enough {
		return batch
	}
	wait := time.NewTimer(commitDelay)
	defer wait.Stop()
	for len(batch) < enough {
		select {
		case r := <-db.writes:
			batch = append(batch, r)
		case <-wait.C:
			return batch
		}
	}
	return db.takeQueued(batch) // enough: and what else is already queued
}

// takeQueued adds the requests already queued to batch, up to maxBatch,
// without waiting.
func (db *DB) takeQueued(batch []*writeReq) []*writeReq {
	for len(batch) < maxBatch {
		select {
		case r := <-db.writes:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (db *DB) runBatch(batch []*writeReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].done <- db.commitRequests(live[0].ctx, live[0].fn)
		return
	}
	fns := make([]func(*wtx) error, len(live))
	for i, r := range live {
		fns[i] = r.fn
	}
	err := db.commitRequests(context.Background(), fns...)
	if err == nil {
		for _, r := range live {
			r.done <- nil
		}
		return
	}
	db.logger.Debug("store: batch failed, running its requests one by one", "requests", len(live), "err", err)
	for _, r := range live {
		r.done <- db.commitRequests(r.ctx, r.fn)
	}
}

// commitRequests runs the requests' fns in one transaction (inWriteTx) and
// counts it for WriteStats when it commits.
func (db *DB) commitRequests(ctx context.Context, fns ...func(tx *wtx) error) error {
	err := db.inWriteTx(ctx, fns...)
	if err == nil {
		db.txs.Add(1)
		db.reqs.Add(int64(len(fns)))
	}
	return err
}

// WriteStats says how many write requests (Complete, Enqueue, Claim …) have
// committed through this DB and in how many transactions: their ratio is
// how well group commit is batching.
func (db *DB) WriteStats() (requests, transactions int64) {
	return db.reqs.Load(), db.txs.Load()
}

// startWriter starts the writer goroutine; Close stops it.
func (db *DB) startWriter() {
	db.writes = make(chan *writeReq, 4*maxBatch)
	db.closing = make(chan struct{})
	db.writerDone = make(chan struct{})
	go db.writer()
}

func (db *DB) stopWriter() {
	if db.closing == nil {
		return
	}
	db.closeOnce.Do(func() { close(db.closing) })
	<-db.writerDone
}
