package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive/crawler/crawltest"
	"github.com/finarchive/finarchive/internal/pgtest"
)

// cliEnv, set in the environment of this test binary, makes it the
// finarchive command (its arguments are the command's), so end-to-end
// tests run crawls and workers as processes of their own.
const cliEnv = "FINARCHIVE_TEST_CLI"

func init() {
	if os.Getenv(cliEnv) == "" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil && err != errSilent {
		fmt.Fprintln(os.Stderr, "finarchive:", err)
	}
	os.Exit(exitCode(err))
}

// proc is a finarchive process of a test.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  syncBuffer    // its stdout and stderr (serve_test.go)
	done chan struct{} // closed when it has exited: cmd.ProcessState is set
}

// startProc starts the finarchive command (this binary, see cliEnv) with
// args.
func startProc(t testing.TB, name string, args ...string) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: exec.Command(exe, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), cliEnv+"=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait() // the exit status is read from ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t testing.TB, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not exit within %s:\n%s", p.name, limit, p.out.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitFor polls cond until it holds (or fails t after limit).
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWork_crawlAndTwoWorkers: one crawl and two work processes on a farm
// of loopback hosts, politely: every article archived once, no page
// fetched twice, no host ever asked sooner than the delay after its
// previous request or with more than the parallelism in flight (as the
// sites saw it), and the run's counts the sum of the three processes'.
// Then the same with one worker killed (kill -9) mid-crawl: still every
// article, and nothing fetched twice but what that worker had in flight.
func TestWork_crawlAndTwoWorkers(t *testing.T) {
	for _, kill := range []bool{false, true} {
		t.Run(map[bool]string{false: "all", true: "kill9"}[kill], func(t *testing.T) { testCrawlAndWorkers(t, kill) })
	}
}

func testCrawlAndWorkers(t *testing.T, kill bool) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	const hosts, parallelism = 8, 2
	articles := 12
	if kill {
		// A crawl long enough (about 45 requests a host, 7 s at the delay)
		// that the victim is surely mid-crawl when it is killed.
		articles = 40
	}
	const delay = 150 * time.Millisecond
	farm, err := crawltest.StartFarm(hosts, articles)
	if err != nil {
		t.Skipf("loopback farm: %v", err)
	}
	defer farm.Close()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	polite := []string{"--delay", delay.String(), "--parallelism", fmt.Sprint(parallelism), "--retries", "1",
		"--backoff", "50ms", "--backoff-max", "200ms", "--timeout", "10s", "--no-sitemaps"}
	crawl := startProc(t, "crawl", append(append([]string{"crawl", "--db", u, "-q"}, polite...), farm.Seeds()...)...)
	waitFor(t, 30*time.Second, "the crawl's run", func() bool {
		var n int
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM runs WHERE status = 'running'`).Scan(&n)
		return n == 1
	})
	workers := []*proc{
		startProc(t, "worker 1", "work", "--db", u, "--lease", "3s", "-q"),
		startProc(t, "worker 2", "work", "--db", u, "--lease", "3s", "-q"),
	}
	var lost map[string]bool // what the killed worker had in flight
	if kill {
		victim := workers[1]
		owner := fmt.Sprintf(":%d:", victim.cmd.Process.Pid)
		// Mid-crawl: it has a page done and another in flight. The site
		// is large enough (articles per host) for that to come long
		// before the crawl ends, even on a slow, race-built run.
		waitFor(t, 2*time.Minute, "the worker's pages", func() bool {
			var done, inflight int
			_ = conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'inflight')
				FROM frontier WHERE strpos(lease_owner, $1) > 0`, owner).Scan(&done, &inflight)
			return done >= 1 && inflight > 0
		})
		_ = victim.cmd.Process.Signal(syscall.SIGKILL)
		<-victim.done
		lost = map[string]bool{}
		rows, err := conn.Query(ctx, `SELECT url FROM frontier WHERE state = 'inflight' AND strpos(lease_owner, $1) > 0`, owner)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			lost[s] = true
		}
		rows.Close()
		if len(lost) == 0 {
			t.Log("the killed worker had nothing in flight at the kill")
		}
		workers = workers[:1]
	}
	defer func() {
		if t.Failed() {
			t.Logf("crawl:\n%s", crawl.out.String())
			for _, w := range workers {
				t.Logf("%s:\n%s", w.name, w.out.String())
			}
		}
	}()
	if code := crawl.wait(t, 3*time.Minute); code != exitOK {
		t.Fatalf("crawl: exit %d:\n%s", code, crawl.out.String())
	}
	for _, w := range workers {
		if code := w.wait(t, time.Minute); code != exitOK {
			t.Fatalf("%s: exit %d:\n%s", w.name, code, w.out.String())
		}
	}

	// Every article archived once.
	var pages int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pages`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	for _, h := range farm.Hosts {
		for i := range articles {
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM pages WHERE url = $1`, h.ArticleURL(i)).Scan(&n); err != nil || n != 1 {
				t.Fatalf("%s archived %d times (%v)", h.ArticleURL(i), n, err)
			}
		}
	}
	if pages != hosts*articles {
		t.Fatalf("%d pages archived, want %d", pages, hosts*articles)
	}
	// As the sites saw it: each page once (but what the killed worker had
	// in flight), gaps and in-flight within the politeness.
	const tolerance = 2 * time.Millisecond
	pageRequests := 0
	for _, h := range farm.Hosts {
		starts := h.Starts()
		seen := map[string]int{}
		for i, s := range starts {
			if s.InFlight > parallelism {
				t.Errorf("%s: %d requests in flight at %s, parallelism %d", h.Base, s.InFlight, s.Path, parallelism)
			}
			if i > 0 {
				if d := s.At.Sub(starts[i-1].At); d < delay-tolerance {
					t.Errorf("%s: %s started %s after %s (delay %s) at %s", h.Base, s.Path, d, starts[i-1].Path, delay, s.At.Format("05.000000"))
				}
			}
			if s.Path != "/robots.txt" { // each process reads it once
				seen[s.Path]++
				pageRequests++
			}
		}
		for path, n := range seen {
			if n > 1 && !lost[h.Base+path] {
				t.Errorf("%s%s fetched %d times", h.Base, path, n)
			}
		}
	}
	// The run: finished, and its counts the sum of every process's.
	var status string
	var fetched, newPages int
	if err := conn.QueryRow(ctx, `SELECT status, fetched, new FROM runs`).Scan(&status, &fetched, &newPages); err != nil {
		t.Fatal(err)
	}
	if status != "finished" || newPages != hosts*articles {
		t.Fatalf("run %s with %d new pages, want finished with %d", status, newPages, hosts*articles)
	}
	if !kill && fetched != pageRequests {
		t.Fatalf("run counts %d fetched; the sites answered %d page requests", fetched, pageRequests)
	}
	if kill && (fetched > pageRequests || fetched < pageRequests-len(lost)-articles*hosts) {
		t.Fatalf("run counts %d fetched; the sites answered %d page requests", fetched, pageRequests)
	}
	var perProcess []string
	rows, err := conn.Query(ctx, `SELECT worker, (counts ->> 'fetched')::int FROM run_workers ORDER BY worker`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var w string
		var n int
		_ = rows.Scan(&w, &n)
		perProcess = append(perProcess, fmt.Sprintf("%s %d", w, n))
	}
	rows.Close()
	sort.Strings(perProcess)
	t.Logf("%d page requests; per process: %s", pageRequests, strings.Join(perProcess, ", "))
	if want := map[bool]int{false: 3, true: 2}[kill]; len(perProcess) < want {
		t.Fatalf("%d processes reported counts, want %d: the workers did nothing?", len(perProcess), want)
	}
	if kill {
		t.Logf("the killed worker had %d URL(s) in flight", len(lost))
	}
}

