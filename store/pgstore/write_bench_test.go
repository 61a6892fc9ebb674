package pgstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
)

// Benchmarks of the write side and of search, on both back ends with the
// same records: Chinese text made of the sentences of the real articles in
// /work/shared/datasets/zh-extraction-dev (the benchmarks skip without
// it), so that characters and bigrams are as common as in real pages.
//
//	go test -run '^$' -bench . -benchtime 2000x ./store/pgstore/
//
// CPU is reported beside wall time: cpu-ms/page is this process's, and on
// PostgreSQL server-cpu-ms/page is the server's (every process of the
// cluster, read from /proc), which a crawl pays as well.

const zhTruth = "/work/shared/datasets/zh-extraction-dev/truth.json"

var (
	sentencesOnce sync.Once
	sentences     []string
)

// corpusSentences returns the sentences of the real articles.
func corpusSentences(tb testing.TB) []string {
	sentencesOnce.Do(func() {
		data, err := os.ReadFile(zhTruth)
		if err != nil {
			return
		}
		var truth map[string]struct{ Body string }
		if json.Unmarshal(data, &truth) != nil {
			return
		}
		split := regexp.MustCompile(`[。！？\n]+`)
		for _, v := range truth {
			for _, s := range split.Split(v.Body, -1) {
				if s = strings.TrimSpace(s); len([]rune(s)) >= 6 {
					sentences = append(sentences, s)
				}
			}
		}
	})
	if len(sentences) == 0 {
		tb.Skipf("no corpus at %s (the shared datasets): skipping", zhTruth)
	}
	return sentences
}

// benchRecord returns record i of a deterministic corpus: a title of one
// sentence's first 8-20 characters and a body of 8-40 sentences (about
// 300-2,000 characters), as on Chinese finance sites.
func benchRecord(tb testing.TB, i int) *extract.Record {
	ss := corpusSentences(tb)
	r := rand.New(rand.NewPCG(uint64(i), 7))
	title := []rune(ss[r.IntN(len(ss))])
	title = title[:min(len(title), 8+r.IntN(13))]
	var body strings.Builder
	for range 8 + r.IntN(33) {
		body.WriteString(ss[r.IntN(len(ss))])
		body.WriteString("。")
	}
	pub := time.Date(2020, 1, 1, 8, 0, 0, 0, cst).Add(time.Duration(i) * 30 * time.Minute)
	u := fmt.Sprintf("https://site%d.example/news/%d.html", i%5, i)
	rec := &extract.Record{
		URL: u, Title: string(title), Body: body.String(), Published: &pub, PublishedRaw: pub.Format("2006-01-02 15:04"),
		Author: "编辑", Source: "来源", Category: "财经", Breadcrumb: []string{"首页", "财经"}, Keywords: []string{"银行", "贷款"},
		Site: fmt.Sprintf("site%d.example", i%5), PageType: extract.PageArticle,
	}
	for k := range 6 {
		rec.Cards = append(rec.Cards, extract.Card{Title: string(title), URL: fmt.Sprintf("https://site0.example/news/%d.html", i+k+1),
			Snippet: "摘要", Category: "财经", Date: "2024-01-02"})
	}
	return rec
}

