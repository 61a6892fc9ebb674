package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
)

// The write side's tests, ported from package store's (store_test.go,
// unchanged_test.go, unarchived_test.go, lock_test.go, search_test.go).
// They read the tables with SQL where the read side would be needed.

// openDB opens a fresh database and closes it when the test ends, after an
// integrity check.
func openDB(tb testing.TB, opts ...store.Option) *pgstore.DB {
	tb.Helper()
	return openURL(tb, pgtest.NewDB(tb), opts...)
}

// openURL opens the database at u (another handle: as another process
// would); see openDB.
func openURL(tb testing.TB, u string, opts ...store.Option) *pgstore.DB {
	tb.Helper()
	db, err := pgstore.Open(context.Background(), u, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, bench := tb.(*testing.B); !bench {
			if err := db.IntegrityCheck(context.Background()); err != nil {
				tb.Error(err)
			}
		}
		db.Close()
	})
	return db
}

func startRun(tb testing.TB, db store.Archive, spec store.RunSpec) int64 {
	tb.Helper()
	id, err := db.StartRun(context.Background(), spec)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

var cst = time.FixedZone("CST", 8*3600)

func article(url, title, body string) *extract.Record {
	pub := time.Date(2024, 3, 15, 9, 30, 0, 0, cst)
	return &extract.Record{
		URL: url, Title: title, Body: body, Published: &pub, PublishedRaw: "2024-03-15 09:30",
		Author: "小编", Source: "卡宝宝", Category: "信用卡",
		Breadcrumb: []string{"首页", "信用卡"}, Keywords: []string{"信用卡", "逾期"},
		Cards: []extract.Card{
			{Title: "信用卡逾期怎么办", URL: "https://a.example/c/1.html", Snippet: "逾期……", Category: "信用卡", Date: "2024-03-01"},
			{Title: "ETC卡怎么办理", URL: "https://a.example/c/2.html", Category: "ETC", Date: "2024-02-01"},
		},
		Site: "a.example", PageType: extract.PageArticle,
	}
}

func fetched(url string, rec *extract.Record, at time.Time) *finarchive.Fetched {
	return &finarchive.Fetched{
		Item: finarchive.QueueItem{URL: url, Depth: 1}, StatusCode: 200, Record: rec,
		Raw:         []byte("<html><head><meta charset=utf-8></head><body>" + strings.Repeat("<p>信用卡</p>", 50) + "</body></html>"),
		ContentType: "text/html; charset=UTF-8", ETag: `"e1"`, LastModified: "Fri, 15 Mar 2024 01:30:00 GMT", FetchedAt: at,
	}
}

func mustComplete(tb testing.TB, db store.Archive, runID int64, f *finarchive.Fetched) finarchive.SaveResult {
	tb.Helper()
	res, err := db.Complete(context.Background(), runID, f)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// pageState is what the tables hold of one page.
type pageState struct {
	title, hash, etag   string
	revs, cards         int
	interval            time.Duration
	fetchedAt, next     time.Time
	removed             bool
	nullBodies, fetches int
	published           string
}

func page(t *testing.T, db *pgstore.DB, u string) pageState {
	t.Helper()
	var s pageState
	var iv int64
	var removed *time.Time
	err := db.Pool().QueryRow(context.Background(), `SELECT title, content_hash, etag, revisit_interval_s, fetched_at, next_revisit_at,
		removed_at, published,
		(SELECT count(*) FROM revisions r WHERE r.page_id = p.id), (SELECT count(*) FROM cards c WHERE c.page_id = p.id),
		(SELECT count(*) FROM revisions r WHERE r.page_id = p.id AND r.body IS NULL),
		(SELECT count(*) FROM fetches f WHERE f.page_id = p.id)
		FROM pages p WHERE url = $1`, u).Scan(&s.title, &s.hash, &s.etag, &iv, &s.fetchedAt, &s.next, &removed, &s.published,
		&s.revs, &s.cards, &s.nullBodies, &s.fetches)
	if err != nil {
		t.Fatalf("page %s: %v", u, err)
	}
	s.interval = time.Duration(iv) * time.Second
	s.removed = removed != nil
	return s
}

func TestComplete(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC)}
	db := openDB(t, store.WithClock(clk.Now))
	run := startRun(t, db, store.RunSpec{MinRevisit: time.Hour, MaxRevisit: 8 * time.Hour})
	const u = "https://a.example/news/1.html"
	t0 := clk.Now()
	rec := article(u, "信用卡逾期了怎么办", "信用卡逾期后要尽快还款。")
	changed := article(u, "信用卡逾期了怎么办（更新）", "信用卡逾期后要尽快还款，并联系银行。")
	blocked := article(u, "访问过于频繁", "")
	blocked.PageType = extract.PageBlocked
	notModified := &finarchive.Fetched{Item: finarchive.QueueItem{URL: u, Depth: 1}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(4 * time.Hour)}
	steps := []struct {
		name     string
		f        *finarchive.Fetched
		want     finarchive.SaveResult
		title    string
		revs     int
		interval time.Duration
		fetches  int
	}{
		{"new", fetched(u, rec, t0), finarchive.SaveNew, rec.Title, 1, time.Hour, 1},
		{"unchanged", fetched(u, article(u, rec.Title, rec.Body), t0.Add(time.Hour)), finarchive.SaveUnchanged, rec.Title, 1, 2 * time.Hour, 2},
		{"changed", fetched(u, changed, t0.Add(2*time.Hour)), finarchive.SaveChanged, changed.Title, 2, time.Hour, 3},
		{"rejected", fetched(u, blocked, t0.Add(3*time.Hour)), finarchive.SaveRejected, changed.Title, 2, time.Hour, 3},
		{"not modified", notModified, finarchive.SaveUnchanged, changed.Title, 2, 2 * time.Hour, 4},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if got := mustComplete(t, db, run, s.f); got != s.want {
				t.Fatalf("Complete = %q, want %q", got, s.want)
			}
			p := page(t, db, u)
			if p.title != s.title || p.revs != s.revs || p.interval != s.interval || p.fetches != s.fetches || p.nullBodies != 1 {
				t.Errorf("page = %+v; want title %q, %d revisions, interval %v, %d fetches, one current revision", p, s.title, s.revs, s.interval, s.fetches)
			}
			if s.want != finarchive.SaveRejected {
				if !p.fetchedAt.Equal(s.f.FetchedAt) || !p.next.Equal(s.f.FetchedAt.Add(s.interval)) {
					t.Errorf("fetched_at %v next %v; want %v + %v", p.fetchedAt, p.next, s.f.FetchedAt, s.interval)
				}
			}
		})
	}
	p := page(t, db, u)
	if p.hash != changed.Hash() || p.published != "2024-03-15T09:30:00+08:00" || p.cards != 2 || p.etag != `"e1"` {
		t.Errorf("page = %+v", p)
	}
	// History: the old body moved into its revision, the new one is the page's.
	rows, err := db.Pool().Query(ctx, `SELECT r.title, coalesce(r.body, p.body), r.fetched_at, r.run_id FROM revisions r
		JOIN pages p ON p.id = r.page_id WHERE p.url = $1 ORDER BY r.id`, u)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var title, body string
		var at time.Time
		var runID *int64
		if err := rows.Scan(&title, &body, &at, &runID); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s|%s|%s|%v", title, body, at.UTC().Format(time.RFC3339), runID != nil && *runID == run))
	}
	want := []string{
		fmt.Sprintf("%s|%s|%s|true", rec.Title, rec.Body, t0.Format(time.RFC3339)),
		fmt.Sprintf("%s|%s|%s|true", changed.Title, changed.Body, t0.Add(2*time.Hour).Format(time.RFC3339)),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("revisions:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r, err := db.Run(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if r.New != 1 || r.Changed != 1 || r.Unchanged != 1 || r.NotModified != 1 {
		t.Errorf("run counts %+v", r.RunCounts)
	}
	// A 304 of a URL never archived changes nothing.
	if got := mustComplete(t, db, run, &finarchive.Fetched{Item: finarchive.QueueItem{URL: "https://a.example/none"}, NotModified: true}); got != finarchive.SaveNone {
		t.Errorf("304 of an unknown page: %q", got)
	}
}

