package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/testsite"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// MustBuild builds the finarchive binary once per test process, for tests
// that kill it as a user's crash would.
func MustBuild(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "finarchive-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "finarchive")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build finarchive: %v", buildErr)
	}
	return binPath
}

// startCrawl starts the binary; the caller waits or kills it.
func startCrawl(t testing.TB, bin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// waitRequests waits until the site has seen n requests, or the process ended.
func waitRequests(site *testsite.Site, n int64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for site.Stats().Requests < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

func integrityCheck(t testing.TB, db string) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var res string
	if err := conn.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check: %s", res)
	}
}

// TestCrawl_KillAndResume kills the crawler with SIGKILL at several points
// and resumes each time: the archive ends complete, with no article stored
// twice, and passes PRAGMA integrity_check.
func TestCrawl_KillAndResume(t *testing.T) {
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 120, Delay: 5 * time.Millisecond})
	db := filepath.Join(t.TempDir(), "a.db")
	args := append(fastCrawl(db)[1:], "--max-depth", "0", "--exclude", "/calendar/|/refer/")
	first := append([]string{"crawl"}, append(args, base+"/")...)
	resume := []string{"crawl", "--db", db, "--resume", "-q"}

	killCrawls(t, bin, site, first, resume, []int64{15, 50, 100, 150}, func() { integrityCheck(t, db) })
	cmd, out := startCrawl(t, bin, resume...)
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == exitPartial) {
		t.Fatalf("final resume: %v\n%s", err, out)
	}
	integrityCheck(t, db)

	recs := exportAll(t, db)
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.URL] {
			t.Errorf("article %s stored twice", r.URL)
		}
		seen[r.URL] = true
	}
	for _, u := range site.ArticleURLs(base) {
		if !seen[u] {
			t.Errorf("article %s lost across kills", u)
		}
	}
	if len(recs) != site.Articles() {
		t.Errorf("export has %d records, want %d", len(recs), site.Articles())
	}
}

// TestCrawl_Interrupt: SIGINT stops cleanly, marks the run interrupted,
// says how to resume (and no error besides); the resume completes the
// archive.
func TestCrawl_Interrupt(t *testing.T) {
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 80, Delay: 5 * time.Millisecond})
	db := filepath.Join(t.TempDir(), "a.db")
	cmd, out := startCrawl(t, bin, append(fastCrawl(db), "--exclude", "/calendar/|/refer/", base+"/")...)
	waitRequests(site, 30, 20*time.Second)
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("after SIGINT: %v, want exit %d\n%s", err, exitInterrupted, out)
	}
	if !strings.Contains(out.String(), "--resume") {
		t.Errorf("output does not say how to resume:\n%s", out)
	}
	if strings.Contains(out.String(), "context canceled") {
		t.Errorf("a clean stop reads as an error:\n%s", out)
	}
	rout, _, _ := runCLI(t, "runs", "--db", db)
	if !strings.Contains(rout, "interrupted") {
		t.Errorf("runs does not show the run as interrupted:\n%s", rout)
	}
	integrityCheck(t, db)
	if _, e, code := runCLI(t, "crawl", "--db", db, "--resume", "-q"); code != 0 && code != exitPartial {
		t.Fatalf("resume: exit %d: %s", code, e)
	}
	if got, want := len(exportAll(t, db)), site.Articles(); got != want {
		t.Errorf("after resume: %d records, want %d", got, want)
	}
}

// TestCrawl_ResumeMaxPages: --max-pages bounds the run, across its
// interruption: a run interrupted after some pages and resumed fetches the
// rest of its budget only (it fetched the whole budget again), and a
// resume of a run that had reached it fetches nothing. (At --delay 50ms the
// 40 pages take 2s at least; SIGINT comes after about 10.)
func TestCrawl_ResumeMaxPages(t *testing.T) {
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 80})
	db := filepath.Join(t.TempDir(), "a.db")
	cmd, out := startCrawl(t, bin, append(fastCrawl(db), "--delay", "50ms", "--max-pages", "40", "--exclude", "/calendar/|/refer/", base+"/")...)
	waitRequests(site, 10, 20*time.Second)
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("after SIGINT: %v, want exit %d\n%s", err, exitInterrupted, out)
	}
	before := mustRuns(t, db)[0].Fetched
	if _, e, code := runCLI(t, "crawl", "--db", db, "--resume", "-q"); code != 0 && code != exitPartial {
		t.Fatalf("resume: exit %d: %s", code, e)
	}
	runs := mustRuns(t, db)
	if len(runs) != 1 || runs[0].Fetched != 40 {
		t.Errorf("run fetched %d pages (%d before the interruption), want --max-pages 40", runs[0].Fetched, before)
	}
	requests := site.Stats().Requests
	if _, e, code := runCLI(t, "crawl", "--db", db, "--resume", "-q"); code != 2 {
		t.Errorf("resume of a finished run: exit %d (want 2: none to resume): %s", code, e)
	}
	if got := site.Stats().Requests; got != requests {
		t.Errorf("a second resume made %d requests", got-requests)
	}
}

