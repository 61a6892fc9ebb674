package extract_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/finarchive/finarchive/extract"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText is the text of an HTML fragment (no attributes), with its white
// space removed.
func htmlText(tb testing.TB, s string) string {
	tb.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		tb.Fatalf("parse body_html: %v", err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return bareText(b.String())
}

func bareText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return r
	}, s)
}

// checkBodyHTML asserts what body_html promises: the text of body, no
// more and no less, in the subset the allow-list passes unchanged.
func checkBodyHTML(t *testing.T, name string, rec *extract.Record) {
	t.Helper()
	if rec.Body == "" {
		if rec.BodyHTML != "" {
			t.Errorf("%s: body_html %q for an empty body", name, rec.BodyHTML)
		}
		return
	}
	got, want := htmlText(t, rec.BodyHTML), bareText(rec.Body)
	if got != want {
		gr, wr := []rune(got), []rune(want)
		i := 0
		for i < len(gr) && i < len(wr) && gr[i] == wr[i] {
			i++
		}
		t.Errorf("%s: body_html's text differs from body at rune %d (%d vs %d runes):\n html: …%s…\n body: …%s…",
			name, i, len(gr), len(wr), string(gr[max(0, i-20):min(len(gr), i+40)]), string(wr[max(0, i-20):min(len(wr), i+40)]))
	}
	if s := extract.BodyPolicy().Sanitize(rec.BodyHTML); s != rec.BodyHTML {
		t.Errorf("%s: body_html is not what its allow-list passes:\n got: %s\nsane: %s", name, rec.BodyHTML, s)
	}
}

// TestBodyHTML_SameText checks body_html against body on every fixture:
// the same text (the same lines kept), within the allow-list.
func TestBodyHTML_SameText(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	more, _ := filepath.Glob(filepath.Join("testdata", "testsite", "*.html"))
	for _, p := range append(files, more...) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := extract.ExtractBytes(raw, "", "https://www.fixture.example/a/"+filepath.Base(p), extract.Options{FetchedAt: fetched})
		if err != nil {
			t.Fatal(err)
		}
		checkBodyHTML(t, p, rec)
	}
}

// TestBodyHTML_DevSets checks the same on every page of the dev sets
// (real pages of many templates), where they are present.
func TestBodyHTML_DevSets(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: -short")
	}
	dir := datasetsDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "pages", "*.html"))
	gz, _ := filepath.Glob(filepath.Join(dir, "*", "pages", "*.html.gz"))
	files = append(files, gz...)
	if len(files) == 0 {
		t.Skip("SKIP: no dev-set pages")
	}
	if raceOn {
		// Every eighth page under the race detector.
		var sample []string
		for i := 0; i < len(files); i += 8 {
			sample = append(sample, files[i])
		}
		files = sample
	}
	bad, bodyBytes, htmlBytes, tables, lists, images := 0, 0, 0, 0, 0, 0
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err == nil && strings.HasSuffix(p, ".gz") {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(raw)); err == nil {
				raw, err = io.ReadAll(zr)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		rec, err := extract.ExtractBytes(raw, "", "https://dev.example/"+filepath.Base(p), extract.Options{FetchedAt: fetched})
		if err != nil {
			continue
		}
		bodyBytes += len(rec.Body)
		htmlBytes += len(rec.BodyHTML)
		tables += strings.Count(rec.BodyHTML, "<table>")
		lists += strings.Count(rec.BodyHTML, "<ul>") + strings.Count(rec.BodyHTML, "<ol")
		images += strings.Count(rec.BodyHTML, "<img ")
		if !t.Run(filepath.Base(filepath.Dir(filepath.Dir(p)))+"/"+filepath.Base(p), func(t *testing.T) { checkBodyHTML(t, p, rec) }) {
			bad++
		}
	}
	t.Logf("%d pages, %d with body_html differing from body; body_html %.2f× the bytes of body, %d tables, %d lists, %d images",
		len(files), bad, float64(htmlBytes)/float64(max(bodyBytes, 1)), tables, lists, images)
}
