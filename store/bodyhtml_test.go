package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/store"
)

// TestDB_bodyHTML checks body_html through a save: sanitised with the
// allow-list before it is written, read back by Get and Export, updated
// when only it changes (no new revision: it is no part of the content
// hash), by a re-crawl and by a reextract.
func TestDB_bodyHTML(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	run := MustStartRun(t, db, store.RunSpec{})
	const u = "https://a.example/h"
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

	rec := article(u, "标题", "费用\n甲银行 100元")
	rec.BodyHTML = `<p onclick="x()">费用</p><script>alert(1)</script><table><tbody><tr><td>甲银行</td><td>100元</td></tr></tbody></table><img src="javascript:alert(1)" alt="x">`
	if got := mustComplete(t, db, run, fetched(u, rec, at)); got != finarchive.SaveNew {
		t.Fatalf("save: %q", got)
	}
	const clean = `<p>费用</p><table><tbody><tr><td>甲银行</td><td>100元</td></tr></tbody></table><img alt="x">` // the src is not http(s): gone
	get := func(when string, want string) {
		t.Helper()
		got, err := db.Get(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if got.BodyHTML != want {
			t.Errorf("%s: Get body_html\n got: %s\nwant: %s", when, got.BodyHTML, want)
		}
		n := 0
		if err := db.Export(ctx, store.ExportOptions{}, func(r *store.ExportRecord) error {
			n++
			if r.BodyHTML != want {
				t.Errorf("%s: Export body_html\n got: %s\nwant: %s", when, r.BodyHTML, want)
			}
			return nil
		}); err != nil || n != 1 {
			t.Fatalf("export: %d records, %v", n, err)
		}
	}
	get("new", clean)

	// A re-crawl with the same content but a better rendering.
	rec2 := article(u, "标题", "费用\n甲银行 100元")
	rec2.BodyHTML = `<h2>费用</h2><table><tbody><tr><td>甲银行</td><td>100元</td></tr></tbody></table>`
	if got := mustComplete(t, db, run, fetched(u, rec2, at.Add(time.Hour))); got != finarchive.SaveUnchanged {
		t.Fatalf("re-crawl: %q, want unchanged", got)
	}
	get("re-crawl", rec2.BodyHTML)

	// A reextract of a page archived before body_html existed fills it.
	rec3 := article(u, "标题", "费用\n甲银行 100元")
	rec3.BodyHTML = `<h3>费用</h3><p>甲银行 100元</p>`
	if got, err := db.Reextracted(ctx, u, rec3); err != nil || got != finarchive.SaveUnchanged {
		t.Fatalf("reextract: %q, %v", got, err)
	}
	get("reextract", rec3.BodyHTML)
	if info, _ := db.Info(ctx, u); info.Revisions != 1 {
		t.Errorf("revisions %d, want 1: body_html alone is no change", info.Revisions)
	}

	// A changed body takes its body_html with it.
	rec4 := article(u, "标题", "新的正文")
	rec4.BodyHTML = `<p>新的正文</p>`
	if got, err := db.Reextracted(ctx, u, rec4); err != nil || got != finarchive.SaveChanged {
		t.Fatalf("reextract changed: %q, %v", got, err)
	}
	get("changed", rec4.BodyHTML)
}
