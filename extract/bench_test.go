package extract_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/PuerkitoBio/goquery"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/testsite"
	"golang.org/x/net/html"
)

// benchPage is one page of a benchmark set: its bytes and decoded text.
type benchPage struct {
	url  *url.URL
	raw  []byte
	text []byte
}

func benchSet(b *testing.B, set string) []benchPage {
	b.Helper()
	var files []string
	switch set {
	case "devset":
		files, _ = filepath.Glob(filepath.Join(datasetsDir(b), "zh-extraction-dev", "pages", "*.html"))
		if len(files) == 0 {
			b.Fatal("zh-extraction-dev: no pages")
		}
	case "testdata":
		a, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
		c, _ := filepath.Glob(filepath.Join("testdata", "testsite", "*.html"))
		files = append(a, c...)
	case "testsite":
		// The pages a crawl of the test site extracts: its 40 articles and
		// its home, list and search pages, rendered in process.
		s := testsite.New(testsite.Options{Articles: 40})
		paths := []string{"/", "/list/", "/wenda/", "/list/daikuan/", "/search/?q=%E8%B4%B7%E6%AC%BE", "/calendar/?month=2023-11"}
		for i := 0; i < s.Articles(); i++ {
			u, _ := url.Parse(s.ArticleURL(siteBase, i))
			paths = append(paths, u.RequestURI())
		}
		var out []benchPage
		for _, p := range paths {
			rr := httptest.NewRecorder()
			s.Handler().ServeHTTP(rr, httptest.NewRequest(http.MethodGet, siteBase+p, nil))
			raw := rr.Body.Bytes()
			text, _, _ := extract.Decode(raw, rr.Header().Get("Content-Type"))
			out = append(out, benchPage{url: mustURL(b, siteBase+p), raw: raw, text: text})
		}
		return out
	}
	var out []benchPage
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		text, _, _ := extract.Decode(raw, "")
		out = append(out, benchPage{url: mustURL(b, "http://bench.example/"+filepath.Base(f)), raw: raw, text: text})
	}
	return out
}

func perPage(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/page")
}

// BenchmarkExtract times Extract alone (the documents are parsed once).
func BenchmarkExtract(b *testing.B) {
	for _, set := range []string{"devset", "testdata", "testsite"} {
		b.Run(set, func(b *testing.B) {
			pages := benchSet(b, set)
			docs := make([]*goquery.Document, len(pages))
			for i, p := range pages {
				d, err := goquery.NewDocumentFromReader(bytes.NewReader(p.text))
				if err != nil {
					b.Fatal(err)
				}
				docs[i] = d
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for k, d := range docs {
					extract.Extract(d, pages[k].url, extract.Options{FetchedAt: fetched})
				}
			}
			perPage(b, len(docs))
		})
	}
}

// BenchmarkExtractBytes times decoding, parsing and extraction.
func BenchmarkExtractBytes(b *testing.B) {
	for _, set := range []string{"devset", "testdata"} {
		b.Run(set, func(b *testing.B) {
			pages := benchSet(b, set)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, p := range pages {
					if _, err := extract.ExtractBytes(p.raw, "", p.url.String(), extract.Options{FetchedAt: fetched}); err != nil {
						b.Fatal(err)
					}
				}
			}
			perPage(b, len(pages))
		})
	}
}

// BenchmarkReference times go-readability on the same pages: parse
// excluded (ParseAndMutate on a fresh parse, text rendered) and included.
func BenchmarkReference(b *testing.B) {
	for _, set := range []string{"devset", "testdata"} {
		b.Run(set+"/parse-excluded", func(b *testing.B) {
			pages := benchSet(b, set)
			ps := readability.NewParser()
			docs := make([]*html.Node, len(pages))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for k, p := range pages {
					docs[k], _ = html.Parse(bytes.NewReader(p.text))
				}
				b.StartTimer()
				for k, d := range docs {
					art, err := ps.ParseAndMutate(d, pages[k].url)
					if err == nil {
						_ = art.RenderText(io.Discard)
					}
				}
			}
			perPage(b, len(pages))
		})
		b.Run(set+"/parse-included", func(b *testing.B) {
			pages := benchSet(b, set)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, p := range pages {
					text, _, _ := extract.Decode(p.raw, "")
					art, err := readability.FromReader(bytes.NewReader(text), p.url)
					if err == nil {
						_ = art.RenderText(io.Discard)
					}
				}
			}
			perPage(b, len(pages))
		})
	}
}
