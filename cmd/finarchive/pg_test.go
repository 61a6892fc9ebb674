package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store/pgstore"
	"github.com/finarchive/finarchive/testsite"
)

// mustRun runs the command and fails t unless it exits with one of codes
// (default: 0).
func mustRun(t *testing.T, codes []int, args ...string) string {
	t.Helper()
	out, errOut, code := runCLI(t, args...)
	if len(codes) == 0 {
		codes = []int{exitOK}
	}
	for _, c := range codes {
		if code == c {
			return out
		}
	}
	t.Fatalf("%s: exit %d, want %v:\n%s", strings.Join(args, " "), code, codes, errOut)
	return ""
}

// pgEnv points the PG* environment variables at the database u names, as
// a user's shell would, so that --db postgres:// reaches it.
func pgEnv(t *testing.T, u string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGHOST", cfg.Host)
	t.Setenv("PGPORT", strconv.Itoa(int(cfg.Port)))
	t.Setenv("PGUSER", cfg.User)
	t.Setenv("PGDATABASE", cfg.Database)
	t.Setenv("PGPASSWORD", cfg.Password)
	if cfg.TLSConfig == nil {
		t.Setenv("PGSSLMODE", "disable")
	}
}

// TestCLI_postgresFromEnv: --db postgres:// takes the whole database from
// the PG* environment variables: a crawl, then runs, search and export on
// it, and the demo.
func TestCLI_postgresFromEnv(t *testing.T) {
	u := pgtest.NewDB(t)
	pgEnv(t, u)
	site, base := MustStartSite(t, testsite.Options{Articles: 6})
	mustRun(t, []int{exitOK, exitPartial}, append(fastCrawl("postgres://"), base+"/")...)
	var runs []runEntry
	if err := json.Unmarshal([]byte(mustRun(t, nil, "runs", "--db", "postgres://", "--json")), &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].New < site.Articles() || runs[0].Status != "finished" {
		t.Fatalf("runs = %+v, want one finished run with at least the %d articles new", runs, site.Articles())
	}
	if got := strings.Count(mustRun(t, nil, "export", "--db", "postgres://", "--format", "jsonl"), "\n"); got != runs[0].New {
		t.Errorf("export: %d records, want the run's %d new", got, runs[0].New)
	}
	if got := mustRun(t, nil, "search", "--db", "postgres://", "--json", "卡"); !strings.Contains(got, `"url"`) {
		t.Errorf("search 卡 found nothing:\n%s", got)
	}
	// Parameters beside the PG* variables.
	if got := mustRun(t, nil, "runs", "--db", "postgres://?pool_max_conns=2&application_name=fa-test"); !strings.Contains(got, "finished") {
		t.Errorf("runs --db postgres://?pool_max_conns=2:\n%s", got)
	}
	// The same database by its URL.
	if got := mustRun(t, nil, "runs", "--db", u); !strings.Contains(got, "finished") {
		t.Errorf("runs --db URL:\n%s", got)
	}
	// The demo crawls into it too, as a second run.
	if got := mustRun(t, nil, "demo", "--db", "postgres://", "--articles", "6", "-q"); !strings.Contains(got, "archive: postgres:// — try: finarchive export --db postgres://") {
		t.Errorf("demo on PostgreSQL:\n%s", got)
	}
	if got := strings.Count(mustRun(t, nil, "runs", "--db", "postgres://"), "finished"); got != 2 {
		t.Errorf("runs after the demo: %d finished, want 2", got)
	}
}

