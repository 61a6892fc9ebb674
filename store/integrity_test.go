package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
	"github.com/mattn/go-sqlite3"
)

// plainIntegrityCheck runs PRAGMA integrity_check on the file at path over
// a plain go-sqlite3 connection, without the store's SQL functions, as the
// sqlite3 shell would.
func plainIntegrityCheck(t *testing.T, path string) {
	t.Helper()
	msgs, err := integrityCheck(path)
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	if msgs != "ok" {
		t.Fatalf("integrity_check = %q", msgs)
	}
}

func integrityCheck(path string) (string, error) {
	plain, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer plain.Close()
	rows, err := plain.Query("PRAGMA integrity_check")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		msgs = append(msgs, s)
	}
	return strings.Join(msgs, "; "), rows.Err()
}

// TestDB_IntegrityCheck_plainConnection checks that the archive passes
// PRAGMA integrity_check from a connection that has none of the store's
// functions, after new pages, changes, 304s, reextracts and a rebuild of
// the search index.
func TestDB_IntegrityCheck_plainConnection(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plain.db")
	db := MustOpenPath(t, path)
	run := MustStartRun(t, db, store.RunSpec{})
	plainIntegrityCheck(t, path) // empty

	at := time.Date(2024, 3, 15, 2, 0, 0, 0, time.UTC)
	for i := range 20 {
		u := fmt.Sprintf("https://a.example/%d", i)
		f := fetched(u, article(u, fmt.Sprintf("信用卡逾期%d", i), "信用卡逾期后要尽快还款，避免影响征信。"), at)
		mustComplete(t, db, run, f)
	}
	plainIntegrityCheck(t, path)

	steps := []struct {
		name string
		do   func() error
	}{
		{"changed", func() error {
			for i := range 10 {
				u := fmt.Sprintf("https://a.example/%d", i)
				mustComplete(t, db, run, fetched(u, article(u, "房贷利率", fmt.Sprintf("房贷利率下调%d个基点", i)), at.Add(time.Hour)))
			}
			return nil
		}},
		{"unchanged and 304", func() error {
			u := "https://a.example/15"
			mustComplete(t, db, run, fetched(u, article(u, "信用卡逾期15", "信用卡逾期后要尽快还款，避免影响征信。"), at.Add(2*time.Hour)))
			f := fetched(u, nil, at.Add(3*time.Hour))
			f.NotModified = true
			mustComplete(t, db, run, f)
			return nil
		}},
		{"reextracted", func() error {
			for i := 5; i < 15; i++ {
				u := fmt.Sprintf("https://a.example/%d", i)
				if _, err := db.Reextracted(ctx, u, article(u, "公积金贷款", "公积金贷款额度怎么算")); err != nil {
					return err
				}
			}
			return nil
		}},
		{"rebuilt", func() error { return db.RebuildSearch(ctx) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		plainIntegrityCheck(t, path)
		if err := db.IntegrityCheck(ctx); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	// 0-4 房贷利率, 5-14 公积金贷款, 15-19 信用卡逾期.
	for q, want := range map[string]int{"房贷": 5, "公积金": 10, "逾期": 5, "征信": 5, "下调": 5} {
		hits, err := db.Search(ctx, store.SearchOptions{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != want {
			t.Errorf("%s: %d hits, want %d", q, len(hits), want)
		}
	}
	if rows, stale, err := db.SearchIndexRows(ctx); err != nil || rows != 20 || stale != 0 {
		t.Errorf("after rebuild: %d rows, %d stale, %v; want 20, 0", rows, stale, err)
	}
}

// TestDB_SearchIndexRows checks a changed page leaves one stale row, which
// RebuildSearch drops.
func TestDB_SearchIndexRows(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	const u = "https://a.example/1"
	tests := []struct {
		name        string
		do          func()
		rows, stale int
	}{
		{"new", func() {
			mustComplete(t, db, run, fetched(u, article(u, "车贷利率", "车贷利率是多少"), time.Now()))
		}, 1, 0},
		{"changed", func() {
			mustComplete(t, db, run, fetched(u, article(u, "房贷利率", "房贷利率下调"), time.Now()))
		}, 2, 1},
		{"rebuilt", func() {
			if err := db.RebuildSearch(ctx); err != nil {
				t.Fatal(err)
			}
		}, 1, 0},
	}
	for _, tt := range tests {
		tt.do()
		rows, stale, err := db.SearchIndexRows(ctx)
		if err != nil || rows != tt.rows || stale != tt.stale {
			t.Errorf("%s: %d rows, %d stale, %v; want %d, %d", tt.name, rows, stale, err, tt.rows, tt.stale)
		}
	}
}

// TestDB_Open_migratesV2 converts an archive of schema version 2 (search
// index over views that call fa_bigrams) and checks the result passes
// integrity_check from a plain connection and finds its pages.
func TestDB_Open_migratesV2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	var migs []string
	for _, f := range []string{"migrations/0001_init.sql", "migrations/0002_search.sql"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		migs = append(migs, string(b))
	}
	// Migration 2 needs fa_bigrams; a stand-in that splits Han text in
	// characters is enough to build a version 2 file.
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		return c.RegisterFunc("fa_bigrams", func(s string) string {
			return strings.Join(strings.Split(s, ""), " ")
		}, true)
	}}
	old := sql.OpenDB(driverConnector{drv: drv, dsn: path})
	page := func(i int, title, body string) string {
		return fmt.Sprintf(`INSERT INTO pages (url, site, title, body, content_hash, first_seen_at, fetched_at, changed_at,
			revisit_interval_s, next_revisit_at) VALUES ('https://a.example/%d', 'a.example', '%s', '%s', 'h',
			'2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 86400, '2024-01-02T00:00:00.000Z')`,
			i, title, body)
	}
	for _, q := range []string{migs[0], page(1, "公积金贷款", "公积金贷款额度怎么算"), "PRAGMA user_version = 1",
		migs[1], page(2, "信用卡逾期", "逾期还款影响征信"), "INSERT INTO search (docid, t, b) SELECT rowid, t, b FROM search_src WHERE rowid = 2",
		`INSERT INTO revisions (page_id, content_hash, title, body, fetched_at) VALUES (2, 'g', '信用卡逾期', '旧正文', '2023-12-01T00:00:00.000Z')`,
		`INSERT INTO revisions (page_id, content_hash, title, body, fetched_at) VALUES (2, 'h', '信用卡逾期', '逾期还款影响征信', '2024-01-01T00:00:00.000Z')`,
		"PRAGMA user_version = 2"} {
		if _, err := old.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	// The reason for migration 3: version 2 fails the plain check.
	if msgs, err := integrityCheck(path); err == nil && msgs == "ok" {
		t.Fatalf("version 2 passes the plain integrity_check")
	}

	db := MustOpenPath(t, path)
	ctx := context.Background()
	migrations, _ := filepath.Glob("migrations/*.sql")
	if v, err := db.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Fatalf("version %d, %v; want %d", v, err, len(migrations))
	}
	plainIntegrityCheck(t, path)
	for q, want := range map[string]string{"额度": "https://a.example/1", "征信": "https://a.example/2", "信用卡逾期": "https://a.example/2", "算": "https://a.example/1"} {
		hits, err := db.Search(ctx, store.SearchOptions{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].URL != want {
			t.Errorf("%s: hits = %+v", q, hits)
		}
	}
	// Page 1 had no revision: the migration gave it one.
	if revs, err := db.Revisions(ctx, "https://a.example/1"); err != nil || len(revs) != 1 || revs[0].Body != "公积金贷款额度怎么算" {
		t.Errorf("revisions of page 1: %+v, %v", revs, err)
	}
	// Migration 4: history keeps the old body; the current one is stored
	// once, in pages.
	revs, err := db.Revisions(ctx, "https://a.example/2")
	if err != nil || len(revs) != 2 || revs[0].Body != "旧正文" || revs[1].Body != "逾期还款影响征信" {
		t.Errorf("revisions of page 2: %+v, %v", revs, err)
	}
	plain, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var nulls, kept int
	if err := plain.QueryRow("SELECT count(*) FILTER (WHERE body IS NULL), count(*) FILTER (WHERE body IS NOT NULL) FROM revisions").Scan(&nulls, &kept); err != nil || nulls != 2 || kept != 1 {
		t.Errorf("revision bodies: %d NULL, %d stored, %v; want 2 and 1", nulls, kept, err)
	}
}

// TestDB_Open_catchesUpIndex checks Open indexes the current revisions the
// index lacks, as after a crash lost index rows still waiting in memory:
// here a page changed by a plain connection behind the store's back.
func TestDB_Open_catchesUpIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catchup.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	run := MustStartRun(t, db, store.RunSpec{})
	for i := range 3 {
		u := fmt.Sprintf("https://a.example/%d", i)
		mustComplete(t, db, run, fetched(u, article(u, "车贷利率", "车贷利率是多少"), time.Now()))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	plain, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE pages SET title = '房贷利率', body = '房贷利率下调' WHERE url = 'https://a.example/1'`,
		`INSERT INTO revisions (page_id, content_hash, title, body, fetched_at)
		 SELECT id, 'h2', title, body, fetched_at FROM pages WHERE url = 'https://a.example/1'`,
	} {
		if _, err := plain.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	plain.Close()

	db = MustOpenPath(t, path)
	for q, want := range map[string]int{"车贷": 2, "房贷": 1, "下调": 1, "利率": 3} {
		hits, err := db.Search(ctx, store.SearchOptions{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != want {
			t.Errorf("%s: %d hits, want %d", q, len(hits), want)
		}
	}
	plainIntegrityCheck(t, path)
}

// driverConnector opens dsn with a driver that is not registered by name,
// so a test can run any number of times in one process (-count).
type driverConnector struct {
	drv *sqlite3.SQLiteDriver
	dsn string
}

func (c driverConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c driverConnector) Driver() driver.Driver                        { return c.drv }
