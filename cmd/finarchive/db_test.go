package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLI_foreignDatabase: --db naming another program's SQLite file (a
// browser's history) is refused by every command with exit 2 and a clear
// message, and the file is left as it was.
func TestCLI_foreignDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "places.sqlite")
	conn, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)",
		"INSERT INTO moz_places (url) VALUES ('https://example.com/')"} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"crawl", "--db", path, "http://127.0.0.1:1/"},
		{"crawl", "--db", path, "--resume"},
		{"runs", "--db", path},
		{"search", "--db", path, "信用卡"},
		{"export", "--db", path, "--format", "jsonl"},
		{"reextract", "--db", path},
	} {
		_, errOut, code := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(errOut, "not a finarchive archive") || !strings.Contains(errOut, "moz_places") {
			t.Errorf("%s: exit %d, want %d and a message naming the file's tables:\n%s", strings.Join(args[:2], " "), code, exitUsage, errOut)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the foreign database was modified")
	}
}
