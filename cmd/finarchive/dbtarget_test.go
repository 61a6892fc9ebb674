package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLI_dbPasswordNeverShown: a PostgreSQL URL's password, in the user
// info or as a password= parameter, appears in no message of any command,
// even when the database cannot be reached; the server it named does.
func TestCLI_dbPasswordNeverShown(t *testing.T) {
	const secret = "s3cr3t-Pw"
	warcFile := filepath.Join(t.TempDir(), "info.warc") // a WARC's start: import then opens --db
	if err := os.WriteFile(warcFile, []byte("WARC/1.1\r\nWARC-Type: warcinfo\r\n\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{
		"postgres://fa:" + secret + "@127.0.0.1:1/none?sslmode=disable&connect_timeout=5",
		"postgresql://fa@127.0.0.1:1/none?password=" + secret + "&sslmode=disable&connect_timeout=5",
	} {
		for _, args := range [][]string{
			{"runs", "--db", db},
			{"search", "--db", db, "信用卡"},
			{"export", "--db", db, "--format", "jsonl"},
			{"serve", "--db", db, "--addr", "127.0.0.1:0"},
			{"crawl", "--db", db, "http://127.0.0.1:9/"},
			{"crawl", "--db", db, "--resume"},
			{"reextract", "--db", db},
			{"import", "--db", db, warcFile},
			{"export", "--db", db, "--format", "sqlite", "-o", filepath.Join(t.TempDir(), "copy.db")},
			{"work", "--db", db},
			{"demo", "--db", db, "--articles", "2"},
		} {
			t.Run(args[0], func(t *testing.T) {
				out, errOut, code := runCLI(t, args...)
				if code != exitError {
					t.Errorf("%v: exit %d, want %d (unreachable database): %s", args, code, exitError, errOut)
				}
				if strings.Contains(out+errOut, secret) {
					t.Errorf("%v: the password is shown:\n%s%s", args, out, errOut)
				}
				if !strings.Contains(errOut, "127.0.0.1:1") {
					t.Errorf("%v: the message does not name the server:\n%s", args, errOut)
				}
			})
		}
	}
}

// TestCLI_dbPasswordNeverShown_schedule: the schedule daemon logs a
// failing run on an unreachable PostgreSQL database (and goes on) without
// its password.
func TestCLI_dbPasswordNeverShown_schedule(t *testing.T) {
	const secret = "s3cr3t-Pw"
	db := "postgres://fa:" + secret + "@127.0.0.1:1/none?sslmode=disable&connect_timeout=5"
	stderr, code := runSchedule(t, "schedule", "--db", db, "--every", "1h", "--jitter", "0", "--max-runs", "1", "http://127.0.0.1:9/")
	if code != exitOK {
		t.Errorf("schedule: exit %d, want 0 (a failing run is logged)", code)
	}
	if strings.Contains(stderr, secret) {
		t.Errorf("the password is shown:\n%s", stderr)
	}
	if !strings.Contains(stderr, "run failed") || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("the failed run is not logged with its server:\n%s", stderr)
	}
}

// TestCLI_missingSQLiteArchive: the commands that read say which file is
// missing, and create none.
func TestCLI_missingSQLiteArchive(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "none.db")
	for _, args := range [][]string{
		{"runs", "--db", db},
		{"search", "--db", db, "卡"},
		{"export", "--db", db, "--format", "jsonl"},
		{"serve", "--db", db, "--addr", "127.0.0.1:0"},
		{"reextract", "--db", db},
	} {
		_, errOut, code := runCLI(t, args...)
		if code != exitError || !strings.Contains(errOut, "open archive "+db+": file does not exist") {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("files made: %v", m)
	}
}

// TestCLI_importNotAnArchive: import of a file that is no WARC or WACZ (a
// mistyped path) is a usage error naming it, and makes no archive.
func TestCLI_importNotAnArchive(t *testing.T) {
	dir := t.TempDir()
	db, page := filepath.Join(dir, "a.db"), filepath.Join(dir, "page.html")
	if err := os.WriteFile(page, []byte("<!DOCTYPE html><html><body>hi</body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "import", "--db", db, page)
	if code != exitUsage || !strings.Contains(errOut, page+" is not a WARC") {
		t.Errorf("import of an HTML page: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an archive was made: %v", err)
	}
}
