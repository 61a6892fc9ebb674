package testsite

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// perPage is the number of articles on a list page.
const perPage = 20

// sitemapChunk is the most URLs one sitemap file lists.
const sitemapChunk = 1000

// bigSize is the size of /big.html.
const bigSize = 11 << 20

func queryEscape(s string) string { return url.QueryEscape(s) }

func (s *Site) route(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	c := ctx{host: r.Host, cur: r.URL.Path, v: s.Version()}
	p := r.URL.Path
	switch {
	case p == "/" || p == "/index.html":
		s.writeHTML(w, s.renderHome(c))
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "User-agent: *\nDisallow: /private/\n\nSitemap: http://%s/sitemap.xml\n", r.Host)
	case p == "/sitemap.xml" || strings.HasPrefix(p, "/sitemap-"):
		s.serveSitemap(w, r)
	case p == "/list/" || p == "/wenda/":
		s.writeHTML(w, s.renderList(c, -1, 1, p == "/wenda/"))
	case strings.HasPrefix(p, "/list/"):
		s.serveList(w, c)
	case strings.HasPrefix(p, "/zixun/"), strings.HasPrefix(p, "/news/"), strings.HasPrefix(p, "/article/"), strings.HasPrefix(p, "/wenda/"):
		s.serveArticle(w, r, c)
	case strings.HasPrefix(p, "/go/"):
		i, ok := s.index(strings.TrimPrefix(p, "/go/"))
		if !ok {
			s.notFound(w)
			return
		}
		http.Redirect(w, r, s.meta(i, 0).path(), http.StatusMovedPermanently)
	case p == "/loop/a":
		http.Redirect(w, r, "/loop/b", http.StatusFound)
	case p == "/loop/b":
		http.Redirect(w, r, "/loop/a", http.StatusFound)
	case p == "/calendar/":
		s.writeHTML(w, renderCalendar(r.URL.Query().Get("month")))
	case p == "/refer/":
		s.writeHTML(w, renderRefer(r.URL.RawQuery))
	case p == "/search/":
		s.writeHTML(w, s.renderSearch(c, r.URL.Query().Get("q")))
	case strings.HasPrefix(p, "/private/"):
		s.writeHTML(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>会员专享 - "+siteName+
			"</title></head><body><h1>会员专享内容</h1><p>本页面仅对会员开放。robots.txt 禁止抓取本目录。</p><a href=\"/private/more.html\">更多</a></body></html>")
	case p == "/files/rate.pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte(ratePDF))
	case p == "/big.html":
		serveBig(w)
	case p == "/bad-utf8.html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>乱码页面</title></head><body><h1>乱码页面</h1><p>这段文字包含非法字节：\xff\xfe\xc3(\xa0\xa1 之后继续正常的中文内容。</p><p>\xe4\xb8 银行卡</p></body></html>"))
	default:
		s.notFound(w)
	}
}

func (s *Site) writeHTML(w http.ResponseWriter, page string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(page))
}

func (s *Site) notFound(w http.ResponseWriter) { s.gone(w, http.StatusNotFound) }

// gone answers status (404 or 410) with the site's error page.
func (s *Site) gone(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(errorPage(fmt.Sprintf("%d 页面不存在", status), "您访问的页面不存在或已被删除。<a href=\"/\">返回首页</a>")))
}

// index parses an article id into its index.
func (s *Site) index(id string) (int, bool) {
	n, err := strconv.Atoi(id)
	if err != nil || strconv.Itoa(n) != id {
		return 0, false
	}
	i := n - idBase
	if i < 0 || i >= s.numArticles() {
		return 0, false
	}
	return i, true
}

// articleAt returns the index of the article whose path is p.
func (s *Site) articleAt(p string) (int, bool) {
	k := strings.LastIndexByte(p, '/')
	id := strings.TrimSuffix(p[k+1:], ".html")
	i, ok := s.index(id)
	if !ok || s.meta(i, 0).path() != p {
		return 0, false
	}
	return i, true
}

