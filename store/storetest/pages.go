package storetest

import (
	"context"
	"crypto/sha1"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// testComplete: a page new, unchanged, changed, rejected (a soft block)
// and not modified (304), with its record, revisions and revisit schedule
// after each; then its history and its fields as stored.
func testComplete(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{MinRevisit: time.Hour, MaxRevisit: 8 * time.Hour})
	const u = "https://a.example/news/1.html"
	rec := article(u, "信用卡逾期了怎么办", "信用卡逾期后要尽快还款。")
	changed := article(u, "信用卡逾期了怎么办（更新）", "信用卡逾期后要尽快还款，并联系银行。")
	blocked := article(u, "访问过于频繁", "")
	blocked.PageType = extract.PageBlocked
	notModified := &finarchive.Fetched{Item: finarchive.QueueItem{URL: u, Depth: 1}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(4 * time.Hour)}
	for _, st := range []struct {
		name     string
		f        *finarchive.Fetched
		want     finarchive.SaveResult
		title    string // stored title after the step
		revs     int    // revisions after the step
		interval time.Duration
	}{
		{"new", fetched(u, rec, t0), finarchive.SaveNew, rec.Title, 1, time.Hour},
		{"unchanged", fetched(u, article(u, rec.Title, rec.Body), t0.Add(time.Hour)), finarchive.SaveUnchanged, rec.Title, 1, 2 * time.Hour},
		{"changed", fetched(u, changed, t0.Add(2*time.Hour)), finarchive.SaveChanged, changed.Title, 2, time.Hour},
		{"rejected", fetched(u, blocked, t0.Add(3*time.Hour)), finarchive.SaveRejected, changed.Title, 2, time.Hour},
		{"not modified", notModified, finarchive.SaveUnchanged, changed.Title, 2, 2 * time.Hour},
	} {
		if got := s.complete(t, a, run, st.f); got != st.want {
			t.Fatalf("%s: Complete = %q, want %q", st.name, got, st.want)
		}
		if got := s.get(t, a, u); got.Title != st.title {
			t.Errorf("%s: title = %q, want %q", st.name, got.Title, st.title)
		}
		info := s.info(t, a, u)
		if info.Revisions != st.revs || info.RevisitInterval != st.interval {
			t.Errorf("%s: revisions %d, revisit interval %v; want %d, %v", st.name, info.Revisions, info.RevisitInterval, st.revs, st.interval)
		}
		if st.want == finarchive.SaveRejected {
			continue
		}
		if !info.FetchedAt.Equal(st.f.FetchedAt) || !info.NextRevisitAt.Equal(st.f.FetchedAt.Add(st.interval)) {
			t.Errorf("%s: fetched_at %v, next_revisit_at %v; want %v, %v", st.name, info.FetchedAt, info.NextRevisitAt,
				st.f.FetchedAt, st.f.FetchedAt.Add(st.interval))
		}
	}

	got := s.get(t, a, u)
	if got.ContentHash != changed.Hash() {
		t.Errorf("content hash = %q, want %q", got.ContentHash, changed.Hash())
	}
	if got.Published == nil || got.Published.Format(time.RFC3339) != "2024-03-15T09:30:00+08:00" {
		t.Errorf("published = %v, want 2024-03-15T09:30:00+08:00 (its offset kept)", got.Published)
	}
	if got.Body != changed.Body || got.BodyHTML != changed.BodyHTML || got.Author != "小编" || got.Source != "卡宝宝" ||
		got.Category != "信用卡" || got.PublishedRaw != changed.PublishedRaw || got.Site != "a.example" {
		t.Errorf("record = %+v", got)
	}
	if strings.Join(got.Breadcrumb, "/") != "首页/信用卡" || strings.Join(got.Keywords, "/") != "信用卡/逾期" {
		t.Errorf("breadcrumb %v, keywords %v", got.Breadcrumb, got.Keywords)
	}
	if len(got.Cards) != 2 || got.Cards[0] != rec.Cards[0] || got.Cards[1] != rec.Cards[1] {
		t.Errorf("cards = %+v", got.Cards)
	}

	// History: every version, oldest first, with when it was first fetched.
	revs, err := a.Revisions(ctx, u)
	s.ok(t, err, "Revisions")
	if len(revs) != 2 || revs[0].Title != rec.Title || revs[1].Title != changed.Title ||
		revs[0].Body != rec.Body || revs[1].Body != changed.Body || revs[1].ContentHash != changed.Hash() {
		t.Fatalf("revisions = %+v", revs)
	}
	if !revs[0].FetchedAt.Equal(t0) || !revs[1].FetchedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("revision times %v %v, want %v %v", revs[0].FetchedAt, revs[1].FetchedAt, t0, t0.Add(2*time.Hour))
	}

	const none = "https://a.example/none"
	_, err = a.Get(ctx, none)
	s.is(t, err, store.ErrNotFound, "Get of a page never archived")
	_, err = a.Info(ctx, none)
	s.is(t, err, store.ErrNotFound, "Info of a page never archived")
	_, err = a.Revisions(ctx, none)
	s.is(t, err, store.ErrNotFound, "Revisions of a page never archived")
	if n, err := a.Count(ctx); err != nil || n != 1 {
		s.ok(t, err, "Count")
		t.Errorf("Count = %d, want 1", n)
	}
}

