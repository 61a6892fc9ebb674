package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

func TestDB_Search(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	docs := []struct{ url, title, body, site string }{
		{"https://a.example/1", "信用卡逾期了怎么办", "信用卡逾期后要尽快还款，避免影响征信。", "a.example"},
		{"https://a.example/2", "ETC卡怎么办理", "ETC卡可以在银行网点或者线上办理，需要身份证和行驶证。", "a.example"},
		{"https://b.example/3", "网银U盾丢了怎么办", "U盾丢失后应立即挂失。", "b.example"},
		{"https://b.example/4", "房贷提前还款划算吗", "提前还款前先算利息。很多人问信用卡、信用卡分期和信用卡取现的区别，信用卡账单日与还款日也不同。", "b.example"},
		{"https://b.example/5", "个人所得税专项附加扣除", "子女教育、继续教育、大病医疗、住房贷款利息可以扣除。", "b.example"},
	}
	for _, d := range docs {
		rec := article(d.url, d.title, d.body)
		rec.Site = d.site
		rec.Cards = nil
		mustComplete(t, db, run, fetched(d.url, rec, time.Now()))
	}
	tests := []struct {
		name string
		opt  store.SearchOptions
		want []string // URLs, in rank order
		mark string   // a marked match the first snippet must contain
	}{
		// One character: in the title (1, 2) above the body only (4); the
		// newer page first among equals (a character's count is not weighed).
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
		{"limit", store.SearchOptions{Query: "卡", Limit: 1}, []string{"https://a.example/2"}, ""},
		{"one character of the body alone", store.SearchOptions{Query: "挂"}, []string{"https://b.example/3"}, "\x02挂\x03"},
		{"no results", store.SearchOptions{Query: "比特币"}, nil, ""},
		{"FTS syntax is text", store.SearchOptions{Query: `"信用卡" -逾期 (*) ^`}, []string{"https://a.example/1"}, ""},
		{"FTS operators are words", store.SearchOptions{Query: `信用卡 OR NEAR AND NOT`}, nil, ""},
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
	if h.Title != docs[0].title || h.Site != "a.example" || h.Published == nil || h.Rank <= 0 {
		t.Errorf("hit = %+v", h)
	}
	if got, want := store.Highlight(h.Snippet, "<mark>", "</mark>"), "信用卡<mark>逾期</mark>后要尽快还款，避免影响征信。"; got != want {
		t.Errorf("snippet = %q, want %q", got, want)
	}
}

// TestDB_Search_followsChanges checks the index follows changes, in the
// same transaction as the page.
func TestDB_Search_followsChanges(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	const u = "https://a.example/1"
	mustComplete(t, db, run, fetched(u, article(u, "车贷利率", "车贷利率是多少"), time.Now()))
	mustComplete(t, db, run, fetched(u, article(u, "房贷利率", "房贷利率下调"), time.Now()))
	for q, want := range map[string]int{"车贷": 0, "房贷": 1, "下调": 1, "利率": 1} {
		hits, err := db.Search(ctx, store.SearchOptions{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != want {
			t.Errorf("%s: %d hits, want %d", q, len(hits), want)
		}
	}
	// Reextract changes the index too.
	rec := article(u, "公积金贷款", "公积金贷款额度")
	if _, err := db.Reextracted(ctx, u, rec); err != nil {
		t.Fatal(err)
	}
	if hits, _ := db.Search(ctx, store.SearchOptions{Query: "公积金"}); len(hits) != 1 {
		t.Errorf("after reextract: %d hits", len(hits))
	}
	if hits, _ := db.Search(ctx, store.SearchOptions{Query: "房贷"}); len(hits) != 0 {
		t.Errorf("old text still found: %d hits", len(hits))
	}
}

func TestDB_Search_longBody(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	body := strings.Repeat("银行卡开户需要带身份证。", 30) + "最后提到了保险理赔流程。" + strings.Repeat("其他内容。", 30)
	mustComplete(t, db, run, fetched("https://a.example/l", article("https://a.example/l", "长文章", body), time.Now()))
	hits, err := db.Search(ctx, store.SearchOptions{Query: "理赔"})
	if err != nil || len(hits) != 1 {
		t.Fatal(hits, err)
	}
	s := hits[0].Snippet
	if !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || !strings.Contains(s, "保险\x02理赔\x03流程") {
		t.Errorf("snippet = %q", s)
	}
	if n := len([]rune(store.Highlight(s, "", ""))); n > 162 {
		t.Errorf("snippet has %d runes", n)
	}
}

func TestDB_Reextracted(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	const u = "https://a.example/r"
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	mustComplete(t, db, run, fetched(u, article(u, "标题", "正文"), at))
	before, _ := db.Info(ctx, u)

	tests := []struct {
		name string
		rec  *extract.Record
		want string
		revs int
	}{
		{"same", article(u, "标题", "正文"), "unchanged", 1},
		{"better extraction", article(u, "标题", "正文，完整版"), "changed", 2},
	}
	for _, tt := range tests {
		res, err := db.Reextracted(ctx, u, tt.rec)
		if err != nil {
			t.Fatal(err)
		}
		if string(res) != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, res, tt.want)
		}
		info, _ := db.Info(ctx, u)
		if info.Revisions != tt.revs || !info.FetchedAt.Equal(before.FetchedAt) || info.ETag != before.ETag {
			t.Errorf("%s: info %+v", tt.name, info)
		}
	}
	if _, err := db.Reextracted(ctx, "https://a.example/none", article("x", "t", "b")); err == nil {
		t.Error("Reextracted of an unknown page succeeded")
	}
}

// TestDB_Search_titleBeyondCandidates checks an old page with the words in
// its title still ranks first when more than the candidate window of newer
// pages have them in the body only.
func TestDB_Search_titleBeyondCandidates(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	mustComplete(t, db, run, fetched("https://a.example/title", article("https://a.example/title", "大额存单利率表", "见下表。"), time.Now()))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 600; i += 4 {
				u := fmt.Sprintf("https://a.example/body/%d", i)
				rec := article(u, "理财常识", "大额存单利率比定期存款高，大额存单利率每年调整。")
				if _, err := db.Complete(ctx, run, fetched(u, rec, time.Now())); err != nil {
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

// TestDB_Search_queryBounds: a query past MaxQueryRunes characters or
// MaxQueryTerms words is refused with *store.QueryError, whose message does
// not repeat it; one at the bounds runs.
func TestDB_Search_queryBounds(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	u := "https://a.example/1.html"
	mustComplete(t, db, run, fetched(u, article(u, "信用卡逾期", "信用卡逾期怎么办"), time.Now()))

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
