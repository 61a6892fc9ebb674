package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/web"
)

// get fetches path from srv and returns the status and body.
func get(t *testing.T, base, path string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func a(u string) string { return "/a?" + url.Values{"u": {u}}.Encode() }

func TestServer_Pages(t *testing.T) {
	srv := mustServe(t, mustFillArchive(t))
	tests := []struct {
		name, path string
		status     int
		want       []string // substrings of the body
		notWant    []string
	}{
		{"list", "/", 200, []string{"最新文章", "信用卡逾期了怎么办？教你几招轻松解决（1）", "下一页", "信用卡", "bbs.licai.test", "共 28 篇文章"}, nil},
		{"list page 2", "/?page=2", 200, []string{"第 2 页 / 共 3 页", "上一页"}, nil},
		{"list by site", "/?site=bbs.licai.test", 200, []string{"站点：bbs.licai.test", "（3）"}, []string{"（1）<"}},
		{"list by category", "/?category=" + url.QueryEscape("证书"), 200, []string{"U盾证书过期了有什么影响?（3）", "分类：证书"}, []string{"房贷"}},
		{"list empty page", "/?page=99", 200, []string{"这里还没有文章"}, nil},
		{"article", a(changedURL), 200, []string{
			"<h1>信用卡逾期了怎么办？教你几招轻松解决（1）</h1>", "<p>可以申请停息挂账或者分期还款。</p>",
			"来源：卡券网", "作者：小编", "2024-02-29 07:30", "历史版本（2）", "关键词", `href="https://www.kaquan.test/zixun/1.html"`,
			// the first card is archived: it links to the reader; the second is not: to the original
			`href="/a?u=https%3A%2F%2Fwww.kaquan.test%2Fzixun%2F2.html"`, "已存档",
			`href="https://www.kaquan.test/zixun/9999.html"`, "原站链接",
			// the third card is the first one's URL spelt otherwise: archived too
			"同一篇文章的另一种链接",
		}, []string{"utm_source"}},
		{"old revision", a(changedURL) + "&rev=1", 200, []string{"第 1 版，共 2 版", "查看当前版本"}, []string{"短信提醒费"}},
		{"current revision", a(changedURL), 200, []string{"短信提醒费"}, []string{"旧版本"}},
		{"history", "/history?u=" + url.QueryEscape(changedURL), 200, []string{"历史版本", "#2", "#1", "当前", "?rev=1&amp;u="}, nil},
		{"search", "/search?q=" + url.QueryEscape("逾期"), 200, []string{"“逾期” 的搜索结果", "<mark>逾期</mark>"}, nil},
		{"search one char", "/search?q=" + url.QueryEscape("盾"), 200, []string{"<mark>盾</mark>"}, nil},
		{"search mixed", "/search?q=" + url.QueryEscape("ETC卡"), 200, []string{"<mark>ETC卡</mark>"}, nil},
		{"search none", "/search?q=" + url.QueryEscape("不存在的词语"), 200, []string{"没有找到匹配的文章"}, nil},
		{"search form", "/search", 200, []string{"搜索存档"}, nil},
		{"runs", "/runs", 200, []string{"抓取记录", "完成", "部分失败", "2 URLs failed: &lt;b&gt;timeout&lt;/b&gt;"}, []string{"<b>timeout</b>"}},
		{"stylesheet", "/static/style.css", 200, []string{"PingFang SC", "prefers-color-scheme"}, nil},
		{"unknown article", a(siteA + "/nope.html"), 404, []string{"没有找到"}, nil},
		{"article without url", "/a", 404, nil, nil},
		{"unknown revision", a(changedURL) + "&rev=3", 404, nil, nil},
		{"unknown history", "/history?u=x", 404, nil, nil},
		{"unknown path", "/wp-admin", 404, []string{"页面不存在"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL, tt.path)
			if got, want := resp.StatusCode, tt.status; got != want {
				t.Fatalf("status = %d, want %d\n%s", got, want, body)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != web.CSP {
				t.Errorf("Content-Security-Policy = %q, want %q", got, web.CSP)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body has %q", w)
				}
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				if strings.Contains(body, "<script") || strings.Contains(body, "http://fonts") || strings.Contains(body, "https://cdn") {
					t.Errorf("page has a script or an external asset")
				}
			}
		})
	}
}

