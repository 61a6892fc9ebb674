package extract_test

import (
	"bytes"
	"io"
	"net/url"
	"path/filepath"
	"testing"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/PuerkitoBio/goquery"
	"github.com/finarchive/finarchive/extract"
	"golang.org/x/net/html"
)

// BenchmarkExtractDevSets times Extract alone (each page parsed once, before
// the timer) on every page of each dev set, with the options the scorer
// uses: the number to profile for issue 10's speed target.
func BenchmarkExtractDevSets(b *testing.B) {
	dir := datasetsDir(b)
	profiles := extract.BuiltinProfiles()
	for _, s := range devSetSpecs {
		b.Run(s.name, func(b *testing.B) {
			cases, err := s.load(filepath.Join(dir, s.name+"-dev"))
			if err != nil {
				b.Fatal(err)
			}
			type page struct {
				doc *goquery.Document
				u   *url.URL
				opt extract.Options
			}
			var pages []page
			for _, c := range cases {
				raw, err := readPage(c.file)
				if err != nil {
					b.Fatal(err)
				}
				pageURL := c.pageURL()
				u, uerr := url.Parse(pageURL)
				doc, perr := extract.Parse(raw, "")
				if uerr != nil || perr != nil {
					continue
				}
				opt := extract.Options{FetchedAt: fetched, Profiles: profiles}
				if !c.fetchedAt.IsZero() {
					opt.FetchedAt = c.fetchedAt
				}
				pages = append(pages, page{doc, u, opt})
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, p := range pages {
					extract.Extract(p.doc, p.u, p.opt)
				}
			}
			perPage(b, len(pages))
		})
	}
}

// BenchmarkReferenceDevSets times go-readability on the same pages as the
// scorer does, parse excluded: ParseAndMutate on a fresh parse (made with
// the timer stopped), text rendered.
func BenchmarkReferenceDevSets(b *testing.B) {
	dir := datasetsDir(b)
	for _, s := range devSetSpecs {
		b.Run(s.name, func(b *testing.B) {
			cases, err := s.load(filepath.Join(dir, s.name+"-dev"))
			if err != nil {
				b.Fatal(err)
			}
			var texts [][]byte
			var urls []*url.URL
			for _, c := range cases {
				raw, err := readPage(c.file)
				if err != nil {
					b.Fatal(err)
				}
				pageURL := c.pageURL()
				u, uerr := url.Parse(pageURL)
				text, _, derr := extract.Decode(raw, "")
				if uerr != nil || derr != nil {
					continue
				}
				texts, urls = append(texts, text), append(urls, u)
			}
			ps := readability.NewParser()
			docs := make([]*html.Node, len(texts))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for k, t := range texts {
					docs[k], _ = html.Parse(bytes.NewReader(t))
				}
				b.StartTimer()
				for k, d := range docs {
					func() {
						defer func() { _ = recover() }()
						if art, err := ps.ParseAndMutate(d, urls[k]); err == nil {
							_ = art.RenderText(io.Discard)
						}
					}()
				}
			}
			perPage(b, len(texts))
		})
	}
}