// TestCLI_postgresSameAsSQLite: the same two crawls of the test site (the
// second after the site changed) into a SQLite file and into PostgreSQL;
// then export (with history, --since, --site), search (one, two and more
// characters), runs and the reader give the same on both, but for the
// times of the crawls themselves; so do reextract, the import of one WARC
// into a new archive of each, and each archive's WARC export imported.
func TestCLI_postgresSameAsSQLite(t *testing.T) {
	pg := pgtest.NewDB(t)
	sq := filepath.Join(t.TempDir(), "archive.db")
	site, base := MustStartSite(t, testsite.Options{Articles: 12})
	dbs := []string{sq, pg}
	// No depth limit: with one, which pages a crawl reaches depends on the
	// order it discovers links in (a URL's depth is that of its first
	// link), which concurrent fetches vary from crawl to crawl.
	crawl := func(db string) []string { return append(fastCrawl(db), "--max-depth", "0", base+"/") }
	for _, db := range dbs {
		mustRun(t, []int{exitOK, exitPartial}, crawl(db)...)
	}
	between := time.Now()
	time.Sleep(10 * time.Millisecond) // the second crawls fetch after between, whatever the clock's grain
	site.SetVersion(2)
	for _, db := range dbs {
		mustRun(t, []int{exitOK, exitPartial}, crawl(db)...)
	}
	if len(site.ChangedArticles(2, base)) == 0 {
		t.Fatal("the test site changed no article in version 2")
	}

	sameOn := func(sq, pg, what string, f func(db string) string) {
		t.Helper()
		a, b := f(sq), f(pg)
		if a != b {
			t.Errorf("%s differs:\n--- %s\n%s\n--- %s\n%s", what, dbName(sq), a, dbName(pg), b)
		}
		if strings.TrimSpace(a) == "" || a == "[]" {
			t.Errorf("%s is empty", what)
		}
	}
	same := func(what string, f func(db string) string) { t.Helper(); sameOn(sq, pg, what, f) }
	host := strings.TrimPrefix(base, "http://")
	exportArgs := [][]string{
		{"--history"},
		{"--since", between.Format(time.RFC3339Nano)},
		{"--site", host, "--body", "html,markdown"},
	}
	for _, extra := range exportArgs {
		same("export "+strings.Join(extra, " "), func(db string) string {
			return normExport(t, mustRun(t, nil, append([]string{"export", "--db", db, "--format", "jsonl"}, extra...)...))
		})
	}
	for _, q := range []string{"卡", "贷款", "信用卡", "银行 贷款", "征信"} {
		same("search "+q, func(db string) string {
			return normSearch(t, mustRun(t, nil, "search", "--db", db, "--json", "--limit", "1000", q))
		})
	}
	same("search --site --since", func(db string) string {
		return normSearch(t, mustRun(t, nil, "search", "--db", db, "--json", "--site", host, "--since", "2000-01-01", "贷款"))
	})
	same("runs", func(db string) string { return normRuns(t, mustRun(t, nil, "runs", "--db", db, "--json")) })

	// The reader: an article, a changed article's history, the runs and a
	// search, each page as served but for times, and the list's articles.
	changed := site.ChangedArticles(2, base)[0]
	article := site.ArticleURLs(base)[0]
	for _, path := range []string{
		"/a?u=" + url.QueryEscape(article),
		"/history?u=" + url.QueryEscape(changed),
		"/runs",
		"/search?q=" + url.QueryEscape("贷款"),
	} {
		same("serve "+path, func(db string) string { return normPage(serveGet(t, db, path)) })
	}
	same("serve / (articles listed)", func(db string) string { return listedArticles(serveGet(t, db, "/")) })

	// Re-extraction rewrites the same pages the same way.
	same("reextract", func(db string) string { return mustRun(t, nil, "reextract", "--db", db) })
	same("export --history after reextract", func(db string) string {
		return normExport(t, mustRun(t, nil, "export", "--db", db, "--format", "jsonl", "--history"))
	})
	// A WARC (of the SQLite archive) imported into a new archive of each.
	warcFile := filepath.Join(t.TempDir(), "archive.warc.gz")
	mustRun(t, nil, "export", "--db", sq, "--format", "warc", "-o", warcFile)
	sq2, pg2 := filepath.Join(t.TempDir(), "imported.db"), pgtest.NewDB(t)
	sameOn(sq2, pg2, "import", func(db string) string {
		return strings.Replace(mustRun(t, nil, "import", "--db", db, warcFile), db, "DB", 1)
	})
	sameOn(sq2, pg2, "export --history of the import", func(db string) string {
		return normExport(t, mustRun(t, nil, "export", "--db", db, "--format", "jsonl", "--history"))
	})
	sameOn(sq2, pg2, "search of the import", func(db string) string {
		return normSearch(t, mustRun(t, nil, "search", "--db", db, "--json", "--limit", "1000", "贷款"))
	})
	// The PostgreSQL archive's own WARC, imported, gives what the SQLite
	// archive's does.
	pgWARC := filepath.Join(t.TempDir(), "pg.warc.gz")
	mustRun(t, nil, "export", "--db", pg, "--format", "warc", "-o", pgWARC)
	sq3 := filepath.Join(t.TempDir(), "from-pg.db")
	mustRun(t, nil, "import", "--db", sq3, pgWARC)
	sameOn(sq2, sq3, "export --history of the WARC of each archive, imported", func(db string) string {
		return normExport(t, mustRun(t, nil, "export", "--db", db, "--format", "jsonl", "--history"))
	})
}

