// This file renders body_html: the structure of the main text — headings,
// paragraphs, lists, tables, block quotes, images — restricted to the lines
// the plain body kept (bodyLines reports them), in the small fixed subset of
// HTML that BodyPolicy allows. Whatever bodyLines drops (boilerplate,
// bylines, link lists, the title, the footer) is dropped here too, so the
// text of body_html is the text of body.
//
// The walk goes over the region's nodes once and follows the renderer's
// line breaks (score.go: a block element, a <br>, a cell holding blocks,
// a newline in <pre>) to know which line each text node belongs to; it
// resynchronises on the line table at every new line, so a break it missed
// costs at most a line's placement, never text from outside the body.

package extract

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// bodyPolicy is BodyPolicy's value.
var bodyPolicy = NewBodyPolicy()

// NewBodyPolicy returns the bluemonday allow-list of body_html: headings,
// paragraphs, line breaks, lists (ul, ol with start, li, dl, dt, dd),
// tables (caption, thead, tbody, tfoot, tr, th and td with colspan,
// rowspan, th with scope), blockquote, pre, and img with an http or https
// src and an alt. No other element or attribute passes.
func NewBodyPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "ul", "ol", "li", "dl", "dt", "dd",
		"table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th", "blockquote", "pre")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowAttrs("scope").Matching(reScope).OnElements("th")
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.AllowAttrs("src", "alt").OnElements("img") // a src that is not http(s) is dropped (the alt stays)
	return p
}

// BodyPolicy returns the shared NewBodyPolicy, safe for concurrent use;
// do not change it.
func BodyPolicy() *bluemonday.Policy { return bodyPolicy }

// SanitizeBodyHTML passes s through BodyPolicy. Extract builds body_html
// within that subset (every element from a fixed table, every text and
// attribute escaped); whatever keeps or shows it — the store before saving,
// the extract command before printing, the reader before rendering —
// sanitises it with the allow-list again, so a fault in the builder can
// never reach a page. A string already in the builder's canonical form,
// which the allow-list gives back unchanged (isCanonicalBodyHTML, one
// pass, no allocation), is returned as it is; any other goes through
// bluemonday.
func SanitizeBodyHTML(s string) string {
	if s == "" || isCanonicalBodyHTML(s) {
		return s
	}
	return bodyPolicy.Sanitize(s)
}

// Marks of the elements that hold something of body_html.
const (
	mLine uint8 = 1 << iota // holds the start of a kept line
	mImg                    // is or holds a kept image
)

// outKind says what an element of body_html may hold.
type outKind uint8

const (
	kFlow   outKind = iota // blocks; loose text goes into an implicit <p> (the root, blockquote)
	kPhrase                // text only (p, h1..h6, pre, caption, dt)
	kMixed                 // text and blocks (li, dd, td, th)
	kList                  // li only (ul, ol); dt and dd (dl)
	kTable                 // table parts (table, thead, tbody, tfoot, tr)
)

// outElem is an open element of body_html.
type outElem struct {
	tag     string
	kind    outKind
	auto    bool // opened for loose content (a <p> in flow, an <li> in a list, a <ul> around an <li>)
	started bool // content written in it
	brk     bool // a line ended in it: a <br> before more text
}

// htmlOut is one rendering of body_html.
type htmlOut struct {
	x     *extractor
	a     *analysis
	b     strings.Builder
	mark  []uint8 // per element
	kept  []bool  // per line
	stack []outElem
	space bool // white space pending before the next text

	// Line tracking (mirrors the renderer's line breaks).
	cur     int  // line of the text being walked, -1 before the first
	open    bool // a line has text and no break since
	curKept bool
	pre     int  // <pre> depth
	preNL   bool // a newline in <pre> before the next text
}