// testCompleteFrontier: Complete moves the item to its final state and
// queues the page's links (a URL the run has is not queued twice); a
// redirect is archived under its final URL.
func testCompleteFrontier(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	s.enqueue(t, a, run, finarchive.QueueItem{URL: "https://a.example/"}, finarchive.QueueItem{URL: "https://a.example/bad"},
		finarchive.QueueItem{URL: "https://a.example/r"})
	items := s.claim(t, a, run, "a.example", 10)
	if len(items) != 3 {
		t.Fatalf("Claim = %+v, want 3 items", items)
	}
	by := map[string]finarchive.QueueItem{}
	for _, it := range items {
		by[it.URL] = it
	}
	list := &finarchive.Fetched{
		Item: by["https://a.example/"], StatusCode: 200, FetchedAt: t0, Skipped: "list-page",
		Record: &extract.Record{URL: "https://a.example/", PageType: extract.PageList, Title: "首页"},
		Links:  []finarchive.QueueItem{{URL: "https://a.example/1", Depth: 1}, {URL: "https://a.example/2", Depth: 1}, {URL: "https://a.example/", Depth: 1}},
	}
	if got := s.complete(t, a, run, list); got != finarchive.SaveNone {
		t.Fatalf("list page: %q, want none", got)
	}
	if got := s.complete(t, a, run, &finarchive.Fetched{Item: by["https://a.example/bad"], StatusCode: 500, Failed: "http 500"}); got != finarchive.SaveNone {
		t.Fatalf("failed: %q, want none", got)
	}
	redirected := fetched("https://a.example/r", article("https://a.example/1", "标题", "正文"), t0)
	redirected.Item = by["https://a.example/r"]
	redirected.FinalURL = "https://a.example/1"
	if got := s.complete(t, a, run, redirected); got != finarchive.SaveNew {
		t.Fatalf("redirect: %q, want new", got)
	}
	s.get(t, a, "https://a.example/1")
	counts, err := a.FrontierCounts(ctx, run)
	s.ok(t, err, "FrontierCounts")
	// done: the list page, the redirect and its target (a link of the list
	// page too, not queued again); queued: /2.
	if got, want := fmt.Sprint(counts), "map[done:3 failed:1 queued:1]"; got != want {
		t.Fatalf("frontier = %s, want %s", got, want)
	}
	var failures []store.FrontierItem
	s.ok(t, a.Failures(ctx, run, func(it store.FrontierItem) error { failures = append(failures, it); return nil }), "Failures")
	if len(failures) != 1 || failures[0].URL != "https://a.example/bad" || failures[0].LastError != "http 500" {
		t.Fatalf("failures = %+v", failures)
	}
	n, due, err := a.Pending(ctx, run)
	s.ok(t, err, "Pending")
	if n != 1 || due.IsZero() || due.After(time.Now()) {
		t.Fatalf("Pending = %d, %v; want 1, due now", n, due)
	}
}

