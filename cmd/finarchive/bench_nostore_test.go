package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawler/crawltest"
	"github.com/finarchive/finarchive/extract"
)

// BenchmarkCrawl_NoStore crawls the 5,000-article test site with the real
// crawler and extractor into a memory sink (no archive), then with bare
// colly, and reports the ratio: what finarchive costs before it stores
// anything.
//
//	go test -run '^$' -bench Crawl_NoStore -benchtime 1x ./cmd/finarchive
func BenchmarkCrawl_NoStore(b *testing.B) {
	site, base := benchSite(b)
	var ratios []float64
	for i := 0; i < b.N; i++ {
		site.ResetRequests()
		bp, bd := bareColly(b, base, filepath.Join(b.TempDir(), "bare.db"))
		site.ResetRequests()
		cfg := crawler.DefaultConfig()
		cfg.Parallelism, cfg.Delay, cfg.MaxDepth, cfg.Sitemaps = 16, 0, 0, false
		cfg.Exclude = benchExclude
		cfg.MaxRetries = 0
		sink := &crawltest.MemSink{}
		cr, err := crawler.New(cfg, sink, extract.BuiltinProfiles(), nil)
		if err != nil {
			b.Fatal(err)
		}
		c0, start := cpuTime(), time.Now()
		counts, err := cr.Run(context.Background(), 1, []string{base + "/"})
		d, cpu := time.Since(start), cpuTime()-c0
		if err != nil {
			b.Fatal(err)
		}
		fr, br := float64(counts.Fetched)/d.Seconds(), float64(bp)/bd.Seconds()
		ratios = append(ratios, fr/br)
		b.Logf("no store: %d pages, %.0f pages/s, %.2f ms CPU/page; bare colly %.0f pages/s; ratio %.2f",
			counts.Fetched, fr, float64(cpu.Microseconds())/1000/float64(counts.Fetched), br, fr/br)
	}
	b.ReportMetric(median(ratios), "ratio")
}
