package extract

import (
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// flags describe an element of the analysed tree.
type flags uint32

const (
	fBlock     flags = 1 << iota // a block-level element: starts a new line
	fHasBlock                    // has a block-level descendant (or <br>)
	fBadStrong                   // comments, footer, related, share, breadcrumb...
	fBadWeak                     // nav, side, ad, hot, tags... (unless it looks like content)
	fComment                     // a comment area
	fRelated                     // class/id says related/recommend
	fLinkList                    // repeated children led by links: a link list or cards
	fLinkItem                    // one item of a link list
	fLink                        // an <a href>
	fHeading                     // h1..h6
	fTitleish                    // class/id says title
	fCrumb                       // class/id says breadcrumb/position
	fHot                         // class/id says hot/rank/top list
	fNavLike                     // nav/menu/header/footer/side: never cards
	fCaption                     // a figure caption or photo credit: not body text, no weight
	fDateish                     // class/id says date/time/byline/meta (see dateWords)

	fBad = fBadStrong | fBadWeak | fComment
)

// elem is one element of the analysed tree, in pre-order.
type elem struct {
	n        *html.Node
	parent   int32
	end      int32 // one past the index of the last descendant
	child    int32 // first element child, -1 if none
	last     int32 // last element child, -1 if none
	next     int32 // next element sibling, -1 if none
	tag      atom.Atom
	own      flags // the element's own flags
	inh      flags // own | the ancestors' flags (set after analysis)
	first    int8  // first text of the subtree: 1 inside a link, 2 outside, 0 none
	text     int32 // non-space runes in the subtree
	link     int32 // of which inside <a>
	punct    int32 // punctuation outside links
	h1       int32 // <h1> elements in the subtree
	ownW     float64
	weight   float64
	hasLinks int32 // <a href> in the subtree
	inLink   bool  // the element is or is inside an <a>
	runW     float64
	runS     int32 // best run of children: first and last item ord (see kadane)
	runT     int32
}

// region is the main text: an element, or a run of an element's children
// (pages that put paragraphs straight into a layout cell beside link lists).
type region struct {
	root     int32 // the element, or the parent of the run
	lo, hi   int32 // element index range of the region
	slo, shi int32 // for a run: the ord range of the root's own text
	run      bool
}

// linkWeight is what a rune of link text costs a candidate body node.
const linkWeight = 1.5

// analysis is everything one pass over a document learns about it.
type analysis struct {
	root      *html.Node
	elems     []elem
	lines     []line
	best      int32 // root of the main text region, -1 if none
	reg       region
	meta      map[string]string
	ldjson    []string
	title     string   // <title>
	heads     []int32  // h1..h3 and title-like elements, in order
	times     []int32  // <time> elements
	dateEls   []int32  // elements whose class, id or attributes say date (see isDateMark)
	scripts   []string // inline script text (for JS-set dates)
	total     int32    // non-space runes of the document
	nH1       int
	sigs      map[sigKey]int
	classes   map[[2]string]flags // classifyName results by class and id
	ld        []map[string]any
	ldDone    bool
	baseHref  string
	canonical string // <link rel=canonical href>
}

// isSkipTag reports elements that never hold visible text.
func isSkipTag(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Math, atom.Head, atom.Select,
		atom.Textarea, atom.Iframe, atom.Object, atom.Embed, atom.Button, atom.Input, atom.Canvas, atom.Video,
		atom.Audio, atom.Map, atom.Title:
		return true
	}
	return false
}

// isBlockTag reports elements that start a new line.
func isBlockTag(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Dd, atom.Details, atom.Dialog,
		atom.Dir, atom.Div, atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hgroup, atom.Hr, atom.Li, atom.Main,
		atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Pre, atom.Section, atom.Summary, atom.Table, atom.Tbody,
		atom.Thead, atom.Tfoot, atom.Tr, atom.Ul, atom.Caption, atom.Body, atom.Html, atom.Frameset, atom.Legend:
		return true
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// skipElem reports whether n and its subtree are never text: scripts,
// styles, form controls and hidden elements.
func skipElem(n *html.Node) bool {
	if isSkipTag(n.DataAtom) {
		return true
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "style":
			if hiddenStyle(a.Val) {
				return true
			}
		case "aria-hidden":
			if a.Val == "true" && n.DataAtom != atom.Div && n.DataAtom != atom.Section {
				return true
			}
		}
	}
	return false
}

