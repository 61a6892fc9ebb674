package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

type sigKey struct {
	tag   atom.Atom
	class string
}

// score finds the link lists, weighs every element (text outside links
// counts for it, link text and boilerplate against it) and picks the main
// text node: the element of greatest weight, which is the smallest subtree
// holding the most text that is not links or boilerplate.
func (a *analysis) score() {
	if len(a.elems) == 0 {
		return
	}
	var plain int32 // text outside links
	for i := range a.elems {
		if a.elems[i].parent < 0 {
			a.total += a.elems[i].text
			plain += a.elems[i].text - a.elems[i].link
		}
	}
	for i := int32(len(a.elems)) - 1; i >= 0; i-- {
		a.detectLinkList(i)
		e := &a.elems[i]
		if e.own&fBad != 0 {
			switch {
			case e.tag == atom.Html || e.tag == atom.Body || e.tag == atom.Main || e.tag == atom.Article,
				e.h1 > 0 && e.own&fComment == 0,
				e.own&fComment == 0 && e.text*5 >= a.total*3,
				e.own&fComment == 0 && (e.text-e.link)*20 >= plain*11:
				// A wrapper of the whole page, or of most of its text
				// outside links, whose name happens to match
				// ("article-body pagination-first", "content-with-sidebar").
				e.own &^= fBad | fRelated
			}
		}
		if e.own&fCaption != 0 && e.own&fHasBlock != 0 && e.text-e.link > 400 {
			e.own &^= fCaption // paragraphs of prose, whatever the name says
		}
		w := e.ownW
		for c := e.child; c >= 0; c = a.elems[c].next {
			w += a.itemWeight(c)
		}
		e.runW = w // for a boilerplate-named element: its weight as text (see fallback)
		if e.own&fBad != 0 {
			w = -linkWeight * float64(e.text)
		} else {
			if e.own&fCaption != 0 {
				w = 0 // neither text nor boilerplate
			}
			e.runW = w
		}
		e.weight = w
		if e.own&fBad == 0 && e.child >= 0 {
			a.kadane(i)
		}
	}
	best, bestW := int32(-1), 0.0
	alt, altW := int32(-1), 0.0
	for i := range a.elems {
		e := &a.elems[i]
		a.inherit(int32(i))
		if e.inh&(fComment|fLinkItem|fLinkList|fCaption) == 0 && e.tag != atom.A && e.runW > altW && e.link*3 < e.text &&
			(e.own&fBad != 0 && (e.parent < 0 || a.elems[e.parent].inh&fBad == 0) || e.own&fBad == 0 && e.inh&fBad != 0) {
			// The best block if the class names were wrong: a
			// boilerplate-named block as text, or a block inside one.
			alt, altW = int32(i), e.runW
		}
		if e.inh&(fBad|fLinkItem|fLinkList|fCaption) != 0 || e.tag == atom.A {
			continue
		}
		if e.runW >= bestW && e.runW > 0 {
			best, bestW = int32(i), e.runW
		}
	}
	if alt >= 0 && bestW*3 < altW && altW >= 250 {
		// Fallback: what the names allow weighs less than a third of a
		// block of prose (250 runes or more) they call boilerplate
		// ("entry-content-read-more", "container sidebar_right"): the
		// names were wrong.
		for i := alt; i >= 0; i = a.elems[i].parent {
			a.elems[i].own &^= fBad | fRelated
		}
		for i := range a.elems {
			a.inherit(int32(i))
		}
		if e := &a.elems[alt]; e.weight < 0 {
			e.weight = e.runW
		}
		best = alt
	}
	a.best = best
	if best < 0 {
		return
	}
	e := &a.elems[best]
	a.reg = region{root: best, lo: best, hi: e.end}
	if e.runW > e.weight+0.5 {
		r := region{root: best, slo: e.runS, shi: e.runT, run: true}
		first, last := int32(-1), int32(-1)
		for c := e.child; c >= 0; c = a.elems[c].next {
			if 2*c >= e.runS && 2*c <= e.runT {
				if first < 0 {
					first = c
				}
				last = c
			}
		}
		if first >= 0 {
			r.lo, r.hi = first, a.elems[last].end
		}
		a.reg = r
	}
}

