// This file finds the author and the source (来源): labelled byline values,
// sign-offs closing the text, and whether a value is a person's name or a
// publication.

package extract

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// reSignoff matches a closing byline: （记者 张三 李四 北京报道）.
// reNameSignoff is a sign-off of two or more names alone: （常书香 马丹阳）.
// One name alone is left out: （完）, （待续） and the like look the same.
var reNameSignoff = regexp.MustCompile(`[（(]\s*(\p{Han}{2,3}(?:\s+\p{Han}{2,3})+)\s*[）)]\s*$`)

// reOneNameSignoff is a sign-off of one name: （张巨峰）. It counts only
// when the name looks like a person's (personName), which （完） and
// （待续） do not.
var reOneNameSignoff = regexp.MustCompile(`[（(]\s*(\p{Han}{2,3})\s*[）)]\s*$`)

// reDatelineReporter is a dateline's reporters, in the first sentence of a
// news text: …10月4日电（记者 张三、李四）, 本报讯（记者陈智 整合）.
var reDatelineReporter = regexp.MustCompile(`^.{0,60}?(?:电|讯)\s*[（(]\s*(?:本报|本台|本网)?(?:特派|驻\p{Han}{1,4})?记者\s*([^）)]{2,60})[）)]`)

// datelineNames are the names of a dateline's reporters (通讯员 and 实习生
// included), up to the first word that is none (整合, 报道, 摄).
func datelineNames(s string) string {
	var names []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '、' || r == '，' || r == ',' || r == '\u3000' }) {
		for _, role := range []string{"通讯员", "实习生", "记者"} {
			f = strings.TrimPrefix(f, role)
		}
		if f == "" {
			continue
		}
		rs := []rune(f)
		if len(rs) < 2 || len(rs) > 4 || bylineFiller[f] || strings.HasSuffix(f, "报道") || !allHan(f) {
			break
		}
		names = append(names, f)
	}
	return strings.Join(names, " ")
}

// allHan reports whether s is all Han characters.
func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

// reNameOutlet is a byline of a name and its publication: 石佳/中国青年报.
var reNameOutlet = regexp.MustCompile(`^(\p{Han}{2,3})\s*/\s*(\p{Han}{2,10}(?:报|网|社|台|刊|新闻|杂志|周刊))$`)

// reReporterSignoff is a reporter's sign-off closing the text: （记者 胡晓蓉）,
// (信报记者 蔡雪婧), （本报记者 王某 通讯员 李某）.
var reReporterSignoff = regexp.MustCompile(`[（(]\s*\p{Han}{0,6}记者\s*(\p{Han}{2,4}(?:\s+\p{Han}{2,4})*)((?:\s+(?:通讯员|实习生)\s*\p{Han}{2,4}(?:\s+\p{Han}{2,4})*)*)\s*[）)]\s*$`)

var reSignoff = regexp.MustCompile(`[（(]\s*(?:本报)?(?:记者\s*)?(\p{Han}{2,4}(?:\s+\p{Han}{2,4})*)\s+\p{Han}{2,8}报道\s*[）)]\s*$`)

var authorLabels = []string{"作者", "撰文", "执笔人", "执笔", "文/", "文 /", "记者", "实习生", "通讯员", "发布者", "发布人", "楼主", "博主", "提问者"}

// labelValue cuts the value after a label: up to the next label or wide gap.
func labelValue(s string) string {
	s = strings.TrimLeft(s, " :：/")
	if t := strings.TrimLeft(s, "[【"); t != s { // 来源：[ 国际金融报 ]
		s = strings.TrimLeft(t, " ")
	}

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
	s = strings.TrimFunc(s, func(r rune) bool {
		// (A private-use character is a GBK page's own glyph, a blank
		// here, and decoded as U+FFFD when no table has it.)
		return unicode.IsSpace(r) || unicode.Is(unicode.Co, r) || r == utf8.RuneError || strings.ContainsRune(",，;；:：/】]）)", r)
	})
	if runeLen(s) > 20 || strings.ContainsAny(s, "，。！？；“”=\"'<>") {
		return ""
	}
	// Several names: keep the leading ones ("彭冲 山东冠县报道" is a name
	// and a dateline).
	if f := strings.Fields(s); len(f) > 1 {
		k := 1
		for k < len(f) && runeLen(f[k]) <= 4 && runeLen(f[k]) >= 2 && !strings.HasSuffix(f[k], "报道") && !bylineFiller[f[k]] && allHan(f[k]) {
			k++
		}
		s = strings.Join(f[:k], " ")
	}
	if bylineFiller[s] {
		return ""
	}
	// An editor's staff code glued to the name: 化成雨_NBJ.
	if m := reStaffCode.FindStringSubmatchIndex(s); m != nil {
		s = s[:m[2]]
	}
	return strings.TrimSuffix(s, "报道")
}

// reStaffCode is a staff code after a Han name (化成雨_NBJ, 杨倩_NF).
var reStaffCode = regexp.MustCompile(`\p{Han}(_[A-Z0-9]{1,6})$`)