// bodyHTML renders the regions and lines that the body was made of (see
// bodyLines); "" when the body is empty. A failure here never costs the
// rest of the record.
func (x *extractor) bodyHTML() (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = ""
		}
	}()
	kept := x.kept
	if len(kept) == 0 || x.rec.Body == "" {
		return ""
	}
	// A byline that opened the body and became the author (byline.go) left
	// the body: the same lines leave here.
	if n := strings.Count(x.rec.Body, "\n") + 1; len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	a := x.a
	h := &htmlOut{x: x, a: a, mark: make([]uint8, len(a.elems)), kept: make([]bool, len(a.lines)), cur: -1}
	for _, k := range kept {
		h.kept[k] = true
		l := &a.lines[k]
		h.markUp(l.elem, mLine)
		h.markUp(l.last, mLine)
	}
	for _, r := range x.bodyRegs {
		h.markImages(r, kept)
	}
	h.b.Grow(len(x.rec.Body) + len(x.rec.Body)/2)
	h.stack = append(h.stack, outElem{kind: kFlow})
	for _, r := range x.bodyRegs {
		h.flushLine()
		h.lineBreak()
		if r.run {
			// The run's own text and children, and whatever a kept line
			// runs on into past the run's end (lines decide, not ords).
			h.children(r.root)
		} else {
			h.elem(r.root)
		}
	}
	h.closeTo(1)
	if h.b.Len() == 0 {
		return ""
	}
	return h.b.String()
}

// markUp sets m on element i and its ancestors.
func (h *htmlOut) markUp(i int32, m uint8) {
	for ; i >= 0 && h.mark[i]&m == 0; i = h.a.elems[i].parent {
		h.mark[i] |= m
	}
}

// markImages marks the images of region r that belong to the body: not in
// boilerplate (the same flags that drop a line), after the title and
// before the first line the body did not keep after its last, and not in
// a block of text that the body dropped (a share bar's icons).
func (h *htmlOut) markImages(r region, kept []int) {
	a := h.a
	lo, hi := r.lo, r.hi
	if r.run && lo >= hi {
		return
	}
	if t := h.x.titleElem; t >= lo && t < hi {
		lo = a.elems[t].end
	}
	last := -1
	for _, k := range kept {
		if a.inRegion(r, &a.lines[k]) {
			last = k
		}
	}
	if last < 0 {
		return
	}
	// By ord (2i for element i, 2n-1 for text before element n): a line
	// of the region's own text ends it too.
	hiOrd := 2 * hi
	if next := last + 1; next < len(a.lines) && a.inRegion(r, &a.lines[next]) {
		hiOrd = min(hiOrd, a.lines[next].tord)
	}
	// Images after the last line only within the container of its block
	// (the article's last figure, not the icons of what follows it).
	b := a.lines[last].last
	for b >= 0 && a.elems[b].own&fBlock == 0 {
		b = a.elems[b].parent
	}
	if b >= 0 {
		if p := a.elems[b].parent; p > r.root {
			hiOrd = min(hiOrd, 2*a.elems[p].end)
		}
	}
	above := flags(0)
	if p := r.root; p >= 0 {
		if !r.run {
			p = a.elems[p].parent
		}
		if p >= 0 {
			above = a.elems[p].inh
		}
	}
	for i := lo; i < hi && 2*i < hiOrd; i++ {
		e := &a.elems[i]
		if e.tag != atom.Img || (e.inh&^above)&(fBad|fLinkItem|fLinkList|fCaption) != 0 || h.x.imgSrc(e.n) == "" {
			continue
		}
		if tinyImage(e.n) {
			continue
		}
		ok := true
		for p := e.parent; p >= 0; p = a.elems[p].parent {
			pe := &a.elems[p]
			if pe.own&fBlock != 0 && pe.text > 0 {
				ok = h.mark[p]&mLine != 0
				break
			}
		}
		if ok {
			h.markUp(i, mImg)
		}
	}
}

// imgSrc returns the absolute http(s) URL of an image (a lazy loader's
// data-src before src), or "".
func (x *extractor) imgSrc(n *xhtml.Node) string {
	var src, lazy string
	for _, at := range n.Attr {
		switch at.Key {
		case "src":
			src = at.Val
		case "data-src", "data-original", "data-lazy-src", "data-actualsrc":
			if lazy == "" {
				lazy = at.Val
			}
		}
	}
	s := strings.TrimSpace(lazy)
	if s == "" || strings.HasPrefix(s, "data:") {
		s = strings.TrimSpace(src)
	}
	if s == "" || strings.HasPrefix(s, "data:") {
		return ""
	}
	base := x.base
	if base == nil {
		base = &url.URL{}
	}
	u, err := base.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	out := u.String()
	if strings.ContainsAny(out, " \t\n\r") {
		// Spaces in a query ("?d=2010 20:41"): the allow-list takes no
		// white space in a URL, so encode it.
		out = urlSpaces.Replace(out)
		if v, err := url.Parse(out); err != nil || v.String() != out {
			return ""
		}
	}
	return out
}

