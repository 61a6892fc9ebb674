// Package extract turns one fetched HTML page into a Record: title, main
// text, publish date, author, source, channel, breadcrumb, keywords and the
// related-article cards, plus the kind of page it is. It is pure: a document
// in, a record out, no I/O (LoadProfiles is the one function that reads a
// file). Extraction is generic, from text and link density over the tree;
// site profiles (data, not code) override it field by field.
package extract

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options tune one extraction.
type Options struct {
	// FetchedAt is when the page was fetched: the record's fetch time and the
	// reference for relative dates (3天前, 昨天 14:05) and dates without a year.
	FetchedAt time.Time
	// Profiles are the site profiles to apply; nil means none.
	Profiles *Profiles
}

// ExtractBytes parses raw (see Parse) and extracts the record of pageURL.
func ExtractBytes(raw []byte, contentType, pageURL string, opt Options) (*Record, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("extract: page url %q: %w", pageURL, err)
	}
	doc, err := Parse(raw, contentType)
	if err != nil {
		return nil, fmt.Errorf("extract: %s: %w", pageURL, err)
	}
	return Extract(doc, u, opt), nil
}

// Extract reads the parsed document of pageURL and returns its record, with
// PageType set; a page that is not an article still gets what was found. It
// is deterministic and never panics: on an internal error it returns the
// fields found so far. doc is left as it was, but a profile with a drop list
// detaches the dropped nodes for the duration of the call, so a document
// must not be extracted by two goroutines at once with such a profile.
func Extract(doc *goquery.Document, pageURL *url.URL, opt Options) (rec *Record) {
	rec = &Record{FetchedAt: opt.FetchedAt, Breadcrumb: []string{}, Keywords: []string{}, Cards: []Card{}}
	if pageURL != nil {
		rec.URL = pageURL.String()
		rec.Site = pageURL.Host
	} else {
		pageURL = &url.URL{}
	}
	defer func() {
		if r := recover(); r != nil {
			if rec.PageType == "" {
				rec.PageType = PageError
			}
		}
		rec.ContentHash = rec.Hash()
	}()
	if doc == nil || len(doc.Nodes) == 0 {
		rec.PageType = PageBlocked
		return rec
	}
	var prof *Profile
	if opt.Profiles != nil {
		prof = opt.Profiles.For(pageURL.Hostname())
	}
	x := &extractor{opt: opt, base: pageURL, page: pageURL, rec: rec, prof: prof}
	root := doc.Nodes[0]
	var restore func()
	if prof != nil && len(prof.dropSel) > 0 {
		restore = hideNodes(root, prof.dropSel)
	}
	x.a = analyse(root)
	if restore != nil {
		restore()
	}
	if x.a.baseHref != "" {
		if b, err := pageURL.Parse(x.a.baseHref); err == nil {
			x.base = b
		}
	}
	x.run()
	if prof != nil {
		x.applyProfile(doc)
	}
	x.pageType()
	x.a.release()
	return rec
}

// hideNodes takes the nodes matched by sels out of the tree until restore is
// called, so a profile's drop list never changes the caller's document.
func hideNodes(root *html.Node, sels []compiledSel) (restore func()) {
	type hidden struct{ n, parent, next *html.Node }
	var hs []hidden
	for _, s := range sels {
		for _, n := range s.sel.MatchAll(root) {
			if n.Parent == nil {
				continue
			}
			hs = append(hs, hidden{n, n.Parent, n.NextSibling})
			n.Parent.RemoveChild(n)
		}
	}
	return func() {
		for i := len(hs) - 1; i >= 0; i-- {
			h := hs[i]
			h.parent.InsertBefore(h.n, h.next)
		}
	}
}

// extractor holds one extraction's state.
type extractor struct {
	opt       Options
	page      *url.URL // the page's own URL
	base      *url.URL // the URL links resolve against (<base href> or page)
	rec       *Record
	prof      *Profile
	a         *analysis
	bodyStart int // line range of the main text node
	bodyEnd   int
	titleLine int // line of the title heading, -1 if none
	titleEnd  int // last line of a heading set over several lines (>= titleLine)
	titleElem int32
	date      dateHit
	hasDate   bool
	linkLists []int32
	prose     int // runes of the body's sentence-like lines, up to 120 or so (see proseStats)
	stops     int // sentence ends in the body
}

func (x *extractor) run() {
	a := x.a
	if a.best >= 0 {
		a.reg = x.firstPost(a.reg)
	}
	x.titleLine, x.titleElem, x.titleEnd = -1, -1, -1
	x.bodyStart, x.bodyEnd = 0, 0
	if a.best >= 0 {
		first := true
		for i := range a.lines {
			if a.inRegion(a.reg, &a.lines[i]) {
				if first {
					x.bodyStart, first = i, false
				}
				x.bodyEnd = i + 1
			}
		}
	}
	x.rec.Title = x.title()
	x.rec.Body = x.body()
	x.findDate()
	x.authorSource()
	x.crumbsKeywords()
	x.cards()
}

