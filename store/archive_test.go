package store_test

import (
	"testing"

	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/storetest"
)

// TestArchive runs the shared store suite (store/storetest) on SQLite
// files in t.TempDir().
func TestArchive(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Archive { return MustOpenDB(t) },
		storetest.Reopen(func(t *testing.T, a store.Archive) store.Archive { return MustOpenPath(t, a.Path()) }))
}
