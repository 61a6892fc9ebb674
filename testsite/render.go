package testsite

import (
	"fmt"
	"html"
	"path"
	"strings"
	"time"
)

// siteName is the site's name as shown in titles and footers.
const siteName = "某某财经网"

// icp is the ICP licence number shown in footers.
const icp = "粤ICP备12345678号-1"

// trapEntry is the calendar link trap every list and article page links to.
const trapEntry = "/calendar/?month=2023-11"

func esc(s string) string { return html.EscapeString(s) }

// ctx is what a renderer needs to know about the request.
type ctx struct {
	host string // request host, for absolute links
	cur  string // current path, for relative links
	v    int    // content version
}

// href returns a link from c.cur to the site path target in one of four
// styles (root-relative, absolute, protocol-relative, relative) chosen by
// salt, the way real sites mix them.
func (c ctx) href(target string, salt int) string {
	switch salt % 4 {
	case 1:
		return "http://" + c.host + target
	case 2:
		return "//" + c.host + target
	case 3:
		if !strings.Contains(target, "?") && c.cur != "" {
			return relPath(c.cur, target)
		}
	}
	return target
}

// relPath returns the relative reference from page cur to target.
func relPath(cur, target string) string {
	dir := cur
	if !strings.HasSuffix(dir, "/") {
		dir = path.Dir(dir) + "/"
	}
	ds := strings.Split(strings.Trim(dir, "/"), "/")
	if dir == "/" {
		ds = nil
	}
	ts := strings.Split(strings.TrimPrefix(target, "/"), "/")
	n := 0
	for n < len(ds) && n < len(ts)-1 && ds[n] == ts[n] {
		n++
	}
	rel := strings.Repeat("../", len(ds)-n) + strings.Join(ts[n:], "/")
	if rel == "" {
		return "./"
	}
	return rel
}

func day(t time.Time) string { return t.Format("2006-01-02") }

// cardSpec is how many related cards each template shows.
var cardSpec = [numTemplates]int{TemplateSeed: 10, TemplateGBK: 6, TemplateMeta: 8, TemplateQA: 5}

// cardTargets returns the indexes of the related cards of article i at
// version v; they rotate with v and never include i.
func (s *Site) cardTargets(i, v, k int) []int {
	n := s.numArticles()
	if n <= 1 {
		return nil
	}
	k = min(k, n-1)
	out := make([]int, k)
	for j := range out {
		out[j] = (i + 1 + (v*k+j)%(n-1)) % n
	}
	return out
}

// hotTargets returns the sidebar's "热门" article indexes for page salt.
func (s *Site) hotTargets(salt, k int) []int {
	n := s.numArticles()
	k = min(k, n)
	out := make([]int, k)
	for j := range out {
		out[j] = (salt*31 + 7*j + 3) % n
	}
	return out
}

func (s *Site) navHTML(b *strings.Builder, c ctx) {
	b.WriteString(`<div class="header"><a class="logo" href="/">` + siteName + `</a><ul class="nav"><li><a href="/">首页</a></li>`)
	for k, cat := range categories {
		fmt.Fprintf(b, `<li><a href="%s">%s</a></li>`, c.href("/list/"+cat.Slug+"/", k), cat.Name)
	}
	b.WriteString("</ul></div>\n")
}

func footerHTML(b *strings.Builder, gbk bool) {
	b.WriteString(`<div class="footer"><p><a href="/about.html">关于我们</a> | <a href="/contact.html">联系我们</a> | <a href="` +
		esc(trapEntry) + `">文章日历</a> | <a href="/refer/?from=footer">推荐给好友</a></p>`)
	if gbk {
		b.WriteString("<p>Copyright &copy; 2015-2023 " + siteName + " 版权所有</p>")
	} else {
		b.WriteString("<p>© 2015-2023 " + siteName + " 版权所有</p>")
	}
	b.WriteString("<p>" + icp + "</p></div>\n")
}

// bodyHTML writes the article body blocks. hook, if set, is called after
// each block with its position.
func bodyHTML(b *strings.Builder, a *article, hook func(k int)) {
	for k, bl := range a.Blocks {
		switch bl.Kind {
		case blockPara:
			b.WriteString("<p>" + esc(bl.Text) + "</p>\n")
		case blockHead:
			if a.Template == TemplateGBK {
				b.WriteString("<p><strong>" + esc(bl.Text) + "</strong></p>\n")
			} else {
				b.WriteString("<h2>" + esc(bl.Text) + "</h2>\n")
			}
		case blockUL, blockOL:
			tag := "ul"
			if bl.Kind == blockOL {
				tag = "ol"
			}
			b.WriteString("<" + tag + ">\n")
			for _, it := range bl.Items {
				if lbl, rest, ok := strings.Cut(it, "："); ok && tag == "ul" {
					b.WriteString("<li><strong>" + esc(lbl) + "：</strong>" + esc(rest) + "</li>\n")
				} else {
					b.WriteString("<li>" + esc(it) + "</li>\n")
				}
			}
			b.WriteString("</" + tag + ">\n")
		case blockTips:
			b.WriteString(`<div class="tips"><p class="tips-title">` + esc(bl.Text) + "</p>\n<ul>\n")
			for _, it := range bl.Items {
				b.WriteString("<li>" + esc(it) + "</li>\n")
			}
			b.WriteString("</ul></div>\n")
		}
		if hook != nil {
			hook(k)
		}
	}
}

