package storetest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
)

func (s *suite) search(t testing.TB, a store.Archive, opt store.SearchOptions) []store.SearchHit {
	t.Helper()
	hits, err := a.Search(ctx, opt)
	s.ok(t, err, fmt.Sprintf("Search %q", opt.Query))
	return hits
}

func hitURLs(hits []store.SearchHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.URL)
	}
	return out
}

// testSearch: Chinese queries of one character (anywhere, in the title
// above the body only), two and more (as a phrase), mixed Latin and
// Chinese, the site and since filters, the limit, and query syntax taken
// as text.
func testSearch(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	docs := []struct{ url, title, body, site string }{
		{"https://a.example/1", "信用卡逾期了怎么办", "信用卡逾期后要尽快还款，避免影响征信。", "a.example"},
		{"https://a.example/2", "ETC卡怎么办理", "ETC卡可以在银行网点或者线上办理，需要身份证和行驶证。", "a.example"},
		{"https://b.example/3", "网银U盾丢了怎么办", "U盾丢失后应立即挂失。", "b.example"},
		{"https://b.example/4", "房贷提前还款划算吗", "提前还款前先算利息。很多人问信用卡、信用卡分期和信用卡取现的区别，信用卡账单日与还款日也不同。", "b.example"},
		{"https://b.example/5", "个人所得税专项附加扣除", "子女教育、继续教育、大病医疗、住房贷款利息可以扣除。", "b.example"},
	}
	for i, d := range docs {
		rec := article(d.url, d.title, d.body)
		rec.Site = d.site
		rec.Cards = nil
		s.complete(t, a, run, fetched(d.url, rec, t0.Add(time.Duration(i)*time.Minute)))
	}
	for _, tc := range []struct {
		name    string
		opt     store.SearchOptions
		want    []string // URLs
		ordered bool     // in this order (else: as a set)
		mark    string   // a marked match the first snippet must contain
	}{
		{"one character", store.SearchOptions{Query: "卡"}, []string{"https://a.example/1", "https://a.example/2", "https://b.example/4"}, false, "\x02卡\x03"},
		{"one character at a run's end", store.SearchOptions{Query: "盾"}, []string{"https://b.example/3"}, true, "\x02盾\x03"},
		{"one character of the body alone", store.SearchOptions{Query: "挂"}, []string{"https://b.example/3"}, true, "\x02挂\x03"},
		{"two characters", store.SearchOptions{Query: "逾期"}, []string{"https://a.example/1"}, true, "\x02逾期\x03"},
		{"two characters, body only", store.SearchOptions{Query: "征信"}, []string{"https://a.example/1"}, true, "\x02征信\x03"},
		{"two characters spanning two words", store.SearchOptions{Query: "卡逾"}, []string{"https://a.example/1"}, true, ""},
		{"two characters in no page", store.SearchOptions{Query: "期卡"}, nil, true, ""},
		{"four characters", store.SearchOptions{Query: "提前还款"}, []string{"https://b.example/4"}, true, "\x02提前还款\x03"},
		{"Latin and Chinese", store.SearchOptions{Query: "U盾"}, []string{"https://b.example/3"}, true, "\x02U\x03\x02盾\x03"},
		{"lower case", store.SearchOptions{Query: "u盾"}, []string{"https://b.example/3"}, true, ""},
		{"full-width Latin", store.SearchOptions{Query: "ＥＴＣ"}, []string{"https://a.example/2"}, true, "\x02ETC\x03"},
		{"AND of words", store.SearchOptions{Query: "信用卡 征信"}, []string{"https://a.example/1"}, true, ""},
		{"title above body", store.SearchOptions{Query: "信用卡"}, []string{"https://a.example/1", "https://b.example/4"}, true, "\x02信用卡\x03"},
		{"site filter", store.SearchOptions{Query: "信用卡", Site: "b.example"}, []string{"https://b.example/4"}, true, ""},
		{"since filter", store.SearchOptions{Query: "信用卡", Since: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, nil, true, ""},
		{"limit", store.SearchOptions{Query: "信用卡", Limit: 1}, []string{"https://a.example/1"}, true, ""},
		{"no results", store.SearchOptions{Query: "比特币"}, nil, true, ""},
		{"query syntax is text", store.SearchOptions{Query: `"信用卡" -逾期 (*) ^`}, []string{"https://a.example/1"}, true, ""},
		{"operators are words", store.SearchOptions{Query: `信用卡 OR NEAR AND NOT`}, nil, true, ""},
		{"no word", store.SearchOptions{Query: " ，。"}, nil, true, ""},
	} {
		hits := s.search(t, a, tc.opt)
		got := hitURLs(hits)
		if !tc.ordered {
			sort.Strings(got)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: %q: got %v, want %v", tc.name, tc.opt.Query, got, tc.want)
			continue
		}
		if tc.mark != "" && !strings.Contains(hits[0].Snippet, tc.mark) {
			t.Errorf("%s: snippet %q lacks %q", tc.name, hits[0].Snippet, tc.mark)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Rank > hits[i-1].Rank {
				t.Errorf("%s: hit %d ranks %v above %v", tc.name, i, hits[i].Rank, hits[i-1].Rank)
			}
		}
	}
	hits := s.search(t, a, store.SearchOptions{Query: "逾期"})
	if len(hits) != 1 {
		t.Fatalf("逾期: %+v", hits)
	}
	h := hits[0]
	if h.Title != docs[0].title || h.Site != "a.example" || h.Published == nil || h.Rank <= 0 {
		t.Errorf("hit = %+v", h)
	}
	if got, want := store.Highlight(h.Snippet, "<mark>", "</mark>"), "信用卡<mark>逾期</mark>后要尽快还款，避免影响征信。"; got != want {
		t.Errorf("snippet = %q, want %q", got, want)
	}
	for _, q := range []string{strings.Repeat("卡 ", store.MaxQueryTerms+1), strings.Repeat("卡", store.MaxQueryRunes+1)} {
		_, err := a.Search(ctx, store.SearchOptions{Query: q})
		var qe *store.QueryError
		if !errors.As(err, &qe) {
			t.Errorf("a query of %d characters: %v, want a *store.QueryError", len([]rune(q)), err)
		}
	}
}

// testSearchFollowsChanges: a changed page is found by its new words and
// no longer by its old ones.
func testSearchFollowsChanges(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	const u = "https://a.example/1"
	s.complete(t, a, run, fetched(u, article(u, "信用卡逾期", "逾期后要尽快还款。"), t0))
	s.complete(t, a, run, fetched(u, article(u, "房贷利率", "利率下调以后月供减少。"), t0.Add(time.Hour)))
	if got := hitURLs(s.search(t, a, store.SearchOptions{Query: "逾期"})); len(got) != 0 {
		t.Errorf("old word: %v, want nothing", got)
	}
	if got := hitURLs(s.search(t, a, store.SearchOptions{Query: "月供"})); len(got) != 1 {
		t.Errorf("new word: %v, want the page", got)
	}
	if got := hitURLs(s.search(t, a, store.SearchOptions{Query: "率"})); len(got) != 1 {
		t.Errorf("new character: %v, want the page", got)
	}
}

// testSearchIndex: the index holds a row per version and nothing stale
// after writes, a rebuild gives the same answers, and the archive passes
// its integrity check.
func testSearchIndex(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	for i := range 4 {
		u := fmt.Sprintf("https://a.example/%d", i)
		s.complete(t, a, run, fetched(u, article(u, fmt.Sprintf("信用卡第%d篇", i), "正文说到征信。"), t0))
	}
	s.complete(t, a, run, fetched("https://a.example/0", article("https://a.example/0", "信用卡第0篇", "正文改了：分期。"), t0.Add(time.Hour)))
	rows, stale, err := a.SearchIndexRows(ctx)
	s.ok(t, err, "SearchIndexRows")
	if rows < 4 || stale != 0 {
		t.Errorf("SearchIndexRows = %d, %d; want at least a row per page, none stale", rows, stale)
	}
	before := hitURLs(s.search(t, a, store.SearchOptions{Query: "征信"}))
	s.ok(t, a.RebuildSearch(ctx), "RebuildSearch")
	after := hitURLs(s.search(t, a, store.SearchOptions{Query: "征信"}))
	if len(before) != 3 || strings.Join(before, " ") != strings.Join(after, " ") {
		t.Errorf("征信 before a rebuild %v, after %v; want the 3 unchanged pages both times", before, after)
	}
	if got := hitURLs(s.search(t, a, store.SearchOptions{Query: "分期"})); len(got) != 1 {
		t.Errorf("分期 after a rebuild: %v", got)
	}
	s.ok(t, a.IntegrityCheck(ctx), "IntegrityCheck")
	v, err := a.SchemaVersion(ctx)
	s.ok(t, err, "SchemaVersion")
	if v < 1 {
		t.Errorf("schema version %d", v)
	}
}