// testRemoved: an archived article answering 404 keeps its record and
// history and gets removed_at (in Info and the export); when it comes back
// the mark goes.
func testRemoved(t *testing.T, s *suite) {
	a := s.open(t)
	const u = "https://a.example/a.html"
	run := s.startRun(t, a, store.RunSpec{})
	s.complete(t, a, run, fetched(u, article(u, "标题", "正文"), t0))
	goneBody := []byte("<html><body>页面不存在</body></html>")
	gone := &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: 404, Gone: true, FetchedAt: t0.Add(time.Hour),
		Raw: goneBody, ContentType: "text/html; charset=utf-8",
		Capture: &finarchive.Capture{Request: []byte("GET /a.html HTTP/1.1\r\nHost: a.example\r\n\r\n"),
			Response: []byte("HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"), RemoteIP: "192.0.2.7"}}
	if got := s.complete(t, a, run, gone); got != finarchive.SaveRemoved {
		t.Fatalf("404 for an archived article: %q, want removed", got)
	}
	later := *gone
	later.FetchedAt = t0.Add(90 * time.Minute)
	if got := s.complete(t, a, run, &later); got != finarchive.SaveNone {
		t.Errorf("second 404: %q, want none (already removed)", got)
	}
	// The answer that found it removed is one of its fetches (a WARC
	// export writes it as a response record); the second is not kept.
	var fetches []store.Fetch
	s.ok(t, a.ExportFetches(context.Background(), store.ExportOptions{}, func(_ *store.ExportRecord, fs []store.Fetch) error {
		fetches = append(fetches, fs...)
		return nil
	}), "ExportFetches")
	if len(fetches) != 2 {
		t.Fatalf("fetches = %+v; want the 200 and the 404", fetches)
	}
	if f := fetches[1]; f.Status != 404 || !f.FetchedAt.Equal(gone.FetchedAt) || string(f.Body) != string(goneBody) ||
		f.PayloadDigest != store.PayloadDigest(goneBody) || string(f.Response) != string(gone.Capture.Response) ||
		string(f.Request) != string(gone.Capture.Request) || f.RemoteIP != "192.0.2.7" || f.ContentType != gone.ContentType {
		t.Errorf("removal fetch = %+v; want the 404 as received", f)
	}
	if got := s.complete(t, a, run, &finarchive.Fetched{Item: finarchive.QueueItem{URL: "https://a.example/never"}, StatusCode: 410, Gone: true}); got != finarchive.SaveNone {
		t.Errorf("410 for a page never archived: %q, want none", got)
	}
	info := s.info(t, a, u)
	if !info.RemovedAt.Equal(gone.FetchedAt) || info.Revisions != 1 {
		t.Fatalf("Info = %+v; want removed_at at the 404's fetch (%v) and the revision kept", info, gone.FetchedAt)
	}
	exported := s.export(t, a, store.ExportOptions{})
	if len(exported) != 1 || exported[0].RemovedAt == nil || !exported[0].RemovedAt.Equal(info.RemovedAt) || exported[0].Title != "标题" {
		t.Fatalf("export = %+v; want the record with removed_at", exported)
	}
	// Found removed is a change: an export since a time before the 404
	// (and after the article last changed) has it, WARC fetches included.
	if r := s.export(t, a, store.ExportOptions{Since: t0.Add(30 * time.Minute)}); len(r) != 1 || r[0].RemovedAt == nil {
		t.Errorf("export since before the removal = %+v; want the removed article", r)
	}
	var since []store.Fetch
	s.ok(t, a.ExportFetches(context.Background(), store.ExportOptions{Since: t0.Add(30 * time.Minute)}, func(_ *store.ExportRecord, fs []store.Fetch) error {
		since = append(since, fs...)
		return nil
	}), "ExportFetches since")
	if len(since) == 0 || since[len(since)-1].Status != 404 {
		t.Errorf("fetches since before the removal = %+v; want the 404 among them", since)
	}
	if r := s.export(t, a, store.ExportOptions{Since: t0.Add(61 * time.Minute)}); len(r) != 0 {
		t.Errorf("export since after the removal = %d records, want none", len(r))
	}
	if got := s.complete(t, a, run, fetched(u, article(u, "标题", "正文"), t0.Add(2*time.Hour))); got != finarchive.SaveUnchanged {
		t.Fatalf("back: %q, want unchanged", got)
	}
	if info := s.info(t, a, u); !info.RemovedAt.IsZero() {
		t.Errorf("removed_at kept after the article came back: %v", info.RemovedAt)
	}
	if r := s.export(t, a, store.ExportOptions{}); len(r) != 1 || r[0].RemovedAt != nil {
		t.Errorf("export after the article came back: %+v", r)
	}
}

