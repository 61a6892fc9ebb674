package warc_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/warc"
	gowarc "github.com/nlnwa/gowarc/v3"
)

// plainArchive hides the id-range reading of a *store.DB: Write reads it
// as it reads an archive without (PostgreSQL), in one goroutine.
type plainArchive struct{ store.Archive }

// TestWrite_Ranges exports an archive of more pages than one id range and
// one part hold, some fetched again (a 304, an unchanged body), with and
// without filters, read in id ranges by the encoders and read by one
// goroutine: both must write the same records in the same order, each
// request concurrent to the record after it, each revisit referring to a
// response before it, each index entry at its record's gzip member, and
// OnPage must see the pages in file order.
func TestWrite_Ranges(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	const n = 1300
	buildBenchArchive(t, path, n)
	db, run := openWithRun(t, path)
	defer db.Close()
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += 97 { // refetches: a 304 for some pages, a new version of others
		u := fmt.Sprintf("https://site%d.example/news/%d.html", i%5, i)
		c := &finarchive.Capture{Request: []byte("GET / HTTP/1.1\r\n\r\n"), Response: []byte("HTTP/1.1 304 Not Modified\r\n\r\n"), RemoteIP: "192.0.2.2"}
		f := &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: 304, NotModified: true, FetchedAt: t1, Capture: c}
		if i%2 == 1 {
			rec, err := db.Get(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			rec.Body += "（更新）"
			rec.ContentHash = rec.Hash()
			raw := []byte("<html><body><p>" + rec.Body + "</p></body></html>")
			c.Response = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
			f = &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: 200, Record: rec, Raw: raw,
				ContentType: "text/html", FetchedAt: t1, Capture: c}
		}
		if _, err := db.Complete(ctx, run, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, opt := range []store.ExportOptions{{}, {Site: "site3.example"}, {Since: t1}} {
		name := fmt.Sprintf("site %q, since %s", opt.Site, opt.Since.Format(time.DateOnly))
		var files [2][]byte
		var pages [2][]string
		for k, a := range []store.Archive{db, plainArchive{db}} {
			var buf bytes.Buffer
			var index []warc.IndexEntry
			st, err := warc.Write(ctx, a, &buf, warc.Options{ExportOptions: opt, OnPage: func(er *store.ExportRecord) error {
				pages[k] = append(pages[k], er.URL)
				return nil
			}}, func(e warc.IndexEntry) error { index = append(index, e); return nil })
			if err != nil {
				t.Fatal(err)
			}
			files[k] = buf.Bytes()
			checkIndex(t, buf.Bytes(), index)
			if st.Pages != len(pages[k]) || st.Responses+st.Revisits != len(index) {
				t.Errorf("%s: stats %+v, %d pages seen, %d index entries", name, st, len(pages[k]), len(index))
			}
		}
		a, b := recordList(t, files[0]), recordList(t, files[1])
		if len(a) < 3 || strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Fatalf("%s: read in ranges, %d records; by one reader, %d; first difference:\n%s", name, len(a), len(b), firstDiff(a, b))
		}
		if strings.Join(pages[0], " ") != strings.Join(pages[1], " ") {
			t.Errorf("%s: OnPage saw the pages in another order", name)
		}
		t.Logf("%s: %d records, %d pages", name, len(a), len(pages[0]))
	}

	// The WACZ's pages.jsonl lists the pages in the same order either way.
	var lists [2]string
	for k, a := range []store.Archive{db, plainArchive{db}} {
		var buf bytes.Buffer
		if _, err := warc.WriteWACZ(ctx, a, &buf, warc.Options{}, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		f, err := zr.Open("pages/pages.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		lists[k] = string(b)
	}
	if lists[0] != lists[1] || strings.Count(lists[0], "\n") != n+1 {
		t.Errorf("pages.jsonl: %d lines read in ranges, %d by one reader", strings.Count(lists[0], "\n"), strings.Count(lists[1], "\n"))
	}
}

// recordList describes each record of a WARC by what does not depend on
// its random record ids, and checks the ids it refers to.
func recordList(t *testing.T, b []byte) []string {
	t.Helper()
	r := strictReader(t, b)
	defer r.Close()
	var out []string
	seen := map[string]gowarc.RecordType{}
	var concurrent string // the id the last request said its response has
	for rec, err := range r.Records() {
		if err != nil {
			t.Fatalf("record %d: %v", len(out), err)
		}
		w := rec.WarcRecord
		h := w.WarcHeader()
		id := h.Get(gowarc.WarcRecordID)
		if concurrent != "" && id != concurrent {
			t.Fatalf("record %d: a request is concurrent to %s, the next record is %s", len(out), concurrent, id)
		}
		concurrent = ""
		switch w.Type() {
		case gowarc.Request:
			concurrent = h.Get(gowarc.WarcConcurrentTo)
		case gowarc.Revisit:
			if ref := h.Get(gowarc.WarcRefersTo); ref != "" && seen[ref] != gowarc.Response {
				t.Fatalf("record %d: revisit refers to %s, not a response before it", len(out), ref)
			}
		}
		seen[id] = w.Type()
		date := h.Get(gowarc.WarcDate)
		if w.Type() == gowarc.Warcinfo {
			date = ""
		}
		out = append(out, strings.Join([]string{w.Type().String(), h.Get(gowarc.WarcTargetURI), date, h.Get(gowarc.WarcBlockDigest),
			h.Get(gowarc.WarcPayloadDigest), h.Get(gowarc.WarcProfile), h.Get(gowarc.WarcRefersToTargetURI), h.Get(gowarc.WarcRefersToDate),
			h.Get(gowarc.ContentLength)}, " "))
		rec.Close()
	}
	return out
}

// checkIndex checks that each index entry is the offset and length of a
// gzip member holding a response or revisit record of its URL.
func checkIndex(t *testing.T, b []byte, index []warc.IndexEntry) {
	t.Helper()
	for _, e := range index {
		member := b[e.Offset : e.Offset+e.Length]
		r, err := gowarc.NewWarcFileReaderFromStream(bytes.NewReader(member), 0)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("index entry %+v: %v", e, err)
		}
		h := rec.WarcRecord.WarcHeader()
		if typ := rec.WarcRecord.Type(); (typ != gowarc.Response && typ != gowarc.Revisit) || h.Get(gowarc.WarcTargetURI) != e.URL {
			t.Fatalf("index entry %+v: a %s record of %s", e, typ, h.Get(gowarc.WarcTargetURI))
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("index entry %+v: more than one record in its length (%v)", e, err)
		}
		rec.Close()
		r.Close()
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("record %d:\n  %s\n  %s", i, a[i], b[i])
		}
	}
	return "one is longer"
}

