package crawler_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/store"
)

// articleHTML is a page the extractor takes for an article.
func articleHTML(title string) string {
	return `<html><head><title>` + title + `</title></head><body><h1>` + title + `</h1>
<p>信用卡年费的减免方式各家银行不尽相同，常见的是一年内刷卡满一定次数即可免除次年年费。</p>
<p>部分高端卡需要达到一定的消费金额，或者使用积分兑换年费，具体以发卡银行的规定为准。</p></body></html>`
}

// homeHTML is a list page (walked for links, not archived) with links.
func homeHTML(links string) string {
	return `<html><head><title>资讯</title></head><body><h1>资讯</h1><p>银行卡、贷款、保险常见问题解答，每日更新，欢迎阅读。</p>` + links + `</body></html>`
}

// hostileSite is a loopback server with a handler per path; it records
// the path of every request as the server received it.
type hostileSite struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]int
}

func newHostileSite(t *testing.T, routes map[string]http.HandlerFunc) *hostileSite {
	t.Helper()
	s := &hostileSite{seen: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen[r.URL.Path]++
		s.mu.Unlock()
		if h, ok := routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *hostileSite) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[path]
}

func (s *hostileSite) requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.seen {
		out[k] = v
	}
	return out
}

func html(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

func text(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, body)
	}
}

// TestCrawler_EncodedDotSegments: /pub/%2e%2e/private/x.html is the URL
// /private/x.html (colly sends it so): robots.txt and --include judge that
// form, and an article is archived under it.
func TestCrawler_EncodedDotSegments(t *testing.T) {
	links := `<a href="/pub/%2e%2e/private/x.html">x</a> <a href="/pub/%2E%2E/ok/y.html">y</a> <a href="/pub/.%2e/other/z.html">z</a>`
	routes := map[string]http.HandlerFunc{
		"/robots.txt":           text("User-agent: *\nDisallow: /private/\n"),
		"/":                     html(homeHTML(links)),
		"/private/x.html":       html(articleHTML("私密")),
		"/ok/y.html":            html(articleHTML("信用卡年费怎么免")),
		"/other/z.html":         html(articleHTML("其他")),
		"/pub/ok.html":          html(articleHTML("公开")),
		"/pub/..":               html(articleHTML("错")),
		"/pub/%2e%2e/ok/y.html": html(articleHTML("错")),
	}
	t.Run("robots", func(t *testing.T) {
		site := newHostileSite(t, routes)
		db, c := crawlNoSitemaps(t, site.URL+"/")
		if n := site.count("/private/x.html"); n != 0 {
			t.Errorf("/private/x.html requested %d times; robots.txt disallows it (requests %v)", n, site.requests())
		}
		if got := c.Counts().SkippedBy["robots"]; got != 1 {
			t.Errorf("skipped by robots: %d, want 1 (counts %+v)", got, c.Counts())
		}
		if rec, err := db.Get(context.Background(), site.URL+"/ok/y.html"); err != nil || rec.Title != "信用卡年费怎么免" {
			t.Errorf("article not archived under its request form %s/ok/y.html: %v %v", site.URL, rec, err)
		}
		if _, err := db.Get(context.Background(), site.URL+"/pub/%2E%2E/ok/y.html"); err == nil {
			t.Errorf("article archived under the encoded form too")
		}
	})
	t.Run("include", func(t *testing.T) {
		site := newHostileSite(t, routes)
		cfg := fastConfig()
		cfg.Sitemaps = false
		cfg.IgnoreRobots = true
		cfg.Include = []string{`^http://[^/]+/(pub/.*)?$`}
		if _, err := mustRun(t, mustStore(t), cfg, site.URL+"/"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/private/x.html", "/ok/y.html", "/other/z.html"} {
			if n := site.count(p); n != 0 {
				t.Errorf("%s requested %d times; --include allows only /pub/ (requests %v)", p, n, site.requests())
			}
		}
	})
}