// inherit sets the inherited flags of element i from its parent's: all
// but the block ones, and a link list's only to its items and what looks
// like them (a block of prose beside the links is no part of the list).
func (a *analysis) inherit(i int32) {
	e := &a.elems[i]
	e.inh = e.own
	if e.parent >= 0 {
		p := &a.elems[e.parent]
		up := p.inh &^ (fBlock | fHasBlock)
		if p.own&fLinkList != 0 && e.own&fLinkItem == 0 && !a.likeItem(e.parent, i) {
			up &^= fLinkList
		}
		e.inh |= up
	}
}

// likeItem reports whether child c of the link list l has the tag and
// class of its items (a long card among short ones is still a card).
func (a *analysis) likeItem(l, c int32) bool {
	ce := &a.elems[c]
	for k := a.elems[l].child; k >= 0; k = a.elems[k].next {
		if ke := &a.elems[k]; ke.own&fLinkItem != 0 {
			return ke.tag == ce.tag && attr(ke.n, "class") == attr(ce.n, "class")
		}
	}
	return false
}

// itemWeight is what child c adds to its parent.
func (a *analysis) itemWeight(c int32) float64 {
	ce := &a.elems[c]
	if ce.own&fLinkItem != 0 {
		return -linkWeight * float64(ce.text)
	}
	return ce.weight
}

// kadane finds the run of element i's children (text and elements, in
// order) of greatest total weight. Items are numbered by ord: 2c for the
// element child c, 2n-1 for text before the element numbered n.
func (a *analysis) kadane(i int32) {
	e := &a.elems[i]
	ci := e.child
	cur, best := 0.0, 0.0
	var curS, bs, bt int32
	started, found := false, false
	for c := e.n.FirstChild; c != nil; c = c.NextSibling {
		var w float64
		var ord int32
		switch c.Type {
		case html.TextNode:
			r, _ := countText(c.Data)
			if r == 0 {
				continue
			}
			if e.inLink {
				w = -linkWeight * float64(r)
			} else {
				w = float64(r)
			}
			next := e.end
			if ci >= 0 {
				next = ci
			}
			ord = 2*next - 1
		case html.ElementNode:
			if ci < 0 || a.elems[ci].n != c {
				continue
			}
			w = a.itemWeight(ci)
			ord = 2 * ci
			ci = a.elems[ci].next
		default:
			continue
		}
		if !started || cur <= 0 {
			cur, curS, started = w, ord, true
		} else {
			cur += w
		}
		if !found || cur > best {
			best, bs, bt, found = cur, curS, ord, true
		}
	}
	if found && best > e.weight {
		e.runW, e.runS, e.runT = best, bs, bt
	}
}

// linkLed reports whether e looks like one item of a link list: its first
// text is a link and the links are a fair share of a short text.
func (a *analysis) linkLed(e *elem) bool {
	if e.first != 1 || e.link == 0 || e.text-e.link > 400 {
		return false // no link first, or a block of prose (a page wrapper that opens with its menu)
	}
	if e.text > 300 && e.link*3 < e.text {
		return false
	}
	return e.link*10 >= e.text || e.text <= 120
}

// detectLinkList marks element i as a link list when at least three of its
// children share a tag and class and most of them are led by a link.
func (a *analysis) detectLinkList(i int32) {
	e := &a.elems[i]
	if e.child < 0 || e.hasLinks < 3 {
		return
	}
	n := 0
	for c := e.child; c >= 0; c = a.elems[c].next {
		if a.elems[c].text > 0 {
			n++
		}
	}
	if n < 3 {
		return
	}
	clear(a.sigs)
	var top sigKey
	topN := 0
	for c := e.child; c >= 0; c = a.elems[c].next {
		ce := &a.elems[c]
		if ce.text == 0 {
			continue
		}
		k := sigKey{ce.tag, attr(ce.n, "class")}
		a.sigs[k]++
		if a.sigs[k] > topN {
			top, topN = k, a.sigs[k]
		}
	}
	if topN < 3 {
		return
	}
	led, ledText := 0, int32(0)
	for c := e.child; c >= 0; c = a.elems[c].next {
		ce := &a.elems[c]
		if ce.text > 0 && ce.tag == top.tag && attr(ce.n, "class") == top.class && a.linkLed(ce) {
			led++
			ledText += ce.text
		}
	}
	if led < 3 || led*10 < topN*7 {
		return
	}
	if !isBlockTag(top.tag) && ledText*2 < e.text {
		// Links inside a sentence ("see <a>this</a>, <a>that</a> and
		// <a>those</a>"): prose, not a list.
		return
	}
	for c := e.child; c >= 0; c = a.elems[c].next {
		ce := &a.elems[c]
		if ce.text > 0 && ce.tag == top.tag && attr(ce.n, "class") == top.class && a.linkLed(ce) {
			ce.own |= fLinkItem
		}
	}
	if ledText*2 >= e.text {
		e.own |= fLinkList
	}
}

