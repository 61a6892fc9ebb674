// This file finds the breadcrumb, the category (channel) and the keywords.

package extract

import (
	"strings"
	"unicode"
)

var crumbLabels = []string{"当前位置", "您的位置", "你的位置", "您现在的位置", "你现在的位置", "所在位置", "所在的位置", "位置"}

// crumbLabel returns where a breadcrumb's label (当前位置, 您所在的位置)
// ends in s, when s opens with one: a label may follow up to four
// characters (您 of 您所在的位置), 位置 alone at most one.
func crumbLabel(s string) (end int, ok bool) {
	for _, l := range crumbLabels {
		if i := strings.Index(s, l); i >= 0 && (i <= 12 && l != "位置" || i < 6) {
			return i + len(l), true
		}
	}
	return 0, false
}

// hanWords reports words set apart by spaces, each with Han characters.
func hanWords(s string) bool {
	f := strings.Fields(s)
	if len(f) < 2 {
		return false
	}
	for _, w := range f {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			return false
		}
	}
	return true
}

func splitCrumb(s string) []string {
	if end, ok := crumbLabel(s); ok {
		s = strings.TrimLeft(s[end:], " :：")
	}
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == '>' || r == '»' || r == '＞' || r == '›' || r == '→' || r == '/' || r == '|' || r == '｜' || r == '》' || r == '〉'
	})
	if len(parts) == 1 && hanWords(parts[0]) {
		// Items set apart by icons, not characters: 首页 专题频道 国内专题.
		parts = strings.Fields(parts[0])
	}
	var out []string
	for _, p := range parts {
		// (Dashes beside the arrows are trimmed: 网易首页-- > 主频道--.)
		if p = strings.Trim(p, " -—–"); p != "" && p != "正文" && p != "详情" && p != "内容" && p != "详细内容" && p != "正文内容" &&
			(len(out) == 0 || out[len(out)-1] != p) { // (首页 > 公司 > 公司: a channel and its page, named alike)
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
		_, label := crumbLabel(s)
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
			for k, it := range items {
				// A channel named as its page's <title> is: 国际财经_搜狐财经.
				if parts := titleParts(it); len(parts) == 2 && x.siteName(parts[1]) {
					items[k] = parts[0]
				}
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
		if kw := x.keywords(s); len(kw) > 0 {
			x.rec.Keywords = kw
			return
		}
	}
	if kw := x.keywords(a.meta["keywords"]); len(kw) > 0 {
		x.rec.Keywords = kw
	}
}

// keywords are the keywords of list s but the ones that are none: the
// title itself, and the markup of a broken tag (content="<meta name=").
func (x *extractor) keywords(s string) []string {
	kw := splitKeywords(s, false)
	out := kw[:0]
	for _, k := range kw {
		if k = strings.Trim(k, "\"'“”"); k != "" && !strings.ContainsAny(k, "<>=\"") && k != x.rec.Title {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
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
