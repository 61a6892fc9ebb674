package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/store/backend"
	"github.com/finarchive/finarchive/testsite"
)

// scheduleFlags for a loopback site: no delay, quick retries, no traps.
func fastSchedule(db string) []string {
	return []string{"schedule", "--db", db, "--jitter", "0", "--delay", "0", "--parallelism", "4", "--retries", "1",
		"--backoff", "20ms", "--backoff-max", "100ms", "--timeout", "5s", "--exclude", "/calendar/|/refer/|/big\\.html"}
}

// runSchedule runs the program in-process like runCLI, but gives up after
// a minute, so a schedule that never ends fails instead of hanging.
func runSchedule(t testing.TB, args ...string) (stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb strings.Builder
	err := run(ctx, args, strings.NewReader(""), &out, &errb)
	if ctx.Err() != nil {
		t.Fatalf("schedule %s did not end by itself:\n%s", strings.Join(args, " "), errb.String())
	}
	if err != nil {
		errb.WriteString("finarchive: " + err.Error() + "\n")
	}
	return errb.String(), exitCode(err)
}

// mustRuns returns the runs of an archive, oldest first.
func mustRuns(t testing.TB, path string) []finarchive.Run {
	t.Helper()
	db, err := backend.OpenReadOnly(context.Background(), path) // a SQLite file or a postgres:// URL
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	return runs
}

// mustIntegrity runs the store's integrity check (PRAGMA integrity_check,
// full-text index included) on an archive.
func mustIntegrity(t testing.TB, path string) {
	t.Helper()
	db, err := backend.OpenReadOnly(context.Background(), path) // a SQLite file or a postgres:// URL
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
}

// ended reports whether a run went to its end: finished, or failed for
// some URLs only (the test site has broken links on purpose).
func ended(r finarchive.Run) bool {
	return r.Status == finarchive.RunFinished || r.Status == finarchive.RunFailed
}

// checkDisjoint fails when two runs' [started, finished] intervals overlap.
func checkDisjoint(t testing.TB, runs []finarchive.Run) {
	t.Helper()
	for i := 1; i < len(runs); i++ {
		if !runs[i].StartedAt.After(runs[i-1].FinishedAt) {
			t.Errorf("run %d started %s, before run %d finished %s", runs[i].ID, runs[i].StartedAt.Format(time.StampMilli),
				runs[i-1].ID, runs[i-1].FinishedAt.Format(time.StampMilli))
		}
	}
}

func logRuns(t testing.TB, label string, runs []finarchive.Run) {
	t.Helper()
	for _, r := range runs {
		t.Logf("%s run %d: %s in %s, fetched %d (%s), new %d, changed %d, unchanged %d, 304 %d, failed %d",
			label, r.ID, r.Status, r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond), r.Fetched, humanBytes(r.Bytes),
			r.New, r.Changed, r.Unchanged, r.NotModified, r.Failed)
	}
}

// TestSchedule_Every runs three slots of --every 1s: the runs never
// overlap, the first archives the site, the later ones find nothing new on
// the unchanged site and get 304s for its articles (--adaptive=false: every
// article is revalidated).
func TestSchedule_Every(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 30})
	db := filepath.Join(t.TempDir(), "a.db")
	args := append(fastSchedule(db), "--every", "1s", "--max-runs", "3", "--adaptive=false", base+"/")
	stderr, code := runSchedule(t, args...)
	if code != 0 {
		t.Fatalf("schedule: exit %d\n%s", code, stderr)
	}
	runs := mustRuns(t, db)
	logRuns(t, "every", runs)
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3\n%s", len(runs), stderr)
	}
	checkDisjoint(t, runs)
	if got, want := runs[0].New, site.Articles(); got != want {
		t.Errorf("first run: %d new, want %d", got, want)
	}
	for _, r := range runs[1:] {
		if r.New != 0 || r.Changed != 0 {
			t.Errorf("run %d on an unchanged site: %d new, %d changed, want 0", r.ID, r.New, r.Changed)
		}
		if r.NotModified < site.Articles() {
			t.Errorf("run %d: %d not modified (304), want at least the %d articles", r.ID, r.NotModified, site.Articles())
		}
		if r.Bytes >= runs[0].Bytes {
			t.Errorf("run %d fetched %d bytes, not less than the first run's %d", r.ID, r.Bytes, runs[0].Bytes)
		}
	}
	if n := strings.Count(stderr, `msg=run `); n != 3 {
		t.Errorf("%d run log lines, want 3:\n%s", n, stderr)
	}
	for _, key := range []string{"site=", "run=", "status=", "duration=", "fetched=", "new=", "changed=", "not_modified=", "bytes="} {
		if !strings.Contains(stderr, key) {
			t.Errorf("run log line lacks %s:\n%s", key, stderr)
		}
	}
	for _, r := range runs {
		if !ended(r) {
			t.Errorf("run %d is %s, want finished (or failed: the site has broken links)", r.ID, r.Status)
		}
	}
	rout, _, _ := runCLI(t, "runs", "--db", db)
	if got := strings.Count(rout, "finished") + strings.Count(rout, "failed"); got != 3 {
		t.Errorf("runs lists %d ended runs, want 3:\n%s", got, rout)
	}
}

