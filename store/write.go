package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Group commit. The crawler's workers call Complete, Enqueue, Claim and
// Retry concurrently; each call becomes a writeReq for the one writer
// goroutine, which runs all the requests waiting at that moment (up to
// maxBatch) in one transaction. A batch costs one commit and one flush of
// the full-text index's pending terms instead of one per page. If any
// request of a batch fails, the batch rolls back and each request runs again
// alone, so one bad request never takes others down and each caller gets
// its own error. A request's fn may therefore run twice: it must set its
// results from scratch each time.

// maxBatch bounds the requests in one transaction.
const maxBatch = 64

// ErrClosed is returned by writes on a closed DB.
var ErrClosed = errors.New("store: database closed")

type writeReq struct {
	ctx  context.Context
	fn   func(tx *wtx) error
	done chan error
}

// wtx is a write transaction of one or more requests. Pages to add to the
// search index wait in index until the end: FTS4 writes its pending terms
// out as a new segment at every statement that opens a statement journal
// (any multi-row or vtab write), so the index rows are inserted by one
// last statement, making one segment per transaction, not one per page.
type wtx struct {
	*sql.Tx
	index []indexDoc
}

// indexDoc is the search index row of a page's new revision, in bigram
// form: docid = the revision's id (see 0003_contentless_search.sql).
type indexDoc struct {
	page, rev int64
	t, b      string
}

// addIndex queues the index row of page's new revision rev. A row of the
// same page still waiting (a page saved twice in one batch) is replaced:
// it would only be stale.
func (tx *wtx) addIndex(page, rev int64, t, b string) {
	for i, d := range tx.index {
		if d.page == page {
			tx.index = append(tx.index[:i], tx.index[i+1:]...)
			break
		}
	}
	tx.index = append(tx.index, indexDoc{page: page, rev: rev, t: t, b: b})
}

// flushIndex inserts the waiting index rows, by docid, in one statement.
func (tx *wtx) flushIndex(ctx context.Context) error {
	if len(tx.index) == 0 {
		return nil
	}
	slices.SortFunc(tx.index, func(a, b indexDoc) int { return cmp.Compare(a.rev, b.rev) })
	var q, qt strings.Builder
	q.WriteString("INSERT INTO search (docid, t, b) VALUES ")
	qt.WriteString("INSERT INTO search_title (docid, t) VALUES ")
	args := make([]any, 0, 3*len(tx.index))
	targs := make([]any, 0, 2*len(tx.index))
	for i, d := range tx.index {
		if i > 0 {
			q.WriteByte(',')
			qt.WriteByte(',')
		}
		q.WriteString("(?, ?, ?)")
		qt.WriteString("(?, ?)")
		args = append(args, d.rev, d.t, d.b)
		targs = append(targs, d.rev, d.t)
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

// inWriteTx runs fns in one write transaction, adds their pages to the
// search index and commits, or rolls back if any fails.
func (db *DB) inWriteTx(ctx context.Context, fns ...func(tx *wtx) error) error {
	return db.inTx(ctx, func(sqlTx *sql.Tx) error {
		tx := &wtx{Tx: sqlTx}
		for _, fn := range fns {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return tx.flushIndex(ctx)
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

// writer serves write requests until Close.
func (db *DB) writer() {
	defer close(db.writerDone)
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case r := <-db.writes:
			batch = append(batch[:0], r)
		case <-db.closing:
			// Fail whatever is still queued.
			for {
				select {
				case r := <-db.writes:
					r.done <- ErrClosed
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-db.writes:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		db.runBatch(batch)
		clear(batch)
	}
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
		live[0].done <- db.inWriteTx(live[0].ctx, live[0].fn)
		return
	}
	fns := make([]func(*wtx) error, len(live))
	for i, r := range live {
		fns[i] = r.fn
	}
	err := db.inWriteTx(context.Background(), fns...)
	if err == nil {
		for _, r := range live {
			r.done <- nil
		}
		return
	}
	db.logger.Debug("store: batch failed, running its requests one by one", "requests", len(live), "err", err)
	for _, r := range live {
		r.done <- db.inWriteTx(r.ctx, r.fn)
	}
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