// hiddenStyle reports an inline style with display:none or
// visibility:hidden, in any case and spacing, without allocating.
func hiddenStyle(v string) bool {
	for _, prop := range [...]struct{ name, val string }{{"display", "none"}, {"visibility", "hidden"}} {
		i := indexFoldString(v, prop.name)
		if i < 0 {
			continue
		}
		rest := strings.TrimLeft(v[i+len(prop.name):], " \t")
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t")
		if len(rest) >= len(prop.val) && strings.EqualFold(rest[:len(prop.val)], prop.val) {
			return true
		}
	}
	return false
}

// Class and id words. Strong patterns mark boilerplate whatever else the
// name says; weak ones only when the name does not also look like content.
var (
	strongBad = []string{"comment", "pinglun", "copyright", "footer", "sidebar", "breadcrumb", "crumb",
		"pagination", "pager", "bdshare", "jiathis", "sharebar", "share-", "-share", "share_", "_share",
		"social", "advert", "guanggao", "toolbar", "disqus", "reply-list", "replylist", "dibu", "daohang"}
	relatedWords = []string{"related", "relate", "recommend", "tuijian", "xgyd", "xgwz", "xgtj", "guess",
		"youlike", "you-like", "readmore", "read-more", "more-news", "morenews", "xiangguan"}
	weakBadWords = map[string]bool{"nav": true, "navbar": true, "menu": true, "side": true, "aside": true,
		"foot": true, "ad": true, "ads": true, "gg": true, "banner": true, "login": true, "share": true,
		"tags": true, "tag": true, "top": true, "topbar": true, "header": true, "head": true, "hot": true,
		"rank": true, "ranking": true, "right": false, "widget": true, "links": true, "friend": true,
		"follow": true, "subscribe": true, "qrcode": true, "ewm": true, "zan": true, "like": true,
		"print": true, "fav": true, "collect": true}
	goodWords = []string{"article", "content", "main", "post", "text", "detail", "entry", "story",
		"zhengwen", "neirong", "wenzhang", "body", "news_txt", "newstext", "art_con", "artibody"}
	hotWords   = []string{"hot", "rank", "top10", "paihang", "remen", "popular", "most"}
	navWords   = []string{"nav", "menu", "header", "footer", "foot", "side", "daohang", "dibu", "topbar"}
	crumbWords = []string{"crumb", "position", "location", "weizhi", "dqwz", "path", "bread", "curpos"}
)

// classify derives flags from an element's tag, role, class and id.
func classify(n *html.Node, cache map[[2]string]flags) flags {
	var f flags
	switch n.DataAtom {
	case atom.Nav:
		f |= fBadWeak | fNavLike
	case atom.Footer:
		f |= fBadStrong | fNavLike
	case atom.Aside:
		f |= fBadWeak | fNavLike
	case atom.A:
		if hasAttr(n, "href") {
			f |= fLink
		}
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		f |= fHeading
	case atom.Figcaption:
		f |= fCaption
	}
	switch attr(n, "role") {
	case "navigation", "menubar", "menu":
		f |= fBadWeak | fNavLike
	case "dialog", "alertdialog":
		f |= fBadStrong // a modal: cookie settings, sign-up, push prompt
	case "contentinfo", "complementary":
		f |= fBadWeak | fNavLike
	}
	cl, id := attr(n, "class"), attr(n, "id")
	if cl == "" && id == "" {
		return f
	}
	key := [2]string{cl, id}
	nf, ok := cache[key]
	if !ok {
		name := cl
		if id != "" {
			name = cl + " " + id
		}
		nf = classifyName(strings.ToLower(name))
		cache[key] = nf
	}
	return f | nf
}

// Word sets of class and id names, as bits: nameMatches finds which sets
// have a word in a name in one pass over it.
const (
	wGood uint16 = 1 << iota
	wComment
	wRelated
	wStrongBad
	wCrumb
	wTitle
	wNav
	wHot
	wCaption
	wDate
)

// nameSets maps every word of the sets to the sets it belongs to.
var nameSets = func() map[string]uint16 {
	sets := map[string]uint16{}
	add := func(set uint16, words ...string) {
		for _, w := range words {
			sets[w] |= set
		}
	}
	add(wGood, goodWords...)
	add(wComment, "comment", "pinglun", "reply-list", "replylist", "disqus")
	add(wRelated, relatedWords...)
	add(wStrongBad, strongBad...)
	add(wStrongBad, boxWords...)
	add(wCaption, captionWords...)
	add(wCrumb, crumbWords...)
	add(wTitle, "title", "biaoti", "headline")
	add(wNav, navWords...)
	add(wHot, hotWords...)
	add(wDate, dateWords...)
	return sets
}()

// nameAutomaton is an Aho-Corasick automaton over the words of nameSets:
// one table step per byte of a name finds every word the name contains.
type nameAutomaton struct {
	class  [256]uint8 // byte -> column; 0 for bytes in no word
	cols   int
	next   []uint16 // state*cols + column -> state
	output []uint16 // state -> sets of the words ending there
}