// peakHandler counts the requests a handler serves at once.
type peakHandler struct {
	h              http.Handler
	inflight, peak atomic.Int64
}

func (p *peakHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := p.inflight.Add(1)
	defer p.inflight.Add(-1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	p.h.ServeHTTP(w, r)
}

// TestSchedule_Config runs two sites of a config file against one host:
// their requests share that host's limit (at most 2 in flight between
// them, where each alone may have 2), and the adaptive site's second run
// fetches no archived article (none is due), so it costs far less.
func TestSchedule_Config(t *testing.T) {
	site := testsite.New(testsite.Options{Articles: 30, Delay: 2 * time.Millisecond})
	ph := &peakHandler{h: site.Handler()}
	srv := httptest.NewServer(ph)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "schedule.yaml")
	writeFile(t, cfg, fmt.Sprintf(`
defaults:
  every: 1s
  jitter: 0s
  parallelism: 2
  delay: 0s
  retries: 1
  backoff: 20ms
  exclude: ['/calendar/|/refer/|/big\.html']
sites:
  - name: full
    seeds: [%[1]s/]
    db: %[2]s
    adaptive: false
  - name: adaptive
    seeds: [%[1]s/]
    db: %[3]s
    min-revisit: 1h
`, srv.URL, filepath.Join(dir, "full.db"), filepath.Join(dir, "adaptive.db")))
	stderr, code := runSchedule(t, "schedule", "--config", cfg, "--max-runs", "2")
	if code != 0 {
		t.Fatalf("schedule: exit %d\n%s", code, stderr)
	}
	full, adaptive := mustRuns(t, filepath.Join(dir, "full.db")), mustRuns(t, filepath.Join(dir, "adaptive.db"))
	logRuns(t, "full", full)
	logRuns(t, "adaptive", adaptive)
	t.Logf("peak requests in flight on the shared host: %d", ph.peak.Load())
	if len(full) != 2 || len(adaptive) != 2 {
		t.Fatalf("runs: full %d, adaptive %d, want 2 each\n%s", len(full), len(adaptive), stderr)
	}
	checkDisjoint(t, full)
	checkDisjoint(t, adaptive)
	if got := ph.peak.Load(); got > 2 {
		t.Errorf("peak requests in flight on one host = %d across two sites, want at most 2 (shared gate)", got)
	}
	if adaptive[1].New != 0 || adaptive[1].NotModified != 0 {
		t.Errorf("adaptive second run: %d new, %d not modified; want 0 and 0 (no article due)", adaptive[1].New, adaptive[1].NotModified)
	}
	if a, f := adaptive[1].Fetched, full[1].Fetched; a >= f {
		t.Errorf("adaptive second run fetched %d pages, not fewer than the full one's %d", a, f)
	}
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSchedule_SIGTERM: the daemon stops its crawl cleanly on SIGTERM and
// exits 0; the run is marked interrupted, and the next scheduled run
// resumes it to the end.
func TestSchedule_SIGTERM(t *testing.T) {
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 30, Delay: 5 * time.Millisecond})
	db := filepath.Join(t.TempDir(), "a.db")
	args := append(fastSchedule(db), "--every", "1h", "--parallelism", "1", base+"/")
	cmd, out := startCrawl(t, bin, args...)
	waitRequests(site, 15, 20*time.Second)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v, want exit 0\n%s", err, out)
	}
	runs := mustRuns(t, db)
	logRuns(t, "sigterm", runs)
	if len(runs) != 1 || runs[0].Status != finarchive.RunInterrupted {
		t.Fatalf("runs after SIGTERM: %+v, want one interrupted run\n%s", runs, out)
	}
	mustIntegrity(t, db)

	stderr, code := runSchedule(t, append(fastSchedule(db), "--every", "1h", "--max-runs", "1", base+"/")...)
	if code != 0 {
		t.Fatalf("next schedule: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming unfinished run") {
		t.Errorf("the next run did not resume the interrupted one:\n%s", stderr)
	}
	runs = mustRuns(t, db)
	logRuns(t, "resumed", runs)
	if len(runs) != 1 || !ended(runs[0]) {
		t.Errorf("after the next slot: %d runs, last %q; want the one run, ended", len(runs), runs[len(runs)-1].Status)
	}
	if got, want := len(exportAll(t, db)), site.Articles(); got != want {
		t.Errorf("archive has %d articles, want %d", got, want)
	}
}

