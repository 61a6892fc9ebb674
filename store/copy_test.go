package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/finarchive/finarchive/internal/archivecmp"
	"github.com/finarchive/finarchive/store"
)

// Searches are the queries the copy tests compare: one and two
// characters, a phrase, Latin and Han together, a miss.
var copySearches = []string{"卡", "逾期", "信用卡逾期", "ETC卡", "更新", "重新抽取", "催收 银行", "没有的词"}

// dumpAll returns every page and unarchived page of d as stored.
func dumpAll(t *testing.T, d store.Dumper) ([]*store.PageDump, []*store.UnarchivedDump, []store.RunDump) {
	t.Helper()
	ctx := context.Background()
	var ps []*store.PageDump
	if err := d.DumpPages(ctx, func(p *store.PageDump) error { ps = append(ps, p); return nil }); err != nil {
		t.Fatal(err)
	}
	var us []*store.UnarchivedDump
	if err := d.DumpUnarchived(ctx, func(u *store.UnarchivedDump) error { us = append(us, u); return nil }); err != nil {
		t.Fatal(err)
	}
	runs, err := d.DumpRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ps, us, runs
}

// TestCopy: a copy of an archive into a new file holds the same rows (ids,
// runs of revisions and fetches, digests, heads, bodies, validators,
// revisit schedule, removed_at) and gives the same results to every read,
// searches included.
func TestCopy(t *testing.T) {
	ctx := context.Background()
	clock := &archivecmp.Clock{}
	src := MustOpenDB(t, store.WithClock(clock.Now))
	if _, err := archivecmp.Fill(ctx, src, clock, 3); err != nil {
		t.Fatal(err)
	}
	dst := MustOpenDB(t, store.WithClock(clock.Now))
	st, err := store.Copy(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pages != 9 || st.Runs != 2 || st.Unarchived != 2 || st.Revisions != 11 || st.Frontier != 3 {
		t.Errorf("copied %+v, want 9 pages, 2 runs, 2 unarchived, 11 revisions, 3 frontier rows", st)
	}
	sp, su, sr := dumpAll(t, src)
	dp, du, dr := dumpAll(t, dst)
	if !reflect.DeepEqual(sp, dp) {
		for i := range sp {
			if i < len(dp) && !reflect.DeepEqual(sp[i], dp[i]) {
				t.Errorf("page %d differs:\n src %+v\n dst %+v", i, *sp[i], *dp[i])
				break
			}
		}
		t.Errorf("pages differ (%d vs %d)", len(sp), len(dp))
	}
	if !reflect.DeepEqual(su, du) {
		t.Errorf("unarchived pages differ: %+v vs %+v", su, du)
	}
	if !reflect.DeepEqual(sr, dr) {
		t.Errorf("runs differ:\n %+v\n %+v", sr, dr)
	}
	opt := archivecmp.Options{Runs: true, Searches: copySearches, Since: archivecmp.Start.Add(12 * 3600e9)}
	a, err := archivecmp.Snapshot(ctx, src, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := archivecmp.Snapshot(ctx, dst, opt)
	if err != nil {
		t.Fatal(err)
	}
	if d := archivecmp.Diff(a, b); d != "" {
		t.Errorf("copy reads differently: %s", d)
	}
	// What run 2 left for the next: the failed and deferred URLs carry
	// over from the copy as from the original.
	next := MustStartRun(t, dst, store.RunSpec{})
	if carried, dropped, err := dst.CarryOverFailed(ctx, 2, next); err != nil || carried != 2 || dropped != 0 {
		t.Errorf("carry-over in the copy: %d carried, %d dropped, %v; want 2, 0", carried, dropped, err)
	}
	rows, stale, err := dst.SearchIndexRows(ctx)
	if err != nil || rows != 9 || stale != 0 {
		t.Errorf("copy's search index: %d rows, %d stale, %v; want 9, 0", rows, stale, err)
	}

	// A copy goes into an empty archive only.
	_, err = store.Copy(ctx, src, dst)
	var ne *store.NotEmptyError
	if !errors.As(err, &ne) || ne.Table != "pages" {
		t.Errorf("copy into a full archive: %v, want NotEmptyError on pages", err)
	}
}

// TestCopy_reopen: the copy is a normal archive: it opens again (read-only
// too) and a crawl can go on writing to it.
func TestCopy_reopen(t *testing.T) {
	ctx := context.Background()
	clock := &archivecmp.Clock{}
	src := MustOpenDB(t, store.WithClock(clock.Now))
	urls, err := archivecmp.Fill(ctx, src, clock, 0)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	dst, err := store.Open(ctx, path, store.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Copy(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ro.Count(ctx); err != nil || n != len(urls) {
		t.Errorf("read-only copy: %d pages, %v; want %d", n, err, len(urls))
	}
	ro.Close()
	rw := MustOpenPath(t, path, store.WithClock(clock.Now))
	run := MustStartRun(t, rw, store.RunSpec{})
	if run != 3 {
		t.Errorf("new run in the copy: id %d, want 3", run)
	}
	rec, err := rw.Get(ctx, urls[0])
	if err != nil {
		t.Fatal(err)
	}
	rec.Body += "再改一次"
	rec.ContentHash = ""
	f := fetched(urls[0], rec, clock.T.Add(time.Hour))
	if res := mustComplete(t, rw, run, f); res != "changed" {
		t.Errorf("crawl on the copy: %s, want changed", res)
	}
	revs, err := rw.Revisions(ctx, urls[0])
	if err != nil || len(revs) != 3 {
		t.Errorf("revisions after a crawl on the copy: %d, %v; want 3", len(revs), err)
	}
}