// firstPost narrows a region that holds several posts (a blog archive, a
// forum thread) to the first: repeated siblings, each long and opening with
// a dated heading line.
func (x *extractor) firstPost(r region) region {
	a := x.a
	root := r.root
	for depth := 0; depth < 6; depth++ {
		e := &a.elems[root]
		var group []int32
		var sig sigKey
		total := int32(0)
		dominant := int32(-1)
		for c := e.child; c >= 0; c = a.elems[c].next {
			ce := &a.elems[c]
			if r.run && root == r.root && (c < r.lo || c >= r.hi) {
				continue
			}
			if ce.text*10 >= e.text*9 {
				dominant = c
			}
			if ce.text < 200 {
				continue
			}
			k := sigKey{ce.tag, attr(ce.n, "class")}
			if len(group) == 0 {
				sig = k
			}
			if k == sig {
				group = append(group, c)
				total += ce.text
			}
		}
		if len(group) >= 2 && total*10 >= e.text*7 && x.allDated(group) {
			g := group[0]
			return region{root: g, lo: g, hi: a.elems[g].end}
		}
		if dominant < 0 {
			break
		}
		root = dominant
	}
	return r
}

// allDated reports whether every element of group opens with a short
// dated line and has more lines after it.
func (x *extractor) allDated(group []int32) bool {
	a := x.a
	for _, g := range group {
		end := a.elems[g].end
		n, dated := 0, false
		for i := range a.lines {
			l := &a.lines[i]
			if l.elem < g || l.elem >= end {
				continue
			}
			n++
			if n <= 2 && l.runes <= 60 && len(findDates(l.text, 1)) > 0 {
				dated = true
			}
			if n > 2 {
				break
			}
		}
		if !dated || n < 2 {
			return false
		}
	}
	return true
}

// ---- title ----

var titleSeps = []string{"_", "|", "｜", " - ", " – ", " — ", "--", "——", " :: ", "»", " · ", "-"}