// TestSchedule_Locked: a slot whose database another process is crawling
// is skipped with a clear log line naming that process; once it is killed,
// its stale lock is taken over and its run resumed.
func TestSchedule_Locked(t *testing.T) {
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 30, Delay: 20 * time.Millisecond})
	db := filepath.Join(t.TempDir(), "a.db")
	crawl := append(fastCrawl(db), "--parallelism", "1", "--exclude", "/calendar/|/refer/|/big\\.html", base+"/")
	cmd, out := startCrawl(t, bin, crawl...)
	waitRequests(site, 5, 20*time.Second)

	sched := append(fastSchedule(db), "--every", "1h", "--max-runs", "1", base+"/")
	stderr, code := runSchedule(t, sched...)
	if code != 0 {
		t.Fatalf("schedule while locked: exit %d\n%s", code, stderr)
	}
	want := fmt.Sprintf("skipped: %s locked by pid %d", db, cmd.Process.Pid)
	if !strings.Contains(stderr, want) {
		t.Errorf("schedule log lacks %q:\n%s", want, stderr)
	}
	if runs := mustRuns(t, db); len(runs) != 1 {
		t.Errorf("%d runs, want only the crawl's", len(runs))
	}

	// Kill the crawl: its lock stays behind, held by a dead pid.
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Skipf("the crawl ended before it was killed: %s", out)
	}
	stderr, code = runSchedule(t, sched...)
	if code != 0 {
		t.Fatalf("schedule after the kill: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "skipped:") {
		t.Errorf("the stale lock of a killed crawl was not taken over:\n%s", stderr)
	}
	runs := mustRuns(t, db)
	logRuns(t, "stale lock", runs)
	if last := runs[len(runs)-1]; !ended(last) {
		t.Errorf("last run is %s, want finished (or failed for some URLs)", last.Status)
	}
	if got, want := len(exportAll(t, db)), site.Articles(); got != want {
		t.Errorf("archive has %d articles, want %d", got, want)
	}
}

// TestSchedule_WaitLock: with --wait, a slot waits for the other crawl and
// then runs; the two runs do not overlap.
func TestSchedule_WaitLock(t *testing.T) {
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 30, Delay: 3 * time.Millisecond})
	db := filepath.Join(t.TempDir(), "a.db")
	crawl := append(fastCrawl(db), "--parallelism", "1", "--exclude", "/calendar/|/refer/|/big\\.html", base+"/")
	cmd, out := startCrawl(t, bin, crawl...)
	waitRequests(site, 5, 20*time.Second)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := cmd.Wait(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitPartial {
				t.Errorf("crawl: %v\n%s", err, out)
			}
		}
	}()
	stderr, code := runSchedule(t, append(fastSchedule(db), "--every", "1h", "--max-runs", "1", "--wait", base+"/")...)
	wg.Wait()
	if code != 0 {
		t.Fatalf("schedule --wait: exit %d\n%s", code, stderr)
	}
	runs := mustRuns(t, db)
	logRuns(t, "wait", runs)
	if len(runs) != 2 {
		t.Fatalf("%d runs, want the crawl's and the schedule's", len(runs))
	}
	checkDisjoint(t, runs)
}

