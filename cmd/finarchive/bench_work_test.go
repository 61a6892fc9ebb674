package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/crawler/crawltest"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/testsite"
)

var workArticles = flag.Int("work.articles", 2000, "BenchmarkWork_NoDelay: articles of the test site")

// BenchmarkWork_NoDelay crawls a no-delay test site (--delay 0
// --parallelism 16, one host) as processes of their own: into SQLite with
// one crawl, into PostgreSQL with the crawl alone (one worker) and with
// the crawl and two `work` processes (three workers), and reports each
// one's pages/s and CPU per page: the crawler processes' own, and on
// PostgreSQL the server's (its postmaster and backends, read from /proc).
//
//	go test -run '^$' -bench Work_NoDelay -benchtime 1x ./cmd/finarchive
func BenchmarkWork_NoDelay(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for _, c := range []struct {
			name    string
			pg      bool
			workers int
		}{{"sqlite", false, 0}, {"pg-1-worker", true, 0}, {"pg-3-workers", true, 2}} {
			benchWork(b, c.name, c.pg, c.workers)
		}
	}
}

func benchWork(b *testing.B, name string, pg bool, extra int) {
	site := testsite.New(testsite.Options{Articles: *workArticles})
	base, err := site.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	db := filepath.Join(b.TempDir(), "bench.db")
	var server func() time.Duration
	if pg {
		db = pgtest.NewDB(b)
		server = serverCPU(b)
	}
	args := []string{"crawl", "--db", db, "--delay", "0", "--parallelism", "16", "--max-depth", "0", "--no-sitemaps",
		"--retries", "0", "--exclude", "/calendar/", "--exclude", "/refer/", "-q", base + "/"}
	var s0 time.Duration
	if server != nil {
		s0 = server()
	}
	start := time.Now()
	procs := []*proc{startProc(b, "crawl", args...)}
	if extra > 0 {
		// The workers join once the run is there.
		for {
			out, _, code := runCLI(b, "runs", "--db", db, "--json") // fails until the crawl has made the schema
			if code == exitOK && strings.Contains(out, `"running"`) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		for i := range extra {
			procs = append(procs, startProc(b, fmt.Sprintf("worker %d", i+1), "work", "--db", db, "-q"))
		}
	}
	var cpu time.Duration
	for _, p := range procs {
		if code := p.wait(b, 10*time.Minute); code != exitOK {
			b.Fatalf("%s: exit %d\n%s", p.name, code, p.out.String())
		}
		cpu += p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
	}
	wall := time.Since(start)
	var runs []struct {
		Fetched int `json:"fetched"`
		New     int `json:"new"`
	}
	if err := json.Unmarshal([]byte(benchRunsJSON(b, db)), &runs); err != nil || len(runs) != 1 {
		b.Fatalf("runs: %v %v", runs, err)
	}
	pages := runs[0].Fetched
	line := fmt.Sprintf("%s: %d pages (%d new) in %s: %.0f pages/s; crawler CPU %.2f ms/page", name, pages, runs[0].New,
		wall.Round(time.Millisecond), float64(pages)/wall.Seconds(), float64(cpu.Microseconds())/1000/float64(pages))
	if server != nil {
		sc := server() - s0
		line += fmt.Sprintf(", PostgreSQL server CPU %.2f ms/page (total %.2f)", float64(sc.Microseconds())/1000/float64(pages),
			float64((cpu+sc).Microseconds())/1000/float64(pages))
	}
	line += fmt.Sprintf("; the site answered %d requests", site.Stats().Requests)
	b.Log(line)
	b.ReportMetric(float64(pages)/wall.Seconds(), name+"-pages/s")
}

func benchRunsJSON(b *testing.B, db string) string {
	out, errOut, code := runCLI(b, "runs", "--db", db, "--json")
	if code != 0 {
		b.Fatalf("runs: %s", errOut)
	}
	return out
}

// serverCPU returns a func giving the CPU time the throw-away PostgreSQL
// server has used so far: its postmaster's own and its reaped children's,
// plus its live backends'. It returns nil when /proc cannot tell.
func serverCPU(b *testing.B) func() time.Duration {
	u, err := url.Parse(pgtest.URL(b))
	if err != nil {
		return nil
	}
	dir := u.Query().Get("host")
	pidData, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		b.Logf("server CPU not measured: %v", err)
		return nil
	}
	pm, err := strconv.Atoi(strings.SplitN(string(pidData), "\n", 2)[0])
	if err != nil {
		return nil
	}
	const tick = 10 * time.Millisecond // USER_HZ 100
	stat := func(pid string) (ppid int, self, children time.Duration, ok bool) {
		data, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return 0, 0, 0, false
		}
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		n := func(i int) time.Duration { v, _ := strconv.Atoi(f[i]); return time.Duration(v) * tick }
		ppid, _ = strconv.Atoi(f[1])
		return ppid, n(11) + n(12), n(13) + n(14), true
	}
	return func() time.Duration {
		_, self, kids, ok := stat(strconv.Itoa(pm))
		if !ok {
			return 0
		}
		total := self + kids
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			if ppid, s, _, ok := stat(e.Name()); ok && ppid == pm {
				total += s
			}
		}
		return total
	}
}

