package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// TestDB_Complete_unchanged checks a refetch with the same content keeps
// the stored raw response and cards when the bytes are the same (moving the
// raw's fetch time only), and replaces both when they differ.
func TestDB_Complete_unchanged(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	const u = "https://a.example/1"
	t0 := time.Date(2024, 3, 15, 2, 0, 0, 0, time.UTC)
	withCards := func(at time.Time, raw string, cards ...string) *finarchive.Fetched {
		rec := article(u, "信用卡逾期", "信用卡逾期后要尽快还款。")
		rec.Cards = nil
		for _, c := range cards {
			rec.Cards = append(rec.Cards, extract.Card{Title: c, URL: "https://a.example/" + c})
		}
		f := fetched(u, rec, at)
		f.Raw = []byte(raw)
		return f
	}
	tests := []struct {
		name   string
		f      *finarchive.Fetched
		result finarchive.SaveResult
		raw    string
		cards  []string
	}{
		{"new", withCards(t0, "<p>v1</p>", "a", "b"), finarchive.SaveNew, "<p>v1</p>", []string{"a", "b"}},
		{"same bytes", withCards(t0.Add(time.Hour), "<p>v1</p>", "a", "b"), finarchive.SaveUnchanged, "<p>v1</p>", []string{"a", "b"}},
		{"other bytes, same content", withCards(t0.Add(2*time.Hour), "<p>v2</p>", "c"), finarchive.SaveUnchanged, "<p>v2</p>", []string{"c"}},
	}
	for _, tt := range tests {
		if got := mustComplete(t, db, run, tt.f); got != tt.result {
			t.Fatalf("%s: result %v, want %v", tt.name, got, tt.result)
		}
		var raws []store.RawPage
		if err := db.RawPages(ctx, func(rp store.RawPage) error { raws = append(raws, rp); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(raws) != 1 || string(raws[0].Raw) != tt.raw || !raws[0].FetchedAt.Equal(tt.f.FetchedAt) {
			t.Errorf("%s: raw = %+v, want %q fetched %v", tt.name, raws, tt.raw, tt.f.FetchedAt)
		}
		rec, err := db.Get(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		var cards []string
		for _, c := range rec.Cards {
			cards = append(cards, c.Title)
		}
		if len(cards) != len(tt.cards) || (len(cards) > 0 && cards[0] != tt.cards[0]) {
			t.Errorf("%s: cards %v, want %v", tt.name, cards, tt.cards)
		}
	}
}