// TestWrite_Compression writes the same records at every level, stored
// members several times larger than the default's, and refuses a level
// out of range.
func TestWrite_Compression(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	buildBenchArchive(t, path, 30)
	db, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	size := map[int]int{}
	var want []string
	for _, level := range []int{0, warc.StoreOnly, 1, 6, 9} {
		var buf bytes.Buffer
		if _, err := warc.Write(ctx, db, &buf, warc.Options{Compression: level}, nil); err != nil {
			t.Fatalf("level %d: %v", level, err)
		}
		readWARC(t, buf.Bytes())
		checkGowarcBuilds(t, buf.Bytes())
		got := recordList(t, buf.Bytes())
		if want == nil {
			want = got
		} else if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("level %d: other records than the default's: %s", level, firstDiff(got, want))
		}
		size[level] = buf.Len()
	}
	// (Records differ in their random ids, which compress a little
	// differently: level 1 and the default are the same but for that.)
	if size[warc.StoreOnly] < 3*size[0] || size[9] > size[0] || size[1] < size[0]*49/50 || size[1] > size[0]*51/50 {
		t.Errorf("sizes by level: %v", size)
	}
	for _, level := range []int{-2, 10} {
		if _, err := warc.Write(ctx, db, io.Discard, warc.Options{Compression: level}, nil); !errors.Is(err, warc.ErrCompression) {
			t.Errorf("level %d: %v, want ErrCompression", level, err)
		}
	}
}