// articleExtras writes links some articles carry outside the body: into
// /private/ (disallowed by robots.txt) and to a missing page.
func articleExtras(b *strings.Builder, a *article) {
	if a.Index%7 == 3 {
		fmt.Fprintf(b, `<div class="vip"><a href="/private/vip-%d.html">会员专享：%s深度解读</a></div>`+"\n", a.ID, esc(a.topic))
	}
	if a.Index%9 == 5 {
		fmt.Fprintf(b, `<div class="old"><a href="/zixun/%d-old.html">往期回顾</a></div>`+"\n", a.ID)
	}
}

func (s *Site) hotHTML(b *strings.Builder, c ctx, salt int, title string, withDate bool) {
	b.WriteString(`<div class="hot"><h3>` + title + "</h3><ul>\n")
	for j, t := range s.hotTargets(salt, 10) {
		h := s.meta(t, c.v)
		fmt.Fprintf(b, `<li><a href="%s">%s</a>`, c.href(h.path(), j+salt), esc(h.Title))
		if withDate {
			fmt.Fprintf(b, `<span class="date">%s</span>`, day(h.Published))
		}
		b.WriteString("</li>\n")
	}
	b.WriteString("</ul></div>\n")
}

func keywordsMeta(a *article) string {
	return `<meta name="keywords" content="` + esc(strings.Join(a.Keywords, ",")) + `">` + "\n" +
		`<meta name="description" content="` + esc(a.snippet()) + `">` + "\n"
}

// renderArticle renders article a (generated with full) for request c.
func (s *Site) renderArticle(a *article, c ctx) string {
	var b strings.Builder
	b.Grow(16 << 10)
	switch a.Template {
	case TemplateSeed:
		s.renderSeed(&b, a, c)
	case TemplateGBK:
		s.renderGBK(&b, a, c)
	case TemplateMeta:
		s.renderMeta(&b, a, c)
	case TemplateQA:
		s.renderQA(&b, a, c)
	}
	return b.String()
}

