// This file weighs a heading against the page's own names for its
// article: the <title>, og:title and the JSON-LD headline. A heading that
// equals one of them (without the site suffix) is the title; one that only
// holds one, with more around it (a byline, a badge, the neighbouring
// headlines of a related box, the "（原标题：…）" line), gives way to it.

package extract

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// titleRef is one of the page's own names for its article, folded for
// comparison (see normTitle): whole, and split on its separators into
// parts, without those that name the site; runs are the parts and the
// runs of neighbouring parts joined again (a headline that holds the
// separator: "A - B - Site").
type titleRef struct {
	norm  string
	parts []string
	runs  []string
}

func makeTitleRefs(refs []string, sites map[string]bool) []titleRef {
	var out []titleRef
	for _, r := range refs {
		if r == "" {
			continue
		}
		all, sep := titlePartsSep(r)
		sepNorm := normTitle(sep)
		var parts, runs []string
		for i, p := range all {
			n := normTitle(p)
			if n == "" || sites[n] {
				continue
			}
			parts = append(parts, n)
			run := n
			runs = append(runs, run)
			for j := i + 1; j < len(all) && j < i+4; j++ {
				m := normTitle(all[j])
				if m == "" || sites[m] {
					break
				}
				run += sepNorm + m
				runs = append(runs, run)
			}
		}
		if len(parts) > 0 {
			out = append(out, titleRef{norm: normTitle(r), parts: parts, runs: runs})
		}
	}
	return out
}

// siteNames are the folded names of the site: og:site_name,
// application-name, and the suffixes of a <title> split on its separators
// when another reference (og:title, headline) confirms its first part.
func (x *extractor) siteNames() map[string]bool {
	a := x.a
	sites := map[string]bool{}
	for _, k := range []string{"og:site_name", "application-name", "apple-mobile-web-app-title"} {
		if n := normTitle(a.meta[k]); n != "" {
			sites[n] = true
		}
	}
	if host := strings.TrimPrefix(x.page.Hostname(), "www."); host != "" {
		sites[normTitle(host)] = true
		if i := strings.IndexByte(host, '.'); i > 0 {
			sites[host[:i]] = true
		}
	}
	if parts := titleParts(a.title); len(parts) > 1 {
		first := normTitle(parts[0])
		for _, r := range []string{a.meta["og:title"], ldString(a.ldObjs(), "headline")} {
			if rn := normTitle(unescapeLeft(r)); rn != "" && (rn == first || strings.Contains(rn, first) && !strings.Contains(rn, normTitle(parts[len(parts)-1]))) {
				for _, p := range parts[1:] {
					if n := normTitle(p); n != "" && n != first {
						sites[n] = true
					}
				}
				break
			}
		}
	}
	return sites
}

// headingAgreement returns the title a heading gives (its text without
// glued badges, bylines and dates, and cut to a reference's main part when
// that is a whole piece of it) and how well it agrees with the references:
// 0 for none, runes×4 for a heading inside a reference (the <title> holds
// the heading and a suffix), 1000 more for one equal to a reference's main
// part, and less and less as a heading holds more than a reference.
func headingAgreement(n *nethtml.Node, refs []titleRef, sites map[string]bool) (string, int) {
	pieces := headingPieces(n)
	t := joinPieces(pieces)
	runes := utf8.RuneCountInString(t)
	if runes < 2 || runes > 200 || isOrigTitleLine(t) {
		return "", 0
	}
	tn := normTitle(t)
	if tn == "" || sites[tn] || looksLikeDomain(tn) {
		return "", 0
	}
	best, bestText, agree := 0, t, 0
	for _, r := range refs {
		score, text := 0, t
		if tn == r.norm || slices.Contains(r.runs, tn) {
			score = 1000 + runes*4
		} else if strings.Contains(r.norm, tn) {
			// Inside a reference, but not one of its parts: most of the part
			// it falls in (a heading is no stray word of the <title>).
			if in := shortestPartWith(r, tn); runes <= 120 && len(tn)*2 >= len(in) {
				score = runes * 4
			}
		} else if p := longestPartIn(r.parts, tn); p != "" {
			pr := utf8.RuneCountInString(p)
			if cut, ok := piecesEqual(pieces, p); ok {
				// The heading holds the title as a piece of its own
				// beside others (a badge, a byline, related headlines).
				text, score = cut, 1000+utf8.RuneCountInString(cut)*4-1
			} else if extra := runes - pr; pr > extra*2 && wordBounded(tn, p) {
				score = pr*4 - extra*8
			}
		}
		if score > 0 {
			agree++
		}
		if score > best {
			best, bestText = score, text
		}
	}
	if best == 0 || isSiteHeading(n) {
		return "", 0
	}
	return bestText, best + agree - 1
}