// pastOutlet skips who a writer is, before his role, at the start of a
// byline's value: 文/观察者网专栏作者 王文 is 王文. (作者： with its colon is
// a label, not a role.)
func pastOutlet(s string) string {
	for _, st := range []string{"作者", "记者"} {
		if i := strings.Index(s, st); i > 0 && !hasAnyPrefix(s[i+len(st):], ":", "：") {
			if pre := strings.TrimSpace(strings.TrimLeft(s[:i], " :：/")); publication(pre) || hasAnySuffix(pre, "专栏", "特约", "首席", "资深", "本报", "本刊", "本台", "本网") {
				return s[i+len(st):]
			}
		}
	}
	return s
}

// isRole reports a label of a reporter's role (记者, 实习生, 通讯员).
func isRole(lab string) bool { return lab == "记者" || lab == "实习生" || lab == "通讯员" }

// roleOpens reports a line that opens with a role's label, after at most
// three characters (本报记者, 本台通讯员).
func roleOpens(s string) bool {
	for _, lab := range []string{"记者", "实习生", "通讯员"} {
		if i := strings.Index(s, lab); i >= 0 && i <= 9 {
			return true
		}
	}
	return false
}

// moreRoles adds to names, read after a role's label in rest, the names
// after the other role labels that follow on the line: 本报实习生 刘国栋
// 周炜 本报记者 王燕平 方云凤 is all five.
func moreRoles(rest, names string) string {
	for {
		next, at := "", len(rest)
		for _, lab := range []string{"记者", "实习生", "通讯员"} {
			if i := strings.Index(rest, lab); i >= 0 && i < at {
				next, at = lab, i
			}
		}
		if next == "" {
			return names
		}
		rest = rest[at+len(next):]
		more := labelValue(rest)
		if more == "" {
			return names
		}
		for _, n := range strings.Fields(more) {
			if !slices.Contains(strings.Fields(names), n) { // (a byline said twice is one)
				names += " " + n
			}
		}
	}
}

// bylineFiller are the words a byline's names run into that are no name:
// the buttons beside it (来源：新京报 举报) and what the writer did
// (记者陈智 整合).
var bylineFiller = map[string]bool{"举报": true, "参与互动": true, "打印": true, "纠错": true, "收藏": true, "分享": true,
	"关注": true, "订阅": true, "评论": true, "我要评论": true, "复制链接": true, "整合": true, "整理": true, "编译": true,
	"综合": true, "摄": true, "发自": true}