// TestCrawl_ResumeMaxPagesReached: a run interrupted when it had fetched
// its --max-pages already is finished by --resume without a request.
func TestCrawl_ResumeMaxPagesReached(t *testing.T) {
	ctx := context.Background()
	site, base := MustStartSite(t, testsite.Options{Articles: 20})
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := crawler.DefaultConfig()
	cfg.MaxPages, cfg.AllowPrivate = 5, true
	opts, _ := json.Marshal(cfg)
	id, err := db.StartRun(ctx, store.RunSpec{Seeds: []string{base + "/"}, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishRun(ctx, id, finarchive.RunInterrupted, finarchive.RunCounts{Fetched: 5}, "interrupted"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, e, code := runCLI(t, "crawl", "--db", path, "--resume", "-q"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, e)
	}
	if n := site.Stats().Requests; n != 0 {
		t.Errorf("the resume made %d requests past --max-pages", n)
	}
	if runs := mustRuns(t, path); runs[0].Status != finarchive.RunFinished || runs[0].Fetched != 5 {
		t.Errorf("run: %s, fetched %d; want finished, 5", runs[0].Status, runs[0].Fetched)
	}
}

// runCounts reads run id's article counts and the archive's pages and
// revisions written by it.
func runCounts(t testing.TB, conn *sql.DB, id int64) (newN, changed, pages, revs int) {
	t.Helper()
	err := conn.QueryRow(`SELECT new, changed, (SELECT count(*) FROM pages),
		(SELECT count(*) FROM revisions WHERE run_id = ?1) FROM runs WHERE id = ?1`, id).Scan(&newN, &changed, &pages, &revs)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// TestCrawl_KillCountsMatchArchive: after kill -9 the run's counts are
// those of what it committed (new = the pages it archived), and after
// --resume too: counts are not kept in memory and saved later.
func TestCrawl_KillCountsMatchArchive(t *testing.T) {
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 120, Delay: 5 * time.Millisecond})
	db := filepath.Join(t.TempDir(), "a.db")
	args := append(fastCrawl(db)[1:], "--max-depth", "0", "--exclude", "/calendar/|/refer/")
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	killed := 0
	for i, at := range []int64{40, 100} {
		cmdArgs := []string{"crawl", "--db", db, "--resume", "-q"}
		if i == 0 {
			cmdArgs = append([]string{"crawl"}, append(args, base+"/")...)
		}
		cmd, out := startCrawl(t, bin, cmdArgs...)
		waitRequests(site, at, 20*time.Second)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Logf("crawl ended before the kill: %s", out)
			continue
		}
		killed++
		newN, changed, pages, revs := runCounts(t, conn, 1)
		t.Logf("killed at %d requests: new=%d changed=%d pages=%d revisions=%d", site.Stats().Requests, newN, changed, pages, revs)
		if newN != pages || newN+changed != revs {
			t.Errorf("after kill -9 #%d: runs says new=%d changed=%d, the archive has %d pages and %d revisions of the run",
				killed, newN, changed, pages, revs)
		}
		fetchedAtLeast(t, conn, 1, fmt.Sprintf("after kill -9 #%d", killed))
	}
	if killed == 0 {
		t.Fatal("no kill landed: the crawl was too fast to test")
	}
	if _, e, code := runCLI(t, "crawl", "--db", db, "--resume", "-q"); code != 0 && code != exitPartial {
		t.Fatalf("resume: exit %d: %s", code, e)
	}
	newN, changed, pages, revs := runCounts(t, conn, 1)
	if newN != pages || newN+changed != revs || pages != site.Articles() {
		t.Errorf("after --resume: runs says new=%d changed=%d; the archive has %d pages (site %d) and %d revisions",
			newN, changed, pages, site.Articles(), revs)
	}
	// Nor does it count more than were made: the three crawls together
	// asked the site for fewer than that.
	if fetched := fetchedAtLeast(t, conn, 1, "after --resume"); int64(fetched) > site.Stats().Requests {
		t.Errorf("runs says fetched=%d; the site answered %d requests in all", fetched, site.Stats().Requests)
	}
	rout, _, _ := runCLI(t, "runs", "--db", db, "--json")
	if !strings.Contains(rout, fmt.Sprintf(`"new": %d`, pages)) {
		t.Errorf("runs --json does not say new=%d:\n%s", pages, rout)
	}
}

// fetchedAtLeast fails t unless run id's fetched count covers the fetches
// the archive holds from it: each of them is a response the run received.
// The count is committed with the pages (the last commit's figure), not
// saved every few seconds apart from them.
func fetchedAtLeast(t *testing.T, conn *sql.DB, id int64, when string) (fetched int) {
	t.Helper()
	var rows int
	if err := conn.QueryRow(`SELECT fetched, (SELECT count(*) FROM fetches WHERE run_id = ?1) FROM runs WHERE id = ?1`, id).Scan(&fetched, &rows); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: runs says fetched=%d; the archive holds %d fetches of the run", when, fetched, rows)
	if fetched < rows {
		t.Errorf("%s: runs says fetched=%d, but the archive holds %d fetches of the run", when, fetched, rows)
	}
	return fetched
}

// killCrawls runs the binary with first, then with resume, killing each
// with SIGKILL once the site has seen the next number of requests of at,
// and calls after each kill; it fails t unless at least two kills landed
// before the crawl ended by itself.
func killCrawls(t *testing.T, bin string, site *testsite.Site, first, resume []string, at []int64, after func()) {
	t.Helper()
	kills := 0
	for i, n := range at {
		args := resume
		if i == 0 {
			args = first
		}
		cmd, out := startCrawl(t, bin, args...)
		waitRequests(site, n, 20*time.Second)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			kills++
		}
		t.Logf("killed at %d requests (%d asked); output: %s", site.Stats().Requests, n, strings.TrimSpace(out.String()))
		after()
	}
	if kills < 2 {
		t.Fatalf("only %d kills landed: the crawl was too fast to test resume", kills)
	}
}
