package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawler/crawltest"
	"github.com/finarchive/finarchive/store"
)

// BenchmarkCrawl_ManyHosts crawls a farm of sites, each on its own
// loopback address (127.0.x.y), at the politeness limit, with the real
// crawler and store, and reports what the sites saw: efficiency (requests
// per second ÷ hosts/delay, the most politeness allows; robots.txt and
// sitemap requests count), gap violations (a start less than the delay
// after the previous one to its host, 2 ms tolerance), in-flight
// violations (more than parallelism requests of a host at once), and
// whether every article was archived.
//
// The sites run in a process of their own (crawltest.StartFarmProcess), so
// a stall of the crawler's process cannot delay their reading, and a
// request's start is the kernel's receive time of its first bytes. The
// crawler's own record of each request (crawler.RequestTrace) is kept
// beside it, so that a violation can be told as the crawler's (it wrote the
// two requests too close) or the way's (written far enough apart, arrived
// closer).
//
//	go test -run '^$' -bench Crawl_ManyHosts -benchtime 1x ./cmd/finarchive
func BenchmarkCrawl_ManyHosts(b *testing.B) {
	for _, tc := range []struct {
		hosts, articles int
		delay           time.Duration
		parallelism     int
	}{
		{30, 40, 200 * time.Millisecond, 2},
		{90, 16, 500 * time.Millisecond, 1},
	} {
		b.Run(fmt.Sprintf("hosts=%d/delay=%s/P=%d", tc.hosts, tc.delay, tc.parallelism), func(b *testing.B) {
			for range b.N {
				benchFarm(b, tc.hosts, tc.articles, tc.delay, tc.parallelism)
			}
		})
	}
}

// gapTolerance is how much less than the delay a gap may be before it
// counts as a violation (clock reading and scheduling jitter).
const gapTolerance = 2 * time.Millisecond

// gapStats counts gaps shorter than the delay, by how much shorter.
type gapStats struct {
	n       int
	buckets [5]int // early by < 5 ms, < 10, < 20, < 50, more
	worst   time.Duration
}

func (g *gapStats) add(early time.Duration) {
	g.n++
	g.worst = max(g.worst, early)
	switch {
	case early < 5*time.Millisecond:
		g.buckets[0]++
	case early < 10*time.Millisecond:
		g.buckets[1]++
	case early < 20*time.Millisecond:
		g.buckets[2]++
	case early < 50*time.Millisecond:
		g.buckets[3]++
	default:
		g.buckets[4]++
	}
}

func (g gapStats) String() string {
	if g.n == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (early by 2-5ms %d, 5-10ms %d, 10-20ms %d, 20-50ms %d, >=50ms %d; worst %s)",
		g.n, g.buckets[0], g.buckets[1], g.buckets[2], g.buckets[3], g.buckets[4], g.worst.Round(100*time.Microsecond))
}

// gaps counts the violations in a host's start times (sorted here).
func gaps(g *gapStats, times []time.Time, delay time.Duration) {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d < delay-gapTolerance {
			g.add(delay - d)
		}
	}
}

