package main

import (
	"context"
	"database/sql"
	"flag"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/testsite"
	"github.com/gocolly/colly/v2"
	_ "github.com/mattn/go-sqlite3"
)

// benchExclude keeps both crawlers off the test site's endless link traps,
// so they fetch the same pages and pages/s compares like with like.
var benchExclude = []string{`/calendar/`, `/refer/`}

// bareColly is the least a crawler of this job does: colly with parallelism
// 16, atomic dedupe, the goquery title, one SQLite INSERT per page.
func bareColly(tb testing.TB, base, dbPath string) (pages int, elapsed time.Duration) {
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_journal_mode=WAL&_busy_timeout=10000&_synchronous=NORMAL")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE pages (url TEXT PRIMARY KEY, title TEXT)`); err != nil {
		tb.Fatal(err)
	}
	c := colly.NewCollector(colly.Async(true), colly.AllowURLRevisit())
	_ = c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: 16})
	c.WithTransport(&http.Transport{MaxIdleConnsPerHost: 32})
	var seen sync.Map
	var mu sync.Mutex
	visit := func(u string) {
		for _, ex := range benchExclude {
			if strings.Contains(u, ex) {
				return
			}
		}
		if _, dup := seen.LoadOrStore(u, true); !dup {
			_ = c.Visit(u)
		}
	}
	c.OnResponse(func(*colly.Response) { mu.Lock(); pages++; mu.Unlock() })
	c.OnHTML("title", func(e *colly.HTMLElement) {
		_, _ = db.Exec(`INSERT OR REPLACE INTO pages (url, title) VALUES (?, ?)`, e.Request.URL.String(), e.Text)
	})
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		u := e.Request.AbsoluteURL(e.Attr("href"))
		if strings.HasPrefix(u, base) {
			visit(strings.SplitN(u, "#", 2)[0])
		}
	})
	start := time.Now()
	visit(base + "/")
	c.Wait()
	return pages, time.Since(start)
}

// finarchiveCrawl crawls with the real crawler and store, same limits.
func finarchiveCrawl(tb testing.TB, base, dbPath string) (pages int, elapsed time.Duration) {
	counts, elapsed := finarchiveCrawlSpec(tb, base, dbPath, store.RunSpec{})
	return counts.Fetched, elapsed
}

// finarchiveCrawlSpec crawls into dbPath (new or not) with a run spec.
func finarchiveCrawlSpec(tb testing.TB, base, dbPath string, spec store.RunSpec) (counts finarchive.RunCounts, elapsed time.Duration) {
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	cfg := crawler.DefaultConfig()
	cfg.Parallelism, cfg.Delay, cfg.MaxDepth, cfg.Sitemaps = 16, 0, 0, false
	cfg.Exclude = benchExclude
	cfg.MaxRetries = 0
	spec.Seeds = []string{base + "/"}
	runID, err := db.StartRun(ctx, spec)
	if err != nil {
		tb.Fatal(err)
	}
	cr, err := crawler.New(cfg, db, extract.BuiltinProfiles(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	counts, err = cr.Run(ctx, runID, []string{base + "/"})
	elapsed = time.Since(start)
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.FinishRun(ctx, runID, "finished", counts, ""); err != nil {
		tb.Fatal(err)
	}
	reqs, txs := db.WriteStats()
	tb.Logf("store: %d write requests in %d transactions", reqs, txs)
	return counts, elapsed
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPairs is how many (bare colly, finarchive) crawl pairs one
// iteration of BenchmarkCrawl_VsBareColly runs; it reports medians, which
// a noisy shared machine moves far less than means.
var benchPairs = flag.Int("pairs", 3, "BenchmarkCrawl_VsBareColly: crawl pairs per iteration (medians are reported)")

// benchLatency delays every response of the crawl benchmarks' test site:
// 0 (loopback, the default) makes the comparison one of CPU per page on
// this machine; a real site answers a crawler after a round trip of
// 10–100 ms, and with it the comparison is one of how well each keeps its
// 16 requests in flight.
var benchLatency = flag.Duration("latency", 0, "crawl benchmarks: delay before every response of the test site")

// BenchmarkCrawl_VsBareColly crawls a 5,000-article test site on loopback
// with both crawlers, in pairs, taking turns at going first, and reports
// the median pages/s of each, the median of the pairs' ratios and the
// median CPU time per page of each (the in-process test site included).
//
//	go test -run '^$' -bench Crawl_VsBareColly -benchtime 1x ./cmd/finarchive
//	go test -run '^$' -bench Crawl_VsBareColly -benchtime 1x ./cmd/finarchive -args -latency 20ms
func BenchmarkCrawl_VsBareColly(b *testing.B) {
	site, base := benchSite(b)
	var faRate, bareRate, ratios, faCPU, bareCPU []float64
	for i := 0; i < b.N; i++ {
		for k := range *benchPairs {
			dir := b.TempDir()
			// crawl runs one crawler: its pages/s and CPU ms per page.
			crawl := func(name string, fn func(testing.TB, string, string) (int, time.Duration), file string) (rate, cpu float64) {
				site.ResetRequests()
				c0 := cpuTime()
				p, d := fn(b, base, filepath.Join(dir, file))
				cpu = float64((cpuTime() - c0).Microseconds()) / 1000 / float64(p)
				rate = float64(p) / d.Seconds()
				b.Logf("%s: %d pages in %s (%.0f pages/s, %.2f ms CPU/page)", name, p, d.Round(time.Millisecond), rate, cpu)
				return rate, cpu
			}
			var fr, br, fc, bc float64
			if k%2 == 0 {
				br, bc = crawl("bare colly", bareColly, "bare.db")
				fr, fc = crawl("finarchive", finarchiveCrawl, "fa.db")
			} else {
				fr, fc = crawl("finarchive", finarchiveCrawl, "fa.db")
				br, bc = crawl("bare colly", bareColly, "bare.db")
			}
			faRate, bareRate, ratios = append(faRate, fr), append(bareRate, br), append(ratios, fr/br)
			faCPU, bareCPU = append(faCPU, fc), append(bareCPU, bc)
			b.Logf("pair %d: ratio %.2f", k+1, fr/br)
		}
	}
	b.Logf("medians of %d pairs: finarchive %.0f pages/s, bare colly %.0f pages/s, ratio %.2f (pairs %.2f…%.2f); CPU per page %.2f ms (%.2f…%.2f) vs %.2f ms (%.2f…%.2f)",
		len(ratios), median(faRate), median(bareRate), median(ratios), slices.Min(ratios), slices.Max(ratios),
		median(faCPU), slices.Min(faCPU), slices.Max(faCPU), median(bareCPU), slices.Min(bareCPU), slices.Max(bareCPU))
	b.ReportMetric(median(faRate), "finarchive-pages/s")
	b.ReportMetric(median(bareRate), "bare-pages/s")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(median(faCPU), "finarchive-cpu-ms/page")
	b.ReportMetric(median(bareCPU), "bare-cpu-ms/page")
}

// benchSite starts the 5,000-article test site the crawl benchmarks share
// and stops it when the benchmark ends.
func benchSite(b *testing.B) (*testsite.Site, string) {
	site := testsite.New(testsite.Options{Articles: 5000, Delay: *benchLatency})
	base, err := site.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = site.Close() })
	return site, base
}

// median returns the middle value of xs (the mean of the middle two when
// even); xs is reordered.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
