package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

func benchFarm(b *testing.B, hosts, articles int, delay time.Duration, parallelism int) {
	farm, err := crawltest.StartFarm(hosts, articles)
	if err != nil {
		b.Skipf("loopback addresses: %v", err)
	}
	defer farm.Close()
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
	c0, start := cpuTime(), time.Now()
	counts, err := cr.Run(ctx, runID, seeds)
	elapsed, cpu := time.Since(start), cpuTime()-c0
	if err != nil {
		b.Fatal(err)
	}
	requests := farm.Requests()
	limit := float64(hosts) / delay.Seconds()
	rate := float64(requests) / elapsed.Seconds()
	// A start can look early only because the one before it reached the
	// site late (the sites share this process: a stall of the process or
	// the machine delays their reading). Such a start is still at least
	// two gaps after the one before that; lateOnly counts the violations
	// explained that way.
	gapViolations, lateOnly, inflightViolations := 0, 0, 0
	var worst time.Duration
	for _, h := range farm.Hosts {
		starts := h.Starts()
		for i, s := range starts {
			if s.InFlight > parallelism {
				inflightViolations++
			}
			if i > 0 {
				if d := s.At.Sub(starts[i-1].At); d < delay-2*time.Millisecond {
					gapViolations++
					worst = max(worst, delay-d)
					if i > 1 && s.At.Sub(starts[i-2].At) >= 2*delay-2*time.Millisecond {
						lateOnly++
					}
				}
			}
		}
	}
	archived, err := db.Count(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if archived != hosts*articles {
		b.Errorf("%d articles archived, want %d", archived, hosts*articles)
	}
	b.Logf("%d hosts, delay %s, parallelism %d: %d requests in %s (%.1f/s of %.1f/s allowed): efficiency %.3f; gap violations %d of %d (worst %s early; %d of them after a start that reached the site late, two gaps kept), in-flight violations %d; %d of %d articles archived (new %d, failed %d); CPU %s for %s wall",
		hosts, delay, parallelism, requests, elapsed.Round(time.Millisecond), rate, limit, rate/limit,
		gapViolations, requests, worst.Round(100*time.Microsecond), lateOnly, inflightViolations, archived, hosts*articles,
		counts.New, counts.Failed, cpu.Round(time.Millisecond), elapsed.Round(time.Millisecond))
	b.ReportMetric(rate/limit, "efficiency")
	b.ReportMetric(float64(gapViolations), "gap-violations")
	b.ReportMetric(float64(gapViolations-lateOnly), "gap-violations-unexplained")
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
