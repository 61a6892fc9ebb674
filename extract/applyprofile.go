package extract

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// selValues returns the text (or attribute) of every match of field's
// selector under root.
func (p *Profile) selValues(field string, root *html.Node) ([]*html.Node, []string) {
	cs, ok := p.sel[field]
	if !ok || root == nil {
		return nil, nil
	}
	nodes := cs.sel.MatchAll(root)
	vals := make([]string, 0, len(nodes))
	for _, n := range nodes {
		vals = append(vals, cs.value(n))
	}
	return nodes, vals
}

func (cs compiledSel) value(n *html.Node) string {
	if cs.attr != "" {
		return strings.TrimSpace(attr(n, cs.attr))
	}
	return collapse(nodeText(n))
}

func firstNonEmpty(vals []string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// elemIndex returns the analysis index of n, or -1 (skipped or dropped).
func (a *analysis) elemIndex(n *html.Node) int32 {
	for i := range a.elems {
		if a.elems[i].n == n {
			return int32(i)
		}
	}
	return -1
}

// applyProfile overrides the automatic fields with the profile's selectors.
func (x *extractor) applyProfile(doc *goquery.Document) {
	p, rec := x.prof, x.rec
	root := doc.Nodes[0]
	if _, v := p.selValues("title", root); firstNonEmpty(v) != "" {
		rec.Title = firstNonEmpty(v)
	}
	if nodes, _ := p.selValues("body", root); len(nodes) > 0 {
		var roots []region
		for _, n := range nodes {
			if i := x.a.elemIndex(n); i >= 0 {
				roots = append(roots, region{root: i, lo: i, hi: x.a.elems[i].end})
			}
		}
		if len(roots) > 0 {
			if lines, kept := x.bodyLines(roots); len(lines) > 0 {
				rec.Body = strings.Join(lines, "\n")
				x.bodyRegs, x.kept = roots, kept
			}
		}
	}
	if _, v := p.selValues("date", root); len(v) > 0 {
		for _, s := range v {
			if h, ok := parseLayout(s, p.DateLayout, x.opt.FetchedAt); ok {
				t := h.t
				rec.Published, rec.PublishedRaw = &t, h.raw
				break
			}
		}
	}
	if _, v := p.selValues("author", root); firstNonEmpty(v) != "" {
		rec.Author = stripLabelAny(firstNonEmpty(v), "作者", "编辑", "责任编辑")
	}
	if _, v := p.selValues("source", root); firstNonEmpty(v) != "" {
		rec.Source = stripLabelAny(firstNonEmpty(v), "来源")
	}
	_, catV := p.selValues("category", root)
	category := firstNonEmpty(catV)
	if category != "" {
		rec.Category = category
	}
	if _, v := p.selValues("breadcrumb", root); len(v) > 0 {
		if items := listValues(v, splitCrumb); len(items) > 0 {
			rec.Breadcrumb = items
			if category == "" {
				rec.Category = items[len(items)-1]
				if rec.Category == rec.Title && len(items) > 1 {
					rec.Category = items[len(items)-2]
				}
			}
		}
	}
	if _, v := p.selValues("keywords", root); len(v) > 0 {
		kw := listValues(v, func(s string) []string {
			s, _ = stripLabel(s, "相关搜索词", "标签", "关键词", "关键字", "Tags", "TAG")
			return splitKeywords(s, true)
		})
		if len(kw) > 0 {
			rec.Keywords = kw
		}
	}
	if p.Cards != nil {
		if cs := x.profileCards(root); len(cs) > 0 {
			rec.Cards = cs
		}
	}
	if p.PageType != "" {
		rec.PageType = p.PageType
	}
}

func stripLabelAny(s string, labels ...string) string {
	if v, ok := stripLabel(s, labels...); ok {
		return v
	}
	return s
}

// profileCards reads the cards with the profile's card selectors.
func (x *extractor) profileCards(root *html.Node) []Card {
	p := x.prof
	containers := []*html.Node{root}
	if cs, ok := p.sel["cards.container"]; ok {
		containers = cs.sel.MatchAll(root)
	}
	item := p.sel["cards.item"]
	seen := map[string]bool{}
	var out []Card
	for _, c := range containers {
		for _, it := range item.sel.MatchAll(c) {
			card, ok := x.readCard(it)
			if !ok {
				card = Card{}
			}
			if _, v := p.selValues("cards.title", it); firstNonEmpty(v) != "" {
				card.Title = firstNonEmpty(v)
			}
			if cs, ok := p.sel["cards.url"]; ok {
				if n := cs.sel.MatchFirst(it); n != nil {
					h := attr(n, "href")
					if cs.attr != "" {
						h = attr(n, cs.attr)
					}
					if u := x.resolve(h); u != "" {
						card.URL = u
					}
				}
			} else if cs, ok := p.sel["cards.title"]; ok {
				if n := cs.sel.MatchFirst(it); n != nil {
					for a := n; a != nil && a != it.Parent; a = a.Parent {
						if a.Data == "a" {
							if u := x.resolve(attr(a, "href")); u != "" {
								card.URL = u
							}
							break
						}
					}
				}
			}
			if _, v := p.selValues("cards.snippet", it); firstNonEmpty(v) != "" {
				card.Snippet = firstNonEmpty(v)
			}
			if _, v := p.selValues("cards.category", it); firstNonEmpty(v) != "" {
				card.Category = firstNonEmpty(v)
			}
			if _, v := p.selValues("cards.date", it); firstNonEmpty(v) != "" {
				card.Date = firstNonEmpty(v)
			}
			if card.URL == "" || card.Title == "" || seen[card.URL] {
				continue
			}
			seen[card.URL] = true
			out = append(out, card)
		}
	}
	return out
}

// listValues reads a list field a profile selected: one element's text is
// split by split; several elements are the items, empty ones left out.
func listValues(v []string, split func(string) []string) []string {
	if len(v) == 1 {
		return split(v[0])
	}
	var items []string
	for _, s := range v {
		if s != "" {
			items = append(items, s)
		}
	}
	return items
}