// testCards: many cards keep their order; a changed page's cards replace
// the old ones, and a rotating related block alone is no change.
func testCards(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	const u = "https://a.example/news/cards.html"
	rec := article(u, "卡片很多的文章", "正文。")
	rec.Cards = nil
	for i := range 75 {
		rec.Cards = append(rec.Cards, extract.Card{Title: fmt.Sprintf("相关文章%d", i), URL: fmt.Sprintf("https://a.example/news/%d.html", i),
			Snippet: "摘要", Category: "信用卡", Date: "2024-01-02"})
	}
	s.complete(t, a, run, fetched(u, rec, t0))
	got := s.get(t, a, u)
	if len(got.Cards) != 75 {
		t.Fatalf("%d cards, want 75", len(got.Cards))
	}
	for i, c := range got.Cards {
		if c != rec.Cards[i] {
			t.Fatalf("card %d = %+v, want %+v", i, c, rec.Cards[i])
		}
	}
	// The same content with other cards (and so other raw bytes) is no
	// change, but the cards are the latest fetch's.
	rotated := article(u, rec.Title, rec.Body)
	rotated.Cards = rec.Cards[10:14]
	f := fetched(u, rotated, t0.Add(time.Hour))
	f.Raw = append([]byte("<!-- other cards -->"), rawPage...)
	if res := s.complete(t, a, run, f); res != finarchive.SaveUnchanged {
		t.Errorf("new cards alone: %q, want unchanged", res)
	}
	if got := s.get(t, a, u); len(got.Cards) != 4 || got.Cards[0] != rec.Cards[10] {
		t.Errorf("cards after a refetch: %+v, want the latest fetch's 4", got.Cards)
	}
	changed := article(u, rec.Title, "正文改了。")
	changed.Cards = rec.Cards[:3]
	s.complete(t, a, run, fetched(u, changed, t0.Add(2*time.Hour)))
	if got := s.get(t, a, u); len(got.Cards) != 3 || got.Cards[2] != rec.Cards[2] {
		t.Fatalf("after a change: %+v", got.Cards)
	}
}

func (s *suite) rawPages(t testing.TB, a store.Archive, walk func(func(store.RawPage) error) error) map[string]store.RawPage {
	t.Helper()
	m := map[string]store.RawPage{}
	s.ok(t, walk(func(rp store.RawPage) error { m[rp.URL] = rp; return nil }), "raw pages")
	return m
}

