package extract

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestExtractor_PageType types small pages from the page as a whole:
// article metadata and a heading over prose keep an article whose text
// block the scorer missed; list pages stay lists.
func TestExtractor_PageType(t *testing.T) {
	para := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString("<p>The council approved the new budget on Monday after a long debate. Members said the plan would keep taxes flat.</p>")
		}
		return b.String()
	}
	items := func(n int, summary bool) string {
		var b strings.Builder
		b.WriteString("<ul class=\"items\">")
		for i := 0; i < n; i++ {
			b.WriteString(`<li><h3><a href="/news/` + strconv.Itoa(i) + `.html">Council approves budget after long debate, item ` + strconv.Itoa(i) + `</a></h3>`)
			if summary {
				b.WriteString("<p>Members said the plan would keep taxes flat for another year. The vote was close.</p>")
			}
			b.WriteString("</li>")
		}
		b.WriteString("</ul>")
		return b.String()
	}
	// The text inside a block whose name says comments (a forum's first
	// post is often one): the scorer finds no main text there.
	hidden := `<h1>Council approves budget</h1><div class="comment-body">` + para(1) + `</div>` +
		`<div class="menu">` + items(12, false) + `</div>`
	tests := []struct {
		name, url, html string
		want            PageType
	}{
		{"json-ld article over a missed text", "https://news.example/2023/11/20/budget.html",
			`<title>Council approves budget | News</title><script type="application/ld+json">{"@type":"NewsArticle","headline":"Council approves budget"}</script>` + hidden,
			PageArticle},
		{"article:published_time", "https://news.example/2023/11/20/budget.html",
			`<title>Council approves budget | News</title><meta property="article:published_time" content="2023-11-20T08:00:00Z">` + hidden,
			PageArticle},
		{"og:type article under its heading", "https://news.example/2023/11/20/budget.html",
			`<title>Council approves budget | News</title><meta property="og:type" content="article">` + hidden,
			PageArticle},
		{"a heading over a run of prose", "https://news.example/2023/11/20/budget.html",
			`<title>Council approves budget | News</title><h1>Council approves budget</h1><div class="comment-body">` + para(3) + `</div><div class="menu">` + items(12, false) + `</div>`,
			PageArticle},
		{"a splash page's links", "https://news.example/",
			`<title>Example</title><div class="enter"><a href="/index.html">进入网站</a> | <a href="/en/">English</a></div>`,
			PageHome},
		{"an empty shell", "https://news.example/",
			`<title>Example</title><div id="app"></div><noscript>请开启JavaScript后访问本站。</noscript>`,
			PageBlocked},
		{"a list with summaries", "https://news.example/news/",
			`<title>Local news | News</title><h1>Local news</h1>` + items(8, true),
			PageList},
		{"a list with og:type article set site-wide", "https://news.example/news/",
			`<title>Local news | News</title><meta property="og:type" content="article"><h1>Local news</h1>` + items(8, false),
			PageList},
		{"a list that lists its articles as JSON-LD", "https://news.example/news/",
			`<title>Local news | News</title><script type="application/ld+json">[{"@type":"NewsArticle","headline":"a"},{"@type":"NewsArticle","headline":"b"}]</script><h1>Local news</h1>` + items(8, false),
			PageList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := goquery.NewDocumentFromReader(strings.NewReader("<html><body>" + tt.html + "</body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(tt.url)
			rec := Extract(doc, u, Options{})
			if rec.PageType != tt.want {
				t.Errorf("type %q, want %q (title %q, body %d runes)", rec.PageType, tt.want, rec.Title, runeLen(rec.Body))
			}
			if tt.name == "a heading over a run of prose" {
				// The text the scorer missed is the body (recoverBody),
				// without the links after it.
				if n := strings.Count(rec.Body, "The council approved the new budget"); n != 3 || strings.Contains(rec.Body, "item 1") ||
					strings.Count(rec.BodyHTML, "<p>") != 3 {
					t.Errorf("recovered body %q, html %q: want the 3 paragraphs", rec.Body, rec.BodyHTML)
				}
			}
		})
	}
}
