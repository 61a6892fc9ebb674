package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/testsite"
)

// runCLI runs the program as a user would and returns its output and exit code.
func runCLI(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	if err != nil {
		errb.WriteString("finarchive: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

// MustStartSite starts a test site and stops it with the test.
func MustStartSite(t testing.TB, opt testsite.Options) (*testsite.Site, string) {
	t.Helper()
	site := testsite.New(opt)
	base, err := site.Start()
	if err != nil {
		t.Fatalf("start test site: %v", err)
	}
	t.Cleanup(func() { site.Close() })
	return site, base
}

// fastCrawl are crawl flags for a loopback site: no delay, quick retries.
func fastCrawl(db string) []string {
	return []string{"crawl", "--db", db, "--delay", "0", "--parallelism", "4", "--retries", "2",
		"--backoff", "20ms", "--backoff-max", "200ms", "--timeout", "5s", "-q"}
}

func readJSONL(t testing.TB, path string) []extract.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []extract.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r extract.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("export line is not a record: %v: %s", err, sc.Text())
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// compareRecord lists the fields of got that differ from the truth.
func compareRecord(got, want extract.Record) []string {
	var diffs []string
	check := func(field string, g, w any) {
		if !reflect.DeepEqual(g, w) {
			diffs = append(diffs, field+": got "+jsonString(g)+", want "+jsonString(w))
		}
	}
	check("title", got.Title, want.Title)
	check("body", got.Body, want.Body)
	check("published", timeString(got.Published), timeString(want.Published))
	check("published_raw", got.PublishedRaw, want.PublishedRaw)
	check("author", got.Author, want.Author)
	check("category", got.Category, want.Category)
	check("breadcrumb", nilIfEmpty(got.Breadcrumb), nilIfEmpty(want.Breadcrumb))
	check("keywords", nilIfEmpty(got.Keywords), nilIfEmpty(want.Keywords))
	check("site", got.Site, want.Site)
	if len(got.Cards) != len(want.Cards) {
		check("cards", got.Cards, want.Cards)
	} else {
		for i := range got.Cards {
			check("cards["+string(rune('0'+i%10))+"]", got.Cards[i], want.Cards[i])
		}
	}
	return diffs
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func timeString(t *time.Time) string {
	if t == nil {
		return "null"
	}
	return t.Format(time.RFC3339)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// TestCrawl_EndToEnd crawls the test site, exports, and compares the export
// with the site's truth: every article present with every field right,
// nothing from the disallowed path fetched, no URL fetched twice.
func TestCrawl_EndToEnd(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 48})
	dir := t.TempDir()
	db := filepath.Join(dir, "archive.db")

	out, errOut, code := runCLI(t, append(fastCrawl(db), base+"/")...)
	// The site has deliberate 404s, a redirect loop and an oversize page:
	// answers, not failures. The run finishes and says so.
	if code != 0 {
		t.Fatalf("crawl exit code = %d, want 0 (dead links are results, not failures)\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"run #1 finished", "fetched", "articles", "skipped", "robots", "gone ", "(404 ", "failed     0",
		"redirect-loop", "oversize"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}

	jsonl := filepath.Join(dir, "out.jsonl")
	if _, e, code := runCLI(t, "export", "--db", db, "--format", "jsonl", "-o", jsonl); code != 0 {
		t.Fatalf("export: exit %d: %s", code, e)
	}
	recs := readJSONL(t, jsonl)
	truth := site.Truth(base)
	byURL := map[string]extract.Record{}
	for _, r := range recs {
		if _, dup := byURL[r.URL]; dup {
			t.Errorf("record %s exported twice", r.URL)
		}
		byURL[r.URL] = r
	}
	if got, want := len(recs), len(truth); got != want {
		t.Errorf("exported %d records, want %d (articles only)", got, want)
	}
	bad := 0
	for _, w := range truth {
		g, ok := byURL[w.URL]
		if !ok {
			t.Errorf("article %s missing from the export", w.URL)
			continue
		}
		if d := compareRecord(g, w); len(d) > 0 {
			bad++
			if bad <= 8 {
				t.Errorf("%s:\n  %s", w.URL, strings.Join(d, "\n  "))
			}
		}
		if g.ContentHash == "" || g.FetchedAt.IsZero() {
			t.Errorf("%s: content_hash or fetched_at empty", w.URL)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d records differ from the truth", bad, len(truth))
	}

	for path, n := range site.Requests() {
		if strings.HasPrefix(path, "/private/") {
			t.Errorf("fetched %s, which robots.txt disallows", path)
		}
		if n > 1 {
			t.Errorf("fetched %s %d times", path, n)
		}
	}

	// The JSON array export holds the same records.
	arr := filepath.Join(dir, "out.json")
	if _, e, code := runCLI(t, "export", "--db", db, "--format", "json", "-o", arr); code != 0 {
		t.Fatalf("export json: exit %d: %s", code, e)
	}
	b, err := os.ReadFile(arr)
	if err != nil {
		t.Fatal(err)
	}
	var all []extract.Record
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("json export is not an array of records: %v", err)
	}
	if len(all) != len(recs) {
		t.Errorf("json export has %d records, jsonl %d", len(all), len(recs))
	}

	// runs lists the run with its counts.
	rout, _, code := runCLI(t, "runs", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("runs: exit %d", code)
	}
	var runs []runEntry
	if err := json.Unmarshal([]byte(rout), &runs); err != nil {
		t.Fatalf("runs --json: %v\n%s", err, rout)
	}
	if len(runs) != 1 || runs[0].New != len(truth) || runs[0].Status != "finished" || runs[0].FinishedAt == nil {
		t.Errorf("runs = %+v, want one finished run with %d new articles", runs, len(truth))
	}
}

// TestCrawl_BadInput: an unreachable seed is named in the output, the good
// seed is still crawled, and nothing stored is lost. (A malformed seed is a
// usage error: see TestCrawl_UsageErrorsUpFront.)
func TestCrawl_BadInput(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 8})
	db := filepath.Join(t.TempDir(), "a.db")
	args := append(fastCrawl(db), "--max-depth", "2", "http://127.0.0.1:1/unreachable", base+"/")
	out, errOut, code := runCLI(t, args...)
	if code != exitPartial {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitPartial, out, errOut)
	}
	if !strings.Contains(errOut, "127.0.0.1:1/unreachable") {
		t.Errorf("stderr does not name the unreachable seed:\n%s", errOut)
	}
	recs := exportAll(t, db)
	if len(recs) == 0 {
		t.Fatalf("nothing archived from the good seed %s (site saw %d requests)", base, site.Stats().Requests)
	}
}

func exportAll(t testing.TB, db string) []extract.Record {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.jsonl")
	if _, e, code := runCLI(t, "export", "--db", db, "--format", "jsonl", "-o", p); code != 0 {
		t.Fatalf("export: exit %d: %s", code, e)
	}
	return readJSONL(t, p)
}