// testUnarchived: a list or home page's raw response is kept (the latest
// one), not an archived article's; an article save takes a page out, and
// re-extraction that finds an article archives it.
func testUnarchived(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	typed := func(u string, typ extract.PageType) *finarchive.Fetched {
		rec := article(u, "信用卡逾期了怎么办", "逾期以后要尽快还款。")
		rec.PageType = typ
		return fetched(u, rec, t0)
	}
	unarchived := func() map[string]store.RawPage {
		return s.rawPages(t, a, func(fn func(store.RawPage) error) error { return a.UnarchivedPages(ctx, fn) })
	}
	list, archived, later := "https://a.example/list/1.html", "https://a.example/a/2.html", "https://a.example/a/3.html"
	if res := s.complete(t, a, run, typed(list, extract.PageList)); res != finarchive.SaveNone {
		t.Fatalf("list page: %q, want none", res)
	}
	s.complete(t, a, run, typed(archived, extract.PageArticle))
	s.complete(t, a, run, typed(archived, extract.PageList)) // a wrong guess on an archived article
	s.complete(t, a, run, typed(later, extract.PageHome))
	s.complete(t, a, run, typed(later, extract.PageList)) // fetched again: the latest kept
	got := unarchived()
	if len(got) != 2 || got[list].PageType != extract.PageList || got[later].PageType != extract.PageList {
		t.Fatalf("unarchived = %v; want %s and %s typed list", got, list, later)
	}
	if rp := got[list]; string(rp.Raw) != string(rawPage) || !rp.FetchedAt.Equal(t0) || rp.Charset != "utf-8" {
		t.Errorf("unarchived raw of %s: %d bytes, fetched %v, charset %q", list, len(rp.Raw), rp.FetchedAt, rp.Charset)
	}
	s.complete(t, a, run, typed(later, extract.PageArticle))
	if got := unarchived(); len(got) != 1 {
		t.Errorf("after an article save: unarchived = %v, want only %s", got, list)
	}

	rec := article(list, "信用卡逾期了怎么办", "逾期以后要尽快还款。")
	rec.PageType = extract.PageHome
	res, err := a.ReextractedUnarchived(ctx, list, rec)
	s.ok(t, err, "ReextractedUnarchived")
	if res != finarchive.SaveNone || unarchived()[list].PageType != extract.PageHome {
		t.Errorf("reextracted as home: %q, type %q; want none, home", res, unarchived()[list].PageType)
	}
	rec.PageType, rec.FetchedAt = extract.PageArticle, t0
	res, err = a.ReextractedUnarchived(ctx, list, rec)
	s.ok(t, err, "ReextractedUnarchived")
	if res != finarchive.SaveNew {
		t.Fatalf("reextracted as an article: %q, want new", res)
	}
	if got := unarchived(); len(got) != 0 {
		t.Errorf("unarchived after adoption: %v", got)
	}
	if stored := s.get(t, a, list); stored.Title != rec.Title || !stored.FetchedAt.Equal(t0) {
		t.Errorf("adopted page: %+v", stored)
	}
	raws := s.rawPages(t, a, func(fn func(store.RawPage) error) error { return a.RawPages(ctx, fn) })
	if rp, ok := raws[list]; !ok || string(rp.Raw) != string(rawPage) || rp.PageType != extract.PageArticle {
		t.Errorf("adopted page's raw: %+v", rp)
	}
	if _, err := a.ReextractedUnarchived(ctx, "https://a.example/none", rec); err == nil {
		t.Error("reextraction of an unknown unarchived page succeeded")
	}
}

