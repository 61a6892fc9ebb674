package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/testsite"
	"github.com/finarchive/finarchive/warc"
)

// testTools is where .ci/run installs the npm packages the tests use
// (warcio, replaywebpage); FINARCHIVE_TEST_TOOLS overrides it.
func testTools(t testing.TB) string {
	if d := os.Getenv("FINARCHIVE_TEST_TOOLS"); d != "" {
		return d
	}
	abs, err := filepath.Abs("../../.ci/tools")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// fetchCounts are the archive's fetches as a WARC export must show them:
// a response per stored body, a revisit per other fetch.
func fetchCounts(t testing.TB, db string) (responses, revisits int) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.QueryRow(`SELECT
		count(*) FILTER (WHERE f.body IS NOT NULL OR f.id IN (SELECT fetch_id FROM raw WHERE fetch_id IS NOT NULL)),
		count(*) FILTER (WHERE f.body IS NULL AND f.id NOT IN (SELECT fetch_id FROM raw WHERE fetch_id IS NOT NULL))
		FROM fetches f`).Scan(&responses, &revisits)
	if err != nil {
		t.Fatal(err)
	}
	return responses, revisits
}

// unarchivedPages returns the pages an archive keeps without archiving
// them as articles (list, home, search and error pages, redirects), as
// "page type, status, payload digest" by URL.
func unarchivedPages(t testing.TB, db string) map[string]string {
	t.Helper()
	got := map[string]string{}
	walkUnarchived(t, db, func(u *store.UnarchivedDump, f store.Fetch) {
		got[u.URL] = fmt.Sprintf("%s, %d, %s", u.PageType, f.Status, f.PayloadDigest)
	})
	return got
}

