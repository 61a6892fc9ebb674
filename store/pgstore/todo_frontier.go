package pgstore

// TODO(pgwork): this file is replaced by the real frontier with leases.
// Every method here fails until then.

import (
	"context"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/store"
)

func (db *DB) Enqueue(ctx context.Context, runID int64, items []finarchive.QueueItem) (int, error) {
	return 0, errTODO
}
func (db *DB) Claim(ctx context.Context, runID int64, want map[string]int, now time.Time) ([]finarchive.QueueItem, map[string]time.Time, error) {
	return nil, nil, errTODO
}
func (db *DB) Unclaim(ctx context.Context, runID int64, items []finarchive.QueueItem) error {
	return errTODO
}
func (db *DB) QueuedHosts(ctx context.Context, runID int64) (map[string]time.Time, error) {
	return nil, errTODO
}
func (db *DB) DeferHost(ctx context.Context, runID int64, host, reason string) (int, error) {
	return 0, errTODO
}
func (db *DB) Retry(ctx context.Context, runID int64, item finarchive.QueueItem, lastErr string) error {
	return errTODO
}
func (db *DB) Pending(ctx context.Context, runID int64) (int, time.Time, error) {
	return 0, time.Time{}, errTODO
}
func (db *DB) ResetInFlight(ctx context.Context, runID int64) (int, error) { return 0, errTODO }
func (db *DB) CarryOverFailed(ctx context.Context, fromRunID, toRunID int64) (carried, dropped int, err error) {
	return 0, 0, errTODO
}
func (db *DB) DroppedFailures(ctx context.Context, runID int64) (int, error) { return 0, errTODO }
func (db *DB) DeleteFrontier(ctx context.Context, runID int64) (int, error)  { return 0, errTODO }
func (db *DB) FrontierCounts(ctx context.Context, runID int64) (map[string]int, error) {
	return nil, errTODO
}
func (db *DB) Failures(ctx context.Context, runID int64, fn func(store.FrontierItem) error) error {
	return errTODO
}
