package warc_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/backend"
	"github.com/finarchive/finarchive/warc"
	gowarc "github.com/nlnwa/gowarc/v3"
)

// keptRecords reads what the archive at path keeps of the WARC records of
// its fetches that brought a body: the response record's ID, the request
// record's member and the response record's member (raw.data or
// fetches.body in encoding 'warc').
func keptRecords(t *testing.T, path string) (ids []string, requests, responses [][]byte) {
	t.Helper()
	sdb, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	rows, err := sdb.Query(`SELECT f.warc_id, f.warc_request, coalesce(f.body, r.data) FROM fetches f
		LEFT JOIN raw r ON r.fetch_id = f.id WHERE f.warc_id != '' ORDER BY f.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id        string
			req, resp []byte
		)
		if err := rows.Scan(&id, &req, &resp); err != nil {
			t.Fatal(err)
		}
		ids, requests, responses = append(ids, id), append(requests, req), append(responses, resp)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids, requests, responses
}

// TestWrite_KeptRecords checks that a fetch the crawl kept as its WARC
// records is exported as those records, byte for byte, export after
// export and after a copy of the archive: one record ID per capture. The
// records are valid (gowarc rebuilds them to the same bytes), name each
// other (request → response, metadata → response, a later revisit →
// response), and the body read back from the kept record is the page as
// received. Another gzip level builds them anew.
func TestWrite_KeptRecords(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	db, run := openWithRun(t, path)
	defer db.Close()
	t0 := time.Date(2024, 3, 1, 2, 0, 0, 123456789, time.UTC)
	v1, v2 := page("信用卡逾期怎么办", "第一版"), page("信用卡逾期怎么办", "第二版")
	save(t, db, run, t0, v1, capture("200 OK"), false)
	save(t, db, run, t0.Add(time.Hour), v1, capture("200 OK"), false) // same payload: a revisit
	save(t, db, run, t0.Add(2*time.Hour), v2, capture("200 OK"), false)

	ids, requests, responses := keptRecords(t, path)
	if len(ids) != 2 {
		t.Fatalf("%d fetches kept as records, want 2 (the revisit keeps none)", len(ids))
	}
	export := func(db store.Archive, opt warc.Options) []byte {
		t.Helper()
		var buf bytes.Buffer
		if _, err := warc.Write(ctx, db, &buf, opt, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b := export(db, warc.Options{}), export(db, warc.Options{})
	for i := range ids {
		for _, w := range [][]byte{a, b} {
			if !bytes.Contains(w, requests[i]) || !bytes.Contains(w, responses[i]) {
				t.Fatalf("fetch %d: the export does not hold its kept records as they are", i)
			}
		}
	}
	checkGowarcBuilds(t, a)
	recs := readWARC(t, a)
	if recs[2].payload != string(v1) {
		t.Errorf("the first response's payload is not the page as received")
	}

	// The records name each other by the kept IDs: each request its
	// response (WARC-Concurrent-To), the revisit and the metadata record
	// the response they stand on (WARC-Refers-To).
	type named struct{ typ, id, ref string }
	var got []named
	r := strictReader(t, a)
	for rec, err := range r.Records() {
		if err != nil {
			t.Fatal(err)
		}
		h := rec.WarcRecord.WarcHeader()
		got = append(got, named{rec.WarcRecord.Type().String(), h.Get(gowarc.WarcRecordID),
			h.Get(gowarc.WarcConcurrentTo) + h.Get(gowarc.WarcRefersTo)})
		rec.Close()
	}
	r.Close()
	if len(got) != 8 {
		t.Fatalf("records %+v", got)
	}
	id0, id1 := "<"+ids[0]+">", "<"+ids[1]+">"
	revisit := got[4].id
	for i, w := range []named{
		{"warcinfo", got[0].id, ""},
		{"request", got[1].id, id0}, {"response", id0, ""},
		{"request", got[3].id, revisit}, {"revisit", revisit, id0},
		{"request", got[5].id, id1}, {"response", id1, ""},
		{"metadata", got[7].id, id1},
	} {
		if got[i] != w {
			t.Errorf("record %d: %+v, want %+v", i, got[i], w)
		}
	}

	// The body read back from the kept record is the page as received.
	var raws [][]byte
	if err := db.RawPages(ctx, func(p store.RawPage) error { raws = append(raws, p.Raw); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(raws) != 1 || !bytes.Equal(raws[0], v2) {
		t.Errorf("raw pages %d, want the latest page as received", len(raws))
	}

	// A copy of the archive keeps them.
	cp, err := store.Open(ctx, filepath.Join(t.TempDir(), "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if _, err := store.Copy(ctx, db, cp); err != nil {
		t.Fatal(err)
	}
	c := export(cp, warc.Options{})
	for i := range ids {
		if !bytes.Contains(c, requests[i]) || !bytes.Contains(c, responses[i]) {
			t.Fatalf("fetch %d: the copy's export does not hold its kept records", i)
		}
	}

	// Another level builds the records anew (valid, and not the kept bytes).
	best := export(db, warc.Options{Compression: 9})
	checkGowarcBuilds(t, best)
	if bytes.Contains(best, responses[0]) {
		t.Errorf("--compress 9 copied a record kept at level 1")
	}
	if n := len(readWARC(t, best)); n != 8 {
		t.Errorf("--compress 9: %d records, want 8", n)
	}
}

// TestWrite_KeptRecordsPostgres: a crawl into PostgreSQL keeps its fetches'
// WARC records as SQLite does, and its export copies them byte for byte,
// export after export: one record ID per capture in either back end. What
// PostgreSQL keeps is read through a copy into SQLite (export --format
// sqlite), which carries the records too.
func TestWrite_KeptRecordsPostgres(t *testing.T) {
	ctx := context.Background()
	pg, err := backend.Open(ctx, pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	run, err := pg.StartRun(ctx, store.RunSpec{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 3, 1, 2, 0, 0, 123456789, time.UTC)
	v1, v2 := page("信用卡逾期怎么办", "第一版"), page("信用卡逾期怎么办", "第二版")
	save(t, pg, run, t0, v1, capture("200 OK"), false)
	save(t, pg, run, t0.Add(time.Hour), v1, capture("200 OK"), false) // same payload: a revisit
	save(t, pg, run, t0.Add(2*time.Hour), v2, capture("200 OK"), false)

	path := filepath.Join(t.TempDir(), "copy.db")
	cp, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Copy(ctx, pg.(store.Dumper), cp); err != nil {
		t.Fatal(err)
	}
	ids, requests, responses := keptRecords(t, path)
	if len(ids) != 2 {
		t.Fatalf("%d fetches kept as records, want 2 (the revisit keeps none)", len(ids))
	}
	export := func(db store.Archive) []byte {
		t.Helper()
		var buf bytes.Buffer
		if _, err := warc.Write(ctx, db, &buf, warc.Options{}, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b, c := export(pg), export(pg), export(cp)
	for i := range ids {
		for _, w := range [][]byte{a, b, c} {
			if !bytes.Contains(w, requests[i]) || !bytes.Contains(w, responses[i]) {
				t.Fatalf("fetch %d: an export does not hold its kept records as they are", i)
			}
		}
	}
	checkGowarcBuilds(t, a)
	if recs := readWARC(t, a); len(recs) != 8 || recs[2].payload != string(v1) {
		t.Errorf("%d records; want 8, the first response's payload the page as received", len(recs))
	}
	var raws [][]byte
	if err := pg.RawPages(ctx, func(p store.RawPage) error { raws = append(raws, p.Raw); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(raws) != 1 || !bytes.Equal(raws[0], v2) {
		t.Errorf("raw pages %d, want the latest page as received", len(raws))
	}
	cp.Close()
}
