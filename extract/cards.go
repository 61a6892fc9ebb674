package extract

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// notCardLabels name sidebar lists that are not related articles.
var notCardLabels = []string{"热门", "排行", "热点", "最新", "24小时", "点击榜", "热榜", "最热", "友情链接", "合作伙伴", "专题", "导航", "栏目", "频道", "热搜", "评论",
	"存档", "归档", "分类", "标签", "链接", "广告", "推广"}

// blockLabel returns the label just before link list i: the last short line
// before its first line.
func (x *extractor) blockLabel(i int32) string {
	a := x.a
	e := &a.elems[i]
	for k, l := range a.lines {
		if l.elem >= i && l.elem < e.end {
			// The first line inside the list may be the label itself
			// (a heading that is not an item).
			if l.inh&fLinkItem == 0 && l.runes <= 16 {
				return l.text
			}
			if k > 0 {
				p := a.lines[k-1]
				if p.runes <= 16 {
					return p.text
				}
			}
			return ""
		}
	}
	return ""
}

func isRelatedLabel(s string) bool {
	return containsAny(s, relatedLabels...) || containsAny(s, "相关", "还在看", "推荐", "喜欢", "延伸", "还看了")
}

func isNotCardLabel(s string) bool {
	if containsAny(s, "相关", "还在看", "猜你") {
		return false
	}
	return containsAny(s, notCardLabels...)
}

// cards finds the related-article blocks and reads their items.
func (x *extractor) cards() {
	a := x.a
	bestEnd := int32(0)
	if a.best >= 0 {
		bestEnd = a.reg.hi
	}
	seen := map[string]bool{}
	if x.rec.URL != "" {
		seen[x.rec.URL] = true
	}
	var taken []int32
	unlabelled := 0
	for i := range a.elems {
		idx := int32(i)
		e := &a.elems[i]
		if e.own&fLinkList == 0 || e.inh&fLinkItem != 0 {
			continue
		}
		inside := false
		for _, t := range taken {
			if idx >= t && idx < a.elems[t].end {
				inside = true
				break
			}
		}
		if inside || e.inh&fComment != 0 {
			continue
		}
		label := collapse(x.blockLabel(idx))
		related := e.inh&fRelated != 0 || isRelatedLabel(label)
		if isNotCardLabel(label) || (!related && e.inh&fHot != 0) {
			continue
		}
		if !related {
			// An unlabelled block counts only after the article, outside the
			// page's navigation and sidebars.
			if a.best < 0 || idx < bestEnd || e.inh&(fNavLike|fBad) != 0 || unlabelled >= 1 {
				continue
			}
		} else if e.inh&fNavLike != 0 && e.inh&fRelated == 0 && !isRelatedLabel(label) {
			continue
		}
		cs := x.readCards(idx, seen)
		if len(cs) < 2 {
			continue
		}
		if !related {
			// Titles of real articles on this site, not a menu of channel
			// names, an archive by month or off-site ads.
			if len(cs) < 3 || !x.articleLike(cs) {
				continue
			}
			unlabelled++
		}
		for _, c := range cs {
			seen[c.URL] = true
		}
		x.rec.Cards = append(x.rec.Cards, cs...)
		taken = append(taken, idx)
	}
}

// formatTags only style their text: a card's snippet goes on through them.
var formatTags = map[atom.Atom]bool{atom.Em: true, atom.Strong: true, atom.B: true, atom.I: true, atom.U: true,
	atom.Font: true, atom.Mark: true, atom.Small: true, atom.Sub: true, atom.Sup: true, atom.Code: true}

// articleLike reports whether the cards of an unlabelled block look like
// articles of the page's site: titles of some length, not dates, links on
// the same site that are not channel indexes.
func (x *extractor) articleLike(cs []Card) bool {
	site := siteKey(x.page.Hostname())
	total, same, index := 0, 0, 0
	for _, c := range cs {
		total += runeLen(c.Title)
		if len(findDates(c.Title, 1)) > 0 || reEngMonthYear.MatchString(c.Title) {
			return false
		}
		u, err := url.Parse(c.URL)
		if err != nil {
			continue
		}
		if site == "" || siteKey(u.Hostname()) == site {
			same++
		}
		p := strings.ToLower(u.Path)
		if p == "" || strings.HasSuffix(p, "/") || strings.Contains(p, "/index.") || strings.Contains(p, "/list") {
			index++
		}
	}
	n := len(cs)
	return total >= 8*n && same*2 > n && index*2 < n
}

// reEngMonthYear matches archive links such as "April 2006".
var reEngMonthYear = regexp.MustCompile(`(?i)^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}$`)

// siteKey is the registrable part of a host, roughly: its last two labels,
// or three under a two-letter second level (news.sina.com.cn → sina.com.cn).
func siteKey(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	parts := strings.Split(host, ".")
	if len(parts) <= 2 {
		return host
	}
	k := 2
	if sl := parts[len(parts)-2]; len(sl) <= 3 && (sl == "com" || sl == "net" || sl == "org" || sl == "gov" || sl == "edu" || sl == "co" || sl == "ac") {
		k = 3
	}
	return strings.Join(parts[len(parts)-k:], ".")
}

// segment is a run of text under one element of a card.
type segment struct {
	text  string
	n     *html.Node // parent element
	link  *html.Node // enclosing <a>, if any
	title bool       // inside a heading or a title-named element
}

