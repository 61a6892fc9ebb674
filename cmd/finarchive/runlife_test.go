package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
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

// newsHome is a small home page with links.
func newsHome(links string) string {
	return `<html><head><title>资讯</title></head><body><h1>资讯</h1><p>银行卡、贷款、保险常见问题解答，每日更新，欢迎阅读。</p>` + links + `</body></html>`
}

// flakySite is a site whose home links /flaky.html the first time only,
// and /flaky.html answers 503 (a transient failure, carried over to the
// next crawl); flaky counts its requests. It stops with the test.
func flakySite(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var first atomic.Bool
	first.Store(true)
	flaky := new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			links := ""
			if first.Swap(false) {
				links = `<a href="/flaky.html">今日头条</a>` // linked the first time only
			}
			fmt.Fprint(w, newsHome(links))
		case "/flaky.html":
			flaky.Add(1)
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, flaky
}

// TestCrawl_CarryOverPastImport: the URLs a crawl left failed are queued
// again by the next crawl even when an import ran between them (its run
// has no frontier: the next crawl carried nothing over, and a failed page
// no longer linked was never asked again).
func TestCrawl_CarryOverPastImport(t *testing.T) {
	srv, flaky := flakySite(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	crawl := append(fastCrawl(db), "--retries", "0", "--no-sitemaps", srv.URL+"/")
	if _, e, code := runCLI(t, crawl...); code != exitPartial || flaky.Load() != 1 {
		t.Fatalf("first crawl: exit %d, /flaky.html asked %d times: %s", code, flaky.Load(), e)
	}
	archive := mustSearchArchive(t)
	file := filepath.Join(dir, "other.warc.gz")
	if _, e, code := runCLI(t, "export", "--db", archive, "--format", "warc", "-o", file); code != 0 {
		t.Fatalf("export: exit %d: %s", code, e)
	}
	if _, e, code := runCLI(t, "import", "--db", db, file); code != 0 {
		t.Fatalf("import: exit %d: %s", code, e)
	}
	if _, e, code := runCLI(t, crawl...); code != exitPartial || flaky.Load() != 2 {
		t.Errorf("crawl after the import: exit %d, /flaky.html asked %d times in all (want 2: carried over): %s", code, flaky.Load(), e)
	}
}

// TestCrawl_CarryOverPerSite: two sites crawled into one database (a
// schedule config's sites may share one) keep their own failed URLs: a
// crawl of the second does not take over the first's (it did, and skipped
// them as blocked or fetched them under its own options, so the first
// site's next crawl never asked them again).
func TestCrawl_CarryOverPerSite(t *testing.T) {
	a, flaky := flakySite(t)
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, newsHome(""))
	}))
	defer b.Close()
	db := filepath.Join(t.TempDir(), "a.db")
	crawlA := append(fastCrawl(db), "--retries", "0", "--no-sitemaps", a.URL+"/")
	if _, e, code := runCLI(t, crawlA...); code != exitPartial || flaky.Load() != 1 {
		t.Fatalf("crawl of a: exit %d, /flaky.html asked %d times: %s", code, flaky.Load(), e)
	}
	if _, e, code := runCLI(t, append(fastCrawl(db), "--retries", "0", "--no-sitemaps", b.URL+"/")...); code != 0 || flaky.Load() != 1 {
		t.Errorf("crawl of b: exit %d, a's /flaky.html asked %d times in all (want 1: not b's): %s", code, flaky.Load(), e)
	}
	if _, e, code := runCLI(t, crawlA...); code != exitPartial || flaky.Load() != 2 {
		t.Errorf("crawl of a again: exit %d, /flaky.html asked %d times in all (want 2: carried over from a's run): %s", code, flaky.Load(), e)
	}
}

// TestCrawl_SeedRedirectsAway: a seed that redirects to another site
// (a site that moved) is not followed, and the crawl says so, naming the
// target and --host; it finished with nothing but a skip count.
func TestCrawl_SeedRedirectsAway(t *testing.T) {
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "127.0.0.2", 1)
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, otherURL+"/new/", http.StatusMovedPermanently)
	}))
	defer moved.Close()
	db := filepath.Join(t.TempDir(), "a.db")
	_, stderr, code := runCLI(t, append(fastCrawl(db), "--no-sitemaps", moved.URL+"/")...)
	if code != 0 || !strings.Contains(stderr, "seed redirects out of the crawl's scope") || !strings.Contains(stderr, otherURL+"/new/") ||
		!strings.Contains(stderr, "--host") {
		t.Errorf("exit %d, stderr %q; want exit 0 and a warning naming the target and --host", code, stderr)
	}
}
