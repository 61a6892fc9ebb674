package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
)

// searchDocs are the documents of store's TestDB_Search.
var searchDocs = []struct{ url, title, body, site string }{
	{"https://a.example/1", "信用卡逾期了怎么办", "信用卡逾期后要尽快还款，避免影响征信。", "a.example"},
	{"https://a.example/2", "ETC卡怎么办理", "ETC卡可以在银行网点或者线上办理，需要身份证和行驶证。", "a.example"},
	{"https://b.example/3", "网银U盾丢了怎么办", "U盾丢失后应立即挂失。", "b.example"},
	{"https://b.example/4", "房贷提前还款划算吗", "提前还款前先算利息。很多人问信用卡、信用卡分期和信用卡取现的区别，信用卡账单日与还款日也不同。", "b.example"},
	{"https://b.example/5", "个人所得税专项附加扣除", "子女教育、继续教育、大病医疗、住房贷款利息可以扣除。", "b.example"},
}

// TestSearch is store's TestDB_Search on PostgreSQL: the same documents,
// queries, results in the same order, and snippets.
func TestSearch(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	for _, d := range searchDocs {
		rec := article(d.url, d.title, d.body)
		rec.Site = d.site
		rec.Cards = nil
		complete(t, db, run, fetched(d.url, rec, time.Now()))
	}
	tests := []struct {
		name string
		opt  store.SearchOptions
		want []string
		mark string
	}{
		{"one character", store.SearchOptions{Query: "卡"}, []string{"https://a.example/2", "https://a.example/1", "https://b.example/4"}, "\x02卡\x03"},
		{"one character at a run's end", store.SearchOptions{Query: "盾"}, []string{"https://b.example/3"}, "\x02盾\x03"},
		{"two characters", store.SearchOptions{Query: "逾期"}, []string{"https://a.example/1"}, "\x02逾期\x03"},
		{"four characters", store.SearchOptions{Query: "提前还款"}, []string{"https://b.example/4"}, "\x02提前还款\x03"},
		{"U盾", store.SearchOptions{Query: "U盾"}, []string{"https://b.example/3"}, "\x02U\x03\x02盾\x03"},
		{"u盾 lower case", store.SearchOptions{Query: "u盾"}, []string{"https://b.example/3"}, "\x02U\x03"},
		{"ETC卡", store.SearchOptions{Query: "ETC卡"}, []string{"https://a.example/2"}, "\x02ETC\x03\x02卡\x03"},
		{"full-width ＥＴＣ", store.SearchOptions{Query: "ＥＴＣ"}, []string{"https://a.example/2"}, "\x02ETC\x03"},
		{"AND of words", store.SearchOptions{Query: "信用卡 征信"}, []string{"https://a.example/1"}, "\x02信用卡\x03"},
		{"title above body", store.SearchOptions{Query: "信用卡"}, []string{"https://a.example/1", "https://b.example/4"}, "\x02信用卡\x03"},
		{"site filter", store.SearchOptions{Query: "信用卡", Site: "b.example"}, []string{"https://b.example/4"}, ""},
		{"since filter", store.SearchOptions{Query: "信用卡", Since: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, nil, ""},
		{"since filter, earlier", store.SearchOptions{Query: "信用卡", Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"https://a.example/1", "https://b.example/4"}, ""},
		{"limit", store.SearchOptions{Query: "卡", Limit: 1}, []string{"https://a.example/2"}, ""},
		{"one character of the body alone", store.SearchOptions{Query: "挂"}, []string{"https://b.example/3"}, "\x02挂\x03"},
		{"no results", store.SearchOptions{Query: "比特币"}, nil, ""},
		{"FTS syntax is text", store.SearchOptions{Query: `"信用卡" -逾期 (*) ^`}, []string{"https://a.example/1"}, ""},
		{"FTS operators are words", store.SearchOptions{Query: `信用卡 OR NEAR AND NOT`}, nil, ""},
		{"tsquery syntax is text", store.SearchOptions{Query: `信用卡 & ! | <-> 'x':*`}, nil, ""},
		{"empty", store.SearchOptions{Query: " ，。"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := db.Search(ctx, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.URL)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if tt.mark != "" && !strings.Contains(hits[0].Snippet, tt.mark) {
				t.Errorf("snippet %q lacks %q", hits[0].Snippet, tt.mark)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Rank > hits[i-1].Rank {
					t.Errorf("hit %d ranks %v above %v", i, hits[i].Rank, hits[i-1].Rank)
				}
			}
		})
	}
	hits, err := db.Search(ctx, store.SearchOptions{Query: "逾期"})
	if err != nil || len(hits) != 1 {
		t.Fatal(hits, err)
	}
	h := hits[0]
	if h.Title != searchDocs[0].title || h.Site != "a.example" || h.Published == nil || h.Rank <= 0 {
		t.Errorf("hit = %+v", h)
	}
	if got, want := store.Highlight(h.Snippet, "<mark>", "</mark>"), "信用卡<mark>逾期</mark>后要尽快还款，避免影响征信。"; got != want {
		t.Errorf("snippet = %q, want %q", got, want)
	}
}

// TestSearch_sameAsSQLite: the same archive in both back ends gives the
// same hits, in the same order, with the same ranks and snippets, for
// one-, two- and longer queries, words and mixed ones.
func TestSearch_sameAsSQLite(t *testing.T) {
	ctx := context.Background()
	pg := openDB(t)
	lite, err := store.Open(ctx, t.TempDir()+"/a.db")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	bodies := []string{
		"信用卡逾期后要尽快还款，避免影响征信。信用卡逾期一天也算逾期。",
		"ETC卡可以在银行网点办理，ETC卡需要身份证。办理ETC很方便。",
		"提前还款前先算利息。很多人问信用卡、信用卡分期和信用卡取现的区别。",
		"大额存单利率比定期存款高，大额存单利率每年调整。存款利率下调。",
		"U盾丢失后应立即挂失，网银U盾可以补办。",
	}
	titles := []string{"信用卡逾期", "ETC卡办理", "提前还款", "大额存单利率", "U盾挂失"}
	for _, a := range []store.Archive{pg, lite} {
		run := startRun(t, a, store.RunSpec{})
		for i := range 40 {
			u := fmt.Sprintf("https://s%d.example/%d.html", i%3, i)
			rec := article(u, titles[i%5]+fmt.Sprint(i%7), bodies[(i*3)%5]+bodies[i%5])
			rec.Site = fmt.Sprintf("s%d.example", i%3)
			complete(t, a, run, fetched(u, rec, time.Now()))
		}
	}
	for _, q := range []string{"卡", "利", "逾期", "信用卡", "大额存单利率", "ETC", "etc卡", "U盾", "信用卡 逾期", "存款利率下调", "3", "比特币"} {
		for _, site := range []string{"", "s1.example"} {
			opt := store.SearchOptions{Query: q, Site: site, Limit: 50}
			want, err := lite.Search(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pg.Search(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := hitsString(got), hitsString(want); g != w {
				t.Errorf("%q site %q:\n got %s\nwant %s", q, site, g, w)
			}
		}
	}
}

func hitsString(hits []store.SearchHit) string {
	var b strings.Builder
	for _, h := range hits {
		fmt.Fprintf(&b, "\n%s %.4f %s", h.URL, h.Rank, h.Snippet)
	}
	return b.String()
}

// TestSearch_followsChanges: the index follows changes and reextracts, in
// the page's transaction.
func TestSearch_followsChanges(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	const u = "https://a.example/1"
	complete(t, db, run, fetched(u, article(u, "车贷利率", "车贷利率是多少"), time.Now()))
	complete(t, db, run, fetched(u, article(u, "房贷利率", "房贷利率下调"), time.Now()))
	for q, want := range map[string]int{"车贷": 0, "房贷": 1, "下调": 1, "利率": 1, "车": 0} {
		hits, err := db.Search(ctx, store.SearchOptions{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != want {
			t.Errorf("%s: %d hits, want %d", q, len(hits), want)
		}
	}
	if _, err := db.Reextracted(ctx, u, article(u, "公积金贷款", "公积金贷款额度")); err != nil {
		t.Fatal(err)
	}
	if hits, _ := db.Search(ctx, store.SearchOptions{Query: "公积金"}); len(hits) != 1 {
		t.Errorf("after reextract: %d hits", len(hits))
	}
	if hits, _ := db.Search(ctx, store.SearchOptions{Query: "房贷"}); len(hits) != 0 {
		t.Errorf("old text still found: %d hits", len(hits))
	}
	rows, stale, err := db.SearchIndexRows(ctx)
	if err != nil || rows != 1 || stale != 0 {
		t.Errorf("SearchIndexRows = %d, %d, %v; want 1, 0", rows, stale, err)
	}
}

func TestSearch_longBody(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	body := strings.Repeat("银行卡开户需要带身份证。", 30) + "最后提到了保险理赔流程。" + strings.Repeat("其他内容。", 30)
	complete(t, db, run, fetched("https://a.example/l", article("https://a.example/l", "长文章", body), time.Now()))
	hits, err := db.Search(ctx, store.SearchOptions{Query: "理赔"})
	if err != nil || len(hits) != 1 {
		t.Fatal(hits, err)
	}
	s := hits[0].Snippet
	if !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || !strings.Contains(s, "保险\x02理赔\x03流程") {
		t.Errorf("snippet = %q", s)
	}
}

// TestSearch_beyondPositions: a body longer than tsvector positions reach
// (16,383) is still found by its last words, one, two and more characters.
func TestSearch_beyondPositions(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	body := strings.Repeat("银行卡开户需要带身份证。", 2000) + "最后提到了保险理赔流程，鳕鱼。"
	complete(t, db, run, fetched("https://a.example/l", article("https://a.example/l", "很长的文章", body), time.Now()))
	for _, q := range []string{"理赔流程", "理赔", "鳕", "身份证"} {
		if hits, err := db.Search(ctx, store.SearchOptions{Query: q}); err != nil || len(hits) != 1 {
			t.Errorf("%s: %d hits, %v", q, len(hits), err)
		}
	}
}

// TestSearch_titleBeyondCandidates: an old page with the words in its
// title ranks first when more than the candidate window of newer pages
// have them in the body only.
func TestSearch_titleBeyondCandidates(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	complete(t, db, run, fetched("https://a.example/title", article("https://a.example/title", "大额存单利率表", "见下表。"), time.Now()))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 600; i += 4 {
				u := fmt.Sprintf("https://a.example/body/%d", i)
				if _, err := db.Complete(ctx, run, fetched(u, article(u, "理财常识", "大额存单利率比定期存款高，大额存单利率每年调整。"), time.Now())); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	hits, err := db.Search(ctx, store.SearchOptions{Query: "大额存单利率", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 5 || hits[0].URL != "https://a.example/title" {
		t.Fatalf("first of %d hits: %+v", len(hits), hits[0])
	}
	if hits[0].Rank <= hits[1].Rank {
		t.Errorf("title hit rank %v <= body hit rank %v", hits[0].Rank, hits[1].Rank)
	}
}

func TestSearch_queryBounds(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	u := "https://a.example/1.html"
	complete(t, db, run, fetched(u, article(u, "信用卡逾期", "信用卡逾期怎么办"), time.Now()))
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("信用卡 ", n)) }
	for _, tc := range []struct {
		name  string
		query string
		ok    bool
	}{
		{"10,000 words", words(10000), false},
		{"33 words", strings.Repeat("a ", 33), false},
		{"32 words", words(32), true},
		{"257 characters", strings.Repeat("信", 257), false},
		{"256 characters", strings.Repeat("信", 256), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.Search(ctx, store.SearchOptions{Query: tc.query})
			var qe *store.QueryError
			switch {
			case tc.ok && err != nil:
				t.Errorf("Search: %v", err)
			case !tc.ok && !errors.As(err, &qe):
				t.Errorf("Search: %v, want *store.QueryError", err)
			case !tc.ok && len(err.Error()) > 200:
				t.Errorf("error message of %d bytes: %.200s", len(err.Error()), err)
			}
		})
	}
}

// TestRebuildSearch: a rebuild gives the same index (and results), and a
// damaged index is reported by IntegrityCheck and repaired by a rebuild.
func TestRebuildSearch(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	for i, d := range searchDocs {
		complete(t, db, run, fetched(d.url, article(d.url, d.title, d.body), time.Now()))
		if i == 0 {
			complete(t, db, run, fetched(d.url, article(d.url, d.title, d.body+"另外。"), time.Now()))
		}
	}
	before, err := db.Search(ctx, store.SearchOptions{Query: "信用卡"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, "DELETE FROM search WHERE page_id = (SELECT min(id) FROM pages)"); err != nil {
		t.Fatal(err)
	}
	if err := db.IntegrityCheck(ctx); err == nil || !strings.Contains(err.Error(), "without a search index row") {
		t.Errorf("IntegrityCheck of a damaged index: %v", err)
	}
	if err := db.RebuildSearch(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := db.Search(ctx, store.SearchOptions{Query: "信用卡"})
	if err != nil {
		t.Fatal(err)
	}
	if hitsString(after) != hitsString(before) {
		t.Errorf("after the rebuild:%s\nbefore:%s", hitsString(after), hitsString(before))
	}
	if rows, stale, err := db.SearchIndexRows(ctx); err != nil || rows != len(searchDocs) || stale != 0 {
		t.Errorf("SearchIndexRows = %d, %d, %v", rows, stale, err)
	}
}