// gzipBomb returns a gzip stream that unpacks to prefix followed by mib
// MiB of zeros: one member for the prefix, then the same 1 MiB member of
// zeros over and over (a reader takes concatenated members as one file),
// about 1 KB per MiB.
func gzipBomb(t testing.TB, prefix string, mib int) []byte {
	t.Helper()
	member := func(b []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	out := member([]byte(prefix))
	zeros := member(make([]byte, 1<<20))
	for range mib {
		out = append(out, zeros...)
	}
	return out
}

func serveBytes(contentType string, b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(b)
	}
}

// encodedHTML serves b as an HTML page in Content-Encoding ce, as it is
// (the test decides whether b is that encoding).
func encodedHTML(ce string, b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", ce)
		w.Write(b)
	}
}

// allocated returns the bytes allocated while fn ran (all goroutines).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestCrawler_GzipBomb: --max-body-size limits the unpacked bytes of a
// page or sitemap whose URL ends in .xml.gz (colly unpacks those itself,
// after its size check): 256 MiB behind a 260 KB response are read up to
// the 1 MiB limit and no further, and the page fails as oversize.
func TestCrawler_GzipBomb(t *testing.T) {
	const limit, bombMiB = 1 << 20, 256
	const budget = 64 << 20 // what the crawl may allocate in all, far below the bomb
	// crawlBombs crawls seed under the limit and checks what it allocated
	// and that its bombs were skipped as oversize.
	crawlBombs := func(t *testing.T, seed string, bombs int) {
		t.Helper()
		cfg := fastConfig()
		cfg.Sitemaps = false
		cfg.MaxBodySize = limit
		var c *crawler.Crawler
		n := allocated(func() {
			var err error
			if c, err = mustRun(t, mustStore(t), cfg, seed); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("allocated %d MiB in all for %d pages of %d MiB", n>>20, bombs, bombMiB)
		if n > budget {
			t.Errorf("the crawl allocated %d MiB for %d bombs of %d MiB under a %d MiB limit", n>>20, bombs, bombMiB, limit>>20)
		}
		if got := c.Counts().SkippedBy["oversize"]; got != bombs {
			t.Errorf("skipped as oversize (a definitive answer, not a failure): %d, want %d (counts %+v)", got, bombs, c.Counts())
		}
	}
	t.Run("page", func(t *testing.T) {
		site := newHostileSite(t, map[string]http.HandlerFunc{
			"/robots.txt":       text("User-agent: *\nAllow: /\n"),
			"/":                 html(homeHTML(`<a href="/feed/bomb.xml.gz">x</a>`)),
			"/feed/bomb.xml.gz": serveBytes("text/html", gzipBomb(t, "<html><body><p>"+strings.Repeat("信用卡", 100), bombMiB)),
		})
		crawlBombs(t, site.URL+"/", 1)
	})
	t.Run("content-encoding", func(t *testing.T) {
		bomb := gzipBomb(t, "<html><body><p>"+strings.Repeat("信用卡", 100), bombMiB)
		var twice bytes.Buffer // a gzip file sent gzip-encoded
		zw := gzip.NewWriter(&twice)
		zw.Write(bomb)
		zw.Close()
		site := newHostileSite(t, map[string]http.HandlerFunc{
			"/robots.txt":   text("User-agent: *\nAllow: /\n"),
			"/":             html(homeHTML(`<a href="/x-gzip.html">x</a><a href="/twice.xml.gz">y</a>`)),
			"/x-gzip.html":  encodedHTML("x-gzip", bomb),
			"/twice.xml.gz": encodedHTML("gzip", twice.Bytes()),
		})
		crawlBombs(t, site.URL+"/", 2)
	})
	t.Run("sitemap", func(t *testing.T) {
		routes := map[string]http.HandlerFunc{"/": html(homeHTML(""))}
		site := newHostileSite(t, routes)
		routes["/robots.txt"] = text("User-agent: *\nAllow: /\nSitemap: " + site.URL + "/sitemap.xml.gz\n")
		// 500 entries, 256 MiB of zeros, 500 entries more: only the first
		// 500 are within the limit.
		entries := func(from int) string {
			var b strings.Builder
			for i := from; i < from+500; i++ {
				fmt.Fprintf(&b, "<url><loc>%s/a/%d.html</loc></url>", site.URL, i)
			}
			return b.String()
		}
		head := `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + entries(0)
		bomb := append(gzipBomb(t, head, bombMiB), gzipBomb(t, entries(500)+"</urlset>", 0)...)
		routes["/sitemap.xml.gz"] = serveBytes("application/x-gzip", bomb)
		cfg := fastConfig()
		cfg.MaxBodySize = limit
		cfg.MaxPages = 1
		db := mustStore(t)
		var runID int64
		n := allocated(func() { runID, _ = mustRunID(t, db, cfg, site.URL+"/") })
		t.Logf("allocated %d MiB in all for a %d MiB sitemap (%d KB sent)", n>>20, bombMiB, len(bomb)>>10)
		if n > budget {
			t.Errorf("the crawl allocated %d MiB for a %d MiB sitemap bomb under a %d MiB limit", n>>20, bombMiB, limit>>20)
		}
		queued := frontierSize(t, db, runID)
		if queued != 501 {
			t.Errorf("%d URLs in the frontier, want the seed and the 500 within the first %d MiB of the sitemap", queued, limit>>20)
		}
	})
}

// mustRunID is mustRun returning the run's ID.
func mustRunID(t *testing.T, db *store.DB, cfg crawler.Config, seeds ...string) (int64, *crawler.Crawler) {
	t.Helper()
	id, err := db.StartRun(context.Background(), store.RunSpec{Seeds: seeds})
	if err != nil {
		t.Fatal(err)
	}
	c, err := crawler.New(cfg, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), id, seeds); err != nil {
		t.Fatal(err)
	}
	return id, c
}

// frontierSize returns how many URLs run runID's frontier holds.
func frontierSize(t *testing.T, db *store.DB, runID int64) int {
	t.Helper()
	counts, err := db.FrontierCounts(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range counts {
		n += v
	}
	return n
}

// TestCrawler_SitemapBounds: a sitemap is read as a stream with bounded
// state (10 MiB of unclosed tags cost encoding/xml some 400 MB), at most
// 50,000 URLs of one sitemap are taken (the protocol's limit), and every
// entry, page or child sitemap, must be on the sitemap's own host: another
// host, even one in scope, is never asked.
func TestCrawler_SitemapBounds(t *testing.T) {
	sitemapSite := func(t *testing.T, sitemap func(base string) string) (*hostileSite, map[string]http.HandlerFunc) {
		routes := map[string]http.HandlerFunc{"/": html(homeHTML(""))}
		site := newHostileSite(t, routes)
		routes["/robots.txt"] = text("User-agent: *\nAllow: /\nSitemap: " + site.URL + "/sitemap.xml\n")
		routes["/sitemap.xml"] = serveBytes("application/xml", []byte(sitemap(site.URL)))
		return site, routes
	}
	t.Run("unclosed tags", func(t *testing.T) {
		site, _ := sitemapSite(t, func(base string) string {
			return `<urlset><url><loc>` + base + `/a/1.html</loc></url>` + strings.Repeat("<a>", 10<<20/3)
		})
		cfg := fastConfig()
		cfg.MaxBodySize = 16 << 20
		cfg.MaxPages = 1
		db := mustStore(t)
		var runID int64
		n := allocated(func() { runID, _ = mustRunID(t, db, cfg, site.URL+"/") })
		t.Logf("allocated %d MiB in all for a 10 MiB sitemap of unclosed tags", n>>20)
		if n > 64<<20 {
			t.Errorf("the crawl allocated %d MiB for a 10 MiB sitemap", n>>20)
		}
		if got := frontierSize(t, db, runID); got != 2 {
			t.Errorf("%d URLs in the frontier, want the seed and /a/1.html", got)
		}
	})
	t.Run("50000 URLs", func(t *testing.T) {
		site, _ := sitemapSite(t, func(base string) string {
			var b strings.Builder
			b.WriteString(`<urlset>`)
			for i := range 60000 {
				fmt.Fprintf(&b, "<url><loc>%s/a/%d.html</loc></url>\n", base, i)
			}
			return b.String() + `</urlset>`
		})
		cfg := fastConfig()
		cfg.MaxPages = 1
		db := mustStore(t)
		runID, _ := mustRunID(t, db, cfg, site.URL+"/")
		if got := frontierSize(t, db, runID); got != 50001 {
			t.Errorf("%d URLs in the frontier, want the seed and the sitemap's first 50000", got)
		}
	})
	t.Run("other hosts", func(t *testing.T) {
		other := newHostileSite(t, map[string]http.HandlerFunc{
			"/sitemap.xml": serveBytes("application/xml", []byte(`<urlset><url><loc>http://elsewhere.invalid/x</loc></url></urlset>`)),
			"/page.html":   html(articleHTML("别处")),
		})
		site, routes := sitemapSite(t, func(base string) string {
			return `<sitemapindex><sitemap><loc>` + other.URL + `/sitemap.xml</loc></sitemap>` +
				`<sitemap><loc>` + base + `/sitemap-2.xml</loc></sitemap></sitemapindex>`
		})
		routes["/sitemap-2.xml"] = serveBytes("application/xml", []byte(`<urlset>`+
			`<url><loc>`+other.URL+`/page.html</loc></url><url><loc>`+site.URL+`/own.html</loc></url></urlset>`))
		routes["/own.html"] = html(articleHTML("信用卡年费怎么免"))
		cfg := fastConfig()
		cfg.Hosts = []string{strings.TrimPrefix(other.URL, "http://")} // in scope, but not the sitemap's host
		if _, err := mustRun(t, mustStore(t), cfg, site.URL+"/"); err != nil {
			t.Fatal(err)
		}
		if got := other.requests(); len(got) != 0 {
			t.Errorf("the other host was asked %v: sitemap entries must be on the sitemap's own host", got)
		}
		if site.count("/own.html") != 1 || site.count("/sitemap-2.xml") != 1 {
			t.Errorf("requests %v: want the own-host child sitemap and its page", site.requests())
		}
	})
	t.Run("robots.txt names another host", func(t *testing.T) {
		other := newHostileSite(t, map[string]http.HandlerFunc{
			"/sitemap.xml": serveBytes("application/xml", []byte(`<urlset></urlset>`)),
		})
		routes := map[string]http.HandlerFunc{"/": html(homeHTML(""))}
		site := newHostileSite(t, routes)
		routes["/robots.txt"] = text("User-agent: *\nAllow: /\nSitemap: " + other.URL + "/sitemap.xml\n")
		if _, err := mustRun(t, mustStore(t), fastConfig(), site.URL+"/"); err != nil {
			t.Fatal(err)
		}
		if got := other.requests(); len(got) != 0 {
			t.Errorf("a sitemap out of scope was fetched: %v", got)
		}
	})
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) }
}

