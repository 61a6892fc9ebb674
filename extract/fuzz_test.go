package extract_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// FuzzExtract feeds malformed documents to the whole pipeline: it must not
// panic, must terminate and must give the same record twice.
func FuzzExtract(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	more, _ := filepath.Glob(filepath.Join("testdata", "testsite", "*.html"))
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, "text/html")
		}
	}
	f.Add([]byte("<html><body><p>发布时间：2023-11-23 14:05</p><div><a href=x>a</a><a href=y>b</a><a href=z>c</a>"), "")
	f.Add([]byte("<table><tr><td><table><tr><td>相关阅读<ul><li><a href='/1'>一</a><li><a href='/2'>二</a><li><a>三"), "text/html; charset=gbk")
	f.Add([]byte("\xef\xbb\xbf<meta charset=gb2312><title>_|-</title>\xff\xfe"), "")
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[{"@type":"Article","datePublished":"0000-00-00"}]}</script>`), "")
	fetched := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte, ct string) {
		opt := extract.Options{FetchedAt: fetched}
		r1, err := extract.ExtractBytes(raw, ct, "http://fuzz.example/a/1.html", opt)
		if err != nil {
			return
		}
		r2, _ := extract.ExtractBytes(raw, ct, "http://fuzz.example/a/1.html", opt)
		if r1.ContentHash != r2.ContentHash || len(r1.Cards) != len(r2.Cards) || r1.PageType != r2.PageType {
			t.Errorf("not deterministic: %+v vs %+v", r1, r2)
		}
		if r1.PageType == "" {
			t.Error("no page type")
		}
		// body_html: there with a body (a fault in its builder leaves it
		// empty), and within its allow-list.
		if r1.Body != "" && r1.BodyHTML == "" {
			t.Errorf("a body and no body_html: %q", r1.Body)
		}
		if s := extract.BodyPolicy().Sanitize(r1.BodyHTML); s != r1.BodyHTML {
			t.Errorf("body_html outside its allow-list:\n%s\nsanitised: %s", r1.BodyHTML, s)
		}
	})
}
