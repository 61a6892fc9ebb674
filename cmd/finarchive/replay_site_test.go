package main

import (
	"compress/gzip"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// replayArticle is an article of a replaySite: where it is linked from
// the list page (the link's text and href, as the list writes it), the
// URL the crawl archives it under (relative to the site), and how it is
// served.
type replayArticle struct {
	n     int    // its number: its title and text say it
	link  string // the list's link text
	href  string // the list's href ("//HOST" is the site's host, "//OTHER" the other site's)
	path  string // the path and query it is served at (and archived under)
	other bool   // served by the other site, not the list's
	serve string // "", "gzip", "gbk-header", "gb2312-meta", "chunked"
}

// title is the article's heading and <title>.
func (a replayArticle) title() string {
	return fmt.Sprintf("第%d号文章：信用卡分期手续费怎么算", a.n)
}

// para is the article's first paragraph.
func (a replayArticle) para() string {
	return fmt.Sprintf("这是第%d号文章的第一段。信用卡分期的手续费按期数收取，每期费率在百分之零点六左右，折算成年化利率接近百分之十三。", a.n)
}

// replayArticles are the articles of a replaySite.
var replayArticles = []replayArticle{
	{n: 1, link: "相对链接", href: "../a/1.html", path: "/a/1.html"},
	{n: 2, link: "协议相对链接", href: "//HOST/a/2.html", path: "/a/2.html"},
	{n: 3, link: "带参数的链接", href: "/a/show?id=3&from=list", path: "/a/show?id=3&from=list"},
	{n: 4, link: "百分号编码", href: "/a/%E7%90%86%E8%B4%A2.html", path: "/a/%E7%90%86%E8%B4%A2.html"},
	{n: 5, link: "中文路径", href: "/a/贷款利率.html", path: "/a/%E8%B4%B7%E6%AC%BE%E5%88%A9%E7%8E%87.html"},
	{n: 6, link: "两次跳转", href: "/r/1", path: "/a/6.html"},
	{n: 7, link: "meta跳转", href: "/m/1", path: "/a/7.html"},
	{n: 8, link: "gzip压缩", href: "/a/8.html", path: "/a/8.html", serve: "gzip"},
	{n: 9, link: "GBK编码", href: "/a/9.html", path: "/a/9.html", serve: "gbk-header"},
	{n: 10, link: "GB2312编码", href: "/a/10.html", path: "/a/10.html", serve: "gb2312-meta"},
	{n: 11, link: "分块传输", href: "/a/11.html", path: "/a/11.html", serve: "chunked"},
	{n: 12, link: "跳到另一站", href: "/h/1", path: "/a/12.html", other: true},
	{n: 13, link: "小写百分号编码", href: "/a/%e5%80%ba%e5%88%b8.html", path: "/a/%e5%80%ba%e5%88%b8.html"},
	{n: 15, link: "点号路径和片段", href: "./../a/./15.html#top", path: "/a/15.html"},
	{n: 16, link: "中文参数", href: "/a/show?tag=信用卡&id=16", path: "/a/show?tag=%E4%BF%A1%E7%94%A8%E5%8D%A1&id=16"},
}

// replaySite is a small site of the kinds of pages and links a replay must
// get right: a home page and a list page (not archived as articles), and
// articles linked relatively, protocol-relatively, with a query, by a
// percent-encoded or a raw Chinese path, through two redirects and through
// a meta refresh, and served gzip-encoded, in GBK (charset in the header),
// in GB2312 (charset in a <meta> only) and chunked; an article on another
// site (other) it redirects to; and a search page for a Chinese query.
func replaySite(t *testing.T) (srv, other *httptest.Server) {
	t.Helper()
	serveArticles := func(w http.ResponseWriter, r *http.Request, onOther bool) bool {
		for _, a := range replayArticles {
			u, err := url.Parse(a.path)
			if err != nil {
				t.Fatal(err)
			}
			if a.other == onOther && u.Path == r.URL.Path && u.Query().Encode() == r.URL.Query().Encode() {
				serveReplayArticle(t, w, r, a)
				return true
			}
		}
		return false
	}
	other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !serveArticles(w, r, true) {
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(other.Close)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		switch r.URL.Path {
		case "/robots.txt":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "User-agent: *\nAllow: /\n")
			return
		case "/":
			writeUTF8(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>首页 - 测试财经网</title></head><body>"+
				"<h1>测试财经网</h1><ul><li><a href=\"/list/1.html\">资讯列表</a></li><li><a href=\"/a/1.html\">"+
				"头条文章</a></li></ul><p>欢迎来到测试财经网。</p></body></html>")
			return
		case "/list/1.html":
			var b strings.Builder
			b.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>资讯列表 - 测试财经网</title></head><body>" +
				"<div class=\"nav\"><a href=\"/\">首页</a></div><h1>资讯列表</h1><ul class=\"list\">")
			for _, a := range replayArticles {
				fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a><span>2026-11-0%d</span></li>", strings.NewReplacer("HOST", host, "OTHER", other.Listener.Addr().String()).Replace(a.href), a.link, a.n%9+1)
			}
			b.WriteString(`</ul><p>共有文章若干篇，按发布时间排列。</p><p><a href="/search/?q=信用卡+分期">站内搜索</a></p></body></html>`)
			writeUTF8(w, b.String())
			return
		case "/search/":
			q := r.URL.Query().Get("q")
			writeUTF8(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"+q+"_搜索结果_测试财经网</title></head><body>"+
				"<div class=\"nav\"><a href=\"/\">首页</a></div><div class=\"search\"><h2>“"+q+"”的搜索结果</h2><ul>"+
				"<li><a href=\"/a/1.html\">搜索结果一</a></li><li><a href=\"/a/2.html\">搜索结果二</a></li></ul></div></body></html>")
			return
		case "/h/1":
			http.Redirect(w, r, other.URL+"/a/12.html", http.StatusMovedPermanently)
			return
		case "/r/1":
			http.Redirect(w, r, "/r/2", http.StatusFound)
			return
		case "/r/2":
			http.Redirect(w, r, "/a/6.html", http.StatusMovedPermanently)
			return
		case "/m/1":
			writeUTF8(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url=/a/7.html\">"+
				"<title>正在跳转</title></head><body><p>正在跳转……</p></body></html>")
			return
		}
		if serveArticles(w, r, false) {
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, other
}

func writeUTF8(w http.ResponseWriter, page string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, page)
}

