package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/store"
)

// runConfig is what Complete needs to know of a run: its adaptive
// revisit bounds.
type runConfig struct {
	adaptive bool
	min, max time.Duration
}

// runConfigs caches each run's config (it never changes once started).
type runConfigs struct {
	mu sync.Mutex
	m  map[int64]runConfig
}

// ts returns t as the archive stores times: UTC, to the millisecond, as
// SQLite keeps them, so both back ends hold and export the same values.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// nullTS is ts, or NULL for the zero time.
func nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

// runConfig returns the run's settings, cached after the first look-up.
func (db *DB) runConfig(ctx context.Context, runID int64) (runConfig, error) {
	db.w.runCfg.mu.Lock()
	c, ok := db.w.runCfg.m[runID]
	db.w.runCfg.mu.Unlock()
	if ok {
		return c, nil
	}
	var minS, maxS int64
	err := db.pool.QueryRow(ctx, "SELECT adaptive, min_revisit_s, max_revisit_s FROM runs WHERE id = $1", runID).Scan(&c.adaptive, &minS, &maxS)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("run %d: %w", runID, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("run %d: %w", runID, err)
	}
	c.min, c.max = store.RevisitBounds(time.Duration(minS)*time.Second, time.Duration(maxS)*time.Second)
	db.w.runCfg.mu.Lock()
	if db.w.runCfg.m == nil {
		db.w.runCfg.m = map[int64]runConfig{}
	}
	db.w.runCfg.m[runID] = c
	db.w.runCfg.mu.Unlock()
	return c, nil
}

// StartRun records a new run in state "running" and returns its id.
func (db *DB) StartRun(ctx context.Context, spec store.RunSpec) (int64, error) {
	seeds := spec.Seeds
	if seeds == nil {
		seeds = []string{}
	}
	seedsJSON, err := json.Marshal(seeds)
	if err != nil {
		return 0, fmt.Errorf("pgstore: start run: %w", err)
	}
	opts := string(spec.Options)
	if opts == "" {
		opts = "{}"
	}
	c := runConfig{adaptive: spec.Adaptive}
	c.min, c.max = store.RevisitBounds(spec.MinRevisit, spec.MaxRevisit)
	var id int64
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO runs (seeds, options, adaptive, min_revisit_s, max_revisit_s, started_at, status)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			string(seedsJSON), opts, c.adaptive, int64(c.min/time.Second), int64(c.max/time.Second),
			ts(db.now()), finarchive.RunRunning).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: start run: %w", err)
	}
	db.w.runCfg.mu.Lock()
	if db.w.runCfg.m == nil {
		db.w.runCfg.m = map[int64]runConfig{}
	}
	db.w.runCfg.m[id] = c
	db.w.runCfg.mu.Unlock()
	return id, nil
}

// countArgs returns the counts as SQL arguments, in the order of
// setCounts' columns ($2 …). The article counts are not among them:
// Complete adds those in the transaction that saves the pages.
func countArgs(c finarchive.RunCounts) ([]any, error) {
	var maps [3][]byte
	for i, m := range []map[string]int{c.SkippedBy, c.FailedBy, c.GoneBy} {
		if m == nil {
			m = map[string]int{}
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		maps[i] = b
	}
	return []any{c.Fetched, c.Failed, c.Skipped, c.Bytes, string(maps[0]), string(maps[1]),
		c.Gone, string(maps[2]), c.Deferred, c.Dropped, c.Removed}, nil
}

const setCounts = `fetched = $2, failed = $3, skipped = $4, bytes = $5, skipped_by = $6, failed_by = $7,
	gone = $8, gone_by = $9, deferred = $10, dropped = $11, removed = $12`

// UpdateRunCounts stores a running run's counts: all but the article
// counts (new, changed, unchanged, not modified), which are the store's
// own, committed with the pages by Complete.
func (db *DB) UpdateRunCounts(ctx context.Context, id int64, counts finarchive.RunCounts) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		// counts are this process's: the run's are the sum over its
		// processes (a crawl and its workers, workers.go).
		sum, err := db.WorkerCounts(ctx, tx, id, counts)
		if err != nil {
			return err
		}
		args, err := countArgs(sum)
		if err != nil {
			return err
		}
		ct, err := tx.Exec(ctx, "UPDATE runs SET "+setCounts+" WHERE id = $1", append([]any{id}, args...)...)
		if err == nil && ct.RowsAffected() == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: update run %d: %w", id, err)
	}
	return nil
}

// FinishRun records a run's end: its status, final counts (as
// UpdateRunCounts) and the error that stopped it, if any. The article
// counts saved so far are folded into the runs row.
func (db *DB) FinishRun(ctx context.Context, id int64, status string, counts finarchive.RunCounts, errMsg string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		sum, err := db.WorkerCounts(ctx, tx, id, counts) // as UpdateRunCounts
		if err != nil {
			return err
		}
		args, err := countArgs(sum)
		if err != nil {
			return err
		}
		args = append([]any{id}, args...)
		args = append(args, ts(db.now()), status, errMsg)
		ct, err := tx.Exec(ctx, `WITH d AS (DELETE FROM run_counts WHERE run_id = $1 RETURNING *)
			UPDATE runs SET finished_at = $13, status = $14, error = $15, `+setCounts+`,
				new = new + coalesce((SELECT sum(new) FROM d), 0),
				changed = changed + coalesce((SELECT sum(changed) FROM d), 0),
				unchanged = unchanged + coalesce((SELECT sum(unchanged) FROM d), 0),
				not_modified = not_modified + coalesce((SELECT sum(not_modified) FROM d), 0)
			WHERE id = $1`, args...)
		if err == nil && ct.RowsAffected() == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: finish run %d: %w", id, err)
	}
	return nil
}

