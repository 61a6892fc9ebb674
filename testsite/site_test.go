package testsite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// startSite starts a site and closes it when the test ends.
func startSite(t testing.TB, opt Options) (*Site, string) {
	t.Helper()
	s := New(opt)
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, base
}

// get fetches u and returns the response with its body read.
func get(t testing.TB, c *http.Client, u string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k+1 < len(hdr); k += 2 {
		req.Header.Set(hdr[k], hdr[k+1])
	}
	if c == nil {
		c = noRedirect
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", u, err)
	}
	return resp, b
}

var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// decode returns the page as UTF-8, decoding GBK pages.
func decode(t testing.TB, resp *http.Response, b []byte) string {
	t.Helper()
	if resp.Header.Get("Content-Type") == "text/html" && bytes.Contains(b, []byte("charset=gbk")) {
		u, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
		if err != nil {
			t.Fatalf("decode gbk: %v", err)
		}
		return string(u)
	}
	return string(b)
}

// crawl walks the site from / the way a polite crawler would: same host,
// no /private/, and not into the traps, the big page or the PDF. It returns
// the final status of every URL visited.
func crawl(t *testing.T, base string) map[string]int {
	t.Helper()
	bu, _ := url.Parse(base)
	seen := map[string]int{}
	queue := []string{base + "/"}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if _, ok := seen[u]; ok {
			continue
		}
		resp, body := get(t, noRedirect, u)
		seen[u] = resp.StatusCode
		if loc := resp.Header.Get("Location"); loc != "" {
			ref, _ := url.Parse(u)
			next, _ := ref.Parse(loc)
			queue = append(queue, next.String())
			continue
		}
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(decode(t, resp, body)))
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := url.Parse(u)
		doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
			h, _ := a.Attr("href")
			next, err := ref.Parse(h)
			if err != nil || next.Host != bu.Host || next.Scheme != "http" {
				return
			}
			next.Fragment = ""
			p := next.Path
			for _, skip := range []string{"/private/", "/calendar/", "/refer/", "/big.html", "/files/", "/loop/", "/search/"} {
				if strings.HasPrefix(p, skip) {
					return
				}
			}
			queue = append(queue, next.String())
		})
	}
	return seen
}

func TestSite_TruthReachableAndConsistent(t *testing.T) {
	for _, n := range []int{1, 6, 130} {
		t.Run(strconv.Itoa(n), func(t *testing.T) { testTruth(t, n) })
	}
}

func testTruth(t *testing.T, n int) {
	s, base := startSite(t, Options{Articles: n, Seed: 7})
	seen := crawl(t, base)
	truth := s.Truth(base)
	if len(truth) != n {
		t.Fatalf("truth has %d records, want %d", len(truth), n)
	}
	for _, p := range []string{"/private/", "/calendar/"} {
		for u := range s.Requests() {
			if strings.HasPrefix(u, p) {
				t.Errorf("test crawler fetched %s", u)
			}
		}
	}
	for k, rec := range truth {
		if seen[rec.URL] != http.StatusOK {
			t.Errorf("article %d %s not reached from / (status %d)", k, rec.URL, seen[rec.URL])
			continue
		}
		resp, body := get(t, nil, rec.URL)
		page := decode(t, resp, body)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		text := doc.Text()
		for _, l := range strings.Split(rec.Body, "\n") {
			if !strings.Contains(text, l) {
				t.Errorf("%s: body line %q not on the page", rec.URL, l)
			}
		}
		if n := utf8.RuneCountInString(rec.Body); n < 300 || n > 1500 {
			t.Errorf("%s: body is %d chars, want 300..1500", rec.URL, n)
		}
		if got := doc.Find("h1").Text(); got != rec.Title {
			t.Errorf("%s: h1 %q, want title %q", rec.URL, got, rec.Title)
		}
		if !strings.Contains(page, rec.PublishedRaw) {
			t.Errorf("%s: published_raw %q not in the page", rec.URL, rec.PublishedRaw)
		}
		if rec.Published == nil || rec.Published.Format("-07:00") != "+08:00" {
			t.Errorf("%s: published %v not in +08:00", rec.URL, rec.Published)
		}
		if kw, _ := doc.Find(`meta[name="keywords"]`).Attr("content"); kw != strings.Join(rec.Keywords, ",") {
			t.Errorf("%s: meta keywords %q, want %q", rec.URL, kw, rec.Keywords)
		}
		if !strings.Contains(text, rec.Author) {
			t.Errorf("%s: author %q not on the page", rec.URL, rec.Author)
		}
		if len(rec.Cards) != min(n-1, cardSpec[s.TemplateOf(k)]) {
			t.Errorf("%s: no cards", rec.URL)
		}
		for _, c := range rec.Cards {
			if seen[c.URL] != http.StatusOK {
				t.Errorf("%s: card url %s is not an article", rec.URL, c.URL)
			}
			for _, f := range []string{c.Title, c.Snippet, c.Category, c.Date} {
				if !strings.Contains(text, f) {
					t.Errorf("%s: card field %q not on the page", rec.URL, f)
				}
			}
		}
		if rec.Site != strings.TrimPrefix(base, "http://") || rec.ContentHash != rec.Hash() {
			t.Errorf("%s: site %q hash %q", rec.URL, rec.Site, rec.ContentHash)
		}
	}
	if n < 12 {
		return
	}
	// The template-specific traits the extractors are tested on.
	for _, tc := range []struct {
		tpl      Template
		contains []string
		absent   []string
	}{
		{TemplateSeed, []string{"发布时间：", "相关搜索词：", "大家还在看", "来源："}, []string{"charset=gbk"}},
		{TemplateGBK, []string{`content="text/html; charset=gbk"`, "相关阅读", "作者：", "年"}, []string{"发布时间"}},
		{TemplateMeta, []string{`property="article:published_time"`, `"datePublished"`, "天前", "猜你喜欢", " - " + siteName + "</title>"}, []string{"相关搜索词"}},
		{TemplateQA, []string{"时间：", "相关推荐", "上一篇：", "推荐阅读：", "网友评论", "分享到："}, []string{"大家还在看"}},
	} {
		i := int(tc.tpl) + 8
		resp, body := get(t, nil, s.ArticleURL(base, i))
		page := decode(t, resp, body)
		for _, w := range tc.contains {
			if !strings.Contains(page, w) {
				t.Errorf("%v page lacks %q", tc.tpl, w)
			}
		}
		for _, w := range tc.absent {
			if strings.Contains(page, w) {
				t.Errorf("%v page has %q", tc.tpl, w)
			}
		}
	}
}