var urlSpaces = strings.NewReplacer(" ", "%20", "\t", "", "\n", "", "\r", "")

// tinyImage reports a spacer or tracking pixel: a width or height of 0..2.
func tinyImage(n *xhtml.Node) bool {
	for _, at := range n.Attr {
		if at.Key == "width" || at.Key == "height" {
			if v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(at.Val), "px")); err == nil && v <= 2 {
				return true
			}
		}
	}
	return false
}

// children walks the child nodes of element i.
func (h *htmlOut) children(i int32) {
	a := h.a
	next, end := i+1, a.elems[i].end
	for c := a.elems[i].n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case xhtml.TextNode:
			h.text(c.Data, i, 2*next-1)
		case xhtml.ElementNode:
			if next < end && a.elems[next].n == c {
				ci := next
				next = a.elems[ci].end
				h.elem(ci)
			} else if c.DataAtom == atom.Br {
				h.flushLine()
				h.lineBreak()
			}
		}
	}
}

// elem renders element i.
func (h *htmlOut) elem(i int32) {
	a := h.a
	e := &a.elems[i]
	brk := e.own&fBlock != 0
	cell := e.tag == atom.Td || e.tag == atom.Th
	if cell && (e.own&fHasBlock != 0 || e.text > 80) {
		brk = true
	}
	if brk {
		h.flushLine()
	}
	defer func() {
		if brk {
			h.flushLine()
		}
	}()
	if e.tag == atom.Img {
		if h.mark[i]&mImg != 0 {
			if src := h.x.imgSrc(e.n); src != "" {
				h.content("", true, src, attr(e.n, "alt"))
			}
		}
		return
	}
	inRow := cell && h.top().tag == "tr"
	if h.mark[i] == 0 && (brk || e.text == 0) && !inRow {
		if brk || e.own&fHasBlock != 0 {
			h.flushLine() // a <br> or an empty block inside ends the line
			h.lineBreak()
		}
		return // nothing of the body inside
	}
	tag, kind := outTag(e.tag)
	if tag == "table" && h.layoutTable(i) {
		tag = ""
	}
	if tag == "" || !h.place(tag) {
		// Transparent: its content goes to the enclosing element.
		if brk {
			h.lineBreak()
		} else if cell {
			h.space = true
		}
		h.walk(i, e)
		if brk {
			h.lineBreak()
		} else if cell {
			h.space = true
		}
		return
	}
	attrs := ""
	switch tag {
	case "td", "th":
		for _, k := range [...]string{"colspan", "rowspan"} {
			if v := attr(e.n, k); v == "" {
				continue
			} else if v, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && v > 1 && v <= 100 {
				attrs += " " + k + `="` + strconv.Itoa(v) + `"`
			}
		}
		if s := strings.ToLower(strings.TrimSpace(attr(e.n, "scope"))); tag == "th" && reScope.MatchString(s) {
			attrs += ` scope="` + s + `"`
		}
	case "ol":
		if v, err := strconv.Atoi(strings.TrimSpace(attr(e.n, "start"))); err == nil && v != 1 && v > -1e6 && v < 1e6 {
			attrs += ` start="` + strconv.Itoa(v) + `"`
		}
	}
	d := len(h.stack)
	h.openTag(tag, kind, attrs, false)
	h.walk(i, e)
	h.closeTo(d)
}

// walk renders the children of element i, counting <pre> depth as the
// renderer does.
func (h *htmlOut) walk(i int32, e *elem) {
	if e.tag == atom.Pre {
		h.pre++
		defer func() { h.pre-- }()
	}
	h.children(i)
}

// outTag maps a source element to its body_html element and kind; "" is
// transparent.
func outTag(t atom.Atom) (string, outKind) {
	switch t {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.P, atom.Pre, atom.Caption, atom.Dt:
		return t.String(), kPhrase
	case atom.Li, atom.Dd, atom.Td, atom.Th:
		return t.String(), kMixed
	case atom.Ul, atom.Ol, atom.Dl, atom.Menu, atom.Dir:
		if t == atom.Menu || t == atom.Dir {
			return "ul", kList
		}
		return t.String(), kList
	case atom.Table, atom.Thead, atom.Tbody, atom.Tfoot, atom.Tr:
		return t.String(), kTable
	case atom.Blockquote:
		return "blockquote", kFlow
	}
	return "", kFlow
}