// benchFetched wraps a record as the crawler would: a raw page of about
// 30 KB and 40 in-scope links, most of them already known.
func benchFetched(i int, rec *extract.Record) *finarchive.Fetched {
	var raw strings.Builder
	raw.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + rec.Title + `</title></head><body><div class="nav">`)
	for k := range 60 {
		fmt.Fprintf(&raw, `<a href="/news/%d.html">栏目%d</a>`, k, k)
	}
	raw.WriteString(`</div><div class="article"><h1>` + rec.Title + `</h1><p>` + rec.Body + `</p></div>`)
	raw.WriteString(strings.Repeat(`<div class="footer">版权所有 备案号</div>`, 20+30000/max(len(rec.Body), 1000)) + `</body></html>`)
	f := &finarchive.Fetched{
		Item: finarchive.QueueItem{URL: rec.URL, Depth: 1}, StatusCode: 200, Record: rec,
		Raw: []byte(raw.String()), ContentType: "text/html; charset=utf-8",
		ETag: fmt.Sprintf(`"%x"`, i), LastModified: "Mon, 01 Jan 2024 00:00:00 GMT", FetchedAt: time.Now(),
	}
	r := rand.New(rand.NewPCG(uint64(i), 9))
	for k := range 40 {
		f.Links = append(f.Links, finarchive.QueueItem{URL: fmt.Sprintf("https://site%d.example/news/%d.html", i%5, r.IntN(i+50)+k), Depth: 2})
	}
	return f
}

// serverCPU returns the CPU time of the PostgreSQL cluster db is on (its
// postmaster and the processes it started), from /proc: the server must
// run on this machine, as the test cluster does.
func clusterCPU(tb testing.TB, db store.Archive) time.Duration {
	pg, ok := db.(*pgstore.DB)
	if !ok {
		return 0
	}
	var dir string
	if err := pg.Pool().QueryRow(context.Background(), "SHOW data_directory").Scan(&dir); err != nil {
		tb.Fatal(err)
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		tb.Fatalf("server CPU: %v", err)
	}
	postmaster := strings.SplitN(string(pidFile), "\n", 2)[0]
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		j := bytes.LastIndexByte(b, ')')
		if j < 0 {
			continue
		}
		f := strings.Fields(string(b[j+2:])) // state ppid … utime stime (fields 3-15 of stat)
		pid := filepath.Base(filepath.Dir(p))
		if len(f) < 13 || (pid != postmaster && f[1] != postmaster) {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}

// benchArchives are the back ends a benchmark runs on.
func benchArchives(b *testing.B) map[string]func(b *testing.B) store.Archive {
	return map[string]func(b *testing.B) store.Archive{
		"sqlite": func(b *testing.B) store.Archive {
			db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "a.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(b *testing.B) store.Archive { return openURL(b, pgtest.NewDB(b)) },
	}
}

// BenchmarkComplete measures Complete for new articles (with their
// links, cards, raw page and index row) from 1 and 4 goroutines, as the
// crawler's workers call it: pages/s, and CPU per page of this process
// and (PostgreSQL) of the server.
func BenchmarkComplete(b *testing.B) {
	corpusSentences(b)
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, par := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", backend, par), func(b *testing.B) {
				db := benchArchives(b)[backend](b)
				run, err := db.StartRun(context.Background(), store.RunSpec{})
				if err != nil {
					b.Fatal(err)
				}
				fs := make([]*finarchive.Fetched, b.N)
				for i := range fs {
					fs[i] = benchFetched(i, benchRecord(b, i))
				}
				var next atomic.Int64
				b.ResetTimer()
				cpu0, srv0, t0 := cpuTime(), clusterCPU(b, db), time.Now()
				var wg sync.WaitGroup
				for range par {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := int(next.Add(1)) - 1
							if i >= len(fs) {
								return
							}
							if _, err := db.Complete(context.Background(), run, fs[i]); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				wall := time.Since(t0)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/wall.Seconds(), "pages/s")
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/page")
				if backend == "postgres" {
					b.ReportMetric(float64(clusterCPU(b, db)-srv0)/float64(time.Millisecond)/float64(b.N), "server-cpu-ms/page")
				}
			})
		}
	}
}

// searchCorpusSize is the number of records BenchmarkSearch searches.
const searchCorpusSize = 5000

