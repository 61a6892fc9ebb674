package pgstore

// TODO(pgarchive): this file is replaced by the real writes, runs, lock and
// search. Every method here fails until then.

import (
	"context"
	"errors"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

var errTODO = errors.New("pgstore: not built yet")

func (db *DB) IntegrityCheck(ctx context.Context) error { return errTODO }
func (db *DB) Complete(ctx context.Context, runID int64, f *finarchive.Fetched) (finarchive.SaveResult, error) {
	return "", errTODO
}
func (db *DB) Revisited(ctx context.Context, runID int64, pageURL string, fetchedAt time.Time, status int, digest string, c *finarchive.Capture) (finarchive.SaveResult, error) {
	return "", errTODO
}
func (db *DB) Lock(ctx context.Context, owner string, wait bool) (func() error, error) {
	return nil, errTODO
}
func (db *DB) StartRun(ctx context.Context, spec store.RunSpec) (int64, error) { return 0, errTODO }
func (db *DB) UpdateRunCounts(ctx context.Context, id int64, counts finarchive.RunCounts) error {
	return errTODO
}
func (db *DB) FinishRun(ctx context.Context, id int64, status string, counts finarchive.RunCounts, errMsg string) error {
	return errTODO
}
func (db *DB) ReopenRun(ctx context.Context, id int64) error { return errTODO }
func (db *DB) Run(ctx context.Context, id int64) (finarchive.Run, error) {
	return finarchive.Run{}, errTODO
}
func (db *DB) RunSpec(ctx context.Context, id int64) (store.RunSpec, error) {
	return store.RunSpec{}, errTODO
}
func (db *DB) LastRun(ctx context.Context) (finarchive.Run, error) { return finarchive.Run{}, errTODO }
func (db *DB) Runs(ctx context.Context) ([]finarchive.Run, error)  { return nil, errTODO }
func (db *DB) Search(ctx context.Context, opt store.SearchOptions) ([]store.SearchHit, error) {
	return nil, errTODO
}
func (db *DB) Reextracted(ctx context.Context, pageURL string, rec *extract.Record) (finarchive.SaveResult, error) {
	return "", errTODO
}
func (db *DB) ReextractedUnarchived(ctx context.Context, pageURL string, rec *extract.Record) (finarchive.SaveResult, error) {
	return "", errTODO
}
func (db *DB) SearchIndexRows(ctx context.Context) (rows, stale int, err error) { return 0, 0, errTODO }
func (db *DB) RebuildSearch(ctx context.Context) error                          { return errTODO }
func (db *DB) WriteStats() (requests, transactions int64)                       { return 0, 0 }
