package main

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
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
	return counts, elapsed
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCrawl_VsBareColly crawls a 5,000-article test site on loopback
// with both crawlers in the same run and reports pages/s and the ratio.
//
//	go test -run '^$' -bench CrawlVsBareColly -benchtime 1x ./cmd/finarchive
func BenchmarkCrawl_VsBareColly(b *testing.B) {
	site := testsite.New(testsite.Options{Articles: 5000})
	base, err := site.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	var fa, bare float64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		site.ResetRequests()
		c0 := cpuTime()
		bp, bd := bareColly(b, base, filepath.Join(dir, "bare.db"))
		site.ResetRequests()
		c1 := cpuTime()
		fp, fd := finarchiveCrawl(b, base, filepath.Join(dir, "fa.db"))
		c2 := cpuTime()
		b.Logf("CPU per page (site included): bare %.2f ms, finarchive %.2f ms",
			float64((c1-c0).Microseconds())/1000/float64(bp), float64((c2-c1).Microseconds())/1000/float64(fp))
		bare += float64(bp) / bd.Seconds()
		fa += float64(fp) / fd.Seconds()
		b.Logf("bare colly: %d pages in %s (%.0f pages/s); finarchive: %d pages in %s (%.0f pages/s); ratio %.2f",
			bp, bd.Round(time.Millisecond), float64(bp)/bd.Seconds(), fp, fd.Round(time.Millisecond), float64(fp)/fd.Seconds(),
			(float64(fp)/fd.Seconds())/(float64(bp)/bd.Seconds()))
	}
	b.ReportMetric(fa/float64(b.N), "finarchive-pages/s")
	b.ReportMetric(bare/float64(b.N), "bare-pages/s")
	b.ReportMetric(fa/bare, "ratio")
}