// TestWork_followAndInterrupt: a worker started with --follow before any
// crawl waits, joins the crawl when it starts and works it; the crawl is
// interrupted (SIGINT): the worker leaves the run (it is no longer
// running) and waits again, and an interrupt ends it; crawl --resume then
// finishes the run with every article.
func TestWork_followAndInterrupt(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	const hosts, articles = 4, 10
	farm, err := crawltest.StartFarm(hosts, articles)
	if err != nil {
		t.Skipf("loopback farm: %v", err)
	}
	defer farm.Close()
	worker := startProc(t, "worker", "work", "--db", u, "--follow", "--poll", "100ms", "--lease", "3s")
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	crawl := startProc(t, "crawl", append([]string{"crawl", "--db", u, "-q", "--delay", "300ms", "--parallelism", "1",
		"--no-sitemaps"}, farm.Seeds()...)...)
	defer func() {
		if t.Failed() {
			t.Logf("crawl:\n%s\nworker:\n%s", crawl.out.String(), worker.out.String())
		}
	}()
	// The worker joins the run and gets its share of the hosts, even at
	// parallelism 1 beside the crawl.
	waitFor(t, 30*time.Second, "the worker's first pages", func() bool {
		var n int
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM pages`).Scan(&n)
		var w int
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM frontier WHERE state = 'done' AND strpos(lease_owner, $1) > 0`,
			fmt.Sprintf(":%d:", worker.cmd.Process.Pid)).Scan(&w)
		return n >= 4 && w > 0 && strings.Contains(worker.out.String(), `msg="working run" run=1`)
	})
	_ = crawl.cmd.Process.Signal(os.Interrupt)
	if code := crawl.wait(t, 30*time.Second); code != exitInterrupted {
		t.Fatalf("interrupted crawl: exit %d:\n%s", code, crawl.out.String())
	}
	waitFor(t, 30*time.Second, "the worker to leave the interrupted run", func() bool {
		return strings.Contains(worker.out.String(), "worked run #1 (interrupted)")
	})
	if worker.cmd.ProcessState != nil {
		t.Fatalf("the --follow worker exited:\n%s", worker.out.String())
	}
	_ = worker.cmd.Process.Signal(os.Interrupt)
	if code := worker.wait(t, 30*time.Second); code != exitInterrupted {
		t.Fatalf("interrupted worker: exit %d:\n%s", code, worker.out.String())
	}
	if _, errOut, code := runCLI(t, "crawl", "--db", u, "--resume", "-q"); code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	var pages int
	var status string
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM pages), (SELECT status FROM runs WHERE id = 1)`).Scan(&pages, &status); err != nil {
		t.Fatal(err)
	}
	if pages != hosts*articles || status != "finished" {
		t.Fatalf("after the resume: %d pages, run %s; want %d, finished", pages, status, hosts*articles)
	}
}