// localhostURL is srv's URL with the name localhost for 127.0.0.1: a name
// that resolves to a loopback address, another site to the crawler.
func localhostURL(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	if addrs, err := net.LookupHost("localhost"); err != nil || len(addrs) == 0 {
		t.Skipf("localhost does not resolve here: %v", err)
	}
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
}

// TestCrawler_Redirects: a redirect never widens the scope (but for a
// seed's own within its registrable domain), robots.txt redirects
// likewise; a chain stops after 20 hops, reported as such; a redirect
// target is one click further from the seed (--max-depth).
func TestCrawler_Redirects(t *testing.T) {
	t.Run("to another site", func(t *testing.T) {
		other := newHostileSite(t, map[string]http.HandlerFunc{"/secret.html": html(articleHTML("机密"))})
		otherURL := localhostURL(t, other.Server)
		site := newHostileSite(t, map[string]http.HandlerFunc{
			"/robots.txt": redirectTo(otherURL + "/robots.txt"),
			"/":           redirectTo(otherURL + "/secret.html"),
		})
		cfg := fastConfig()
		cfg.AllowPrivate = true // so only the scope rule stands in the way
		c, err := mustRun(t, mustStore(t), cfg, site.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		if got := other.requests(); len(got) != 0 {
			t.Errorf("the other site was asked %v", got)
		}
		if got := c.Counts().SkippedBy["redirect-out-of-scope"]; got != 1 {
			t.Errorf("skipped as redirect-out-of-scope: %d, want 1 (counts %+v)", got, c.Counts())
		}
	})
	t.Run("chain", func(t *testing.T) {
		routes := map[string]http.HandlerFunc{}
		for i := range 40 {
			routes[fmt.Sprintf("/chain/%d", i)] = redirectTo(fmt.Sprintf("/chain/%d", i+1))
		}
		routes["/chain/40"] = html(articleHTML("终点"))
		site := newHostileSite(t, routes)
		cfg := fastConfig()
		cfg.MaxDepth = 0
		cfg.Sitemaps = false
		c, err := mustRun(t, mustStore(t), cfg, site.URL+"/chain/0")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for p, k := range site.requests() {
			if strings.HasPrefix(p, "/chain/") {
				n += k
			}
		}
		if n != 21 {
			t.Errorf("%d chain requests, want 21 (the seed and 20 redirects)", n)
		}
		if got := c.Counts().SkippedBy["redirect-chain"]; got != 1 {
			t.Errorf("skipped as redirect-chain: %d, want 1 (counts %+v)", got, c.Counts())
		}
	})
	t.Run("depth", func(t *testing.T) {
		site := newHostileSite(t, map[string]http.HandlerFunc{
			"/":  html(homeHTML(`<a href="/a">a</a>`)),
			"/a": redirectTo("/b"),
			"/b": redirectTo("/c"),
			"/c": html(articleHTML("太深")),
		})
		cfg := fastConfig()
		cfg.MaxDepth = 2
		cfg.Sitemaps = false
		c, err := mustRun(t, mustStore(t), cfg, site.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		if site.count("/b") != 1 || site.count("/c") != 0 {
			t.Errorf("requests %v: want /b (depth 2) and not /c (depth 3, --max-depth 2)", site.requests())
		}
		if got := c.Counts().SkippedBy["redirect-max-depth"]; got != 1 {
			t.Errorf("skipped as redirect-max-depth: %d, want 1 (counts %+v)", got, c.Counts())
		}
	})
}

// TestCrawler_PrivateAddresses: a host in scope whose name resolves to a
// loopback address is not asked (the check is on the address connected,
// so DNS cannot route around it) unless a seed is on it or AllowPrivate.
func TestCrawler_PrivateAddresses(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow-private=%v", allow), func(t *testing.T) {
			routes := map[string]http.HandlerFunc{"/secret.html": html(articleHTML("内部资料"))}
			site := newHostileSite(t, routes)
			local := localhostURL(t, site.Server)
			routes["/"] = html(homeHTML(`<a href="` + local + `/secret.html">x</a>`))
			cfg := fastConfig()
			cfg.Sitemaps = false
			cfg.IgnoreRobots = true
			cfg.AllowPrivate = allow
			cfg.Hosts = []string{strings.TrimPrefix(local, "http://")}
			c, err := mustRun(t, mustStore(t), cfg, site.URL+"/")
			if err != nil {
				t.Fatal(err)
			}
			want, blocked := 0, 1
			if allow {
				want, blocked = 1, 0
			}
			if got := site.count("/secret.html"); got != want {
				t.Errorf("%s/secret.html asked %d times, want %d", local, got, want)
			}
			if got := c.Counts().SkippedBy["blocked"]; got != blocked {
				t.Errorf("skipped as blocked: %d, want %d (counts %+v)", got, blocked, c.Counts())
			}
		})
	}
}

