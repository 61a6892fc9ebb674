// This file holds the knowledge of Chinese body boilerplate, as data: the
// phrases of app promotions, news-tip (报料) lines, reprint bans,
// disclaimers, editor credits and pagers that pages put inside or under the
// article text, and the small predicates bodyLines asks about a line. The
// algorithm that uses them is in bodylines.go.

package extract

import (
	"strings"
	"unicode/utf8"
)

// zhAppPromo are the phrases of an app or QR-code promotion: "下载客户端",
// "更多资讯请下载××APP", "扫码阅读全文", "扫二维码上××网".
var zhAppPromo = []string{"下载客户端", "客户端下载", "下载APP", "下载App", "下载app", "APP下载", "App下载",
	"打开APP", "打开App", "打开app", "APP内打开", "APP精彩推荐", "APP阅读", "APP查看", "扫码下载", "扫码阅读",
	"扫码关注", "扫码查看", "扫码收听", "扫码观看", "扫二维码", "扫描二维码", "扫描下方二维码", "扫描上方二维码",
	"长按识别二维码", "长按二维码", "识别二维码", "关注微信公众号", "关注公众号", "点击上方蓝字", "蓝字关注", "点个在看",
	"点亮在看", "阅读原文", "关注我们"}

// zhPromoOpeners start a promotion line even when it reads like a
// sentence: "（本文来自××，更多原创资讯请下载…）", "点击下载…".
var zhPromoOpeners = []string{"（", "(", "【", "[", "更多", "请", "点击", "扫", "长按", "下载", "打开", "欢迎", "本文来自",
	"▼", "↓", "↑", "👇", "☟"}

// zhTipPhrases mark a news-tip line: "××新闻报料：4009-…", "报料热线".
var zhTipPhrases = []string{"报料热线", "报料电话", "报料邮箱", "报料微信", "报料：", "报料:", "爆料热线", "爆料电话",
	"爆料邮箱", "爆料：", "爆料:", "新闻爆料", "新闻热线", "新闻线索", "线索征集"}

// zhReprintBans are a copyright line's reprint ban: "未经授权不得转载".
var zhReprintBans = []string{"未经授权不得转载", "未经许可不得转载", "未经授权禁止转载", "未经许可禁止转载", "未经允许不得转载",
	"禁止转载", "禁止商业转载", "谢绝转载", "转载请注明", "转载请联系", "转载请保留", "如需转载", "不得转载"}

// zhDisclaimerOpeners open a disclaimer line: "声明：本文仅代表作者本人观点…".
var zhDisclaimerOpeners = []string{"声明：", "声明:", "免责声明", "特别声明", "郑重声明", "版权声明", "【免责声明】",
	"[免责声明]", "（免责声明", "(免责声明", "风险提示：", "风险提示:", "【风险提示】"}

// zhDisclaimerPhrases are what a disclaimer says, wherever it starts: the
// text is the author's view, not the site's; nothing is investment advice.
var zhDisclaimerPhrases = []string{"仅代表作者", "仅代表该作者", "观点仅代表", "仅代表个人观点", "仅代表原作者",
	"不代表本网", "不代表本站", "不代表本平台", "不代表本报", "不代表网站", "并不表明", "不构成投资建议",
	"不构成任何投资建议", "不构成实质性投资建议", "据此操作", "风险自担", "仅提供信息存储空间", "与本网无关", "与本站无关",
	"仅供其表达个人看法", "出于传递更多信息", "不意味着赞同", "并不意味着赞同", "如有侵权", "侵权请联系", "版权归原作者",
	"联系删除", "请联系我们删除"}

// zhCreditLabels are the production credits closing an article: the
// editor, the proof-reader, the reviewer. They belong to the byline, not
// the text, and nothing under them is the article's.
var zhCreditLabels = []string{"责任编辑", "值班编辑", "编辑", "责编", "校对", "审核", "审校", "终审", "复审", "初审",
	"编审", "监制", "主编", "美编"}

// zhBylineLabels label the other byline fields a credit line may carry:
// "作者：未知 责任编辑：某某", "摄影/某某 编辑/某某".
var zhBylineLabels = []string{"作者", "来源", "本文来源", "文章来源", "稿件来源", "信息来源", "记者", "通讯员", "实习生", "摄影", "摄像", "图片", "采写", "撰文", "文字",
	"策划", "统筹", "制作", "出品", "供稿"}

