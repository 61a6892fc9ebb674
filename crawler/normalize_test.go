package crawler

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "http://Example.COM", want: "http://example.com/"},
		{in: "HTTP://example.com:80/a/b.html#frag", want: "http://example.com/a/b.html"},
		{in: "https://example.com:443/", want: "https://example.com/"},
		{in: "http://example.com:8080/x", want: "http://example.com:8080/x"},
		{in: "http://example.com/a/./b/../c.html", want: "http://example.com/a/c.html"},
		{in: "http://example.com/a/../", want: "http://example.com/"},
		{in: "http://example.com/list/?page=2&utm_source=x&b=1", want: "http://example.com/list/?page=2&b=1"},
		{in: "http://example.com/%E8%B4%B7%E6%AC%BE", want: "http://example.com/%E8%B4%B7%E6%AC%BE"},
		{in: "  http://example.com/x  ", want: "http://example.com/x"},
		{in: "ftp://example.com/", err: true},
		{in: "example.com/a", err: true},
		{in: "http:///nohost", err: true},
		{in: "ht!tp://bad url", err: true},
		{in: "", err: true},
		// The form colly's WHATWG parser sends (issue 12).
		{in: "http://example.com/pub/%2e%2e/private/x.html", want: "http://example.com/private/x.html"},
		{in: "http://example.com/pub/%2E%2e/private/x.html", want: "http://example.com/private/x.html"},
		{in: "http://example.com/a/.%2E/%2e/b", want: "http://example.com/b"},
		{in: "http://2130706433/", want: "http://127.0.0.1/"},
		{in: "http://0x7f.1:8080/x", want: "http://127.0.0.1:8080/x"},
		{in: "http://[0:0::1]:8080/x", want: "http://[::1]:8080/x"},
		{in: "http://例子.测试/a", want: "http://xn--fsqu00a.xn--0zwm56d/a"},
		{in: "http://example.com/a b", want: "http://example.com/a%20b"},
		{in: "http://example.com:99999/", err: true},
		{in: "http://example.com:0/", err: true},
		{in: "http://example.com:65536/", err: true},
		{in: "http://example.com:65535/", want: "http://example.com:65535/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if tt.err {
				if err == nil {
					t.Fatalf("Normalize(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNormalize_RequestForm: the canonical URL is exactly what colly
// requests when given it, so what was checked is what is fetched.
func TestNormalize_RequestForm(t *testing.T) {
	for _, in := range []string{
		"http://example.com/pub/%2e%2e/private/x.html", "http://example.com/%2e%2E/x", "http://example.com/a/%2e/b/",
		"http://Example.com/a//b/./c?q=1&utm_x=2#f", "http://example.com/%zz/a", "http://example.com/100%/a",
		"http://example.com/a b/c?d e", "http://example.com/中文/页?词=值", "http://example.com/a\\b",
		"http://user:pw@example.com/x", "http://example.com/a?b=%2e%2e", "http://EXAMPLE.com.:80/x",
		"https://[::FFFF:127.0.0.1]/", "http://0177.0.0.1/", "http://example.com/a/..%2f..%2fb",
		"http://example.com/;x=1/../y", "http://example.com/?", "http://example.com/#",
	} {
		canon, err := Normalize(in)
		if err != nil {
			continue
		}
		req, err := requestForm(canon)
		if err != nil {
			t.Errorf("%q → %q, which colly cannot request: %v", in, canon, err)
			continue
		}
		if req.String() != canon {
			t.Errorf("%q → %q, but colly requests %q", in, canon, req.String())
		}
		if again, _ := Normalize(canon); again != canon {
			t.Errorf("Normalize(%q) = %q, not a fixed point (%q)", in, canon, again)
		}
	}
}

func TestScope_Allow(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	s, err := NewScope([]string{"www.example.com"}, nil, []string{`/private/`}, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url    string
		ok     bool
		reason string
	}{
		{"http://www.example.com/zixun/1.html", true, ""},
		{"http://other.com/zixun/1.html", false, "out-of-scope"},
		{"http://www.example.com/private/x", false, "excluded"},
		{"http://www.example.com/calendar/?month=1989-01", false, "trap-calendar"},
		{"http://www.example.com/calendar/?month=2028-01", false, "trap-calendar"},
		{"http://www.example.com/calendar/?month=2023-11", true, ""},
		{"http://www.example.com/a/b/a/b/a/b/", false, "trap-repeated-path"},
		{"http://www.example.com/r/?" + string(make([]byte, 300)), false, "trap-long-url"},
		{"http://www.example.com/list?page=1", true, ""},
		{"http://www.example.com/list?page=1", true, ""}, // linked again: still one URL
		{"http://www.example.com/list?page=2", true, ""},
		{"http://www.example.com/list?page=2", true, ""},
		{"http://www.example.com/list?page=3", true, ""},
		{"http://www.example.com/list?page=4", false, "trap-pattern-limit"},
		{"http://www.example.com/list?page=1", true, ""}, // admitted before the limit
		{"http://www.example.com/list?page=5", false, "trap-pattern-limit"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			u = &url.URL{Scheme: "http", Host: "www.example.com", Path: "/r/", RawQuery: string(make([]byte, 300))}
		}
		ok, reason := s.Allow(u, tt.url)
		if ok != tt.ok || reason != tt.reason {
			t.Errorf("Allow(%.60q) = %v %q, want %v %q", tt.url, ok, reason, tt.ok, tt.reason)
		}
	}
	if _, err := NewScope(nil, []string{"("}, nil, 0, now); err == nil {
		t.Error("a bad include pattern was accepted")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"5", now.Add(5 * time.Second)},
		{"-3", now},
		{"Wed, 25 Nov 2026 10:01:00 GMT", now.Add(time.Minute)},
		{"soon", time.Time{}},
		// Absurd waits are a century, never a time wrapped around to the
		// past (which retried at once).
		{"99999999999", now.Add(100 * 365 * 24 * time.Hour)},
		{"99999999999999999999999", now.Add(100 * 365 * 24 * time.Hour)},
		{"-99999999999999999999999", now},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); !got.Equal(tt.want) {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestAgentToken(t *testing.T) {
	for in, want := range map[string]string{
		DefaultUserAgent:        "finarchive",
		"MyBot":                 "MyBot",
		"Mozilla/5.0 (X11)":     "Mozilla",
		"finarchive/1.0 (+url)": "finarchive",
	} {
		if got := agentToken(in); got != want {
			t.Errorf("agentToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCrawler_Backoff(t *testing.T) {
	c, _ := New(Config{BackoffBase: Duration(100 * time.Millisecond), BackoffMax: Duration(time.Second)}, nil, nil, nil)
	for attempt := 1; attempt <= 8; attempt++ {
		want := min(100*time.Millisecond<<(attempt-1), time.Second)
		for range 50 {
			d := c.backoff(attempt)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}

// TestCrawler_links: links are resolved against the page (or its <base>),
// normalised, deduplicated and scoped, in page order; a second page with
// the same relative hrefs resolves them against its own URL (the link cache
// keys relative links by base).
func TestCrawler_links(t *testing.T) {
	s, err := NewScope([]string{"www.example.com"}, nil, []string{`/private/`}, 100, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := &Crawler{scope: s, linkCache: newLinkCache()}
	const body = `<a href="2.html">2</a> <a href=" /zixun/3.html ">3</a>
		<a href="http://WWW.example.com:80/zixun/4.html#part">4</a> <a href="//www.example.com/zixun/5.html">5</a>
		<a href="JavaScript:void(0)">js</a> <a href="MAILTO:a@b.c">mail</a> <a href="#top">top</a> <a>no href</a>
		<a href="http://other.example/x">out</a> <a href="/private/y">private</a> <a href="2.html">2 again</a>
		<map><area href="/zixun/6.html"></map> <a href="../c/7.html">7</a>`
	tests := []struct {
		page, head string
		want       []string
	}{
		{"http://www.example.com/zixun/a/1.html", "", []string{
			"http://www.example.com/zixun/a/2.html", "http://www.example.com/zixun/3.html", "http://www.example.com/zixun/4.html",
			"http://www.example.com/zixun/5.html", "http://www.example.com/zixun/6.html", "http://www.example.com/zixun/c/7.html"}},
		{"http://www.example.com/zixun/b/1.html", "", []string{
			"http://www.example.com/zixun/b/2.html", "http://www.example.com/zixun/3.html", "http://www.example.com/zixun/4.html",
			"http://www.example.com/zixun/5.html", "http://www.example.com/zixun/6.html", "http://www.example.com/zixun/c/7.html"}},
		{"http://www.example.com/zixun/a/1.html", `<base href="/news/x/">`, []string{
			"http://www.example.com/news/x/2.html", "http://www.example.com/zixun/3.html", "http://www.example.com/zixun/4.html",
			"http://www.example.com/zixun/5.html", "http://www.example.com/zixun/6.html", "http://www.example.com/news/c/7.html"}},
	}
	for _, tt := range tests {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<html><head>" + tt.head + "</head><body>" + body + "</body></html>"))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := url.Parse(tt.page)
		var got []string
		for _, it := range c.links(doc, page, 2) {
			if it.Depth != 2 {
				t.Errorf("%s: depth %d", it.URL, it.Depth)
			}
			got = append(got, it.URL)
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("links of %s %s:\n got %q\nwant %q", tt.page, tt.head, got, tt.want)
		}
	}
}

// TestLinkCache_bounded: the cache forgets everything when full, then
// fills again; lookups in one scope never see another's.
func TestLinkCache_bounded(t *testing.T) {
	lc := newLinkCache()
	lc.put("http://a.example", "/x", linkResult{"http://a.example/x", true})
	if r, ok := lc.get("http://b.example", "/x"); ok {
		t.Fatalf("another origin's entry: %+v", r)
	}
	for i := range linkCacheSize {
		lc.put("", "http://a.example/"+strconv.Itoa(i), linkResult{ok: true})
	}
	if _, ok := lc.get("http://a.example", "/x"); ok {
		t.Error("the first entry survived the cache filling up")
	}
	if lc.n != 1 {
		t.Errorf("entries after the reset = %d, want 1", lc.n)
	}
	if r, ok := lc.get("", "http://a.example/"+strconv.Itoa(linkCacheSize-1)); !ok || !r.ok {
		t.Errorf("the newest entry is gone")
	}
}

func BenchmarkNormalize(b *testing.B) {
	for b.Loop() {
		if _, err := Normalize("http://www.example.com/zixun/2024/1234.html?page=2"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScope_HostForms: a host given to the scope (--host) is matched as
// canonical URLs write hosts, whichever way it was written: an IDN in
// Unicode (its links are punycode once normalized), any case, a URL on
// it, http's default port.
func TestScope_HostForms(t *testing.T) {
	s, err := NewScope([]string{"例子.测试", "WWW.Example.COM", "https://Bank.example.org/zixun/", "shop.example.net:80"}, nil, nil, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"http://例子.测试/a.html", "http://xn--fsqu00a.xn--0zwm56d/b.html", "http://www.example.com/x",
		"https://bank.example.org/y", "http://shop.example.net/z"} {
		canon, err := Normalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(canon)
		if !s.InHost(u) {
			t.Errorf("%s (%s): out of scope", raw, canon)
		}
	}
	u, _ := url.Parse("http://other.example.com/")
	if s.InHost(u) {
		t.Error("other.example.com: in scope")
	}
}

// TestNormalize_NoScheme: a URL written without its scheme (a host name,
// or host:port, as one types a seed) is refused saying so, with or
// without a port (with one, url.Parse's error spoke of a colon in the
// first path segment).
func TestNormalize_NoScheme(t *testing.T) {
	for _, raw := range []string{"www.example.com/zixun/", "127.0.0.1:8080/", "www.example.com:8080", "localhost:8080/a.html"} {
		_, err := Normalize(raw)
		if err == nil || !strings.Contains(err.Error(), "has no scheme (want http:// or https://)") {
			t.Errorf("Normalize(%q): %v; want an error saying it has no scheme", raw, err)
		}
	}
	if _, err := Normalize("tel:400-820-8888"); err == nil || !strings.Contains(err.Error(), `unsupported scheme "tel"`) {
		t.Errorf("Normalize(tel:…): %v; want an unsupported scheme", err)
	}
}
