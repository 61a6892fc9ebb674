package extract_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fetched is the fetch time of every golden extraction.
var fetched = time.Date(2024, 1, 15, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

// TestExtract_Testsite checks every field of one page per testsite template
// against the site's own truth, with no profile.
func TestExtract_Testsite(t *testing.T) {
	truths, _ := filepath.Glob(filepath.Join("testdata", "testsite", "*.truth.json"))
	if len(truths) == 0 {
		t.Skip("no testsite fixtures in testdata/testsite (go test ./testsite -run TestFixtures -update)")
	}
	for _, tp := range truths {
		name := strings.TrimSuffix(filepath.Base(tp), ".truth.json")
		t.Run(name, func(t *testing.T) {
			var want extract.Record
			data, err := os.ReadFile(tp)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("%s: %v", tp, err)
			}
			raw, err := os.ReadFile(filepath.Join("testdata", "testsite", name+".html"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := extract.ExtractBytes(raw, "text/html", want.URL, extract.Options{FetchedAt: want.FetchedAt})
			if err != nil {
				t.Fatal(err)
			}
			compareRecords(t, got, &want)
		})
	}
}

// compareRecords reports every field of got that differs from want.
func compareRecords(t *testing.T, got, want *extract.Record) {
	t.Helper()
	check := func(field string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got: %#v\nwant: %#v", field, g, w)
		}
	}
	check("url", got.URL, want.URL)
	check("title", got.Title, want.Title)
	if got.Body != want.Body {
		gl, wl := strings.Split(got.Body, "\n"), strings.Split(want.Body, "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("body line %d:\n got: %q\nwant: %q", i+1, g, w)
				break
			}
		}
		if len(gl) != len(wl) {
			t.Errorf("body: %d lines, want %d", len(gl), len(wl))
		}
	}
	pub := func(p *time.Time) string {
		if p == nil {
			return "<nil>"
		}
		return p.Format(time.RFC3339)
	}
	check("published", pub(got.Published), pub(want.Published))
	check("published_raw", got.PublishedRaw, want.PublishedRaw)
	check("author", got.Author, want.Author)
	check("source", got.Source, want.Source)
	check("category", got.Category, want.Category)
	check("breadcrumb", nonNil(got.Breadcrumb), nonNil(want.Breadcrumb))
	check("keywords", nonNil(got.Keywords), nonNil(want.Keywords))
	check("site", got.Site, want.Site)
	check("page_type", got.PageType, want.PageType)
	if len(got.Cards) != len(want.Cards) {
		t.Errorf("cards: %d, want %d", len(got.Cards), len(want.Cards))
	}
	for i := 0; i < min(len(got.Cards), len(want.Cards)); i++ {
		if got.Cards[i] != want.Cards[i] {
			t.Errorf("card %d:\n got: %+v\nwant: %+v", i, got.Cards[i], want.Cards[i])
		}
	}
	if want.ContentHash != "" {
		check("content_hash", got.ContentHash, want.ContentHash)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// goldenCase is one hand-written fixture: testdata/<name>.html, extracted
// as url (and content type), compared with testdata/<name>.golden.json.
type goldenCase struct {
	name, url, contentType string
}

var goldenCases = []goldenCase{
	{"seedlike", "https://www.kabao.example/zixun/12345.html", "text/html; charset=utf-8"},
	{"gbk-meta", "http://news.oldsite.example/2005-03/21/content_77.htm", ""},
	{"jsdate", "https://m.fin.example/a/98765", "text/html"},
	{"qa", "https://wenda.loan.example/q/556.html", "text/html; charset=utf-8"},
	{"news-comments", "https://finance.daily.example/2023/1123/a1.shtml", "text/html; charset=utf-8"},
	{"list", "https://www.kabao.example/zixun/list_2.html", "text/html; charset=utf-8"},
	{"home", "https://www.kabao.example/", "text/html; charset=utf-8"},
	{"notfound", "https://www.kabao.example/zixun/99999.html", "text/html; charset=utf-8"},
	{"captcha", "https://www.kabao.example/zixun/12346.html", "text/html; charset=utf-8"},
	{"search", "https://www.kabao.example/search?q=%E8%AF%81%E4%B9%A6", "text/html; charset=utf-8"},
	// An article that mentions 验证码 in its title and tips is no block page.
	{"tip-article", "https://www.kabao.example/yinhangka/20231008.html", "text/html; charset=utf-8"},
	// A headline over a table of day numbers is no article.
	{"calendar", "https://www.kabao.example/calendar/?month=2023-11", "text/html; charset=utf-8"},
	// A one-line notice under a heading is no article.
	{"notice", "https://www.kabao.example/member/index.html", "text/html; charset=utf-8"},
	// A block message inside the site's shell is a block page.
	{"block-shell", "https://www.kabao.example/zixun/12347.html", "text/html; charset=utf-8"},
	// A tiny "not found" page served with 200 is an error, not a block.
	{"soft404", "https://www.kabao.example/zixun/12348.html", "text/html; charset=utf-8"},
	// A date-only machine date a day off the labelled date the page shows.
	{"date-dayoff", "https://www.gov.example/zc/202201/t20220128_1.html", "text/html; charset=utf-8"},
	// A list page of only two items, headline-less: its first item's link
	// is no title of this page.
	{"list-small", "http://127.0.0.1:38973/list/xinyongka/", "text/html; charset=utf-8"},
	// A government notice whose heading is set as three centred lines.
	{"split-title", "http://www.gov.example/zcwj/202303/t20230315_1.html", "text/html; charset=utf-8"},
	// A news page signed off with two names in brackets, then comments.
	{"news-signoff", "https://finance.example.com/bank/20230612/1.html", "text/html; charset=utf-8"},
	// A meta author naming the site (a domain and a comma list): no author.
	{"meta-author-site", "https://www.caijing.example.cn/licai/20230201/1.html", "text/html; charset=utf-8"},
	// A news text about ICP filing that runs into the site footer (licence
	// number, copyright, report hotline) in one block, signed off by a
	// reporter and a correspondent.
	{"news-footer", "https://www.ribao.example/news/20231120/1.html", "text/html; charset=utf-8"},
	// A column: heading, the author's name alone on a line, then the text.
	{"essay-byline", "https://www.licai.example/zhuanlan/88.html", "text/html; charset=utf-8"},
	// A page whose <meta> says gb2312 but whose bytes are UTF-8, served
	// with no charset in the header: the bytes win.
	// A reprint: the heading over a "（原标题：…）" line that repeats it with
	// other quotes; the site's logo is an h1 too.
	{"title-reprint", "https://news.site.example/finance/2023/1120/3.html", "text/html; charset=utf-8"},
	// A headline with a 原创 badge in its box, and a related box that holds
	// the same headline among its neighbours.
	{"title-badge", "https://www.kabao.example/a/1002", "text/html; charset=utf-8"},
	// An English headline in a title box with the byline and date, a
	// gallery counter after it, the site's name in a logo h1.
	{"title-byline-en", "https://ledger.example/business/2023/11/19/lenders", "text/html; charset=utf-8"},
	{"utf8-gbmeta", "http://www.ribao.example/local/2023-11/18/1.html", "text/html"},
}

// TestExtract_Golden extracts the hand-written fixtures and compares the
// records with their golden files (-update rewrites them).
func TestExtract_Golden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", c.name+".html"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := extract.ExtractBytes(raw, c.contentType, c.url, extract.Options{FetchedAt: fetched})
			if err != nil {
				t.Fatal(err)
			}
			gp := filepath.Join("testdata", c.name+".golden.json")
			if *update {
				var b bytes.Buffer
				enc := json.NewEncoder(&b)
				enc.SetEscapeHTML(false) // body_html stays readable
				enc.SetIndent("", "  ")
				if err := enc.Encode(got); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(gp, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(gp)
			if err != nil {
				t.Fatalf("%v (run go test ./extract -run TestExtract_Golden -update)", err)
			}
			var want extract.Record
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			compareRecords(t, got, &want)
			if got.BodyHTML != want.BodyHTML {
				t.Errorf("body_html:\n got: %s\nwant: %s", got.BodyHTML, want.BodyHTML)
			}
			if !got.FetchedAt.Equal(want.FetchedAt) {
				t.Errorf("fetched_at %v, want %v", got.FetchedAt, want.FetchedAt)
			}
		})
	}
}

func mustURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// TestExtractBytes_Robust covers inputs that must not lose the page or
// fail: trees deeper than the parser accepts, empty and binary input, a
// body made only of dated lines.
func TestExtractBytes_Robust(t *testing.T) {
	deep := strings.Repeat("<div>", 2000) + "<p>深层嵌套的正文内容，必须保留下来，不能丢失。这里再写一些文字让它足够长。</p>" + strings.Repeat("</div>", 2000)
	rec, err := extract.ExtractBytes([]byte(deep), "text/html", "http://x.example/a/1.html", extract.Options{})
	if err != nil {
		t.Fatalf("deep tree: %v", err)
	}
	if !strings.Contains(rec.Body, "深层嵌套的正文内容") {
		t.Errorf("deep tree: body %q", rec.Body)
	}
	for _, raw := range []string{"", "\x00\x01\x02\xff", "<html><body><script>render()</script><div id=app></div></body></html>"} {
		rec, err := extract.ExtractBytes([]byte(raw), "", "http://x.example/", extract.Options{})
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if rec.PageType != extract.PageBlocked || rec.ContentHash == "" {
			t.Errorf("%q: type %q hash %q, want blocked with a hash", raw, rec.PageType, rec.ContentHash)
		}
	}
	lines := strings.Repeat("<p>2023-11-23 14:05 来源：某某网 作者：张三，这是一段正文。</p>", 30)
	rec, _ = extract.ExtractBytes([]byte(lines), "text/html; charset=utf-8", "http://x.example/a/2.html", extract.Options{})
	if n := strings.Count(rec.Body, "\n") + 1; n < 20 {
		t.Errorf("dated lines: body has %d lines, want at least 20", n)
	}
	if rec := extract.Extract(nil, nil, extract.Options{}); rec.PageType != extract.PageBlocked {
		t.Errorf("nil document: type %q", rec.PageType)
	}
}