// TestComplete_rawAndFetches: the same payload keeps one body (with the
// fetch that brought it, cards untouched); another payload moves the old
// body into its fetch row; a 304 is a fetch without a body.
func TestComplete_rawAndFetches(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	const u = "https://a.example/1"
	t0 := time.Date(2024, 3, 15, 2, 0, 0, 0, time.UTC)
	withCards := func(at time.Time, raw string, cards ...string) *finarchive.Fetched {
		rec := article(u, "信用卡逾期", "信用卡逾期后要尽快还款。")
		rec.Cards = nil
		for _, c := range cards {
			rec.Cards = append(rec.Cards, extract.Card{Title: c, URL: "https://a.example/" + c})
		}
		f := fetched(u, rec, at)
		f.Raw = []byte(raw)
		f.Capture = &finarchive.Capture{Request: []byte("GET / HTTP/1.1\r\n\r\n"), Response: []byte("HTTP/1.1 200 OK\r\n\r\n"), RemoteIP: "192.0.2.1"}
		return f
	}
	tests := []struct {
		name     string
		f        *finarchive.Fetched
		result   finarchive.SaveResult
		cards    string
		bodies   int // fetch rows holding a body of their own
		rawFetch int // which fetch (1-based) raw's body belongs to
	}{
		{"new", withCards(t0, "<p>v1</p>", "a", "b"), finarchive.SaveNew, "a b", 0, 1},
		{"same bytes", withCards(t0.Add(time.Hour), "<p>v1</p>", "c"), finarchive.SaveUnchanged, "a b", 0, 1},
		{"other bytes, same content", withCards(t0.Add(2*time.Hour), "<p>v2</p>", "c"), finarchive.SaveUnchanged, "c", 1, 3},
		{"not modified", &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, NotModified: true, FetchedAt: t0.Add(3 * time.Hour)}, finarchive.SaveUnchanged, "c", 1, 3},
	}
	for _, tt := range tests {
		if got := mustComplete(t, db, run, tt.f); got != tt.result {
			t.Fatalf("%s: result %v, want %v", tt.name, got, tt.result)
		}
		var cards string
		var bodies, rawFetch int
		var rawAt time.Time
		var size int
		err := db.Pool().QueryRow(ctx, `SELECT
			(SELECT string_agg(c.title, ' ' ORDER BY c.position) FROM cards c WHERE c.page_id = p.id),
			(SELECT count(*) FROM fetches f WHERE f.page_id = p.id AND f.body IS NOT NULL),
			(SELECT count(*) FROM fetches f WHERE f.page_id = p.id AND f.id <= r.fetch_id), r.fetched_at, r.size
			FROM pages p JOIN raw r ON r.page_id = p.id WHERE p.url = $1`, u).Scan(&cards, &bodies, &rawFetch, &rawAt, &size)
		if err != nil {
			t.Fatal(err)
		}
		if cards != tt.cards || bodies != tt.bodies || rawFetch != tt.rawFetch {
			t.Errorf("%s: cards %q, %d bodies in fetches, raw of fetch %d; want %q, %d, %d", tt.name, cards, bodies, rawFetch, tt.cards, tt.bodies, tt.rawFetch)
		}
		if tt.f.Raw != nil && (!rawAt.Equal(tt.f.FetchedAt) || size != len(tt.f.Raw)) {
			t.Errorf("%s: raw fetched %v size %d", tt.name, rawAt, size)
		}
	}
	var digests []string
	rows, _ := db.Pool().Query(ctx, `SELECT status || ' ' || payload_digest || ' ' || remote_ip || ' ' || (request IS NOT NULL)::text
		FROM fetches ORDER BY id`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		digests = append(digests, s)
	}
	d1, d2 := store.PayloadDigest([]byte("<p>v1</p>")), store.PayloadDigest([]byte("<p>v2</p>"))
	want := []string{"200 " + d1 + " 192.0.2.1 true", "200 " + d1 + " 192.0.2.1 true", "200 " + d2 + " 192.0.2.1 true", "304   false"}
	if strings.Join(digests, "\n") != strings.Join(want, "\n") {
		t.Errorf("fetches:\n%s\nwant\n%s", strings.Join(digests, "\n"), strings.Join(want, "\n"))
	}

	// Revisited: a 200 of the stored payload, a 200 of another, a 304.
	at := t0.Add(4 * time.Hour)
	for _, tt := range []struct {
		status int
		digest string
		want   finarchive.SaveResult
	}{{200, d2, finarchive.SaveUnchanged}, {200, d1, finarchive.SaveNone}, {304, "", finarchive.SaveUnchanged}} {
		res, err := db.Revisited(ctx, run, u, at, tt.status, tt.digest, nil)
		if err != nil || res != tt.want {
			t.Errorf("Revisited(%d, %.15s) = %q, %v; want %q", tt.status, tt.digest, res, err, tt.want)
		}
	}
	if p := page(t, db, u); p.fetches != 6 || !p.fetchedAt.Equal(at) {
		t.Errorf("after revisits: %d fetches, fetched %v", p.fetches, p.fetchedAt)
	}
	if res, err := db.Revisited(ctx, run, "https://a.example/none", at, 304, "", nil); err != nil || res != finarchive.SaveNone {
		t.Errorf("Revisited of an unknown page: %q, %v", res, err)
	}
}

