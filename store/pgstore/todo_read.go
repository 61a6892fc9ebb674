package pgstore

// TODO(pgread): this file is replaced by the real reads and exports. Every
// method here fails until then.

import (
	"context"

	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

func (db *DB) Get(ctx context.Context, pageURL string) (*extract.Record, error) { return nil, errTODO }
func (db *DB) Info(ctx context.Context, pageURL string) (store.PageInfo, error) {
	return store.PageInfo{}, errTODO
}
func (db *DB) Revisions(ctx context.Context, pageURL string) ([]store.Revision, error) {
	return nil, errTODO
}
func (db *DB) Count(ctx context.Context) (int, error)                    { return 0, errTODO }
func (db *DB) Sites(ctx context.Context) ([]store.NameCount, error)      { return nil, errTODO }
func (db *DB) Categories(ctx context.Context) ([]store.NameCount, error) { return nil, errTODO }
func (db *DB) List(ctx context.Context, opt store.ListOptions) ([]store.Summary, int, error) {
	return nil, 0, errTODO
}
func (db *DB) Export(ctx context.Context, opt store.ExportOptions, fn func(*store.ExportRecord) error) error {
	return errTODO
}
func (db *DB) ExportFetches(ctx context.Context, opt store.ExportOptions, fn func(*store.ExportRecord, []store.Fetch) error) error {
	return errTODO
}
func (db *DB) RawPages(ctx context.Context, fn func(store.RawPage) error) error { return errTODO }
func (db *DB) UnarchivedPages(ctx context.Context, fn func(store.RawPage) error) error {
	return errTODO
}
