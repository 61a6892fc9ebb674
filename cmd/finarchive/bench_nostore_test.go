package main

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
)

// memSink is a crawler.Sink in memory: a frontier with atomic dedupe and
// nothing archived. BenchmarkCrawl_NoStore crawls into it to split the
// crawler's and extractor's cost from the store's.
type memSink struct {
	mu    sync.Mutex
	seen  map[string]bool
	queue []finarchive.QueueItem
	infl  int
}

func (m *memSink) Enqueue(ctx context.Context, runID int64, items []finarchive.QueueItem) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, it := range items {
		if !m.seen[it.URL] {
			m.seen[it.URL] = true
			m.queue = append(m.queue, it)
			n++
		}
	}
	return n, nil
}
func (m *memSink) Claim(ctx context.Context, runID int64, n int, now time.Time) ([]finarchive.QueueItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n = min(n, len(m.queue))
	out := append([]finarchive.QueueItem(nil), m.queue[:n]...)
	m.queue = m.queue[n:]
	m.infl += n
	return out, nil
}
func (m *memSink) Complete(ctx context.Context, runID int64, f *finarchive.Fetched) (finarchive.SaveResult, error) {
	m.Enqueue(ctx, runID, f.Links)
	m.mu.Lock()
	m.infl--
	m.mu.Unlock()
	if f.Record != nil {
		return finarchive.SaveNew, nil
	}
	return finarchive.SaveNone, nil
}
func (m *memSink) Retry(ctx context.Context, runID int64, item finarchive.QueueItem, lastErr string) error {
	m.mu.Lock()
	m.queue = append(m.queue, item)
	m.infl--
	m.mu.Unlock()
	return nil
}
func (m *memSink) Pending(ctx context.Context, runID int64) (int, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.queue) + m.infl, time.Time{}, nil
}

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
		sink := &memSink{seen: map[string]bool{}}
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