// TestCrawler_RobotsUnreachable: RFC 9309 §2.3.1.4: while robots.txt is
// unreachable (5xx, a timeout) nothing on the host is fetched; it is asked
// again later in the run, and the URLs wait for it, failing as
// robots-unreachable if it never comes. 4xx still allows everything.
func TestCrawler_RobotsUnreachable(t *testing.T) {
	robotsCfg := func() crawler.Config {
		cfg := fastConfig()
		cfg.Sitemaps = false
		cfg.MaxRetries = 2
		cfg.BackoffBase, cfg.BackoffMax = crawler.Duration(20*time.Millisecond), crawler.Duration(50*time.Millisecond)
		cfg.Timeout = crawler.Duration(300 * time.Millisecond)
		return cfg
	}
	// failing answers the first n requests with fail, then with ok.
	failing := func(n int, fail, ok http.HandlerFunc) http.HandlerFunc {
		var mu sync.Mutex
		calls := 0
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			calls++
			first := calls <= n
			mu.Unlock()
			if first {
				fail(w, r)
				return
			}
			ok(w, r)
		}
	}
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
	}
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	page := html(articleHTML("信用卡年费怎么免"))
	t.Run("503 always", func(t *testing.T) {
		site := newHostileSite(t, map[string]http.HandlerFunc{"/robots.txt": status(503), "/a.html": page})
		c, err := mustRun(t, mustStore(t), robotsCfg(), site.URL+"/a.html")
		if err != nil {
			t.Fatal(err)
		}
		if got := site.count("/a.html"); got != 0 {
			t.Errorf("/a.html fetched %d times while robots.txt answered 503", got)
		}
		if got := site.count("/robots.txt"); got < 2 {
			t.Errorf("robots.txt asked %d times, want it asked again later in the run", got)
		}
		if got := c.Counts().FailedBy["robots-unreachable"]; got != 1 {
			t.Errorf("failed as robots-unreachable: %d, want 1 (counts %+v)", got, c.Counts())
		}
	})
	t.Run("503 then read", func(t *testing.T) {
		site := newHostileSite(t, map[string]http.HandlerFunc{
			"/robots.txt": failing(1, status(503), text("User-agent: *\nAllow: /\n")), "/a.html": page,
		})
		c, err := mustRun(t, mustStore(t), robotsCfg(), site.URL+"/a.html")
		if err != nil {
			t.Fatal(err)
		}
		if site.count("/a.html") != 1 || site.count("/robots.txt") != 2 {
			t.Errorf("requests %v: want robots.txt twice, then /a.html", site.requests())
		}
		if c.Counts().Failed != 0 || c.Counts().New != 1 {
			t.Errorf("counts %+v: want the article archived, nothing failed", c.Counts())
		}
	})
	t.Run("timeout then disallow", func(t *testing.T) {
		site := newHostileSite(t, map[string]http.HandlerFunc{
			"/robots.txt": failing(1, hang, text("User-agent: *\nDisallow: /private/\n")), "/private/a.html": page,
		})
		c, err := mustRun(t, mustStore(t), robotsCfg(), site.URL+"/private/a.html")
		if err != nil {
			t.Fatal(err)
		}
		if got := site.count("/private/a.html"); got != 0 {
			t.Errorf("/private/a.html fetched %d times: a robots.txt that timed out allowed it", got)
		}
		if got := c.Counts().SkippedBy["robots"]; got != 1 {
			t.Errorf("skipped by robots: %d, want 1 (counts %+v)", got, c.Counts())
		}
	})
	t.Run("404 allows all", func(t *testing.T) {
		site := newHostileSite(t, map[string]http.HandlerFunc{"/robots.txt": status(404), "/a.html": page})
		if _, err := mustRun(t, mustStore(t), robotsCfg(), site.URL+"/a.html"); err != nil {
			t.Fatal(err)
		}
		if site.count("/a.html") != 1 || site.count("/robots.txt") != 1 {
			t.Errorf("requests %v: want robots.txt and /a.html once each", site.requests())
		}
	})
}

