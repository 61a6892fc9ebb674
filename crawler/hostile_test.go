package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
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
		db := mustStore(t)
		cfg := fastConfig()
		cfg.Sitemaps = false
		c, err := mustRun(t, db, cfg, site.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
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