// TestComplete_adaptive: the revisit interval starts at the run's minimum,
// halves on a change, doubles when unchanged, within the bounds.
func TestComplete_adaptive(t *testing.T) {
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{Adaptive: true, MinRevisit: time.Hour, MaxRevisit: 4 * time.Hour})
	const u = "https://a.example/x"
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i, want := range []time.Duration{time.Hour, 2 * time.Hour, 4 * time.Hour, 4 * time.Hour} {
		mustComplete(t, db, run, fetched(u, article(u, "标题", "正文"), t0.Add(time.Duration(i)*time.Hour)))
		if p := page(t, db, u); p.interval != want {
			t.Fatalf("save %d: interval %v, want %v", i, p.interval, want)
		}
	}
	mustComplete(t, db, run, fetched(u, article(u, "标题", "正文改了"), t0.Add(5*time.Hour)))
	if p := page(t, db, u); p.interval != 2*time.Hour {
		t.Errorf("after a change: %v, want 2h", p.interval)
	}
}

// TestRuns: what the shared suite (storetest) does not check: the options
// are kept byte for byte, and every run method (and Complete) of an
// unknown run says store.ErrNotFound.
func TestRuns(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	spec := store.RunSpec{Options: []byte(`{"depth":3,  "a":1}`)}
	id := startRun(t, db, spec)
	if got, err := db.RunSpec(ctx, id); err != nil || string(got.Options) != string(spec.Options) ||
		got.MinRevisit != store.DefaultMinRevisit || got.MaxRevisit != store.DefaultMaxRevisit || len(got.Seeds) != 0 {
		t.Errorf("RunSpec = %+v, %v", got, err)
	}
	if r, err := db.Run(ctx, id); err != nil || r.StartedAt.Location() != time.UTC {
		t.Errorf("Run = %+v, %v", r, err)
	}
	counts := finarchive.RunCounts{Fetched: 1}
	for name, err := range map[string]error{
		"Run":             func() error { _, err := db.Run(ctx, 99); return err }(),
		"RunSpec":         func() error { _, err := db.RunSpec(ctx, 99); return err }(),
		"FinishRun":       db.FinishRun(ctx, 99, finarchive.RunFinished, counts, ""),
		"UpdateRunCounts": db.UpdateRunCounts(ctx, 99, counts),
		"ReopenRun":       db.ReopenRun(ctx, 99),
		"Complete": func() error {
			_, err := db.Complete(ctx, 99, fetched("https://a.example/1", article("https://a.example/1", "t", "b"), time.Now()))
			return err
		}(),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s(99): %v, want ErrNotFound", name, err)
		}
	}
}

