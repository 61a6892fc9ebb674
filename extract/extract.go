// Package extract turns one fetched HTML page into a Record: title, main
// text, publish date, author, source, channel, breadcrumb, keywords and the
// related-article cards, plus the kind of page it is. It is pure: a document
// in, a record out, no I/O (LoadProfiles is the one function that reads a
// file). Extraction is generic, from text and link density over the tree;
// site profiles (data, not code) override it field by field.
//
// This file holds the entry points and the order of the steps (run); each
// step has its file: title.go, bodylines.go, pagedate.go, byline.go,
// crumbs.go and pagetype.go.
package extract

import (
	"fmt"
	"net/url"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// Options tune one extraction.
type Options struct {
	// FetchedAt is when the page was fetched: the record's fetch time and the
	// reference for relative dates (3天前, 昨天 14:05) and dates without a year.
	FetchedAt time.Time
	// Profiles are the site profiles to apply; nil means none.
	Profiles *Profiles
}

// ExtractBytes parses raw (see Parse) and extracts the record of pageURL.
func ExtractBytes(raw []byte, contentType, pageURL string, opt Options) (*Record, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("extract: page url %q: %w", pageURL, err)
	}
	doc, err := Parse(raw, contentType)
	if err != nil {
		return nil, fmt.Errorf("extract: %s: %w", pageURL, err)
	}
	return Extract(doc, u, opt), nil
}

// Extract reads the parsed document of pageURL and returns its record, with
// PageType set; a page that is not an article still gets what was found. It
// is deterministic and never panics: on an internal error it returns the
// fields found so far. doc is left as it was, but a profile with a drop list
// detaches the dropped nodes for the duration of the call, so a document
// must not be extracted by two goroutines at once with such a profile.
func Extract(doc *goquery.Document, pageURL *url.URL, opt Options) (rec *Record) {
	rec = &Record{FetchedAt: opt.FetchedAt, Breadcrumb: []string{}, Keywords: []string{}, Cards: []Card{}}
	if pageURL != nil {
		rec.URL = pageURL.String()
		rec.Site = pageURL.Host
	} else {
		pageURL = &url.URL{}
	}
	defer func() {
		if r := recover(); r != nil {
			if rec.PageType == "" {
				rec.PageType = PageError
			}
		}
		rec.ContentHash = rec.Hash()
	}()
	if doc == nil || len(doc.Nodes) == 0 {
		rec.PageType = PageBlocked
		return rec
	}
	var prof *Profile
	if opt.Profiles != nil {
		prof = opt.Profiles.For(pageURL.Hostname())
	}
	x := &extractor{opt: opt, base: pageURL, page: pageURL, rec: rec, prof: prof}
	root := doc.Nodes[0]
	var restore func()
	if prof != nil && len(prof.dropSel) > 0 {
		restore = hideNodes(root, prof.dropSel)
	}
	x.a = analyse(root)
	if restore != nil {
		restore()
	}
	if x.a.baseHref != "" {
		if b, err := pageURL.Parse(x.a.baseHref); err == nil {
			x.base = b
		}
	}
	x.run()
	if prof != nil {
		x.applyProfile(doc)
	}
	rec.BodyHTML = x.bodyHTML()
	x.pageType()
	if x.recoverBody() {
		rec.BodyHTML = x.bodyHTML()
	}
	x.a.release()
	return rec
}

// hideNodes takes the nodes matched by sels out of the tree until restore is
// called, so a profile's drop list never changes the caller's document.
func hideNodes(root *html.Node, sels []compiledSel) (restore func()) {
	type hidden struct{ n, parent, next *html.Node }
	var hs []hidden
	for _, s := range sels {
		for _, n := range s.sel.MatchAll(root) {
			if n.Parent == nil {
				continue
			}
			hs = append(hs, hidden{n, n.Parent, n.NextSibling})
			n.Parent.RemoveChild(n)
		}
	}
	return func() {
		for i := len(hs) - 1; i >= 0; i-- {
			h := hs[i]
			h.parent.InsertBefore(h.n, h.next)
		}
	}
}

// extractor holds one extraction's state.
type extractor struct {
	opt       Options
	page      *url.URL // the page's own URL
	base      *url.URL // the URL links resolve against (<base href> or page)
	rec       *Record
	prof      *Profile
	a         *analysis
	bodyStart int // line range of the main text node
	bodyEnd   int
	titleLine int // line of the title heading, -1 if none
	titleEnd  int // last line of a heading set over several lines (>= titleLine)
	titleElem int32
	date      dateHit
	hasDate   bool
	linkLists []int32
	bodyRegs  []region // the regions and lines rec.Body was made of (bodyLines), for bodyHTML
	kept      []int
	prose     int // runes of the body's sentence-like lines, up to 120 or so (see proseStats)
	stops     int // sentence ends in the body
}

func (x *extractor) run() {
	a := x.a
	if a.best >= 0 {
		a.reg = x.firstPost(a.reg)
	}
	x.titleLine, x.titleElem, x.titleEnd = -1, -1, -1
	x.bodyStart, x.bodyEnd = 0, 0
	if a.best >= 0 {
		first := true
		for i := range a.lines {
			if a.inRegion(a.reg, &a.lines[i]) {
				if first {
					x.bodyStart, first = i, false
				}
				x.bodyEnd = i + 1
			}
		}
	}
	x.rec.Title = x.title()
	x.rec.Body = x.body()
	x.findDate()
	x.authorSource()
	x.crumbsKeywords()
	x.cards()
}