// TestCrawler_304NeverArchived: a 304 to a request without validators
// (the URL was never archived) is not "not modified": the URL is asked
// again without validators, and fails if the server insists.
func TestCrawler_304NeverArchived(t *testing.T) {
	for _, tc := range []struct {
		name     string
		always   bool
		wantNew  int
		wantFail int
	}{
		{"then 200", false, 1, 0},
		{"always", true, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var reqs []http.Header
			site := newHostileSite(t, map[string]http.HandlerFunc{
				"/robots.txt": http.NotFound,
				"/a.html": func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					reqs = append(reqs, r.Header.Clone())
					n := len(reqs)
					mu.Unlock()
					if n == 1 || tc.always {
						w.WriteHeader(http.StatusNotModified)
						return
					}
					html(articleHTML("信用卡年费怎么免"))(w, r)
				},
			})
			cfg := fastConfig()
			cfg.Sitemaps = false
			c, err := mustRun(t, mustStore(t), cfg, site.URL+"/a.html")
			if err != nil {
				t.Fatal(err)
			}
			n := c.Counts()
			if n.NotModified != 0 || n.New != tc.wantNew || n.FailedBy["http-304-unconditional"] != tc.wantFail {
				t.Errorf("counts %+v: want %d new, %d failed as http-304-unconditional, no 304 counted", n, tc.wantNew, tc.wantFail)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(reqs) != 2 {
				t.Fatalf("/a.html asked %d times, want twice", len(reqs))
			}
			for _, h := range reqs {
				if h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
					t.Errorf("a request with validators: %v", h)
				}
			}
			if reqs[1].Get("Cache-Control") != "no-cache" {
				t.Errorf("the second request does not ask caches not to answer: %v", reqs[1])
			}
		})
	}
}