// TestComplete_runCounts: a run's article counts are committed with the
// pages, so they match the archive whenever the crawl dies, whichever
// connection saved them; UpdateRunCounts and FinishRun leave them alone.
func TestComplete_runCounts(t *testing.T) {
	ctx := context.Background()
	u0 := pgtest.NewDB(t)
	db, other := openURL(t, u0), openURL(t, u0)
	t0 := time.Date(2024, 3, 15, 8, 0, 0, 0, time.UTC)
	run1 := startRun(t, db, store.RunSpec{})
	run2 := startRun(t, db, store.RunSpec{})
	u := func(i int) string { return fmt.Sprintf("https://a.example/%d.html", i) }
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := db
			if i%2 == 1 {
				h = other
			}
			if _, err := h.Complete(ctx, run1, fetched(u(i), article(u(i), fmt.Sprint("标题", i), fmt.Sprint("正文", i)), t0)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	blocked := article(u(99), "访问过于频繁", "")
	blocked.PageType = extract.PageBlocked
	mustComplete(t, db, run1, fetched(u(99), blocked, t0))
	if err := db.UpdateRunCounts(ctx, run1, finarchive.RunCounts{Fetched: 31, New: 28}); err != nil {
		t.Fatal(err)
	}
	mustComplete(t, db, run2, fetched(u(0), article(u(0), "标题0", "正文0 改了"), t0.Add(time.Hour)))
	mustComplete(t, other, run2, fetched(u(1), article(u(1), "标题1", "正文1"), t0.Add(time.Hour)))
	mustComplete(t, db, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(2)}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(time.Hour)})
	mustComplete(t, db, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(50)}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(time.Hour)})
	mustComplete(t, db, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(51)}, StatusCode: 200, Skipped: "list-page"})
	if err := db.FinishRun(ctx, run2, finarchive.RunFinished, finarchive.RunCounts{Fetched: 5, New: 7, Changed: 7}, ""); err != nil {
		t.Fatal(err)
	}
	// A worker's late save after the finish still counts.
	mustComplete(t, other, run2, fetched(u(3), article(u(3), "标题3", "正文3"), t0.Add(2*time.Hour)))
	for _, tt := range []struct {
		run  int64
		want string
	}{{run1, "30 0 0 0 31"}, {run2, "0 1 2 1 5"}} {
		r, err := db.Run(ctx, tt.run)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(r.New, r.Changed, r.Unchanged, r.NotModified, r.Fetched); got != tt.want {
			t.Errorf("run %d: new changed unchanged not_modified fetched = %s, want %s", tt.run, got, tt.want)
		}
	}
	var n int
	if err := db.Pool().QueryRow(ctx, "SELECT count(*) FROM pages").Scan(&n); err != nil || n != 30 {
		t.Errorf("pages = %d, %v; want 30", n, err)
	}
}