var nameDFA = buildNameAutomaton(nameSets)

func buildNameAutomaton(sets map[string]uint16) *nameAutomaton {
	a := &nameAutomaton{cols: 1}
	for w := range sets {
		for i := 0; i < len(w); i++ {
			if a.class[w[i]] == 0 {
				a.class[w[i]] = uint8(a.cols)
				a.cols++
			}
		}
	}
	// The trie: goto[state][column], 0 = none (the root is never a target).
	var trie [][]uint16
	newState := func() uint16 {
		trie = append(trie, make([]uint16, a.cols))
		a.output = append(a.output, 0)
		return uint16(len(trie) - 1)
	}
	newState()
	for w, set := range sets {
		s := uint16(0)
		for i := 0; i < len(w); i++ {
			c := a.class[w[i]]
			if trie[s][c] == 0 {
				t := newState()
				trie[s][c] = t
			}
			s = trie[s][c]
		}
		a.output[s] |= set
	}
	// Breadth first: failure links fill the missing transitions, and each
	// state's output takes in its failure state's.
	a.next = make([]uint16, len(trie)*a.cols)
	fail := make([]uint16, len(trie))
	var queue []uint16
	for c := 1; c < a.cols; c++ {
		if t := trie[0][c]; t != 0 {
			a.next[c] = t
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		a.output[s] |= a.output[fail[s]]
		for c := 0; c < a.cols; c++ {
			f := a.next[int(fail[s])*a.cols+c]
			if t := trie[s][c]; t != 0 && c != 0 {
				fail[t] = f
				a.next[int(s)*a.cols+c] = t
				queue = append(queue, t)
			} else {
				a.next[int(s)*a.cols+c] = f
			}
		}
	}
	return a
}

// nameMatches returns the sets with a word contained in name.
func nameMatches(name string) (m uint16) {
	a := nameDFA
	s := 0
	for i := 0; i < len(name); i++ {
		s = int(a.next[s*a.cols+int(a.class[name[i]])])
		m |= a.output[s]
	}
	return m
}

// classifyName derives flags from a lower-cased "class id" string.
func classifyName(name string) flags {
	var f flags
	m := nameMatches(name)
	if m&wComment != 0 {
		f |= fComment | fBadStrong
	}
	if m&wRelated != 0 {
		f |= fRelated | fBadStrong
	}
	if m&wStrongBad != 0 {
		f |= fBadStrong
	}
	if m&wCrumb != 0 {
		f |= fCrumb
	}
	if m&wTitle != 0 {
		f |= fTitleish
	}
	if m&wNav != 0 {
		f |= fNavLike
	}
	if m&wHot != 0 {
		f |= fHot
	}
	if m&wCaption != 0 {
		f |= fCaption
	}
	if m&wDate != 0 {
		f |= fDateish
	}
	if m&wGood == 0 {
		// Whole words only: "ad" is weak evidence, "head" in "header" is
		// not "ad".
		for i := 0; i < len(name); {
			for i < len(name) && !isNameByte(name[i]) {
				i++
			}
			j := i
			for j < len(name) && isNameByte(name[j]) {
				j++
			}
			if j > i && weakBadWords[name[i:j]] {
				f |= fBadWeak
				break
			}
			i = j
		}
	}
	return f
}

func isNameByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// elemPool keeps element tables between extractions: a page's table is
// its largest allocation (about 16 KB).
var elemPool sync.Pool // *[]elem

// release returns the element table to elemPool; a must not be used after.
func (a *analysis) release() {
	if a == nil || cap(a.elems) == 0 || cap(a.elems) > 1<<16 {
		return
	}
	e := a.elems[:cap(a.elems)]
	clear(e) // drop the node pointers: the pool must not keep documents alive
	e = e[:0]
	a.elems = nil
	elemPool.Put(&e)
}

// analyse walks the document once to build the element table, scores the
// elements and renders the text lines.
func analyse(root *html.Node) *analysis {
	a := &analysis{root: root, best: -1, meta: map[string]string{}, sigs: map[sigKey]int{}, classes: map[[2]string]flags{}}
	n := countElems(root)
	if p, _ := elemPool.Get().(*[]elem); p != nil && cap(*p) >= n {
		a.elems = (*p)[:0]
	} else {
		a.elems = make([]elem, 0, n)
	}
	a.collectHead(root)
	a.walk(root, -1, false)
	a.score()
	a.render()
	return a
}

// countElems counts the element nodes under n, to size the table once.
func countElems(n *html.Node) int {
	k := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			k++
		}
		if c.FirstChild != nil {
			k += countElems(c)
		}
	}
	return k
}