// fillArchive saves n records of the corpus into db from 4 goroutines.
func fillArchive(b *testing.B, db store.Archive, n int) {
	ctx := context.Background()
	run, err := db.StartRun(ctx, store.RunSpec{})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				rec := benchRecord(b, i)
				f := benchFetched(i, rec)
				f.Links = nil
				if _, err := db.Complete(ctx, run, f); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if pg, ok := db.(*pgstore.DB); ok {
		// What autovacuum does in a while, at once: the statistics, and
		// the GIN indexes' pending lists merged into the indexes.
		if _, err := pg.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
}

// benchQueries are the queries BenchmarkSearch runs: one character
// (common, rare), two, four, and two words.
var benchQueries = []struct{ name, q string }{
	{"1char-common", "国"}, // in about every record
	{"1char-rare", "鱼"},   // in about 5 %
	{"2char-common", "中国"},
	{"2char-rare", "银行"},
	{"3char", "共产党"},
	{"5char-rare", "中国共产党"},
	{"2words", "中国 发展"},
}

// BenchmarkSearch measures a search's latency on searchCorpusSize records
// in each back end (ms/query).
func BenchmarkSearch(b *testing.B) {
	corpusSentences(b)
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			db := benchArchives(b)[backend](b)
			fillArchive(b, db, searchCorpusSize)
			for _, q := range benchQueries {
				b.Run(q.name, func(b *testing.B) {
					hits := 0
					for b.Loop() {
						h, err := db.Search(context.Background(), store.SearchOptions{Query: q.q})
						if err != nil {
							b.Fatal(err)
						}
						hits = len(h)
					}
					b.ReportMetric(float64(hits), "hits")
				})
			}
		})
	}
}

// BenchmarkSearch_trgm is the alternative to the tsvector index measured
// on PostgreSQL: pg_trgm GIN indexes on titles and bodies, queried with
// LIKE for each part (the candidates of Search: newest 500 matches), on
// the same records. It logs the indexes' sizes and build times beside the
// tsvector ones.
func BenchmarkSearch_trgm(b *testing.B) {
	corpusSentences(b)
	ctx := context.Background()
	db := openURL(b, pgtest.NewDB(b))
	fillArchive(b, db, searchCorpusSize)
	pool := db.Pool()
	sizes := func(when string) {
		var s string
		if err := pool.QueryRow(ctx, `SELECT string_agg(c.relname || ' ' || pg_size_pretty(pg_relation_size(c.oid)), ', ' ORDER BY c.relname)
			FROM pg_class c WHERE c.relname IN ('search_doc', 'search_title', 'pages_title_trgm', 'pages_body_trgm')`).Scan(&s); err != nil {
			b.Fatal(err)
		}
		b.Logf("index sizes %s: %s", when, s)
	}
	sizes("as Complete wrote them (then VACUUM)")
	for _, q := range []string{
		"CREATE EXTENSION IF NOT EXISTS pg_trgm",
		"CREATE INDEX pages_title_trgm ON pages USING gin (title gin_trgm_ops)",
		"CREATE INDEX pages_body_trgm ON pages USING gin (body gin_trgm_ops)",
		"REINDEX TABLE search",
		"ANALYZE",
	} {
		t0 := time.Now()
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Skipf("pg_trgm: %v", err)
		}
		b.Logf("%s: %v", q, time.Since(t0).Round(time.Millisecond))
	}
	sizes("built at once (CREATE INDEX, REINDEX)")
	for _, q := range benchQueries {
		b.Run(q.name, func(b *testing.B) {
			var where []string
			var args []any
			for _, part := range strings.Fields(q.q) {
				args = append(args, "%"+part+"%")
				n := strconv.Itoa(len(args))
				where = append(where, "(title LIKE $"+n+" OR body LIKE $"+n+")")
			}
			sql := "SELECT id FROM pages WHERE " + strings.Join(where, " AND ") + " ORDER BY id DESC LIMIT 500"
			hits := 0
			for b.Loop() {
				rows, err := pool.Query(ctx, sql, args...)
				if err != nil {
					b.Fatal(err)
				}
				hits = 0
				for rows.Next() {
					hits++
				}
				rows.Close()
			}
			b.ReportMetric(float64(hits), "candidates")
		})
	}
}
