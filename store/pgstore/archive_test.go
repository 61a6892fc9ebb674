package pgstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
	"github.com/finarchive/finarchive/store/storetest"
)

// TestArchive runs the shared store suite (store/storetest) on PostgreSQL,
// a fresh database per subtest.
func TestArchive(t *testing.T) {
	pgtest.URL(t) // skip once, not in every subtest, without PostgreSQL
	var mu sync.Mutex
	urls := map[store.Archive]string{}
	open := func(t *testing.T, u string, opts ...store.Option) store.Archive {
		db, err := pgstore.Open(context.Background(), u, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		mu.Lock()
		urls[db] = u
		mu.Unlock()
		return db
	}
	storetest.Run(t, func(t *testing.T) store.Archive { return open(t, pgtest.NewDB(t)) },
		storetest.Reopen(func(t *testing.T, a store.Archive, opts ...store.Option) store.Archive {
			mu.Lock()
			u := urls[a]
			mu.Unlock()
			return open(t, u, opts...)
		}),
		storetest.ReopenReadOnly(func(t *testing.T, a store.Archive) store.Archive {
			mu.Lock()
			u := urls[a]
			mu.Unlock()
			db, err := pgstore.OpenReadOnly(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}))
}
