// This file finds the title: the headline line above the text, checked
// against <title>, og:title and the <h1>s, with site names, separators,
// badges and neighbouring lines cut off.

package extract

import (
	"strings"

	"golang.org/x/net/html/atom"
)

var titleSeps = []string{"_", "|", "｜", " - ", " – ", " — ", "--", "——", " :: ", "»", " · ", "-"}

// titleParts splits a <title> on its site and channel separators. A bare
// "-" separates only where it does not join two Latin letters or digits
// (it does in "Sci-Fi" and "COVID-19", not in "标题-网站").
func titleParts(t string) []string {
	parts, _ := titlePartsSep(t)
	return parts
}

// titlePartsSep is titleParts, and the separator it split on ("" for none).
func titlePartsSep(t string) ([]string, string) {
	for _, sep := range titleSeps {
		if strings.Contains(t, sep) {
			var out []string
			for _, p := range splitTitle(t, sep) {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			if len(out) > 1 {
				return out, sep
			}
		}
	}
	return []string{strings.TrimSpace(t)}, ""
}

func splitTitle(t, sep string) []string {
	if sep != "-" {
		return strings.Split(t, sep)
	}
	var out []string
	start := 0
	for i := 0; i < len(t); i++ {
		if t[i] != '-' {
			continue
		}
		if i > 0 && i+1 < len(t) && isASCIIAlnum(t[i-1]) && isASCIIAlnum(t[i+1]) {
			continue
		}
		out = append(out, t[start:i])
		start = i + 1
	}
	return append(out, t[start:])
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (x *extractor) title() string {
	a := x.a
	docTitle := a.title
	og := collapse(unescapeLeft(a.meta["og:title"]))
	ld := collapse(unescapeLeft(ldString(a.ldObjs(), "headline")))
	sites := x.siteNames()
	if sites[normTitle(og)] {
		og = ""
	}
	if sites[normTitle(ld)] {
		ld = ""
	}
	refs := []string{docTitle, og, ld}
	trefs := makeTitleRefs(refs, sites)
	// 1. A heading of the page that agrees with the <title>, og:title or
	// headline: the article's own heading, without the site suffix.
	bestScore := 0
	var bestText string
	for _, hi := range a.heads {
		e := &a.elems[hi]
		if e.inh&(fBad|fLinkItem) != 0 && e.inh&fTitleish == 0 {
			continue
		}
		t, score := headingAgreement(e.n, trefs, sites)
		if score <= 0 {
			continue
		}
		switch e.tag {
		case atom.H1:
			score += 3
		case atom.H2:
			score += 2
		}
		if a.best >= 0 && hi < a.reg.hi && hi >= a.elems[a.best].parent {
			score++
		}
		if score > bestScore {
			bestScore, bestText = score, t
			x.titleElem = hi
		}
	}
	if bestText != "" {
		x.setTitleLine()
		if x.titleLine >= 0 {
			return x.joinTitleLines(bestText, refs)
		}
		return bestText
	}
	// 2. A line just before the text that the <title> or og:title contains
	// (old pages set their heading in <font> or <b>).
	lo := max(x.bodyStart-8, 0)
	hi := min(x.bodyStart+2, len(a.lines))
	for i := lo; i < hi; i++ {
		l := &a.lines[i]
		if l.runes < 4 || l.runes > 80 || l.link*2 > l.runes || l.inh&(fLinkItem|fComment) != 0 {
			continue
		}
		t := strings.TrimSpace(l.text)
		for _, r := range refs {
			if r != "" && strings.Contains(r, t) && runeLen(t) > runeLen(bestText) {
				bestText, x.titleLine = t, i
			}
		}
	}
	if bestText != "" {
		return x.joinTitleLines(bestText, refs)
	}
	// 3. og:title or JSON-LD headline, cut at a site suffix.
	for _, r := range []string{ld, og} {
		if r != "" {
			return titleParts(r)[0]
		}
	}
	// 4. The last <h1> before the body that is not a logo.
	for _, hi := range a.heads {
		e := &a.elems[hi]
		if e.tag != atom.H1 || e.inh&(fBad|fLinkItem) != 0 || e.link == e.text {
			continue
		}
		if a.best >= 0 && hi > a.reg.hi {
			break
		}
		if t := joinPieces(headingPieces(e.n)); runeLen(t) >= 4 {
			x.titleElem = hi
			x.setTitleLine()
			return t
		}
	}
	// 5. The heading line just above the first paragraph, when the <title>
	// does not name the article (a blog's or a site's name).
	if t, i := x.titleAboveText(); t != "" {
		x.titleLine = i
		return x.joinTitleLines(t, refs)
	}
	// 6. The longest part of <title>.
	parts := titleParts(docTitle)
	best := parts[0]
	if runeLen(best) < 6 {
		for _, p := range parts[1:] {
			if runeLen(p) > runeLen(best) {
				best = p
			}
		}
	}
	return best
}

// joinTitleLines extends a title line with the lines after it while a
// reference (the <title>, og:title, headline) still contains the joined
// text: old government pages set a long heading as several centred lines.
func (x *extractor) joinTitleLines(title string, refs []string) string {
	a := x.a
	for _, r := range refs {
		if r == "" || !strings.Contains(r, title) {
			continue
		}
		joined := title
		for j := x.titleLine + 1; j < min(x.titleLine+6, len(a.lines)); j++ {
			t := strings.TrimSpace(a.lines[j].text)
			if t == "" || !strings.Contains(r, joined+t) {
				break
			}
			joined += t
			x.titleEnd = j
		}
		return joined
	}
	return title
}

// titleAboveText finds the heading of the text: the topmost title-like
// line of the block of plain lines just above the first paragraph (a title,
// then maybe a byline and a subtitle), with a trailing date cut off.
func (x *extractor) titleAboveText() (string, int) {
	a := x.a
	first := -1
	for i := x.bodyStart; i < x.bodyEnd; i++ {
		l := &a.lines[i]
		if l.runes >= 20 && l.link*3 < l.runes && strings.ContainsAny(l.text, "，。") && a.inRegion(a.reg, l) {
			first = i
			break
		}
	}
	if first < 0 {
		return "", -1
	}
	best, bestI := "", -1
	for i := first - 1; i >= max(first-6, 0); i-- {
		l := &a.lines[i]
		s := strings.TrimSpace(l.text)
		if l.link*2 > l.runes || l.inh&(fLinkItem|fComment|fCrumb|fNavLike) != 0 || isBoilerLine(s, l.runes) {
			// Navigation or boilerplate ends the block, but a blog's title
			// is often a link to the post itself.
			if best == "" && l.link*2 > l.runes && l.inh&(fLinkItem|fCrumb|fNavLike) == 0 && l.runes <= 60 &&
				hanCount(s) >= 4 && !strings.ContainsAny(s, "|｜>»") {
				best, bestI = s, i
			}
			break
		}
		if containsAny(s, "发表于", "发布于", "Posted", "posted") {
			continue
		}
		if l.runes < 4 || l.runes > 60 || strings.ContainsAny(s, ">»") || isFieldLine(s) {
			continue
		}
		if strings.ContainsAny(s, "。") || strings.ContainsAny(s[len(s)-1:], ",;:") || hasAnyPrefix(reverseTail(s), "，", "、", "；", "：") {
			continue
		}
		if hs := findDates(s, 1); len(hs) > 0 {
			// "标题 2005-06-14 03:25:55": keep the part before the date.
			cut := strings.TrimSpace(normDigits(s)[:hs[0].pos])
			if runeLen(cut) < 4 || containsAny(cut, metaWords...) {
				continue
			}
			s = cut
		} else if containsAny(s, "作者", "来源", "编辑", "记者", "通讯员", "实习生", "摄影", "供稿", "编者按") {
			continue
		}
		best, bestI = s, i
	}
	return best, bestI
}

// hanCount counts the Han characters of s.
func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF {
			n++
		}
	}
	return n
}

// reverseTail returns the last rune of s as a string.
func reverseTail(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return s[i:]
		}
	}
	return s
}

// fieldLabels name the fields of a document's information table.
var fieldLabels = map[string]bool{"标题": true, "索引号": true, "分类": true, "主题分类": true, "发文机关": true,
	"发文字号": true, "成文日期": true, "发布日期": true, "作者": true, "来源": true, "编辑": true, "关键词": true,
	"主题词": true, "发布机构": true, "文号": true, "日期": true, "时间": true}

// isFieldLine reports a "label：value" line of an information table.
func isFieldLine(s string) bool {
	i := strings.IndexAny(s, ":：")
	if i <= 0 {
		return false
	}
	label := strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s[:i])
	return fieldLabels[label]
}

func (x *extractor) setTitleLine() {
	e := &x.a.elems[x.titleElem]
	for i, l := range x.a.lines {
		if l.elem >= x.titleElem && l.elem < e.end {
			x.titleLine = i
			return
		}
		if l.elem >= e.end {
			return
		}
	}
}
