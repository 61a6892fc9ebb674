// This file renders the body: the main region narrowed to its first post,
// its lines minus the boilerplate (related-article labels, copyright and
// footer lines, notices, comment blocks, meta and stamp lines).

package extract

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

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
	lines, kept := x.bodyLines([]region{x.a.reg})
	x.bodyRegs, x.kept = []region{x.a.reg}, kept
	return strings.Join(lines, "\n")
}

// bodyLines renders the main text of the elements roots: their lines minus
// boilerplate, bylines, link lists and the title. kept holds the index in
// a.lines of each line of out (bodyhtml.go renders the same lines).
func (x *extractor) bodyLines(regs []region) (out []string, kept []int) {
	a := x.a
	seen := 0
	var cuts []int // where a credit or disclaimer stood: len(out) then
	var outRunes []int32
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
		if (l.inh&^above)&(fBad|fLinkItem|fLinkList|fCaption) != 0 {
			continue
		}
		s := strings.TrimSpace(l.text)
		if s == "" || glyphsOnly(s) {
			continue
		}
		if i == x.titleLine || (i > x.titleLine && i <= x.titleEnd) || s == x.rec.Title && (len(out) == 0 || len(out) >= 3 && l.runes >= 8) {
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
		if len(out) > 0 && isReplyFloor(s, l.runes) {
			// A forum thread's replies begin; the reply's poster (a
			// name, a rank) may stand above its label.
			for k := 0; k < 4 && len(out) > 1 && outRunes[len(out)-1] <= 20 && !strings.ContainsAny(out[len(out)-1], "，。！？,.!?"); k++ {
				out, outRunes = out[:len(out)-1], outRunes[:len(out)-1]
			}
			break
		}
		if len(out) > 0 && x.nextArticle(i) {
			break // the next article of an endless page begins
		}
		var zm uint8
		if l.runes <= 300 {
			zm = zhPhrases(s)
		}
		if isZhDisclaimer(s, l.runes, zm) || isZhCreditLine(s, l.runes, zm) || isZhCommentHead(s, l.runes) {
			cuts = append(cuts, len(out)) // the text may end here (see cutTail)
			continue
		}
		if isBoilerLine(s, l.runes) || isTeaserLine(s, l.runes, l.link) || isCTALine(s, l.runes) || isZhPromoLine(s, l.runes, zm) || isZhRelatedLead(s, l.runes) || isZhCounter(s, l.runes) || isZhShareOrCount(s, l.runes, zm) {
			continue
		}
		if len(out) > 0 && s == out[len(out)-1] && l.runes <= 60 && !isProse(s, l.runes) {
			continue // a caption or heading rendered twice
		}
		if seen <= 5 && (isMetaLine(s, l.runes) && !isProse(s, l.runes) || isBylineLine(s, l.runes)) || isStampLine(s, l.runes) || isDateStampLine(s, l.runes) {
			continue
		}
		// A line that is mostly a link: an inline "推荐阅读" item.
		if l.link*10 >= l.runes*6 && l.runes < 80 {
			continue
		}
		if l.runes <= 60 && (hasAnyPrefix(s, "作者：", "作者:", "来源：", "来源:", "编辑：", "编辑:", "本文来源") || strings.HasPrefix(s, "当前位置")) && seen <= 5 {
			continue
		}
		out, kept = append(out, s), append(kept, i)
		outRunes = append(outRunes, l.runes)
	}
	out = out[:cutTail(outRunes, cuts)]
	// Trailing bylines and counters (a few lines at most).
	for pops := 0; len(out) > 0 && pops < 3; pops++ {
		s := out[len(out)-1]
		n := int32(runeLen(s))
		_, labelled := stripLabel(strings.Trim(s, "（）() "), "编辑", "作者", "来源", "审核", "校对", "责编", "责任编辑", "本文来源", "文章来源", "采写", "撰文", "摄影", "通讯员")
		if isMetaLine(s, n) && n < 40 || n <= 40 && labelled {
			out = out[:len(out)-1]
			continue
		}
		break
	}
	return out, kept[:len(out)] // lines are only ever dropped from the end
}

// glyphsOnly reports a line of nothing but characters no font shows:
// U+FFFD (an emoji or a GBK page's own glyph lost on the way: ������) and
// private-use characters.
func glyphsOnly(s string) bool {
	for _, r := range s { // (an ordinary line ends this at its first character)
		if r != utf8.RuneError && !isPrivateUse(r) && !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func isPrivateUse(r rune) bool { return r >= 0xE000 && r <= 0xF8FF }

// cutTail ends the text at the first editor credit or disclaimer that
// stood after most of it: what a page puts under its credits (more
// promotions, the next article's teaser, an app's feed) is not the
// article's. A credit in the first half (under the lede) cuts nothing.
// runes are the lengths of the lines kept, cuts where a credit stood; it
// returns how many lines to keep.
func cutTail(runes []int32, cuts []int) int {
	if len(cuts) == 0 {
		return len(runes)
	}
	total := int32(0)
	for _, n := range runes {
		total += n
	}
	before, k := int32(0), 0
	for _, c := range cuts {
		for ; k < c; k++ {
			before += runes[k]
		}
		if before > 0 && before*2 >= total {
			return c
		}
	}
	return len(runes)
}

// nextArticle reports whether line i opens another article: a heading set
// like the title (same tag and class) below the text and followed by a
// byline with a date. Endless pages append the next
// article under the first this way.
func (x *extractor) nextArticle(i int) bool {
	a := x.a
	l := &a.lines[i]
	if x.titleElem < 0 || i <= x.titleEnd || l.inh&(fHeading|fTitleish) == 0 || l.runes < 4 || l.runes > 80 {
		return false
	}
	h := l.elem
	for k := 0; k < 3 && h >= 0 && a.elems[h].own&(fHeading|fTitleish) == 0; k++ {
		h = a.elems[h].parent
	}
	if h < 0 || h == x.titleElem {
		return false
	}
	t, e := &a.elems[x.titleElem], &a.elems[h]
	if e.tag != t.tag || attr(e.n, "class") != attr(t.n, "class") {
		return false
	}
	for j := i + 1; j < min(i+3, len(a.lines)); j++ {
		if n := &a.lines[j]; isMetaLine(n.text, n.runes) && !isProse(n.text, n.runes) {
			return true
		}
	}
	return false
}
