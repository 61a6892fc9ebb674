// This file decides the page type: article, list, home, search, error or
// blocked, from the page as a whole (the title's links, a heading, the
// body's prose).

package extract

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
)

var (
	blockedWords = []string{"访问过于频繁", "请求过于频繁", "访问频率", "人机验证", "安全验证", "滑动验证", "请完成验证", "验证码",
		"captcha", "CAPTCHA", "Captcha", "are you a robot", "Are you a robot", "异常访问", "访问受限", "访问被拒绝", "Access Denied", "检测到您的"}
	errorWords = []string{"404", "页面不存在", "页面未找到", "找不到页面", "找不到该页面", "页面找不到", "您访问的页面", "你访问的页面",
		"已被删除", "文章不存在", "内容不存在", "信息不存在", "已删除", "Not Found", "not found", "出错了", "页面已失效", "无法找到"}
)

func (x *extractor) pageType() {
	a := x.a
	rec := x.rec
	if rec.PageType != "" {
		return
	}
	bodyRunes := runeLen(rec.Body)
	x.prose, x.stops = proseStats(rec.Body, 120)
	vis := int(a.total)
	// The headline: the <title>, the title found and the page's h1..h3. A
	// block or error page says what it is there.
	head := ""
	if bodyRunes < 400 && vis < 1500 {
		head = rec.Title + "\n" + a.title
		for _, hi := range a.heads {
			switch a.elems[hi].tag {
			case atom.H1, atom.H2, atom.H3:
				head += "\n" + collapse(nodeText(a.elems[hi].n))
			}
		}
	}
	all := ""
	if vis < 300 {
		var b bytes.Buffer
		for _, l := range a.lines {
			b.WriteString(l.text)
			b.WriteByte('\n')
		}
		all = b.String()
	}
	switch {
	case head != "" && x.blocked(head, all):
		rec.PageType = PageBlocked
		return
	case bodyRunes < 300 && (containsAny(head, errorWords...) || vis < 600 && containsAny(all, "页面不存在", "404 Not Found", "找不到", "不存在或已被删除")):
		rec.PageType = PageError
		return
	case vis < 30 && !x.hasHeading() && !x.hasLinks():
		// An empty shell (a script-rendered app root) or a bare page; a
		// heading over a line of text is a (short) page of its own, and
		// a few links (a splash page's 进入网站 | English) a page to walk.
		rec.PageType = PageBlocked
		return
	}
	u := x.page
	path := strings.ToLower(u.Path)
	q := u.Query()
	search := strings.Contains(path, "search") || strings.Contains(path, "/s/") || strings.HasSuffix(path, "/s") ||
		q.Get("q") != "" || q.Get("wd") != "" || q.Get("keyword") != "" || q.Get("kw") != "" || q.Get("keywords") != "" ||
		(q.Get("s") != "" && !strings.Contains(path, ".")) || strings.Contains(a.title, "搜索结果")
	article := x.isArticle()
	switch {
	case search && !article:
		rec.PageType = PageSearch
	case (path == "" || path == "/" || strings.HasPrefix(path, "/index.") || path == "/default.aspx" || path == "/default.htm") && len(u.RawQuery) == 0:
		rec.PageType = PageHome
	case article:
		rec.PageType = PageArticle
	default:
		rec.PageType = PageList
	}
}

// blocked tells a captcha or 访问过于频繁 page, short by the caller's check,
// from an article that mentions such words in passing (a tip to keep one's
// 验证码 secret): the block words must be the page's message, its headline
// (with hardly any prose under it and no dated article), or its main text when that text is no
// article (a sentence or two), or anywhere on a tiny page without prose.
func (x *extractor) blocked(head, all string) bool {
	if containsAny(head, blockedWords...) && x.prose < 120 && !(x.articleProse() && x.hasDate) {
		return true
	}
	if x.articleProse() {
		return false
	}
	return containsAny(x.rec.Body, blockedWords...) || containsAny(all, blockedWords...)
}

// titleLinksElsewhere reports whether the record's title is the text of a
// link to another page inside the main text region, next to at least one
// more title-like link (six runes or more) to another page: the region is
// an index of articles (a list page, a blog's front page), not an article.
// Only called when the title did not come from a heading.
func (x *extractor) titleLinksElsewhere() bool {
	a := x.a
	title := x.rec.Title
	if title == "" || a.best < 0 {
		return false
	}
	self := *x.page
	self.Fragment = ""
	titled, others := false, 0
	for i := a.reg.lo; i < a.reg.hi && int(i) < len(a.elems); i++ {
		e := &a.elems[i]
		if e.tag != atom.A || e.link < 6 {
			continue
		}
		href := ""
		for _, at := range e.n.Attr {
			if at.Key == "href" {
				href = strings.TrimSpace(at.Val)
			}
		}
		if href == "" || strings.HasPrefix(href, "#") {
			continue
		}
		u, err := x.base.Parse(href)
		if err != nil {
			continue
		}
		u.Fragment = ""
		if u.String() == self.String() {
			continue
		}
		if !titled && collapse(nodeText(e.n)) == title {
			titled = true
		} else {
			others++
		}
	}
	return titled && others >= 1
}

