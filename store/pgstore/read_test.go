package pgstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive/internal/archivecmp"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
)

// openPG opens a fresh PostgreSQL archive, closed when the test ends.
func openPG(t *testing.T, opts ...store.Option) *pgstore.DB {
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

// loadRows writes the rows src holds into the PostgreSQL archive db with
// plain SQL, ids kept: the same stored rows in both back ends, so their
// read sides can be compared row for row.
func loadRows(t testing.TB, db *pgstore.DB, src store.Dumper) {
	t.Helper()
	ctx := context.Background()
	runs, err := src.DumpRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	null := func(id int64) any {
		if id == 0 {
			return nil
		}
		return id
	}
	nullTime := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t
	}
	nullStr := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	err = pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
		for _, rd := range runs {
			r := rd.Run
			opts := string(r.Options)
			if opts == "" {
				opts = "{}"
			}
			or := func(m map[string]int) map[string]int {
				if m == nil {
					return map[string]int{}
				}
				return m
			}
			if _, err := tx.Exec(ctx, `INSERT INTO runs (id, seeds, options, adaptive, min_revisit_s, max_revisit_s, started_at,
				finished_at, status, error, fetched, new, changed, unchanged, not_modified, failed, skipped, bytes, skipped_by,
				failed_by, gone, gone_by, deferred, dropped, removed)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25)`,
				r.ID, r.Seeds, opts, rd.Spec.Adaptive, int64(rd.Spec.MinRevisit/time.Second), int64(rd.Spec.MaxRevisit/time.Second),
				r.StartedAt, nullTime(r.FinishedAt), r.Status, r.Error, r.Fetched, r.New, r.Changed, r.Unchanged, r.NotModified,
				r.Failed, r.Skipped, r.Bytes, or(r.SkippedBy), or(r.FailedBy), r.Gone, or(r.GoneBy), r.Deferred, r.Dropped, r.Removed); err != nil {
				return err
			}
		}
		err := src.DumpPages(ctx, func(p *store.PageDump) error {
			if _, err := tx.Exec(ctx, `INSERT INTO pages (id, url, site, title, body, body_html, published, published_utc,
				published_raw, author, source, category, breadcrumb, keywords, content_hash, etag, last_modified, first_seen_at,
				fetched_at, changed_at, revisit_interval_s, next_revisit_at, removed_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)`,
				p.ID, p.URL, p.Site, p.Title, p.Body, p.BodyHTML, nullStr(p.Published), nullTime(p.PublishedUTC), p.PublishedRaw,
				p.Author, p.Source, p.Category, p.Breadcrumb, p.Keywords, p.ContentHash, p.ETag, p.LastModified, p.FirstSeenAt,
				p.FetchedAt, p.ChangedAt, int64(p.RevisitInterval/time.Second), p.NextRevisitAt, nullTime(p.RemovedAt)); err != nil {
				return err
			}
			for _, r := range p.Revisions {
				if _, err := tx.Exec(ctx, `INSERT INTO revisions (id, page_id, run_id, content_hash, title, body, published,
					published_raw, author, source, category, breadcrumb, keywords, fetched_at)
					VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
					r.ID, p.ID, null(r.RunID), r.ContentHash, r.Title, r.Body, nullStr(r.Published), r.PublishedRaw, r.Author,
					r.Source, r.Category, r.Breadcrumb, r.Keywords, r.FetchedAt); err != nil {
					return err
				}
			}
			for i, c := range p.Cards {
				if _, err := tx.Exec(ctx, `INSERT INTO cards (page_id, position, title, url, snippet, category, date)
					VALUES ($1,$2,$3,$4,$5,$6,$7)`, p.ID, i, c.Title, c.URL, c.Snippet, c.Category, c.Date); err != nil {
					return err
				}
			}
			for _, f := range p.Fetches {
				if _, err := tx.Exec(ctx, `INSERT INTO fetches (id, page_id, run_id, fetched_at, status, payload_digest,
					remote_ip, reconstructed, head_encoding, request, response, body, body_encoding, body_size, body_type,
					content_encoding) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
					f.ID, p.ID, null(f.RunID), f.FetchedAt, f.Status, f.PayloadDigest, f.RemoteIP, f.Reconstructed,
					f.HeadEncoding, f.Request, f.Response, f.Body, f.BodyEncoding, f.BodySize, f.BodyType, f.ContentEncoding); err != nil {
					return err
				}
			}
			if r := p.Raw; r != nil {
				if _, err := tx.Exec(ctx, `INSERT INTO raw (page_id, content_type, charset, encoding, size, fetched_at, data,
					content_encoding, fetch_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
					p.ID, r.ContentType, r.Charset, r.Encoding, r.Size, r.FetchedAt, r.Data, r.ContentEncoding, null(r.FetchID)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = src.DumpUnarchived(ctx, func(u *store.UnarchivedDump) error {
			_, err := tx.Exec(ctx, `INSERT INTO unarchived (id, url, page_type, title, run_id, fetched_at, content_type,
				charset, encoding, size, data, content_encoding, payload_digest, remote_ip, request, response)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
				u.ID, u.URL, u.PageType, u.Title, null(u.RunID), u.FetchedAt, u.ContentType, u.Charset, u.Encoding, u.Size,
				u.Data, u.ContentEncoding, u.PayloadDigest, u.RemoteIP, u.Request, u.Response)
			return err
		})
		if err != nil {
			return err
		}
		for _, tb := range []string{"pages", "runs", "revisions", "fetches", "unarchived"} {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+tb+`', 'id'), coalesce(max(id), 0) + 1, false) FROM `+tb); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("load rows into PostgreSQL: %v", err)
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
