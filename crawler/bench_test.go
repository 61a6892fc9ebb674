package crawler_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawler/crawltest"
)

// BenchmarkFrontier_10kHosts runs a crawl of 10,000 hosts with 10 URLs
// queued each through the frontier into a memory sink, and reports the
// most items held in memory at once and the Go heap at the end: both stay
// O(hosts), not O(URLs). The hosts are loopback addresses where nothing
// listens (each request is refused at once).
//
//	go test -run '^$' -bench Frontier_10kHosts -benchtime 1x ./crawler
func BenchmarkFrontier_10kHosts(b *testing.B) {
	const hosts, perHost = 10000, 10
	for range b.N {
		sink := &crawltest.MemSink{}
		var seeds []string
		var items []finarchive.QueueItem
		for i := range hosts {
			base := fmt.Sprintf("http://127.%d.%d.%d:9", 1+i/62500, 10+i/250%250, 1+i%250)
			seeds = append(seeds, base+"/")
			for k := range perHost {
				items = append(items, finarchive.QueueItem{URL: fmt.Sprintf("%s/a/%d.html", base, k), Depth: 1})
			}
		}
		if _, err := sink.Enqueue(context.Background(), 1, items); err != nil {
			b.Fatal(err)
		}
		items = nil
		peak := 0
		sink.OnClaim = func(inflight int) { peak = max(peak, inflight) }
		cfg := politeConfig(time.Millisecond, 1)
		cfg.IgnoreRobots, cfg.MaxRetries = true, 0
		c, err := crawler.New(cfg, sink, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := c.Run(context.Background(), 1, seeds); err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.Logf("%d hosts × %d URLs: %d done in %s; at most %d items claimed and not done (%.1f per host); heap %d MiB after",
			hosts, perHost+1, len(sink.Done()), time.Since(start).Round(time.Millisecond), peak, float64(peak)/hosts, ms.HeapInuse>>20)
		b.ReportMetric(float64(peak), "peak-items")
	}
}