// layoutTable reports a table used for layout, not data: one column, a
// table inside it, or a cell holding a long text in blocks. It is
// rendered as its content.
func (h *htmlOut) layoutTable(i int32) bool {
	a := h.a
	end := a.elems[i].end
	most := 0
	for j := i + 1; j < end; j++ {
		e := &a.elems[j]
		switch e.tag {
		case atom.Table:
			return true
		case atom.Tr:
			n := 0
			for c := e.child; c >= 0; c = a.elems[c].next {
				ce := &a.elems[c]
				if ce.tag == atom.Td || ce.tag == atom.Th {
					n++
					if ce.own&fHasBlock != 0 && ce.text > 300 {
						return true
					}
				}
			}
			most = max(most, n)
		}
	}
	return most <= 1
}

// reScope is the values of a header cell's scope.
var reScope = regexp.MustCompile(`^(row|col|rowgroup|colgroup)$`)

func (h *htmlOut) top() *outElem { return &h.stack[len(h.stack)-1] }

// place makes room for a block element tag at the current position:
// closes an implicit <p>, opens an implicit list or list item, and reports
// whether tag may be opened here (false: render it transparent).
func (h *htmlOut) place(tag string) bool {
	for {
		t := h.top()
		if t.auto && (t.tag == "p" || t.tag == "ul" && tag != "li" || t.tag == "li" && tag == "li") {
			h.closeTop()
			continue
		}
		break
	}
	t := h.top()
	switch t.kind {
	case kFlow, kMixed:
		switch tag {
		case "li":
			h.openTag("ul", kList, "", true)
			return true
		case "dt", "dd", "caption", "thead", "tbody", "tfoot", "tr", "td", "th":
			return false
		}
		return true
	case kList:
		switch {
		case t.tag == "dl":
			return tag == "dt" || tag == "dd"
		case tag == "li":
			return true
		case tag == "dt" || tag == "dd" || tag == "caption" || tag == "thead" || tag == "tbody" || tag == "tfoot" || tag == "tr" || tag == "td" || tag == "th":
			return false
		}
		h.openTag("li", kMixed, "", true)
		return true
	case kTable:
		switch t.tag {
		case "table":
			return tag == "caption" || tag == "thead" || tag == "tbody" || tag == "tfoot" || tag == "tr"
		case "tr":
			return tag == "td" || tag == "th"
		default:
			return tag == "tr"
		}
	}
	return false // kPhrase holds no blocks
}

// openTag writes a start tag and pushes its element.
func (h *htmlOut) openTag(tag string, kind outKind, attrs string, auto bool) {
	h.b.WriteByte('<')
	h.b.WriteString(tag)
	h.b.WriteString(attrs)
	h.b.WriteByte('>')
	h.stack = append(h.stack, outElem{tag: tag, kind: kind, auto: auto})
	h.space = false
}

// closeTop writes the end tag of the innermost element and pops it.
func (h *htmlOut) closeTop() {
	t := h.stack[len(h.stack)-1]
	h.b.WriteString("</")
	h.b.WriteString(t.tag)
	h.b.WriteByte('>')
	h.stack = h.stack[:len(h.stack)-1]
	p := h.top()
	p.started, p.brk = true, false
	h.space = false
}

// closeTo closes elements until depth n is left.
func (h *htmlOut) closeTo(n int) {
	for len(h.stack) > n {
		h.closeTop()
	}
}

// lineBreak ends the current line of output: an implicit paragraph closes,
// other text containers take a <br> before more text.
func (h *htmlOut) lineBreak() {
	h.space = false
	t := h.top()
	if t.auto && t.tag == "p" {
		h.closeTop()
		return
	}
	if t.started {
		t.brk = true
	}
}

// content writes text (escaped, its white space folded unless in <pre>)
// or, with img set, an <img> of src and alt, where text may go.
func (h *htmlOut) content(s string, img bool, src, alt string) {
	t := h.top()
	switch t.kind {
	case kFlow:
		h.openTag("p", kPhrase, "", true)
	case kList:
		if t.tag == "dl" {
			h.openTag("dd", kMixed, "", true)
		} else {
			h.openTag("li", kMixed, "", true)
		}
	case kTable:
		return // the parser moved loose table text out of the table
	}
	t = h.top()
	if t.started {
		if t.brk {
			if h.pre > 0 {
				h.b.WriteByte('\n')
			} else {
				h.b.WriteString("<br>")
			}
		} else if h.space {
			h.b.WriteByte(' ')
		}
	}
	switch {
	case img:
		h.b.WriteString(`<img src="`)
		writeEscaped(&h.b, src, false)
		h.b.WriteString(`" alt="`)
		writeEscaped(&h.b, alt, true)
		h.b.WriteString(`">`)
	case h.pre > 0:
		writeEscaped(&h.b, s, false)
	default:
		writeEscaped(&h.b, s, true)
	}
	t.started, t.brk = true, false
	h.space = false
}