func (s *Site) serveArticle(w http.ResponseWriter, r *http.Request, c ctx) {
	i, ok := s.articleAt(r.URL.Path)
	if !ok {
		s.notFound(w)
		return
	}
	if status, removed := s.removed.Load(i); removed {
		s.gone(w, status.(int))
		return
	}
	a := s.full(i, c.v)
	etag := s.etag(a)
	lm := lastModified(a)
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", lm.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "max-age=600")
	if notModified(r, etag, lm) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	page := s.renderArticle(a, c)
	if a.Template == TemplateGBK {
		enc, err := simplifiedchinese.GBK.NewEncoder().String(page)
		if err != nil {
			http.Error(w, fmt.Sprintf("testsite: encode gbk: %v", err), http.StatusInternalServerError)
			return
		}
		h.Set("Content-Type", "text/html")
		w.Write([]byte(enc))
		return
	}
	s.writeHTML(w, page)
}

// notModified evaluates If-None-Match (which wins when present) and
// If-Modified-Since.
func notModified(r *http.Request, etag string, lm time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		want := strings.TrimPrefix(etag, "W/")
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == want {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !lm.Truncate(time.Second).After(t)
	}
	return false
}

// catCount is the number of articles in category k (or all, k < 0).
func (s *Site) catCount(k int) int {
	n := s.numArticles()
	if k < 0 {
		return n
	}
	nc := len(categories)
	if k >= n {
		return 0
	}
	return (n - k + nc - 1) / nc
}

func (s *Site) serveList(w http.ResponseWriter, c ctx) {
	rest := strings.TrimPrefix(c.cur, "/list/")
	slug, file, _ := strings.Cut(rest, "/")
	k := -1
	for j, cat := range categories {
		if cat.Slug == slug {
			k = j
		}
	}
	if k < 0 {
		s.notFound(w)
		return
	}
	pg := 1
	if file != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(file, ".html"))
		if err != nil || !strings.HasSuffix(file, ".html") || strconv.Itoa(n)+".html" != file {
			s.notFound(w)
			return
		}
		pg = n
	}
	pages := max(1, (s.catCount(k)+perPage-1)/perPage)
	if pg < 1 || pg > pages {
		s.notFound(w)
		return
	}
	s.writeHTML(w, s.renderList(c, k, pg, false))
}

