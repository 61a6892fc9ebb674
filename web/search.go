package web

import (
	"context"
	"html/template"
	"strings"
	"unicode"

	"github.com/finarchive/finarchive/store"
)

// maxSearchHits bounds how deep search results can be paged.
const maxSearchHits = 500

// search runs a full-text query and returns one page of hits (offset,
// limit) as list items with highlighted title and snippet, and the number
// of hits when known exactly: more is true when there are hits past the
// page, in which case total is only a lower bound.
func (s *Server) search(ctx context.Context, query, site string, offset, limit int) (items []itemView, total int, more bool, err error) {
	want := min(offset+limit+1, maxSearchHits)
	hits, err := s.db.Search(ctx, store.SearchOptions{Query: query, Site: site, Limit: want})
	if err != nil {
		return nil, 0, false, err
	}
	total, more = len(hits), len(hits) > offset+limit
	if more {
		total = offset + limit
	}
	if offset >= len(hits) {
		return nil, total, false, nil
	}
	hits = hits[offset:min(len(hits), offset+limit)]
	terms := queryTerms(query)
	for _, h := range hits {
		items = append(items, itemView{
			Href:        articleHref(h.URL),
			Title:       orUntitled(h.Title),
			TitleHTML:   s.markedHTML(markTerms(h.Title, terms)),
			SnippetHTML: s.markedHTML(h.Snippet),
			Site:        h.Site,
			Date:        fmtPublished(h.Published),
		})
	}
	return items, total, more, nil
}

// markedHTML turns a string with matches between store.MarkStart and
// store.MarkEnd into HTML: the text escaped, each match in <mark>, adjacent
// matches (ETC|卡) joined. The result also passes a sanitiser that allows
// <mark> alone, so even a bug here cannot let archived markup through.
func (s *Server) markedHTML(marked string) template.HTML {
	marked = strings.ReplaceAll(marked, store.MarkEnd+store.MarkStart, "")
	h := store.Highlight(template.HTMLEscapeString(marked), "<mark>", "</mark>")
	return template.HTML(s.marks.Sanitize(h))
}

// queryTerms splits a query the way the index does: runs of Han
// characters and runs of letters and digits, lower-cased.
func queryTerms(q string) [][]rune {
	var terms [][]rune
	var cur []rune
	curHan := false
	flush := func() {
		if len(cur) > 0 {
			terms = append(terms, cur)
			cur = nil
		}
	}
	for _, r := range strings.ToLower(q) {
		han := unicode.Is(unicode.Han, r)
		switch {
		case han || unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(cur) > 0 && han != curHan {
				flush()
			}
			curHan = han
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return terms
}

// markTerms wraps each case-insensitive occurrence of a term in text in
// store.MarkStart … store.MarkEnd, longest term first.
func markTerms(text string, terms [][]rune) string {
	if len(terms) == 0 {
		return text
	}
	src := []rune(text)
	low := []rune(strings.ToLower(text))
	if len(low) != len(src) { // a case mapping changed the length: no marks
		return text
	}
	var b strings.Builder
	for i := 0; i < len(src); {
		m := 0
		for _, t := range terms {
			if len(t) > m && i+len(t) <= len(low) && string(low[i:i+len(t)]) == string(t) {
				m = len(t)
			}
		}
		if m == 0 {
			b.WriteRune(src[i])
			i++
			continue
		}
		b.WriteString(store.MarkStart + string(src[i:i+m]) + store.MarkEnd)
		i += m
	}
	return b.String()
}