// TestCrawler_BinaryServedAsHTML: a PDF, an image or noise served as
// text/html is skipped as not-html, not archived as an article of
// garbage; a page served as UTF-16 (whose NUL bytes are text) and a real
// article beside them are archived.
func TestCrawler_BinaryServedAsHTML(t *testing.T) {
	utf16 := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8)) // little-endian, BMP only
		}
		return b
	}
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(i * 131 >> 3)
	}
	site := newHostileSite(t, map[string]http.HandlerFunc{
		"/robots.txt": text("User-agent: *\nAllow: /\n"),
		"/": html(homeHTML(`<a href="/a/report.html">1</a><a href="/a/chart.html">2</a><a href="/a/noise.html">3</a>` +
			`<a href="/a/utf16.html">4</a><a href="/a/real.html">5</a>`)),
		"/a/report.html": serveBytes("text/html", append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), noise...)),
		"/a/chart.html":  serveBytes("text/html; charset=utf-8", append([]byte("\x89PNG\r\n\x1a\n"), noise...)),
		"/a/noise.html":  serveBytes("text/html", noise),
		"/a/utf16.html":  serveBytes("text/html; charset=utf-16le", utf16(articleHTML("贷款逾期的影响"))),
		"/a/real.html":   html(articleHTML("信用卡年费怎么免")),
	})
	db, c := crawlNoSitemaps(t, site.URL+"/")
	if got := c.Counts().SkippedBy["not-html"]; got != 3 {
		t.Errorf("skipped as not-html: %d, want 3 (counts %+v)", got, c.Counts())
	}
	for _, p := range []string{"/a/report.html", "/a/chart.html", "/a/noise.html"} {
		if _, err := db.Get(context.Background(), site.URL+p); err == nil {
			t.Errorf("%s archived", p)
		}
	}
	for _, p := range []string{"/a/utf16.html", "/a/real.html"} {
		rec, err := db.Get(context.Background(), site.URL+p)
		if err != nil {
			t.Errorf("%s not archived: %v", p, err)
		} else if !strings.Contains(rec.Body, "信用卡年费的减免方式") {
			t.Errorf("%s: body %q", p, rec.Body)
		}
	}
}