// hasHeading reports whether the page has an h1..h3 with text.
// hasLinks reports a page with a link's text on it.
func (x *extractor) hasLinks() bool {
	for i := range x.a.lines {
		if x.a.lines[i].link > 0 {
			return true
		}
	}
	return false
}

func (x *extractor) hasHeading() bool {
	a := x.a
	for _, hi := range a.heads {
		switch e := &a.elems[hi]; e.tag {
		case atom.H1, atom.H2, atom.H3:
			if e.text > 0 {
				return true
			}
		}
	}
	return false
}

// articleProse reports whether the body holds the running prose of an
// article: at least a few sentences' worth of sentence-like text.
func (x *extractor) articleProse() bool {
	return x.prose >= 50 && x.stops >= 2
}

// proseStats measures the sentence-like text of body: the runes of its
// lines that hold sentence punctuation (，。；！？ or their ASCII forms) and
// have at least 8 runes, and the number of sentence ends (。！？, and ASCII
// . ! ? before a space or the end of a line). It stops counting once runes
// reach enough with two sentence ends: no caller needs to know more.
func proseStats(body string, enough int) (runes, stops int) {
	lineRunes, punct := 0, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\n':
			if punct && lineRunes >= 8 {
				runes += lineRunes
				if runes >= enough && stops >= 2 {
					return runes, stops
				}
			}
			lineRunes, punct = 0, false
			continue
		case c == ' ' || c == '\t' || c == '\r':
			continue
		case c == ',' || c == ';':
			punct = true
		case c == '.' || c == '!' || c == '?':
			if i+1 == len(body) || body[i+1] == ' ' || body[i+1] == '\n' {
				punct = true
				stops++
			}
		case c == 0xEF || c == 0xE3:
			r, n := utf8.DecodeRuneInString(body[i:])
			i += n - 1
			switch r {
			case '。', '！', '？':
				punct = true
				stops++
			case '，', '；':
				punct = true
			case 0x3000:
				continue
			}
		case c >= 0x80 && c < 0xC0:
			continue
		}
		lineRunes++
	}
	if punct && lineRunes >= 8 {
		runes += lineRunes
	}
	return runes, stops
}

// isArticle weighs the main text against the link lists of the page.
func (x *extractor) isArticle() bool {
	a := x.a
	if x.articleMeta() || x.proseUnderHeading() {
		// The page says it is one article (JSON-LD, article:published_time,
		// og:type under its own heading), or its heading stands over a run
		// of prose, whatever block the scorer picked: when the text was
		// not found, a wrong "list" would drop it from the archive.
		return true
	}
	if a.best < 0 {
		return false
	}
	text := 0
	for i := x.bodyStart; i < x.bodyEnd; i++ {
		if l := &a.lines[i]; a.inRegion(a.reg, l) {
			text += int(l.runes - l.link)
		}
	}
	body := runeLen(x.rec.Body)
	listText := 0
	for i := range a.elems {
		e := &a.elems[i]
		if e.own&fLinkList != 0 && e.inh&(fBad|fNavLike|fLinkItem) == 0 && (int32(i) < a.reg.lo || int32(i) >= a.reg.hi) {
			listText += int(e.text)
		}
	}
	switch {
	case body < 40:
		return false
	case x.titleElem < 0 && x.titleLinksElsewhere():
		// The headline is a link to another page: the first item of an
		// index (a list page, a blog's front page), not this page's article.
		return false
	case !x.articleProse() && !(x.prose >= 20 && x.stops >= 1 && x.hasDate && x.titleElem >= 0):
		// No running prose: a headline over a table of numbers (a
		// calendar), a link to copy, a one-line notice. A short dated
		// news flash under its own heading still counts.
		return false
	case listText > 4*text && body < 500 && !x.hasDate:
		return false
	case listText > 6*text && body < 300:
		return false
	case body >= 200:
		return true
	default:
		return x.hasDate || x.titleElem >= 0 || strings.ContainsAny(x.rec.Body, "。，！？")
	}
}