func (s *Site) pageHead(b *strings.Builder, title string) {
	b.WriteString("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + esc(title) + "</title>\n</head>\n<body>\n")
}

// renderList renders page pg of category k (all categories when k < 0, or
// the latest Q&A when qa).
func (s *Site) renderList(c ctx, k, pg int, qa bool) string {
	var b strings.Builder
	name := "资讯"
	if k >= 0 {
		name = categories[k].Name
	}
	if qa {
		name = "问答"
	}
	s.pageHead(&b, fmt.Sprintf("%s_第%d页_%s", name, pg, siteName))
	s.navHTML(&b, c)
	fmt.Fprintf(&b, `<div class="breadcrumb"><a href="/">首页</a> &gt; %s</div>`+"\n", name)
	b.WriteString(`<div class="list"><ul>` + "\n")
	n := s.numArticles()
	for j := 0; j < perPage; j++ {
		var i int
		switch {
		case qa:
			i = j*int(numTemplates) + int(TemplateQA)
		case k < 0:
			i = j
		default:
			i = k + len(categories)*((pg-1)*perPage+j)
		}
		if i >= n {
			break
		}
		a := s.meta(i, c.v)
		fmt.Fprintf(&b, `<li><a href="%s">%s</a><p>%s</p><span class="date">%s</span></li>`+"\n",
			c.href(a.path(), i), esc(a.Title), esc(a.snippet()), day(a.Published))
	}
	b.WriteString("</ul></div>\n")
	if k >= 0 {
		pages := max(1, (s.catCount(k)+perPage-1)/perPage)
		pageURL := func(p int) string {
			if p == 1 {
				return "./"
			}
			return strconv.Itoa(p) + ".html"
		}
		b.WriteString(`<div class="pages">`)
		if pg > 1 {
			fmt.Fprintf(&b, `<a href="%s">上一页</a>`, pageURL(pg-1))
		}
		// The window around the current page, plus jumps of 10 and 100
		// pages so a big site stays shallow for depth-limited crawlers.
		var nums []int
		for _, d := range []int{-100, -10} {
			if pg+d >= 1 {
				nums = append(nums, pg+d)
			}
		}
		for p := max(1, pg-3); p <= min(pages, pg+3); p++ {
			nums = append(nums, p)
		}
		for _, d := range []int{10, 100} {
			if pg+d <= pages {
				nums = append(nums, pg+d)
			}
		}
		for _, p := range nums {
			if p == pg {
				fmt.Fprintf(&b, `<span class="cur">%d</span>`, p)
			} else {
				fmt.Fprintf(&b, `<a href="%s">%d</a>`, pageURL(p), p)
			}
		}
		if pg < pages {
			fmt.Fprintf(&b, `<a href="%s">下一页</a><a href="%s">尾页</a>`, pageURL(pg+1), pageURL(pages))
		}
		b.WriteString("</div>\n")
	}
	footerHTML(&b, false)
	b.WriteString("</body>\n</html>\n")
	return b.String()
}

// renderHome renders the front page.
func (s *Site) renderHome(c ctx) string {
	var b strings.Builder
	s.pageHead(&b, siteName+" - 银行卡、贷款、信用卡、保险知识大全")
	s.navHTML(&b, c)
	n := s.numArticles()
	b.WriteString(`<div class="focus"><h2>今日推荐</h2><ul>` + "\n")
	for j := 0; j < min(6, n); j++ {
		a := s.meta(j, c.v)
		fmt.Fprintf(&b, `<li><a href="%s">%s</a><span>%s</span></li>`+"\n", c.href(a.path(), j), esc(a.Title), day(a.Published))
	}
	if n > 6 {
		a := s.meta(6, c.v)
		fmt.Fprintf(&b, `<li><a href="/go/%d">%s</a></li>`+"\n", a.ID, esc(a.Title))
	}
	b.WriteString("</ul></div>\n")
	b.WriteString(`<div class="sidebar">` + "\n")
	s.hotHTML(&b, c, 0, "热门排行", false)
	b.WriteString("</div>\n")
	b.WriteString(`<div class="more"><h3>更多</h3><ul>` +
		`<li><a href="/files/rate.pdf">2023年贷款利率表（PDF）</a></li>` +
		`<li><a href="/big.html">历年金融数据汇总</a></li>` +
		`<li><a href="/bad-utf8.html">旧版页面</a></li>` +
		`<li><a href="/loop/a">活动专题</a></li>` +
		`<li><a href="/old/missing.html">已删除的页面</a></li>` +
		`<li><a href="/private/index.html">会员中心</a></li>` +
		`<li><a href="/refer/?from=home">推荐给好友</a></li>` +
		`<li><a href="` + esc(trapEntry) + `">文章日历</a></li>` +
		"</ul></div>\n")
	footerHTML(&b, false)
	b.WriteString("</body>\n</html>\n")
	return b.String()
}

// renderSearch renders the result page for keyword q: a stable pick of ten
// articles.
func (s *Site) renderSearch(c ctx, q string) string {
	var b strings.Builder
	s.pageHead(&b, q+"_搜索结果_"+siteName)
	s.navHTML(&b, c)
	fmt.Fprintf(&b, `<div class="search"><h2>“%s”的搜索结果</h2><ul>`+"\n", esc(q))
	salt := 0
	for _, r := range q {
		salt = salt*31 + int(r)
	}
	if salt < 0 {
		salt = -salt
	}
	for j, i := range s.hotTargets(salt%1000, 10) {
		a := s.meta(i, c.v)
		fmt.Fprintf(&b, `<li><a href="%s">%s</a><p>%s</p></li>`+"\n", c.href(a.path(), j), esc(a.Title), esc(a.snippet()))
	}
	b.WriteString("</ul></div>\n")
	footerHTML(&b, false)
	b.WriteString("</body>\n</html>\n")
	return b.String()
}

// renderCalendar renders the calendar trap: every month links to the
// previous and next month, forever.
func renderCalendar(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		t = time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>文章日历 " + t.Format("2006年01月") + "</title></head><body>\n")
	fmt.Fprintf(&b, `<h1>%s</h1><div class="cal-nav"><a href="/calendar/?month=%s">上个月</a> <a href="/calendar/?month=%s">下个月</a></div>`+"\n",
		t.Format("2006年01月"), t.AddDate(0, -1, 0).Format("2006-01"), t.AddDate(0, 1, 0).Format("2006-01"))
	b.WriteString("<table class=\"cal\"><tr>")
	for d := 1; d <= t.AddDate(0, 1, -1).Day(); d++ {
		fmt.Fprintf(&b, "<td>%d</td>", d)
		if d%7 == 0 {
			b.WriteString("</tr><tr>")
		}
	}
	b.WriteString("</tr></table></body></html>\n")
	return b.String()
}

// renderRefer renders the self-link trap: the page links to itself with
// one more parameter.
func renderRefer(rawQuery string) string {
	next := "/refer/?" + rawQuery
	if rawQuery == "" {
		next = "/refer/?from=self"
	} else {
		next += "&ref=" + strconv.Itoa(strings.Count(rawQuery, "&")+1)
	}
	return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>推荐给好友 - " + siteName + "</title></head><body>" +
		"<h1>推荐给好友</h1><p>复制下面的链接发送给好友：</p><a href=\"" + esc(next) + "\">" + esc(next) + "</a></body></html>\n"
}

func (s *Site) serveSitemap(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	n := s.numArticles()
	chunks := (n + sitemapChunk - 1) / sitemapChunk
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	p := r.URL.Path
	urls := func(from, to int) {
		b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		v := s.Version()
		for i := from; i < to; i++ {
			a := s.meta(i, v)
			fmt.Fprintf(&b, "<url><loc>%s%s</loc><lastmod>%s</lastmod></url>\n", base, a.path(), lastModified(a).Format(time.RFC3339))
		}
		b.WriteString("</urlset>\n")
	}
	switch {
	case p == "/sitemap.xml" && chunks <= 1:
		urls(0, n)
	case p == "/sitemap.xml":
		b.WriteString(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		for k := 1; k <= chunks; k++ {
			fmt.Fprintf(&b, "<sitemap><loc>%s/sitemap-%d.xml</loc></sitemap>\n", base, k)
		}
		b.WriteString("</sitemapindex>\n")
	default:
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/sitemap-"), ".xml"))
		if err != nil || chunks <= 1 || k < 1 || k > chunks || p != fmt.Sprintf("/sitemap-%d.xml", k) {
			s.notFound(w)
			return
		}
		urls((k-1)*sitemapChunk, min(n, k*sitemapChunk))
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write([]byte(b.String()))
}

// serveBig streams an 11 MiB HTML page without holding it in memory.
func serveBig(w http.ResponseWriter) {
	head := "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>历年金融数据汇总</title></head><body><h1>历年金融数据汇总</h1>\n"
	tail := "</body></html>\n"
	chunk := strings.Repeat("<p>本页面收录了历年存贷款利率、汇率及理财产品收益数据，仅供参考。</p>\n", 64)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(bigSize))
	if _, err := w.Write([]byte(head)); err != nil {
		return
	}
	left := bigSize - len(head) - len(tail)
	for left > 0 {
		part := chunk
		if left < len(part) {
			part = strings.Repeat(" ", left)
		}
		if _, err := w.Write([]byte(part)); err != nil {
			return
		}
		left -= len(part)
	}
	w.Write([]byte(tail))
}

// ratePDF is a tiny valid PDF document.
const ratePDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
