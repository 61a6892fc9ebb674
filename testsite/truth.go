package testsite

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// truth builds the record a perfect extractor outputs for article a,
// rendered at version v, from the same data the renderer uses.
func (s *Site) truth(a *article, v int, base string) extract.Record {
	cat := categories[a.Cat]
	pub := a.Published
	rec := extract.Record{
		URL:       base + a.path(),
		Title:     a.Title,
		Body:      strings.Join(a.bodyLines(), "\n"),
		Published: &pub,
		Author:    a.Author,
		Category:  cat.Name,
		Keywords:  append([]string(nil), a.Keywords...),
		Site:      hostOf(base),
		PageType:  extract.PageArticle,
	}
	switch a.Template {
	case TemplateSeed:
		rec.PublishedRaw = pub.Format("2006-01-02 15:04")
		rec.Source = a.Source
		rec.Breadcrumb = []string{"首页", "资讯", cat.Name}
	case TemplateGBK:
		rec.PublishedRaw = pub.Format("2006年01月02日 15:04")
		rec.Breadcrumb = []string{"首页", cat.Name}
	case TemplateMeta:
		rec.PublishedRaw = pub.Format(time.RFC3339)
		rec.Breadcrumb = []string{"首页", cat.Name}
	case TemplateQA:
		d := time.Date(pub.Year(), pub.Month(), pub.Day(), 0, 0, 0, 0, cst)
		rec.Published = &d
		rec.PublishedRaw = pub.Format("2006/01/02")
		rec.Breadcrumb = []string{"首页", "问答", cat.Name}
	}
	rec.Cards = []extract.Card{}
	for _, t := range s.cardTargets(a.Index, v, cardSpec[a.Template]) {
		o := s.meta(t, v)
		c := extract.Card{Title: o.Title, URL: base + o.path(), Date: day(o.Published)}
		switch a.Template {
		case TemplateSeed:
			c.Snippet, c.Category = o.snippet(), "资讯"
		case TemplateGBK, TemplateMeta:
			c.Snippet, c.Category = o.snippet(), categories[o.Cat].Name
		}
		rec.Cards = append(rec.Cards, c)
	}
	rec.ContentHash = rec.Hash()
	return rec
}

// etag returns the article's validator: a weak ETag over its content and
// revision. Related cards are not part of it (they rotate with the version
// without changing the article).
func (s *Site) etag(a *article) string {
	h := sha256.New()
	h.Write([]byte(a.Title))
	for _, l := range a.bodyLines() {
		h.Write([]byte{0})
		h.Write([]byte(l))
	}
	h.Write([]byte{0, byte(a.Rev), byte(a.Rev >> 8), byte(a.Template)})
	return `W/"` + hex.EncodeToString(h.Sum(nil))[:20] + `"`
}

// lastModified is the article's Last-Modified time: its publish time, plus
// a day per edit.
func lastModified(a *article) time.Time {
	return a.Published.Add(time.Duration(a.Rev) * 24 * time.Hour)
}