// serveReplayArticle serves a as a.serve says.
func serveReplayArticle(t *testing.T, w http.ResponseWriter, r *http.Request, a replayArticle) {
	charset := "utf-8"
	switch a.serve {
	case "gbk-header":
		charset = "gbk"
	case "gb2312-meta":
		charset = "gb2312"
	}
	meta := `<meta charset="utf-8">`
	if a.serve == "gb2312-meta" {
		meta = `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`
	} else if a.serve == "gbk-header" {
		meta = ""
	}
	page := "<!DOCTYPE html><html><head>" + meta + "<title>" + a.title() + " - 测试财经网</title>" +
		`<meta property="og:type" content="article"><meta property="article:published_time" content="2026-11-01T08:00:00+08:00">` +
		`</head><body><div class="nav"><a href="/">首页</a> <a href="/list/1.html">资讯</a></div><div class="article"><h1>` + a.title() +
		`</h1><div class="info">发布时间：2026-11-01 08:00 来源：测试财经网</div><div class="content"><p>` + a.para() + "</p>" +
		"<p>办理分期之前，持卡人应当算清实际成本，比较不同银行的费率和优惠活动，避免因为只看每期金额而低估了总的利息支出。</p>" +
		"<p>如果提前还款，多数银行不退还已经收取的手续费，有的还要收取剩余本金一定比例的违约金，这一点需要在办理前问清楚。</p>" +
		"</div></div></body></html>"
	body := []byte(page)
	switch charset {
	case "gbk", "gb2312":
		enc, err := simplifiedchinese.GBK.NewEncoder().String(page)
		if err != nil {
			t.Errorf("encode %s: %v", a.path, err)
		}
		body = []byte(enc)
	}
	ct := "text/html; charset=" + charset
	if a.serve == "gb2312-meta" {
		ct = "text/html"
	}
	w.Header().Set("Content-Type", ct)
	switch a.serve {
	case "gzip":
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			break
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Vary", "Accept-Encoding")
		gz := gzip.NewWriter(w)
		gz.Write(body)
		gz.Close()
		return
	case "chunked":
		half := len(body) / 2
		w.Write(body[:half])
		w.(http.Flusher).Flush() // no Content-Length: chunked
		w.Write(body[half:])
		return
	}
	w.Write(body)
}

