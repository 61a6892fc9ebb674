package warc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/warc"
)

var (
	benchSize = flag.Int("export.size", 100000, "BenchmarkExport: articles in the synthetic archive")
	benchDB   = flag.String("export.db", "", "BenchmarkExport: archive file to reuse (built when missing)")
	benchRuns = flag.Int("export.rounds", 1, "BenchmarkExport: rounds of JSONL, WARC and WACZ, in turn")
	benchGzip = flag.Int("export.compress", 0, "BenchmarkExport: the WARC's Options.Compression (0: the default, 1; -1: StoreOnly)")
)

// buildBenchArchive stores n synthetic articles, each with a captured
// fetch (a 6-7 KB page), the way a crawl does.
func buildBenchArchive(b testing.TB, path string, n int) {
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	run, err := db.StartRun(ctx, store.RunSpec{})
	if err != nil {
		b.Fatal(err)
	}
	para := strings.Repeat("信用卡逾期后应尽快还款，并与银行协商分期，避免影响个人征信。", 12)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		u := fmt.Sprintf("https://site%d.example/news/%d.html", i%5, i)
		title := fmt.Sprintf("信用卡逾期怎么办（第%d篇）", i)
		raw := []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + title + `</title></head><body><h1>` + title +
			`</h1><div class="content"><p>` + para + `</p><p>` + para + `</p></div></body></html>`)
		pub := t0.Add(time.Duration(i) * time.Minute)
		rec := &extract.Record{URL: u, Title: title, Body: para + "\n" + para, Published: &pub, PublishedRaw: pub.Format("2006-01-02 15:04"),
			Category: "信用卡", Breadcrumb: []string{"首页", "信用卡"}, Keywords: []string{"逾期", "征信"},
			Site: fmt.Sprintf("site%d.example", i%5), PageType: extract.PageArticle, FetchedAt: pub}
		c := &finarchive.Capture{
			Request:  []byte("GET /news/" + fmt.Sprint(i) + ".html HTTP/1.1\r\nHost: site.example\r\nUser-Agent: finarchive/0.1\r\nAccept-Encoding: gzip\r\n\r\n"),
			Response: []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/html; charset=utf-8\r\nEtag: \"%x\"\r\n\r\n", len(raw), i)),
			RemoteIP: "192.0.2.1",
		}
		if _, err := db.Complete(ctx, run, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: 200, Record: rec,
			Raw: raw, ContentType: "text/html; charset=utf-8", FetchedAt: pub, Capture: c}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExport compares, in one run, the WARC and WACZ exports of a
// 100,000-article archive with its JSONL export: wall time, the process's
// CPU time (user and system, a fairer figure on a loaded machine), output
// size and the peak heap seen while each runs (constant memory). The WARC
// and WACZ runs also report their wall and CPU time over the JSONL run just
// before them (x-jsonl-s, x-jsonl-cpu), the figures to compare on a shared
// machine; -export.rounds repeats the three in turn (-count would repeat
// each before the next).
//
//	go test -run '^$' -bench Export -benchtime 1x -timeout 1h ./warc
func BenchmarkExport(b *testing.B) {
	path := *benchDB
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		buildBenchArchive(b, path, *benchSize)
		b.Logf("built %d articles in %v", *benchSize, time.Since(start).Round(time.Millisecond))
	}
	ctx := context.Background()
	db, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	dir := b.TempDir()
	formats := []struct {
		name  string
		write func(*os.File) error
	}{
		{"jsonl", func(f *os.File) error {
			w := bufio.NewWriterSize(f, 256<<10)
			err := db.Export(ctx, store.ExportOptions{}, func(r *store.ExportRecord) error {
				js, err := json.Marshal(r)
				if err != nil {
					return err
				}
				w.Write(js)
				return w.WriteByte('\n')
			})
			if err != nil {
				return err
			}
			return w.Flush()
		}},
		{"warc", func(f *os.File) error {
			w := bufio.NewWriterSize(f, 256<<10)
			if _, err := warc.Write(ctx, db, w, warc.Options{Software: "bench", Compression: *benchGzip}, nil); err != nil {
				return err
			}
			return w.Flush()
		}},
		{"wacz", func(f *os.File) error {
			w := bufio.NewWriterSize(f, 256<<10)
			if _, err := warc.WriteWACZ(ctx, db, w, warc.Options{Software: "bench", Compression: *benchGzip}, dir); err != nil {
				return err
			}
			return w.Flush()
		}},
	}
	var jsonlWall, jsonlCPU time.Duration // of the latest JSONL run
	for range *benchRuns {
		for _, ft := range formats {
			b.Run(ft.name, func(b *testing.B) {
				for range b.N {
					f, err := os.Create(filepath.Join(dir, "out."+ft.name))
					if err != nil {
						b.Fatal(err)
					}
					runtime.GC()
					stop := make(chan uint64)
					go func() { // peak heap while the export runs
						var peak uint64
						var ms runtime.MemStats
						tick := time.NewTicker(20 * time.Millisecond)
						defer tick.Stop()
						for {
							select {
							case <-tick.C:
								runtime.ReadMemStats(&ms)
								peak = max(peak, ms.HeapInuse)
							case <-stop:
								stop <- peak
								return
							}
						}
					}()
					start, cpu0 := time.Now(), cpuTime(b)
					if err := ft.write(f); err != nil {
						b.Fatal(err)
					}
					el, cpu := time.Since(start), cpuTime(b)-cpu0
					stop <- 0
					peak := <-stop
					fi, _ := f.Stat()
					f.Close()
					b.ReportMetric(el.Seconds(), "s/export")
					b.ReportMetric(cpu.Seconds(), "cpu-s/export")
					b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
					b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
					if ft.name == "jsonl" {
						jsonlWall, jsonlCPU = el, cpu
					} else if jsonlWall > 0 {
						b.ReportMetric(el.Seconds()/jsonlWall.Seconds(), "x-jsonl-s")
						b.ReportMetric(cpu.Seconds()/jsonlCPU.Seconds(), "x-jsonl-cpu")
					}
				}
			})
		}
	}
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