// TestComplete_concurrent: several processes (handles with pools of their
// own) save the same URLs at once, each URL many times with two contents:
// every URL gets one page, exactly one "new", a revision per content
// change, one current revision and index row, and a fetch per save.
func TestComplete_concurrent(t *testing.T) {
	ctx := context.Background()
	u0 := pgtest.NewDB(t)
	const workers, urls, rounds = 4, 10, 6
	dbs := make([]*pgstore.DB, workers)
	for i := range dbs {
		dbs[i] = openURL(t, u0)
	}
	run := startRun(t, dbs[0], store.RunSpec{})
	u := func(i int) string { return fmt.Sprintf("https://a.example/c/%d.html", i) }
	var (
		mu      sync.Mutex
		results = map[string]map[finarchive.SaveResult]int{}
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				for i := range urls {
					body := "正文甲"
					if (r+w)%2 == 1 {
						body = "正文乙"
					}
					res, err := dbs[w].Complete(ctx, run, fetched(u(i), article(u(i), "标题", body), time.Now()))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if results[u(i)] == nil {
						results[u(i)] = map[finarchive.SaveResult]int{}
					}
					results[u(i)][res]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for i := range urls {
		got := results[u(i)]
		if got[finarchive.SaveNew] != 1 || got[finarchive.SaveNew]+got[finarchive.SaveChanged]+got[finarchive.SaveUnchanged] != workers*rounds {
			t.Errorf("%s: results %v; want one new of %d", u(i), got, workers*rounds)
		}
		p := page(t, dbs[0], u(i))
		if p.revs != 1+got[finarchive.SaveChanged] || p.fetches != workers*rounds || p.nullBodies != 1 {
			t.Errorf("%s: %+v; want %d revisions, %d fetches", u(i), p, 1+got[finarchive.SaveChanged], workers*rounds)
		}
	}
	r, err := dbs[0].Run(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if r.New != urls || r.New+r.Changed+r.Unchanged != workers*rounds*urls {
		t.Errorf("run counts %+v", r.RunCounts)
	}
	if rows, stale, err := dbs[0].SearchIndexRows(ctx); err != nil || rows != urls || stale != 0 {
		t.Errorf("search index: %d rows, %d stale, %v", rows, stale, err)
	}
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	openURL(t, u)
	ro, err := pgstore.OpenReadOnly(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.StartRun(ctx, store.RunSpec{}); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("StartRun: %v", err)
	}
	if _, err := ro.Complete(ctx, 1, fetched("https://a.example/", nil, time.Now())); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Complete: %v", err)
	}
	if _, err := ro.Lock(ctx, "x", false); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Lock: %v", err)
	}
}

// TestComplete_leaseLost: a worker whose lease ran out (its URL handed to
// another) writes nothing through Complete: no page, revision, index row,
// fetch or count, and the error says so (finarchive.ErrLeaseLost); the
// new holder's Complete saves the page once.
func TestComplete_leaseLost(t *testing.T) {
	ctx := context.Background()
	u0 := pgtest.NewDB(t)
	a, b := openURL(t, u0), openURL(t, u0)
	run := startRun(t, a, store.RunSpec{})
	const u = "http://x.test/a.html"
	if _, err := a.Enqueue(ctx, run, []finarchive.QueueItem{{URL: u, Depth: 1}}); err != nil {
		t.Fatal(err)
	}
	got, _, err := a.Claim(ctx, run, map[string]int{"x.test": 1}, time.Now())
	if err != nil || len(got) != 1 || got[0].Lease == 0 {
		t.Fatalf("claim: %+v, %v", got, err)
	}
	if _, err := a.Pool().Exec(ctx, `UPDATE frontier SET lease_expires = clock_timestamp() - interval '1 second' WHERE url = $1`, u); err != nil {
		t.Fatal(err)
	}
	again, _, err := b.Claim(ctx, run, map[string]int{"x.test": 1}, time.Now())
	if err != nil || len(again) != 1 {
		t.Fatalf("re-claim: %+v, %v", again, err)
	}
	f := fetched(u, article(u, "标题", "正文"), time.Now())
	f.Item = got[0]
	f.Links = []finarchive.QueueItem{{URL: "http://x.test/b.html", Depth: 2}}
	if res, err := a.Complete(ctx, run, f); !errors.Is(err, finarchive.ErrLeaseLost) || res != finarchive.SaveNone {
		t.Fatalf("Complete by the lease's first holder: %q, %v; want ErrLeaseLost", res, err)
	}
	var pages, revs, index, fetches, links int
	if err := a.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM revisions), (SELECT count(*) FROM search),
		(SELECT count(*) FROM fetches), (SELECT count(*) FROM frontier WHERE url = 'http://x.test/b.html')`).Scan(&pages, &revs, &index, &fetches, &links); err != nil {
		t.Fatal(err)
	}
	if pages+revs+index+fetches+links != 0 {
		t.Errorf("the lost lease wrote: %d pages, %d revisions, %d index rows, %d fetches, %d links", pages, revs, index, fetches, links)
	}
	if r, _ := a.Run(ctx, run); r.New != 0 {
		t.Errorf("the lost lease counted %d new", r.New)
	}
	f.Item = again[0]
	if res := mustComplete(t, b, run, f); res != finarchive.SaveNew {
		t.Fatalf("Complete by the new holder: %q", res)
	}
	if r, _ := b.Run(ctx, run); r.New != 1 {
		t.Errorf("run counts %+v", r.RunCounts)
	}
}
