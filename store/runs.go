package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/finarchive/finarchive"
)

// Default revisit bounds, used when a RunSpec leaves them zero.
const (
	DefaultMinRevisit = 24 * time.Hour
	DefaultMaxRevisit = 30 * 24 * time.Hour
)

// RunSpec is what a new crawl run is asked to do.
type RunSpec struct {
	Seeds   []string
	Options []byte // JSON of the crawl options, kept for --resume
	// Adaptive makes Enqueue park links (depth > 0) to archived pages whose
	// next revisit is not due yet in state "notdue" instead of queueing them.
	Adaptive bool
	// MinRevisit and MaxRevisit bound each page's revisit interval
	// (defaults DefaultMinRevisit and DefaultMaxRevisit).
	MinRevisit time.Duration
	MaxRevisit time.Duration
}

// runConfig is what Enqueue and Complete need to know about a run.
type runConfig struct {
	adaptive bool
	min, max time.Duration
}

func (c *runConfig) normalize() {
	if c.min <= 0 {
		c.min = DefaultMinRevisit
	}
	if c.max <= 0 {
		c.max = DefaultMaxRevisit
	}
	if c.max < c.min {
		c.max = c.min
	}
}

// runConfig returns the run's settings, cached after the first look-up.
func (db *DB) runConfig(ctx context.Context, q querier, runID int64) (runConfig, error) {
	db.mu.Lock()
	c, ok := db.runs[runID]
	db.mu.Unlock()
	if ok {
		return c, nil
	}
	var adaptive int
	var minS, maxS int64
	err := q.QueryRowContext(ctx, "SELECT adaptive, min_revisit_s, max_revisit_s FROM runs WHERE id = ?", runID).Scan(&adaptive, &minS, &maxS)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("run %d: %w", runID, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("run %d: %w", runID, err)
	}
	c = runConfig{adaptive: adaptive != 0, min: time.Duration(minS) * time.Second, max: time.Duration(maxS) * time.Second}
	c.normalize()
	db.mu.Lock()
	db.runs[runID] = c
	db.mu.Unlock()
	return c, nil
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// StartRun records a new run in state "running" and returns its id.
func (db *DB) StartRun(ctx context.Context, spec RunSpec) (int64, error) {
	if db.w == nil {
		return 0, ErrReadOnly
	}
	seeds := spec.Seeds
	if seeds == nil {
		seeds = []string{}
	}
	seedsJSON, err := json.Marshal(seeds)
	if err != nil {
		return 0, fmt.Errorf("store: start run: %w", err)
	}
	opts := string(spec.Options)
	if opts == "" {
		opts = "{}"
	}
	c := runConfig{adaptive: spec.Adaptive, min: spec.MinRevisit, max: spec.MaxRevisit}
	c.normalize()
	adaptive := 0
	if c.adaptive {
		adaptive = 1
	}
	var id int64
	err = db.write(ctx, func(tx *wtx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO runs (seeds, options, adaptive, min_revisit_s, max_revisit_s, started_at, status)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(seedsJSON), opts, adaptive, int64(c.min/time.Second), int64(c.max/time.Second),
			fmtTime(db.now()), finarchive.RunRunning).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("store: start run: %w", err)
	}
	db.mu.Lock()
	db.runs[id] = c
	db.mu.Unlock()
	return id, nil
}

// countArgs returns the counts as SQL arguments, in the order of
// setCounts' columns. The article counts (new, changed, unchanged,
// not_modified) are not among them: Complete adds them to the run in the
// transaction that saves the pages.
func countArgs(c finarchive.RunCounts) ([]any, error) {
	sb, err := json.Marshal(orEmpty(c.SkippedBy))
	if err != nil {
		return nil, err
	}
	fb, err := json.Marshal(orEmpty(c.FailedBy))
	if err != nil {
		return nil, err
	}
	gb, err := json.Marshal(orEmpty(c.GoneBy))
	if err != nil {
		return nil, err
	}
	return []any{c.Fetched, c.Failed, c.Skipped, c.Bytes, string(sb), string(fb),
		c.Gone, string(gb), c.Deferred, c.Dropped, c.Removed}, nil
}

func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

const setCounts = `fetched = ?, failed = ?, skipped = ?, bytes = ?, skipped_by = ?, failed_by = ?,
	gone = ?, gone_by = ?, deferred = ?, dropped = ?, removed = ?`

// TrackCounts makes every transaction that completes URLs of run id store
// the run's counts as counts returns them then (all but the article
// counts, which Complete adds itself), so the runs row holds the figures
// of its last commit whenever the crawl dies: a crawl killed between two
// UpdateRunCounts no longer loses the figures of what it archived in
// between. counts must be cheap and safe to call from another goroutine;
// it is called by the writer, in the transaction. The figures may count
// the few URLs that were in flight at a kill, which the resumed crawl
// fetches (and counts) again. The returned func stops the tracking.
func (db *DB) TrackCounts(id int64, counts func() finarchive.RunCounts) (stop func()) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.trackers == nil {
		db.trackers = map[int64]func() finarchive.RunCounts{}
	}
	db.trackers[id] = counts
	return func() {
		db.mu.Lock()
		defer db.mu.Unlock()
		delete(db.trackers, id)
	}
}

// tracker returns run id's counts source (TrackCounts), or nil.
func (db *DB) tracker(id int64) func() finarchive.RunCounts {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.trackers[id]
}