func TestSite_ContentShape(t *testing.T) {
	s := New(Options{Articles: 2000, Seed: 3})
	var lists, tips, edited int
	for i := 0; i < 2000; i++ {
		a := s.full(i, 0)
		n := utf8.RuneCountInString(strings.Join(a.bodyLines(), ""))
		if n < 300 || n > 1500 {
			t.Fatalf("article %d: body %d chars", i, n)
		}
		for _, b := range a.Blocks {
			switch b.Kind {
			case blockUL, blockOL:
				lists++
			case blockTips:
				tips++
			}
		}
		if a.Published.Location() != cst || a.Published.After(newestDate) {
			t.Fatalf("article %d: published %v", i, a.Published)
		}
		if s.full(i, 0).Title != a.Title || s.meta(i, 5).Intro != a.Intro {
			t.Fatalf("article %d: generation is not deterministic", i)
		}
		if s.full(i, 1).Title != a.Title && i%10 != 1 {
			edited++
		}
	}
	if lists < 2000 || tips < 1000 || tips > 1900 || edited != 0 {
		t.Errorf("lists %d tips %d edited %d", lists, tips, edited)
	}
	if New(Options{Seed: 2}).full(0, 0).Intro == New(Options{Seed: 5}).full(0, 0).Intro &&
		New(Options{Seed: 2}).full(1, 0).Intro == New(Options{Seed: 5}).full(1, 0).Intro {
		t.Error("the seed does not change the content")
	}
}

func TestSite_GBK(t *testing.T) {
	s, base := startSite(t, Options{})
	i := int(TemplateGBK)
	resp, body := get(t, nil, s.ArticleURL(base, i))
	if ct := resp.Header.Get("Content-Type"); ct != "text/html" {
		t.Errorf("Content-Type %q, want text/html without charset", ct)
	}
	if utf8.Valid(body) {
		t.Error("GBK page is valid UTF-8")
	}
	page := decode(t, resp, body)
	rec := s.TruthOf(base, i)
	if !strings.Contains(page, "<h1>"+rec.Title+"</h1>") || !strings.Contains(page, "Copyright &copy; 2015-2023") {
		t.Errorf("decoded GBK page lacks title %q or footer", rec.Title)
	}
	if !strings.Contains(page, rec.PublishedRaw) || !strings.Contains(rec.PublishedRaw, "年") {
		t.Errorf("published_raw %q not on the page", rec.PublishedRaw)
	}
}