func cardSegments(n *html.Node) []segment {
	var out []segment
	var walk func(n *html.Node, link *html.Node, title bool)
	walk = func(n *html.Node, link *html.Node, title bool) {
		key := n
		for key.Parent != nil && formatTags[key.DataAtom] {
			key = key.Parent
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				t := collapse(c.Data)
				if t == "" {
					continue
				}
				if k := len(out) - 1; k >= 0 && out[k].n == key && out[k].link == link {
					out[k].text += t
					continue
				}
				out = append(out, segment{text: t, n: key, link: link, title: title})
			case html.ElementNode:
				if skipElem(c) || c.DataAtom == atom.Br {
					continue
				}
				l := link
				if c.DataAtom == atom.A && hasAttr(c, "href") {
					l = c
				}
				t := title
				switch c.DataAtom {
				case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
					t = true
				default:
					if cl := strings.ToLower(attr(c, "class")); strings.Contains(cl, "title") {
						t = true
					}
				}
				walk(c, l, t)
			}
		}
	}
	walk(n, nil, false)
	return out
}

var pagerWords = []string{"上一页", "下一页", "首页", "尾页", "末页", "上一篇", "下一篇", "更多", "更多>>", "查看更多", "more", "More"}

// readCards reads the items of link list i.
func (x *extractor) readCards(i int32, seen map[string]bool) []Card {
	a := x.a
	var out []Card
	e := &a.elems[i]
	for c := e.child; c >= 0; c = a.elems[c].next {
		ce := &a.elems[c]
		if ce.own&fLinkItem == 0 {
			continue
		}
		card, ok := x.readCard(ce.n)
		if !ok || seen[card.URL] {
			continue
		}
		seen[card.URL] = true
		out = append(out, card)
	}
	return out
}

func (x *extractor) readCard(n *html.Node) (Card, bool) {
	segs := cardSegments(n)
	// Title: a heading's text, else the longest link text.
	ti := -1
	for k, s := range segs {
		if s.title && s.link != nil || s.title && ti < 0 {
			if ti < 0 || runeLen(s.text) > runeLen(segs[ti].text) {
				ti = k
			}
		}
	}
	if ti < 0 {
		for k, s := range segs {
			if s.link != nil && (ti < 0 || runeLen(s.text) > runeLen(segs[ti].text)) {
				ti = k
			}
		}
	}
	if ti < 0 {
		return Card{}, false
	}
	title := segs[ti].text
	for _, p := range pagerWords {
		if strings.HasPrefix(title, p) {
			return Card{}, false
		}
	}
	if strings.Trim(title, "0123456789 .[]") == "" {
		return Card{}, false
	}
	link := segs[ti].link
	if link == nil {
		// The title is not a link: take the item's first link.
		for _, s := range segs {
			if s.link != nil {
				link = s.link
				break
			}
		}
		if link == nil && n.DataAtom == atom.A {
			link = n
		}
		if link == nil {
			for p := n; p != nil && link == nil; p = p.FirstChild {
				if p.DataAtom == atom.A {
					link = p
				}
			}
		}
	}
	if link == nil {
		return Card{}, false
	}
	u := x.resolve(attr(link, "href"))
	if u == "" {
		return Card{}, false
	}
	card := Card{Title: title, URL: u}
	for k, s := range segs {
		if k == ti || s.text == title {
			continue
		}
		n := runeLen(s.text)
		if card.Date == "" && n <= 30 {
			if h, ok := firstDate(s.text, x.opt.FetchedAt, true); ok && runeLen(h.raw)*2 >= n-4 {
				card.Date = strings.Trim(s.text, " ()（）[]【】")
				if v, ok := stripLabel(card.Date, "发布时间", "时间", "日期", "发布于", "发表于"); ok {
					card.Date = v
				}
				continue
			}
		}
		if n >= 12 && n > runeLen(card.Snippet) && s.link == nil || n >= 12 && s.link != nil && s.link == link && n > runeLen(card.Snippet) {
			card.Snippet = s.text
			continue
		}
		// (The dot or bar that sets it apart from the next field goes:
		// 上海热线要闻 ⋅.)
		cat := strings.Trim(s.text, " ⋅·•|｜/-—:：")
		if n = runeLen(cat); card.Category == "" && n >= 1 && n <= 8 && !hasDigit(cat) && !isBoilerLine(cat, int32(n)) &&
			(s.link == nil || s.link != link) {
			card.Category = cat
		}
	}
	return card, true
}

// resolve makes href absolute against the page (or <base>); it returns ""
// for javascript: and fragment-only links.
func (x *extractor) resolve(href string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") {
		return ""
	}
	low := strings.ToLower(href)
	if strings.HasPrefix(low, "javascript:") || strings.HasPrefix(low, "mailto:") || strings.HasPrefix(low, "tel:") {
		return ""
	}
	// Fast paths, for the common clean links: an absolute http(s) URL, or
	// a path from the root, of plain characters with no dot segments. They
	// give what url.Parse, ResolveReference and String would.
	if plainURLChars(href) {
		if (strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")) && strings.Count(href, "/") >= 3 {
			return href
		}
		if href[0] == '/' && (len(href) == 1 || href[1] != '/') && x.base.User == nil && x.base.Host != "" &&
			(x.base.Scheme == "http" || x.base.Scheme == "https") {
			return x.base.Scheme + "://" + x.base.Host + href
		}
	}
	ref, err := url.Parse(href)
	if err != nil {
		return ""
	}
	u := x.base.ResolveReference(ref)
	u.Fragment = ""
	return u.String()
}

// plainURLChars reports whether s holds only characters a URL keeps as
// they are, and no dot segment or fragment: resolving it changes nothing
// but its base.
func plainURLChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '_' || c == '~' || c == '/' || c == ':' || c == '?' || c == '=' || c == '&' || c == ',' || c == '+':
		case c == '.':
			if i > 0 && s[i-1] == '/' { // "/." starts a dot segment (or a hidden file: take the slow path)
				return false
			}
		default:
			return false
		}
	}
	return true
}
