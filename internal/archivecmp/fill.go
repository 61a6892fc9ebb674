package archivecmp

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// Clock is a settable time source for store.WithClock: Fill moves it.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Start is when Fill's first run starts.
var Start = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

var cst = time.FixedZone("CST", 8*3600)

// Article returns a record of page i on site, with cards.
func Article(site string, i int, title, body string) *extract.Record {
	pub := time.Date(2024, 3, 15-i%3, 9, 30, 0, 0, cst)
	return &extract.Record{
		URL: fmt.Sprintf("https://%s/a/%d.html", site, i), Site: site, Title: title, Body: body,
		BodyHTML:  "<p>" + body + "</p>",
		Published: &pub, PublishedRaw: pub.Format("2006-01-02 15:04"),
		Author: "小编", Source: "卡宝宝", Category: []string{"信用卡", "贷款", "保险"}[i%3],
		Breadcrumb: []string{"首页", "资讯"}, Keywords: []string{"信用卡", "逾期"},
		Cards: []extract.Card{
			{Title: "信用卡逾期怎么办", URL: "https://" + site + "/c/1.html", Snippet: "逾期……", Category: "信用卡", Date: "2024-03-01"},
			{Title: "ETC卡怎么办理", URL: "https://" + site + "/c/2.html", Category: "ETC"},
		},
		PageType: extract.PageArticle,
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// fetch is a captured 200 of rec's page with body raw.
func fetch(rec *extract.Record, raw string, at time.Time, gzipped bool) *finarchive.Fetched {
	f := &finarchive.Fetched{
		Item: finarchive.QueueItem{URL: rec.URL, Depth: 1}, StatusCode: 200, Record: rec,
		Raw: []byte(raw), ContentType: "text/html; charset=utf-8", ETag: `"` + at.Format("150405") + `"`,
		LastModified: at.Add(-time.Hour).Format(time.RFC1123), FetchedAt: at,
		Capture: &finarchive.Capture{
			Request:  []byte("GET " + rec.URL + " HTTP/1.1\r\nHost: x\r\nUser-Agent: finarchive-test\r\n\r\n"),
			Response: []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"),
			RemoteIP: "127.0.0.1",
		},
	}
	if gzipped {
		f.Capture.Body, f.Capture.ContentEncoding = gz(f.Raw), "gzip"
	}
	return f
}

// Fill writes a small archive that exercises every kind of row through a
// (so any back end's write side builds it): two runs over two sites, new,
// changed, unchanged (same bytes: a revisit), a 304, a gzip body, an
// undated page, a removed page (404), an unarchived list page kept and
// replaced, a reextract that changes a page (a revision without a run),
// and n more plain articles. clock must be the one a was opened with.
// It returns the URLs it archived.
func Fill(ctx context.Context, a store.Archive, clock *Clock, n int) ([]string, error) {
	clock.T = Start
	run1, err := a.StartRun(ctx, store.RunSpec{Seeds: []string{"https://a.example/", "https://b.example/"},
		Options: []byte(`{"delay":"1s"}`), Adaptive: true, MinRevisit: 6 * time.Hour, MaxRevisit: 240 * time.Hour})
	if err != nil {
		return nil, err
	}
	at := Start.Add(time.Minute)
	var urls []string
	complete := func(run int64, f *finarchive.Fetched) error {
		if _, err := a.Complete(ctx, run, f); err != nil {
			return fmt.Errorf("complete %s: %w", f.Item.URL, err)
		}
		return nil
	}
	for i := 0; i < 6+n; i++ {
		site := []string{"a.example", "b.example"}[i%2]
		rec := Article(site, i, fmt.Sprintf("信用卡逾期第%d篇 ETC卡", i), strings.Repeat(fmt.Sprintf("第%d段，信用卡逾期了怎么办？银行会催收。", i), 3+i%5))
		if i == 1 {
			rec.Published, rec.PublishedRaw = nil, ""
		}
		if i == 2 {
			rec.Cards = nil
		}
		if i < 7 {
			at = at.Add(1500 * time.Millisecond)
		} else {
			// The extra articles tie on published and fetch time: lists
			// order them by id.
			pub := time.Date(2024, 3, 10, 9, 30, 0, 0, cst)
			rec.Published, rec.PublishedRaw = &pub, "2024-03-10 09:30"
		}
		if err := complete(run1, fetch(rec, "<html><body>"+rec.Body+"</body></html>", at, i == 3)); err != nil {
			return nil, err
		}
		urls = append(urls, rec.URL)
	}
	list := &finarchive.Fetched{Item: finarchive.QueueItem{URL: "https://a.example/list/1"}, StatusCode: 200,
		Record: &extract.Record{URL: "https://a.example/list/1", Title: "列表", PageType: extract.PageList},
		Raw:    []byte("<html><body>列表一</body></html>"), ContentType: "text/html; charset=gbk", FetchedAt: at.Add(time.Second),
		Capture: &finarchive.Capture{Request: []byte("GET /list/1 HTTP/1.1\r\n\r\n"), Response: []byte("HTTP/1.1 200 OK\r\n\r\n"), RemoteIP: "127.0.0.2"}}
	if err := complete(run1, list); err != nil {
		return nil, err
	}
	home := &finarchive.Fetched{Item: finarchive.QueueItem{URL: "https://b.example/"}, StatusCode: 200,
		Record: &extract.Record{URL: "https://b.example/", Title: "首页", PageType: extract.PageHome},
		Raw:    []byte("<html><body>首页</body></html>"), ContentType: "text/html", FetchedAt: at.Add(2 * time.Second)}
	if err := complete(run1, home); err != nil {
		return nil, err
	}
	clock.T = at.Add(time.Minute)
	if err := a.FinishRun(ctx, run1, finarchive.RunFinished, finarchive.RunCounts{Fetched: 8 + n, Skipped: 2,
		SkippedBy: map[string]int{"list-page": 2}, Bytes: 12345}, ""); err != nil {
		return nil, err
	}

	// Run 2, a day later.
	clock.T = Start.Add(24 * time.Hour)
	run2, err := a.StartRun(ctx, store.RunSpec{Seeds: []string{"https://a.example/"}})
	if err != nil {
		return nil, err
	}
	at = clock.T.Add(time.Minute)
	// Page 0 changed.
	rec := Article("a.example", 0, "信用卡逾期第0篇（更新）", "更新后的正文：信用卡逾期三天会怎样？")
	if err := complete(run2, fetch(rec, "<html><body>"+rec.Body+"</body></html>", at, false)); err != nil {
		return nil, err
	}
	// Page 2: the same bytes again (a revisit), page 4: the same content
	// in other bytes.
	for _, i := range []int{2, 4} {
		at = at.Add(time.Second)
		rec := Article([]string{"a.example", "b.example"}[i%2], i, fmt.Sprintf("信用卡逾期第%d篇 ETC卡", i),
			strings.Repeat(fmt.Sprintf("第%d段，信用卡逾期了怎么办？银行会催收。", i), 3+i%5))
		if i == 2 {
			rec.Cards = nil
		}
		raw := "<html><body>" + rec.Body + "</body></html>"
		if i == 4 {
			raw += "<!-- ad -->"
		}
		if err := complete(run2, fetch(rec, raw, at, false)); err != nil {
			return nil, err
		}
	}
	// Page 3: 304.
	at = at.Add(time.Second)
	nm := &finarchive.Fetched{Item: finarchive.QueueItem{URL: urls[3], Depth: 1}, StatusCode: 304, NotModified: true,
		ETag: `"new-etag"`, FetchedAt: at,
		Capture: &finarchive.Capture{Request: []byte("GET /a/3.html HTTP/1.1\r\nIf-None-Match: x\r\n\r\n"),
			Response: []byte("HTTP/1.1 304 Not Modified\r\n\r\n"), RemoteIP: "127.0.0.1"}}
	if err := complete(run2, nm); err != nil {
		return nil, err
	}
	// Page 5: gone.
	clock.T = at.Add(time.Second)
	if err := complete(run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: urls[5], Depth: 1}, StatusCode: 404, Gone: true,
		FetchedAt: clock.T}); err != nil {
		return nil, err
	}
	// The list page again, other bytes.
	list.Raw, list.FetchedAt = []byte("<html><body>列表二</body></html>"), at.Add(2*time.Second)
	if err := complete(run2, list); err != nil {
		return nil, err
	}
	// Run 2's frontier: a URL that failed, one deferred, one left queued.
	left := []finarchive.QueueItem{{URL: "https://a.example/f/1.html", Depth: 2}, {URL: "https://a.example/f/2.html", Depth: 2},
		{URL: "https://a.example/f/3.html", Depth: 3}}
	if _, err := a.Enqueue(ctx, run2, left); err != nil {
		return nil, err
	}
	claimed, _, err := a.Claim(ctx, run2, map[string]int{"a.example": 2}, clock.T)
	if err != nil {
		return nil, err
	}
	if len(claimed) != 2 {
		return nil, fmt.Errorf("claimed %d frontier items, want 2", len(claimed))
	}
	for i, it := range claimed {
		f := &finarchive.Fetched{Item: it, FetchedAt: clock.T}
		if i == 0 {
			f.Failed = "timeout"
		} else {
			f.Deferred = "retry-after 3600s"
		}
		if err := complete(run2, f); err != nil {
			return nil, err
		}
	}
	clock.T = at.Add(time.Minute)
	if err := a.FinishRun(ctx, run2, finarchive.RunFailed, finarchive.RunCounts{Fetched: 6, Failed: 1,
		FailedBy: map[string]int{"timeout": 1}, Gone: 1, GoneBy: map[string]int{"404": 1}, Removed: 1}, ""); err != nil {
		return nil, err
	}
	// A reextract changes page 1.
	clock.T = clock.T.Add(time.Hour)
	rec1, err := a.Get(ctx, urls[1])
	if err != nil {
		return nil, err
	}
	rec1.Title += "（重新抽取）"
	rec1.ContentHash = ""
	if _, err := a.Reextracted(ctx, urls[1], rec1); err != nil {
		return nil, err
	}
	return urls, nil
}
