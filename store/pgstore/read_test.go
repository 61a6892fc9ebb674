package pgstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/finarchive/finarchive/internal/archivecmp"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
)

// openPG opens a fresh PostgreSQL archive, closed when the test ends.
func openPG(t testing.TB, opts ...store.Option) *pgstore.DB {
	t.Helper()
	db, err := pgstore.Open(context.Background(), pgtest.NewDB(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// filledSQLite returns a SQLite archive that archivecmp.Fill wrote with n
// extra articles.
func filledSQLite(t *testing.T, n int) *store.DB {
	t.Helper()
	ctx := context.Background()
	clock := &archivecmp.Clock{}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "src.db"), store.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := archivecmp.Fill(ctx, db, clock, n); err != nil {
		t.Fatal(err)
	}
	return db
}

// loadRows writes the rows src holds into db with plain SQL (see
// archivecmp.LoadPG).
func loadRows(t testing.TB, db *pgstore.DB, src store.Dumper) {
	t.Helper()
	if err := archivecmp.LoadPG(context.Background(), db.Pool(), src); err != nil {
		t.Fatal(err)
	}
}

// readOpts are what the comparisons read: the runs and searches are the
// write side's (pgarchive) until it lands, so not here.
var readOpts = archivecmp.Options{Since: archivecmp.Start.Add(12 * time.Hour)}

// TestDB_readSide: the same stored rows read the same on both back ends:
// records, history, cards, fetches (heads, digests, bodies, revisits),
// raw and unarchived pages, lists, counts, filters, not-found errors; and
// the dump is row for row the SQLite one.
func TestDB_readSide(t *testing.T) {
	ctx := context.Background()
	src := filledSQLite(t, 5)
	pg := openPG(t)
	loadRows(t, pg, src)

	want, err := archivecmp.Snapshot(ctx, src, readOpts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := archivecmp.Snapshot(ctx, pg, readOpts)
	if err != nil {
		t.Fatal(err)
	}
	if d := archivecmp.Diff(want, got); d != "" {
		t.Errorf("PostgreSQL reads differently from SQLite: %s", d)
	}

	sp, su, sr := dump(t, src)
	pp, pu, pr := dump(t, pg)
	if !reflect.DeepEqual(sp, pp) {
		for i := range sp {
			if i < len(pp) && !reflect.DeepEqual(sp[i], pp[i]) {
				t.Errorf("page %d dumps differently:\n sqlite %+v\n pg     %+v", i, *sp[i], *pp[i])
				break
			}
		}
		t.Errorf("page dumps differ: %d vs %d pages", len(sp), len(pp))
	}
	if !reflect.DeepEqual(su, pu) {
		t.Errorf("unarchived dumps differ:\n %+v\n %+v", su, pu)
	}
	if !reflect.DeepEqual(sr, pr) {
		t.Errorf("run dumps differ:\n %+v\n %+v", sr, pr)
	}

	// An error from fn comes back as is.
	stop := errors.New("stop")
	calls := 0
	if err := pg.Export(ctx, store.ExportOptions{}, func(*store.ExportRecord) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("Export stopped by fn: %v after %d calls", err, calls)
	}
	if err := pg.ExportFetches(ctx, store.ExportOptions{}, func(*store.ExportRecord, []store.Fetch) error { return stop }); err != stop {
		t.Errorf("ExportFetches stopped by fn: %v", err)
	}
	if err := pg.RawPages(ctx, func(store.RawPage) error { return stop }); err != stop {
		t.Errorf("RawPages stopped by fn: %v", err)
	}
	if _, err := pg.Get(ctx, "https://none.example/"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a missing page: %v", err)
	}
}

// TestDB_readSide_chunks: walks that span several chunks (pages, fetches,
// raw) give every page once, in order, as SQLite does.
func TestDB_readSide_chunks(t *testing.T) {
	ctx := context.Background()
	src := filledSQLite(t, 300)
	pg := openPG(t)
	loadRows(t, pg, src)
	want, err := archivecmp.Snapshot(ctx, src, readOpts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := archivecmp.Snapshot(ctx, pg, readOpts)
	if err != nil {
		t.Fatal(err)
	}
	if d := archivecmp.Diff(want, got); d != "" {
		t.Errorf("PostgreSQL reads differently from SQLite: %s", d)
	}
}

func dump(t *testing.T, d store.Dumper) ([]*store.PageDump, []*store.UnarchivedDump, []store.RunDump) {
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
	// jsonb keeps the options' value, not their text.
	for i := range runs {
		o := []byte(archivecmp.CanonicalJSON(runs[i].Run.Options))
		runs[i].Run.Options, runs[i].Spec.Options = o, o
	}
	return ps, us, runs
}

// TestCopy_fromPostgreSQL: a PostgreSQL archive copied into a new SQLite
// file holds the same rows and reads the same, searches included (the
// copy's index is built by the Copier), and so does a copy of the copy.
func TestCopy_fromPostgreSQL(t *testing.T) {
	ctx := context.Background()
	src := filledSQLite(t, 5)
	pg := openPG(t)
	loadRows(t, pg, src)
	dst, err := store.Open(ctx, filepath.Join(t.TempDir(), "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	st, err := store.Copy(ctx, pg, dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pages != 11 || st.Runs != 2 || st.Unarchived != 2 {
		t.Errorf("copied %+v", st)
	}
	pp, pu, pr := dump(t, pg)
	dp, du, dr := dump(t, dst)
	if !reflect.DeepEqual(pp, dp) || !reflect.DeepEqual(pu, du) || !reflect.DeepEqual(pr, dr) {
		t.Errorf("the copy's rows differ from PostgreSQL's")
	}
	// src holds the same rows as PostgreSQL: runs and searches too.
	opt := readOpts
	opt.Runs = true
	opt.Searches = []string{"卡", "逾期", "信用卡逾期", "ETC卡", "更新", "重新抽取", "催收 银行"}
	want, err := archivecmp.Snapshot(ctx, src, opt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := archivecmp.Snapshot(ctx, dst, opt)
	if err != nil {
		t.Fatal(err)
	}
	if d := archivecmp.Diff(want, got); d != "" {
		t.Errorf("the copy reads differently: %s", d)
	}
	if err := dst.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}

// TestDB_readSide_written: the same crawls written through each back end's
// own Complete, Revisited, Reextracted and runs read the same: records,
// history, fetches, raw, lists, runs and searches.
func TestDB_readSide_written(t *testing.T) {
	ctx := context.Background()
	src := filledSQLite(t, 5)
	clock := &archivecmp.Clock{}
	pg := openPG(t, store.WithClock(clock.Now))
	if _, err := archivecmp.Fill(ctx, pg, clock, 5); err != nil {
		t.Fatal(err)
	}
	opt := readOpts
	opt.Runs = true
	opt.Searches = copySearches
	want, err := archivecmp.Snapshot(ctx, src, opt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := archivecmp.Snapshot(ctx, pg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if d := archivecmp.Diff(want, got); d != "" {
		t.Errorf("PostgreSQL reads differently from SQLite after the same writes: %s", d)
	}

	// Its copy into SQLite reads as PostgreSQL does.
	dst, err := store.Open(ctx, filepath.Join(t.TempDir(), "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := store.Copy(ctx, pg, dst); err != nil {
		t.Fatal(err)
	}
	cp, err := archivecmp.Snapshot(ctx, dst, opt)
	if err != nil {
		t.Fatal(err)
	}
	if d := archivecmp.Diff(got, cp); d != "" {
		t.Errorf("the SQLite copy reads differently from PostgreSQL: %s", d)
	}
}

// copySearches are one and two characters, phrases, Latin and Han
// together, two parts, and a miss.
var copySearches = []string{"卡", "逾期", "信用卡逾期", "ETC卡", "更新", "重新抽取", "催收 银行", "没有的词"}
