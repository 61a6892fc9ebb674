package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/testsite"
)

var _ crawler.Sink = (*store.DB)(nil)

func mustStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustRun(t *testing.T, db *store.DB, cfg crawler.Config, seeds ...string) (*crawler.Crawler, error) {
	t.Helper()
	id, err := db.StartRun(context.Background(), store.RunSpec{Seeds: seeds})
	if err != nil {
		t.Fatal(err)
	}
	c, err := crawler.New(cfg, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), id, seeds)
	return c, err
}

func fastConfig() crawler.Config {
	cfg := crawler.DefaultConfig()
	cfg.Delay, cfg.Parallelism, cfg.BackoffBase, cfg.Timeout = 0, 4, crawler.Duration(10*time.Millisecond), crawler.Duration(5*time.Second)
	cfg.Exclude = []string{`/calendar/`, `/refer/`}
	return cfg
}

// TestCrawler_Politeness: one request at a time per host with --delay
// leaves at least the delay between requests, and every request carries
// the finarchive User-Agent.
func TestCrawler_Politeness(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	var agents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		agents = append(agents, r.UserAgent())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(404)
			return
		}
		fmt.Fprint(w, `<html><body><a href="/a">a</a><a href="/b">b</a><a href="/c">c</a><a href="/d">d</a></body></html>`)
	}))
	defer srv.Close()
	cfg := fastConfig()
	cfg.Parallelism, cfg.Delay = 1, crawler.Duration(60*time.Millisecond)
	if _, err := mustRun(t, mustStore(t), cfg, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) < 5 {
		t.Fatalf("%d requests, want at least 5", len(times))
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	// times[0] is robots.txt, fetched outside the page slots.
	for i := 2; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 55*time.Millisecond {
			t.Errorf("request %d came %v after the previous one; delay is 60ms", i, gap)
		}
	}
	for _, a := range agents {
		if a != crawler.DefaultUserAgent {
			t.Errorf("User-Agent %q, want %q", a, crawler.DefaultUserAgent)
		}
	}
}

// TestCrawler_MaxPages stops after the given number of pages.
func TestCrawler_MaxPages(t *testing.T) {
	site := testsite.New(testsite.Options{Articles: 30})
	base, err := site.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	cfg := fastConfig()
	cfg.MaxPages = 12
	cfg.Sitemaps = false
	c, err := mustRun(t, mustStore(t), cfg, base+"/")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Counts().Fetched; got != 12 {
		t.Errorf("fetched %d pages, want 12", got)
	}
}

// TestCrawler_Dedupe: with 16 workers every URL is requested once.
func TestCrawler_Dedupe(t *testing.T) {
	site := testsite.New(testsite.Options{Articles: 120})
	base, err := site.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	cfg := fastConfig()
	cfg.Parallelism = 16
	cfg.MaxDepth = 0
	if _, err := mustRun(t, mustStore(t), cfg, base+"/", base+"/", base); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, c := range site.Requests() {
		n += c
		if c > 1 {
			t.Errorf("%s requested %d times", path, c)
		}
	}
	if n < 150 {
		t.Errorf("only %d requests: the crawl did not cover the site", n)
	}
}

// TestCrawler_Sitemap: a page linked from nowhere but the sitemap that
// robots.txt names is crawled; a sitemap index is followed.
func TestCrawler_Sitemap(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprintf(w, "User-agent: *\nDisallow:\nSitemap: %s/sitemap-index.xml\n", srv.URL)
		case "/sitemap-index.xml":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>%s/sitemap-1.xml</loc></sitemap></sitemapindex>`, srv.URL)
		case "/sitemap-1.xml":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/orphan.html</loc></url><url><loc>https://elsewhere.example/x</loc></url></urlset>`, srv.URL)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html><head><title>信用卡年费怎么免</title></head><body><h1>信用卡年费怎么免</h1>
<p>信用卡年费的减免方式各家银行不尽相同，常见的是一年内刷卡满一定次数即可免除次年年费。</p>
<p>部分高端卡需要达到一定的消费金额，或者使用积分兑换年费，具体以发卡银行的规定为准。</p></body></html>`)
		}
	}))
	defer srv.Close()
	cfg := fastConfig()
	if _, err := mustRun(t, mustStore(t), cfg, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["/orphan.html"] != 1 {
		t.Errorf("/orphan.html fetched %d times, want 1 (listed only in the sitemap)", seen["/orphan.html"])
	}
	if seen["/robots.txt"] != 1 {
		t.Errorf("robots.txt fetched %d times, want 1", seen["/robots.txt"])
	}
}

// TestCrawler_MetaRefresh: a <meta http-equiv="refresh"> page is followed
// like a redirect, not taken for an empty block page.
func TestCrawler_MetaRefresh(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/robots.txt", "/sitemap.xml":
			w.WriteHeader(http.StatusNotFound)
		case "/":
			fmt.Fprint(w, `<html><head><meta http-equiv="Refresh" content="0; URL='/zixun/'"></head><body></body></html>`)
		default:
			fmt.Fprint(w, `<html><head><title>资讯</title></head><body><h1>资讯</h1><p>银行卡、贷款、保险常见问题解答，每日更新，欢迎阅读。</p></body></html>`)
		}
	}))
	defer srv.Close()
	c, err := mustRun(t, mustStore(t), fastConfig(), srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["/zixun/"] != 1 || seen["/"] != 1 {
		t.Errorf("requests %v: want / and its refresh target /zixun/ once each", seen)
	}
	if got := c.Counts().SkippedBy["meta-refresh"]; got != 1 {
		t.Errorf("skipped by meta-refresh: %d, want 1 (counts %+v)", got, c.Counts())
	}
}