// BenchmarkWork_ManyHosts crawls 30 loopback hosts (crawltest farm, 20
// articles each) at --delay 200ms --parallelism 2, as processes: into
// SQLite with one crawl, into PostgreSQL with the crawl alone and with the
// crawl and two workers. It reports, as the sites saw it, efficiency
// (requests/s ÷ hosts/delay, from each host's first request to the last
// one of the crawl), gap violations (a start less than the delay after
// the host's previous one, 2 ms tolerance) and in-flight violations.
//
//	go test -run '^$' -bench Work_ManyHosts -benchtime 1x ./cmd/finarchive
func BenchmarkWork_ManyHosts(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for _, c := range []struct {
			name    string
			pg      bool
			workers int
		}{{"sqlite", false, 0}, {"pg-1-worker", true, 0}, {"pg-3-workers", true, 2}} {
			benchManyHosts(b, c.name, c.pg, c.workers)
		}
	}
}

func benchManyHosts(b *testing.B, name string, pg bool, extra int) {
	const hosts, articles, parallelism = 30, 20, 2
	const delay = 200 * time.Millisecond
	farm, err := crawltest.StartFarm(hosts, articles)
	if err != nil {
		b.Skipf("loopback farm: %v", err)
	}
	defer farm.Close()
	db := filepath.Join(b.TempDir(), "bench.db")
	if pg {
		db = pgtest.NewDB(b)
	}
	args := append([]string{"crawl", "--db", db, "--delay", delay.String(), "--parallelism", fmt.Sprint(parallelism),
		"--no-sitemaps", "--retries", "1", "-q"}, farm.Seeds()...)
	procs := []*proc{startProc(b, "crawl", args...)}
	if extra > 0 {
		for {
			out, _, code := runCLI(b, "runs", "--db", db, "--json")
			if code == exitOK && strings.Contains(out, `"running"`) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		for i := range extra {
			procs = append(procs, startProc(b, fmt.Sprintf("worker %d", i+1), "work", "--db", db, "-q"))
		}
	}
	for _, p := range procs {
		if code := p.wait(b, 10*time.Minute); code != exitOK {
			b.Fatalf("%s: exit %d\n%s", p.name, code, p.out.String())
		}
	}
	var first, last time.Time
	requests, gapV, inflightV := 0, 0, 0
	for _, h := range farm.Hosts {
		starts := h.Starts()
		for i, s := range starts {
			requests++
			if first.IsZero() || s.At.Before(first) {
				first = s.At
			}
			if s.At.After(last) {
				last = s.At
			}
			if s.InFlight > parallelism {
				inflightV++
			}
			if i > 0 && s.At.Sub(starts[i-1].At) < delay-2*time.Millisecond {
				gapV++
			}
		}
	}
	wall := last.Sub(first)
	eff := float64(requests) / wall.Seconds() / (float64(hosts) / delay.Seconds())
	var runs []struct {
		New int `json:"new"`
	}
	_ = json.Unmarshal([]byte(benchRunsJSON(b, db)), &runs)
	newPages := 0
	if len(runs) == 1 {
		newPages = runs[0].New
	}
	b.Logf("%s: %d requests in %s: efficiency %.3f; gap violations %d, in-flight violations %d; %d of %d articles",
		name, requests, wall.Round(time.Millisecond), eff, gapV, inflightV, newPages, hosts*articles)
	b.ReportMetric(eff, name+"-efficiency")
	b.ReportMetric(float64(gapV), name+"-gap-violations")
}