// shortestPartWith returns the shortest part of r that contains s, or the
// whole reference.
func shortestPartWith(r titleRef, s string) string {
	best := r.norm
	for _, p := range r.parts {
		if len(p) < len(best) && strings.Contains(p, s) {
			best = p
		}
	}
	return best
}

// wordBounded reports whether p occurs in s as whole words: no Latin
// letter or digit glued to either end ("veranstaltung" is no word of
// "veranstaltungsort").
func wordBounded(s, p string) bool {
	i := strings.Index(s, p)
	if i < 0 {
		return false
	}
	j := i + len(p)
	if i > 0 && isASCIIAlnum(s[i-1]) && isASCIIAlnum(p[0]) {
		return false
	}
	return !(j < len(s) && isASCIIAlnum(s[j]) && isASCIIAlnum(p[len(p)-1]))
}

// longestPartIn returns the longest part (of 4 runes or more) that s
// contains.
func longestPartIn(parts []string, s string) string {
	best := ""
	for _, p := range parts {
		if len(p) > len(best) && utf8.RuneCountInString(p) >= 4 && strings.Contains(s, p) {
			best = p
		}
	}
	return best
}

// looksLikeDomain reports a folded name that is a host name
// ("iloveponysmag.com"): the site's name, not a headline.
func looksLikeDomain(s string) bool {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || len(s)-i-1 < 2 || len(s)-i-1 > 6 {
		return false
	}
	for j := 0; j < len(s); j++ {
		c := s[j]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// isSiteHeading reports a heading that is the site's logo or name: its
// class or id (or its parent's) says so, or it is a link to the home page.
func isSiteHeading(n *nethtml.Node) bool {
	for k, m := 0, n; k < 2 && m != nil && m.Type == nethtml.ElementNode; k, m = k+1, m.Parent {
		name := strings.ToLower(attr(m, "class") + " " + attr(m, "id"))
		if containsAny(name, siteHeadingWords...) {
			return true
		}
	}
	var link *nethtml.Node
	switch {
	case n.DataAtom == atom.A:
		link = n
	case n.FirstChild != nil && n.FirstChild == n.LastChild && n.FirstChild.DataAtom == atom.A:
		link = n.FirstChild
	case n.Parent != nil && n.Parent.DataAtom == atom.A:
		link = n.Parent
	}
	if link == nil {
		return false
	}
	href := strings.TrimSpace(attr(link, "href"))
	if i := strings.Index(href, "://"); i >= 0 {
		href = href[i+3:]
		if j := strings.IndexByte(href, '/'); j >= 0 {
			href = href[j:]
		} else {
			href = "/"
		}
	}
	return href == "/" || href == "/index.html" || href == "/index.php" || href == "./"
}

// titlePiece is one child of a heading: its collapsed text.
type titlePiece struct {
	text string
	elem bool // an element (a text node otherwise)
}

// headingPieces splits a heading into its children's texts, descending
// through a lone wrapper (<h1><a>…</a></h1>), and drops the pieces glued on
// at either end that are no part of a headline: badges (原创, 独家),
// bylines and dates, comment counters.
func headingPieces(n *nethtml.Node) []titlePiece {
	for {
		var only *nethtml.Node
		count := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == nethtml.TextNode && strings.TrimSpace(c.Data) == "" || c.Type == nethtml.CommentNode {
				continue
			}
			count++
			only = c
		}
		if count != 1 || only.Type != nethtml.ElementNode {
			break
		}
		n = only
	}
	var ps []titlePiece
	for c := n.FirstChild; c != nil && len(ps) < 24; c = c.NextSibling {
		switch c.Type {
		case nethtml.TextNode:
		case nethtml.ElementNode:
			if c.DataAtom == atom.Script || c.DataAtom == atom.Style || c.DataAtom == atom.Noscript {
				continue
			}
		default:
			continue
		}
		t := collapse(nodeText(c))
		if t == "" {
			continue
		}
		if len(ps) > 0 && c.Type == nethtml.TextNode && !ps[len(ps)-1].elem {
			ps[len(ps)-1].text += " " + t
			continue
		}
		ps = append(ps, titlePiece{text: t, elem: c.Type == nethtml.ElementNode})
	}
	for len(ps) > 1 && ps[0].elem && isGluedPiece(ps[0].text) {
		ps = ps[1:]
	}
	for len(ps) > 1 && ps[len(ps)-1].elem && isGluedPiece(ps[len(ps)-1].text) {
		ps = ps[:len(ps)-1]
	}
	return ps
}

func joinPieces(ps []titlePiece) string {
	if len(ps) == 1 {
		return ps[0].text
	}
	var b strings.Builder
	for i, p := range ps {
		if i > 0 && needsSpace(ps[i-1].text, p.text) {
			b.WriteByte(' ')
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// needsSpace reports whether two pieces set side by side read as two words:
// not between Han characters or before closing punctuation.
func needsSpace(a, b string) bool {
	ra, _ := utf8.DecodeLastRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	return ra < 0x2E80 && rb < 0x2E80 && !strings.ContainsRune(",.:;!?)", rb)
}

// piecesEqual finds a run of whole pieces whose folded text is core and
// returns it as shown.
func piecesEqual(ps []titlePiece, core string) (string, bool) {
	for i := range ps {
		for j := i + 1; j <= len(ps); j++ {
			t := joinPieces(ps[i:j])
			n := normTitle(t)
			if n == core {
				return t, true
			}
			if !strings.HasPrefix(core, n) {
				break
			}
		}
	}
	return "", false
}

// isGluedPiece reports a piece of a heading that is no part of the
// headline: a badge word, a byline or a date, a comment or photo counter.
func isGluedPiece(s string) bool {
	r := utf8.RuneCountInString(s)
	if r <= 4 && titleBadges[strings.Trim(s, "[]【】（）() ")] {
		return true
	}
	if r > 80 {
		return false
	}
	if len(findDates(s, 1)) > 0 || hasAnyPrefix(s, titleBylinePrefixes...) {
		return true
	}
	return isCounter(s)
}

// isCounter reports "1 / 23", "(12)", "12 comments"-like pieces: numbers,
// slashes and brackets, and at most a counter word.
func isCounter(s string) bool {
	digits := 0
	rest := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			digits++
			return -1
		case r == ' ' || r == '/' || r == '(' || r == ')' || r == '（' || r == '）':
			return -1
		}
		return r
	}, s)
	return digits > 0 && (rest == "" || counterWords[strings.ToLower(rest)])
}

// isOrigTitleLine reports the "（原标题：…）" line a reprint puts at the top
// of its text: it names the first publisher's headline, not this page's.
func isOrigTitleLine(s string) bool {
	s = strings.TrimLeft(s, "（([【 ")
	return strings.HasPrefix(s, "原标题") || strings.HasPrefix(s, "原题")
}

// normTitle folds a title for comparison: entities left in the text
// decoded, quotes and full-width forms folded to ASCII, ASCII lower-cased,
// an ellipsis at the end dropped, and white space dropped except one space
// between two Latin words (Chinese headlines are spaced at will).
func normTitle(s string) string {
	if s == "" {
		return ""
	}
	s = unescapeLeft(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	var prev rune
	for _, r := range s {
		switch {
		case isSpace(r):
			space = true
			continue
		case r == '“' || r == '”' || r == '„' || r == '″':
			r = '"'
		case r == '‘' || r == '’' || r == '`' || r == '´':
			r = '\''
		case r == '–' || r == '—':
			r = '-'
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		}
		if space && isLatinWordRune(prev) && isLatinWordRune(r) {
			b.WriteByte(' ')
		}
		space = false
		prev = r
		b.WriteRune(r)
	}
	out := b.String()
	out = strings.TrimSuffix(out, "...")
	return strings.TrimSuffix(out, "…")
}

func isLatinWordRune(r rune) bool {
	return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// unescapeLeft decodes the character references a page escaped twice
// ("&amp;#8217;" shows as "&#8217;").
func unescapeLeft(s string) string {
	if strings.Contains(s, "&") && strings.Contains(s, ";") {
		return html.UnescapeString(s)
	}
	return s
}
