package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
)

// exportArchive holds five pages (the last on b.example), page 1 changed
// twice later than all, page 2 refetched unchanged.
func (s *suite) exportArchive(t *testing.T) store.Archive {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	for i := range 5 {
		u := fmt.Sprintf("https://a.example/%d", i)
		rec := article(u, fmt.Sprintf("标题%d", i), "正文")
		if i == 4 {
			rec.Site = "b.example"
			rec.Category = "贷款"
		}
		s.complete(t, a, run, fetched(u, rec, t0.Add(time.Duration(i)*time.Hour)))
	}
	s.complete(t, a, run, fetched("https://a.example/1", article("https://a.example/1", "标题1", "正文v2"), t0.Add(10*time.Hour)))
	s.complete(t, a, run, fetched("https://a.example/1", article("https://a.example/1", "标题1", "正文v3"), t0.Add(11*time.Hour)))
	s.complete(t, a, run, fetched("https://a.example/2", article("https://a.example/2", "标题2", "正文"), t0.Add(12*time.Hour)))
	return a
}

func exportedURLs(rs []*store.ExportRecord) string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.TrimPrefix(r.URL, "https://a.example/"))
	}
	return strings.Join(out, " ")
}

// testExport: every article once, in the order archived; --since keeps
// what is new or changed since then (an unchanged refetch is no change),
// --site one site, --history every earlier version; an error from the
// callback stops the export; the WARC export's fetches, oldest first.
func testExport(t *testing.T, s *suite) {
	a := s.exportArchive(t)
	for _, tc := range []struct {
		name string
		opt  store.ExportOptions
		want string
	}{
		{"all", store.ExportOptions{}, "0 1 2 3 4"},
		{"since: new or changed", store.ExportOptions{Since: t0.Add(3 * time.Hour)}, "1 3 4"},
		{"since: an unchanged refetch is no change", store.ExportOptions{Since: t0.Add(11*time.Hour + time.Minute)}, ""},
		{"site", store.ExportOptions{Site: "b.example"}, "4"},
		{"site and since", store.ExportOptions{Site: "a.example", Since: t0.Add(3 * time.Hour)}, "1 3"},
		{"site unknown", store.ExportOptions{Site: "c.example"}, ""},
	} {
		if got := exportedURLs(s.export(t, a, tc.opt)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}

	all := s.export(t, a, store.ExportOptions{History: true})
	if len(all) != 5 {
		t.Fatalf("%d records", len(all))
	}
	if len(all[0].History) != 0 {
		t.Errorf("page 0 history: %+v", all[0].History)
	}
	h := all[1].History
	if len(h) != 2 || h[0].Body != "正文" || h[1].Body != "正文v2" || all[1].Body != "正文v3" {
		t.Fatalf("page 1: body %q, history %+v", all[1].Body, h)
	}
	if !h[0].FetchedAt.Equal(t0.Add(time.Hour)) || !h[1].FetchedAt.Equal(t0.Add(10*time.Hour)) {
		t.Errorf("history times %v %v", h[0].FetchedAt, h[1].FetchedAt)
	}
	if r := all[2]; !r.FetchedAt.Equal(t0.Add(12*time.Hour)) || len(r.History) != 0 || r.PageType != "article" || r.ContentHash == "" {
		t.Errorf("page 2 (refetched unchanged): %+v", r)
	}
	if got := s.export(t, a, store.ExportOptions{}); len(got[1].History) != 0 {
		t.Error("history without ExportOptions.History")
	}

	stop := errors.New("stop")
	n := 0
	err := a.Export(ctx, store.ExportOptions{}, func(*store.ExportRecord) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Export = %v after %d records; want the callback's error after 1", err, n)
	}

	fetches := map[string]int{}
	s.ok(t, a.ExportFetches(ctx, store.ExportOptions{}, func(r *store.ExportRecord, fs []store.Fetch) error {
		fetches[strings.TrimPrefix(r.URL, "https://a.example/")] = len(fs)
		for i := 1; i < len(fs); i++ {
			if fs[i].FetchedAt.Before(fs[i-1].FetchedAt) {
				t.Errorf("%s: fetches out of order: %v before %v", r.URL, fs[i-1].FetchedAt, fs[i].FetchedAt)
			}
		}
		return nil
	}), "ExportFetches")
	if got, want := fmt.Sprint(fetches), "map[0:1 1:3 2:2 3:1 4:1]"; got != want {
		t.Errorf("fetches per page = %s, want %s", got, want)
	}
	since := map[string]int{}
	s.ok(t, a.ExportFetches(ctx, store.ExportOptions{Since: t0.Add(10 * time.Hour), Site: "a.example"}, func(r *store.ExportRecord, fs []store.Fetch) error {
		since[strings.TrimPrefix(r.URL, "https://a.example/")] = len(fs)
		return nil
	}), "ExportFetches")
	// Since selects the pages; each comes with all its fetches (the WARC
	// writer leaves out the older ones).
	if got, want := fmt.Sprint(since), "map[1:3]"; got != want {
		t.Errorf("fetches of a.example's pages changed since 10h = %s, want %s", got, want)
	}
}

// testRead: counts, sites, categories and the reader's paged list.
func testRead(t *testing.T, s *suite) {
	a := s.exportArchive(t)
	n, err := a.Count(ctx)
	s.ok(t, err, "Count")
	if n != 5 {
		t.Errorf("Count = %d, want 5", n)
	}
	sites, err := a.Sites(ctx)
	s.ok(t, err, "Sites")
	if got, want := fmt.Sprint(sites), "[{a.example 4} {b.example 1}]"; got != want {
		t.Errorf("Sites = %s, want %s", got, want)
	}
	cats, err := a.Categories(ctx)
	s.ok(t, err, "Categories")
	if got, want := fmt.Sprint(cats), "[{信用卡 4} {贷款 1}]"; got != want {
		t.Errorf("Categories = %s, want %s", got, want)
	}
	list, total, err := a.List(ctx, store.ListOptions{Site: "a.example", Limit: 3})
	s.ok(t, err, "List")
	if total != 4 || len(list) != 3 {
		t.Fatalf("List = %d of %d, want 3 of 4", len(list), total)
	}
	rest, total, err := a.List(ctx, store.ListOptions{Site: "a.example", Limit: 3, Offset: 3})
	s.ok(t, err, "List")
	if total != 4 || len(rest) != 1 {
		t.Fatalf("List from 3 = %d of %d, want 1 of 4", len(rest), total)
	}
	seen := map[string]bool{}
	for _, sm := range append(list, rest...) {
		if seen[sm.URL] {
			t.Errorf("%s listed twice", sm.URL)
		}
		seen[sm.URL] = true
		if sm.URL == "https://a.example/1" && (sm.Revisions != 3 || !sm.ChangedAt.Equal(t0.Add(11*time.Hour))) {
			t.Errorf("page 1 in the list: %+v; want 3 revisions, changed at %v", sm, t0.Add(11*time.Hour))
		}
	}
	if _, total, err := a.List(ctx, store.ListOptions{Category: "贷款"}); err != nil || total != 1 {
		s.ok(t, err, "List")
		t.Errorf("List of a category: %d, want 1", total)
	}
	info := s.info(t, a, "https://a.example/1")
	if !info.FirstSeenAt.Equal(t0.Add(time.Hour)) || !info.ChangedAt.Equal(t0.Add(11*time.Hour)) || info.ETag != `"e1"` || info.Revisions != 3 {
		t.Errorf("Info = %+v", info)
	}
}
