package warc_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/warc"
	_ "github.com/mattn/go-sqlite3"
	gowarc "github.com/nlnwa/gowarc/v3"
)

const pageURL = "https://www.example.com/zixun/1.html"

func page(title, para string) []byte {
	return []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + title + `</title></head><body>
<div class="crumb"><a href="/">首页</a> &gt; <a href="/zixun/">资讯</a></div>
<h1>` + title + `</h1><div class="info">发布时间：2024-03-01 10:00</div>
<div class="content"><p>` + para + `</p><p>` + strings.Repeat("信用卡逾期后应尽快还款，并与银行协商分期。", 8) + `</p></div></body></html>`)
}

func capture(status string) *finarchive.Capture {
	return &finarchive.Capture{
		Request:  []byte("GET /zixun/1.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: test\r\n\r\n"),
		Response: []byte("HTTP/1.1 " + status + "\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"),
		RemoteIP: "192.0.2.1",
	}
}

// save stores one fetch of pageURL as a crawl would.
func save(t *testing.T, db store.Archive, run int64, at time.Time, raw []byte, c *finarchive.Capture, notModified bool) {
	t.Helper()
	f := &finarchive.Fetched{Item: finarchive.QueueItem{URL: pageURL}, StatusCode: 200, FetchedAt: at, Capture: c,
		ContentType: "text/html; charset=utf-8", NotModified: notModified}
	if notModified {
		f.StatusCode = 304
	} else {
		rec, err := extract.ExtractBytes(raw, f.ContentType, pageURL, extract.Options{FetchedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if rec.PageType != extract.PageArticle {
			t.Fatalf("test page is a %s page", rec.PageType)
		}
		f.Record, f.Raw = rec, raw
	}
	if _, err := db.Complete(context.Background(), run, f); err != nil {
		t.Fatal(err)
	}
}

type readRecord struct {
	typ                      gowarc.RecordType
	target                   string
	profile, refURI, refDate string
	payloadDigest, capture   string
	payload                  string
}

// readWARC reads a WARC back with gowarc, checking every digest.
func readWARC(t *testing.T, b []byte) []readRecord {
	t.Helper()
	r := strictReader(t, b)
	defer r.Close()
	var out []readRecord
	for rec, err := range r.Records() {
		if err != nil {
			t.Fatalf("record %d: %v", len(out), err)
		}
		w := rec.WarcRecord
		if _, err := w.ValidateDigest(); err != nil {
			t.Fatalf("record %d (%s): %v", len(out), w.Type(), err)
		}
		h := w.WarcHeader()
		rr := readRecord{typ: w.Type(), target: h.Get(gowarc.WarcTargetURI), profile: h.Get(gowarc.WarcProfile), refURI: h.Get(gowarc.WarcRefersToTargetURI),
			refDate: h.Get(gowarc.WarcRefersToDate), payloadDigest: h.Get(gowarc.WarcPayloadDigest), capture: h.Get(warc.CaptureField)}
		if pb, ok := w.Block().(gowarc.PayloadBlock); ok && w.Type() == gowarc.Response {
			pr, err := pb.PayloadBytes()
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			buf.ReadFrom(pr)
			rr.payload = buf.String()
		}
		out = append(out, rr)
		rec.Close()
	}
	return out
}

// checkGowarcBuilds rebuilds each record of a WARC (each gzip member) with
// gowarc's record builder, which validates it (header fields, the block
// parsed, both digests checked), and checks that gowarc's marshaller writes
// it as the export did, byte for byte: Write frames records through
// gowarc's lower-level API, and this is what keeps it honest.
func checkGowarcBuilds(t *testing.T, b []byte) {
	t.Helper()
	strict := []gowarc.WarcRecordOption{gowarc.WithSpecViolationPolicy(gowarc.ErrFail), gowarc.WithSyntaxErrorPolicy(gowarc.ErrFail)}
	br := bytes.NewReader(b)
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; ; n++ {
		zr.Multistream(false)
		member, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		rec, _, _, err := gowarc.NewUnmarshaler(strict...).Unmarshal(bufio.NewReader(bytes.NewReader(member)))
		if err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		rb := gowarc.NewRecordBuilder(rec.Type(), strict...)
		for _, f := range *rec.WarcHeader() {
			if f.Name != gowarc.WarcType {
				rb.AddWarcHeader(f.Name, f.Value)
			}
		}
		block, err := rec.Block().RawBytes()
		if err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		if _, err := rb.ReadFrom(block); err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		rec.Close()
		built, validation, err := rb.Build()
		if err != nil || len(validation) > 0 {
			t.Fatalf("record %d (%s): gowarc builds it with %v, %v", n, rec.Type(), err, validation)
		}
		var out bytes.Buffer
		if _, _, err := gowarc.NewMarshaler().Marshal(&out, built, 0); err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		built.Close()
		if !bytes.Equal(out.Bytes(), member) {
			t.Fatalf("record %d (%s): gowarc writes\n%q\nthe export wrote\n%q", n, rec.Type(), out.Bytes(), member)
		}
		if err := zr.Reset(br); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("after record %d: %v", n, err)
		}
	}
}

// TestWrite_Revisits stores four fetches of a page — new, the same bytes
// again, a 304, changed bytes — and checks the WARC: two responses (the
// first body kept though the page's raw response was replaced), an
// identical-payload-digest revisit and a server-not-modified revisit
// referring to the right URI and date, a request per fetch, a metadata
// record.
func TestWrite_Revisits(t *testing.T) {
	ctx := context.Background()
	db, run := openWithRun(t, filepath.Join(t.TempDir(), "a.db"))
	defer db.Close()
	t0 := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)
	v1, v2 := page("信用卡逾期怎么办", "第一版"), page("信用卡逾期怎么办", "第二版")
	save(t, db, run, t0, v1, capture("200 OK"), false)
	save(t, db, run, t0.Add(time.Hour), v1, capture("200 OK"), false)
	save(t, db, run, t0.Add(2*time.Hour), nil, capture("304 Not Modified"), true)
	save(t, db, run, t0.Add(3*time.Hour), v2, capture("200 OK"), false)

	var buf bytes.Buffer
	var index []warc.IndexEntry
	st, err := warc.Write(ctx, db, &buf, warc.Options{Software: "test"}, func(e warc.IndexEntry) error { index = append(index, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Responses != 2 || st.Revisits != 2 || st.Requests != 4 || st.Metadata != 1 {
		t.Fatalf("stats %+v", st)
	}
	recs := readWARC(t, buf.Bytes())
	checkGowarcBuilds(t, buf.Bytes())
	var types []string
	for _, r := range recs {
		types = append(types, r.typ.String())
	}
	if got, want := strings.Join(types, " "), "warcinfo request response request revisit request revisit request response metadata"; got != want {
		t.Fatalf("records: %s\nwant     %s", got, want)
	}
	if !strings.Contains(recs[2].payload, "第一版") || !strings.Contains(recs[8].payload, "第二版") {
		t.Errorf("response payloads are not the two versions")
	}
	if recs[2].payload != string(v1) {
		t.Errorf("first payload is not the bytes as received")
	}
	same := recs[4]
	if same.profile != gowarc.ProfileIdenticalPayloadDigestV1_1 || same.refURI != pageURL ||
		same.refDate != t0.Format(time.RFC3339Nano) || same.payloadDigest != store.PayloadDigest(v1) {
		t.Errorf("identical-payload revisit: %+v", same)
	}
	nm := recs[6]
	if nm.profile != gowarc.ProfileServerNotModifiedV1_1 || nm.refURI != pageURL || nm.refDate != t0.Format(time.RFC3339Nano) {
		t.Errorf("server-not-modified revisit: %+v (want it to refer to %s)", nm, t0.Format(time.RFC3339Nano))
	}
	if len(index) != 4 || index[0].Offset == 0 || index[0].Length == 0 {
		t.Fatalf("index entries %+v", index)
	}
	// The revisits are indexed as what they stand for, a 200 (a replay
	// answers an entry indexed 304 with an empty page).
	for i, want := range []struct {
		mime   string
		status int
	}{{"text/html", 200}, {"warc/revisit", 200}, {"warc/revisit", 200}, {"text/html", 200}} {
		if e := index[i]; e.Mime != want.mime || e.Status != want.status {
			t.Errorf("index entry %d: %s %d, want %s %d", i, e.Mime, e.Status, want.mime, want.status)
		}
	}
	for _, r := range recs {
		if r.capture != "" {
			t.Errorf("%s record marked %q; every fetch here was captured", r.typ, r.capture)
		}
	}

	// --since leaves the earlier fetches out; the revisit still refers to
	// the first fetch by URI and date.
	buf.Reset()
	st, err = warc.Write(ctx, db, &buf, warc.Options{ExportOptions: store.ExportOptions{Since: t0.Add(30 * time.Minute)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Responses != 1 || st.Revisits != 2 {
		t.Errorf("--since: %+v", st)
	}
}

// TestWrite_LegacyArchive opens an archive made before captures were kept
// (schema 1, a raw response in DEFLATE) and checks its page still exports
// as a valid response record, marked as synthesised.
func TestWrite_LegacyArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	conn, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	// Schema 1 (the store migrates it on open: functions of its own are
	// needed from 2 on); captures came with schema 6.
	for i := 1; i <= 1; i++ {
		m, _ := filepath.Glob(filepath.Join("..", "store", "migrations", "000"+string(rune('0'+i))+"_*.sql"))
		if len(m) != 1 {
			t.Fatalf("migration %d: %v", i, m)
		}
		src, err := os.ReadFile(m[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(string(src)); err != nil {
			t.Fatalf("%s: %v", m[0], err)
		}
	}
	body := page("公积金贷款额度怎么算", "旧的存档")
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestSpeed)
	fw.Write(body)
	fw.Close()
	for _, q := range []string{
		`INSERT INTO pages (url, site, title, body, content_hash, first_seen_at, fetched_at, changed_at, revisit_interval_s, next_revisit_at)
		 VALUES ('` + pageURL + `', 'www.example.com', '公积金贷款额度怎么算', '旧的存档', 'h', '2024-01-01T00:00:00.000Z',
		 '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 86400, '2024-01-02T00:00:00.000Z')`,
		"PRAGMA user_version = 1"} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(`INSERT INTO raw (page_id, content_type, charset, encoding, size, fetched_at, data)
		VALUES (1, 'text/html; charset=utf-8', 'utf-8', 'deflate', ?, '2024-01-01T00:00:00.000Z', ?)`, len(body), z.Bytes()); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var buf bytes.Buffer
	st, err := warc.Write(ctx, db, &buf, warc.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Responses != 1 || st.Reconstructed != 1 {
		t.Fatalf("stats %+v", st)
	}
	recs := readWARC(t, buf.Bytes())
	checkGowarcBuilds(t, buf.Bytes())
	resp := recs[2]
	if resp.typ != gowarc.Response || resp.payload != string(body) || !strings.Contains(resp.capture, "archived before captures were kept") {
		t.Errorf("legacy response: %s, capture %q, payload ok %v", resp.typ, resp.capture, resp.payload == string(body))
	}
}

// fourTitles are the titles of fourArticles' pages, in order.
var fourTitles = []string{"信用卡逾期怎么办", "公积金贷款额度怎么算", "ETC卡怎么注销", "社保卡丢了怎么补办"}

// fourArticles archives four small articles, one fetch each, in a new
// archive at path, and returns it and their URLs.
func fourArticles(t *testing.T, path string) (*store.DB, []string) {
	t.Helper()
	ctx := context.Background()
	db, run := openWithRun(t, path)
	var urls []string
	for i, title := range fourTitles {
		u := "https://www.example.com/zixun/" + string(rune('a'+i)) + ".html"
		urls = append(urls, u)
		raw := page(title, title+"的办理流程")
		rec, err := extract.ExtractBytes(raw, "text/html", u, extract.Options{FetchedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Complete(ctx, run, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: 200,
			Record: rec, Raw: raw, ContentType: "text/html", FetchedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return db, urls
}

// fourArticlesWARC exports fourArticles (archived in dir) as a WARC, with
// the index entry of each record, and closes the archive.
func fourArticlesWARC(t *testing.T, dir string) (b []byte, index []warc.IndexEntry, urls []string) {
	t.Helper()
	db, urls := fourArticles(t, filepath.Join(dir, "a.db"))
	defer db.Close()
	var buf bytes.Buffer
	if _, err := warc.Write(context.Background(), db, &buf, warc.Options{}, func(e warc.IndexEntry) error { index = append(index, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), index, urls
}

// TestImport_CorruptRecords breaks one record of a WARC and cuts the file
// short: the broken and the truncated records are reported and skipped,
// the others imported.
func TestImport_CorruptRecords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, index, urls := fourArticlesWARC(t, dir)
	// Flip a byte inside the second response's gzip member, and cut the
	// file in the middle of the last response. The flipped byte sometimes
	// leaves the deflate stream decodable, and only the CRC says so: the
	// member is read through its CRC before anything of it is imported.
	b[index[1].Offset+index[1].Length/2] ^= 0xff
	b = b[:index[3].Offset+index[3].Length/2]
	db2, st := importFile(t, filepath.Join(dir, "broken.warc.gz"), b)
	t.Logf("import of a broken WARC: %+v", st)
	if st.Corrupt != 2 || st.New != 2 {
		t.Errorf("corrupt %d, new %d; want 2 and 2 (problems: %v)", st.Corrupt, st.New, st.Problems)
	}
	for i, u := range urls {
		_, err := db2.Get(ctx, u)
		if ok := err == nil; ok != (i == 0 || i == 2) {
			t.Errorf("%s imported = %v", u, ok)
		}
	}
}

// TestImport_BadCRC breaks only the CRC-32 in the trailer of one
// response's gzip member: its deflate data still decodes, to the same
// bytes, so the block digest matches and only the member's end shows the
// damage. The record must not be imported (it was, before the member was
// read through its CRC ahead of storing anything of it).
func TestImport_BadCRC(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, index, urls := fourArticlesWARC(t, dir)
	_, whole := importFile(t, filepath.Join(dir, "good.warc.gz"), bytes.Clone(b))
	crc := index[1].Offset + index[1].Length - 8 // the trailer: CRC-32, then ISIZE
	b[crc] ^= 0xff
	db2, st := importFile(t, filepath.Join(dir, "badcrc.warc.gz"), b)
	t.Logf("import of a WARC with one bad CRC: %+v", st)
	if st.Corrupt != 1 || st.New != 3 {
		t.Errorf("corrupt %d, new %d; want 1 and 3 (problems: %v)", st.Corrupt, st.New, st.Problems)
	}
	// The broken member is read to its end: the import goes on at the
	// next member, not at the gzip header after it.
	if st.Records != whole.Records-1 {
		t.Errorf("%d records read; want %d, all but the broken one", st.Records, whole.Records-1)
	}
	for i, u := range urls {
		_, err := db2.Get(ctx, u)
		if ok := err == nil; ok != (i != 1) {
			t.Errorf("%s imported = %v", u, ok)
		}
	}
}

// TestImport_BinaryServedAsHTML: a response served as text/html whose body
// is no text (an image here) is skipped as not-html, as a crawl skips it;
// the HTML beside it is imported.
func TestImport_BinaryServedAsHTML(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, run := openWithRun(t, filepath.Join(dir, "a.db"))
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2, 3}, 256)...)
	for _, p := range []struct {
		u   string
		raw []byte
	}{
		{"https://www.example.com/zixun/chart.html", png},
		{"https://www.example.com/zixun/a.html", page("信用卡逾期怎么办", "逾期后的办理流程")},
	} {
		rec := &extract.Record{URL: p.u, Title: "标题", Body: "正文", PageType: extract.PageArticle, FetchedAt: time.Now()}
		if _, err := db.Complete(ctx, run, &finarchive.Fetched{Item: finarchive.QueueItem{URL: p.u}, StatusCode: 200,
			Record: rec, Raw: p.raw, ContentType: "text/html", FetchedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := warc.Write(ctx, db, &buf, warc.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, st := importFile(t, filepath.Join(dir, "a.warc.gz"), buf.Bytes())
	if st.SkippedBy["not-html"] != 1 || st.New != 1 {
		t.Errorf("import: %+v; want the image skipped as not-html, the page new", st)
	}
	if _, err := db2.Get(ctx, "https://www.example.com/zixun/chart.html"); err == nil {
		t.Error("the image was imported as an article")
	}
}

// importFile writes b to file and imports it into a new archive beside it,
// which it returns (closed when the test ends) with the import's stats.
func importFile(t *testing.T, file string, b []byte) (*store.DB, warc.ImportStats) {
	t.Helper()
	ctx := context.Background()
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, file+".db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, st, err := warc.Import(ctx, db, file, warc.ImportOptions{Profiles: extract.BuiltinProfiles()})
	if err != nil {
		t.Fatal(err)
	}
	return db, st
}

// openWithRun opens (creating) the archive at path and starts a run in it.
func openWithRun(t *testing.T, path string) (*store.DB, int64) {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	run, err := db.StartRun(context.Background(), store.RunSpec{})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db, run
}

// strictReader reads the WARC b with gowarc, failing on any violation of
// the spec or its syntax.
func strictReader(t *testing.T, b []byte) *gowarc.WarcFileReader {
	t.Helper()
	r, err := gowarc.NewWarcFileReaderFromStream(bytes.NewReader(b), 0, gowarc.WithSpecViolationPolicy(gowarc.ErrFail),
		gowarc.WithSyntaxErrorPolicy(gowarc.ErrFail))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestImport_WholeGzippedWARC: a WARC gzipped whole (gzip crawl.warc: all
// its records in one gzip member) is imported record by record, as a plain
// one is, a record with a bad digest among them reported and skipped (only
// the first record, the warcinfo, was read).
func TestImport_WholeGzippedWARC(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, _ := fourArticles(t, filepath.Join(dir, "a.db"))
	var buf bytes.Buffer
	if _, err := warc.Write(ctx, db, &buf, warc.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	zr, err := gzip.NewReader(&buf) // every member, one after the other
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	// Break the block digest of the third article's response.
	resp := 0
	for i := 0; i < 3; i++ {
		resp += bytes.Index(plain[resp:], []byte("WARC-Type: response")) + 1
	}
	d := resp + bytes.Index(plain[resp:], []byte("WARC-Block-Digest: sha256:")) + len("WARC-Block-Digest: sha256:")
	plain[d] ^= 1
	var whole bytes.Buffer
	zw := gzip.NewWriter(&whole)
	zw.Write(plain)
	zw.Close()
	db2, st := importFile(t, filepath.Join(dir, "whole.warc.gz"), whole.Bytes())
	if st.New != 3 || st.Corrupt != 1 {
		t.Errorf("import of a WARC gzipped whole: %+v; want 3 new, 1 corrupt", st)
	}
	for i := range fourTitles {
		u := "https://www.example.com/zixun/" + string(rune('a'+i)) + ".html"
		if _, err := db2.Get(ctx, u); (err == nil) != (i != 2) {
			t.Errorf("%s: imported %v", u, err == nil)
		}
	}
}

// warc10Record is a WARC/1.0 record as wget writes one (its target URI in
// <>), with extra header fields.
func warc10Record(typ, uri string, block []byte, extra ...string) []byte {
	sum := sha1.Sum(block)
	var b bytes.Buffer
	b.WriteString("WARC/1.0\r\nWARC-Type: " + typ + "\r\nWARC-Record-ID: <urn:uuid:" + fmt.Sprintf("%x", sum[:8]) + "-0000-4000-8000-000000000000>\r\n")
	b.WriteString("WARC-Date: 2026-11-05T08:00:00Z\r\nWARC-Target-URI: <" + uri + ">\r\n")
	b.WriteString("WARC-Block-Digest: sha1:" + base32.StdEncoding.EncodeToString(sum[:]) + "\r\n")
	for _, f := range extra {
		b.WriteString(f + "\r\n")
	}
	msg := "response"
	if typ == "request" {
		msg = "request"
	}
	fmt.Fprintf(&b, "Content-Type: application/http;msgtype=%s\r\nContent-Length: %d\r\n\r\n", msg, len(block))
	b.Write(block)
	b.WriteString("\r\n\r\n")
	return b.Bytes()
}

// TestImport_Truncated: a response its writer marked WARC-Truncated (a
// size or time limit: Heritrix, Browsertrix) holds only the start of the
// page; it is skipped as truncated, whether its HTTP header gives the
// whole length or not, and never replaces the whole page imported before
// it. A whole response beside it is imported.
func TestImport_Truncated(t *testing.T) {
	ctx := context.Background()
	whole := page("信用卡逾期怎么办", "逾期后的办理流程")
	http := func(body []byte, length bool) []byte {
		h := "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
		if length {
			h += fmt.Sprintf("Content-Length: %d\r\n", len(whole))
		}
		return append([]byte(h+"\r\n"), body...)
	}
	half := whole[:len(whole)*2/3]
	var b []byte
	b = append(b, warc10Record("response", pageURL, http(whole, true))...)
	b = append(b, warc10Record("response", pageURL, http(half, false), "WARC-Truncated: time")...)
	b = append(b, warc10Record("response", pageURL, http(half, true), "WARC-Truncated: length")...)
	b = append(b, warc10Record("response", "https://www.example.com/zixun/2.html", http(half, false), "WARC-Truncated: length")...)
	db, st := importFile(t, filepath.Join(t.TempDir(), "t.warc"), b)
	if st.New != 1 || st.Changed != 0 || st.SkippedBy["truncated"] != 3 || st.Corrupt != 0 {
		t.Errorf("import: %+v; want 1 new, 3 skipped as truncated", st)
	}
	got, err := db.Get(ctx, pageURL)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := extract.ExtractBytes(whole, "text/html", pageURL, extract.Options{}); got.Body != want.Body {
		t.Errorf("stored body %q; want the whole page's %q", got.Body, want.Body)
	}
	if _, err := db.Get(ctx, "https://www.example.com/zixun/2.html"); err == nil {
		t.Error("a truncated page was archived")
	}
}

// TestImport_LenientHTTP: a response record keeps what the server sent,
// and other tools' WARCs hold headers net/http refuses (Common Crawl's and
// wget's among them): a header line without a colon, a control byte in a
// value, a lower-case or HTTP/2 status line, bare LF line ends, two
// Content-Lengths or one that is no number. Each is imported (every one
// was skipped as corrupt), its header kept as received; a block with no
// status line is still corrupt.
func TestImport_LenientHTTP(t *testing.T) {
	ctx := context.Background()
	heads := map[string]string{
		"no-colon": "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nthis is junk\r\n\r\n",
		"control":  "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Debug: a\x01b\r\n\r\n",
		"lower":    "http/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n",
		"http2":    "HTTP/2 200\r\ncontent-type: text/html; charset=utf-8\r\n\r\n",
		"lf":       "HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\n\n",
		"two-cl":   "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
		"bad-cl":   "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: abc\r\n\r\n",
		"folded":   "HTTP/1.1 200 OK\r\nContent-Type: text/html;\r\n charset=utf-8\r\nX-Junk: \x02\r\n\r\n",
	}
	var b []byte
	for name, head := range heads {
		block := append([]byte(head), page("信用卡逾期怎么办"+name, "逾期后的办理流程")...)
		b = append(b, warc10Record("response", "https://www.example.com/zixun/"+name+".html", block)...)
	}
	b = append(b, warc10Record("response", "https://www.example.com/zixun/none.html", []byte("garbage\r\n\r\n<html></html>"))...)
	db, st := importFile(t, filepath.Join(t.TempDir(), "lenient.warc"), b)
	if st.New != len(heads) || st.Corrupt != 1 {
		t.Errorf("import: %+v; want %d new and the block without a status line corrupt", st, len(heads))
	}
	for name, head := range heads {
		u := "https://www.example.com/zixun/" + name + ".html"
		rec, err := db.Get(ctx, u)
		if err != nil {
			t.Errorf("%s: not imported: %v", name, err)
			continue
		}
		if !strings.Contains(rec.Title, "信用卡逾期怎么办") || !strings.Contains(rec.Body, "逾期后的办理流程") {
			t.Errorf("%s: record %q / %q", name, rec.Title, rec.Body)
		}
		var got []byte
		if err := db.ExportFetches(ctx, store.ExportOptions{}, func(r *store.ExportRecord, fs []store.Fetch) error {
			if r.URL == u && len(fs) > 0 {
				got = fs[0].Response
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if string(got) != head {
			t.Errorf("%s: kept header %q, want it as received %q", name, got, head)
		}
	}
}

// TestImport_RequestAfterResponse: warcio, Browsertrix and pywb write a
// response record before its request; each request goes with its
// response as in wget's order (request first), so the request as sent is
// kept (it was dropped, and a WARC export of the archive synthesised one:
// request line and Host only). A request for another URL is not taken.
func TestImport_RequestAfterResponse(t *testing.T) {
	ctx := context.Background()
	req := func(path, agent string) []byte {
		return []byte("GET " + path + " HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: " + agent + "\r\n\r\n")
	}
	resp := func(title string) []byte {
		return append([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"), page(title, title+"的办理流程")...)
	}
	const a, b, c = "https://www.example.com/zixun/a.html", "https://www.example.com/zixun/b.html", "https://www.example.com/zixun/c.html"
	var w []byte
	w = append(w, warc10Record("response", a, resp("信用卡逾期怎么办"))...) // warcio's order
	w = append(w, warc10Record("request", a, req("/zixun/a.html", "browsertrix"))...)
	w = append(w, warc10Record("request", b, req("/zixun/b.html", "wget"))...) // wget's order
	w = append(w, warc10Record("response", b, resp("公积金贷款额度怎么算"))...)
	w = append(w, warc10Record("response", c, resp("ETC卡怎么注销"))...) // no request of its own
	w = append(w, warc10Record("request", "https://www.example.com/zixun/other.html", req("/zixun/other.html", "x"))...)
	db, st := importFile(t, filepath.Join(t.TempDir(), "order.warc"), w)
	if st.New != 3 || st.Corrupt != 0 {
		t.Fatalf("import: %+v; want 3 new", st)
	}
	got := map[string]string{}
	if err := db.ExportFetches(ctx, store.ExportOptions{}, func(r *store.ExportRecord, fs []store.Fetch) error {
		got[r.URL] = string(fs[0].Request)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]string{a: string(req("/zixun/a.html", "browsertrix")), b: string(req("/zixun/b.html", "wget")), c: ""} {
		if got[u] != want {
			t.Errorf("%s: request kept %q, want %q", u, got[u], want)
		}
	}
}

// cancelAfter is an archive whose context is cancelled (Ctrl-C) once n
// pages were saved.
type cancelAfter struct {
	store.Archive
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Complete(ctx context.Context, run int64, f *finarchive.Fetched) (finarchive.SaveResult, error) {
	if c.n--; c.n < 0 {
		c.cancel()
	}
	return c.Archive.Complete(ctx, run, f)
}

// TestImport_Interrupted: an import stopped by Ctrl-C keeps what it
// imported, and its run is interrupted, not an error with the store's
// words for the cancellation ("look up raw: context canceled").
func TestImport_Interrupted(t *testing.T) {
	dir := t.TempDir()
	var b []byte
	for i := range 6 {
		u := "https://www.example.com/zixun/" + string(rune('a'+i)) + ".html"
		block := append([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"), page("信用卡逾期怎么办"+u[len(u)-6:], "逾期后的办理流程")...)
		b = append(b, warc10Record("response", u, block)...)
	}
	file := filepath.Join(dir, "six.warc")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run, st, err := warc.Import(ctx, &cancelAfter{Archive: db, n: 2, cancel: cancel}, file, warc.ImportOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Import: %v; want it interrupted", err)
	}
	r, rerr := db.Run(context.Background(), run)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if r.Status != finarchive.RunInterrupted || r.New != 2 || st.New != 2 {
		t.Errorf("run %s (%q), %d new (stats %d); want interrupted with the 2 saved", r.Status, r.Error, r.New, st.New)
	}
}

// warc10RecordAt is warc10Record with its own WARC-Date.
func warc10RecordAt(date, typ, uri string, block []byte) []byte {
	return bytes.Replace(warc10Record(typ, uri, block), []byte("WARC-Date: 2026-11-05T08:00:00Z"), []byte("WARC-Date: "+date), 1)
}

// TestImport_OlderThanArchived: captures of a URL read out of time order
// (an old WARC imported after a newer crawl or import, a WACZ whose WARCs
// are not in time order) never make an older capture the current record:
// a record older than the archive's last fetch of its URL is skipped as
// older-than-archived (the last one read became the record, the newest
// capture a "history" version of it), and a newer one still changes it.
func TestImport_OlderThanArchived(t *testing.T) {
	ctx := context.Background()
	resp := func(v string) []byte {
		return append([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"), page("信用卡逾期怎么办"+v, v+"的办理流程")...)
	}
	var b []byte
	b = append(b, warc10RecordAt("2026-11-20T08:00:00Z", "response", pageURL, resp("第三版"))...)
	b = append(b, warc10RecordAt("2026-11-01T08:00:00Z", "response", pageURL, resp("第一版"))...)
	b = append(b, warc10RecordAt("2026-11-10T08:00:00Z", "response", pageURL, resp("第二版"))...)
	b = append(b, warc10RecordAt("2026-11-25T08:00:00Z", "response", pageURL, resp("第四版"))...)
	db, st := importFile(t, filepath.Join(t.TempDir(), "ooo.warc"), b)
	if st.New != 1 || st.Changed != 1 || st.SkippedBy["older-than-archived"] != 2 {
		t.Errorf("import: %+v; want 1 new, 1 changed, 2 older than archived", st)
	}
	rec, err := db.Get(ctx, pageURL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Title, "第四版") {
		t.Errorf("current record %q; want the newest capture's", rec.Title)
	}
	var history []store.Revision
	if err := db.Export(ctx, store.ExportOptions{History: true}, func(r *store.ExportRecord) error {
		history = r.History
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(history) != 1 || !strings.Contains(history[0].Title, "第三版") {
		t.Errorf("history %+v; want the third version only", history)
	}
}

// TestImport_RevisitOfAnotherURL: Heritrix's digest-based deduplication
// is URL-agnostic, so its WARCs hold identical-payload revisits of one
// URL that refer to another URL's capture (the same article at two
// addresses). Such a revisit is imported as its own URL's capture, made
// whole from the payload it refers to read earlier in the import: its own
// HTTP head (the chunked framing the payload no longer has taken out),
// the payload it names. A revisit whose payload was never read is still
// skipped, and one of a URL archived before is a fetch of what is stored.
func TestImport_RevisitOfAnotherURL(t *testing.T) {
	ctx := context.Background()
	const other, unknown = "https://www.example.com/zixun/1.html?from=list", "https://www.example.com/zixun/9.html"
	body := page("信用卡逾期怎么办", "逾期后的办理流程")
	sum := sha1.Sum(body)
	digest := "WARC-Payload-Digest: sha1:" + base32.StdEncoding.EncodeToString(sum[:])
	profile := "WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
	resp := append([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"), body...)
	revisitHead := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\nX-Served-By: b\r\n\r\n")
	var b []byte
	b = append(b, warc10Record("response", pageURL, resp, digest)...)
	b = append(b, warc10Record("revisit", other, revisitHead, digest, profile, "WARC-Refers-To-Target-URI: "+pageURL)...)
	b = append(b, warc10Record("revisit", pageURL, revisitHead, digest, profile, "WARC-Refers-To-Target-URI: "+pageURL)...)
	b = append(b, warc10Record("revisit", unknown, revisitHead, "WARC-Payload-Digest: sha1:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH", profile,
		"WARC-Refers-To-Target-URI: https://www.example.com/zixun/8.html")...)
	db, st := importFile(t, filepath.Join(t.TempDir(), "dedup.warc"), b)
	if st.New != 2 || st.Unchanged != 1 || st.Revisits != 3 || st.SkippedBy["revisit-of-unknown"] != 1 || st.Corrupt != 0 {
		t.Errorf("import: %+v; want 2 new (the response, the revisit of another URL), 1 unchanged, 1 revisit of unknown", st)
	}
	first, err := db.Get(ctx, pageURL)
	if err != nil {
		t.Fatal(err)
	}
	second, err := db.Get(ctx, other)
	if err != nil {
		t.Fatalf("the revisit of another URL's capture was not archived: %v", err)
	}
	if second.Title != first.Title || second.Body != first.Body || second.URL != other {
		t.Errorf("archived from the revisit: %+v; want %s's title and body at its own URL", second, pageURL)
	}
	var fetch store.Fetch
	err = db.ExportFetches(ctx, store.ExportOptions{}, func(er *store.ExportRecord, fs []store.Fetch) error {
		if er.URL == other && len(fs) == 1 {
			fetch = fs[0]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	head := string(fetch.Response)
	if !bytes.Equal(fetch.Body, body) || !strings.Contains(head, "X-Served-By: b") || strings.Contains(head, "chunked") ||
		!strings.Contains(head, fmt.Sprintf("Content-Length: %d", len(body))) {
		t.Errorf("capture of %s: head %q, %d bytes of body; want its own head without chunked framing, and the payload", other, head, len(fetch.Body))
	}
	if _, err := db.Get(ctx, unknown); err == nil {
		t.Error("a revisit of a payload never read was archived")
	}
}

// TestWrite_Unarchived: the pages a crawl walked through without
// archiving them (a list page, a redirect with an empty body) are written
// as request and response records of their latest fetch, valid to gowarc
// (digests, the rebuilt bytes), with CDXJ entries of their status; Site
// and Since select them as they select articles' fetches.
func TestWrite_Unarchived(t *testing.T) {
	ctx := context.Background()
	db, run := openWithRun(t, filepath.Join(t.TempDir(), "u.db"))
	defer db.Close()
	t0, t1 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	const list, redir = "https://www.example.com/zixun/", "https://b.example.com/go/1"
	listRec := &extract.Record{URL: list, Title: "资讯", PageType: extract.PageList}
	for _, f := range []*finarchive.Fetched{
		{Item: finarchive.QueueItem{URL: list}, StatusCode: 200, FetchedAt: t0, Record: listRec, Raw: page("资讯", "列表"),
			ContentType: "text/html; charset=utf-8", Capture: capture("200 OK"), Skipped: "list-page"},
		{Item: finarchive.QueueItem{URL: redir}, StatusCode: 301, FetchedAt: t1, Skipped: "redirect",
			Record: &extract.Record{URL: redir, PageType: extract.PageRedirect},
			Capture: &finarchive.Capture{Request: []byte("GET /go/1 HTTP/1.1\r\nHost: b.example.com\r\n\r\n"),
				Response: []byte("HTTP/1.1 301 Moved Permanently\r\nLocation: https://www.example.com/zixun/1.html\r\nContent-Length: 0\r\n\r\n")}},
	} {
		if _, err := db.Complete(ctx, run, f); err != nil {
			t.Fatal(err)
		}
	}
	save(t, db, run, t0, page("信用卡逾期怎么办", "逾期后的办理流程"), capture("200 OK"), false)
	for _, tc := range []struct {
		name string
		opt  warc.Options
		want map[string]int // target → status of its response
	}{
		{"all", warc.Options{}, map[string]int{pageURL: 200, list: 200, redir: 301}},
		{"site", warc.Options{ExportOptions: store.ExportOptions{Site: "www.example.com"}}, map[string]int{pageURL: 200, list: 200}},
		{"since", warc.Options{ExportOptions: store.ExportOptions{Since: t1}}, map[string]int{redir: 301}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			index := map[string]int{}
			st, err := warc.Write(ctx, db, &b, tc.opt, func(e warc.IndexEntry) error { index[e.URL] = e.Status; return nil })
			if err != nil {
				t.Fatal(err)
			}
			checkGowarcBuilds(t, b.Bytes())
			got := map[string]int{}
			requests := map[string]int{}
			for _, r := range readWARC(t, b.Bytes()) {
				switch r.typ {
				case gowarc.Response:
					got[r.target]++
				case gowarc.Request:
					requests[r.target]++
				}
			}
			if len(got) != len(tc.want) || len(index) != len(tc.want) {
				t.Errorf("responses %v, index %v; want one each of %v", got, index, tc.want)
			}
			for u, status := range tc.want {
				if got[u] != 1 || requests[u] != 1 || index[u] != status {
					t.Errorf("%s: %d responses, %d requests, indexed with status %d; want 1, 1, %d", u, got[u], requests[u], index[u], status)
				}
			}
			wantUn, wantRedir := len(tc.want)-1, 0
			if _, ok := tc.want[redir]; ok {
				wantRedir = 1
			}
			if _, ok := tc.want[pageURL]; !ok {
				wantUn++
			}
			if st.Unarchived != wantUn || st.Redirects != wantRedir {
				t.Errorf("stats %+v; want %d unarchived, %d redirects", st, wantUn, wantRedir)
			}
		})
	}
}
