package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/testsite"
)

// TestCrawl_Faults crawls a site that answers 500, 503, 429 with
// Retry-After, resets, hangs, soft blocks and empty shells: every article
// ends archived and no request comes before its Retry-After.
func TestCrawl_Faults(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 32})
	site.SetFaults(testsite.Faults{
		Rate500: 0.06, Rate503: 0.06, Rate429: 0.06, RateReset: 0.06, RateHang: 0.03,
		RateSoftBlock: 0.04, RateEmpty: 0.04, MaxPerURL: 2, HangMax: 2 * time.Second, RetryAfter: time.Second,
	})
	db := filepath.Join(t.TempDir(), "a.db")
	args := []string{"crawl", "--db", db, "--delay", "0", "--parallelism", "4", "--retries", "5",
		"--backoff", "30ms", "--backoff-max", "300ms", "--timeout", "600ms", "--exclude", "/calendar/|/refer/", "-q", base + "/"}
	out, errOut, code := runCLI(t, args...)
	if code != 0 && code != exitPartial {
		t.Fatalf("crawl: exit %d\n%s\n%s", code, out, errOut)
	}
	st := site.Stats()
	if st.Faults < 10 {
		t.Fatalf("only %d faults injected; the test tests nothing", st.Faults)
	}
	t.Logf("faults injected: %v; summary:\n%s", st.FaultsBy, out)
	for _, kind := range []testsite.FaultKind{testsite.Fault429, testsite.FaultSoftBlock, testsite.FaultReset} {
		if st.FaultsBy[kind] == 0 {
			t.Errorf("no %s fault injected", kind)
		}
	}
	if v := site.RetryAfterViolations(); len(v) > 0 {
		t.Errorf("Retry-After violated:\n%s", strings.Join(v, "\n"))
	}
	recs := exportAll(t, db)
	got := map[string]bool{}
	for _, r := range recs {
		got[r.URL] = true
		if strings.Contains(r.Body, "访问过于频繁") || strings.Contains(r.Title, "验证") {
			t.Errorf("%s: a soft-block page was archived as the article", r.URL)
		}
	}
	for _, w := range site.Truth(base) {
		if !got[w.URL] {
			t.Errorf("article %s not archived despite retries", w.URL)
		}
	}
}

// TestCrawl_Recrawl: a second crawl of an unchanged site stores no new
// revision and is mostly 304s; after the site changes, exactly the changed
// pages get a revision, history keeps the old version, and export --since
// gives only them.
func TestCrawl_Recrawl(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 40})
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	crawl := append(fastCrawl(db), "--exclude", "/calendar/|/refer/", base+"/")
	if _, e, code := runCLI(t, crawl...); code != 0 && code != exitPartial {
		t.Fatalf("first crawl: exit %d: %s", code, e)
	}
	first := site.Stats()
	site.ResetRequests()
	if _, e, code := runCLI(t, crawl...); code != 0 && code != exitPartial {
		t.Fatalf("second crawl: exit %d: %s", code, e)
	}
	second := site.Stats()
	runs := runsJSON(t, db)
	r2 := runs[0]
	if r2.New != 0 || r2.Changed != 0 {
		t.Errorf("re-crawl of an unchanged site: new %d, changed %d; want 0, 0", r2.New, r2.Changed)
	}
	if r2.NotModified < site.Articles()*9/10 {
		t.Errorf("re-crawl: %d not-modified answers, want most of %d articles", r2.NotModified, site.Articles())
	}
	t.Logf("first crawl: %d requests, %d bytes; unchanged re-crawl: %d requests, %d bytes, %d 304s",
		first.Requests, first.Bytes, second.Requests, second.Bytes, second.NotModified)
	// (Site byte counts include a variable part of the deliberately oversize
	// page, cut off when the crawler drops it, so the 304 count is the check.)
	if second.NotModified < int64(site.Articles())*9/10 {
		t.Errorf("the site answered %d 304s, want most of %d articles", second.NotModified, site.Articles())
	}

	site.SetVersion(1)
	changed := site.ChangedArticles(1, base)
	if len(changed) == 0 {
		t.Fatal("version switch changed nothing")
	}
	mid := time.Now()
	time.Sleep(10 * time.Millisecond)
	if _, e, code := runCLI(t, crawl...); code != 0 && code != exitPartial {
		t.Fatalf("third crawl: exit %d: %s", code, e)
	}
	r3 := runsJSON(t, db)[0]
	if r3.Changed != len(changed) || r3.New != 0 {
		t.Errorf("after the change: changed %d, new %d; want %d, 0", r3.Changed, r3.New, len(changed))
	}

	// export --since gives exactly the changed pages, with history.
	p := filepath.Join(dir, "since.jsonl")
	if _, e, code := runCLI(t, "export", "--db", db, "--format", "jsonl", "--history", "--since", mid.Format(time.RFC3339Nano), "-o", p); code != 0 {
		t.Fatalf("export --since: exit %d: %s", code, e)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, u := range changed {
		want[u] = true
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(changed) {
		t.Errorf("export --since: %d records, want the %d changed ones", len(lines), len(changed))
	}
	for _, l := range lines {
		var r store.ExportRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if !want[r.URL] {
			t.Errorf("export --since includes unchanged %s", r.URL)
		}
		if len(r.History) == 0 {
			t.Errorf("%s: no history of the earlier version", r.URL)
		} else if r.History[0].Body == r.Body && r.History[0].Title == r.Title {
			t.Errorf("%s: history's version equals the current one", r.URL)
		}
	}
	integrityCheck(t, db)
}

func runsJSON(t testing.TB, db string) []runEntry {
	t.Helper()
	out, e, code := runCLI(t, "runs", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("runs: exit %d: %s", code, e)
	}
	var runs []runEntry
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatalf("runs --json: %v", err)
	}
	return runs
}