func TestServer_Headers(t *testing.T) {
	srv := mustServe(t, mustFillArchive(t))
	resp, _ := get(t, srv.URL, "/")
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// Only GET and HEAD: the reader has nothing to post to.
	resp, err := http.Post(srv.URL+"/search", "application/x-www-form-urlencoded", strings.NewReader("q=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusMethodNotAllowed; got != want {
		t.Errorf("POST /search: status = %d, want %d", got, want)
	}
}

// TestServer_Escaping checks that nothing archived reaches the page as
// markup: the payloads appear escaped, links to javascript: and data: URLs
// are not made.
func TestServer_Escaping(t *testing.T) {
	srv := mustServe(t, mustFillArchive(t))
	pages := map[string]string{
		"article": a(xssURL),
		"list":    "/?category=" + url.QueryEscape("信用卡"),
		"search":  "/search?q=" + url.QueryEscape("注意安全"),
		"search2": "/search?q=" + url.QueryEscape("script"),
		"query":   "/search?q=" + url.QueryEscape(payloadScript),
	}
	for name, path := range pages {
		t.Run(name, func(t *testing.T) {
			resp, body := get(t, srv.URL, path)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, bad := range []string{"<script", "<img", `onerror="`, `href="javascript:`, `href="data:`} {
				if strings.Contains(strings.ToLower(body), bad) {
					i := strings.Index(strings.ToLower(body), bad)
					t.Errorf("page has %q: …%s…", bad, body[max(0, i-80):min(len(body), i+80)])
				}
			}
		})
	}
	_, body := get(t, srv.URL, a(xssURL))
	for _, want := range []string{
		"&lt;script&gt;window.__pwned=1&lt;/script&gt;",                           // title and body, escaped
		"&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;",                    // body
		`<span class="t">点我 &lt;script&gt;window.__pwned=1&lt;/script&gt;</span>`, // javascript: card: no link
		"链接无效",
		`href="/a?u=https%3A%2F%2Fwww.kaquan.test%2Fzixun%2F1.html"`, // the safe card still links
	} {
		if !strings.Contains(body, want) {
			t.Errorf("article lacks %q", want)
		}
	}
}

// TestServer_ReadOnly serves every page many times and checks the archive
// file did not change, while a writer goes on writing to a second archive
// opened read-write beside a reader over it.
func TestServer_ReadOnly(t *testing.T) {
	path := mustFillArchive(t)
	before := mustStat(t, path)
	srv := mustServe(t, path)
	for _, p := range []string{"/", "/?page=2", a(changedURL), a(xssURL), "/history?u=" + url.QueryEscape(changedURL),
		"/search?q=" + url.QueryEscape("信用卡"), "/runs", "/a?u=missing"} {
		get(t, srv.URL, p)
	}
	srv.Close()
	after := mustStat(t, path)
	if before != after {
		t.Errorf("archive changed by serving: before %+v, after %+v", before, after)
	}
}

type fileState struct {
	size  int64
	mtime time.Time
}

func mustStat(t *testing.T, path string) fileState {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileState{st.Size(), st.ModTime()}
}

// TestServer_ConcurrentWriter serves pages while a writer saves articles to
// the same archive: neither blocks the other, and new articles show up.
func TestServer_ConcurrentWriter(t *testing.T) {
	path := mustFillArchive(t)
	srv := mustServe(t, path)
	ctx := context.Background()
	w, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	run, err := w.StartRun(ctx, store.RunSpec{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var wg sync.WaitGroup
	wg.Add(1)
	errc := make(chan error, 1)
	go func() {
		defer wg.Done()
		for i := range n {
			pub := time.Date(2025, 1, 1, 0, 0, i, 0, time.UTC)
			rec := &extract.Record{URL: fmt.Sprintf("%s/new/%d.html", siteA, i), Title: fmt.Sprintf("新文章 %d", i),
				Body: "并发写入的正文。", Published: &pub, Category: "新", Site: "www.kaquan.test", PageType: extract.PageArticle}
			if _, err := w.Complete(ctx, run, fetchedOf(rec, time.Now())); err != nil {
				errc <- err
				return
			}
		}
	}()
	for range 20 {
		resp, _ := get(t, srv.URL, "/")
		if resp.StatusCode != 200 {
			t.Fatalf("list while writing: status %d", resp.StatusCode)
		}
	}
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatalf("writer: %v", err)
	default:
	}
	_, body := get(t, srv.URL, "/")
	if !strings.Contains(body, "新文章 39") {
		t.Errorf("the newest article written while serving is not listed")
	}
	if !strings.Contains(body, fmt.Sprintf("共 %d 篇文章", 28+n)) {
		t.Errorf("count does not include the new articles")
	}
}
