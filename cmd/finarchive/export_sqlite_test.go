package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/finarchive/finarchive/internal/archivecmp"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
)

// filledArchive returns the path of a SQLite archive archivecmp.Fill wrote
// (two runs, history, revisits, a 304, a removed page, unarchived pages).
func filledArchive(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "src.db")
	clock := &archivecmp.Clock{}
	db, err := store.Open(ctx, path, store.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archivecmp.Fill(ctx, db, clock, n); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// warcIDs match what differs between two WARC exports of one archive: the
// records' random ids and the warcinfo record's date.
var (
	warcIDs  = regexp.MustCompile(`urn:uuid:[0-9a-f-]{36}`)
	warcDate = regexp.MustCompile(`WARC-Date: \S+`)
)

// readOutputs returns what the read commands print for db: exports (JSON
// Lines, JSON with history, a site, WARC with its random ids masked),
// searches and runs.
func readOutputs(t *testing.T, db string, searches bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	cmds := [][]string{
		{"export", "--format", "jsonl"},
		{"export", "--format", "json", "--history"},
		{"export", "--format", "jsonl", "--site", "b.example", "--history", "--body", "html,markdown,text"},
		{"export", "--format", "jsonl", "--since", "2024-05-02"},
	}
	if searches {
		cmds = append(cmds, [][]string{{"search", "--json", "信用卡逾期"}, {"search", "--json", "卡"},
			{"search", "--json", "--limit", "2", "ETC卡"}, {"search", "--json", "--site", "b.example", "逾期"},
			{"search", "--json", "重新抽取"}, {"search", "更新"}}...)
	}
	for _, c := range cmds {
		o, e, code := runCLI(t, append(c, "--db", db)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c, code, e)
		}
		out[strings.Join(c, " ")] = o
	}
	w := filepath.Join(t.TempDir(), "out.warc.gz")
	if _, e, code := runCLI(t, "export", "--db", db, "--format", "warc", "-o", w); code != 0 {
		t.Fatalf("export warc: exit %d: %s", code, e)
	}
	f, err := os.Open(w)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("WARC-Type: revisit")) || !bytes.Contains(b, []byte("HTTP/1.1 304 Not Modified")) {
		t.Fatalf("the WARC export lacks the fixture's revisits")
	}
	text := warcIDs.ReplaceAllString(string(b), "X")
	if loc := warcDate.FindStringIndex(text); loc != nil { // the warcinfo record's: now
		text = text[:loc[0]] + "WARC-Date: X" + text[loc[1]:]
	}
	out["warc"] = text
	return out
}

func compareOutputs(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	for k, w := range want {
		if d := archivecmp.Diff(w, got[k]); d != "" {
			t.Errorf("%s: %s: %s", what, k, d)
		}
	}
}