// serveGet runs `serve` on db and returns the body of path.
func serveGet(t *testing.T, db, path string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	base, done, _, stderr := startServe(t, ctx, "--db", db, "--addr", "127.0.0.1:0")
	defer func() {
		cancel()
		<-done
	}()
	resp, err := http.Get(strings.TrimSuffix(base, "/") + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s on %s: %d, %v\n%s\n%s", path, db, resp.StatusCode, err, b, stderr.String())
	}
	return string(b)
}

// timeRE matches the times and durations of a crawl, which two crawls do
// not share.
var timeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?|\b\d+(\.\d+)?(ns|µs|ms|s|m|h)\b`)

func normPage(html string) string { return timeRE.ReplaceAllString(html, "T") }

var articleLinkRE = regexp.MustCompile(`href="/a\?u=[^"]+"`)

func listedArticles(html string) string {
	links := articleLinkRE.FindAllString(html, -1)
	sort.Strings(links)
	return strings.Join(links, "\n")
}

// normExport returns the JSONL records sorted by URL, without their fetch
// times (which are each crawl's own): the two archives number their pages in
// the order their crawls saved them.
func normExport(t *testing.T, jsonl string) string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("export line %q: %v", l, err)
		}
		delete(m, "fetched_at")
		if h, ok := m["history"].([]any); ok {
			for _, v := range h {
				delete(v.(map[string]any), "fetched_at")
			}
		}
		b, _ := json.Marshal(m)
		lines = append(lines, string(b))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// normSearch returns the hits (URL, title, snippet, date, site) sorted by
// URL: each back end ranks by its own formula, so equal ranks may come in
// another order.
func normSearch(t *testing.T, out string) string {
	t.Helper()
	var hits []searchEntry
	if err := json.Unmarshal([]byte(out), &hits); err != nil {
		t.Fatalf("search output %q: %v", out, err)
	}
	var lines []string
	for _, h := range hits {
		lines = append(lines, fmt.Sprintf("%s %s %q %v %s", h.URL, h.Title, h.Snippet, h.Published, h.Site))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// normRuns returns the runs without their times.
func normRuns(t *testing.T, out string) string {
	t.Helper()
	var runs []runEntry
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatalf("runs output %q: %v", out, err)
	}
	for i := range runs {
		runs[i].StartedAt, runs[i].FinishedAt = time.Time{}, nil
	}
	b, _ := json.MarshalIndent(runs, "", " ")
	return string(b)
}

// withPassword returns the URL u with a password in its user info: the test
// cluster trusts local connections and never asks for it, so the commands
// work while the password is there to leak.
func withPassword(t *testing.T, u, password string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p.User = url.UserPassword(p.User.Username(), password)
	return p.String()
}

// TestCLI_postgresSchedule: a schedule file's db: takes a PostgreSQL URL;
// its runs land there, and the daemon's logs name the database without its
// password.
func TestCLI_postgresSchedule(t *testing.T) {
	const secret = "hunter2-pw"
	db := withPassword(t, pgtest.NewDB(t), secret)
	site, base := MustStartSite(t, testsite.Options{Articles: 10})
	cfg := filepath.Join(t.TempDir(), "schedule.yaml")
	writeFile(t, cfg, fmt.Sprintf(`
defaults:
  every: 1s
  jitter: 0s
  delay: 0s
  retries: 1
  backoff: 20ms
  exclude: ['/calendar/|/refer/|/big\.html']
sites:
  - name: pg
    seeds: [%s/]
    db: %q
    adaptive: false
`, base, db))
	stderr, code := runSchedule(t, "schedule", "--config", cfg, "--max-runs", "2")
	if code != 0 {
		t.Fatalf("schedule: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, secret) {
		t.Errorf("the schedule's log shows the database password:\n%s", stderr)
	}
	if !strings.Contains(stderr, "xxxxx@") {
		t.Errorf("the schedule's log does not name the database:\n%s", stderr)
	}
	runs := mustRuns(t, db)
	if len(runs) != 2 || runs[0].New != site.Articles() || runs[1].New != 0 || runs[1].NotModified < site.Articles() {
		t.Fatalf("runs = %+v; want 2, the first archiving the %d articles, the second finding them not modified", runs, site.Articles())
	}
	checkDisjoint(t, runs)
}

// TestCLI_postgresLocked: a crawl of a PostgreSQL archive that another
// crawl holds exits 4 naming the holder, as on SQLite; so does reextract,
// which takes the lock too.
func TestCLI_postgresLocked(t *testing.T) {
	u := pgtest.NewDB(t)
	holder, err := pgstore.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	release, err := holder.Lock(context.Background(), "finarchive crawl (pid 4242)", false)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, base := MustStartSite(t, testsite.Options{Articles: 2})
	for _, args := range [][]string{
		append(fastCrawl(u), base+"/"),
		{"reextract", "--db", u},
	} {
		_, errOut, code := runCLI(t, args...)
		if code != exitLocked || !strings.Contains(errOut, "is being crawled by another process") || !strings.Contains(errOut, "pid 4242") {
			t.Errorf("%s on a locked archive: exit %d, want %d naming the holder:\n%s", args[0], code, exitLocked, errOut)
		}
	}
}

// TestCLI_postgresKillAndResume: a crawl into PostgreSQL killed with
// SIGKILL (its lock row and leases left behind) is continued by
// crawl --resume, kill after kill, to every article exactly once, and the
// archive passes its integrity check.
func TestCLI_postgresKillAndResume(t *testing.T) {
	db := pgtest.NewDB(t) // first: it skips without PostgreSQL
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 60, Delay: 5 * time.Millisecond})
	args := append(fastCrawl(db)[1:], "--max-depth", "0", "--exclude", "/calendar/|/refer/")
	first := append([]string{"crawl"}, append(args, base+"/")...)
	resume := []string{"crawl", "--db", db, "--resume", "-q"}
	killCrawls(t, bin, site, first, resume, []int64{15, 50, 90}, func() {})
	cmd, out := startCrawl(t, bin, resume...)
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitPartial {
			t.Fatalf("final resume: %v\n%s", err, out)
		}
	}
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
	a, err := pgstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.IntegrityCheck(context.Background()); err != nil {
		t.Errorf("integrity check after the kills: %v", err)
	}
	runs, err := a.Runs(context.Background())
	if err != nil || len(runs) != 1 || runs[0].Status != "finished" || runs[0].New != len(recs) {
		t.Errorf("runs = %+v, %v; want the one run finished, its new count the %d records", runs, err, len(recs))
	}
}