// TestSchedule_Usage: bad flags are usage errors naming the flag.
func TestSchedule_Usage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no schedule", []string{"schedule", "http://127.0.0.1:1/"}, "no schedule"},
		{"both", []string{"schedule", "--every", "1h", "--cron", "@daily", "http://127.0.0.1:1/"}, "not both"},
		{"bad cron", []string{"schedule", "--cron", "61 * * * *", "http://127.0.0.1:1/"}, "--cron"},
		{"bad tz", []string{"schedule", "--cron", "@daily", "--tz", "Mars/Olympus", "http://127.0.0.1:1/"}, "--tz"},
		{"no urls", []string{"schedule", "--every", "1h"}, "seed"},
		{"negative every", []string{"schedule", "--every", "-1h", "http://127.0.0.1:1/"}, "positive"},
		{"negative jitter", []string{"schedule", "--every", "1h", "--jitter", "-1s", "http://127.0.0.1:1/"}, "--jitter: must not be negative"},
		{"config and urls", []string{"schedule", "--config", "x.yaml", "http://127.0.0.1:1/"}, "takes no URLs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, exitUsage, tc.want)
			}
		})
	}
}

// baseForTest is the base site `schedule` builds from its default flags.
func baseForTest() siteConfig {
	f := &scheduleFlags{crawlFlags: crawlFlags{cfg: crawler.DefaultConfig()}}
	cmd := newScheduleCmdFlags(&app{}, f)
	return f.baseSite(cmd, nil)
}

// TestScheduleConfig_Example: the sample config in docs parses, with
// defaults, per-site overrides and both kinds of schedule.
func TestScheduleConfig_Example(t *testing.T) {
	sites, err := loadScheduleFile(filepath.Join("..", "..", "docs", "schedule.example.yaml"), baseForTest())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(sites), 3; got != want {
		t.Fatalf("%d sites, want %d", got, want)
	}
	bank, loans, ins := sites[0], sites[1], sites[2]
	if bank.Name != "bank-cards" || bank.TZ != "Asia/Shanghai" || bank.MaxPages != 20000 || bank.Parallelism != 2 {
		t.Errorf("bank-cards = %+v", bank)
	}
	if loans.Parallelism != 1 || time.Duration(loans.Delay) != 5*time.Second || time.Duration(loans.Every) != 6*time.Hour {
		t.Errorf("loans: parallelism %d, delay %v, every %v; want 1, 5s, 6h", loans.Parallelism, time.Duration(loans.Delay), time.Duration(loans.Every))
	}
	if time.Duration(ins.MinRevisit) != 24*time.Hour || time.Duration(ins.MaxRevisit) != 30*24*time.Hour {
		t.Errorf("insurance revisit bounds %v..%v, want 24h..720h", time.Duration(ins.MinRevisit), time.Duration(ins.MaxRevisit))
	}
	if len(ins.Exclude) != 2 || !ins.Adaptive || ins.Jitter == nil || time.Duration(*ins.Jitter) != 5*time.Minute {
		t.Errorf("insurance did not inherit the defaults: %+v", ins)
	}
	// The flags' defaults fill what neither the file nor a site sets.
	if ins.UserAgent != crawler.DefaultUserAgent || ins.MaxBodySize != 10<<20 {
		t.Errorf("insurance: user agent %q, max body %s; want the flags' defaults", ins.UserAgent, ins.MaxBodySize)
	}
	for _, s := range sites {
		sched, err := s.schedule()
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		t.Logf("%s: %s, jitter up to %s", s.Name, sched, s.jitter(sched))
	}
}