// testRedirects: a redirect the crawl followed is kept with its exchange
// (an empty body too) among the unarchived pages, for the WARC export, but
// is not walked by UnarchivedPages (reextract has nothing to type in it);
// an archived article's URL keeps no redirect row.
func testRedirects(t *testing.T, s *suite) {
	a := s.open(t)
	d, ok := a.(store.Dumper)
	if !ok {
		t.Skip("the back end has no Dumper")
	}
	run := s.startRun(t, a, store.RunSpec{})
	redirect := func(u string, status int, body string) *finarchive.Fetched {
		return &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: status, FetchedAt: t0, Raw: []byte(body),
			Skipped: "redirect to https://a.example/a/1.html",
			Record:  &extract.Record{URL: u, PageType: extract.PageRedirect, Breadcrumb: []string{}, Keywords: []string{}, Cards: []extract.Card{}},
			Capture: &finarchive.Capture{Request: []byte("GET /go/1 HTTP/1.1\r\nHost: a.example\r\n\r\n"),
				Response: []byte(fmt.Sprintf("HTTP/1.1 %d Moved\r\nLocation: /a/1.html\r\nContent-Length: %d\r\n\r\n", status, len(body))),
				RemoteIP: "192.0.2.7"}}
	}
	const empty, withBody, article1 = "https://a.example/go/1", "https://a.example/go/2", "https://a.example/a/1.html"
	for _, f := range []*finarchive.Fetched{redirect(empty, 301, ""), redirect(withBody, 302, "<a href=/a/1.html>moved</a>")} {
		if res := s.complete(t, a, run, f); res != finarchive.SaveNone {
			t.Fatalf("redirect %s: %q, want none", f.Item.URL, res)
		}
	}
	s.complete(t, a, run, fetched(article1, article(article1, "信用卡逾期了怎么办", "逾期以后要尽快还款。"), t0))
	s.complete(t, a, run, redirect(article1, 301, "")) // an archived article now redirecting
	if got := s.rawPages(t, a, func(fn func(store.RawPage) error) error { return a.UnarchivedPages(ctx, fn) }); len(got) != 0 {
		t.Errorf("UnarchivedPages gave redirects: %v", got)
	}
	got := map[string]store.Fetch{}
	s.ok(t, d.DumpUnarchived(ctx, func(u *store.UnarchivedDump) error {
		if u.PageType != string(extract.PageRedirect) {
			t.Errorf("%s kept as %q, want redirect", u.URL, u.PageType)
		}
		f, err := u.Fetch()
		got[u.URL] = f
		return err
	}), "DumpUnarchived")
	if len(got) != 2 {
		t.Fatalf("kept redirects %v; want %s and %s (not the archived article's)", got, empty, withBody)
	}
	for u, want := range map[string]struct {
		status int
		body   string
	}{empty: {301, ""}, withBody: {302, "<a href=/a/1.html>moved</a>"}} {
		f := got[u]
		if f.Status != want.status || string(f.Body) != want.body || !f.FetchedAt.Equal(t0) || f.RemoteIP != "192.0.2.7" ||
			!strings.Contains(string(f.Response), "Location: /a/1.html") || !strings.HasPrefix(string(f.Request), "GET /go/1 ") ||
			f.PayloadDigest != store.PayloadDigest([]byte(want.body)) {
			t.Errorf("redirect %s kept as %+v; want status %d, body %q, its heads and digest", u, f, want.status, want.body)
		}
	}
}

// testReextracted: the raw pages come back as stored; a record re-extracted
// from one is saved as a change (a new revision, in search) or as no
// change, and a page no longer typed an article is left alone.
func testReextracted(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	const u, v = "https://a.example/1.html", "https://a.example/2.html"
	s.complete(t, a, run, fetched(u, article(u, "信用卡逾期了怎么办", "逾期以后要尽快还款。"), t0))
	s.complete(t, a, run, fetched(v, article(v, "房贷提前还款", "提前还款前先算利息。"), t0))
	raws := s.rawPages(t, a, func(fn func(store.RawPage) error) error { return a.RawPages(ctx, fn) })
	if len(raws) != 2 || string(raws[u].Raw) != string(rawPage) || raws[u].Charset != "utf-8" ||
		raws[u].ContentType != "text/html; charset=UTF-8" || !raws[u].FetchedAt.Equal(t0) || raws[u].PageType != extract.PageArticle {
		t.Fatalf("raw pages = %+v", raws)
	}

	rec := article(u, "信用卡逾期了怎么办", "逾期以后要尽快还款，征信会受影响。")
	rec.FetchedAt = t0
	res, err := a.Reextracted(ctx, u, rec)
	s.ok(t, err, "Reextracted")
	if res != finarchive.SaveChanged {
		t.Fatalf("re-extracted with a new body: %q, want changed", res)
	}
	if got := s.get(t, a, u); got.Body != rec.Body {
		t.Errorf("body after re-extraction: %q", got.Body)
	}
	if info := s.info(t, a, u); info.Revisions != 2 {
		t.Errorf("revisions after re-extraction: %d, want 2", info.Revisions)
	}
	hits, err := a.Search(ctx, store.SearchOptions{Query: "征信"})
	s.ok(t, err, "Search")
	if len(hits) != 1 || hits[0].URL != u {
		t.Errorf("search for the re-extracted body's word: %+v", hits)
	}
	same := article(v, "房贷提前还款", "提前还款前先算利息。")
	same.FetchedAt = t0
	res, err = a.Reextracted(ctx, v, same)
	s.ok(t, err, "Reextracted")
	if res != finarchive.SaveUnchanged {
		t.Errorf("re-extracted the same: %q, want unchanged", res)
	}
	list := article(v, "列表", "")
	list.PageType = extract.PageList
	res, err = a.Reextracted(ctx, v, list)
	s.ok(t, err, "Reextracted")
	if res == finarchive.SaveChanged || res == finarchive.SaveNew {
		t.Errorf("re-extracted as a list page: %q", res)
	}
	if got := s.get(t, a, v); got.Title != "房贷提前还款" {
		t.Errorf("a page re-extracted as a list page lost its record: %+v", got)
	}
}