// walkUnarchived calls fn with each page archive db keeps without
// archiving it as an article, and its capture.
func walkUnarchived(t testing.TB, db string, fn func(*store.UnarchivedDump, store.Fetch)) {
	t.Helper()
	dbh, err := store.OpenReadOnly(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer dbh.Close()
	err = dbh.DumpUnarchived(context.Background(), func(u *store.UnarchivedDump) error {
		f, err := u.Fetch()
		if err != nil {
			return err
		}
		fn(u, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// crawlThrice crawls a test site, crawls it again (304s and identical
// bodies), changes it, takes two articles off it (a 404 and a 410) and
// crawls a third time (changed pages, removed articles).
func crawlThrice(t *testing.T, db string) (*testsite.Site, string) {
	t.Helper()
	site, base := MustStartSite(t, testsite.Options{Articles: 24})
	crawl := append(fastCrawl(db), "--exclude", "/calendar/|/refer/", base+"/")
	for i := range 3 {
		if i == 2 {
			site.SetVersion(1)
			site.Remove(3, 404)
			site.Remove(5, 410)
		}
		if _, e, code := runCLI(t, crawl...); code != 0 && code != exitPartial {
			t.Fatalf("crawl %d: exit %d: %s", i+1, code, e)
		}
	}
	return site, base
}

// removals counts the fetches that found an article removed (404, 410),
// each of a page marked removed at its time.
func removals(t testing.TB, db string) int {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM fetches f JOIN pages p ON p.id = f.page_id
		WHERE f.status IN (404, 410) AND f.body IS NOT NULL AND p.removed_at = f.fetched_at`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// warcioRecord is a line of testdata/warcio-check.mjs.
type warcioRecord struct {
	Type         string         `json:"type"`
	URI          string         `json:"uri"`
	Profile      string         `json:"profile"`
	RefersToDate string         `json:"refersToDate"`
	Status       int            `json:"status"`
	DigestOK     *bool          `json:"digestOK"`
	Summary      map[string]int `json:"summary"`
	BadDigests   int            `json:"badDigests"`
}

// TestExport_WARC exports a crawled, re-crawled and changed archive as WARC
// and WACZ and reads them back with independent readers: warcio.js indexes
// every record and finds the payload digests right, with as many responses
// and revisits as the archive has fetches; the WACZ's datapackage digests
// and sizes check out; and importing either file into a new archive gives
// the same records, history included.
func TestExport_WARC(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	crawlThrice(t, db)
	wantResp, wantRev := fetchCounts(t, db)
	if wantRev == 0 || wantResp == 0 {
		t.Fatalf("archive has %d body fetches and %d revisits; the test needs both", wantResp, wantRev)
	}
	if got := removals(t, db); got != 2 {
		t.Fatalf("archive has %d removal fetches (404, 410) of removed articles, want 2", got)
	}
	// The pages a replay walks through to the articles: each is written
	// with its latest fetch, as a request and a response record.
	unarchived := unarchivedPages(t, db)
	redirects := 0
	for _, v := range unarchived {
		if strings.HasPrefix(v, "redirect, 301") {
			redirects++
		}
	}
	if len(unarchived) == 0 || redirects == 0 {
		t.Fatalf("archive keeps %d pages not archived as articles, %d of them 301 redirects; the test needs both: %v", len(unarchived), redirects, unarchived)
	}
	wantResp += len(unarchived)
	warcPath := filepath.Join(dir, "a.warc.gz")
	waczPath := filepath.Join(dir, "a.wacz")
	jsonl := filepath.Join(dir, "a.jsonl")
	// The same WARC with its members stored, and at the smallest level.
	stored, smallest := filepath.Join(dir, "stored.warc.gz"), filepath.Join(dir, "9.warc.gz")
	for _, args := range [][]string{
		{"--format", "warc", "-o", warcPath}, {"--format", "wacz", "-o", waczPath}, {"--format", "jsonl", "--history", "-o", jsonl},
		{"--format", "warc", "--compress", "0", "-o", stored}, {"--format", "warc", "--compress", "9", "-o", smallest},
	} {
		if _, e, code := runCLI(t, append([]string{"export", "--db", db, "-q"}, args...)...); code != 0 {
			t.Fatalf("export %v: exit %d: %s", args, code, e)
		}
	}

	t.Run("warcio", func(t *testing.T) {
		tools := testTools(t)
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("node not installed; .ci/run installs it with warcio")
		}
		if _, err := os.Stat(filepath.Join(tools, "node_modules/warcio")); err != nil {
			t.Skipf("warcio not installed in %s (.ci/run: npm install --prefix %s warcio@2.4.11)", tools, tools)
		}
		for _, file := range []string{stored, smallest} { // read as the default level is, below
			out, err := exec.Command("node", "testdata/warcio-check.mjs", tools, file).CombinedOutput()
			if err != nil {
				t.Fatalf("warcio %s: %v\n%s", filepath.Base(file), err, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			var sum warcioRecord
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Summary == nil {
				t.Fatalf("warcio %s: summary %q: %v", filepath.Base(file), lines[len(lines)-1], err)
			}
			if sum.Summary["response"] != wantResp || sum.Summary["revisit"] != wantRev || sum.BadDigests != 0 {
				t.Errorf("warcio %s: %v, bad payload digests %d; want %d responses, %d revisits", filepath.Base(file), sum.Summary,
					sum.BadDigests, wantResp, wantRev)
			}
		}
		out, err := exec.Command("node", "testdata/warcio-check.mjs", tools, warcPath).CombinedOutput()
		if err != nil {
			t.Fatalf("warcio: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		var sum warcioRecord
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Summary == nil {
			t.Fatalf("warcio summary %q: %v", lines[len(lines)-1], err)
		}
		t.Logf("warcio.js read %d records: %v, bad payload digests %d", len(lines)-1, sum.Summary, sum.BadDigests)
		if got := sum.Summary["response"]; got != wantResp {
			t.Errorf("warcio: %d response records, archive has %d fetches with a body", got, wantResp)
		}
		if got := sum.Summary["revisit"]; got != wantRev {
			t.Errorf("warcio: %d revisit records, archive has %d other fetches", got, wantRev)
		}
		if got, want := sum.Summary["request"], wantResp+wantRev; got != want {
			t.Errorf("warcio: %d request records, want %d (one per fetch)", got, want)
		}
		redirected := 0
		if sum.Summary["warcinfo"] != 1 || sum.Summary["metadata"] != len(readJSONL(t, jsonl)) {
			t.Errorf("warcio: %v; want 1 warcinfo and a metadata record per article", sum.Summary)
		}
		if sum.BadDigests != 0 {
			t.Errorf("warcio: %d payload digests do not match", sum.BadDigests)
		}
		profiles := map[string]int{}
		for _, l := range lines[:len(lines)-1] {
			var r warcioRecord
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			if r.Type == "response" && r.Status == 301 {
				redirected++
			}
			if r.Type == "revisit" {
				profiles[r.Profile]++
				if r.RefersToDate == "" {
					t.Errorf("revisit of %s without WARC-Refers-To-Date", r.URI)
				}
			}
		}
		// The test site answers conditional GETs, so its revisits are 304s
		// (identical payloads are covered in package warc's tests).
		if profiles["http://netpreserve.org/warc/1.1/revisit/server-not-modified"] != wantRev {
			t.Errorf("revisit profiles %v: want %d server-not-modified", profiles, wantRev)
		}
		if redirected != redirects {
			t.Errorf("warcio: %d responses with status 301, archive keeps %d redirects", redirected, redirects)
		}
	})

	t.Run("wacz", func(t *testing.T) {
		checkWACZ(t, waczPath, wantResp+wantRev)
	})

	sizes := map[string]int64{}
	for _, file := range []string{warcPath, stored, smallest} {
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		sizes[file] = fi.Size()
	}
	if sizes[stored] <= 2*sizes[warcPath] || sizes[smallest] > sizes[warcPath] {
		t.Errorf("WARC sizes: --compress 1 %d bytes, 0 (stored) %d, 9 %d", sizes[warcPath], sizes[stored], sizes[smallest])
	}

	for _, file := range []string{warcPath, waczPath, stored} {
		t.Run("import "+filepath.Base(file), func(t *testing.T) {
			db2 := filepath.Join(t.TempDir(), "b.db")
			out, e, code := runCLI(t, "import", "--db", db2, "--json", file)
			if code != 0 {
				t.Fatalf("import: exit %d: %s%s", code, out, e)
			}
			var st warc.ImportStats
			if err := json.Unmarshal([]byte(out), &st); err != nil {
				t.Fatalf("import --json: %v\n%s", err, out)
			}
			t.Logf("import: %+v", st)
			if st.Responses != wantResp || st.Revisits != wantRev || st.Corrupt != 0 {
				t.Errorf("import read %d responses, %d revisits, %d corrupt; want %d, %d, 0", st.Responses, st.Revisits, st.Corrupt, wantResp, wantRev)
			}
			j2 := filepath.Join(t.TempDir(), "b.jsonl")
			if _, e, code := runCLI(t, "export", "--db", db2, "--format", "jsonl", "--history", "-o", j2); code != 0 {
				t.Fatalf("export: exit %d: %s", code, e)
			}
			a, b := readLines(t, jsonl), readLines(t, j2)
			if len(a) != len(b) {
				t.Fatalf("round trip: %d records, want %d", len(b), len(a))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Errorf("round trip: record %d differs:\n got %s\nwant %s", i, b[i], a[i])
				}
			}
			if r1, r2 := fetchCounts(t, db2); r1 != wantResp-len(unarchived) || r2 != wantRev {
				t.Errorf("imported archive has %d body fetches and %d revisits, want %d and %d", r1, r2, wantResp-len(unarchived), wantRev)
			}
			if got := unarchivedPages(t, db2); !maps.Equal(got, unarchived) {
				t.Errorf("imported archive keeps these pages besides its articles:\n%v\nwant\n%v", got, unarchived)
			}
			if st.Gone != 2 || st.GoneBy["404"] != 1 || st.GoneBy["410"] != 1 {
				t.Errorf("import counted gone %d %v; want 2, a 404 and a 410 (as a crawl counts them)", st.Gone, st.GoneBy)
			}
			if st.Removed != 2 || removals(t, db2) != 2 {
				t.Errorf("import found %d articles removed, and the archive keeps %d removal fetches; want 2 and 2", st.Removed, removals(t, db2))
			}
		})
	}
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// checkWACZ checks a WACZ's layout and datapackage.json: every file listed
// with its SHA-256 and size, the WARC stored uncompressed in the zip, the
// index sorted with an entry per response and revisit, pages.jsonl.
func checkWACZ(t *testing.T, path string, records int) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(name string) []byte {
		f := files[name]
		if f == nil {
			t.Fatalf("wacz has no %s (has %v)", name, slices.Collect(func(yield func(string) bool) {
				for n := range files {
					if !yield(n) {
						return
					}
				}
			}))
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return b
	}
	var dp warc.DataPackage
	if err := json.Unmarshal(read("datapackage.json"), &dp); err != nil {
		t.Fatal(err)
	}
	if dp.Profile != "data-package" || dp.WACZVersion != "1.2.0" {
		t.Errorf("datapackage: profile %q, wacz_version %q", dp.Profile, dp.WACZVersion)
	}
	listed := map[string]bool{}
	for _, r := range dp.Resources {
		listed[r.Path] = true
		b := read(r.Path)
		sum := sha256.Sum256(b)
		if got := "sha256:" + hex.EncodeToString(sum[:]); got != r.Hash {
			t.Errorf("%s: sha256 %s, datapackage says %s", r.Path, got, r.Hash)
		}
		if int64(len(b)) != r.Bytes {
			t.Errorf("%s: %d bytes, datapackage says %d", r.Path, len(b), r.Bytes)
		}
		if strings.HasSuffix(r.Path, ".gz") && files[r.Path].Method != zip.Store {
			t.Errorf("%s: zip method %d, want Store (0) for a compressed member", r.Path, files[r.Path].Method)
		}
	}
	for _, want := range []string{"archive/data.warc.gz", "indexes/index.cdxj", "pages/pages.jsonl"} {
		if !listed[want] {
			t.Errorf("datapackage does not list %s", want)
		}
	}
	var dd map[string]string
	if err := json.Unmarshal(read("datapackage-digest.json"), &dd); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(read("datapackage.json"))
	if dd["hash"] != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("datapackage-digest.json hash %s does not match datapackage.json", dd["hash"])
	}
	idx := strings.Split(strings.TrimSpace(string(read("indexes/index.cdxj"))), "\n")
	if len(idx) != records {
		t.Errorf("index.cdxj: %d lines, want %d (a response or revisit per fetch)", len(idx), records)
	}
	if !slices.IsSorted(idx) {
		t.Error("index.cdxj is not sorted")
	}
	checkCDXJ(t, idx, read("archive/data.warc.gz"))
	sc := bufio.NewScanner(strings.NewReader(string(read("pages/pages.jsonl"))))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		var p map[string]string
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("pages.jsonl line %d: %v", n+1, err)
		}
		if n == 0 && p["format"] != "json-pages-1.0" {
			t.Errorf("pages.jsonl header %v", p)
		}
		if n > 0 && (p["url"] == "" || p["ts"] == "" || p["title"] == "" || p["text"] == "") {
			t.Errorf("pages.jsonl line %d lacks url/ts/title/text: %v", n+1, p)
		}
		n++
	}
	if n < 2 {
		t.Errorf("pages.jsonl has %d lines", n)
	}
}

// TestImport_Wget imports a WARC that wget --warc-file wrote of the test
// site and checks it gives the same articles, field for field, as a crawl
// of that site (all but fetched_at, which differs by the seconds between
// the two).
func TestImport_Wget(t *testing.T) {
	wget, err := exec.LookPath("wget")
	if err != nil {
		t.Skip("wget not installed (.ci/run installs it)")
	}
	_, base := MustStartSite(t, testsite.Options{Articles: 24})
	dir := t.TempDir()
	// The link traps the crawl excludes; big.html is the oversize page the
	// crawl refuses (--max-body-size) and wget takes.
	reject := "/calendar/|/refer/"
	cmd := exec.Command(wget, "-q", "--recursive", "--level=10", "--reject-regex", reject+"|/big\\.html",
		"--warc-file="+filepath.Join(dir, "wget"), "--delete-after", "-P", filepath.Join(dir, "dl"), base+"/")
	if out, err := cmd.CombinedOutput(); err != nil {
		// wget exits 8 when some URL answered an error (the site's 404s).
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 8 {
			t.Fatalf("wget: %v\n%s", err, out)
		}
	}
	warcFile := filepath.Join(dir, "wget.warc.gz")
	db := filepath.Join(dir, "w.db")
	out, e, code := runCLI(t, "import", "--db", db, "--json", warcFile)
	if code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, e)
	}
	var st warc.ImportStats
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	t.Logf("import of wget's WARC: %d records, %d responses: %d new, %d unchanged, skipped %v", st.Records, st.Responses, st.New, st.Unchanged, st.SkippedBy)

	crawled := filepath.Join(dir, "c.db")
	// wget reads no sitemaps; the crawl is told not to either.
	if _, e, code := runCLI(t, append(fastCrawl(crawled), "--no-sitemaps", "--exclude", reject, base+"/")...); code != 0 && code != exitPartial {
		t.Fatalf("crawl: exit %d: %s", code, e)
	}
	want, got := map[string]map[string]any{}, map[string]map[string]any{}
	for m, db := range map[*map[string]map[string]any]string{&want: crawled, &got: db} {
		p := filepath.Join(t.TempDir(), "x.jsonl")
		if _, e, code := runCLI(t, "export", "--db", db, "-q", "-o", p); code != 0 {
			t.Fatalf("export: %s", e)
		}
		for _, l := range readLines(t, p) {
			var r map[string]any
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			delete(r, "fetched_at")
			(*m)[r["url"].(string)] = r
		}
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Errorf("wget import has %d articles, the crawl %d", len(got), len(want))
	}
	for u, w := range want {
		g, ok := got[u]
		if !ok {
			t.Errorf("%s: crawled, not in the wget import", u)
			continue
		}
		for k, v := range w {
			if jsonString(g[k]) != jsonString(v) {
				t.Errorf("%s: %s = %s, crawl has %s", u, k, jsonString(g[k]), jsonString(v))
			}
		}
	}
	// The pages walked through are kept alike: each list, home, search
	// page and redirect of the crawl is in the import, with its type and
	// status (their bodies' bytes differ: wget asks for no gzip).
	typeStatus := func(db string) map[string]string {
		m := unarchivedPages(t, db)
		for u, v := range m {
			parts := strings.SplitN(v, ", ", 3)
			m[u] = parts[0] + " " + parts[1]
		}
		return m
	}
	wantUn, gotUn := typeStatus(crawled), typeStatus(db)
	if len(wantUn) == 0 {
		t.Fatal("the crawl kept no pages besides its articles")
	}
	for u, w := range wantUn {
		if gotUn[u] != w {
			t.Errorf("%s: kept by the crawl as %q, by the wget import as %q", u, w, gotUn[u])
		}
	}
	for u, g := range gotUn {
		if _, ok := wantUn[u]; !ok {
			t.Logf("kept by the wget import only: %s (%s)", u, g)
		}
	}
}

// checkCDXJ checks each line of a WACZ's index against the record it
// points at in the WACZ's WARC: its gzip member at offset and length, a
// response or revisit record of the line's URL and time (to the second),
// keyed by the URL's SURT, with the line's payload digest, the status of
// its HTTP head (a revisit: 200, the response it stands for) and the
// media type of its Content-Type ("warc/revisit" for a revisit).
func checkCDXJ(t *testing.T, idx []string, warcFile []byte) {
	t.Helper()
	for _, line := range idx {
		key, rest, _ := strings.Cut(line, " ")
		ts, js, _ := strings.Cut(rest, " ")
		var e struct{ URL, Mime, Status, Digest, Offset, Length, Filename string }
		if err := json.Unmarshal([]byte(js), &e); err != nil {
			t.Fatalf("index line %q: %v", line, err)
		}
		off, err1 := strconv.ParseInt(e.Offset, 10, 64)
		n, err2 := strconv.ParseInt(e.Length, 10, 64)
		if err1 != nil || err2 != nil || off < 0 || n <= 0 || off+n > int64(len(warcFile)) || e.Filename != "data.warc.gz" {
			t.Errorf("index line %q: bad filename, offset or length", line)
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(warcFile[off : off+n]))
		if err != nil {
			t.Errorf("index line %q: no gzip member there: %v", line, err)
			continue
		}
		zr.Multistream(false) // the one member
		br := bufio.NewReader(zr)
		tp := textproto.NewReader(br)
		version, err := tp.ReadLine()
		if err != nil || version != "WARC/1.1" {
			t.Errorf("index line %q: no record there (%q, %v)", line, version, err)
			continue
		}
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			t.Errorf("index line %q: record header: %v", line, err)
			continue
		}
		typ := h.Get("WARC-Type")
		date, _ := time.Parse(time.RFC3339Nano, h.Get("WARC-Date"))
		if h.Get("WARC-Target-URI") != e.URL || date.UTC().Format("20060102150405") != ts || key != warc.SURT(e.URL) {
			t.Errorf("index line %q: the record there is of %s at %s", line, h.Get("WARC-Target-URI"), h.Get("WARC-Date"))
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Errorf("index line %q: HTTP head: %v", line, err)
			continue
		}
		resp.Body.Close()
		wantStatus, wantMime := strconv.Itoa(resp.StatusCode), resp.Header.Get("Content-Type")
		wantMime, _, _ = strings.Cut(wantMime, ";")
		switch typ {
		case "response":
		case "revisit":
			wantStatus, wantMime = "200", "warc/revisit"
		default:
			t.Errorf("index line %q: points at a %s record", line, typ)
		}
		if e.Status != wantStatus || e.Mime != strings.ToLower(strings.TrimSpace(wantMime)) || e.Digest != h.Get("WARC-Payload-Digest") {
			t.Errorf("index line %q: the %s record there has status %s, type %q, payload digest %q", line, typ, resp.Status, wantMime, h.Get("WARC-Payload-Digest"))
		}
	}
}
