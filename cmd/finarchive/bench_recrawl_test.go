package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
)

// BenchmarkRecrawl_Unchanged crawls a 5,000-article site, then crawls it
// again unchanged (conditional GET: mostly 304s), then again with adaptive
// revisits, and reports how many times faster each re-crawl is.
//
//	go test -run '^$' -bench Recrawl_Unchanged -benchtime 1x ./cmd/finarchive
func BenchmarkRecrawl_Unchanged(b *testing.B) {
	site, base := benchSite(b)
	for i := 0; i < b.N; i++ {
		db := filepath.Join(b.TempDir(), "a.db")
		site.ResetRequests()
		c1, d1 := finarchiveCrawlSpec(b, base, db, store.RunSpec{})
		s1 := site.Stats()
		site.ResetRequests()
		c2, d2 := finarchiveCrawlSpec(b, base, db, store.RunSpec{})
		s2 := site.Stats()
		site.ResetRequests()
		c3, d3 := finarchiveCrawlSpec(b, base, db, store.RunSpec{Adaptive: true})
		s3 := site.Stats()
		if c2.New+c2.Changed+c3.New+c3.Changed != 0 {
			b.Errorf("unchanged site: re-crawls stored new %d/%d, changed %d/%d", c2.New, c3.New, c2.Changed, c3.Changed)
		}
		b.Logf("first crawl: %d pages, %d bytes, %s", c1.Fetched, s1.Bytes, d1.Round(time.Millisecond))
		b.Logf("re-crawl:    %d pages, %d bytes, %d 304s, %s: %.1fx faster", c2.Fetched, s2.Bytes, s2.NotModified, d2.Round(time.Millisecond), d1.Seconds()/d2.Seconds())
		b.Logf("adaptive:    %d pages, %d bytes, %s: %.1fx faster", c3.Fetched, s3.Bytes, d3.Round(time.Millisecond), d1.Seconds()/d3.Seconds())
		b.ReportMetric(d1.Seconds()/d2.Seconds(), "recrawl-speedup")
		b.ReportMetric(d1.Seconds()/d3.Seconds(), "adaptive-speedup")
		b.ReportMetric(float64(s1.Bytes)/float64(max(s2.Bytes, 1)), "bytes-ratio")
	}
}

// BenchmarkCrawl_PeakMemory crawls a large test site (100,000 articles;
// FINARCHIVE_BENCH_ARTICLES overrides) with the finarchive binary, the site
// in a process of its own, and reports the crawler's peak RSS.
//
//	go test -run '^$' -bench Crawl_PeakMemory -benchtime 1x -timeout 1h ./cmd/finarchive
func BenchmarkCrawl_PeakMemory(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("FINARCHIVE_BENCH_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	bin := MustBuild(b)
	site := exec.Command(bin, "testsite", "--articles", strconv.Itoa(n))
	out, err := site.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := site.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = site.Process.Signal(os.Interrupt); _ = site.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	base := strings.TrimSpace(line)
	for i := 0; i < b.N; i++ {
		db := filepath.Join(b.TempDir(), "big.db")
		cmd := exec.Command(bin, "crawl", "--db", db, "--delay", "0", "--parallelism", "16", "--max-depth", "0",
			"--retries", "0", "--exclude", "/calendar/|/refer/", "-q", "--json", base+"/")
		start := time.Now()
		res, err := cmd.Output()
		elapsed := time.Since(start)
		if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == exitPartial) {
			b.Fatalf("crawl: %v\n%s", err, res)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		peakMB := float64(ru.Maxrss) / 1024
		b.Logf("%d-article crawl: %s, peak RSS %.0f MB, CPU %.1fs user %.1fs sys", n, elapsed.Round(time.Second), peakMB,
			time.Duration(ru.Utime.Nano()).Seconds(), time.Duration(ru.Stime.Nano()).Seconds())
		b.Logf("summary: %s", res)
		b.ReportMetric(peakMB, "peak-MB")
	}
}