// TestExport_sqlite: export --format sqlite of a SQLite archive is an
// archive every read command gives the same results from (records,
// history, WARC with its revisits, searches, runs); an existing file is
// refused without --force and kept; --force replaces it.
func TestExport_sqlite(t *testing.T) {
	src := filledArchive(t, 4)
	out := filepath.Join(t.TempDir(), "copy.db")
	if _, e, code := runCLI(t, "export", "--db", src, "--format", "sqlite", "-o", out); code != 0 {
		t.Fatalf("export sqlite: exit %d: %s", code, e)
	}
	want := readOutputs(t, src, true)
	compareOutputs(t, "the copy", want, readOutputs(t, out, true))
	r1, _, _ := runCLI(t, "runs", "--json", "--db", src)
	r2, _, _ := runCLI(t, "runs", "--json", "--db", out)
	if r1 != r2 || !strings.Contains(r1, `"status": "failed"`) {
		t.Errorf("runs differ:\n%s\n%s", r1, r2)
	}

	before, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	_, e, code := runCLI(t, "export", "--db", src, "--format", "sqlite", "-o", out)
	if code != 2 || !strings.Contains(e, "exists") || !strings.Contains(e, "--force") {
		t.Errorf("export onto an existing file: exit %d, %q; want 2 naming --force", code, e)
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(before, after) {
		t.Errorf("the existing file was changed")
	}
	// --force replaces it, and its stale WAL goes too.
	if err := os.WriteFile(out, []byte("not an archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out+"-wal", []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, e, code := runCLI(t, "export", "--db", src, "--format", "sqlite", "-o", out, "--force"); code != 0 {
		t.Fatalf("export --force: exit %d: %s", code, e)
	}
	compareOutputs(t, "the replaced copy", want, readOutputs(t, out, true))
	if _, e, code := runCLI(t, "export", "--db", src, "--format", "sqlite", "-o", src, "--force"); code != 2 {
		t.Errorf("export onto its own archive: exit %d: %s", code, e)
	}
	for _, args := range [][]string{{"--site", "a.example"}, {"--since", "24h"}, {}} {
		a := append([]string{"export", "--db", src, "--format", "sqlite"}, args...)
		if len(args) > 0 {
			a = append(a, "-o", filepath.Join(t.TempDir(), "x.db"))
		}
		if _, _, code := runCLI(t, a...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestExport_sqliteFromPostgreSQL: a PostgreSQL archive (written by the
// same crawls as filledArchive's, through pgstore's Complete) exported as
// SQLite gives the same exports (JSON, history, --site, --since, WARC),
// searches and runs as the PostgreSQL archive itself, and as the SQLite
// archive the same crawls wrote.
func TestExport_sqliteFromPostgreSQL(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	clock := &archivecmp.Clock{}
	pg, err := pgstore.Open(ctx, u, store.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archivecmp.Fill(ctx, pg, clock, 4); err != nil {
		t.Fatal(err)
	}
	pg.Close()

	out := filepath.Join(t.TempDir(), "copy.db")
	if _, e, code := runCLI(t, "export", "--db", u, "--format", "sqlite", "-o", out); code != 0 {
		t.Fatalf("export sqlite: exit %d: %s", code, e)
	}
	got := readOutputs(t, out, true)
	compareOutputs(t, "the copy against PostgreSQL", readOutputs(t, u, true), got)
	compareOutputs(t, "the copy against SQLite", readOutputs(t, filledArchive(t, 4), true), got)
	r1, _, _ := runCLI(t, "runs", "--json", "--db", u)
	r2, _, _ := runCLI(t, "runs", "--json", "--db", out)
	if r1 != r2 {
		t.Errorf("runs differ:\n%s\n%s", r1, r2)
	}
}

// TestExport_specialFile: -o naming a device or a pipe (/dev/null, a
// FIFO) writes to it and leaves it what it is: a rename would have put a
// plain file in its place. export --format sqlite refuses it.
func TestExport_specialFile(t *testing.T) {
	src := filledArchive(t, 0)
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// A writer of our own, so the reader's open never blocks and its read
	// ends (EOF) once both writers are done, whatever export did.
	hold, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		r.Close()
		got <- string(b)
	}()
	_, e, code := runCLI(t, "export", "--db", src, "--format", "jsonl", "-o", fifo)
	hold.Close()
	if code != 0 {
		t.Fatalf("export -o FIFO: exit %d: %s", code, e)
	}
	if n := strings.Count(<-got, "\n"); n != 6 {
		t.Errorf("read %d records from the pipe, want 6", n)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe is no longer one: %v, %v", st.Mode(), err)
	}
	if _, e, code := runCLI(t, "export", "--db", src, "--format", "sqlite", "-o", fifo, "--force"); code != 2 || !strings.Contains(e, "not a regular file") {
		t.Errorf("export --format sqlite -o FIFO: exit %d: %s", code, e)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe is no longer one after --format sqlite: %v", err)
	}
	// A directory: said so, and nothing left in it or beside it.
	dir := t.TempDir()
	if _, e, code := runCLI(t, "export", "--db", src, "--format", "jsonl", "-o", dir); code != exitError || !strings.Contains(e, "is a directory") {
		t.Errorf("export -o DIR: exit %d: %s", code, e)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}