// testRevisited: a revisit (304, or a 200 with the stored payload) of an
// archived page is a fetch of its own in the WARC export; of a page never
// archived, nothing.
func testRevisited(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	const u = "https://a.example/1.html"
	s.complete(t, a, run, fetched(u, article(u, "标题", "正文"), t0))
	res, err := a.Revisited(ctx, run, u, t0.Add(time.Hour), 304, "", nil)
	s.ok(t, err, "Revisited")
	if res != finarchive.SaveUnchanged {
		t.Errorf("Revisited 304 = %q, want unchanged", res)
	}
	res, err = a.Revisited(ctx, run, u, t0.Add(2*time.Hour), 200, store.PayloadDigest(rawPage), nil)
	s.ok(t, err, "Revisited")
	if res != finarchive.SaveUnchanged {
		t.Errorf("Revisited 200 of the stored payload = %q, want unchanged", res)
	}
	if res, err = a.Revisited(ctx, run, "https://a.example/none", t0, 304, "", nil); err != nil || res != finarchive.SaveNone {
		s.ok(t, err, "Revisited")
		t.Errorf("Revisited of a page never archived = %q, want none", res)
	}
	if info := s.info(t, a, u); !info.FetchedAt.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("fetched_at after revisits: %v", info.FetchedAt)
	}
	var fetches []store.Fetch
	s.ok(t, a.ExportFetches(ctx, store.ExportOptions{}, func(r *store.ExportRecord, fs []store.Fetch) error {
		if r.URL == u {
			fetches = fs
		}
		return nil
	}), "ExportFetches")
	if len(fetches) != 3 || fetches[0].Status != 200 || fetches[1].Status != 304 || fetches[2].Status != 200 ||
		!fetches[1].FetchedAt.Equal(t0.Add(time.Hour)) || fetches[0].PayloadDigest != store.PayloadDigest(rawPage) ||
		string(fetches[0].Body) != string(rawPage) {
		t.Errorf("fetches = %+v; want the 200, the 304 and the identical 200, oldest first", fetches)
	}

	// Heritrix and wget write SHA-1 payload digests (base32): the stored
	// body is matched by it, and the fetch keeps the store's SHA-256, which
	// a WARC export's revisit refers by. Another body's SHA-1 matches
	// nothing.
	sum := sha1.Sum(rawPage)
	res, err = a.Revisited(ctx, run, u, t0.Add(3*time.Hour), 200, "sha1:"+base32.StdEncoding.EncodeToString(sum[:]), nil)
	s.ok(t, err, "Revisited")
	if res != finarchive.SaveUnchanged {
		t.Errorf("Revisited 200 with the stored payload's SHA-1 = %q, want unchanged", res)
	}
	other := sha1.Sum([]byte("another body"))
	res, err = a.Revisited(ctx, run, u, t0.Add(4*time.Hour), 200, "sha1:"+base32.StdEncoding.EncodeToString(other[:]), nil)
	s.ok(t, err, "Revisited")
	if res != finarchive.SaveNone {
		t.Errorf("Revisited 200 with another payload's SHA-1 = %q, want none", res)
	}
	s.ok(t, a.ExportFetches(ctx, store.ExportOptions{}, func(r *store.ExportRecord, fs []store.Fetch) error {
		if r.URL == u {
			fetches = fs
		}
		return nil
	}), "ExportFetches")
	if len(fetches) != 4 || fetches[3].PayloadDigest != store.PayloadDigest(rawPage) || !fetches[3].FetchedAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("fetches = %+v; want a fourth, at +3h, with the stored payload's SHA-256", fetches)
	}
}
