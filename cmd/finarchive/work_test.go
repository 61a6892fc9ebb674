package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestWork_needsPostgres: work on a SQLite archive is a usage error that
// says why, and creates no file.
func TestWork_needsPostgres(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	_, errOut, code := runCLI(t, "work", "--db", db)
	if code != exitUsage || !strings.Contains(errOut, "work needs a PostgreSQL archive") {
		t.Fatalf("work on SQLite: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runCLI(t, "work"); code != exitUsage || !strings.Contains(errOut, "--db postgres://") {
		t.Fatalf("work without --db: exit %d, %q", code, errOut)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(db), "*")); len(matches) != 0 {
		t.Fatalf("work on SQLite left %v", matches)
	}
}