// UpdateRunCounts stores a run's progress so far: its fetched, failed and
// skipped counts and bytes. Its article counts (new, changed, unchanged,
// not modified) are the store's own, committed with the pages by Complete;
// those of counts are ignored. A run whose counts are tracked
// (TrackCounts) stores the tracked figures as they stand when the write
// runs instead, so that an update queued behind a commit never stores
// figures older than that commit's.
func (db *DB) UpdateRunCounts(ctx context.Context, id int64, counts finarchive.RunCounts) error {
	if db.w == nil {
		return ErrReadOnly
	}
	var n int64
	err := db.write(ctx, func(tx *wtx) error {
		c := counts
		if track := db.tracker(id); track != nil {
			c = track()
		}
		args, err := countArgs(c)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE runs SET "+setCounts+" WHERE id = ?", append(args, id)...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: update run %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: update run %d: %w", id, ErrNotFound)
	}
	return nil
}

// FinishRun records a run's end: its status (finarchive.RunFinished …),
// final counts (as UpdateRunCounts: the article counts are the store's) and
// the error that stopped it, if any.
func (db *DB) FinishRun(ctx context.Context, id int64, status string, counts finarchive.RunCounts, errMsg string) error {
	if db.w == nil {
		return ErrReadOnly
	}
	args, err := countArgs(counts)
	if err != nil {
		return fmt.Errorf("store: finish run %d: %w", id, err)
	}
	args = append([]any{fmtTime(db.now()), status, errMsg}, args...)
	n, err := db.exec(ctx, "UPDATE runs SET finished_at = ?, status = ?, error = ?, "+setCounts+" WHERE id = ?", append(args, id)...)
	if err != nil {
		return fmt.Errorf("store: finish run %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: finish run %d: %w", id, ErrNotFound)
	}
	return nil
}

// ReopenRun marks a run "running" again (for crawl --resume) and clears its
// finish time and error.
func (db *DB) ReopenRun(ctx context.Context, id int64) error {
	if db.w == nil {
		return ErrReadOnly
	}
	n, err := db.exec(ctx, "UPDATE runs SET status = ?, finished_at = NULL, error = '' WHERE id = ?", finarchive.RunRunning, id)
	if err != nil {
		return fmt.Errorf("store: reopen run %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: reopen run %d: %w", id, ErrNotFound)
	}
	return nil
}

const runColumns = `id, seeds, options, adaptive, min_revisit_s, max_revisit_s, started_at, finished_at, status, error,
	fetched, new, changed, unchanged, not_modified, failed, skipped, bytes, skipped_by, failed_by,
	gone, gone_by, deferred, dropped, removed`

type scanner interface{ Scan(dest ...any) error }

func scanRun(s scanner) (finarchive.Run, RunSpec, error) {
	var (
		r           finarchive.Run
		spec        RunSpec
		seeds, opts string
		sb, fb, gb  string
		started     string
		finished    sql.NullString
		adaptive    int
		minS, maxS  int64
	)
	err := s.Scan(&r.ID, &seeds, &opts, &adaptive, &minS, &maxS, &started, &finished, &r.Status, &r.Error,
		&r.Fetched, &r.New, &r.Changed, &r.Unchanged, &r.NotModified, &r.Failed, &r.Skipped, &r.Bytes, &sb, &fb,
		&r.Gone, &gb, &r.Deferred, &r.Dropped, &r.Removed)
	if err != nil {
		return r, spec, err
	}
	if err := json.Unmarshal([]byte(seeds), &r.Seeds); err != nil {
		return r, spec, fmt.Errorf("seeds: %w", err)
	}
	if sb != "" && sb != "{}" {
		if err := json.Unmarshal([]byte(sb), &r.SkippedBy); err != nil {
			return r, spec, fmt.Errorf("skipped_by: %w", err)
		}
	}
	if gb != "" && gb != "{}" {
		if err := json.Unmarshal([]byte(gb), &r.GoneBy); err != nil {
			return r, spec, fmt.Errorf("gone_by: %w", err)
		}
	}
	if fb != "" && fb != "{}" {
		if err := json.Unmarshal([]byte(fb), &r.FailedBy); err != nil {
			return r, spec, fmt.Errorf("failed_by: %w", err)
		}
	}
	r.Options = []byte(opts)
	r.StartedAt = parseTime(started)
	r.FinishedAt = parseNullTime(finished)
	spec = RunSpec{
		Seeds:      r.Seeds,
		Options:    r.Options,
		Adaptive:   adaptive != 0,
		MinRevisit: time.Duration(minS) * time.Second,
		MaxRevisit: time.Duration(maxS) * time.Second,
	}
	return r, spec, nil
}

// Run returns the run with the given id, or ErrNotFound.
func (db *DB) Run(ctx context.Context, id int64) (finarchive.Run, error) {
	r, _, err := scanRun(db.r.QueryRowContext(ctx, "SELECT "+runColumns+" FROM runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: run %d: %w", id, err)
	}
	return r, nil
}

// RunSpec returns the spec the run was started with (seeds, options,
// adaptive revisits and their bounds), or ErrNotFound.
func (db *DB) RunSpec(ctx context.Context, id int64) (RunSpec, error) {
	_, spec, err := scanRun(db.r.QueryRowContext(ctx, "SELECT "+runColumns+" FROM runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return spec, fmt.Errorf("store: run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return spec, fmt.Errorf("store: run %d: %w", id, err)
	}
	return spec, nil
}

// LastRun returns the newest run, or ErrNotFound when there is none.
func (db *DB) LastRun(ctx context.Context) (finarchive.Run, error) {
	r, _, err := scanRun(db.r.QueryRowContext(ctx, "SELECT "+runColumns+" FROM runs ORDER BY id DESC LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: last run: %w", ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: last run: %w", err)
	}
	return r, nil
}

// Runs returns all runs, newest first.
func (db *DB) Runs(ctx context.Context) ([]finarchive.Run, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+runColumns+" FROM runs ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	defer rows.Close()
	var out []finarchive.Run
	for rows.Next() {
		r, _, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	return out, nil
}
