package pgstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive"
)

// Several processes work one run (a crawl and its workers), and each knows
// only its own figures (crawler.Counts: fetched, failed, skipped, gone,
// bytes, …). Each stores them as its row of run_workers; the run's figures
// are the sum over the rows, so they add up rather than the last writer's
// winning. The article counts are not among them: Complete adds those in
// the transaction that saves the pages.

// WorkerCounts stores counts as this process's own figures of run runID,
// in tx, and returns the sum over every process of the run, which
// UpdateRunCounts and FinishRun store in the runs row (all but the article
// counts, which are the sum's zero values). A run that does not exist is
// store.ErrNotFound.
func (db *DB) WorkerCounts(ctx context.Context, tx pgx.Tx, runID int64, counts finarchive.RunCounts) (finarchive.RunCounts, error) {
	// The run's row first: concurrent reports of its processes take turns,
	// so each sum includes every row committed before it.
	var one int64
	if err := tx.QueryRow(ctx, `SELECT id FROM runs WHERE id = $1 FOR UPDATE`, runID).Scan(&one); err != nil {
		return finarchive.RunCounts{}, errNotFound(err)
	}
	own := counts
	own.New, own.Changed, own.Unchanged, own.NotModified = 0, 0, 0, 0
	js, err := json.Marshal(own)
	if err != nil {
		return finarchive.RunCounts{}, fmt.Errorf("worker counts: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO run_workers (run_id, worker, counts, updated_at) VALUES ($1, $2, $3, clock_timestamp())
		ON CONFLICT (run_id, worker) DO UPDATE SET counts = excluded.counts, updated_at = excluded.updated_at`,
		runID, db.Owner(), js); err != nil {
		return finarchive.RunCounts{}, fmt.Errorf("worker counts: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT counts FROM run_workers WHERE run_id = $1 ORDER BY worker`, runID)
	if err != nil {
		return finarchive.RunCounts{}, fmt.Errorf("worker counts: %w", err)
	}
	defer rows.Close()
	var sum finarchive.RunCounts
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return finarchive.RunCounts{}, fmt.Errorf("worker counts: %w", err)
		}
		var c finarchive.RunCounts
		if err := json.Unmarshal(b, &c); err != nil {
			return finarchive.RunCounts{}, fmt.Errorf("worker counts: %w", err)
		}
		sum = sum.Add(c)
	}
	if err := rows.Err(); err != nil {
		return finarchive.RunCounts{}, fmt.Errorf("worker counts: %w", err)
	}
	return sum, nil
}

// ResetWorkerCounts drops the run's per-process figures, in tx, when the
// run is resumed (ReopenRun): the resumed crawl reports the stored
// figures plus its own from then on, and its workers their new ones.
func (db *DB) ResetWorkerCounts(ctx context.Context, tx pgx.Tx, runID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM run_workers WHERE run_id = $1`, runID); err != nil {
		return fmt.Errorf("reset worker counts: %w", err)
	}
	return nil
}