func TestSite_ConditionalGET(t *testing.T) {
	s, base := startSite(t, Options{Articles: 40})
	u := s.ArticleURL(base, 1)     // edited by version 1
	other := s.ArticleURL(base, 2) // not edited by version 1
	resp, body := get(t, nil, u)
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("no validators: ETag %q Last-Modified %q", etag, lm)
	}
	r2, _ := get(t, nil, u)
	if r2.Header.Get("ETag") != etag {
		t.Fatalf("ETag not stable: %q then %q", etag, r2.Header.Get("ETag"))
	}
	tests := []struct {
		name string
		hdr  []string
		want int
	}{
		{"etag match", []string{"If-None-Match", etag}, http.StatusNotModified},
		{"etag in list", []string{"If-None-Match", `"x", ` + etag}, http.StatusNotModified},
		{"etag mismatch", []string{"If-None-Match", `W/"other"`}, http.StatusOK},
		{"etag wins over date", []string{"If-None-Match", `W/"other"`, "If-Modified-Since", lm}, http.StatusOK},
		{"modified since same", []string{"If-Modified-Since", lm}, http.StatusNotModified},
		{"modified since before", []string{"If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"}, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := get(t, nil, u, tc.hdr...)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusNotModified && len(b) != 0 {
				t.Errorf("304 with a %d-byte body", len(b))
			}
		})
	}
	ro, bodyOther := get(t, nil, other)
	s.SetVersion(1)
	if resp, _ := get(t, nil, u, "If-None-Match", etag); resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Errorf("edited article: status %d ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
	if resp, _ := get(t, nil, u, "If-Modified-Since", lm); resp.StatusCode != http.StatusOK {
		t.Errorf("edited article: If-Modified-Since gave %d", resp.StatusCode)
	}
	if resp, _ := get(t, nil, other, "If-None-Match", ro.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("unedited article: status %d, want 304", resp.StatusCode)
	}
	if _, b := get(t, nil, other); bytes.Equal(b, bodyOther) {
		t.Error("related cards did not rotate with the version")
	}
	_ = body
	st := s.Stats()
	if st.NotModified < 4 || st.OK < 5 || st.Bytes == 0 || st.Requests != st.OK+st.NotModified {
		t.Errorf("stats %+v", st)
	}
}

func TestSite_VersionSwitch(t *testing.T) {
	s := New(Options{Articles: 57})
	base := "http://example.test"
	prev := s.Truth(base)
	for v := 1; v <= 23; v++ {
		s.SetVersion(v)
		cur := s.Truth(base)
		var changed []string
		cardsMoved := 0
		for k := range cur {
			if cur[k].Hash() != prev[k].Hash() {
				changed = append(changed, cur[k].URL)
			}
			if cur[k].Cards[0].URL != prev[k].Cards[0].URL {
				cardsMoved++
			}
			if etagChanged := s.etag(s.full(k, v)) != s.etag(s.full(k, v-1)); etagChanged != (cur[k].Hash() != prev[k].Hash()) {
				t.Errorf("v%d article %d: ETag changed %v, content changed %v", v, k, etagChanged, !etagChanged)
			}
		}
		want := s.ChangedArticles(v, base)
		if !slices.Equal(changed, want) || len(want) == 0 {
			t.Errorf("v%d: changed %d articles %v, ChangedArticles says %d %v", v, len(changed), changed, len(want), want)
		}
		if cardsMoved != len(cur) {
			t.Errorf("v%d: cards rotated on %d of %d articles", v, cardsMoved, len(cur))
		}
		prev = cur
	}
	for i, rec := range s.TruthSeq(base) {
		if rec.Hash() != prev[i].Hash() {
			t.Fatalf("TruthSeq and Truth disagree on article %d", i)
		}
	}
	if got := len(s.ChangedBetween(0, 3, base)); got != 18 {
		t.Errorf("ChangedBetween(0, 3) = %d articles, want 18", got)
	}
	if s.ChangedArticles(0, base) != nil {
		t.Error("ChangedArticles(0) not empty")
	}
}