// line is one rendered line of text: a paragraph, list item, heading or
// table row.
type line struct {
	text  string
	elem  int32 // element of the first text
	tord  int32 // ord of the first text (2n-1, n the next element's index)
	last  int32 // element of the last text
	runes int32
	link  int32
	inh   flags // union of the flags of the text's elements
}

// renderer turns the tree into lines in document order.
type renderer struct {
	a     *analysis
	next  int32
	b     strings.Builder
	space bool
	cur   line
	pre   int
}

// render builds a.lines, mirroring walk's element numbering.
func (a *analysis) render() {
	r := &renderer{a: a}
	r.cur.elem = -1
	a.lines = make([]line, 0, len(a.elems)/4+16)
	r.walk(a.root, -1)
	r.flush()
}

func (r *renderer) flush() {
	if r.cur.runes > 0 {
		r.cur.text = r.b.String()
		r.a.lines = append(r.a.lines, r.cur)
	}
	r.b.Reset()
	r.cur = line{elem: -1}
	r.space = false
}

func (r *renderer) text(s string, parent int32) {
	if parent < 0 {
		return
	}
	e := &r.a.elems[parent]
	if r.pre > 0 && strings.Contains(s, "\n") {
		parts := strings.Split(s, "\n")
		for k, p := range parts {
			if k > 0 {
				r.flush()
			}
			r.text(p, parent)
		}
		return
	}
	// Append s with its white space folded, straight into the line, a
	// run of non-space text at a time.
	n := 0
	space := r.space
	start := -1
	flushRun := func(end int) {
		if start < 0 {
			return
		}
		if space && r.b.Len() > 0 {
			r.b.WriteByte(' ')
		}
		space = false
		r.b.WriteString(s[start:end])
		start = -1
	}
	// A byte loop, as in countText: a Han character (lead byte E4..E9 and
	// two continuation bytes) is never a space and is counted undecoded.
	for i := 0; i < len(s); {
		c := s[i]
		size, sp := 1, false
		switch {
		case c < 0x80:
			sp = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
		case c >= 0xE4 && c <= 0xE9 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
			size = 3
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			sp = isSpace(r)
		}
		if sp {
			flushRun(i)
			space = true
		} else {
			if start < 0 {
				start = i
			}
			n++
		}
		i += size
	}
	flushRun(len(s))
	r.space = space
	if n == 0 {
		return
	}
	if r.cur.elem < 0 {
		r.cur.elem = parent
		r.cur.tord = 2*r.next - 1
	}
	r.cur.last = parent
	r.cur.runes += int32(n)
	if e.inh&fLink != 0 {
		r.cur.link += int32(n)
	}
	r.cur.inh |= e.inh
}

func isSpaceByteStart(s string) bool {
	for _, c := range s {
		return isSpace(c)
	}
	return false
}

func isSpaceByteEnd(s string) bool {
	i := len(s) - 1
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	for _, c := range s[i:] {
		return isSpace(c)
	}
	return false
}

func (r *renderer) walk(n *html.Node, parent int32) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			r.text(c.Data, parent)
		case html.ElementNode:
			if c.DataAtom == atom.Br {
				r.flush()
				continue
			}
			if skipElem(c) {
				continue
			}
			idx := r.next
			r.next++
			e := &r.a.elems[idx]
			brk := e.own&fBlock != 0
			cell := c.DataAtom == atom.Td || c.DataAtom == atom.Th
			if cell && (e.own&fHasBlock != 0 || e.text > 80) {
				brk = true
			}
			if brk {
				r.flush()
			} else if cell || c.DataAtom == atom.Img {
				r.space = true
			}
			if c.DataAtom == atom.Pre {
				r.pre++
			}
			r.walk(c, idx)
			if c.DataAtom == atom.Pre {
				r.pre--
			}
			if brk {
				r.flush()
			} else if cell {
				r.space = true
			}
		default:
			if c.Type == html.DocumentNode {
				r.walk(c, parent)
			}
		}
	}
}

// inRegion reports whether line l belongs to region r.
func (a *analysis) inRegion(r region, l *line) bool {
	if l.elem >= r.lo && l.elem < r.hi {
		return true
	}
	return r.run && l.elem == r.root && l.tord >= r.slo && l.tord <= r.shi
}