// TestCLI_postgresReadWhileCrawling: runs, search, export and the reader
// answer from a PostgreSQL archive while a crawl writes into it, each time
// with no fewer articles than the time before.
func TestCLI_postgresReadWhileCrawling(t *testing.T) {
	db := pgtest.NewDB(t)
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 30, Delay: 10 * time.Millisecond})
	mk, err := pgstore.Open(context.Background(), db) // the schema, for the reader started first
	if err != nil {
		t.Fatal(err)
	}
	mk.Close()
	crawl, out := startCrawl(t, bin, append(fastCrawl(db), "--parallelism", "2", base+"/")...)
	ended := make(chan error, 1)
	go func() { ended <- crawl.Wait() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, done, _, _ := startServe(t, ctx, "--db", db, "--addr", "127.0.0.1:0")
	defer func() { cancel(); <-done }()
	prev, reads := 0, 0
	for running := true; running; {
		select {
		case err := <-ended:
			running = false
			if err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != exitPartial {
					t.Fatalf("crawl: %v\n%s", err, out)
				}
			}
		default:
		}
		n := strings.Count(mustRun(t, nil, "export", "--db", db, "--format", "jsonl"), "\n")
		if n < prev {
			t.Fatalf("export while crawling: %d articles after %d", n, prev)
		}
		prev = n
		mustRun(t, nil, "runs", "--db", db)
		mustRun(t, nil, "search", "--db", db, "--json", "卡")
		resp, err := http.Get(srv + "search?q=" + url.QueryEscape("卡"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reader while crawling: %s", resp.Status)
		}
		reads++
	}
	if prev < site.Articles() {
		t.Errorf("export after the crawl: %d articles, want at least %d", prev, site.Articles())
	}
	t.Logf("%d rounds of reads while the crawl wrote", reads)
	if reads < 2 {
		t.Errorf("only %d rounds of reads: the crawl ended before the test read it while it wrote", reads)
	}
}
