package extract_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/testsite"
)

// siteBase is the base URL the testsite pages are rendered for.
const siteBase = "http://127.0.0.1:18080"

// sitePage renders path (with query) through the site's handler in
// process and extracts it. It returns the status code too.
func sitePage(t *testing.T, s *testsite.Site, path string) (*extract.Record, int) {
	t.Helper()
	u := siteBase + path
	rr := httptest.NewRecorder()
	s.Handler().ServeHTTP(rr, httptest.NewRequest(http.MethodGet, u, nil))
	rec, err := extract.ExtractBytes(rr.Body.Bytes(), rr.Header().Get("Content-Type"), u, extract.Options{FetchedAt: fetched})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rec, rr.Code
}

func pathOf(t *testing.T, s string) string {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// TestExtract_TestsiteAll extracts every article of a 400-article site at
// versions 0..3 and compares each with the site's truth: none may be taken
// for a block page (a tip that mentions 验证码 in passing once was) or be
// off in any field.
func TestExtract_TestsiteAll(t *testing.T) {
	const n = 400
	s := testsite.New(testsite.Options{Articles: n})
	fails := 0
	for v := 0; v <= 3; v++ {
		s.SetVersion(v)
		for i := 0; i < n && fails < 10; i++ {
			want := s.TruthOf(siteBase, i)
			got, code := sitePage(t, s, pathOf(t, s.ArticleURL(siteBase, i)))
			if code != http.StatusOK {
				t.Fatalf("v%d article %d: status %d", v, i, code)
			}
			t.Run(fmt.Sprintf("v%d/%d", v, i), func(t *testing.T) {
				compareRecords(t, got, &want)
				if t.Failed() {
					fails++
				}
			})
		}
	}
}

// TestExtract_TestsiteBlocked checks the testsite's injected block pages
// (a captcha page and an empty JS shell, both served with 200) and its 429
// page: each is PageBlocked, on an article URL as on a list URL.
func TestExtract_TestsiteBlocked(t *testing.T) {
	s := testsite.New(testsite.Options{Articles: 40})
	art := pathOf(t, s.ArticleURL(siteBase, 21))
	for _, c := range []struct {
		name string
		f    testsite.Faults
	}{
		{"soft-block", testsite.Faults{RateSoftBlock: 1}},
		{"empty", testsite.Faults{RateEmpty: 1}},
		{"429", testsite.Faults{Rate429: 1}},
	} {
		for _, p := range []string{art, "/list/", "/"} {
			s.SetFaults(c.f)
			rec, _ := sitePage(t, s, p)
			if rec.PageType != extract.PageBlocked {
				t.Errorf("%s %s: page type %q, want blocked", c.name, p, rec.PageType)
			}
		}
	}
	// Without faults the same article is an article again.
	s.SetFaults(testsite.Faults{})
	if rec, _ := sitePage(t, s, art); rec.PageType != extract.PageArticle {
		t.Errorf("%s without faults: page type %q", art, rec.PageType)
	}
}

// TestExtract_TestsiteNonArticles extracts every kind of page the testsite
// serves that is not an article: none may become an article record.
func TestExtract_TestsiteNonArticles(t *testing.T) {
	s := testsite.New(testsite.Options{Articles: 120})
	paths := []string{
		"/", "/index.html", "/list/", "/wenda/",
		"/list/daikuan/", "/list/daikuan/2.html", "/list/xinyongka/", "/list/baoxian/",
		"/search/?q=" + url.QueryEscape("贷款"), "/search/?q=" + url.QueryEscape("银行卡"), "/search/?q=",
		"/calendar/?month=2023-11", "/calendar/?month=2024-02", "/calendar/?month=1999-01", "/calendar/",
		"/refer/?from=home", "/refer/?from=footer&ref=1", "/refer/?from=footer&ref=1&ref=2", "/refer/",
		"/old/missing.html", "/about.html", "/zixun/99999.html", "/list/nope/", "/list/daikuan/99.html", "/go/1",
		"/private/index.html", "/private/more.html", "/private/vip-10004.html",
		"/bad-utf8.html",
	}
	// The self-link trap grows one parameter per hop.
	chain := "/refer/?from=footer"
	for k := 1; k <= 12; k++ {
		chain += fmt.Sprintf("&ref=%d", k)
		paths = append(paths, chain)
	}
	for _, p := range paths {
		rec, code := sitePage(t, s, p)
		t.Logf("%-40s %d %-8s title=%q body=%d", p, code, rec.PageType, rec.Title, len([]rune(rec.Body)))
		if rec.PageType == extract.PageArticle {
			t.Errorf("%s (status %d): page type article, title %q, body %q", p, code, rec.Title, rec.Body)
		}
	}
}
