package store_test

import (
	"context"
	"testing"

	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/storetest"
)

// TestArchive runs the shared store suite (store/storetest) on SQLite
// files in t.TempDir().
func TestArchive(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Archive { return MustOpenDB(t) },
		storetest.Reopen(func(t *testing.T, a store.Archive, opts ...store.Option) store.Archive {
			return MustOpenPath(t, a.Path(), opts...)
		}),
		storetest.FencedFrontier(),
		storetest.ReopenReadOnly(func(t *testing.T, a store.Archive) store.Archive {
			db, err := store.OpenReadOnly(context.Background(), a.Path())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}))
}