func TestSite_RobotsSitemapAndSpecialPages(t *testing.T) {
	s, base := startSite(t, Options{Articles: 1500})
	_, robots := get(t, nil, base+"/robots.txt")
	for _, w := range []string{"User-agent: *", "Disallow: /private/", "Sitemap: " + base + "/sitemap.xml"} {
		if !strings.Contains(string(robots), w) {
			t.Errorf("robots.txt lacks %q:\n%s", w, robots)
		}
	}
	_, idx := get(t, nil, base+"/sitemap.xml")
	if !strings.Contains(string(idx), "<sitemapindex") || strings.Count(string(idx), "<sitemap>") != 2 {
		t.Fatalf("sitemap index:\n%s", idx)
	}
	var locs []string
	for k := 1; k <= 2; k++ {
		_, b := get(t, nil, fmt.Sprintf("%s/sitemap-%d.xml", base, k))
		for _, part := range strings.Split(string(b), "<loc>")[1:] {
			locs = append(locs, part[:strings.Index(part, "</loc>")])
		}
	}
	if !slices.Equal(locs, s.ArticleURLs(base)) {
		t.Errorf("sitemaps list %d URLs, want the %d articles", len(locs), s.Articles())
	}

	tests := []struct {
		path     string
		status   int
		location string
		ctype    string
		contains string
	}{
		{"/go/10003", http.StatusMovedPermanently, s.ArticleURL("", 2), "", ""},
		{"/go/99", http.StatusNotFound, "", "", ""},
		{"/loop/a", http.StatusFound, "/loop/b", "", ""},
		{"/loop/b", http.StatusFound, "/loop/a", "", ""},
		{"/about.html", http.StatusNotFound, "", "", ""},
		{"/zixun/10002.html", http.StatusNotFound, "", "", ""}, // id of a gbk article under the seed path
		{"/list/daikuan/16.html", http.StatusNotFound, "", "", ""},
		{"/list/daikuan/15.html", http.StatusOK, "", "text/html; charset=utf-8", "上一页"},
		{"/private/vip-10004.html", http.StatusOK, "", "", "会员"},
		{"/files/rate.pdf", http.StatusOK, "", "application/pdf", "%PDF-"},
		{"/calendar/?month=2023-11", http.StatusOK, "", "", "/calendar/?month=2023-12"},
		{"/calendar/?month=2999-12", http.StatusOK, "", "", "/calendar/?month=3000-01"},
		{"/refer/?from=footer&ref=1", http.StatusOK, "", "", "/refer/?from=footer&amp;ref=1&amp;ref=2"},
		{"/search/?q=" + url.QueryEscape("贷款"), http.StatusOK, "", "", "搜索结果"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, b := get(t, nil, base+tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := resp.Header.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			if ct := resp.Header.Get("Content-Type"); tc.ctype != "" && ct != tc.ctype {
				t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
			}
			if !strings.Contains(string(b), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
		})
	}

	resp, b := get(t, nil, base+"/big.html")
	if len(b) != bigSize || resp.ContentLength != bigSize {
		t.Errorf("big.html: %d bytes, Content-Length %d", len(b), resp.ContentLength)
	}
	if _, b := get(t, nil, base+"/bad-utf8.html"); utf8.Valid(b) {
		t.Error("bad-utf8.html is valid UTF-8")
	}
	_, home := get(t, nil, base+"/")
	for _, w := range []string{"© 2015-2023 某某财经网 版权所有", icp, "热门排行", `href="/files/rate.pdf"`, `href="/big.html"`, "/go/"} {
		if !strings.Contains(string(home), w) {
			t.Errorf("home page lacks %q", w)
		}
	}
	// Every list and article page links to the trap.
	for _, p := range []string{"/list/baoxian/", "/wenda/", s.ArticleURL("", 0), s.ArticleURL("", 2)} {
		if _, b := get(t, nil, base+p); !strings.Contains(string(b), trapEntry) {
			t.Errorf("%s does not link to the trap", p)
		}
	}
	if s.Requests()["/loop/a"] != 1 || s.Requests()["/robots.txt"] != 1 {
		t.Errorf("request counts: %v", s.Requests()["/loop/a"])
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 || s.Stats().Requests != 0 {
		t.Error("ResetRequests left counts")
	}
}

// outcome is what a client saw for one request.
func outcome(c *http.Client, u string) string {
	resp, err := c.Get(u)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ue.Timeout() {
			return "timeout"
		}
		return "error"
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode != http.StatusOK:
		return strconv.Itoa(resp.StatusCode)
	case bytes.Contains(b, []byte("访问过于频繁，请稍后再试")):
		return "soft-block"
	case bytes.Contains(b, []byte(`<div id="app"></div>`)):
		return "empty"
	}
	return "ok"
}

func TestSite_FaultsDeterministicAndBounded(t *testing.T) {
	f := Faults{Rate500: 0.1, Rate503: 0.1, Rate429: 0.1, RateReset: 0.1, RateHang: 0.05,
		RateSoftBlock: 0.1, RateEmpty: 0.1, MaxPerURL: 3, HangMax: 2 * time.Second}
	client := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	run := func() ([]string, Stats) {
		s, base := startSite(t, Options{Articles: 40})
		s.SetFaults(f)
		var seq []string
		for _, u := range s.ArticleURLs(base)[:25] {
			fails := 0
			for attempt := 0; ; attempt++ {
				o := outcome(client, u)
				seq = append(seq, o)
				if o == "ok" {
					break
				}
				fails++
				if fails > f.MaxPerURL {
					t.Fatalf("%s failed %d times", u, fails)
				}
			}
		}
		return seq, s.Stats()
	}
	a, sa := run()
	b, _ := run()
	if !slices.Equal(a, b) {
		t.Errorf("fault sequences differ:\n%v\n%v", a, b)
	}
	kinds := map[string]bool{}
	for _, o := range a {
		kinds[o] = true
	}
	for _, k := range []string{"ok", "500", "503", "429", "error", "soft-block", "empty"} {
		if !kinds[k] {
			t.Errorf("outcome %q never seen in %v", k, a)
		}
	}
	if sa.Faults != int64(len(a)-25) {
		t.Errorf("stats count %d faults, client saw %d", sa.Faults, len(a)-25)
	}
	// /robots.txt never fails.
	s, base := startSite(t, Options{})
	s.SetFaults(Faults{Rate500: 1})
	if o := outcome(client, base+"/robots.txt"); o != "ok" {
		t.Errorf("robots.txt: %s", o)
	}
	if o := outcome(client, base+"/"); o != "500" {
		t.Errorf("home with Rate500=1: %s", o)
	}
}

func TestSite_HangAbortsWhenClientLeaves(t *testing.T) {
	s, base := startSite(t, Options{})
	s.SetFaults(Faults{RateHang: 1, HangMax: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("hang answered")
	}
	// Close must not wait for the minute-long hang.
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close blocked on a hung response")
	}
}

func TestSite_RetryAfter(t *testing.T) {
	s, base := startSite(t, Options{})
	s.SetFaults(Faults{Rate429: 1, MaxPerURL: 1, RetryAfter: time.Second})
	impatient, patient := s.ArticleURL(base, 0), s.ArticleURL(base, 1)

	if resp, _ := get(t, nil, impatient); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	get(t, nil, impatient)
	if v := s.RetryAfterViolations(); len(v) != 1 || !strings.Contains(v[0], "/zixun/10001.html") {
		t.Fatalf("violations %v, want one for the impatient URL", v)
	}

	resp, _ := get(t, nil, patient)
	ra := resp.Header.Get("Retry-After")
	var wait time.Time
	if secs, err := strconv.Atoi(ra); err == nil {
		wait = time.Now().Add(time.Duration(secs) * time.Second)
	} else if wait, err = http.ParseTime(ra); err != nil {
		t.Fatalf("Retry-After %q", ra)
	}
	time.Sleep(time.Until(wait))
	if resp, _ := get(t, nil, patient); resp.StatusCode != http.StatusOK {
		t.Fatalf("after waiting: status %d", resp.StatusCode)
	}
	if v := s.RetryAfterViolations(); len(v) != 1 {
		t.Errorf("violations %v, want only the impatient one", v)
	}
	if n := len(s.RetryAfters()); n != 2 {
		t.Errorf("%d 429s recorded, want 2", n)
	}
}

func TestSite_RetryAfterDates(t *testing.T) {
	h := New(Options{}).Handler()
	var secs, dates int
	for k := 0; k < 30; k++ {
		s := New(Options{Seed: int64(k + 1)})
		s.SetFaults(Faults{Rate429: 1})
		h = s.Handler()
		rec := &headerRecorder{h: http.Header{}}
		req, _ := http.NewRequest(http.MethodGet, "http://x.test/", nil)
		h.ServeHTTP(rec, req)
		ra := rec.h.Get("Retry-After")
		if _, err := strconv.Atoi(ra); err == nil {
			secs++
		} else if _, err := http.ParseTime(ra); err == nil {
			dates++
		} else {
			t.Fatalf("bad Retry-After %q", ra)
		}
	}
	if secs == 0 || dates == 0 {
		t.Errorf("Retry-After forms: %d seconds, %d dates; want both", secs, dates)
	}
}

// headerRecorder is a minimal ResponseWriter keeping the headers.
type headerRecorder struct {
	h    http.Header
	code int
}

func (r *headerRecorder) Header() http.Header         { return r.h }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(c int)           { r.code = c }