// TestCrawler_UnaskedContentEncoding: a body in a Content-Encoding the
// crawler never asks for (br, deflate) is skipped as content-encoding-X,
// a definitive answer: not parsed (its bytes read as a block page, and the
// URL failed as a soft block after every retry, the host parked); a real
// article beside them is archived.
func TestCrawler_UnaskedContentEncoding(t *testing.T) {
	site := newHostileSite(t, map[string]http.HandlerFunc{
		"/robots.txt":     text("User-agent: *\nAllow: /\n"),
		"/":               html(homeHTML(`<a href="/a/br.html">1</a><a href="/a/deflate.html">2</a><a href="/a/real.html">3</a>`)),
		"/a/br.html":      encodedHTML("br", []byte("\x8b\x03\x80<h1>\xe4\xbf\xa1garbled")),
		"/a/deflate.html": encodedHTML("deflate", []byte("x\x9c\xb3\xc9(\xc9\xcd\xb1\xb3I\xca")),
		"/a/real.html":    html(articleHTML("信用卡年费怎么免")),
	})
	db, c := crawlNoSitemaps(t, site.URL+"/")
	counts := c.Counts()
	if counts.SkippedBy["content-encoding-br"] != 1 || counts.SkippedBy["content-encoding-deflate"] != 1 || counts.Failed != 0 {
		t.Errorf("counts %+v; want br and deflate skipped as content-encoding-*, nothing failed", counts)
	}
	if n := site.count("/a/br.html"); n != 1 {
		t.Errorf("/a/br.html asked %d times, want once", n)
	}
	if _, err := db.Get(context.Background(), site.URL+"/a/real.html"); err != nil {
		t.Errorf("/a/real.html not archived: %v", err)
	}
}