// TestReplay_Navigation crawls a replaySite, exports it as a WACZ and
// browses it in ReplayWeb.page with the site stopped, as a user would: the
// home page (not an article) shows, its link leads to the list page, and
// each of the list's links leads to its article, whatever way it is
// linked, redirected or served.
func TestReplay_Navigation(t *testing.T) {
	needReplay(t)
	srv, other := replaySite(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	if _, e, code := runCLI(t, append(fastCrawl(db), "--no-sitemaps", "--host", other.Listener.Addr().String(), srv.URL+"/")...); code != 0 {
		t.Fatalf("crawl: exit %d: %s", code, e)
	}
	wacz, jsonl := filepath.Join(dir, "a.wacz"), filepath.Join(dir, "a.jsonl")
	for _, args := range [][]string{{"--format", "wacz", "-o", wacz}, {"--format", "jsonl", "-o", jsonl}} {
		if _, e, code := runCLI(t, append([]string{"export", "--db", db, "-q"}, args...)...); code != 0 {
			t.Fatalf("export %v: exit %d: %s", args, code, e)
		}
	}
	srv.Close()
	other.Close()
	recs := map[string]extract.Record{}
	for _, r := range readJSONL(t, jsonl) {
		recs[r.URL] = r
	}
	var ts string
	for _, a := range replayArticles {
		base := srv.URL
		if a.other {
			base = other.URL
		}
		r, ok := recs[base+a.path]
		if !ok {
			t.Errorf("article %d (%s): not archived under %s; archived: %v", a.n, a.link, base+a.path, slices.Sorted(maps.Keys(recs)))
			continue
		}
		if r.Title != a.title() || !strings.HasPrefix(r.Body, a.para()) {
			t.Errorf("article %d (%s): archived as %q: %.80q", a.n, a.link, r.Title, r.Body)
		}
		ts = r.FetchedAt.UTC().Format("20060102150405")
	}

	rp := startReplayer(t, wacz)
	rp.open(srv.URL+"/", ts, "首页 - 测试财经网", "欢迎来到测试财经网")
	if _, err := rp.click("资讯列表", "资讯列表 - 测试财经网", "共有文章若干篇"); err != nil {
		rp.shot("replay-home-to-list")
		t.Fatalf("home page → list: %v", err)
	}
	for _, a := range replayArticles {
		if _, err := rp.click(a.link, a.title(), a.para()); err != nil {
			rp.shot(fmt.Sprintf("replay-article-%d", a.n))
			t.Errorf("list → article %d (%s, %s): %v", a.n, a.link, a.href, err)
		}
		if _, err := rp.tryOpen(srv.URL+"/list/1.html", ts, "资讯列表 - 测试财经网", "共有文章若干篇"); err != nil {
			t.Fatalf("list page: %v", err)
		}
	}
	// The search page (for a Chinese query) and an article from it.
	if _, err := rp.click("站内搜索", "信用卡 分期_搜索结果", "“信用卡 分期”的搜索结果"); err != nil {
		rp.shot("replay-search")
		t.Fatalf("list → search: %v", err)
	}
	if _, err := rp.click("搜索结果二", replayArticles[1].title(), replayArticles[1].para()); err != nil {
		rp.shot("replay-search-article")
		t.Errorf("search → article: %v", err)
	}
}

// recrawlSite is a site whose second version (after *v is set to 1)
// answers a re-crawl the ways a replay must show at each capture's time:
// /a/etag.html answers 304 to its validators, /a/same.html (no
// validators) the same bytes again, /a/edit.html a new title, and
// /a/gone.html 410.
func recrawlSite(t *testing.T, v *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		article := func(title, para string) {
			// A link back home: followed in the replay, it shows the
			// page is rewritten for replay.
			writeUTF8(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"+title+"</title>"+
				`<meta property="article:published_time" content="2026-11-01T08:00:00+08:00"></head><body><a href="/">回到首页</a><div class="article"><h1>`+title+
				`</h1><div class="content"><p>`+para+"</p><p>办理分期之前，持卡人应当算清实际成本，比较不同银行的费率和优惠活动，避免因为只看每期金额而低估了总的利息支出。</p>"+
				"<p>如果提前还款，多数银行不退还已经收取的手续费，有的还要收取剩余本金一定比例的违约金，这一点需要在办理前问清楚。</p></div></div></body></html>")
		}
		switch r.URL.Path {
		case "/":
			writeUTF8(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>首页</title></head><body><ul>"+
				"<li><a href=\"/a/etag.html\">一</a></li><li><a href=\"/a/same.html\">二</a></li>"+
				"<li><a href=\"/a/edit.html\">三</a></li><li><a href=\"/a/gone.html\">四</a></li></ul></body></html>")
		case "/a/etag.html":
			w.Header().Set("ETag", `"e1"`)
			if r.Header.Get("If-None-Match") == `"e1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			// gzip-encoded: the revisit's own head (a 304's) says
			// nothing of it, the response it refers to does.
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			w = gzipResponse{w, gz}
			article("带校验的文章", "这篇文章带有实体标签，重新抓取时服务器回答未修改。")
			gz.Close()
		case "/a/same.html":
			article("不变的文章", "这篇文章没有校验信息，重新抓取时服务器送来同样的字节。")
		case "/a/edit.html":
			if v.Load() == 0 {
				article("修改前的标题", "这篇文章在第二次抓取之前被编辑过，这是原来的第一段。")
			} else {
				article("修改后的标题", "这篇文章在第二次抓取之前被编辑过，这是修改后的第一段。")
			}
		case "/a/gone.html":
			if v.Load() == 0 {
				article("将被删除的文章", "这篇文章在第二次抓取之前被网站删除了。")
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusGone)
			fmt.Fprint(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>410 页面已删除</title></head><body><h1>页面已删除</h1><p>您访问的文章已被删除。</p></body></html>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestReplay_Recrawl replays an archive crawled twice at each crawl's
// time: a page that answered 304 or the same bytes shows at the second
// time as at the first (its revisit resolved to the first response), an
// edited one as it was at each time, and a removed one as the article at
// the first and as the site's 410 page at the second.
func TestReplay_Recrawl(t *testing.T) {
	needReplay(t)
	var v atomic.Int64
	srv := recrawlSite(t, &v)
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	var ts [2]string
	for i := range 2 {
		if i == 1 {
			// The second crawl's captures a second later: a CDXJ
			// timestamp has seconds.
			for time.Now().UTC().Format("20060102150405") == ts[0] {
				time.Sleep(50 * time.Millisecond)
			}
			v.Store(1)
		}
		ts[i] = time.Now().UTC().Format("20060102150405")
		if _, e, code := runCLI(t, append(fastCrawl(db), "--no-sitemaps", srv.URL+"/")...); code != 0 {
			t.Fatalf("crawl %d: exit %d: %s", i+1, code, e)
		}
	}
	wacz, warcFile := filepath.Join(dir, "a.wacz"), filepath.Join(dir, "a.warc.gz")
	for _, args := range [][]string{{"--format", "wacz", "-o", wacz}, {"--format", "warc", "-o", warcFile}} {
		if _, e, code := runCLI(t, append([]string{"export", "--db", db, "-q"}, args...)...); code != 0 {
			t.Fatalf("export %v: exit %d: %s", args, code, e)
		}
	}
	srv.Close()
	// The WACZ (read through its index) and the WARC (which the app
	// indexes as it loads it) alike.
	for _, file := range []string{wacz, warcFile} {
		t.Run(filepath.Ext(file), func(t *testing.T) { replayRecrawl(t, file, srv.URL, ts) })
	}
}

// replayRecrawl checks the replay of recrawlSite's archive file, its
// crawls at times ts.
func replayRecrawl(t *testing.T, file, site string, ts [2]string) {
	rp := startReplayer(t, file)
	for _, c := range []struct {
		path      string
		at        int
		title, in string
	}{
		{"/a/etag.html", 0, "带校验的文章", "服务器回答未修改"},
		{"/a/etag.html", 1, "带校验的文章", "服务器回答未修改"},
		{"/a/same.html", 0, "不变的文章", "同样的字节"},
		{"/a/same.html", 1, "不变的文章", "同样的字节"},
		{"/a/edit.html", 0, "修改前的标题", "这是原来的第一段"},
		{"/a/edit.html", 1, "修改后的标题", "这是修改后的第一段"},
		{"/a/gone.html", 0, "将被删除的文章", "被网站删除了"},
		{"/a/gone.html", 1, "410 页面已删除", "您访问的文章已被删除"},
	} {
		if _, err := rp.tryOpen(site+c.path, ts[c.at], c.title, c.in); err != nil {
			rp.shot("replay-recrawl-" + strings.Trim(strings.ReplaceAll(c.path, "/", "-"), "-") + "-" + strconv.Itoa(c.at))
			t.Errorf("%s at the crawl %d's time: %v", c.path, c.at+1, err)
			continue
		}
		if c.title == "410 页面已删除" {
			continue
		}
		// Its links are rewritten to the replay: home is one click away.
		if _, err := rp.click("回到首页", "首页", "一 二 三 四"); err != nil {
			t.Errorf("%s at the crawl %d's time → home: %v", c.path, c.at+1, err)
		}
	}
}

// gzipResponse writes a response's body through a gzip writer.
type gzipResponse struct {
	http.ResponseWriter
	gz *gzip.Writer
}

func (g gzipResponse) Write(b []byte) (int, error) { return g.gz.Write(b) }
