package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive"
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

// DumpRuns returns every run with what it was started with, oldest first.
func (db *DB) DumpRuns(ctx context.Context) ([]store.RunDump, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, seeds, options, adaptive, min_revisit_s, max_revisit_s, started_at, finished_at,
		status, error, fetched, new, changed, unchanged, not_modified, failed, skipped, bytes, skipped_by, failed_by,
		gone, gone_by, deferred, dropped, removed FROM runs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: dump runs: %w", err)
	}
	defer rows.Close()
	var out []store.RunDump
	for rows.Next() {
		var (
			r          finarchive.Run
			opts       json.RawMessage
			adaptive   bool
			minS, maxS int64
			started    time.Time
			finished   *time.Time
		)
		if err := rows.Scan(&r.ID, &r.Seeds, &opts, &adaptive, &minS, &maxS, &started, &finished, &r.Status, &r.Error,
			&r.Fetched, &r.New, &r.Changed, &r.Unchanged, &r.NotModified, &r.Failed, &r.Skipped, &r.Bytes,
			&r.SkippedBy, &r.FailedBy, &r.Gone, &r.GoneBy, &r.Deferred, &r.Dropped, &r.Removed); err != nil {
			return nil, fmt.Errorf("pgstore: dump runs: %w", err)
		}
		r.Options = []byte(opts)
		// An empty count map reads as none, as in SQLite.
		for _, m := range []*map[string]int{&r.SkippedBy, &r.FailedBy, &r.GoneBy} {
			if len(*m) == 0 {
				*m = nil
			}
		}
		r.StartedAt, r.FinishedAt = ms(started), msPtr(finished)
		out = append(out, store.RunDump{Run: r, Spec: store.RunSpec{Seeds: r.Seeds, Options: r.Options, Adaptive: adaptive,
			MinRevisit: time.Duration(minS) * time.Second, MaxRevisit: time.Duration(maxS) * time.Second}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: dump runs: %w", err)
	}
	return out, nil
}