// zhPagerPhrases are pager and "read the rest" controls: "1 2 下一页 余下全文".
var zhPagerPhrases = []string{"下一页", "上一页", "余下全文", "展开全文", "阅读全文", "查看全文", "点击查看全文",
	"继续阅读", "全文阅读"}

// zhMetaPrefixes open lines about the article, not of it: the original
// title of a reprint, a keyword list.
var zhMetaPrefixes = []string{"原标题：", "原标题:", "（原标题", "(原标题", "本文原标题", "（原题为", "(原题为", "原题：",
	"关键词 >>", "关键词>>", "关键词 》", "关键字 >>", "【纠错】", "[纠错]", "【我要纠错】", "[我要纠错]", "【字体", "字体：", "字体:"}

// zhCounterWords are like and view counters that stand alone on a line
// with a number: "推荐 70", "点赞 3".
var zhCounterWords = []string{"推荐", "标签"}

// The phrase lists as sets: zhPhrases finds which sets have a phrase in a
// line in one pass over it.
const (
	zpApp uint8 = 1 << iota
	zpTip
	zpReprint
	zpDisclaimer
	zpPager
	zpDownload // "下载", checked further by downloadApp
	zpCredit   // an editor credit label: checked further by isZhCreditLine
	zpShare    // a share prompt or a reader count
)

// zhPhrase is a phrase of one or more sets.
type zhPhrase struct {
	p   string
	set uint8
}

// zhPhraseIdx indexes the phrases by a hash of their first three bytes.
var zhPhraseIdx = func() (idx [4096][]zhPhrase) {
	sets := map[string]uint8{}
	add := func(set uint8, ps ...string) {
		for _, p := range ps {
			sets[p] |= set
		}
	}
	add(zpApp, zhAppPromo...)
	add(zpTip, zhTipPhrases...)
	add(zpReprint, zhReprintBans...)
	add(zpDisclaimer, zhDisclaimerPhrases...)
	add(zpPager, zhPagerPhrases...)
	add(zpDownload, "下载")
	add(zpCredit, zhCreditLabels...)
	add(zpShare, zhShareWords...)
	add(zpShare, zhCountWords...)
	for p, set := range sets {
		k := zhKey(p)
		idx[k] = append(idx[k], zhPhrase{p, set})
	}
	return idx
}()

// zhKey hashes the first three bytes of s (every phrase has as many).
func zhKey(s string) int {
	if len(s) < 3 {
		return 0
	}
	return (int(s[0])*31*31 + int(s[1])*31 + int(s[2])) & 4095
}

// zhPhrases returns the sets with a phrase in s: one pass, a bucket
// looked up at each rune start.
func zhPhrases(s string) (m uint8) {
	for i := 0; i+3 <= len(s); i++ {
		if s[i]&0xC0 == 0x80 {
			continue
		}
		for _, p := range zhPhraseIdx[zhKey(s[i:])] {
			if m&p.set != p.set && strings.HasPrefix(s[i:], p.p) {
				m |= p.set
			}
		}
	}
	return m
}

// isProse reports a line that reads as a sentence, not a label: a full
// stop, or two commas in a line of some length.
func isProse(s string, runes int32) bool {
	return strings.Contains(s, "。") || runes > 30 && strings.Count(s, "，") >= 2
}

// isZhPromoLine reports an app, QR-code or tip-line promotion, a reprint
// ban, a pager or a meta line (原标题, 关键词 >>): a line that is never
// the article's text wherever it stands.
func isZhPromoLine(s string, runes int32, m uint8) bool {
	if runes > 80 {
		return false
	}
	if m&zpApp != 0 || m&zpDownload != 0 && downloadApp(s) {
		t := strings.TrimLeft(s, " ")
		if runes <= 25 || hasAnyPrefix(t, zhPromoOpeners...) || !strings.ContainsAny(s, "，。") {
			return true
		}
	}
	if runes <= 60 && m&zpTip != 0 && (hasDigit(s) || strings.Contains(s, "@") || runes <= 20) {
		return true
	}
	if runes <= 60 && m&zpReprint != 0 {
		return true
	}
	if runes <= 30 && m&zpPager != 0 && !strings.ContainsAny(s, "，。") {
		return true
	}
	return hasAnyPrefix(s, zhMetaPrefixes...)
}

