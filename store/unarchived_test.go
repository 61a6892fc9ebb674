package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

func unarchivedPages(t *testing.T, db *store.DB) map[string]store.RawPage {
	t.Helper()
	out := map[string]store.RawPage{}
	if err := db.UnarchivedPages(context.Background(), func(rp store.RawPage) error { out[rp.URL] = rp; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDB_Complete_unarchived: a page typed other than article keeps its raw
// response (not for an archived article's URL, and not once it is saved as
// an article); reextract archives it when it is an article after all.
func TestDB_Complete_unarchived(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{Seeds: []string{"https://a.example/"}})
	t0 := time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC)
	typed := func(u string, typ extract.PageType) *finarchive.Fetched {
		rec := article(u, "信用卡逾期了怎么办", "逾期以后要尽快还款。")
		rec.PageType = typ
		return fetched(u, rec, t0)
	}
	list, archived, later := "https://a.example/list/1.html", "https://a.example/a/2.html", "https://a.example/a/3.html"

	if res := mustComplete(t, db, run, typed(list, extract.PageList)); res != finarchive.SaveNone {
		t.Fatalf("list page: %q, want none", res)
	}
	mustComplete(t, db, run, typed(archived, extract.PageArticle))
	mustComplete(t, db, run, typed(archived, extract.PageList)) // a wrong guess on an archived article
	mustComplete(t, db, run, typed(later, extract.PageHome))
	mustComplete(t, db, run, typed(later, extract.PageList)) // fetched again: the latest kept
	got := unarchivedPages(t, db)
	if len(got) != 2 || got[list].PageType != extract.PageList || got[later].PageType != extract.PageList {
		t.Fatalf("unarchived = %v, want %s and %s typed list (an archived article keeps its own raw)", keys(got), list, later)
	}
	if rp := got[list]; string(rp.Raw) != string(fetched(list, nil, t0).Raw) || !rp.FetchedAt.Equal(t0) || rp.Charset != "utf-8" {
		t.Errorf("unarchived raw of %s: %d bytes, fetched %v, charset %q", list, len(rp.Raw), rp.FetchedAt, rp.Charset)
	}
	if n, _ := db.Count(ctx); n != 1 {
		t.Errorf("%d articles, want 1", n)
	}

	// Saved as an article later: the page leaves the table.
	mustComplete(t, db, run, typed(later, extract.PageArticle))
	if got := unarchivedPages(t, db); len(got) != 1 {
		t.Errorf("after an article save: unarchived = %v, want only %s", keys(got), list)
	}

	// Reextract: another type is noted, an article is archived.
	rec := article(list, "信用卡逾期了怎么办", "逾期以后要尽快还款。")
	rec.PageType = extract.PageHome
	if res, err := db.ReextractedUnarchived(ctx, list, rec); err != nil || res != finarchive.SaveNone {
		t.Fatalf("reextract as home: %q, %v", res, err)
	}
	if rp := unarchivedPages(t, db)[list]; rp.PageType != extract.PageHome {
		t.Errorf("type after reextract: %q, want home", rp.PageType)
	}
	rec.PageType, rec.FetchedAt = extract.PageArticle, t0
	if res, err := db.ReextractedUnarchived(ctx, list, rec); err != nil || res != finarchive.SaveNew {
		t.Fatalf("reextract as article: %q, %v", res, err)
	}
	if got := unarchivedPages(t, db); len(got) != 0 {
		t.Errorf("unarchived after adoption: %v", keys(got))
	}
	stored, err := db.Get(ctx, list)
	if err != nil || stored.Title != rec.Title || !stored.FetchedAt.Equal(t0) {
		t.Fatalf("adopted page: %+v, %v", stored, err)
	}
	var raws []store.RawPage
	if err := db.RawPages(ctx, func(rp store.RawPage) error {
		if rp.URL == list {
			raws = append(raws, rp)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(raws) != 1 || string(raws[0].Raw) != string(fetched(list, nil, t0).Raw) {
		t.Errorf("adopted page's raw: %d rows", len(raws))
	}
	var fetches []store.Fetch
	if err := db.ExportFetches(ctx, store.ExportOptions{}, func(r *store.ExportRecord, fs []store.Fetch) error {
		if r.URL == list {
			fetches = fs
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(fetches) != 1 || fetches[0].Status != 200 || fetches[0].PayloadDigest != store.PayloadDigest(fetched(list, nil, t0).Raw) {
		t.Errorf("adopted page's fetches: %+v", fetches)
	}
	if _, err := db.ReextractedUnarchived(ctx, "https://a.example/none", rec); err == nil {
		t.Error("reextract of an unknown unarchived page succeeded")
	}
}

func keys(m map[string]store.RawPage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