// titleParts splits a <title> on its site and channel separators.
func titleParts(t string) []string {
	for _, sep := range titleSeps {
		if strings.Contains(t, sep) {
			var out []string
			for _, p := range strings.Split(t, sep) {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			if len(out) > 1 {
				return out
			}
		}
	}
	return []string{strings.TrimSpace(t)}
}

func (x *extractor) title() string {
	a := x.a
	docTitle := a.title
	og := collapse(a.meta["og:title"])
	ld := ldString(a.ldObjs(), "headline")
	refs := []string{docTitle, og, ld}
	// 1. A heading of the page that the <title>, og:title or headline
	// contains: the article's own heading, without the site suffix.
	bestScore := 0
	var bestText string
	for _, hi := range a.heads {
		e := &a.elems[hi]
		if e.inh&(fBad|fLinkItem) != 0 && e.inh&fTitleish == 0 {
			continue
		}
		t := collapse(nodeText(e.n))
		n := runeLen(t)
		if n < 2 || n > 120 {
			continue
		}
		score := 0
		for _, r := range refs {
			if r != "" && (strings.Contains(r, t) || strings.Contains(t, r)) {
				score = n * 4
				if r == t {
					score++
				}
				break
			}
		}
		if score == 0 {
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
		if t := collapse(nodeText(e.n)); runeLen(t) >= 4 {
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

// ---- body ----

var relatedLabels = []string{"大家还在看", "相关阅读", "相关推荐", "猜你喜欢", "相关文章", "延伸阅读", "推荐阅读",
	"相关新闻", "相关链接", "更多阅读", "热门推荐", "相关资讯", "为你推荐", "为您推荐", "你可能感兴趣", "您可能感兴趣",
	"看了本文的人还看了", "相关问题", "精彩推荐", "热门文章", "更多精彩", "相关内容", "推荐文章", "扩展阅读"}

var boilerPrefixes = []string{"©", "Copyright", "COPYRIGHT", "copyright", "版权所有", "版权声明", "(c)", "（c）",
	"上一篇", "下一篇", "上一页", "下一页", "返回顶部", "返回首页", "关闭窗口", "打印本页", "【打印", "【关闭", "[打印", "[关闭",
	"分享到", "分享至", "分享：", "扫一扫", "相关搜索词", "标签：", "标签:", "关键词：", "关键词:", "关键字：", "关键字:",
	"Tags:", "Tags：", "TAG:", "TAG：", "tags:", "责任编辑", "【责任编辑", "[责任编辑", "（责任编辑", "(责任编辑",
	"本文链接", "原文链接", "文章来源：", "点击排行", "评论(", "评论（", "发表评论", "我要评论", "网友评论", "登录后",
	"举报", "收藏本文", "字号", "【字号", "【大 中 小】", "[大 中 小]"}

// isBoilerLine reports lines that are never main text: copyright, share
// bars, keyword lines, pagers, like counts, related labels.
func isBoilerLine(s string, runes int32) bool {
	if runes <= 40 && hasAnyPrefix(s, boilerPrefixes...) {
		return true
	}
	if runes <= 150 && hasAnyPrefix(s, "©", "Copyright", "版权所有", "本网站所有内容") {
		return true
	}
	if runes <= 12 {
		t := strings.Trim(s, " :：>》»")
		for _, l := range relatedLabels {
			if t == l {
				return true
			}
		}
		// Like and view counters: "(0)", "赞 3", "阅读 120".
		core := strings.TrimFunc(t, func(r rune) bool {
			return r == '(' || r == ')' || r == '（' || r == '）' || r == ' ' || (r >= '0' && r <= '9')
		})
		switch core {
		case "最佳答案", "网友回答", "全部回答", "其他回答", "满意答案", "推荐答案", "专家回答", "精选回答", "热心网友", "相关问题":
			return true
		case "", "赞", "点赞", "收藏", "分享", "评论", "阅读", "浏览", "喜欢", "顶", "踩", "有用", "没用", "好评", "差评", "打赏":
			return true
		}
	}
	return false
}

// reICP is a Chinese site licence number (京ICP备12345678号, ICP证B2-…),
// the mark of a page footer; the words alone (ICP备案) are not.
var reICP = regexp.MustCompile(`ICP[备证][\s:：]*[\dA-Za-z]`)

// isFooterLine reports a line of the site footer that a main-text block
// sometimes runs into: a licence number, "All Rights Reserved", a
// copyright with its reprint ban, the news licence or the report hotline.
// Nothing after it is the article's.
func isFooterLine(s string, runes int32) bool {
	if runes > 200 {
		return false
	}
	if strings.Contains(s, "ICP") && reICP.MatchString(s) || strings.Contains(s, "互联网新闻信息服务许可证") || containsFold(s, "all rights reserved") {
		return true
	}
	if strings.Contains(s, "版权所有") && containsAny(s, "未经", "不得转载", "©", "Copyright", "copyright") {
		return true
	}
	return runes <= 80 && strings.Contains(s, "不良信息举报")
}

// containsFold reports whether s contains the lower-case ASCII word w, in
// any case, without lower-casing s.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i]|0x20 == w[0] && strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// noticeLabels open the legal notices some sites put under every article:
// the body ends there.
var noticeLabels = []string{"反侵权公告", "版权声明", "免责声明", "特别声明", "郑重声明", "版权说明", "法律声明"}

// commentLabels head the comment section under an article: the text ends
// there.
var commentLabels = []string{"最新评论", "网友评论", "发表评论", "参与评论", "我要评论", "相关评论", "全部评论", "热门评论",
	"用户评论", "读者评论", "评论区", "精彩评论", "网友留言", "我要留言", "发表留言"}

// metaWords mark the byline under a heading.
var metaWords = []string{"来源", "作者", "编辑", "发布", "时间", "浏览", "阅读", "点击", "字号", "评论", "日期", "记者", "人气", "投稿", "出处"}

// isMetaLine reports the byline: a short line with a date and a label.
func isMetaLine(s string, runes int32) bool {
	if runes > 100 {
		return false
	}
	if len(findDates(s, 1)) == 0 {
		if _, ok := relativeDate(normDigits(s), time.Unix(1e9, 0)); !ok {
			return false
		}
	}
	if containsAny(s, metaWords...) {
		return true
	}
	// A bare date, or a date and time with a site or paper name.
	if strings.ContainsAny(s, "，。！？") {
		return false
	}
	if runes <= 25 {
		return true
	}
	hs := findDates(s, 1)
	return runes <= 60 && len(hs) > 0 && hs[0].prec >= precMinute
}

// isStampLine reports a line that is a name and a date stamp: "热心网友 1天前",
// "张三 2023-11-23 15:02".
func isStampLine(s string, runes int32) bool {
	if runes > 30 || strings.ContainsAny(s, "，。！？；") {
		return false
	}
	s = normDigits(s)
	if h, ok := relativeDate(s, time.Unix(1e9, 0)); ok {
		return runes-int32(runeLen(h.raw)) <= 12
	}
	if hs := findDates(s, 1); len(hs) > 0 && hs[0].prec >= precMinute {
		return runes-int32(runeLen(hs[0].raw)) <= 12
	}
	return false
}

func (x *extractor) body() string {
	if x.a.best < 0 {
		return ""
	}
	return strings.Join(x.bodyLines([]region{x.a.reg}), "\n")
}

// bodyLines renders the main text of the elements roots: their lines minus
// boilerplate, bylines, link lists and the title.
func (x *extractor) bodyLines(regs []region) []string {
	a := x.a
	seen := 0
	var out []string
	for i := range a.lines {
		l := &a.lines[i]
		root, in := int32(-1), false
		for _, r := range regs {
			if a.inRegion(r, l) {
				root, in = r.root, true
				if !r.run {
					root = a.elems[r.root].parent
				}
				break
			}
		}
		if !in {
			continue
		}
		seen++
		above := flags(0)
		if root >= 0 {
			above = a.elems[root].inh
		}
		if (l.inh&^above)&(fBad|fLinkItem|fLinkList) != 0 {
			continue
		}
		s := strings.TrimSpace(l.text)
		if s == "" {
			continue
		}
		if i == x.titleLine || (i > x.titleLine && i <= x.titleEnd) || (len(out) == 0 && s == x.rec.Title) {
			continue
		}
		if l.runes <= 30 && hasAnyPrefix(s, noticeLabels...) && len(out) > 0 {
			break
		}
		if l.runes <= 20 && hasAnyPrefix(strings.TrimLeft(s, " 【[『"), commentLabels...) && len(out) > 0 {
			break
		}
		if len(out) > 0 && isFooterLine(s, l.runes) {
			break // the site's footer: the text has ended
		}
		if isBoilerLine(s, l.runes) {
			continue
		}
		if seen <= 5 && isMetaLine(s, l.runes) || isStampLine(s, l.runes) {
			continue
		}
		// A line that is mostly a link: an inline "推荐阅读" item.
		if l.link*10 >= l.runes*6 && l.runes < 80 {
			continue
		}
		if l.runes <= 60 && (hasAnyPrefix(s, "作者：", "作者:", "来源：", "来源:", "编辑：", "编辑:", "本文来源") || strings.HasPrefix(s, "当前位置")) && seen <= 5 {
			continue
		}
		out = append(out, s)
	}
	// Trailing bylines and counters (a few lines at most).
	for pops := 0; len(out) > 0 && pops < 3; pops++ {
		s := out[len(out)-1]
		n := int32(runeLen(s))
		_, labelled := stripLabel(strings.Trim(s, "（）() "), "编辑", "作者", "来源", "审核", "校对", "责编", "责任编辑", "本文来源", "文章来源")
		if isMetaLine(s, n) && n < 40 || n <= 40 && labelled {
			out = out[:len(out)-1]
			continue
		}
		break
	}
	return out
}

// ---- date ----

var metaDateKeys = []string{"article:published_time", "og:article:published_time", "og:published_time",
	"article:published", "published_time", "publish_time", "publishdate", "publish-date", "pubdate", "datepublished",
	"firstpublishedtime", "dc.date.issued", "dc.date", "dcterms.created", "dcterms.date", "sailthru.date",
	"ptime", "weibo: article:create_at", "og:release_date", "release_date", "parsely-pub-date", "date", "created"}

func (x *extractor) setDate(h dateHit) {
	x.date, x.hasDate = h, true
}

func (x *extractor) notFuture(h dateHit) bool {
	if x.opt.FetchedAt.IsZero() {
		return true
	}
	return !h.t.After(x.opt.FetchedAt.Add(36 * time.Hour))
}

func (x *extractor) findDate() {
	defer func() {
		if x.hasDate {
			t := x.date.t
			x.rec.Published = &t
			x.rec.PublishedRaw = x.date.raw
		}
	}()
	a := x.a
	ref := x.opt.FetchedAt
	// 1. JSON-LD, 2. meta; refined by the byline when it shows the time or
	// the page's zone.
	var meta dateHit
	haveMeta := false
	if s := ldString(a.ldObjs(), "datePublished"); s != "" {
		if h, ok := parseMetaDate(s); ok && x.notFuture(h) {
			meta, haveMeta = h, true
		}
	}
	for _, k := range metaDateKeys {
		if haveMeta {
			break
		}
		if s := a.meta[k]; s != "" {
			if h, ok := parseMetaDate(s); ok && x.notFuture(h) {
				meta, haveMeta = h, true
			}
		}
	}
	vis, labelled, haveVis := x.visibleDate()
	if haveMeta {
		if haveVis && labelled {
			meta = refineDate(meta, vis)
		}
		x.setDate(meta)
		return
	}
	// 3. A labelled date or <time> near the heading, 4. the first date of
	// the article.
	if haveVis {
		x.setDate(vis)
		return
	}
	ok := func(l *line) bool { return l.inh&(fLinkItem|fComment|fBadStrong) == 0 || l.inh&fCrumb != 0 }
	for i := x.bodyStart; i < x.bodyEnd; i++ {
		l := &a.lines[i]
		if !ok(l) || !a.inRegion(a.reg, l) {
			continue
		}
		if h, found := firstDate(l.text, ref, false); found && x.notFuture(h) {
			x.setDate(h)
			return
		}
	}
	// A sign-off with a year and month (——《某刊》1998年3月号).
	for i := x.bodyEnd - 1; i >= x.bodyStart && i >= x.bodyEnd-6; i-- {
		l := &a.lines[i]
		if !ok(l) || l.runes > 60 {
			continue
		}
		if h, found := firstDate(l.text, time.Time{}, true); found && x.notFuture(h) {
			x.setDate(h)
			return
		}
	}
	// A date set by a script.
	if h, found := scriptDate(a.scripts); found && x.notFuture(h) {
		x.setDate(h)
		return
	}
	// The URL's date.
	if h, found := urlDate(x.page); found && x.notFuture(h) {
		x.setDate(h)
	}
}

// visibleDate finds the byline date: a labelled date near the heading, a
// <time>, an unlabelled date on the byline, or a labelled date just after
// the body (blogs and forums sign off with 发表于 ...).
func (x *extractor) visibleDate() (h dateHit, labelled, found bool) {
	a := x.a
	ref := x.opt.FetchedAt
	lo, hi := x.zone()
	ok := func(l *line) bool { return l.inh&(fLinkItem|fComment|fBadStrong) == 0 || l.inh&fCrumb != 0 }
	var unl *dateHit
	for i := lo; i < hi; i++ {
		l := &a.lines[i]
		if !ok(l) {
			continue
		}
		if h, found := labelledDate(l.text, ref); found && x.notFuture(h) {
			return h, true, true
		}
		if unl == nil && l.runes <= 120 && i < x.bodyStart+3 {
			if h, found := firstDate(l.text, ref, true); found && x.notFuture(h) && (!h.short || isMetaLine(l.text, l.runes)) {
				unl = &h
			}
		}
	}
	for _, ti := range a.times {
		e := &a.elems[ti]
		if e.inh&(fLinkItem|fComment|fBadStrong|fNavLike) != 0 {
			continue
		}
		if a.best >= 0 && ti > a.reg.hi {
			continue
		}
		v := attr(e.n, "datetime")
		if v == "" {
			v = collapse(nodeText(e.n))
		}
		if h, found := parseMetaDate(v); found && x.notFuture(h) {
			return h, true, true
		}
	}
	if unl != nil {
		return *unl, true, true
	}
	for i := x.bodyEnd; i < len(a.lines) && i < x.bodyEnd+8; i++ {
		l := &a.lines[i]
		if !ok(l) {
			continue
		}
		if h, found := labelledDate(l.text, ref); found && x.notFuture(h) {
			return h, true, true
		}
	}
	return dateHit{}, false, false
}

// refineDate improves a machine date with the byline: the byline's time
// when the machine date has only the day, and the page's zone when the
// machine date is in another one (UTC) and the byline shows the local time.
func refineDate(meta, vis dateHit) dateHit {
	if vis.relative || vis.short {
		return meta
	}
	my, mm, md := meta.t.Date()
	vy, vm, vd := vis.t.Date()
	dayOnly := meta.prec <= precDay || meta.t.Hour()+meta.t.Minute()+meta.t.Second() == 0
	if dayOnly && vis.prec >= precMinute && my == vy && mm == vm && md == vd {
		return vis
	}
	// A machine date without a time of day that is a day off the labelled
	// date the page shows: a CMS field kept at midnight in another zone or
	// set on the day after. The reader's date is the one on the page.
	if dayOnly && vis.prec >= precDay {
		d := time.Date(vy, vm, vd, 0, 0, 0, 0, time.UTC).Sub(time.Date(my, mm, md, 0, 0, 0, 0, time.UTC))
		if d == 24*time.Hour || d == -24*time.Hour {
			return vis
		}
	}
	if meta.prec < precMinute || vis.prec < precMinute {
		return meta
	}
	wall := time.Date(vy, vm, vd, vis.t.Hour(), vis.t.Minute(), 0, 0, time.UTC)
	off := wall.Sub(meta.t.Truncate(time.Minute))
	if off < -14*time.Hour || off > 14*time.Hour || off%(15*time.Minute) != 0 {
		return meta
	}
	if _, cur := meta.t.Zone(); time.Duration(cur)*time.Second == off {
		return meta
	}
	loc := time.FixedZone("", int(off/time.Second))
	if off == 8*time.Hour {
		loc = cst
	}
	meta.t = meta.t.In(loc)
	return meta
}

// zone is the line range around the heading where the byline lives.
func (x *extractor) zone() (lo, hi int) {
	lo = x.bodyStart - 10
	if x.titleLine >= 0 && x.titleLine < x.bodyStart {
		lo = x.titleLine - 2
	}
	lo = max(lo, 0)
	hi = min(x.bodyStart+6, x.bodyEnd, len(x.a.lines))
	if x.titleLine >= x.bodyStart && x.titleLine < x.bodyEnd {
		hi = min(x.titleLine+8, x.bodyEnd)
	}
	if hi <= lo {
		hi = min(lo+10, len(x.a.lines))
	}
	return lo, hi
}

var reScriptDate = []string{"publish_time", "publishtime", "pubtime", "pubdate", "publishdate", "pub_date",
	"datepublished", "createtime", "create_time", "posttime", "post_time", "releasetime", "ct"}

// scriptDate finds a publish date assigned in an inline script.
func scriptDate(scripts []string) (dateHit, bool) {
	for _, s := range scripts {
		for _, k := range reScriptDate {
			for off := 0; ; {
				i := indexFoldString(s[off:], k)
				if i < 0 {
					break
				}
				i += off
				off = i + len(k)
				if i > 0 && isIdentByte(lowerByte(s[i-1])) || off < len(s) && isIdentByte(lowerByte(s[off])) {
					continue
				}
				rest := s[off:min(len(s), off+60)]
				j := strings.IndexAny(rest, "=:")
				if j < 0 || j > 6 {
					continue
				}
				v := strings.TrimLeft(rest[j+1:], " \t\"'")
				if end := strings.IndexAny(v, "\"';,\n}"); end >= 0 {
					v = v[:end]
				}
				if h, ok := parseMetaDate(strings.TrimSpace(v)); ok {
					return h, true
				}
			}
		}
	}
	return dateHit{}, false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// urlDate reads a date from a URL path: /2023/11/23/, /20231123/, /2023-11/23/.
func urlDate(u *url.URL) (dateHit, bool) {
	if u == nil {
		return dateHit{}, false
	}
	p := u.Path
	if m := reCompact.FindStringSubmatch(p); m != nil {
		y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
		if dateOK(y, mo, d, 0, 0, 0) {
			return dateHit{t: time.Date(y, time.Month(mo), d, 0, 0, 0, 0, cst), raw: m[0], prec: precDay}, true
		}
	}
	if m := reURLYM.FindStringSubmatchIndex(p); m != nil {
		y, mo := atoi(p[m[2]:m[3]]), atoi(p[m[4]:m[5]])
		rest := p[m[1]:]
		d := 0
		if len(rest) >= 2 && rest[0] >= '0' && rest[0] <= '3' && rest[1] >= '0' && rest[1] <= '9' && (len(rest) == 2 || rest[2] == '/') {
			d = atoi(rest[:2])
		}
		if d > 0 && dateOK(y, mo, d, 0, 0, 0) {
			return dateHit{t: time.Date(y, time.Month(mo), d, 0, 0, 0, 0, cst), raw: p[m[0] : m[1]+2], prec: precDay}, true
		}
	}
	return dateHit{}, false
}

// ---- author, source ----

// reSignoff matches a closing byline: （记者 张三 李四 北京报道）.
// reNameSignoff is a sign-off of two or more names alone: （常书香 马丹阳）.
// One name alone is left out: （完）, （待续） and the like look the same.
var reNameSignoff = regexp.MustCompile(`[（(]\s*(\p{Han}{2,3}(?:\s+\p{Han}{2,3})+)\s*[）)]\s*$`)

// reReporterSignoff is a reporter's sign-off closing the text: （记者 胡晓蓉）,
// (信报记者 蔡雪婧), （本报记者 王某 通讯员 李某）.
var reReporterSignoff = regexp.MustCompile(`[（(]\s*\p{Han}{0,6}记者\s*(\p{Han}{2,4}(?:\s+\p{Han}{2,4})*)((?:\s+(?:通讯员|实习生)\s*\p{Han}{2,4}(?:\s+\p{Han}{2,4})*)*)\s*[）)]\s*$`)

var reSignoff = regexp.MustCompile(`[（(]\s*(?:本报)?(?:记者\s*)?(\p{Han}{2,4}(?:\s+\p{Han}{2,4})*)\s+\p{Han}{2,8}报道\s*[）)]\s*$`)

var authorLabels = []string{"作者", "撰文", "执笔人", "执笔", "文/", "文 /", "记者", "实习生", "通讯员", "发布者", "发布人", "楼主", "博主", "提问者"}

// labelValue cuts the value after a label: up to the next label or wide gap.
func labelValue(s string) string {
	s = strings.TrimLeft(s, " :：/")
	stops := []string{"来源", "时间", "发布", "日期", "浏览", "编辑", "阅读", "点击", "作者", "记者", "通讯员", "|", "｜", "  ", "\t", "【", "[", "（", "(", "责任", "字号", "评论", "分享", "摄影", "出处", "发表"}
	end := len(s)
	for _, st := range stops {
		if i := strings.Index(s, st); i >= 0 && i < end {
			end = i
		}
	}
	s = strings.TrimSpace(s[:end])
	if i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' }); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	s = strings.Trim(s, " ,，;；:：/")
	if runeLen(s) > 20 || strings.ContainsAny(s, "，。！？；“”=\"'<>") {
		return ""
	}
	// Several names: keep the leading ones ("彭冲 山东冠县报道" is a name
	// and a dateline).
	if f := strings.Fields(s); len(f) > 1 {
		k := 1
		for k < len(f) && runeLen(f[k]) <= 4 && runeLen(f[k]) >= 2 && !strings.HasSuffix(f[k], "报道") {
			k++
		}
		s = strings.Join(f[:k], " ")
	}
	return strings.TrimSuffix(s, "报道")
}

func (x *extractor) authorSource() {
	a := x.a
	lo, hi := x.zone()
	ranges := [][2]int{{lo, max(hi, min(x.bodyStart+10, x.bodyEnd))}, {max(x.bodyEnd-4, lo), min(x.bodyEnd+6, len(a.lines))}}
	var author, source, editor string
	for _, rg := range ranges {
		for i := rg[0]; i < rg[1]; i++ {
			l := &a.lines[i]
			if l.runes > 120 || l.inh&(fLinkItem|fComment) != 0 {
				continue
			}
			s := l.text
			if author == "" && l.runes <= 60 {
				// A forum or blog signature: "name 发表于 2005-9-15 11:46".
				if j := strings.Index(s, "发表于"); j > 0 {
					if f := strings.Fields(s[:j]); len(f) > 0 {
						author = labelValue(f[len(f)-1])
					}
				}
			}
			for _, lab := range authorLabels {
				if author != "" {
					break
				}
				if j := strings.Index(s, lab); j >= 0 {
					rest := s[j+len(lab):]
					if (lab == "记者" || lab == "通讯员" || lab == "实习生") && (l.runes > 60 || j > 0 && !isSpaceByteEnd(s[:j]) && !hasAnyPrefix(s[j-3:], "报", "社", "网", "台", "）", ")", "：")) {
						continue
					}
					if lab != "记者" && lab != "通讯员" && lab != "实习生" && lab != "文/" && lab != "文 /" {
						r := strings.TrimLeft(rest, " ")
						if !hasAnyPrefix(r, ":", "：") {
							continue
						}
					}
					author = labelValue(rest)
				}
			}
			if source == "" {
				for _, lab := range []string{"来源", "出处", "稿源"} {
					if j := strings.Index(s, lab); j >= 0 {
						r := strings.TrimLeft(s[j+len(lab):], " ")
						if hasAnyPrefix(r, ":", "：") {
							source = labelValue(r)
							break
						}
					}
				}
			}
			if editor == "" {
				for _, lab := range []string{"责任编辑", "责编", "编辑"} {
					if j := strings.Index(s, lab); j >= 0 {
						r := strings.TrimLeft(s[j+len(lab):], " ")
						if hasAnyPrefix(r, ":", "：") {
							editor = labelValue(r)
							break
						}
					}
				}
			}
		}
	}
	if author == "" {
		// A news sign-off at the end: （姚峰 上海报道）.
		lines := strings.Split(x.rec.Body, "\n")
		for i := len(lines) - 1; i >= 0 && i >= len(lines)-3 && author == ""; i-- {
			if m := reSignoff.FindStringSubmatch(lines[i]); m != nil {
				author = strings.Join(strings.Fields(m[1]), " ")
			} else if m := reReporterSignoff.FindStringSubmatch(lines[i]); m != nil {
				var names []string
				for _, f := range strings.Fields(m[1] + " " + m[2]) {
					if f = strings.TrimPrefix(strings.TrimPrefix(f, "通讯员"), "实习生"); f != "" {
						names = append(names, f)
					}
				}
				author = strings.Join(names, " ")
			} else if m := reNameSignoff.FindStringSubmatch(lines[i]); m != nil {
				author = strings.Join(strings.Fields(m[1]), " ")
			}
		}
	}
	if author == "" {
		author = ldAuthor(a.ldObjs())
	}
	if author == "" {
		author = collapse(a.meta["author"])
		if author == "" {
			author = collapse(a.meta["article:author"])
		}
		if strings.Contains(author, "://") || siteList(author) {
			author = ""
		}
	}
	// A byline of the name alone opening the text (an essay's or column's
	// "title / author / text" layout): the author, not the text.
	if first, rest, ok := strings.Cut(x.rec.Body, "\n"); ok && rest != "" {
		if name := strings.TrimSpace(first); (author == "" || name == author) && personName(name) {
			author, x.rec.Body = name, rest
		}
	}
	if author == "" && personName(source) {
		author = source // 来源：尹娟: a person is the source, so the writer
	}
	if author == "" {
		author = editor
	}
	x.rec.Author = author
	x.rec.Source = source
}

// commonSurnames are the hundred or so most common Chinese surnames (over
// four in five people bear one).
const commonSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范廖石贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"

// personName reports whether s looks like a person's name rather than a
// publication: two or three Han characters, the first a common surname,
// no publisher's word at the end.
func personName(s string) bool {
	rs := []rune(s)
	if len(rs) < 2 || len(rs) > 3 || !strings.ContainsRune(commonSurnames, rs[0]) {
		return false
	}
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return !strings.ContainsRune("网报社台站刊部局院会界所厅委办处司室中心团校馆", rs[len(rs)-1])
}

// siteList reports a meta author that names the site, not a person: a
// domain, or a comma list like "www.yunnan.cn,云南日报报业集团,云南网".
func siteList(s string) bool {
	l := strings.ToLower(s)
	if strings.Contains(l, "www.") || strings.Contains(l, ".com") || strings.Contains(l, ".cn") || strings.Contains(l, ".net") {
		return true
	}
	return strings.Count(s, ",")+strings.Count(s, "，") >= 2
}

// ---- breadcrumb, category, keywords ----

var crumbLabels = []string{"当前位置", "您的位置", "你的位置", "您现在的位置", "你现在的位置", "所在位置", "位置"}

func splitCrumb(s string) []string {
	for _, l := range crumbLabels {
		if i := strings.Index(s, l); i >= 0 && i < 12 {
			s = strings.TrimLeft(s[i+len(l):], " :：")
			break
		}
	}
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == '>' || r == '»' || r == '＞' || r == '›' || r == '→' || r == '/' || r == '|' || r == '》' || r == '〉'
	})
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && p != "正文" && p != "详情" && p != "内容" && p != "详细内容" && p != "正文内容" {
			out = append(out, p)
		}
	}
	return out
}

func (x *extractor) crumbsKeywords() {
	a := x.a
	// Breadcrumb: a line in a crumb-named element or one that starts with
	// 当前位置, before the body.
	limit := x.bodyStart
	if x.titleLine >= 0 && x.titleLine < limit {
		limit = x.titleLine
	}
	for i := 0; i < len(a.lines) && i < limit+1; i++ {
		l := &a.lines[i]
		s := l.text
		label := false
		for _, cl := range crumbLabels {
			if k := strings.Index(s, cl); k >= 0 && k < 6 {
				label = true
				break
			}
		}
		sep := strings.ContainsAny(s, ">»＞›→")
		crumb := l.inh&fCrumb != 0 && (sep || strings.Contains(s, "/") || l.link > 0)
		if !(label || crumb || sep && l.link > 0 && i < limit) || l.runes > 80 {
			continue
		}
		items := splitCrumb(s)
		if len(items) >= 2 || (label || crumb) && len(items) == 1 {
			if !label && !crumb && containsAny(s, "更多", "more") {
				continue
			}
			x.rec.Breadcrumb = items
		}
	}
	if len(x.rec.Breadcrumb) == 0 {
		x.rec.Breadcrumb = ldCrumbs(a.ldObjs())
	}
	// Category: the last crumb that is not the title.
	bc := x.rec.Breadcrumb
	for i := len(bc) - 1; i >= 0; i-- {
		c := bc[i]
		if c == x.rec.Title || (runeLen(c) > 12 && strings.Contains(x.rec.Title, c)) || (runeLen(x.rec.Title) > 4 && strings.Contains(c, x.rec.Title)) {
			continue
		}
		if i == 0 && len(bc) > 1 && (c == "首页" || c == "网站首页" || c == "主页") {
			break
		}
		x.rec.Category = c
		break
	}
	if x.rec.Category == "" {
		for _, k := range []string{"article:section", "og:article:section", "category", "og:category", "articlesection"} {
			if v := collapse(a.meta[k]); v != "" {
				x.rec.Category = v
				break
			}
		}
	}
	if x.rec.Category == "" {
		x.rec.Category = ldString(a.ldObjs(), "articleSection")
	}
	// Keywords: a labelled line of tags.
	for i := range a.lines {
		l := &a.lines[i]
		if l.runes > 200 || l.inh&fComment != 0 {
			continue
		}
		s, ok := stripLabel(l.text, "相关搜索词", "相关搜索", "标签", "关键词", "关键字", "Tags", "TAGS", "Tag", "TAG", "tags", "热门标签")
		if !ok {
			continue
		}
		if kw := splitKeywords(s, false); len(kw) > 0 {
			x.rec.Keywords = kw
			return
		}
	}
	if kw := splitKeywords(a.meta["keywords"], false); len(kw) > 0 {
		x.rec.Keywords = kw
	}
}

// splitKeywords splits a keyword list on , ， 、 ; and | (and spaces when
// none of those is used, or spaceToo).
func splitKeywords(s string, spaceToo bool) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	seps := ",，、;；|｜"
	if spaceToo || !strings.ContainsAny(s, seps) {
		seps += " \u3000\t"
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] || runeLen(p) > 40 {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out
}

// ---- page type ----

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
	case vis < 30 && !x.hasHeading():
		// An empty shell (a script-rendered app root) or a bare page; a
		// heading over a line of text is a (short) page of its own.
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