func benchFarm(b *testing.B, hosts, articles int, delay time.Duration, parallelism int) {
	farm, err := crawltest.StartFarmProcess(hosts, articles)
	if err != nil {
		b.Skipf("farm: %v", err)
	}
	farmClosed := false
	defer func() {
		if !farmClosed {
			farm.Close()
		}
	}()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "farm.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cfg := crawler.DefaultConfig()
	cfg.Delay, cfg.Parallelism, cfg.MaxDepth = crawler.Duration(delay), parallelism, 0
	cfg.Timeout = crawler.Duration(10 * time.Second)
	seeds := farm.Seeds()
	runID, err := db.StartRun(ctx, store.RunSpec{Seeds: seeds})
	if err != nil {
		b.Fatal(err)
	}
	cr, err := crawler.New(cfg, db, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	var traceMu sync.Mutex
	traces := map[string]crawler.RequestTrace{}
	unslotted := 0
	cr.TraceRequests(func(t crawler.RequestTrace) {
		traceMu.Lock()
		traces[t.URL] = t
		if !t.Slot {
			unslotted++
		}
		traceMu.Unlock()
	})
	c0, start := cpuTime(), time.Now()
	counts, err := cr.Run(ctx, runID, seeds)
	elapsed, cpu := time.Since(start), cpuTime()-c0
	if err != nil {
		b.Fatal(err)
	}
	all, err := farm.Starts()
	if err != nil {
		b.Fatal(err)
	}
	farmCPU := farm.Close()
	farmClosed = true

	requests, kernelStamped := 0, 0
	var kernel, handled, wrote, started gapStats
	inflightViolations := 0
	// A violation the site saw is the crawler's when it wrote the two
	// requests too close (the slots' starts, taken as each request's
	// first write returned); of those, the gate's when it handed out the
	// second slot less than the delay after the first one's start. It is
	// the way's when they were written a delay apart.
	crawlerWrote, gateStarted, wayOnly, untraced := 0, 0, 0, 0
	closest := time.Hour        // the shortest gap the sites saw
	var transit []time.Duration // slot start (write returned) → kernel arrival
	for i, starts := range all {
		requests += len(starts)
		base := strings.TrimSuffix(seeds[i], "/")
		var ks, hs, ws, ss []time.Time
		for j, s := range starts {
			if s.Kernel {
				kernelStamped++
			}
			if s.InFlight > parallelism {
				inflightViolations++
			}
			ks, hs = append(ks, s.At), append(hs, s.Handled)
			t, ok := traces[base+s.Path]
			if ok && !t.Started.IsZero() {
				ws, ss = append(ws, t.Started), append(ss, t.GotConn)
				transit = append(transit, s.At.Sub(t.Started))
			}
			if j == 0 || s.At.Sub(starts[j-1].At) >= delay-gapTolerance {
				continue
			}
			p, pok := traces[base+starts[j-1].Path]
			switch {
			case !ok || !pok || t.Started.IsZero() || p.Started.IsZero():
				untraced++
				if untraced <= 5 {
					b.Logf("untraced violation at %s: %s %+v (%+v) after %s %+v (%+v)", base, s.Path, s, t, starts[j-1].Path, starts[j-1], p)
				}
			case t.Started.Sub(p.Started) < delay-gapTolerance:
				crawlerWrote++
				if t.Acquired.Sub(p.Started) < delay-gapTolerance {
					gateStarted++
				}
			default:
				wayOnly++
			}
		}
		for j := 1; j < len(starts); j++ {
			closest = min(closest, starts[j].At.Sub(starts[j-1].At))
		}
		gaps(&kernel, ks, delay)
		gaps(&handled, hs, delay)
		gaps(&wrote, ws, delay)
		gaps(&started, ss, delay)
	}
	slices.Sort(transit)
	pct := func(q float64) time.Duration {
		if len(transit) == 0 {
			return 0
		}
		return transit[min(len(transit)-1, int(q*float64(len(transit))))].Round(time.Microsecond)
	}
	archived, err := db.Count(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if archived != hosts*articles {
		b.Errorf("%d articles archived, want %d", archived, hosts*articles)
	}
	limit := float64(hosts) / delay.Seconds()
	rate := float64(requests) / elapsed.Seconds()
	b.Logf("%d hosts, delay %s, parallelism %d: %d requests in %s (%.1f/s of %.1f/s allowed): efficiency %.3f; in-flight violations %d; %d of %d articles archived (new %d, failed %d); CPU crawler %s, farm %s, for %s wall",
		hosts, delay, parallelism, requests, elapsed.Round(time.Millisecond), rate, limit, rate/limit,
		inflightViolations, archived, hosts*articles, counts.New, counts.Failed,
		cpu.Round(time.Millisecond), farmCPU.Round(time.Millisecond), elapsed.Round(time.Millisecond))
	b.Logf("gap violations at the site, kernel arrival (%d of %d requests kernel-stamped): %s; shortest gap %s", kernelStamped, requests, kernel, closest.Round(time.Microsecond))
	b.Logf("  of them: crawler wrote the two too close %d (its gate handed out the second too early %d), written a delay apart %d, untraced %d",
		crawlerWrote, gateStarted, wayOnly, untraced)
	b.Logf("gap violations at the site, handler time: %s", handled)
	b.Logf("gap violations at the crawler, slot start (request written): %s; connection got: %s; requests without a gate slot %d",
		wrote, started, unslotted)
	b.Logf("slot start → kernel arrival: median %s, p99 %s, max %s (negative: arrived before the write returned)", pct(0.5), pct(0.99), pct(1))
	b.ReportMetric(rate/limit, "efficiency")
	b.ReportMetric(float64(kernel.n), "gap-violations")
	b.ReportMetric(float64(crawlerWrote), "gap-violations-crawler")
	b.ReportMetric(float64(inflightViolations), "inflight-violations")
	b.ReportMetric(cpu.Seconds(), "cpu-s")
}

// BenchmarkCrawl_StopLatency runs the real binary on 6 hosts at delay 1s,
// sends SIGINT 8 s in, and reports how long it took to exit (and that it
// exited 130 with the run interrupted and resumable).
//
//	go test -run '^$' -bench Crawl_StopLatency -benchtime 1x ./cmd/finarchive
func BenchmarkCrawl_StopLatency(b *testing.B) {
	bin := MustBuild(b)
	farm, err := crawltest.StartFarm(6, 100)
	if err != nil {
		b.Skipf("loopback addresses: %v", err)
	}
	defer farm.Close()
	var worst time.Duration
	for range b.N {
		db := filepath.Join(b.TempDir(), "stop.db")
		args := append([]string{"crawl", "--db", db, "--delay", "1s", "--parallelism", "2", "-q"}, farm.Seeds()...)
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(8 * time.Second)
		sent := time.Now()
		_ = cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		took := time.Since(sent)
		worst = max(worst, took)
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err == nil {
			code = 0
		}
		b.Logf("SIGINT 8 s into a crawl of 6 hosts at delay 1s: exited %d after %s (%d requests so far)", code, took.Round(time.Millisecond), farm.Requests())
		if code != exitInterrupted {
			b.Errorf("exit %d, want %d", code, exitInterrupted)
		}
	}
	b.ReportMetric(worst.Seconds()*1000, "stop-ms")
}
