package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/finarchive/finarchive/store"
)

func applicationID(t *testing.T, path string) int32 {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var id int32
	if err := conn.QueryRow("PRAGMA application_id").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func plainExec(t *testing.T, path string, qs ...string) {
	t.Helper()
	conn, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range qs {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func mustOpenClose(t *testing.T, path string) {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDB_Open_applicationID: a new archive gets finarchive's
// application_id; an archive made before it had one is adopted; another
// program's database (a browser's history) is refused with
// *store.ForeignDatabaseError and left byte for byte as it was.
func TestDB_Open_applicationID(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	t.Run("new", func(t *testing.T) {
		path := filepath.Join(dir, "new.db")
		mustOpenClose(t, path)
		if got := applicationID(t, path); got != store.ApplicationID {
			t.Errorf("application_id = %#x, want %#x", got, store.ApplicationID)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		path := filepath.Join(dir, "empty.db")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		mustOpenClose(t, path)
		if got := applicationID(t, path); got != store.ApplicationID {
			t.Errorf("application_id = %#x, want %#x", got, store.ApplicationID)
		}
	})
	t.Run("old archive adopted", func(t *testing.T) {
		path := filepath.Join(dir, "old.db")
		v1, err := os.ReadFile("migrations/0001_init.sql")
		if err != nil {
			t.Fatal(err)
		}
		plainExec(t, path, string(v1), "PRAGMA user_version = 1")
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatalf("an archive without application_id: %v", err)
		}
		if v, err := db.SchemaVersion(ctx); err != nil || v < 2 {
			t.Errorf("schema version %d, %v: not migrated", v, err)
		}
		db.Close()
		if got := applicationID(t, path); got != store.ApplicationID {
			t.Errorf("application_id = %#x, want %#x", got, store.ApplicationID)
		}
		ro, err := store.OpenReadOnly(ctx, path)
		if err != nil {
			t.Fatalf("read-only: %v", err)
		}
		ro.Close()
	})

	foreign := []struct {
		name string
		sql  []string
		want string
	}{
		{"browser history", []string{
			"CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)",
			"CREATE TABLE moz_historyvisits (id INTEGER PRIMARY KEY, place_id INTEGER)",
			"INSERT INTO moz_places (url) VALUES ('https://example.com/')",
			"PRAGMA user_version = 74"}, "moz_places"},
		{"other application_id", []string{"PRAGMA application_id = 1196444487"}, "0x47504b47"},
		{"one of our table names only", []string{"CREATE TABLE pages (id INTEGER PRIMARY KEY, url TEXT)"}, "pages"},
	}
	for _, tt := range foreign {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.sqlite")
			plainExec(t, path, tt.sql...)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for name, open := range map[string]func() (*store.DB, error){
				"Open":         func() (*store.DB, error) { return store.Open(ctx, path) },
				"OpenReadOnly": func() (*store.DB, error) { return store.OpenReadOnly(ctx, path) },
			} {
				db, err := open()
				var fe *store.ForeignDatabaseError
				if !errors.As(err, &fe) {
					if db != nil {
						db.Close()
					}
					t.Fatalf("%s: %v, want *store.ForeignDatabaseError", name, err)
				}
				if msg := err.Error(); !strings.Contains(msg, "not a finarchive archive") || !strings.Contains(msg, tt.want) || !strings.Contains(msg, path) {
					t.Errorf("%s: message %q does not say what the file is", name, msg)
				}
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("the foreign database was modified")
			}
			if _, err := os.Stat(path + "-wal"); err == nil {
				t.Error("the foreign database was switched to WAL")
			}
		})
	}
}
