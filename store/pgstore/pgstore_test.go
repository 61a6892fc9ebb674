package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store/pgstore"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestOpen_migrates: a new database gets every migration once, a second
// Open (another worker) applies none, and a read-only open sees it current.
func TestOpen_migrates(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	db, err := pgstore.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	db2, err := pgstore.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if v2, _ := db2.SchemaVersion(ctx); v2 != v {
		t.Fatalf("second open: version %d, want %d", v2, v)
	}
	ro, err := pgstore.OpenReadOnly(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
}
