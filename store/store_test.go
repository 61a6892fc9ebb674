package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

var _ crawler.Sink = (*store.DB)(nil)

// MustOpenDB opens a fresh archive in a temp dir and closes it when the
// test ends, after an integrity check (tests only: it is slow on a large
// benchmark archive).
func MustOpenDB(tb testing.TB, opts ...store.Option) *store.DB {
	tb.Helper()
	return MustOpenPath(tb, filepath.Join(tb.TempDir(), "archive.db"), opts...)
}

// MustOpenPath opens the archive at path; see MustOpenDB.
func MustOpenPath(tb testing.TB, path string, opts ...store.Option) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), path, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, bench := tb.(*testing.B); !bench {
			if err := db.IntegrityCheck(context.Background()); err != nil {
				tb.Error(err)
			}
		}
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// MustStartRun starts a run and returns its id.
func MustStartRun(tb testing.TB, db *store.DB, spec store.RunSpec) int64 {
	tb.Helper()
	id, err := db.StartRun(context.Background(), spec)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// clock is a settable time source for WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var cst = time.FixedZone("CST", 8*3600)

func article(url, title, body string) *extract.Record {
	pub := time.Date(2024, 3, 15, 9, 30, 0, 0, cst)
	return &extract.Record{
		URL:          url,
		Title:        title,
		Body:         body,
		Published:    &pub,
		PublishedRaw: "2024-03-15 09:30",
		Author:       "小编",
		Source:       "卡宝宝",
		Category:     "信用卡",
		Breadcrumb:   []string{"首页", "信用卡"},
		Keywords:     []string{"信用卡", "逾期"},
		Cards: []extract.Card{
			{Title: "信用卡逾期怎么办", URL: "https://a.example/c/1.html", Snippet: "逾期……", Category: "信用卡", Date: "2024-03-01"},
			{Title: "ETC卡怎么办理", URL: "https://a.example/c/2.html", Category: "ETC", Date: "2024-02-01"},
		},
		Site:     "a.example",
		PageType: extract.PageArticle,
	}
}

func fetched(url string, rec *extract.Record, at time.Time) *finarchive.Fetched {
	return &finarchive.Fetched{
		Item:         finarchive.QueueItem{URL: url, Depth: 1},
		StatusCode:   200,
		Record:       rec,
		Raw:          []byte("<html><head><meta charset=utf-8></head><body>" + strings.Repeat("<p>信用卡</p>", 50) + "</body></html>"),
		ContentType:  "text/html; charset=UTF-8",
		ETag:         `"e1"`,
		LastModified: "Fri, 15 Mar 2024 01:30:00 GMT",
		FetchedAt:    at,
	}
}

func mustComplete(tb testing.TB, db *store.DB, runID int64, f *finarchive.Fetched) finarchive.SaveResult {
	tb.Helper()
	res, err := db.Complete(context.Background(), runID, f)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func TestDB_Open(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v < 2 {
		t.Fatalf("schema version %d, want >= 2", v)
	}
	run := MustStartRun(t, db, store.RunSpec{Seeds: []string{"https://a.example/"}})
	if got := mustComplete(t, db, run, fetched("https://a.example/1.html", article("https://a.example/1.html", "标题", "正文"), time.Now())); got != finarchive.SaveNew {
		t.Fatalf("got %q, want new", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Re-open: no migration runs again, the data is there.
	db = MustOpenPath(t, path)
	if v2, err := db.SchemaVersion(ctx); err != nil || v2 != v {
		t.Fatalf("version after re-open = %d, %v; want %d", v2, err, v)
	}
	if n, err := db.Count(ctx); err != nil || n != 1 {
		t.Fatalf("Count = %d, %v; want 1", n, err)
	}

	// Read-only: reads work, writes are refused.
	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Get(ctx, "https://a.example/1.html"); err != nil {
		t.Fatal(err)
	}
	if _, err := ro.StartRun(ctx, store.RunSpec{}); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("StartRun on read-only: %v, want ErrReadOnly", err)
	}

	// The schema reads with a plain driver, as from the sqlite3 shell.
	plain, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var title string
	if err := plain.QueryRow("SELECT title FROM pages").Scan(&title); err != nil || title != "标题" {
		t.Fatalf("plain read: %q, %v", title, err)
	}
}

func TestOpenReadOnly_Missing(t *testing.T) {
	_, err := store.OpenReadOnly(context.Background(), filepath.Join(t.TempDir(), "none.db"))
	if err == nil {
		t.Fatal("OpenReadOnly of a missing file succeeded")
	}
}

// TestDB_groupCommit: completions from many goroutines share transactions
// (and all land); one caller writing request after request gets a
// transaction each, without waiting for company that never comes.
func TestDB_groupCommit(t *testing.T) {
	ctx := context.Background()
	complete := func(db *store.DB, run int64, i int) {
		u := fmt.Sprintf("https://a.example/news/%d.html", i)
		f := &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: 200,
			Record: article(u, fmt.Sprintf("标题%d", i), fmt.Sprintf("正文第%d篇。", i)), FetchedAt: time.Now()}
		if res, err := db.Complete(ctx, run, f); err != nil || res != finarchive.SaveNew {
			t.Errorf("Complete %d = %q, %v", i, res, err)
		}
	}

	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	r0, t0 := db.WriteStats()
	for i := range 50 {
		complete(db, run, i)
	}
	r1, t1 := db.WriteStats()
	if r1-r0 != 50 || t1-t0 != 50 {
		t.Errorf("one caller: %d requests in %d transactions, want 50 in 50", r1-r0, t1-t0)
	}

	// Like a crawl's workers: each spends a while on a page (fetch,
	// parse) between completions, so few are queued at any one moment.
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				time.Sleep(time.Millisecond)
				complete(db, run, 1000+w*each+i)
			}
		}()
	}
	wg.Wait()
	r2, t2 := db.WriteStats()
	if r2-r1 != workers*each {
		t.Errorf("concurrent: %d requests committed, want %d", r2-r1, workers*each)
	}
	t.Logf("concurrent: %d requests in %d transactions", r2-r1, t2-t1)
	// Transactions hold several of them. How many depends on the
	// scheduling (three to eight requests a transaction here), so the test
	// asks only that batching happened at all; the benchmarks measure how
	// well (BenchmarkDB_Complete, and WriteStats in the crawl benchmarks).
	if t2-t1 >= r2-r1 {
		t.Errorf("concurrent: %d requests in %d transactions: not batched", r2-r1, t2-t1)
	}
	if n, err := db.Count(ctx); err != nil || n != 50+workers*each {
		t.Errorf("Count = %d, %v; want %d", n, err, 50+workers*each)
	}
}