func (x *extractor) authorSource() {
	a := x.a
	lo, hi := x.zone()
	ranges := [][2]int{{lo, max(hi, min(x.bodyStart+10, x.bodyEnd))}, {max(x.bodyEnd-4, lo), min(x.bodyEnd+6, len(a.lines))}}
	var author, source, editor string
	roleLine := -1 // the line whose role label (记者, 实习生) gave the author
	for _, rg := range ranges {
		for i := rg[0]; i < rg[1]; i++ {
			l := &a.lines[i]
			if l.runes > 120 || l.inh&(fLinkItem|fComment) != 0 || l.link*5 >= l.runes*4 || hasAnyPrefix(l.text, crumbLabels...) {
				continue // (a menu or a breadcrumb: 当前位置： 首页｜新华社记者看东北｜人物专访)
			}
			s := l.text
			if roleLine >= 0 && i <= roleLine+2 && l.runes <= 40 && roleOpens(s) {
				// The other roles' lines under it: 本报实习生 刘国栋 周炜 /
				// 本报记者 王燕平 方云凤.
				if more := moreRoles(s, author); more != author {
					author, roleLine = more, i
				}
			}
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
					if (lab == "记者" || lab == "通讯员" || lab == "实习生") && (l.runes > 60 || j > 0 && !isSpaceByteEnd(s[:j]) && !hasAnyPrefix(s[j-3:], "报", "社", "网", "台", "闻", "）", "（", "：") && !strings.HasSuffix(s[:j], ")") && !strings.HasSuffix(s[:j], "(")) {
						continue
					}
					if lab != "记者" && lab != "通讯员" && lab != "实习生" && lab != "文/" && lab != "文 /" {
						r := strings.TrimLeft(rest, " ")
						if !hasAnyPrefix(r, ":", "：") {
							continue
						}
					}
					author = labelValue(pastOutlet(rest))
					if author != "" && isRole(lab) {
						author, roleLine = moreRoles(rest, author), i
					}
				}
			}
			if source == "" {
				for _, lab := range []string{"来源", "出处", "稿源"} {
					if j := strings.Index(s, lab); j >= 0 {
						r := strings.TrimLeft(s[j+len(lab):], " ")
						if hasAnyPrefix(r, ":", "：") && !strings.Contains(r, "版权") && !strings.Contains(r, "转载") {
							// (来源：东方IC 版权作品 请勿转载 is a photo's credit.)
							source = labelValue(r)
							break
						}
					}
				}
			}
			if author == "" && l.runes <= 20 {
				// A name and its paper: 石佳/中国青年报.
				if m := reNameOutlet.FindStringSubmatch(strings.TrimSpace(s)); m != nil && personName(m[1]) {
					author = m[1]
					if source == "" {
						source = m[2]
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
	if source == "" {
		source = x.bareSource(ranges[0])
	}
	if author == "" {
		// A dateline's reporters opening the text: 新华社北京10月4日电（记者
		// 张三、李四）, 本报讯（记者 王五 通讯员 赵六）.
		lines := strings.SplitN(x.rec.Body, "\n", 3)
		for _, line := range lines[:min(len(lines), 2)] {
			if !strings.Contains(line, "记者") { // (the regexp only where it can match)
				continue
			}
			if m := reDatelineReporter.FindStringSubmatch(line); m != nil {
				author = datelineNames(m[1])
				break
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
			} else if m := reOneNameSignoff.FindStringSubmatch(lines[i]); m != nil && personName(m[1]) {
				author = m[1]
			}
		}
	}
	if author == "" {
		author = ldAuthor(a.ldObjs())
		if x.siteName(author) {
			author = ""
		}
	}
	if author == "" {
		author = collapse(a.meta["author"])
		if author == "" {
			author = collapse(a.meta["article:author"])
		}
		if strings.Contains(author, "://") || siteList(author) || x.siteName(author) || strings.Contains(author, " Team") {
			author = "" // (Discuz! Team and Comsenz UI Team: the template's makers)
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
	if !strings.ContainsFunc(author, unicode.IsLetter) {
		author = "" // a user id (104363), a bare mark
	}
	x.rec.Author = author
	x.rec.Source = source
}

// bareSource finds an unlabelled source under the title: a publication's
// name alone on its line or beside the date (2019-09-26 10:56 证券时报网,
// 游民星空[整理]), known as one by its ending (网, 报, 社 …) or as the site's
// name.
func (x *extractor) bareSource(rg [2]int) string {
	if x.titleLine < 0 {
		return "" // no heading on the page to stand under (a search page: its logo is no source)
	}
	for i := max(rg[0], x.titleLine+1); i < min(rg[1], len(x.a.lines)); i++ {
		l := &x.a.lines[i]
		if l.runes > 40 {
			break // the text has begun: a byline stands above it
		}
		if l.inh&(fLinkItem|fComment) != 0 {
			continue
		}
		t := l.text
		for _, h := range findDates(t, 2) {
			t = strings.Replace(t, h.raw, " ", 1)
		}
		t = strings.TrimSpace(t)
		if j := strings.IndexAny(t, "[【"); j > 0 && (strings.HasSuffix(t, "]") || strings.HasSuffix(t, "】")) {
			t = strings.TrimSpace(t[:j]) // (its role: 游民星空[整理])
		}
		if n := runeLen(t); n < 2 || n > 12 || !allHan(strings.ReplaceAll(t, "·", "")) {
			continue
		}
		if publication(t) || x.siteName(t) {
			return t
		}
	}
	return ""
}

// publication reports a name that ends as a publication's does (网, 报,
// 社, 台, 刊, 新闻, 杂志), after two characters at least: 新闻 alone is a
// word, 中新网 a name.
func publication(s string) bool {
	for _, suf := range []string{"网", "报", "社", "台", "刊", "新闻", "杂志", "周刊", "客户端"} {
		if strings.HasSuffix(s, suf) && runeLen(s)-runeLen(suf) >= 2 {
			return true
		}
	}
	return false
}

// siteName reports a name that is the site's, as a meta author often is:
// its og:site_name, or the last part of the <title>, alone or with a
// channel's word after it (网易 of "…_网易财经"; but not 张三 of
// "…_张三的博客").
func (x *extractor) siteName(s string) bool {
	n := normTitle(s)
	if n == "" {
		return false
	}
	// (Not siteNames: its host names and confirmed <title> suffixes took
	// real bylines for the site on the dev sets: 证券时报网, 李在山.)
	if normTitle(x.a.meta["og:site_name"]) == n {
		return true
	}
	// The last part only: a middle one may be the author's name (… –
	// Francois Massol – Medium).
	if parts := titleParts(x.a.title); len(parts) > 1 {
		if rest, ok := strings.CutPrefix(normTitle(parts[len(parts)-1]), n); ok && (rest == "" || channelWords[rest]) {
			return true
		}
	}
	return false
}

// channelWords follow a site's name in its channels' names: 网易财经,
// 新浪新闻, 澎湃号.
var channelWords = map[string]bool{"新闻": true, "财经": true, "科技": true, "体育": true, "娱乐": true, "订阅": true,
	"号": true, "网": true, "频道": true, "客户端": true, "首页": true, "新闻中心": true, "资讯": true, "汽车": true,
	"房产": true, "教育": true, "健康": true, "军事": true, "历史": true, "文化": true, "旅游": true, "时尚": true}

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
