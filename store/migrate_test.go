package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/finarchive/finarchive/store"
)

// TestDB_Open_migratesOldSchema opens an archive made at schema version 1
// (before the search index) and checks migration 2 indexes its pages.
func TestDB_Open_migratesOldSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	v1, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(v1), "PRAGMA user_version = 1",
		`INSERT INTO pages (url, site, title, body, content_hash, first_seen_at, fetched_at, changed_at, revisit_interval_s, next_revisit_at)
		 VALUES ('https://a.example/1', 'a.example', '公积金贷款', '公积金贷款额度怎么算', 'h', '2024-01-01T00:00:00.000Z',
		 '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 86400, '2024-01-02T00:00:00.000Z')`} {
		if _, err := plain.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	plain.Close()

	db := MustOpenPath(t, path)
	hits, err := db.Search(context.Background(), store.SearchOptions{Query: "额度"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].URL != "https://a.example/1" {
		t.Fatalf("hits = %+v", hits)
	}
}