func TestDB_Claim(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	now := time.Now()
	// The stored page's validators come with its item.
	rec := article("https://a.example/old", "旧文章", "正文")
	f := fetched("https://a.example/old", rec, now)
	mustComplete(t, db, run, f)

	run2 := MustStartRun(t, db, store.RunSpec{})
	_, err := db.Enqueue(ctx, run2, []finarchive.QueueItem{
		{URL: "https://a.example/later", NextTry: now.Add(time.Hour)},
		{URL: "https://a.example/old", Depth: 2},
		{URL: "https://a.example/b", Depth: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := claimN(db, run2, 10, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].URL != "https://a.example/old" || got[1].URL != "https://a.example/b" {
		t.Fatalf("Claim = %+v", got)
	}
	if got[0].ETag != `"e1"` || got[0].LastModified != f.LastModified || got[0].Depth != 2 {
		t.Errorf("validators: %+v", got[0])
	}
	if again, err := claimN(db, run2, 10, now); err != nil || len(again) != 0 {
		t.Fatalf("second Claim = %+v, %v", again, err)
	}
	n, due, err := db.Pending(ctx, run2)
	if err != nil || n != 3 || !due.Equal(now.Add(time.Hour).Truncate(time.Millisecond)) {
		t.Fatalf("Pending = %d, %v, %v", n, due, err)
	}

	// Retry: back in the queue with a later NextTry.
	item := got[1]
	item.Attempts, item.NextTry = 1, now.Add(time.Minute)
	if err := db.Retry(ctx, run2, item, "timeout"); err != nil {
		t.Fatal(err)
	}
	if c, _ := claimN(db, run2, 10, now); len(c) != 0 {
		t.Fatalf("claimed before NextTry: %+v", c)
	}
	c, err := claimN(db, run2, 10, now.Add(2*time.Hour))
	if err != nil || len(c) != 2 || c[0].URL != "https://a.example/later" || c[1].Attempts != 1 {
		t.Fatalf("Claim later = %+v, %v", c, err)
	}

	// Resume: in-flight items are queued again.
	if n, err := db.ResetInFlight(ctx, run2); err != nil || n != 3 {
		t.Fatalf("ResetInFlight = %d, %v", n, err)
	}
	if c, err := claimN(db, run2, 10, now.Add(2*time.Hour)); err != nil || len(c) != 3 {
		t.Fatalf("Claim after reset = %+v, %v", c, err)
	}
}

func TestDB_adaptive(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC)}
	db := MustOpenDB(t, store.WithClock(clk.Now))
	spec := store.RunSpec{Adaptive: true, MinRevisit: time.Hour, MaxRevisit: 4 * time.Hour}
	run := MustStartRun(t, db, spec)
	const u = "https://a.example/a.html"
	mustComplete(t, db, run, fetched(u, article(u, "标题", "正文"), clk.Now()))

	clk.Add(30 * time.Minute)
	run2 := MustStartRun(t, db, spec)
	n, err := db.Enqueue(ctx, run2, []finarchive.QueueItem{{URL: u, Depth: 1}, {URL: "https://a.example/new.html", Depth: 1}})
	if err != nil || n != 2 {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	if c, _ := db.FrontierCounts(ctx, run2); fmt.Sprint(c) != "map[notdue:1 queued:1]" {
		t.Fatalf("frontier = %v", c)
	}
	if p, _, _ := db.Pending(ctx, run2); p != 1 {
		t.Fatalf("Pending = %d, want 1", p)
	}
	// A seed is fetched even when not due.
	run3 := MustStartRun(t, db, spec)
	db.Enqueue(ctx, run3, []finarchive.QueueItem{{URL: u, Depth: 0}})
	if c, _ := db.FrontierCounts(ctx, run3); fmt.Sprint(c) != "map[queued:1]" {
		t.Fatalf("seed frontier = %v", c)
	}
	// Due once the interval has passed.
	clk.Add(time.Hour)
	run4 := MustStartRun(t, db, spec)
	db.Enqueue(ctx, run4, []finarchive.QueueItem{{URL: u, Depth: 3}})
	if c, _ := db.FrontierCounts(ctx, run4); fmt.Sprint(c) != "map[queued:1]" {
		t.Fatalf("due frontier = %v", c)
	}
	// Not adaptive: always queued.
	run5 := MustStartRun(t, db, store.RunSpec{})
	mustComplete(t, db, run5, fetched(u, article(u, "标题", "正文"), clk.Now()))
	run6 := MustStartRun(t, db, store.RunSpec{})
	db.Enqueue(ctx, run6, []finarchive.QueueItem{{URL: u, Depth: 1}})
	if c, _ := db.FrontierCounts(ctx, run6); fmt.Sprint(c) != "map[queued:1]" {
		t.Fatalf("non-adaptive frontier = %v", c)
	}
}

// claimN claims up to n items of host a.example.
func claimN(db *store.DB, run int64, n int, now time.Time) ([]finarchive.QueueItem, error) {
	items, _, err := db.Claim(context.Background(), run, map[string]int{"a.example": n}, now)
	return items, err
}