func (s *Site) renderSeed(b *strings.Builder, a *article, c ctx) {
	cat := categories[a.Cat]
	b.WriteString("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + esc(a.Title) + "_" + siteName + "</title>\n")
	b.WriteString(keywordsMeta(a))
	b.WriteString("</head>\n<body>\n")
	s.navHTML(b, c)
	fmt.Fprintf(b, `<div class="breadcrumb"><a href="/">首页</a> &gt; <a href="/list/">资讯</a> &gt; <a href="%s">%s</a></div>`+"\n",
		c.href("/list/"+cat.Slug+"/", a.Index), cat.Name)
	b.WriteString(`<div class="main"><div class="article">` + "\n<h1>" + esc(a.Title) + "</h1>\n")
	fmt.Fprintf(b, `<div class="info"><span class="time">发布时间：%s</span> <span class="author">作者：%s</span> <span class="source">来源：%s</span></div>`+"\n",
		a.Published.Format("2006-01-02 15:04"), esc(a.Author), esc(a.Source))
	b.WriteString(`<div class="content">` + "\n<p>" + esc(a.Intro) + "</p>\n")
	bodyHTML(b, a, nil)
	b.WriteString("</div>\n")
	b.WriteString(`<div class="keywords">相关搜索词：`)
	for k, kw := range a.Keywords {
		if k > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(b, `<a href="/search/?q=%s">%s</a>`, queryEscape(kw), esc(kw))
	}
	b.WriteString("</div>\n")
	fmt.Fprintf(b, `<div class="like"><a href="javascript:;" class="zan">(%d)</a></div>`+"\n", a.Likes)
	b.WriteString(`<div class="related"><h3>大家还在看</h3><ul>` + "\n")
	for j, t := range s.cardTargets(a.Index, c.v, cardSpec[TemplateSeed]) {
		o := s.meta(t, c.v)
		fmt.Fprintf(b, `<li><a href="%s"><h4>%s</h4></a><p>%s</p><div class="meta"><span class="cat">资讯</span><span class="date">%s</span></div></li>`+"\n",
			c.href(o.path(), j), esc(o.Title), esc(o.snippet()), day(o.Published))
	}
	b.WriteString("</ul></div>\n</div>\n")
	b.WriteString(`<div class="sidebar">` + "\n")
	s.hotHTML(b, c, a.Index, "热门", true)
	articleExtras(b, a)
	b.WriteString("</div></div>\n")
	footerHTML(b, false)
	b.WriteString("</body>\n</html>\n")
}

func (s *Site) renderGBK(b *strings.Builder, a *article, c ctx) {
	cat := categories[a.Cat]
	b.WriteString(`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">` + "\n")
	b.WriteString("<html>\n<head>\n" + `<meta http-equiv="Content-Type" content="text/html; charset=gbk">` + "\n<title>" + esc(a.Title) + " - " + siteName + "</title>\n")
	b.WriteString(keywordsMeta(a))
	b.WriteString("</head>\n<body>\n<div id=\"top\">\n")
	s.navHTML(b, c)
	b.WriteString("</div>\n")
	fmt.Fprintf(b, `<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="%s">%s</a></div>`+"\n", c.href("/list/"+cat.Slug+"/", a.Index+1), cat.Name)
	b.WriteString(`<div class="wrap"><div class="left">` + "\n")
	b.WriteString(`<div class="title"><h1>` + esc(a.Title) + "</h1></div>\n")
	fmt.Fprintf(b, `<div class="info">%s　作者：%s　阅读：%d</div>`+"\n", a.Published.Format("2006年01月02日 15:04"), esc(a.Author), 100+a.Index*37%5000)
	b.WriteString(`<div id="text">` + "\n<p>" + esc(a.Intro) + "</p>\n")
	bodyHTML(b, a, nil)
	b.WriteString("</div>\n")
	b.WriteString(`<div class="xgyd"><div class="hd"><span>相关阅读</span></div><div class="bd">` + "\n")
	for j, t := range s.cardTargets(a.Index, c.v, cardSpec[TemplateGBK]) {
		o := s.meta(t, c.v)
		u := c.href(o.path(), j+1)
		fmt.Fprintf(b, `<div class="card"><a class="pic" href="%s"><img src="/img/%d.jpg" alt=""></a><div class="txt"><a class="t" href="%s">%s</a><div class="desc">%s</div><div class="ft"><span class="lm">%s</span><span class="sj">%s</span></div></div></div>`+"\n",
			u, t%20, u, esc(o.Title), esc(o.snippet()), categories[o.Cat].Name, day(o.Published))
	}
	b.WriteString("</div></div>\n</div>\n")
	b.WriteString(`<div class="right">` + "\n")
	s.hotHTML(b, c, a.Index+3, "热门文章", false)
	articleExtras(b, a)
	b.WriteString("</div></div>\n")
	footerHTML(b, true)
	b.WriteString("</body>\n</html>\n")
}

// relDays is the relative date the meta template shows for article a.
func relDays(a *article) string { return fmt.Sprintf("%d天前", 1+a.Index%29) }

func (s *Site) renderMeta(b *strings.Builder, a *article, c ctx) {
	cat := categories[a.Cat]
	pub := a.Published.Format(time.RFC3339)
	b.WriteString("<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<title>" + esc(a.Title) + " - " + cat.Name + " - " + siteName + "</title>\n")
	b.WriteString(keywordsMeta(a))
	b.WriteString(`<meta name="author" content="` + esc(a.Author) + `">` + "\n")
	b.WriteString(`<meta property="og:type" content="article">` + "\n")
	b.WriteString(`<meta property="og:title" content="` + esc(a.Title) + `">` + "\n")
	b.WriteString(`<meta property="article:published_time" content="` + pub + `">` + "\n")
	b.WriteString(`<meta property="article:section" content="` + cat.Name + `">` + "\n")
	fmt.Fprintf(b, `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":%q,"datePublished":%q,"author":{"@type":"Person","name":%q},"articleSection":%q,"publisher":{"@type":"Organization","name":%q}}</script>`+"\n",
		a.Title, pub, a.Author, cat.Name, siteName)
	b.WriteString("</head>\n<body>\n")
	s.navHTML(b, c)
	fmt.Fprintf(b, `<nav class="crumbs"><a href="/">首页</a> / <a href="%s">%s</a></nav>`+"\n", c.href("/list/"+cat.Slug+"/", a.Index+2), cat.Name)
	b.WriteString("<main>\n<article>\n<h1>" + esc(a.Title) + "</h1>\n")
	fmt.Fprintf(b, `<div class="meta"><span class="byline">%s</span> · <time>%s</time></div>`+"\n", esc(a.Author), relDays(a))
	b.WriteString(`<section class="post-body">` + "\n<p>" + esc(a.Intro) + "</p>\n")
	bodyHTML(b, a, nil)
	b.WriteString("</section>\n</article>\n")
	b.WriteString(`<div class="guess"><h3>猜你喜欢</h3><table>` + "\n")
	for j, t := range s.cardTargets(a.Index, c.v, cardSpec[TemplateMeta]) {
		o := s.meta(t, c.v)
		fmt.Fprintf(b, `<tr><td class="t"><a href="%s">%s</a></td><td class="s">%s</td><td class="c">%s</td><td class="d">%s</td></tr>`+"\n",
			c.href(o.path(), j+2), esc(o.Title), esc(o.snippet()), categories[o.Cat].Name, day(o.Published))
	}
	b.WriteString("</table></div>\n</main>\n<aside>\n")
	s.hotHTML(b, c, a.Index+5, "热门排行", false)
	articleExtras(b, a)
	b.WriteString("</aside>\n")
	footerHTML(b, false)
	b.WriteString("</body>\n</html>\n")
}

func (s *Site) renderQA(b *strings.Builder, a *article, c ctx) {
	cat := categories[a.Cat]
	n := s.numArticles()
	b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<title>" + esc(a.Title) + "-" + siteName + "问答</title>\n")
	b.WriteString(keywordsMeta(a))
	b.WriteString("</head>\n<body>\n")
	s.navHTML(b, c)
	fmt.Fprintf(b, `<div class="crumb"><a href="/">首页</a> &gt; <a href="/wenda/">问答</a> &gt; <a href="%s">%s</a></div>`+"\n", c.href("/list/"+cat.Slug+"/", a.Index+3), cat.Name)
	b.WriteString(`<div class="qa-main"><div class="question">` + "\n<h1>" + esc(a.Title) + "</h1>\n")
	fmt.Fprintf(b, `<div class="q-info"><span>时间：%s</span>　<span>作者：%s</span>　<span>浏览：%d次</span></div>`+"\n", a.Published.Format("2006/01/02"), esc(a.Author), 50+a.Index*13%900)
	b.WriteString("</div>\n" + `<div class="answer"><div class="answer-hd">最佳答案</div><div class="answer-body">` + "\n<p>" + esc(a.Intro) + "</p>\n")
	bodyHTML(b, a, func(k int) {
		if k != 1 {
			return
		}
		b.WriteString(`<div class="tuijian">推荐阅读：`)
		for j, t := range s.hotTargets(a.Index+11, 3) {
			o := s.meta(t, c.v)
			fmt.Fprintf(b, ` <a href="%s">%s</a>`, c.href(o.path(), j), esc(o.Title))
		}
		b.WriteString("</div>\n")
	})
	b.WriteString("</div></div>\n")
	b.WriteString(`<div class="share">分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a> <a href="javascript:;">QQ空间</a></div>` + "\n")
	b.WriteString(`<div class="prenext">`)
	if a.Index > 0 {
		o := s.meta(a.Index-1, c.v)
		fmt.Fprintf(b, `<p>上一篇：<a href="%s">%s</a></p>`, c.href(o.path(), a.Index), esc(o.Title))
	} else {
		b.WriteString("<p>上一篇：没有了</p>")
	}
	if a.Index+1 < n {
		o := s.meta(a.Index+1, c.v)
		fmt.Fprintf(b, `<p>下一篇：<a href="%s">%s</a></p>`, c.href(o.path(), a.Index+1), esc(o.Title))
	} else {
		b.WriteString("<p>下一篇：没有了</p>")
	}
	b.WriteString("</div>\n")
	b.WriteString(`<div class="xgtj"><h3>相关推荐</h3><ul>` + "\n")
	for j, t := range s.cardTargets(a.Index, c.v, cardSpec[TemplateQA]) {
		o := s.meta(t, c.v)
		fmt.Fprintf(b, `<li><a href="%s">%s</a><span class="time">%s</span></li>`+"\n", c.href(o.path(), j+3), esc(o.Title), day(o.Published))
	}
	b.WriteString("</ul></div>\n")
	b.WriteString(`<div class="comments"><h3>网友评论</h3>` + "\n")
	for j := 0; j < 1+a.Index%3; j++ {
		t := a.Published.Add(time.Duration(26+j*49+a.Index%17) * time.Hour)
		fmt.Fprintf(b, `<div class="comment"><span class="user">网友%d</span> <span class="ctime">%s</span><p>%s</p></div>`+"\n",
			10000+(a.Index*7+j*131)%90000, t.Format("2006-01-02 15:04"), commentPool[(a.Index+j)%len(commentPool)])
	}
	b.WriteString("</div>\n</div>\n")
	b.WriteString(`<div class="side">` + "\n")
	s.hotHTML(b, c, a.Index+7, "热门问答", true)
	articleExtras(b, a)
	b.WriteString("</div>\n")
	footerHTML(b, false)
	b.WriteString("</body>\n</html>\n")
}