// articleMeta reports whether the page's metadata says it is one article:
// exactly one JSON-LD object of an article type (NewsArticle, BlogPosting,
// Report …; a list page that lists articles as JSON-LD has several), an
// article:published_time, or og:type article with a heading of the page's
// own as the title.
func (x *extractor) articleMeta() bool {
	a := x.a
	n := 0
	for _, o := range a.ldObjs() {
		if isArticleLDType(ldText(o["@type"])) {
			n++
		}
	}
	if n == 1 {
		return true
	}
	if n > 1 {
		return false
	}
	if a.meta["article:published_time"] != "" {
		return true
	}
	og := strings.ToLower(a.meta["og:type"])
	if og != "article" && !strings.HasPrefix(og, "article:") && og != "blog" && og != "news" {
		return false
	}
	// og:type is set site-wide by some templates: the title must be the
	// page's own, a heading over no list of links, or og:title itself and
	// no link to another page.
	if x.titleElem >= 0 {
		return !x.linksUnderHeading()
	}
	og = a.meta["og:title"]
	return x.rec.Title != "" && og != "" && !x.titleLinksElsewhere() &&
		(normTitle(x.rec.Title) == normTitle(og) || normTitle(x.rec.Title) == normTitle(titleParts(og)[0]))
}

// isArticleLDType reports a schema.org type of one piece of writing.
func isArticleLDType(t string) bool {
	t = strings.ToLower(t)
	return strings.HasSuffix(t, "article") || strings.HasSuffix(t, "posting") || t == "report" || t == "review"
}

// proseUnderHeading reports whether the title heading is followed by a run
// of prose: lines of sentences (200 runes and two sentence ends in all, on
// two lines or more, or one paragraph of 250 runes and three sentence ends)
// before any line that is mostly a link (the next item of a
// list, whose summaries are one line each between their headlines). It
// reads the page's lines whatever block the scorer picked.
func (x *extractor) proseUnderHeading() bool {
	_, ok := x.proseRun()
	return ok
}

// proseRun is proseUnderHeading, and the first line of the run.
func (x *extractor) proseRun() (first int, ok bool) {
	a := x.a
	if x.titleLine < 0 || x.titleElem < 0 {
		return -1, false
	}
	start := max(x.titleLine, x.titleEnd) + 1
	runes, lines, stops := 0, 0, 0
	first = -1
	for i := start; i < len(a.lines) && i < start+40; i++ {
		l := &a.lines[i]
		if l.runes == 0 {
			continue
		}
		if l.link*2 > l.runes && l.runes >= 6 {
			if lines > 0 {
				return -1, false
			}
			continue
		}
		if l.runes < 30 {
			continue
		}
		r, st := proseStats(l.text, 1<<30)
		if r == 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		runes += int(l.runes - l.link)
		lines++
		stops += st
		if runes >= 200 && stops >= 2 && (lines >= 2 || runes >= 250 && stops >= 3) {
			return first, true
		}
	}
	return -1, false
}

// recoverBody gives an article whose main text the scorer missed (a body
// of a sentence or less) the run of prose under its heading: its lines
// from the first sentence until a line that is mostly a link, a comment
// label or the site's footer, without boilerplate lines. It reports
// whether it did.
func (x *extractor) recoverBody() bool {
	a := x.a
	rec := x.rec
	if rec.PageType != PageArticle || runeLen(rec.Body) >= 100 || x.prof != nil && x.prof.Body != "" {
		return false // a profile's body selector is the site owner's word
	}
	first, ok := x.proseRun()
	if !ok {
		return false
	}
	var (
		out  []string
		kept []int
	)
	n := 0
	for i := first; i < len(a.lines) && i < first+400; i++ {
		l := &a.lines[i]
		s := strings.TrimSpace(l.text)
		if s == "" {
			continue
		}
		if l.link*2 > l.runes && l.runes >= 6 || isFooterLine(s, l.runes) ||
			l.runes <= 20 && hasAnyPrefix(strings.TrimLeft(s, " 【[『"), commentLabels...) {
			break
		}
		if isBoilerLine(s, l.runes) || l.inh&fCaption != 0 {
			continue
		}
		out, kept = append(out, s), append(kept, i)
		n += int(l.runes)
	}
	if n <= 2*runeLen(rec.Body) {
		return false
	}
	// The region: the smallest element holding the first and last lines.
	root := a.lines[kept[0]].elem
	last := a.lines[kept[len(kept)-1]].last
	for root >= 0 && a.elems[root].end <= last {
		root = a.elems[root].parent
	}
	if root < 0 {
		return false
	}
	rec.Body = strings.Join(out, "\n")
	x.bodyRegs, x.kept = []region{{root: root, lo: root, hi: a.elems[root].end}}, kept
	return true
}

// linksUnderHeading reports whether the first line of some length after the
// title heading is mostly a link: the heading of a list.
func (x *extractor) linksUnderHeading() bool {
	a := x.a
	if x.titleLine < 0 {
		return false
	}
	for i := max(x.titleLine, x.titleEnd) + 1; i < len(a.lines); i++ {
		if l := &a.lines[i]; l.runes >= 6 {
			return l.link*2 > l.runes
		}
	}
	return false
}
