package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/testsite"
)

// TestReextract_Profile: after a crawl, reextract with a profile that pins
// the title changes the stored records from the raw pages alone — the
// site sees no request — and keeps the old version in history.
func TestReextract_Profile(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 12})
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	if _, e, code := runCLI(t, append(fastCrawl(db), "--exclude", "/calendar/|/refer/", base+"/")...); code != 0 && code != exitPartial {
		t.Fatalf("crawl: exit %d: %s", code, e)
	}
	u, _ := url.Parse(base)
	profile := filepath.Join(dir, "p.yaml")
	// Pin the title to the breadcrumb's last link: a visible, checkable change.
	if err := os.WriteFile(profile, []byte("profiles:\n  - name: test\n    hosts: [\""+u.Hostname()+"\"]\n    title: \"h1\"\n    author: \"title\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	site.ResetRequests()
	out, e, code := runCLI(t, "reextract", "--db", db, "--profile", profile)
	if code != 0 {
		t.Fatalf("reextract: exit %d: %s", code, e)
	}
	if n := site.Stats().Requests; n != 0 {
		t.Errorf("reextract sent %d requests; it must fetch nothing", n)
	}
	if !strings.Contains(out, "12 changed") {
		t.Errorf("reextract summary: %q, want 12 changed (the author now comes from <title>)", out)
	}
	p := filepath.Join(dir, "h.jsonl")
	if _, e, code := runCLI(t, "export", "--db", db, "--format", "jsonl", "--history", "-o", p); code != 0 {
		t.Fatalf("export: %s", e)
	}
	b, _ := os.ReadFile(p)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct {
			extract.Record
			History []json.RawMessage `json:"history"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Author == "" || len(r.History) != 1 {
			t.Errorf("%s: author %q, %d earlier versions; want the profile's author and 1", r.URL, r.Author, len(r.History))
		}
	}
}

// TestReextract_WrongType: nothing is lost by a wrong guess. A crawl with a
// profile that types every page of the site a list archives nothing but
// keeps every page's raw response; reextract without the profile finds the
// articles in them, archives them (the site sees no request) and says how
// many pages changed type; the records are the site's truth.
func TestReextract_WrongType(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 10})
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	u, _ := url.Parse(base)
	profile := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(profile, []byte("profiles:\n  - name: lists\n    hosts: [\""+u.Hostname()+"\"]\n    page_type: list\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, e, code := runCLI(t, append(fastCrawl(db), "--profile", profile, "--exclude", "/calendar/|/refer/", base+"/")...); code != 0 && code != exitPartial {
		t.Fatalf("crawl: exit %d: %s", code, e)
	}
	if recs := exportAll(t, db); len(recs) != 0 {
		t.Fatalf("crawl typed every page a list but archived %d", len(recs))
	}
	site.ResetRequests()
	out, e, code := runCLI(t, "reextract", "--db", db)
	if code != 0 {
		t.Fatalf("reextract: exit %d: %s", code, e)
	}
	if n := site.Stats().Requests; n != 0 {
		t.Errorf("reextract sent %d requests; it must fetch nothing", n)
	}
	checkReextractSum(t, out)
	truth := site.Truth(base)
	if want := fmt.Sprintf("list→article %d", len(truth)); !strings.Contains(out, want) {
		t.Errorf("reextract summary: %q, want %q", out, want)
	}
	if want := fmt.Sprintf("%d newly archived", len(truth)); !strings.Contains(out, want) {
		t.Errorf("reextract summary: %q, want %q", out, want)
	}
	recs := exportAll(t, db)
	byURL := map[string]extract.Record{}
	for _, r := range recs {
		byURL[r.URL] = r
	}
	if len(recs) != len(truth) {
		t.Errorf("after reextract: %d articles, want %d", len(recs), len(truth))
	}
	for _, w := range truth {
		g, ok := byURL[w.URL]
		if !ok {
			t.Errorf("article %s not archived by reextract", w.URL)
			continue
		}
		if d := compareRecord(g, w); len(d) > 0 {
			t.Errorf("%s:\n  %s", w.URL, strings.Join(d, "\n  "))
		}
	}
	// Again: nothing left to recover, no type changes.
	out, _, _ = runCLI(t, "reextract", "--db", db)
	if !strings.Contains(out, "0 newly archived") || !strings.Contains(out, "type changes: none") {
		t.Errorf("second reextract: %q, want nothing new and no type changes", out)
	}
	checkReextractSum(t, out)
}

// checkReextractSum checks that reextract's summary accounts for every
// page it names: the kinds it lists add up to its total (the pages kept
// but still no articles, home and list pages, were left out of them).
func checkReextractSum(t *testing.T, out string) {
	t.Helper()
	var total, changed, unchanged, gone, newly, still, failed int
	if _, err := fmt.Sscanf(out, "reextracted %d pages: %d changed, %d unchanged, %d no longer articles, %d newly archived, %d still not articles, %d failed",
		&total, &changed, &unchanged, &gone, &newly, &still, &failed); err != nil {
		t.Fatalf("reextract summary %q: %v", out, err)
	}
	if sum := changed + unchanged + gone + newly + still + failed; sum != total || still == 0 {
		t.Errorf("reextract summary %q: its kinds add up to %d of %d pages (want all, the site's home and lists among them)", out, sum, total)
	}
}

// TestExtractCmd: `extract` prints the record of a saved page, decoding a
// GBK page whose charset is only in its <meta>.
func TestExtractCmd(t *testing.T) {
	site, base := MustStartSite(t, testsite.Options{Articles: 8})
	for i := 0; i < 4; i++ {
		pageURL := site.ArticleURL(base, i)
		resp, err := http.Get(pageURL)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		file := filepath.Join(t.TempDir(), "page.html")
		if err := os.WriteFile(file, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		out, e, code := runCLI(t, "extract", "--url", pageURL, "--fetched-at", "2024-01-15T12:00:00+08:00", file)
		if code != 0 {
			t.Fatalf("extract %s: exit %d: %s", pageURL, code, e)
		}
		var rec extract.Record
		if err := json.Unmarshal([]byte(out), &rec); err != nil {
			t.Fatalf("extract output is not a record: %v\n%s", err, out)
		}
		want := site.TruthOf(base, i)
		if d := compareRecord(rec, want); len(d) > 0 {
			t.Errorf("%s (%s):\n  %s", pageURL, site.TemplateOf(i), strings.Join(d, "\n  "))
		}
	}
	if _, _, code := runCLI(t, "extract", filepath.Join(t.TempDir(), "missing.html")); code != exitError {
		t.Errorf("extract of a missing file: exit %d, want %d", code, exitError)
	}
}
