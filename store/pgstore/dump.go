package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive/store"
)

var _ store.Dumper = (*DB)(nil)

// DumpPages calls fn with each page as stored (every part: revisions,
// cards, fetches, raw), in page id order, from one snapshot. An error
// from fn stops the walk and is returned as is.
func (db *DB) DumpPages(ctx context.Context, fn func(*store.PageDump) error) error {
	var fnErr error
	pt := parts{cards: true, revisions: true, fetches: true, raw: true, rawData: true}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		return walkPages(ctx, tx, "true", nil, pt, fetchChunk, func(p *store.PageDump) error {
			if err := fn(p); err != nil {
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
		return fmt.Errorf("pgstore: dump pages: %w", err)
	}
	return nil
}

// DumpUnarchived calls fn with each unarchived page as stored, in id
// order, from one snapshot. An error from fn stops the walk and is
// returned as is.
func (db *DB) DumpUnarchived(ctx context.Context, fn func(*store.UnarchivedDump) error) error {
	var fnErr error
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var last int64
		for {
			rows, err := tx.Query(ctx, `SELECT id, coalesce(run_id, 0), url, page_type, title, fetched_at, content_type, charset,
				encoding, size, data, content_encoding, payload_digest, remote_ip, request, response
				FROM unarchived WHERE id > $1 ORDER BY id LIMIT $2`, last, fetchChunk)
			if err != nil {
				return err
			}
			var batch []*store.UnarchivedDump
			for rows.Next() {
				u := &store.UnarchivedDump{}
				var at time.Time
				if err := rows.Scan(&u.ID, &u.RunID, &u.URL, &u.PageType, &u.Title, &at, &u.ContentType, &u.Charset, &u.Encoding,
					&u.Size, &u.Data, &u.ContentEncoding, &u.PayloadDigest, &u.RemoteIP, &u.Request, &u.Response); err != nil {
					rows.Close()
					return err
				}
				u.FetchedAt = ms(at)
				batch = append(batch, u)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for _, u := range batch {
				if err := fn(u); err != nil {
					fnErr = err
					return err
				}
			}
			if len(batch) < fetchChunk {
				return nil
			}
			last = batch[len(batch)-1].ID
		}
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("pgstore: dump unarchived pages: %w", err)
	}
	return nil
}

// DumpRuns returns every run with what it was started with, oldest
// first, as Runs and RunSpec give them (article counts included that
// Complete has not yet folded into the runs row).
func (db *DB) DumpRuns(ctx context.Context) ([]store.RunDump, error) {
	runs, err := db.Runs(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgstore: dump runs: %w", err)
	}
	out := make([]store.RunDump, 0, len(runs))
	for i := len(runs) - 1; i >= 0; i-- {
		spec, err := db.RunSpec(ctx, runs[i].ID)
		if err != nil {
			return nil, fmt.Errorf("pgstore: dump runs: %w", err)
		}
		r := runs[i]
		r.StartedAt, r.FinishedAt = ms(r.StartedAt), ms(r.FinishedAt)
		out = append(out, store.RunDump{Run: r, Spec: spec})
	}
	return out, nil
}

// DumpFrontier calls fn with each frontier row of every run, in id order,
// from one snapshot, without its lease. An error from fn stops the walk
// and is returned as is.
func (db *DB) DumpFrontier(ctx context.Context, fn func(*store.FrontierDump) error) error {
	var fnErr error
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var last int64
		const chunk = 4096
		for {
			rows, err := tx.Query(ctx, `SELECT id, run_id, url, host, depth, attempts, next_try, state, last_error, fail_runs
				FROM frontier WHERE id > $1 ORDER BY id LIMIT $2`, last, chunk)
			if err != nil {
				return err
			}
			var batch []*store.FrontierDump
			for rows.Next() {
				f := &store.FrontierDump{}
				var next time.Time
				if err := rows.Scan(&f.ID, &f.RunID, &f.URL, &f.Host, &f.Depth, &f.Attempts, &next, &f.State, &f.LastError,
					&f.FailRuns); err != nil {
					rows.Close()
					return err
				}
				if next.After(time.Unix(0, 0)) { // 'epoch' is now
					f.NextTry = ms(next)
				}
				batch = append(batch, f)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for _, f := range batch {
				if err := fn(f); err != nil {
					fnErr = err
					return err
				}
			}
			if len(batch) < chunk {
				return nil
			}
			last = batch[len(batch)-1].ID
		}
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("pgstore: dump frontier: %w", err)
	}
	return nil
}