// TestScheduleConfig_Errors: a bad config is an error naming the file, the
// site and the field.
func TestScheduleConfig_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field", "sites:\n  - name: a\n    seeds: [https://a.test/]\n    db: a.db\n    every: 1h\n    delai: 1s\n",
			[]string{`site "a"`, `"delai"`, "line 6"}},
		{"bad duration", "sites:\n  - name: a\n    seeds: [https://a.test/]\n    db: a.db\n    every: 1h\n    delay: fast\n",
			[]string{`site "a"`, "delay", `"fast"`}},
		{"bad type", "sites:\n  - name: a\n    seeds: [https://a.test/]\n    db: a.db\n    every: 1h\n    max-pages: many\n",
			[]string{`site "a"`, "max-pages"}},
		{"bad cron", "sites:\n  - name: b\n    seeds: [https://a.test/]\n    db: a.db\n    cron: \"99 * * * *\"\n",
			[]string{`site "b"`, "cron"}},
		{"bad tz", "sites:\n  - name: b\n    seeds: [https://a.test/]\n    db: a.db\n    cron: \"@daily\"\n    tz: Nowhere/City\n",
			[]string{`site "b"`, "tz", "Nowhere/City"}},
		{"no schedule", "sites:\n  - seeds: [https://a.test/]\n    db: a.db\n",
			[]string{"site #1", "every", "no schedule"}},
		{"no seeds", "defaults:\n  every: 1h\nsites:\n  - name: c\n    db: a.db\n",
			[]string{`site "c"`, "seeds"}},
		{"bad seed", "defaults:\n  every: 1h\nsites:\n  - name: c\n    db: a.db\n    seeds: [www.a.test]\n",
			[]string{`site "c"`, "seeds", "www.a.test"}},
		{"seed port out of range", "defaults:\n  every: 1h\nsites:\n  - name: c\n    db: a.db\n    seeds: ['http://a.test:99999/']\n",
			[]string{`site "c"`, "seeds", "a.test:99999", "port"}},
		{"user-agent with CRLF", "defaults:\n  every: 1h\nsites:\n  - name: c\n    db: a.db\n    seeds: [https://a.test/]\n    user-agent: \"a\\r\\nX: 1\"\n",
			[]string{`site "c"`, "user-agent"}},
		{"bad regexp", "defaults:\n  every: 1h\nsites:\n  - name: c\n    db: a.db\n    seeds: [https://a.test/]\n    include: ['(']\n",
			[]string{`site "c"`, "include"}},
		{"duplicate name", "defaults:\n  every: 1h\n  db: a.db\nsites:\n  - {name: d, seeds: [https://a.test/]}\n  - {name: d, seeds: [https://b.test/]}\n",
			[]string{`site "d"`, "name", "two sites"}},
		{"bad defaults", "defaults:\n  parallelism: 0\n  every: 1h\nsites:\n  - {name: e, db: a.db, seeds: [https://a.test/]}\n",
			[]string{`site "e"`, "parallelism"}},
		{"seeds in defaults", "defaults:\n  seeds: [https://a.test/]\nsites:\n  - {name: e, db: a.db, every: 1h}\n",
			[]string{"defaults", "seeds"}},
		{"unknown top-level key", "site:\n  - {name: e}\n", []string{"my.yaml:1", `unknown key "site"`, "known: defaults, sites"}},
		{"empty file", "", []string{"empty"}},
		{"a list", "- a\n- b\n", []string{"my.yaml:1", "not a list"}},
		{"sites not a list", "sites:\n  a: 1\n", []string{"my.yaml:2", "sites", "a list of sites"}},
		{"defaults not a mapping", "defaults: 3\nsites: []\n", []string{"defaults", "crawl options"}},
		{"empty defaults, no sites", "defaults:\nsites:\n", []string{"sites", "a list of sites"}},
		{"no sites", "defaults:\n  every: 1h\n", []string{"sites", "no site"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseScheduleFile("my.yaml", []byte(tc.yaml), baseForTest())
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range append([]string{"config my.yaml"}, tc.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}

// TestSiteConfig_Schedule checks the next slots of a few schedules and the
// default jitter.
func TestSiteConfig_Schedule(t *testing.T) {
	from := time.Date(2024, 3, 1, 20, 0, 0, 0, time.UTC) // 04:00 on Mar 2 in Shanghai
	for _, tc := range []struct {
		name   string
		s      siteConfig
		next   time.Time
		jitter time.Duration
	}{
		{"every", siteConfig{Every: crawler.Duration(6 * time.Hour)}, from.Add(6 * time.Hour), 5 * time.Minute},
		{"every short", siteConfig{Every: crawler.Duration(time.Second)}, from.Add(time.Second), 100 * time.Millisecond},
		{"cron utc", siteConfig{Cron: "CRON_TZ=UTC 30 3 * * *"}, time.Date(2024, 3, 2, 3, 30, 0, 0, time.UTC), 5 * time.Minute},
		{"cron tz flag", siteConfig{Cron: "30 3 * * *", TZ: "Asia/Shanghai"}, time.Date(2024, 3, 2, 19, 30, 0, 0, time.UTC), 5 * time.Minute},
		{"cron prefix", siteConfig{Cron: "TZ=Asia/Shanghai 0 */8 * * *"}, time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC), 5 * time.Minute},
		{"cron seconds", siteConfig{Cron: "CRON_TZ=UTC */10 * * * * *"}, from.Add(10 * time.Second), time.Second},
		{"descriptor", siteConfig{Cron: "CRON_TZ=UTC @hourly"}, from.Add(time.Hour), 5 * time.Minute},
		{"set jitter", siteConfig{Every: crawler.Duration(time.Hour), Jitter: ptr(crawler.Duration(0))}, from.Add(time.Hour), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sched, err := tc.s.schedule()
			if err != nil {
				t.Fatal(err)
			}
			if got := sched.Next(from); !got.Equal(tc.next) {
				t.Errorf("Next(%s) = %s, want %s", from, got.UTC(), tc.next)
			}
			if got := tc.s.jitter(sched); got != tc.jitter {
				t.Errorf("jitter = %v, want %v", got, tc.jitter)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestSchedule_FailingSite: a site whose database cannot be opened logs its
// error, and the other site still runs.
func TestSchedule_FailingSite(t *testing.T) {
	_, base := MustStartSite(t, testsite.Options{Articles: 5})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "s.yaml")
	good := filepath.Join(dir, "good.db")
	writeFile(t, cfg, fmt.Sprintf(`
defaults: {every: 1h, jitter: 0s, delay: 0s, exclude: ['/calendar/|/refer/|/big\.html']}
sites:
  - {name: broken, seeds: [%[1]s/], db: %[2]s}
  - {name: good, seeds: [%[1]s/], db: %[3]s}
`, base, filepath.Join(dir, "no", "such", "dir", "x.db"), good))
	stderr, code := runSchedule(t, "schedule", "--config", cfg, "--max-runs", "1")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "site=broken") || !strings.Contains(stderr, "level=ERROR") {
		t.Errorf("the broken site's error is not logged:\n%s", stderr)
	}
	if runs := mustRuns(t, good); len(runs) != 1 || !ended(runs[0]) {
		t.Errorf("good site: %d runs, want 1 ended", len(runs))
	}
}

// TestScheduleConfig_emptyDefaults: "defaults:" with nothing under it is
// no defaults, not an error.
func TestScheduleConfig_emptyDefaults(t *testing.T) {
	sites, err := parseScheduleFile("my.yaml", []byte("defaults:\nsites:\n  - {name: a, db: a.db, every: 1h, seeds: ['https://a.test/']}\n"), baseForTest())
	if err != nil || len(sites) != 1 || sites[0].Name != "a" {
		t.Fatalf("sites %+v, err %v; want site a", sites, err)
	}
}

// TestSchedule_LastRunOverran: a run longer than --every is said to have
// overrun its next slot only when a next run follows; after the last of
// --max-runs the daemon exits, and no line announces a run that never
// starts. (The run lasts at least five requests at --delay 300ms, past
// the 1s slot.)
func TestSchedule_LastRunOverran(t *testing.T) {
	_, base := MustStartSite(t, testsite.Options{Articles: 5})
	db := filepath.Join(t.TempDir(), "a.db")
	args := append(fastSchedule(db), "--every", "1s", "--max-runs", "1", "--delay", "300ms", base+"/")
	stderr, code := runSchedule(t, args...)
	if code != 0 {
		t.Fatalf("schedule: exit %d\n%s", code, stderr)
	}
	runs := mustRuns(t, db)
	if len(runs) != 1 || runs[0].Fetched < 5 {
		t.Fatalf("runs %+v; want one of 5 fetches or more", runs)
	}
	if strings.Contains(stderr, "overran") {
		t.Errorf("the last run is said to overrun a next slot:\n%s", stderr)
	}
}

// TestSchedule_EveryDays: --every and --jitter take days as every other
// duration flag and the config file do (--every 7d was refused: time:
// unknown unit "d").
func TestSchedule_EveryDays(t *testing.T) {
	_, base := MustStartSite(t, testsite.Options{Articles: 3})
	db := filepath.Join(t.TempDir(), "a.db")
	args := append(fastSchedule(db), "--every", "7d", "--max-runs", "1", base+"/")
	args = append(args, "--jitter", "0d")
	stderr, code := runSchedule(t, args...)
	if code != 0 || !strings.Contains(stderr, `schedule="every 168h0m0s"`) {
		t.Fatalf("schedule --every 7d: exit %d\n%s", code, stderr)
	}
	if runs := mustRuns(t, db); len(runs) != 1 {
		t.Errorf("%d runs, want 1", len(runs))
	}
}