// collectHead reads <title>, <meta>, JSON-LD and inline scripts anywhere in
// the document (pages put them in the body too).
func (a *analysis) collectHead(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Title:
			if a.title == "" {
				a.title = collapse(nodeText(c))
			}
			continue
		case atom.Meta:
			key := strings.ToLower(attr(c, "property"))
			if key == "" {
				key = strings.ToLower(attr(c, "name"))
			}
			if key == "" {
				key = strings.ToLower(attr(c, "itemprop"))
			}
			if key == "" {
				key = strings.ToLower(attr(c, "http-equiv"))
			}
			if key != "" {
				if _, ok := a.meta[key]; !ok {
					a.meta[key] = strings.TrimSpace(attr(c, "content"))
				}
			}
			continue
		case atom.Script:
			t := nodeText(c)
			typ := strings.ToLower(attr(c, "type"))
			if strings.Contains(typ, "ld+json") {
				a.ldjson = append(a.ldjson, t)
			} else if (typ == "" || strings.Contains(typ, "javascript")) && len(t) < 200<<10 && len(a.scripts) < 64 {
				a.scripts = append(a.scripts, t)
			}
			continue
		case atom.Link:
			if a.canonical == "" && strings.EqualFold(attr(c, "rel"), "canonical") {
				a.canonical = strings.TrimSpace(attr(c, "href"))
			}
			continue
		case atom.Base:
			if h := strings.TrimSpace(attr(c, "href")); h != "" && a.baseHref == "" {
				a.baseHref = h
			}
			continue
		case atom.Style, atom.Svg, atom.Template:
			continue
		}
		a.collectHead(c)
	}
}

// nodeText is the raw text of n's subtree.
func nodeText(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				if c.DataAtom == atom.Script || c.DataAtom == atom.Style {
					if n.DataAtom != atom.Script {
						continue
					}
				}
				f(c)
			}
		}
	}
	f(n)
	return b.String()
}

// walk builds the element table: pre-order, subtree counts, first-text and
// own text weight.
func (a *analysis) walk(n *html.Node, parent int32, inLink bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if parent < 0 {
				continue
			}
			r, p := countText(c.Data)
			if r == 0 {
				continue
			}
			e := &a.elems[parent]
			e.text += int32(r)
			if inLink {
				e.link += int32(r)
				e.ownW -= linkWeight * float64(r)
			} else {
				e.punct += int32(p)
				e.ownW += float64(r)
			}
			// Mark the first text of every ancestor that has none yet.
			v := int8(2)
			if inLink {
				v = 1
			}
			for i := parent; i >= 0 && a.elems[i].first == 0; i = a.elems[i].parent {
				a.elems[i].first = v
			}
		case html.ElementNode:
			if c.DataAtom == atom.Br {
				if parent >= 0 {
					a.elems[parent].own |= fHasBlock
				}
				continue
			}
			if skipElem(c) {
				continue
			}
			idx := int32(len(a.elems))
			a.elems = append(a.elems, elem{n: c, parent: parent, child: -1, last: -1, next: -1, tag: c.DataAtom, own: classify(c, a.classes)})
			e := &a.elems[idx]
			if isBlockTag(c.DataAtom) {
				e.own |= fBlock
			}
			if e.own&(fHeading|fTitleish) != 0 && len(a.heads) < 256 {
				a.heads = append(a.heads, idx)
			}
			if c.DataAtom == atom.H1 {
				e.h1 = 1
				a.nH1++
			}
			if c.DataAtom == atom.Time && len(a.times) < 64 {
				a.times = append(a.times, idx)
			}
			if len(a.dateEls) < 256 && (e.own&fDateish != 0 || isDateMark(c)) {
				a.dateEls = append(a.dateEls, idx)
			}
			link := inLink
			if e.own&fLink != 0 {
				e.hasLinks = 1
				link = true
			}
			e.inLink = link
			if parent >= 0 {
				// Link the child list (append at the end).
				p := &a.elems[parent]
				if p.child < 0 {
					p.child = idx
				} else {
					a.elems[p.last].next = idx
				}
				p.last = idx
			}
			a.walk(c, idx, link)
			e = &a.elems[idx]
			e.end = int32(len(a.elems))
			if parent >= 0 {
				p := &a.elems[parent]
				p.text += e.text
				p.link += e.link
				p.punct += e.punct
				p.h1 += e.h1
				p.hasLinks += e.hasLinks
				if e.own&(fBlock|fHasBlock) != 0 {
					p.own |= fHasBlock
				}
			}
		default:
			if c.Type == html.DocumentNode || c.Type == html.ElementNode {
				a.walk(c, parent, inLink)
			}
		}
	}
}
