package pgstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/internal/archivecmp"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
)

// benchN is how many articles BenchmarkExport_backends archives
// (FINARCHIVE_BENCH_N, default 10,000).
func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("FINARCHIVE_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return 10000
}

var benchWords = strings.Fields(`信用卡 逾期 贷款 利率 银行 征信 额度 分期 还款 理财 保险 理赔 存款 基金 股票 房贷 车贷 公积金 社保 养老
	手续费 年费 积分 提额 办理 申请 审批 放款 违约金 罚息 账单 最低还款 本金 利息 期限 抵押 担保 收益 风险 证书`)

// synth returns article i of a corpus like the test site's: a title of 3-6
// words, a body of 90-420 words, six cards, and a 30-40 KB raw page.
func synth(r *rand.Rand, i int, at time.Time) *finarchive.Fetched {
	pick := func() string { return benchWords[r.IntN(len(benchWords))] }
	var t, b strings.Builder
	for range 3 + r.IntN(4) {
		t.WriteString(pick())
	}
	for j := range 90 + r.IntN(330) {
		b.WriteString(pick())
		if j%12 == 11 {
			b.WriteString("，")
		}
		if j%60 == 59 {
			b.WriteString("\n")
		}
	}
	pub := time.Date(2020, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)).Add(time.Duration(i) * 30 * time.Minute)
	rec := &extract.Record{URL: fmt.Sprintf("https://site%d.example/news/%d.html", i%5, i), Title: t.String(), Body: b.String(),
		BodyHTML: "<p>" + strings.ReplaceAll(b.String(), "\n", "</p><p>") + "</p>", Published: &pub,
		PublishedRaw: pub.Format("2006-01-02 15:04"), Author: "编辑" + pick(), Source: "来源" + pick(),
		Category: benchWords[r.IntN(10)], Breadcrumb: []string{"首页", benchWords[r.IntN(10)]},
		Keywords: []string{pick(), pick()}, Site: fmt.Sprintf("site%d.example", i%5), PageType: extract.PageArticle}
	for k := range 6 {
		rec.Cards = append(rec.Cards, extract.Card{Title: pick() + pick(), URL: fmt.Sprintf("https://site0.example/news/%d.html", i+k+1),
			Snippet: pick() + pick() + pick(), Category: pick(), Date: "2024-01-02"})
	}
	var raw strings.Builder
	raw.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + rec.Title + `</title></head><body>`)
	for k := range 200 {
		fmt.Fprintf(&raw, `<a href="/news/%d.html">%s</a>`, k, benchWords[k%len(benchWords)])
	}
	raw.WriteString(`<div class="article">` + rec.BodyHTML + `</div>` + strings.Repeat(`<div class="footer">版权所有 备案号 京ICP备</div>`, 150) + `</body></html>`)
	return &finarchive.Fetched{Item: finarchive.QueueItem{URL: rec.URL, Depth: 1}, StatusCode: 200, Record: rec,
		Raw: []byte(raw.String()), ContentType: "text/html; charset=utf-8", ETag: fmt.Sprintf(`"%x"`, i), FetchedAt: at,
		Capture: &finarchive.Capture{Request: []byte("GET " + rec.URL + " HTTP/1.1\r\nHost: x\r\n\r\n"),
			Response: []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"), RemoteIP: "127.0.0.1"}}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU returns the CPU time the server processes of the database
// have used (their /proc stat, in clock ticks of 10 ms), by pid.
func serverCPU(ctx context.Context, db *pgstore.DB) map[int]time.Duration {
	rows, err := db.Pool().Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		ut, _ := strconv.Atoi(f[11])
		st, _ := strconv.Atoi(f[12])
		out[pid] = time.Duration(ut+st) * 10 * time.Millisecond
	}
	return out
}

func serverDelta(before, after map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range after {
		d += t - before[pid]
	}
	return d
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkExport_backends: N articles exported from SQLite and from
// PostgreSQL (the same stored rows): JSON Lines (Export), the WARC's feed
// (ExportFetches, bodies decompressed), and a whole-archive copy into a
// new SQLite file (export --format sqlite); wall and CPU time, the
// client's and, for PostgreSQL, the server's, and the peak heap in use
// (sampled every 5 ms; MemStats reading stops the world briefly).
//
//	go test -run '^$' -bench Export_backends -benchtime 1x ./store/pgstore
func BenchmarkExport_backends(b *testing.B) {
	ctx := context.Background()
	n := benchN()
	dir := b.TempDir()
	src, err := store.Open(ctx, filepath.Join(dir, "src.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	run, err := src.StartRun(ctx, store.RunSpec{})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if _, err := src.Complete(ctx, run, synth(r, i, at.Add(time.Duration(i)*time.Second))); err != nil {
			b.Fatal(err)
		}
	}
	pg := openPG(b)
	if err := archivecmp.LoadPG(ctx, pg.Pool(), src); err != nil {
		b.Fatal(err)
	}
	if _, err := pg.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	type backend struct {
		name string
		a    interface {
			store.Archive
			store.Dumper
		}
	}
	for _, be := range []backend{{"sqlite", src}, {"postgres", pg}} {
		for _, task := range []struct {
			name string
			do   func() (int64, error)
		}{
			{"jsonl", func() (int64, error) {
				w := &countingWriter{}
				bw := bufio.NewWriterSize(w, 64<<10)
				enc := json.NewEncoder(bw)
				err := be.a.Export(ctx, store.ExportOptions{}, func(r *store.ExportRecord) error { return enc.Encode(r) })
				bw.Flush()
				return w.n, err
			}},
			{"fetches", func() (int64, error) {
				var bytes int64
				err := be.a.ExportFetches(ctx, store.ExportOptions{}, func(_ *store.ExportRecord, fs []store.Fetch) error {
					for _, f := range fs {
						bytes += int64(len(f.Body) + len(f.Request) + len(f.Response))
					}
					return nil
				})
				return bytes, err
			}},
			{"sqlite-copy", func() (int64, error) {
				path := filepath.Join(b.TempDir(), "copy.db")
				dst, err := store.Open(ctx, path)
				if err != nil {
					return 0, err
				}
				st, err := store.Copy(ctx, be.a, dst)
				if cerr := dst.Close(); err == nil {
					err = cerr
				}
				fi, _ := os.Stat(path)
				if st.Pages != n {
					return 0, fmt.Errorf("copied %d pages, want %d", st.Pages, n)
				}
				return fi.Size(), err
			}},
		} {
			b.Run(task.name+"/"+be.name, func(b *testing.B) {
				var wall, cpu, server time.Duration
				var (
					size int64
					peak uint64
				)
				for b.Loop() {
					var before map[int]time.Duration
					if be.name == "postgres" {
						before = serverCPU(ctx, pg)
					}
					runtime.GC()
					stop := make(chan struct{})
					peakDone := make(chan uint64)
					go func() {
						var ms runtime.MemStats
						var top uint64
						tick := time.NewTicker(5 * time.Millisecond)
						defer tick.Stop()
						for {
							runtime.ReadMemStats(&ms)
							top = max(top, ms.HeapInuse)
							select {
							case <-stop:
								peakDone <- top
								return
							case <-tick.C:
							}
						}
					}()
					t0, c0 := time.Now(), cpuTime()
					s, err := task.do()
					close(stop)
					peak = max(peak, <-peakDone)
					if err != nil {
						b.Fatal(err)
					}
					wall += time.Since(t0)
					cpu += cpuTime() - c0
					size = s
					if be.name == "postgres" {
						server += serverDelta(before, serverCPU(ctx, pg))
					}
				}
				k := float64(b.N)
				b.ReportMetric(wall.Seconds()*1000/k, "wall-ms")
				b.ReportMetric(cpu.Seconds()*1000/k, "cpu-ms")
				b.ReportMetric(server.Seconds()*1000/k, "server-cpu-ms")
				b.ReportMetric(float64(n)/(wall.Seconds()/k), "articles/s")
				b.ReportMetric(float64(size)/(1<<20), "MiB")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
