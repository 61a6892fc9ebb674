package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawler/crawltest"
	"github.com/finarchive/finarchive/store"
)

func mustFarm(t *testing.T, hosts, articles int) *crawltest.Farm {
	t.Helper()
	f, err := crawltest.StartFarm(hosts, articles)
	if err != nil {
		t.Skipf("no loopback addresses beyond 127.0.0.1 here: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// politeConfig crawls a farm: no sitemaps (the farm has none), quick
// retries.
func politeConfig(delay time.Duration, parallelism int) crawler.Config {
	cfg := crawler.DefaultConfig()
	cfg.Delay, cfg.Parallelism = crawler.Duration(delay), parallelism
	cfg.BackoffBase, cfg.BackoffMax, cfg.Timeout = crawler.Duration(10*time.Millisecond), crawler.Duration(50*time.Millisecond), crawler.Duration(5*time.Second)
	cfg.Sitemaps = false
	return cfg
}

// checkPolite checks politeness as the sites saw it: no host ever has more
// than parallelism requests in flight, a host's starts span at least 90%
// of (starts-1) gaps, and no start comes less than gap (minus tol) after
// the previous one to its host. A start is the kernel's receive time of
// the request's first bytes (see crawltest.Farm), which a stall of this
// process does not move; where the farm could not read one (not Linux) a
// start is when the site handled the request, and a stall of the process
// just after a request was written can make the site read it late, next to
// the following one: one such start per host is then allowed. On main
// before the frontier, most starts came 0 ms apart.
func checkPolite(t *testing.T, f *crawltest.Farm, gap, tol time.Duration, parallelism int) {
	t.Helper()
	for _, h := range f.Hosts {
		starts := h.Starts()
		allowed := 0
		for _, s := range starts {
			if s.InFlight > parallelism {
				t.Errorf("%s: %d requests in flight at %s, parallelism is %d", h.Base, s.InFlight, s.Path, parallelism)
			}
			if !s.Kernel {
				allowed = 1
			}
		}
		early := earlyStarts(starts, gap, tol)
		for _, e := range early {
			t.Log(h.Base + ": " + e)
		}
		if len(early) > allowed {
			t.Errorf("%s: %d starts less than the gap %v after the previous one", h.Base, len(early), gap)
		}
		if n := len(starts); n > 1 {
			if span, want := starts[n-1].At.Sub(starts[0].At), time.Duration(n-1)*gap*9/10; span < want {
				t.Errorf("%s: %d starts within %v, want at least %v at a gap of %v", h.Base, n, span, want, gap)
			}
		}
	}
}

// earlyStarts describes each start less than gap (minus tol) after the
// previous one.
func earlyStarts(starts []crawltest.Start, gap, tol time.Duration) []string {
	var out []string
	for i := 1; i < len(starts); i++ {
		if d := starts[i].At.Sub(starts[i-1].At); d < gap-tol {
			out = append(out, fmt.Sprintf("%s started %v after %s; the gap is %v", starts[i].Path, d, starts[i-1].Path, gap))
		}
	}
	return out
}

// TestCrawler_GapHoldsForEveryRequest: the gap holds between any two
// requests to a host, not only between the frontier's jobs: a robots.txt
// that redirects on its host (the client follows it: a second request)
// and a page asked again after a 304 to a request without validators
// each wait their turn. Before, both went out at once after the first.
func TestCrawler_GapHoldsForEveryRequest(t *testing.T) {
	const delay = 80 * time.Millisecond
	f := mustFarm(t, 2, 3)
	h := f.Hosts[0]
	var mu sync.Mutex
	asked := map[string]int{}
	h.Handle = func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		asked[r.URL.Path]++
		n := asked[r.URL.Path]
		mu.Unlock()
		switch {
		case r.URL.Path == "/robots.txt":
			http.Redirect(w, r, "/robots-moved.txt", http.StatusMovedPermanently)
			return true
		case r.URL.Path == "/robots-moved.txt":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("User-agent: *\nAllow: /\n"))
			return true
		case r.URL.Path == "/a/1.html" && n == 1:
			w.WriteHeader(http.StatusNotModified) // to a request without validators
			return true
		}
		return false
	}
	db := mustStore(t)
	c, err := mustRun(t, db, politeConfig(delay, 2), f.Seeds()...)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Counts(); got.New != 6 {
		t.Errorf("counts %+v: want the 6 articles new", got)
	}
	mu.Lock()
	if asked["/robots-moved.txt"] != 1 || asked["/a/1.html"] != 2 {
		t.Errorf("requests %v: want the robots.txt redirect followed once and /a/1.html asked twice", asked)
	}
	mu.Unlock()
	checkPolite(t, f, delay, 5*time.Millisecond, 2)
}

// TestCrawler_EveryRequestHasASlot: every request of a crawl goes through
// the gate, the robots.txt of a second origin of a host included (an
// https:// link on an http:// site: one host, two robots.txt files). It
// used to be fetched by the dispatcher itself when a page of that origin
// came up: no slot, no gap, and every host held up while it was read.
func TestCrawler_EveryRequestHasASlot(t *testing.T) {
	f := mustFarm(t, 1, 2)
	h := f.Hosts[0]
	secure := "https" + strings.TrimPrefix(h.Base, "http") + "/secure.html"
	h.Handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/" {
			return false
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>金融资讯首页</title></head><body><h1>金融资讯</h1><ul>
<li><a href="/a/0.html">信用卡资讯第0篇</a></li><li><a href="%s">信用卡资讯安全篇</a></li><li><a href="/a/1.html">信用卡资讯第1篇</a></li>
</ul></body></html>`, secure)
		return true
	}
	db := mustStore(t)
	id, err := db.StartRun(context.Background(), store.RunSpec{Seeds: f.Seeds()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := crawler.New(politeConfig(20*time.Millisecond, 2), db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var traced []crawler.RequestTrace
	c.TraceRequests(func(rt crawler.RequestTrace) {
		mu.Lock()
		traced = append(traced, rt)
		mu.Unlock()
	})
	counts, err := c.Run(context.Background(), id, f.Seeds())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	secureRobots := false
	for _, rt := range traced {
		if !rt.Slot {
			t.Errorf("%s was requested without a slot of the gate", rt.URL)
		}
		secureRobots = secureRobots || strings.HasPrefix(rt.URL, "https://") && strings.HasSuffix(rt.URL, "/robots.txt")
	}
	if !secureRobots {
		t.Errorf("the https origin's robots.txt was never asked for; requests: %d", len(traced))
	}
	if counts.New != 2 {
		t.Errorf("counts %+v: want the 2 articles new", counts)
	}
}

// TestCrawler_PolitenessManyHosts: with parallelism 2, requests to each
// host still start at least --delay apart (robots.txt included), never more
// than 2 are in flight, every article is archived, and the hosts are served
// side by side: each host's robots.txt comes before any host's third page.
func TestCrawler_PolitenessManyHosts(t *testing.T) {
	const delay = 100 * time.Millisecond
	f := mustFarm(t, 4, 6)
	db := mustStore(t)
	if _, err := mustRun(t, db, politeConfig(delay, 2), f.Seeds()...); err != nil {
		t.Fatal(err)
	}
	checkPolite(t, f, delay, 25*time.Millisecond, 2)
	var firsts, thirds []time.Time
	for _, h := range f.Hosts {
		starts := h.Starts()
		if len(starts) != 2+h.Articles { // robots.txt, home, articles
			t.Errorf("%s: %d requests, want %d", h.Base, len(starts), 2+h.Articles)
			continue
		}
		if starts[0].Path != "/robots.txt" {
			t.Errorf("%s: first request %s, want /robots.txt", h.Base, starts[0].Path)
		}
		firsts, thirds = append(firsts, starts[0].At), append(thirds, starts[3].At)
		for i := range h.Articles {
			if _, err := db.Get(context.Background(), h.ArticleURL(i)); err != nil {
				t.Errorf("%s not archived: %v", h.ArticleURL(i), err)
			}
		}
	}
	for i, first := range firsts {
		for j, third := range thirds {
			if !first.Before(third) {
				t.Errorf("host %d started only after host %d's third page: hosts are not served side by side", i, j)
			}
		}
	}
}

// TestCrawler_CrawlDelay: a robots.txt Crawl-delay raises the gap of its
// host (and only its host) up to --max-crawl-delay; one of more seconds
// than a time.Duration holds is the cap too (it wrapped to a negative
// duration and was ignored: no gap at all).
func TestCrawler_CrawlDelay(t *testing.T) {
	f := mustFarm(t, 3, 3)
	f.Hosts[0].Robots = "User-agent: *\nCrawl-delay: 0.15\n"
	f.Hosts[1].Robots = "User-agent: *\nCrawl-delay: 100\n"
	f.Hosts[2].Robots = "User-agent: *\nCrawl-delay: 99999999999\n"
	cfg := politeConfig(0, 2)
	cfg.MaxCrawlDelay = crawler.Duration(100 * time.Millisecond)
	if _, err := mustRun(t, mustStore(t), cfg, f.Seeds()...); err != nil {
		t.Fatal(err)
	}
	// 150ms capped at 100ms; 100s and 3,000 years capped at 100ms;
	// counted from the robots.txt request itself.
	for i, h := range f.Hosts {
		if n := len(h.Starts()); n != 5 {
			t.Fatalf("host %d: %d requests, want 5", i, n)
		}
	}
	checkPolite(t, f, 100*time.Millisecond, 25*time.Millisecond, 2)
}

// TestCrawler_ParkedHost: a host answering 503 with Retry-After is parked
// alone: the other host is crawled to the end while it waits, and no
// request reaches the parked host before its Retry-After.
func TestCrawler_ParkedHost(t *testing.T) {
	f := mustFarm(t, 2, 8)
	slow := f.Hosts[0]
	var parkedUntil time.Time
	answered := false
	slow.Handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/" || answered {
			return false
		}
		answered = true
		parkedUntil = time.Now().Add(time.Second)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	cfg := politeConfig(20*time.Millisecond, 1)
	c, err := mustRun(t, mustStore(t), cfg, f.Seeds()...)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Counts().Fetched; n != 2*(1+8)+1 {
		t.Errorf("fetched %d, want %d (two homes, the 503, 16 articles)", n, 2*(1+8)+1)
	}
	fast := f.Hosts[1].Starts()
	last := fast[len(fast)-1].At
	if !last.Before(parkedUntil) {
		t.Errorf("the other host's last request came %v after the parked host's Retry-After: it waited for it", last.Sub(parkedUntil))
	}
	for _, s := range slow.Starts()[2:] { // robots.txt, the 503, then the rest
		if s.At.Before(parkedUntil) {
			t.Errorf("%s reached the parked host %v before its Retry-After", s.Path, parkedUntil.Sub(s.At))
		}
	}
}

// TestCrawler_RetryAfterBeyondCap: a host asking (Retry-After) to wait
// longer than --max-retry-after is left for the next run with its URLs;
// the crawl does not wait, the other host is crawled, and the next run
// starts with the deferred URLs.
func TestCrawler_RetryAfterBeyondCap(t *testing.T) {
	for _, ra := range []string{"1000000000", "Fri, 31 Dec 2099 23:59:59 GMT"} {
		t.Run(ra, func(t *testing.T) {
			f := mustFarm(t, 2, 5)
			down := f.Hosts[0]
			down.Handle = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/robots.txt" {
					return false
				}
				w.Header().Set("Retry-After", ra)
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
			db := mustStore(t)
			cfg := politeConfig(0, 2)
			cfg.MaxRetryAfter = crawler.Duration(time.Minute)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			id, err := db.StartRun(ctx, store.RunSpec{Seeds: f.Seeds()})
			if err != nil {
				t.Fatal(err)
			}
			c, err := crawler.New(cfg, db, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			counts, err := c.Run(ctx, id, f.Seeds())
			if err != nil {
				t.Fatalf("Run: %v (the crawl waited for the Retry-After?)", err)
			}
			if counts.Deferred != 1 || counts.Failed != 0 {
				t.Errorf("deferred %d, failed %d; want the home page deferred, nothing failed", counts.Deferred, counts.Failed)
			}
			if n := len(down.Starts()); n != 2 {
				t.Errorf("the deferred host got %d requests, want 2 (robots.txt, home)", n)
			}
			for i := range f.Hosts[1].Articles {
				if _, err := db.Get(ctx, f.Hosts[1].ArticleURL(i)); err != nil {
					t.Errorf("the other host's article %d not archived: %v", i, err)
				}
			}
			fc, err := db.FrontierCounts(ctx, id)
			if err != nil || fc[store.StateDeferred] != 1 {
				t.Errorf("frontier %v, %v; want the home page deferred", fc, err)
			}
			next, err := db.StartRun(ctx, store.RunSpec{Seeds: f.Seeds()})
			if err != nil {
				t.Fatal(err)
			}
			if n, _, err := db.CarryOverFailed(ctx, id, next); err != nil || n != 1 {
				t.Errorf("carried over %d, %v; want the deferred home page", n, err)
			}
		})
	}
}

// TestCrawler_Gone: dead links are results: counted by status, never
// failures, and not retried.
func TestCrawler_Gone(t *testing.T) {
	f := mustFarm(t, 1, 3)
	h := f.Hosts[0]
	h.Handle = func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/a/1.html":
			w.WriteHeader(http.StatusNotFound)
		case "/a/2.html":
			w.WriteHeader(http.StatusGone)
		default:
			return false
		}
		return true
	}
	c, err := mustRun(t, mustStore(t), politeConfig(0, 2), f.Seeds()...)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Counts()
	if got.Failed != 0 || got.Gone != 2 || got.GoneBy["404"] != 1 || got.GoneBy["410"] != 1 || got.New != 1 {
		t.Errorf("counts %+v; want 1 new, gone 2 (404 1, 410 1), failed 0", got)
	}
	if n := len(h.Starts()); n != 5 {
		t.Errorf("%d requests, want 5: a dead link is asked once", n)
	}
}

// TestFrontier_ManyHosts crawls 1,000 hosts through the frontier into a
// memory sink and checks that the items held in memory stay a few per
// host, never the whole queue. The hosts are loopback addresses where
// nothing listens: each request is refused at once.
func TestFrontier_ManyHosts(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const hosts, perHost = 1000, 10
	sink := &crawltest.MemSink{}
	var seeds []string
	var items []finarchive.QueueItem
	for i := range hosts {
		base := fmt.Sprintf("http://127.0.%d.%d:9", 10+i/250, 1+i%250)
		seeds = append(seeds, base+"/")
		for k := range perHost {
			items = append(items, finarchive.QueueItem{URL: fmt.Sprintf("%s/a/%d.html", base, k), Depth: 1})
		}
	}
	if _, err := sink.Enqueue(context.Background(), 1, items); err != nil {
		t.Fatal(err)
	}
	peak := 0
	sink.OnClaim = func(inflight int) { peak = max(peak, inflight) }
	cfg := politeConfig(time.Millisecond, 1)
	cfg.IgnoreRobots, cfg.MaxRetries = true, 0
	c, err := crawler.New(cfg, sink, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), 1, seeds); err != nil {
		t.Fatal(err)
	}
	if done := len(sink.Done()); done != hosts*(perHost+1) {
		t.Errorf("%d URLs done, want %d", done, hosts*(perHost+1))
	}
	// With a delay a host holds up to parallelism+2 items (plus one per
	// worker being fetched): the bound is per host, not per queue.
	if limit := hosts*3 + 512; peak > limit {
		t.Errorf("peak items claimed and not done: %d, want at most %d", peak, limit)
	}
	t.Logf("peak items in memory: %d for %d hosts × %d URLs", peak, hosts, perHost+1)
}

// TestCrawler_RemovedArticle: an archived article that answers 404 on a
// later crawl keeps its record and history and is marked removed.
func TestCrawler_RemovedArticle(t *testing.T) {
	f := mustFarm(t, 1, 3)
	h := f.Hosts[0]
	db := mustStore(t)
	if _, err := mustRun(t, db, politeConfig(0, 2), f.Seeds()...); err != nil {
		t.Fatal(err)
	}
	gone := h.ArticleURL(1)
	h.Handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/a/1.html" {
			return false
		}
		w.WriteHeader(http.StatusNotFound)
		return true
	}
	c, err := mustRun(t, db, politeConfig(0, 2), f.Seeds()...)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Counts(); got.Removed != 1 || got.Gone != 1 || got.Failed != 0 {
		t.Errorf("second crawl: removed %d, gone %d, failed %d; want 1, 1, 0", got.Removed, got.Gone, got.Failed)
	}
	ctx := context.Background()
	rec, err := db.Get(ctx, gone)
	if err != nil || rec.Title == "" {
		t.Fatalf("the removed article's record: %+v, %v", rec, err)
	}
	info, err := db.Info(ctx, gone)
	if err != nil || info.RemovedAt.IsZero() {
		t.Errorf("Info(%s) = %+v, %v; want removed_at set", gone, info, err)
	}
	if info, _ := db.Info(ctx, h.ArticleURL(0)); !info.RemovedAt.IsZero() {
		t.Errorf("an article still online is marked removed")
	}
}

// TestCrawler_RobotsRetryAfter: a robots.txt answering 503 or 429 with a
// Retry-After is asked again no sooner than it says (it was asked again
// after the crawl's own backoff, a few ms here, 2 s by default, whatever
// the host asked for), and one asking for longer than --max-retry-after
// leaves the host for the next run, deferred, as a page's Retry-After
// does (it was asked again three times within a second and its pages
// failed as robots-unreachable: exit 3, carried over as a failure).
func TestCrawler_RobotsRetryAfter(t *testing.T) {
	t.Run("within the cap", func(t *testing.T) {
		f := mustFarm(t, 2, 3)
		h := f.Hosts[0]
		var mu sync.Mutex
		asked := 0
		h.Handle = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/robots.txt" {
				return false
			}
			mu.Lock()
			asked++
			first := asked == 1
			mu.Unlock()
			if !first {
				return false
			}
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		c, err := mustRun(t, mustStore(t), politeConfig(20*time.Millisecond, 2), f.Seeds()...)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Counts(); got.New != 6 || got.Failed != 0 || got.Deferred != 0 {
			t.Errorf("counts %+v: want the 6 articles new, nothing failed or deferred", got)
		}
		starts := h.Starts()
		if len(starts) < 2 || starts[0].Path != "/robots.txt" || starts[1].Path != "/robots.txt" {
			t.Fatalf("requests %+v: want robots.txt twice first", starts)
		}
		// The site counts its second from when it answered, a little
		// after the request arrived.
		if gap := starts[1].At.Sub(starts[0].At); gap < time.Second-5*time.Millisecond {
			t.Errorf("robots.txt asked again %v after a 503 with Retry-After: 1", gap)
		}
	})
	for _, tc := range []struct {
		status int
		after  string
	}{
		{http.StatusServiceUnavailable, "3600"},
		{http.StatusTooManyRequests, "Fri, 31 Dec 2099 23:59:59 GMT"},
	} {
		t.Run(fmt.Sprintf("beyond the cap/%d %s", tc.status, tc.after), func(t *testing.T) {
			f := mustFarm(t, 2, 3)
			down := f.Hosts[0]
			down.Handle = func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Retry-After", tc.after)
				w.WriteHeader(tc.status)
				return true
			}
			db := mustStore(t)
			cfg := politeConfig(20*time.Millisecond, 2)
			cfg.MaxRetryAfter = crawler.Duration(time.Minute)
			id, c := mustRunID(t, db, cfg, f.Seeds()...)
			if got := c.Counts(); got.Deferred != 1 || got.Failed != 0 || got.New != 3 {
				t.Errorf("counts %+v: want the home page deferred, nothing failed, the other host's 3 articles new", got)
			}
			if n := len(down.Starts()); n != 1 {
				t.Errorf("the deferred host got %d requests, want 1 (its robots.txt)", n)
			}
			ctx := context.Background()
			fc, err := db.FrontierCounts(ctx, id)
			if err != nil || fc[store.StateDeferred] != 1 || fc[store.StateFailed] != 0 {
				t.Errorf("frontier %v, %v; want the home page deferred, none failed", fc, err)
			}
		})
	}
}

// TestCrawler_SitemapPushBack: a sitemap answered 503 or 429 parks its
// host as a page's does: nothing more goes to the host before the
// Retry-After, and the sitemap is asked again after it (it was taken as
// no sitemap and the host's pages were asked for at the next gap, whatever
// the host had said); a Retry-After beyond --max-retry-after leaves the
// host for the next run (its pages were fetched at once).
func TestCrawler_SitemapPushBack(t *testing.T) {
	sitemap := func(h *crawltest.FarmHost) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range h.Articles {
			fmt.Fprintf(&b, "<url><loc>%s</loc></url>", h.ArticleURL(i))
		}
		b.WriteString("</urlset>")
		return b.String()
	}
	t.Run("within the cap", func(t *testing.T) {
		f := mustFarm(t, 2, 3)
		h := f.Hosts[0]
		h.Articles = 4 // the home page links 0-3, the sitemap lists 0-3 too
		var mu sync.Mutex
		asked := 0
		var refusedAt time.Time
		h.Handle = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/sitemap.xml" {
				return false
			}
			mu.Lock()
			asked++
			first := asked == 1
			if first {
				refusedAt = time.Now()
			}
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
			w.Header().Set("Content-Type", "application/xml")
			_, _ = w.Write([]byte(sitemap(h)))
			return true
		}
		cfg := politeConfig(20*time.Millisecond, 1)
		cfg.Sitemaps = true
		c, err := mustRun(t, mustStore(t), cfg, f.Seeds()...)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Counts(); got.New != 7 || got.Failed != 0 || got.Deferred != 0 {
			t.Errorf("counts %+v: want 7 articles new, nothing failed or deferred", got)
		}
		mu.Lock()
		if asked != 2 {
			t.Errorf("sitemap asked %d times, want 2 (once more after its Retry-After)", asked)
		}
		mu.Unlock()
		starts := h.Starts()
		if len(starts) < 3 || starts[1].Path != "/sitemap.xml" {
			t.Fatalf("requests %+v: want robots.txt, then the sitemap", starts)
		}
		for _, s := range starts[2:] {
			// The site's second counts from its handler; the start is
			// the kernel's receive time, a little before.
			if s.At.Before(refusedAt.Add(time.Second - 5*time.Millisecond)) {
				t.Errorf("%s reached the host %v after its 503 with Retry-After: 1", s.Path, s.At.Sub(starts[1].At))
			}
		}
	})
	t.Run("beyond the cap", func(t *testing.T) {
		f := mustFarm(t, 2, 3)
		down := f.Hosts[0]
		down.Handle = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/sitemap.xml" {
				return false
			}
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		db := mustStore(t)
		cfg := politeConfig(20*time.Millisecond, 1)
		cfg.Sitemaps = true
		cfg.MaxRetryAfter = crawler.Duration(time.Minute)
		id, c := mustRunID(t, db, cfg, f.Seeds()...)
		if got := c.Counts(); got.Deferred != 1 || got.Failed != 0 || got.New != 3 {
			t.Errorf("counts %+v: want the home page deferred, nothing failed, the other host's 3 articles new", got)
		}
		var paths []string
		for _, s := range down.Starts() {
			paths = append(paths, s.Path)
		}
		if want := []string{"/robots.txt", "/sitemap.xml"}; fmt.Sprint(paths) != fmt.Sprint(want) {
			t.Errorf("the deferred host got %v, want %v", paths, want)
		}
		fc, err := db.FrontierCounts(context.Background(), id)
		if err != nil || fc[store.StateDeferred] != 1 {
			t.Errorf("frontier %v, %v; want the home page deferred", fc, err)
		}
	})
}