// writeEscaped writes s to b with &, <, >, " and ' escaped (CR LF and a
// lone CR as LF, NUL dropped, invalid UTF-8 as U+FFFD: as an HTML
// tokenizer reads them) and, when fold is set, every run of white space as
// one space and none at either end. Plain runs are copied whole.
func writeEscaped(b *strings.Builder, s string, fold bool) {
	wrote, space := false, false
	start := -1 // start of the plain run being copied
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		var esc string
		switch {
		case c >= 0xE4 && c <= 0xE9 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
			size = 3 // a Han character: plain
		case c >= 0x80:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			switch {
			case fold && isSpace(r):
				esc = " "
			case r == utf8.RuneError && size == 1:
				esc = "\uFFFD"
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\v':
			if fold {
				esc = " "
			}
		case c == '\r':
			switch {
			case fold:
				esc = " "
			case i+1 < len(s) && s[i+1] == '\n':
				// The CR of a CR LF: dropped, the LF follows.
				if start >= 0 {
					b.WriteString(s[start:i])
					start = -1
				}
				i++
				continue
			default:
				esc = "\n"
			}
		case c == 0:
			if start >= 0 {
				b.WriteString(s[start:i])
				start = -1
			}
			i++
			continue
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '"':
			esc = "&#34;"
		case c == '\'':
			esc = "&#39;"
		}
		if esc == "" {
			if start < 0 {
				if space && wrote {
					b.WriteByte(' ')
				}
				space, start = false, i
			}
			wrote = true
			i += size
			continue
		}
		if start >= 0 {
			b.WriteString(s[start:i])
			start = -1
		}
		if esc == " " {
			space = true
		} else {
			if space && wrote {
				b.WriteByte(' ')
			}
			space, wrote = false, true
			b.WriteString(esc)
		}
		i += size
	}
	if start >= 0 {
		b.WriteString(s[start:])
	}
}

// flushLine is the renderer's flush: the next text starts a new line.
func (h *htmlOut) flushLine() { h.open = false }

// text renders a text node of element parent at ord.
func (h *htmlOut) text(s string, parent, ord int32) {
	if h.pre > 0 && strings.Contains(s, "\n") {
		for k, part := range strings.Split(s, "\n") {
			if k > 0 {
				h.flushLine()
				h.preNL = true
			}
			h.textPart(part, parent, ord)
		}
		return
	}
	h.textPart(s, parent, ord)
}

func (h *htmlOut) textPart(s string, parent, ord int32) {
	if !hasNonSpace(s) {
		if h.open && h.curKept && s != "" {
			h.space = true
		}
		return
	}
	if !h.open {
		h.cur = h.lineAt(parent, ord)
		h.open = true
		h.curKept = h.cur >= 0 && h.kept[h.cur]
	}
	if !h.curKept {
		return
	}
	if h.pre > 0 {
		if h.preNL && h.top().started {
			h.top().brk = true
		}
		h.preNL = false
		h.content(s, false, "", "")
		return
	}
	if startsSpace(s) {
		h.space = true
	}
	h.content(s, false, "", "")
	if endsSpace(s) {
		h.space = true
	}
}

// lineAt returns the line that starts with the text of element parent at
// ord after the current one, or the line that text continues.
func (h *htmlOut) lineAt(parent, ord int32) int {
	lines := h.a.lines
	if j := h.cur + 1; j < len(lines) && lines[j].elem == parent && lines[j].tord == ord {
		return j
	}
	lo := sort.Search(len(lines), func(i int) bool { return lines[i].tord >= ord })
	i := lo
	for ; i < len(lines) && lines[i].tord == ord; i++ {
		if i > h.cur && lines[i].elem == parent {
			return i
		}
	}
	return i - 1 // the last line starting at or before ord
}

// hasNonSpace reports whether s has a character that is not white space.
func hasNonSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
				return true
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) {
			return true
		}
		i += n - 1
	}
	return false
}

func startsSpace(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && isSpace(r)
}

func endsSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return s != "" && isSpace(r)
}