// ReopenRun marks a run "running" again (crawl --resume) and clears its
// finish time and error.
func (db *DB) ReopenRun(ctx context.Context, id int64) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		// The resumed crawl reports the stored counts plus its own.
		if err := db.ResetWorkerCounts(ctx, tx, id); err != nil {
			return err
		}
		ct, err := tx.Exec(ctx, "UPDATE runs SET status = $2, finished_at = NULL, error = '' WHERE id = $1", id, finarchive.RunRunning)
		if err == nil && ct.RowsAffected() == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: reopen run %d: %w", id, err)
	}
	return nil
}

// runSelect reads runs with their article counts: the runs row's plus
// those not yet folded in from run_counts.
const runSelect = `SELECT r.id, r.seeds::text, r.options, r.adaptive, r.min_revisit_s, r.max_revisit_s, r.started_at, r.finished_at,
	r.status, r.error, r.fetched, r.new + coalesce(c.new, 0), r.changed + coalesce(c.changed, 0),
	r.unchanged + coalesce(c.unchanged, 0), r.not_modified + coalesce(c.not_modified, 0),
	r.failed, r.skipped, r.bytes, r.skipped_by::text, r.failed_by::text, r.gone, r.gone_by::text, r.deferred, r.dropped, r.removed
	FROM runs r LEFT JOIN LATERAL (SELECT sum(new)::bigint AS new, sum(changed)::bigint AS changed, sum(unchanged)::bigint AS unchanged,
		sum(not_modified)::bigint AS not_modified FROM run_counts WHERE run_id = r.id) c ON true`

func scanRun(row pgx.Row) (finarchive.Run, store.RunSpec, error) {
	var (
		r                 finarchive.Run
		spec              store.RunSpec
		seeds, opts       string
		sb, fb, gb        string
		finished          *time.Time
		minS, maxS        int64
		adaptive          bool
		nw, ch, un, nm, b int64
	)
	err := row.Scan(&r.ID, &seeds, &opts, &adaptive, &minS, &maxS, &r.StartedAt, &finished, &r.Status, &r.Error,
		&r.Fetched, &nw, &ch, &un, &nm, &r.Failed, &r.Skipped, &b, &sb, &fb, &r.Gone, &gb, &r.Deferred, &r.Dropped, &r.Removed)
	if err != nil {
		return r, spec, err
	}
	r.New, r.Changed, r.Unchanged, r.NotModified, r.Bytes = int(nw), int(ch), int(un), int(nm), b
	if err := json.Unmarshal([]byte(seeds), &r.Seeds); err != nil {
		return r, spec, fmt.Errorf("seeds: %w", err)
	}
	for _, m := range []struct {
		js  string
		dst *map[string]int
	}{{sb, &r.SkippedBy}, {fb, &r.FailedBy}, {gb, &r.GoneBy}} {
		if m.js == "" || m.js == "{}" {
			continue
		}
		if err := json.Unmarshal([]byte(m.js), m.dst); err != nil {
			return r, spec, fmt.Errorf("counts: %w", err)
		}
	}
	r.Options = []byte(opts)
	r.StartedAt = r.StartedAt.UTC()
	if finished != nil {
		r.FinishedAt = finished.UTC()
	}
	spec = store.RunSpec{
		Seeds:      r.Seeds,
		Options:    r.Options,
		Adaptive:   adaptive,
		MinRevisit: time.Duration(minS) * time.Second,
		MaxRevisit: time.Duration(maxS) * time.Second,
	}
	return r, spec, nil
}

// Run returns the run with the given id, or store.ErrNotFound.
func (db *DB) Run(ctx context.Context, id int64) (finarchive.Run, error) {
	r, _, err := scanRun(db.pool.QueryRow(ctx, runSelect+" WHERE r.id = $1", id))
	if err != nil {
		return r, fmt.Errorf("pgstore: run %d: %w", id, errNotFound(err))
	}
	return r, nil
}

// RunSpec returns what the run was started with, or store.ErrNotFound.
func (db *DB) RunSpec(ctx context.Context, id int64) (store.RunSpec, error) {
	_, spec, err := scanRun(db.pool.QueryRow(ctx, runSelect+" WHERE r.id = $1", id))
	if err != nil {
		return spec, fmt.Errorf("pgstore: run %d: %w", id, errNotFound(err))
	}
	return spec, nil
}

// LastRun returns the newest run, or store.ErrNotFound when there is none.
func (db *DB) LastRun(ctx context.Context) (finarchive.Run, error) {
	r, _, err := scanRun(db.pool.QueryRow(ctx, runSelect+" ORDER BY r.id DESC LIMIT 1"))
	if err != nil {
		return r, fmt.Errorf("pgstore: last run: %w", errNotFound(err))
	}
	return r, nil
}

// Runs returns every run, newest first.
func (db *DB) Runs(ctx context.Context) ([]finarchive.Run, error) {
	rows, err := db.pool.Query(ctx, runSelect+" ORDER BY r.id DESC")
	if err != nil {
		return nil, fmt.Errorf("pgstore: runs: %w", err)
	}
	defer rows.Close()
	var out []finarchive.Run
	for rows.Next() {
		r, _, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("pgstore: runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: runs: %w", err)
	}
	return out, nil
}
