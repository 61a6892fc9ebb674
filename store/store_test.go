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

func TestDB_Complete(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC)}
	db := MustOpenDB(t, store.WithClock(clk.Now))
	run := MustStartRun(t, db, store.RunSpec{MinRevisit: time.Hour, MaxRevisit: 8 * time.Hour})
	const u = "https://a.example/news/1.html"
	if _, err := db.Enqueue(ctx, run, []finarchive.QueueItem{{URL: u, Depth: 1}}); err != nil {
		t.Fatal(err)
	}
	t0 := clk.Now()
	rec := article(u, "信用卡逾期了怎么办", "信用卡逾期后要尽快还款。")

	type step struct {
		name     string
		f        *finarchive.Fetched
		want     finarchive.SaveResult
		title    string // stored title after the step
		revs     int    // revisions after the step
		interval time.Duration
	}
	changed := article(u, "信用卡逾期了怎么办（更新）", "信用卡逾期后要尽快还款，并联系银行。")
	blocked := article(u, "访问过于频繁", "")
	blocked.PageType = extract.PageBlocked
	notModified := &finarchive.Fetched{Item: finarchive.QueueItem{URL: u, Depth: 1}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(4 * time.Hour)}
	steps := []step{
		{"new", fetched(u, rec, t0), finarchive.SaveNew, rec.Title, 1, time.Hour},
		{"unchanged", fetched(u, article(u, rec.Title, rec.Body), t0.Add(time.Hour)), finarchive.SaveUnchanged, rec.Title, 1, 2 * time.Hour},
		{"changed", fetched(u, changed, t0.Add(2*time.Hour)), finarchive.SaveChanged, changed.Title, 2, time.Hour},
		{"rejected", fetched(u, blocked, t0.Add(3*time.Hour)), finarchive.SaveRejected, changed.Title, 2, time.Hour},
		{"not modified", notModified, finarchive.SaveUnchanged, changed.Title, 2, 2 * time.Hour},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if got := mustComplete(t, db, run, s.f); got != s.want {
				t.Fatalf("Complete = %q, want %q", got, s.want)
			}
			got, err := db.Get(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != s.title {
				t.Errorf("title = %q, want %q", got.Title, s.title)
			}
			info, err := db.Info(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if info.Revisions != s.revs {
				t.Errorf("revisions = %d, want %d", info.Revisions, s.revs)
			}
			if info.RevisitInterval != s.interval {
				t.Errorf("revisit interval = %v, want %v", info.RevisitInterval, s.interval)
			}
			if s.want != finarchive.SaveRejected {
				if !info.FetchedAt.Equal(s.f.FetchedAt) {
					t.Errorf("fetched_at = %v, want %v", info.FetchedAt, s.f.FetchedAt)
				}
				if want := s.f.FetchedAt.Add(s.interval); !info.NextRevisitAt.Equal(want) {
					t.Errorf("next_revisit_at = %v, want %v", info.NextRevisitAt, want)
				}
			}
		})
	}

	got, err := db.Get(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if got.ContentHash != changed.Hash() {
		t.Errorf("content hash = %q, want %q", got.ContentHash, changed.Hash())
	}
	if !got.Published.Equal(*changed.Published) || got.Published.Format(time.RFC3339) != "2024-03-15T09:30:00+08:00" {
		t.Errorf("published = %v, want %v with its offset", got.Published, changed.Published)
	}
	if len(got.Cards) != 2 || got.Cards[1].Title != "ETC卡怎么办理" {
		t.Errorf("cards = %+v", got.Cards)
	}
	if strings.Join(got.Breadcrumb, "/") != "首页/信用卡" || len(got.Keywords) != 2 {
		t.Errorf("breadcrumb %v keywords %v", got.Breadcrumb, got.Keywords)
	}
	revs, err := db.Revisions(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[0].Title != rec.Title || revs[1].Title != changed.Title ||
		revs[0].Body != rec.Body || revs[1].Body != changed.Body {
		t.Fatalf("revisions = %+v", revs)
	}
	if !revs[0].FetchedAt.Equal(t0) || !revs[1].FetchedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("revision times %v %v", revs[0].FetchedAt, revs[1].FetchedAt)
	}
	if _, err := db.Get(ctx, "https://a.example/none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get missing: %v, want ErrNotFound", err)
	}
	if _, err := db.Revisions(ctx, "https://a.example/none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Revisions missing: %v, want ErrNotFound", err)
	}

	// The raw response comes back decompressed.
	var raws []store.RawPage
	if err := db.RawPages(ctx, func(rp store.RawPage) error { raws = append(raws, rp); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(raws) != 1 || raws[0].URL != u || !strings.Contains(string(raws[0].Raw), "<p>信用卡</p>") || raws[0].Charset != "utf-8" {
		t.Fatalf("raw pages = %+v", raws)
	}
}

func TestDB_Complete_frontier(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	if _, err := db.Enqueue(ctx, run, []finarchive.QueueItem{{URL: "https://a.example/"}, {URL: "https://a.example/bad"}, {URL: "https://a.example/r"}}); err != nil {
		t.Fatal(err)
	}
	items, err := claimN(db, run, 10, time.Now())
	if err != nil || len(items) != 3 {
		t.Fatalf("Claim = %v, %v", items, err)
	}
	// A list page: links go in, nothing is archived.
	list := &finarchive.Fetched{
		Item: items[0], StatusCode: 200, FetchedAt: time.Now(), Skipped: "list-page",
		Record: &extract.Record{URL: items[0].URL, PageType: extract.PageList, Title: "首页"},
		Links:  []finarchive.QueueItem{{URL: "https://a.example/1", Depth: 1}, {URL: "https://a.example/2", Depth: 1}, {URL: "https://a.example/", Depth: 1}},
	}
	if got := mustComplete(t, db, run, list); got != finarchive.SaveNone {
		t.Fatalf("list page: %q", got)
	}
	if got := mustComplete(t, db, run, &finarchive.Fetched{Item: items[1], StatusCode: 500, Failed: "http 500"}); got != finarchive.SaveNone {
		t.Fatalf("failed: %q", got)
	}
	// A redirect: stored under the final URL, which is done too.
	redirected := fetched(items[2].URL, article("https://a.example/1", "标题", "正文"), time.Now())
	redirected.Item = items[2]
	redirected.FinalURL = "https://a.example/1"
	if got := mustComplete(t, db, run, redirected); got != finarchive.SaveNew {
		t.Fatalf("redirect: %q", got)
	}
	if _, err := db.Get(ctx, "https://a.example/1"); err != nil {
		t.Fatal(err)
	}
	counts, err := db.FrontierCounts(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(counts), "map[done:3 failed:1 queued:1]"; got != want {
		t.Fatalf("frontier = %s, want %s", got, want)
	}
	var failures []store.FrontierItem
	if err := db.Failures(ctx, run, func(it store.FrontierItem) error { failures = append(failures, it); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(failures) != 1 || failures[0].LastError != "http 500" {
		t.Fatalf("failures = %+v", failures)
	}
	n, due, err := db.Pending(ctx, run)
	if err != nil || n != 1 || due.IsZero() || due.After(time.Now()) {
		t.Fatalf("Pending = %d, %v, %v", n, due, err)
	}

	// The next run picks up the failure; cleanup keeps failed rows.
	run2 := MustStartRun(t, db, store.RunSpec{})
	if n, _, err := db.CarryOverFailed(ctx, run, run2); err != nil || n != 1 {
		t.Fatalf("CarryOverFailed = %d, %v", n, err)
	}
	if n, err := db.DeleteFrontier(ctx, run); err != nil || n != 4 {
		t.Fatalf("DeleteFrontier = %d, %v", n, err)
	}
	if c, _ := db.FrontierCounts(ctx, run); fmt.Sprint(c) != "map[failed:1]" {
		t.Fatalf("after delete: %v", c)
	}
	items, err = claimN(db, run2, 10, time.Now())
	if err != nil || len(items) != 1 || items[0].URL != "https://a.example/bad" {
		t.Fatalf("Claim run 2 = %+v, %v", items, err)
	}
}

func TestDB_Enqueue_concurrent(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	const workers, urls = 8, 300
	var items []finarchive.QueueItem
	for i := range urls {
		items = append(items, finarchive.QueueItem{URL: fmt.Sprintf("https://a.example/%d", i), Depth: 1})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker adds all URLs, in its own order and batch size.
			for i := 0; i < urls; i += w + 1 {
				n, err := db.Enqueue(ctx, run, items[i:min(i+w+1, urls)])
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if total != urls {
		t.Fatalf("new items = %d, want %d", total, urls)
	}
	if n, _, err := db.Pending(ctx, run); err != nil || n != urls {
		t.Fatalf("Pending = %d, %v", n, err)
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
	// A transaction holds several of them, not one or two.
	if t2-t1 > (r2-r1)/2 {
		t.Errorf("concurrent: %d requests in %d transactions: not batched", r2-r1, t2-t1)
	}
	if n, err := db.Count(ctx); err != nil || n != 50+workers*each {
		t.Errorf("Count = %d, %v; want %d", n, err, 50+workers*each)
	}
}

func TestDB_Claim_concurrent(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	const urls = 500
	var items []finarchive.QueueItem
	for i := range urls {
		items = append(items, finarchive.QueueItem{URL: fmt.Sprintf("https://a.example/%d", i)})
	}
	if n, err := db.Enqueue(ctx, run, items); err != nil || n != urls {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := claimN(db, run, 7, time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, it := range got {
					seen[it.URL]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != urls {
		t.Fatalf("claimed %d distinct URLs, want %d", len(seen), urls)
	}
	for u, n := range seen {
		if n != 1 {
			t.Errorf("%s claimed %d times", u, n)
		}
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

func TestDB_Runs(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, err := db.LastRun(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LastRun on empty: %v", err)
	}
	spec := store.RunSpec{Seeds: []string{"https://a.example/", "https://b.example/"}, Options: []byte(`{"depth":3}`), Adaptive: true, MinRevisit: 2 * time.Hour, MaxRevisit: 48 * time.Hour}
	id1 := MustStartRun(t, db, spec)
	id2 := MustStartRun(t, db, store.RunSpec{})
	counts := finarchive.RunCounts{Fetched: 10, New: 5, Changed: 1, Unchanged: 2, NotModified: 1, Failed: 1, Skipped: 2, Bytes: 12345,
		SkippedBy: map[string]int{"robots": 2}, FailedBy: map[string]int{"http 500": 1}}
	if err := db.UpdateRunCounts(ctx, id1, finarchive.RunCounts{Fetched: 3}); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.Run(ctx, id1); r.Fetched != 3 || r.Status != finarchive.RunRunning {
		t.Fatalf("progress: %+v", r)
	}
	if err := db.FinishRun(ctx, id1, finarchive.RunFailed, counts, "some failed"); err != nil {
		t.Fatal(err)
	}
	r, err := db.Run(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	// The article counts are the store's, from Complete: none here.
	stored := counts
	stored.New, stored.Changed, stored.Unchanged, stored.NotModified = 0, 0, 0, 0
	if got, want := fmt.Sprintf("%v %s %s %+v %s", r.Seeds, r.Options, r.Status, r.RunCounts, r.Error),
		fmt.Sprintf("%v %s %s %+v %s", spec.Seeds, spec.Options, finarchive.RunFailed, stored, "some failed"); got != want {
		t.Errorf("run:\n got %s\nwant %s", got, want)
	}
	if r.StartedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) {
		t.Errorf("times %v %v", r.StartedAt, r.FinishedAt)
	}
	gotSpec, err := db.RunSpec(ctx, id1)
	if err != nil || !gotSpec.Adaptive || gotSpec.MinRevisit != 2*time.Hour || gotSpec.MaxRevisit != 48*time.Hour {
		t.Errorf("RunSpec = %+v, %v", gotSpec, err)
	}
	last, err := db.LastRun(ctx)
	if err != nil || last.ID != id2 {
		t.Fatalf("LastRun = %+v, %v", last, err)
	}
	runs, err := db.Runs(ctx)
	if err != nil || len(runs) != 2 || runs[0].ID != id2 || runs[1].ID != id1 {
		t.Fatalf("Runs = %+v, %v", runs, err)
	}
	if err := db.ReopenRun(ctx, id1); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.Run(ctx, id1); r.Status != finarchive.RunRunning || !r.FinishedAt.IsZero() {
		t.Errorf("reopened: %+v", r)
	}
	if _, err := db.Run(ctx, 99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Run(99): %v", err)
	}
	if err := db.FinishRun(ctx, 99, finarchive.RunFinished, counts, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FinishRun(99): %v", err)
	}
}

// TestDB_manyCards: a page's cards go in by statements of several rows;
// more than one statement's worth keep their order, and a change replaces
// them all.
func TestDB_manyCards(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	const u = "https://a.example/news/cards.html"
	rec := article(u, "卡片很多的文章", "正文。")
	rec.Cards = nil
	for i := range 75 {
		rec.Cards = append(rec.Cards, extract.Card{Title: fmt.Sprintf("相关文章%d", i), URL: fmt.Sprintf("https://a.example/news/%d.html", i),
			Snippet: "摘要", Category: "信用卡", Date: "2024-01-02"})
	}
	mustComplete(t, db, run, fetched(u, rec, time.Now()))
	got, err := db.Get(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cards) != 75 {
		t.Fatalf("%d cards, want 75", len(got.Cards))
	}
	for i, c := range got.Cards {
		if c != rec.Cards[i] {
			t.Fatalf("card %d = %+v, want %+v", i, c, rec.Cards[i])
		}
	}
	changed := article(u, "卡片很多的文章", "正文改了。")
	changed.Cards = rec.Cards[:3]
	mustComplete(t, db, run, fetched(u, changed, time.Now()))
	if got, err = db.Get(ctx, u); err != nil || len(got.Cards) != 3 || got.Cards[2] != rec.Cards[2] {
		t.Fatalf("after change: %+v, %v", got.Cards, err)
	}
}

// TestDB_Complete_runCounts: a run's article counts are committed with the
// pages, by Complete, so they match the archive whenever the crawl dies;
// UpdateRunCounts and FinishRun leave them alone.
func TestDB_Complete_runCounts(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	t0 := time.Date(2024, 3, 15, 8, 0, 0, 0, time.UTC)
	run1 := MustStartRun(t, db, store.RunSpec{})
	run2 := MustStartRun(t, db, store.RunSpec{})
	u := func(i int) string { return fmt.Sprintf("https://a.example/%d.html", i) }

	// Run 1: 30 new pages, written by 30 callers at once (group commit
	// puts them in shared transactions), and one rejected page.
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.Complete(ctx, run1, fetched(u(i), article(u(i), fmt.Sprint("标题", i), fmt.Sprint("正文", i)), t0)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	blocked := article(u(99), "访问过于频繁", "")
	blocked.PageType = extract.PageBlocked
	mustComplete(t, db, run1, fetched(u(99), blocked, t0))
	// Progress saved from memory (stale or wrong) does not change them.
	if err := db.UpdateRunCounts(ctx, run1, finarchive.RunCounts{Fetched: 31, New: 28}); err != nil {
		t.Fatal(err)
	}

	// Run 2: one changed, one unchanged, one 304 of an archived page, one
	// 304 of a URL never archived, one skipped.
	mustComplete(t, db, run2, fetched(u(0), article(u(0), "标题0", "正文0 改了"), t0.Add(time.Hour)))
	mustComplete(t, db, run2, fetched(u(1), article(u(1), "标题1", "正文1"), t0.Add(time.Hour)))
	mustComplete(t, db, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(2)}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(time.Hour)})
	mustComplete(t, db, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(50)}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(time.Hour)})
	mustComplete(t, db, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(51)}, StatusCode: 200, Skipped: "list-page"})
	if err := db.FinishRun(ctx, run2, finarchive.RunFinished, finarchive.RunCounts{Fetched: 5, New: 7, Changed: 7}, ""); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		run                                int64
		new, changed, unchanged, notModNum int
		fetched                            int
	}{
		{run1, 30, 0, 0, 0, 31},
		{run2, 0, 1, 1, 1, 5},
	} {
		r, err := db.Run(ctx, tt.run)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(r.New, r.Changed, r.Unchanged, r.NotModified, r.Fetched),
			fmt.Sprint(tt.new, tt.changed, tt.unchanged, tt.notModNum, tt.fetched); got != want {
			t.Errorf("run %d: new changed unchanged not_modified fetched = %s, want %s", tt.run, got, want)
		}
	}
	if n, err := db.Count(ctx); err != nil || n != 30 {
		t.Errorf("pages = %d, %v; want 30", n, err)
	}
}

// claimN claims up to n items of host a.example.
func claimN(db *store.DB, run int64, n int, now time.Time) ([]finarchive.QueueItem, error) {
	items, _, err := db.Claim(context.Background(), run, map[string]int{"a.example": n}, now)
	return items, err
}

// TestDB_Claim_hosts: Claim takes a few items of each host asked for, not
// the oldest of one host, and says when each host's next item comes due;
// QueuedHosts lists the hosts with queued items; DeferHost leaves a host's
// items for the next run, and the next run gets them back.
func TestDB_Claim_hosts(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	now := time.Now()
	var items []finarchive.QueueItem
	for i := range 50 {
		items = append(items, finarchive.QueueItem{URL: fmt.Sprintf("https://a.example/%d", i)})
	}
	items = append(items, finarchive.QueueItem{URL: "https://b.example:8080/x"},
		finarchive.QueueItem{URL: "https://b.example:8080/later", NextTry: now.Add(time.Hour)})
	if _, err := db.Enqueue(ctx, run, items); err != nil {
		t.Fatal(err)
	}
	hosts, err := db.QueuedHosts(ctx, run)
	if err != nil || len(hosts) != 2 || hosts["a.example"].After(now) || hosts["b.example:8080"].After(now) {
		t.Fatalf("QueuedHosts = %v, %v", hosts, err)
	}
	got, due, err := db.Claim(ctx, run, map[string]int{"a.example": 3, "b.example:8080": 3}, now)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for _, it := range got {
		by[it.Host]++
	}
	if by["a.example"] != 3 || by["b.example:8080"] != 1 || got[0].URL != "https://a.example/0" {
		t.Fatalf("Claim = %+v", got)
	}
	if d := due["b.example:8080"]; !d.Equal(now.Add(time.Hour).Truncate(time.Millisecond)) {
		t.Errorf("b's next due = %v, want in an hour", d)
	}
	if d, ok := due["a.example"]; !ok || d.After(now) {
		t.Errorf("a's next due = %v, %v; want now", d, ok)
	}
	if err := db.Unclaim(ctx, run, got[:1]); err != nil {
		t.Fatal(err)
	}
	n, err := db.DeferHost(ctx, run, "a.example", "deferred: Retry-After")
	if err != nil || n != 50 { // 48 queued (one put back), 2 still claimed
		t.Fatalf("DeferHost = %d, %v; want 50", n, err)
	}
	run2 := MustStartRun(t, db, store.RunSpec{})
	carried, dropped, err := db.CarryOverFailed(ctx, run, run2)
	if err != nil || carried != 50 || dropped != 0 {
		t.Fatalf("CarryOverFailed = %d, %d, %v; want the 50 deferred", carried, dropped, err)
	}
}

// TestDB_CarryOver_failRuns: a URL that fails run after run is carried
// over until it has failed MaxFailRuns runs in a row.
func TestDB_CarryOver_failRuns(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	prev := MustStartRun(t, db, store.RunSpec{})
	if _, err := db.Enqueue(ctx, prev, []finarchive.QueueItem{{URL: "https://a.example/flaky"}}); err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		got, err := claimN(db, prev, 1, time.Now())
		if err != nil || len(got) != 1 {
			t.Fatalf("run %d: claim = %v, %v", i, got, err)
		}
		mustComplete(t, db, prev, &finarchive.Fetched{Item: got[0], Failed: "timeout (after 4 attempts)"})
		next := MustStartRun(t, db, store.RunSpec{})
		carried, dropped, err := db.CarryOverFailed(ctx, prev, next)
		if err != nil {
			t.Fatal(err)
		}
		if i < store.MaxFailRuns {
			if carried != 1 || dropped != 0 {
				t.Fatalf("after %d failed runs: carried %d, dropped %d; want 1, 0", i, carried, dropped)
			}
			prev = next
			continue
		}
		if carried != 0 || dropped != 1 {
			t.Fatalf("after %d failed runs: carried %d, dropped %d; want 0, 1", i, carried, dropped)
		}
		break
	}
}

// TestDB_Complete_gone: an archived article answering 404 keeps its record
// and history and gets removed_at (in Info and the export); when it comes
// back the mark goes.
func TestDB_Complete_gone(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := "https://a.example/a.html"
	run := MustStartRun(t, db, store.RunSpec{})
	mustComplete(t, db, run, fetched(u, article(u, "标题", "正文"), time.Now()))
	gone := &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: 404, Gone: true}
	if got := mustComplete(t, db, run, gone); got != finarchive.SaveRemoved {
		t.Fatalf("404 for an archived article: %q, want removed", got)
	}
	if got := mustComplete(t, db, run, gone); got != finarchive.SaveNone {
		t.Errorf("second 404: %q, want none (already removed)", got)
	}
	info, err := db.Info(ctx, u)
	if err != nil || info.RemovedAt.IsZero() || info.Revisions != 1 {
		t.Fatalf("Info = %+v, %v; want removed_at set and the revision kept", info, err)
	}
	var exported []*store.ExportRecord
	if err := db.Export(ctx, store.ExportOptions{}, func(r *store.ExportRecord) error { exported = append(exported, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(exported) != 1 || exported[0].RemovedAt == nil || exported[0].Title != "标题" {
		t.Fatalf("export = %+v; want the record with removed_at", exported)
	}
	if got := mustComplete(t, db, run, fetched(u, article(u, "标题", "正文"), time.Now())); got != finarchive.SaveUnchanged {
		t.Fatalf("back: %q", got)
	}
	if info, _ := db.Info(ctx, u); !info.RemovedAt.IsZero() {
		t.Errorf("removed_at kept after the article came back: %v", info.RemovedAt)
	}
}