// downloadApp reports "下载" followed closely by an app or client word:
// "请下载“某某新闻”APP", "下载某某客户端".
func downloadApp(s string) bool {
	i := strings.Index(s, "下载")
	if i < 0 {
		return false
	}
	rest := s[i+len("下载"):]
	rest = rest[:min(len(rest), 30)]
	return containsAny(rest, "APP", "App", "app", "客户端")
}

// isZhDisclaimer reports a disclaimer: a line opened by 声明/免责声明, or
// one that says the text is only its author's view.
func isZhDisclaimer(s string, runes int32, m uint8) bool {
	if runes > 300 {
		return false
	}
	t := strings.TrimLeft(s, " ")
	if m&zpDisclaimer != 0 || hasAnyPrefix(t, zhDisclaimerOpeners...) {
		return true
	}
	// A notice's heading: "某某网版权与免责声明：".
	t = strings.TrimRight(t, " ：:】]")
	return runes <= 30 && hasAnySuffix(t, noticeLabels...)
}

// hasAnySuffix reports whether s ends with one of ss.
func hasAnySuffix(s string, ss ...string) bool {
	for _, x := range ss {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// isZhCreditLine reports an editor's credit line: short, no sentence, and
// made of labelled fields of which one is an editor, proof-reader or
// reviewer credit: "【编辑：某某】", "编辑|某某", "作者：未知 责任编辑：某某",
// "编辑 某某 校对 某某", "（责任编辑：某某）".
func isZhCreditLine(s string, runes int32, m uint8) bool {
	if runes > 50 || runes < 3 || m&zpCredit == 0 {
		return false
	}
	// A correction link may lead the credit: "【纠错】 [责任编辑：某某]".
	for _, p := range []string{"【纠错】", "[纠错]", "【我要纠错】", "[我要纠错]"} {
		if strings.HasPrefix(s, p) {
			s = strings.TrimLeft(s[len(p):], " ")
			break
		}
	}
	// A bracketed credit may lead a line of other links: "【编辑：某某】 返回首页，查看更多".
	for _, br := range [][2]string{{"【", "】"}, {"[", "]"}, {"（", "）"}, {"(", ")"}} {
		if strings.HasPrefix(s, br[0]) {
			if i := strings.Index(s, br[1]); i > 0 {
				s = s[:i]
			}
			break
		}
	}
	if strings.ContainsAny(s, "。，！？") {
		return false
	}
	t := strings.Trim(s, " 【】[]（）()")
	// Every field starts at the line's start or after a space or bracket.
	for i := 0; i < len(t); {
		if i == 0 || t[i-1] == ' ' || strings.HasSuffix(t[:i], "】") || strings.HasSuffix(t[:i], "（") || strings.HasSuffix(t[:i], "(") {
			for _, l := range zhCreditLabels {
				if strings.HasPrefix(t[i:], l) && creditSep(t[i+len(l):]) {
					return i == 0 || leadsWithByline(t)
				}
			}
		}
		_, n := utf8.DecodeRuneInString(t[i:])
		i += n
	}
	return false
}

// leadsWithByline reports a line whose first field is a byline label
// (作者, 来源, 摄影…) or a credit, or which ends its first word with 供稿:
// what may come before an editor credit on its line.
func leadsWithByline(t string) bool {
	for _, l := range zhBylineLabels {
		if strings.HasPrefix(t, l) && creditSep(t[len(l):]) {
			return true
		}
	}
	first, _, _ := strings.Cut(t, " ")
	return strings.HasSuffix(first, "供稿") || strings.HasSuffix(first, "报道") || strings.HasSuffix(first, "记者")
}

// creditSep reports whether rest, what follows a credit label, starts with
// a separator and a name: "：某某", "|某某", " 某某", "/某某".
func creditSep(rest string) bool {
	for _, sep := range []string{"：", ":", "|", "丨", "｜", "/", "／", " "} {
		if strings.HasPrefix(rest, sep) {
			r := strings.TrimLeft(rest[len(sep):], " ：:")
			return r != "" && !strings.HasPrefix(r, "】") && !strings.HasPrefix(r, "）") && !strings.HasPrefix(r, ")")
		}
	}
	return false
}

// isZhRelatedLead reports a related-articles lead-in that carries its
// item: "相关阅读：某某", "相关资讯请关注:某某专区", "APP精彩推荐".
func isZhRelatedLead(s string, runes int32) bool {
	if runes > 40 {
		return false
	}
	t := strings.TrimLeft(s, " 【[")
	for _, l := range relatedLabels {
		if strings.HasPrefix(t, l) {
			rest := strings.TrimLeft(t[len(l):], " 】]")
			if rest == "" || hasAnyPrefix(rest, "：", ":", "|", "丨", ">", "》", "»", "请关注", "请点击", "，请") {
				return true
			}
		}
		if runes <= 12 && strings.HasSuffix(t, l) {
			return true // "APP精彩推荐", "本文相关推荐"
		}
	}
	return false
}

// isZhCounter reports a counter or label standing alone with a number:
// "推荐70", "推荐 0", "标签".
func isZhCounter(s string, runes int32) bool {
	if runes > 10 {
		return false
	}
	for _, w := range zhCounterWords {
		if strings.HasPrefix(s, w) {
			rest := strings.Trim(s[len(w):], " :：()（）")
			if strings.TrimFunc(rest, func(r rune) bool { return r >= '0' && r <= '9' }) == "" {
				return true
			}
		}
	}
	return false
}

// floorNumber reads a forum post's floor label, "第 2 楼", "3楼", "#4楼":
// a number before 楼 that ends a word (end of line, a space or a mark
// follows, not more text: "第12楼发生火灾" is no label). ok is false when
// the line has none.
func floorNumber(s string) (n int, ok bool) {
	for off := 0; ; {
		i := strings.Index(s[off:], "楼")
		if i < 0 {
			return 0, false
		}
		i += off
		off = i + len("楼")
		after := s[off:]
		if after != "" && !hasAnyPrefix(after, " ", "：", ":", "|", "）", ")", "]", "】", "\u3000") {
			continue
		}
		j := i
		for j > 0 && s[j-1] == ' ' {
			j--
		}
		k := j
		for k > 0 && s[k-1] >= '0' && s[k-1] <= '9' {
			k--
		}
		if k == j || j-k > 5 {
			continue
		}
		v := 0
		for _, c := range s[k:j] {
			v = v*10 + int(c-'0')
		}
		return v, true
	}
}

// isReplyFloor reports the label of a forum reply's floor (the second or a
// later one): the thread's first post has ended.
func isReplyFloor(s string, runes int32) bool {
	if runes > 40 || !strings.Contains(s, "楼") || strings.ContainsAny(s, "，。") {
		return false
	}
	n, ok := floorNumber(s)
	return ok && n >= 2
}

// zhShareWords are share prompts: "分享到：", "微信扫一扫分享".
var zhShareWords = []string{"分享到", "分享至", "一键分享", "扫一扫分享", "微信扫一扫", "分享给朋友", "分享到朋友圈", "转发到朋友圈",
	"点击右上角分享", "转发给朋友"}

// isZhShareOrCount reports a share prompt, or a comment or reader count
// standing alone: "23条评论", "已有 3 人参与", "共有12条评论".
func isZhShareOrCount(s string, runes int32, m uint8) bool {
	if runes > 25 || m&zpShare == 0 || strings.Contains(s, "。") {
		return false
	}
	if containsAny(s, zhShareWords...) {
		return true
	}
	return runes <= 16 && hasDigit(s) && containsAny(s, zhCountWords...)
}

// zhCountWords follow the number of a reader count: "23条评论".
var zhCountWords = []string{"条评论", "人参与", "条回复", "人评论", "人跟帖", "条跟帖"}

// zhCommentHeads head a comment section when they stand alone, with or
// without a count: "评论（3）", "跟帖 12", "全部回复".
var zhCommentHeads = []string{"评论", "留言", "回复", "跟帖", "评论区", "全部评论", "全部回复", "全部留言", "网友评论", "热门评论",
	"最新评论", "精彩评论", "条评论", "条留言", "条回复", "读者留言", "精选留言"}

// isZhCommentHead reports a comment section's heading: the text may end
// there (bodyLines cuts at it when most of the text is above).
func isZhCommentHead(s string, runes int32) bool {
	if runes > 14 {
		return false
	}
	trim := func(r rune) bool {
		return r == '(' || r == ')' || r == '（' || r == '）' || r == '[' || r == ']' || r == '【' || r == '】' ||
			r == ' ' || r == ':' || r == '：' || r >= '0' && r <= '9'
	}
	core := strings.TrimFunc(strings.TrimPrefix(strings.TrimFunc(s, trim), "共"), trim)
	for _, h := range zhCommentHeads {
		if core == h {
			return true
		}
	}
	return false
}