// TestCrawler_EmptyPageReason: a 200 with an empty body is a soft block
// (an empty shell: retried with backoff), and its failure says what the
// page was; the reason read "soft block: " and nothing more.
func TestCrawler_EmptyPageReason(t *testing.T) {
	site := newHostileSite(t, map[string]http.HandlerFunc{
		"/robots.txt": text("User-agent: *\nAllow: /\n"),
		"/":           html(homeHTML(`<a href="/a/empty.html">1</a>`)),
		"/a/empty.html": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		},
	})
	db := mustStore(t)
	cfg := fastConfig()
	cfg.Sitemaps, cfg.MaxRetries = false, 1
	id, c := mustRunID(t, db, cfg, site.URL+"/")
	if c.Counts().FailedBy["soft-block"] != 1 {
		t.Fatalf("counts %+v; want the empty page failed as a soft block", c.Counts())
	}
	var reasons []string
	if err := db.Failures(context.Background(), id, func(it store.FrontierItem) error {
		reasons = append(reasons, it.LastError)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(reasons) != 1 || !strings.Contains(reasons[0], "hardly any text and no title (0 bytes)") {
		t.Errorf("failure reasons %q; want one saying the page was empty", reasons)
	}
}

// crawlNoSitemaps crawls seed with the fast test config, sitemaps off, into
// a new archive, and returns it with the crawler.
func crawlNoSitemaps(t *testing.T, seed string) (*store.DB, *crawler.Crawler) {
	t.Helper()
	db := mustStore(t)
	cfg := fastConfig()
	cfg.Sitemaps = false
	c, err := mustRun(t, db, cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return db, c
}

// TestCrawler_CorruptGzip: a body labelled gzip whose stream is broken (a
// gzip header over garbage, or a bad checksum) is the server's answer, not
// a network fault: skipped as bad-content-encoding after one request, not
// retried run after run as a failure.
func TestCrawler_CorruptGzip(t *testing.T) {
	var good bytes.Buffer
	zw := gzip.NewWriter(&good)
	zw.Write([]byte(articleHTML("信用卡分期手续费怎么算")))
	zw.Close()
	badSum := bytes.Clone(good.Bytes())
	badSum[len(badSum)-8] ^= 0xff // the CRC-32 in the trailer
	garbage := append(bytes.Clone(good.Bytes()[:10]), bytes.Repeat([]byte{0xff, 0xfe, 0xfd}, 200)...)
	site := newHostileSite(t, map[string]http.HandlerFunc{
		"/robots.txt":     text("User-agent: *\nAllow: /\n"),
		"/":               html(homeHTML(`<a href="/a/sum.html">1</a><a href="/a/garbage.html">2</a><a href="/a/good.html">3</a>`)),
		"/a/sum.html":     encodedHTML("gzip", badSum),
		"/a/garbage.html": encodedHTML("gzip", garbage),
		"/a/good.html":    encodedHTML("gzip", good.Bytes()),
	})
	db, c := crawlNoSitemaps(t, site.URL+"/")
	counts := c.Counts()
	if counts.SkippedBy["bad-content-encoding"] != 2 || counts.Failed != 0 {
		t.Errorf("counts %+v; want the two broken gzip bodies skipped as bad-content-encoding, nothing failed", counts)
	}
	for _, p := range []string{"/a/sum.html", "/a/garbage.html"} {
		if n := site.count(p); n != 1 {
			t.Errorf("%s asked %d times, want once", p, n)
		}
	}
	if _, err := db.Get(context.Background(), site.URL+"/a/good.html"); err != nil {
		t.Errorf("/a/good.html (gzip, whole) not archived: %v", err)
	}
}
