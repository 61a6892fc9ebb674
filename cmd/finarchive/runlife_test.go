package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/testsite"
)

// interruptAfter runs a crawl in-process and cancels it (as SIGINT does)
// once the site has seen n requests.
func interruptAfter(t *testing.T, site *testsite.Site, n int64, args ...string) int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		waitRequests(site, n, 20*time.Second)
		cancel()
	}()
	var out, errb strings.Builder
	err := run(ctx, args, strings.NewReader(""), &out, &errb)
	return exitCode(err)
}

// TestCrawl_ResumeAfterOtherRuns: after an interrupted crawl, a typo'd
// crawl is a usage error that records no run, and a finished crawl of
// another site does not hide the interrupted run: --resume continues it to
// the end. A run that ended in error is resumable too.
func TestCrawl_ResumeAfterOtherRuns(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 40, Delay: 5 * time.Millisecond})
	_, other := MustStartSite(t, testsite.Options{Articles: 5})
	db := filepath.Join(t.TempDir(), "a.db")
	exclude := []string{"--exclude", "/calendar/|/refer/"}
	if code := interruptAfter(t, site, 15, append(append(fastCrawl(db), exclude...), base+"/")...); code != exitInterrupted {
		t.Fatalf("first crawl: exit %d, want %d", code, exitInterrupted)
	}
	if _, e, code := runCLI(t, "crawl", "--db", db, "-q", "exa", "mple.com"); code != exitUsage {
		t.Fatalf("typo'd crawl: exit %d, want %d: %s", code, exitUsage, e)
	}
	if runs := mustRuns(t, db); len(runs) != 1 {
		t.Fatalf("%d runs after a bad-usage crawl, want 1 (it must not touch the database)", len(runs))
	}
	if _, e, code := runCLI(t, append(append(fastCrawl(db), exclude...), other+"/")...); code != 0 {
		t.Fatalf("crawl of another site: exit %d: %s", code, e)
	}
	// A mistyped --db: nothing to resume, and no empty archive made.
	typo := filepath.Join(t.TempDir(), "typo.db")
	if _, e, code := runCLI(t, "crawl", "--db", typo, "--resume", "-q"); code != exitUsage || !strings.Contains(e, "does not exist") {
		t.Fatalf("resume of a missing file: exit %d, want %d: %s", code, exitUsage, e)
	}
	if _, err := os.Stat(typo); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("resume of a missing file created it: %v", err)
	}
	// Options with --resume would be ignored (the run keeps its own): a
	// usage error naming them, and the run is left as it was.
	if _, e, code := runCLI(t, "crawl", "--db", db, "--resume", "-q", "--delay", "2s", "--exclude", "/x/"); code != exitUsage ||
		!strings.Contains(e, "--delay, --exclude cannot be given") {
		t.Fatalf("resume with options: exit %d, want %d naming them: %s", code, exitUsage, e)
	}
	out, e, code := runCLI(t, "crawl", "--db", db, "--resume", "-q")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s\n%s", code, e, out)
	}
	if !strings.Contains(out, "run #1 finished") {
		t.Errorf("resume did not continue run #1:\n%s", out)
	}
	got := map[string]bool{}
	for _, r := range exportAll(t, db) {
		got[r.URL] = true
	}
	for _, u := range site.ArticleURLs(base) {
		if !got[u] {
			t.Errorf("article %s missing after the resume", u)
		}
	}

	// A run that ended in error (say the disk filled up) keeps its queue
	// and is resumed.
	if code := interruptAfter(t, site, site.Stats().Requests+10, append(append(fastCrawl(db), exclude...), "--adaptive=false", base+"/")...); code != exitInterrupted {
		t.Fatalf("third crawl: exit %d, want %d", code, exitInterrupted)
	}
	runs := mustRuns(t, db)
	last := runs[len(runs)-1]
	sdb, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := sdb.FinishRun(context.Background(), last.ID, finarchive.RunError, last.RunCounts, "disk full"); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	out, e, code = runCLI(t, "crawl", "--db", db, "--resume", "-q")
	if code != 0 {
		t.Fatalf("resume of the error run: exit %d: %s\n%s", code, e, out)
	}
	if want := "run #" + itoa(last.ID) + " finished"; !strings.Contains(out, want) {
		t.Errorf("resume did not finish the error run (%q):\n%s", want, out)
	}
	if _, e, code := runCLI(t, "crawl", "--db", db, "--resume", "-q"); code != exitUsage || !strings.Contains(e, "nothing to resume") {
		t.Errorf("resume with nothing left: exit %d, want %d: %s", code, exitUsage, e)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
