package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
)

func TestDB_Export(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		u := fmt.Sprintf("https://a.example/%d", i)
		rec := article(u, fmt.Sprintf("标题%d", i), "正文")
		rec.Cards = rec.Cards[:i%3] // 0, 1 or 2 cards, each page's its own
		for k := range rec.Cards {
			rec.Cards[k].Title += fmt.Sprint(i)
		}
		if i == 4 {
			rec.Site = "b.example"
		}
		mustComplete(t, db, run, fetched(u, rec, t0.Add(time.Duration(i)*time.Hour)))
	}
	// Page 1 changes twice, later than everything else; page 2 is refetched unchanged.
	mustComplete(t, db, run, fetched("https://a.example/1", article("https://a.example/1", "标题1", "正文v2"), t0.Add(10*time.Hour)))
	mustComplete(t, db, run, fetched("https://a.example/1", article("https://a.example/1", "标题1", "正文v3"), t0.Add(11*time.Hour)))
	mustComplete(t, db, run, fetched("https://a.example/2", article("https://a.example/2", "标题2", "正文"), t0.Add(12*time.Hour)))

	export := func(opt store.ExportOptions) []*store.ExportRecord {
		t.Helper()
		var out []*store.ExportRecord
		if err := db.Export(ctx, opt, func(r *store.ExportRecord) error { out = append(out, r); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	urls := func(rs []*store.ExportRecord) string {
		s := ""
		for _, r := range rs {
			s += r.URL[len("https://a.example/"):] + " "
		}
		return s
	}
	tests := []struct {
		name string
		opt  store.ExportOptions
		want string
	}{
		{"all, by id", store.ExportOptions{}, "0 1 2 3 4 "},
		{"since: new or changed", store.ExportOptions{Since: t0.Add(3 * time.Hour)}, "1 3 4 "},
		{"since: unchanged refetch is not a change", store.ExportOptions{Since: t0.Add(11*time.Hour + time.Minute)}, ""},
		{"site", store.ExportOptions{Site: "b.example"}, "4 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := export(tt.opt)
			if got := urls(rs); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			// Each record has its page's cards (read alongside the pages).
			for _, r := range rs {
				want, err := db.Get(ctx, r.URL)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(r.Cards, want.Cards) {
					t.Errorf("%s: cards %+v, want %+v", r.URL, r.Cards, want.Cards)
				}
			}
		})
	}

	all := export(store.ExportOptions{History: true})
	if len(all[0].History) != 0 {
		t.Errorf("page 0 history: %+v", all[0].History)
	}
	h := all[1].History
	if len(h) != 2 || h[0].Body != "正文" || h[1].Body != "正文v2" || all[1].Body != "正文v3" {
		t.Fatalf("page 1: body %q history %+v", all[1].Body, h)
	}
	if !h[1].FetchedAt.Equal(t0.Add(10 * time.Hour)) {
		t.Errorf("history time %v", h[1].FetchedAt)
	}
	if len(export(store.ExportOptions{})[1].History) != 0 {
		t.Error("history without ExportOptions.History")
	}

	// The JSON form is the record's, plus history.
	b, err := json.Marshal(all[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"url", "title", "body", "published", "cards", "content_hash", "fetched_at", "history", "breadcrumb"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	m0 := map[string]any{}
	if b, _ := json.Marshal(all[0]); json.Unmarshal(b, &m0) == nil {
		if _, ok := m0["history"]; ok {
			t.Errorf("empty history in JSON: %s", b)
		}
	}

	// An error from fn stops the export and comes back as is.
	stop := errors.New("stop")
	n := 0
	err = db.Export(ctx, store.ExportOptions{}, func(*store.ExportRecord) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Export = %v after %d records", err, n)
	}
}

func TestDB_List(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	for i := range 6 {
		u := fmt.Sprintf("https://a.example/%d", i)
		rec := article(u, fmt.Sprintf("标题%d", i), "正文")
		pub := time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC)
		rec.Published = &pub
		if i%2 == 1 {
			rec.Category = "贷款"
		}
		if i == 5 {
			rec.Published = nil
			rec.Site = "b.example"
		}
		mustComplete(t, db, run, fetched(u, rec, time.Now()))
	}
	list := func(opt store.ListOptions) (string, int) {
		t.Helper()
		got, total, err := db.List(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, r := range got {
			s += r.Title + " "
		}
		return s, total
	}
	tests := []struct {
		name  string
		opt   store.ListOptions
		want  string
		total int
	}{
		{"newest first, undated last", store.ListOptions{}, "标题4 标题3 标题2 标题1 标题0 标题5 ", 6},
		{"page", store.ListOptions{Offset: 2, Limit: 2}, "标题2 标题1 ", 6},
		{"category", store.ListOptions{Category: "贷款"}, "标题3 标题1 标题5 ", 3},
		{"site and category", store.ListOptions{Site: "a.example", Category: "贷款"}, "标题3 标题1 ", 2},
		{"none", store.ListOptions{Site: "c.example"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, total := list(tt.opt); got != tt.want || total != tt.total {
				t.Errorf("got %q (%d), want %q (%d)", got, total, tt.want, tt.total)
			}
		})
	}
	sites, err := db.Sites(ctx)
	if err != nil || fmt.Sprint(sites) != "[{a.example 5} {b.example 1}]" {
		t.Errorf("Sites = %v, %v", sites, err)
	}
	cats, err := db.Categories(ctx)
	if err != nil || fmt.Sprint(cats) != "[{信用卡 3} {贷款 3}]" {
		t.Errorf("Categories = %v, %v", cats, err)
	}
}
