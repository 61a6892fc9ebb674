package extract_test

import (
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// bylinePage is an article page whose head and byline vary: the rest is
// ordinary text, enough to be taken for an article.
func bylinePage(title, head, byline, lead, tail string) []byte {
	para := strings.Repeat("信用卡逾期后应当尽快联系银行协商还款方案，避免对个人征信造成长期的不良影响。", 4)
	return []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + title + `</title>` + head + `</head><body>
<div class="nav"><a href="/">首页</a> <a href="/xyk/">信用卡</a></div>
<div class="article"><h1>信用卡逾期怎么办</h1>
<div class="info">2024-03-05 10:20 ` + byline + `</div>
<div class="content"><p>` + lead + para + `</p><p>` + para + `</p><p>` + para + tail + `</p></div></div>
<div class="footer">关于我们 联系我们</div></body></html>`)
}

// TestAuthorSource covers the classes of bylines the dev sets showed
// misread: the buttons beside a source, a photo's credit taken for the
// source, an outlet's reporter, a dateline's reporter and what he did, a
// staff code, a sign-off of one name, a name and its paper, and a meta
// author that is the site, a user id or the template's makers.
func TestAuthorSource(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		title, head, by, lead, end string
		author, source             string
	}{
		{"report button after the source", "信用卡逾期怎么办_某某财经", "", `来源：<a href="/s">新京报</a> <a href="/jb">举报</a>`, "", "", "", "新京报"},
		{"interaction button", "信用卡逾期怎么办", "", `来源：求是网 参与互动`, "", "", "", "求是网"},
		{"photo credit is no source", "信用卡逾期怎么办", "", `<span>来源：东方IC 版权作品 请勿转载</span>`, "", "", "", ""},
		{"an outlet's reporter", "信用卡逾期怎么办", "", `澎湃新闻记者 段彦超 廖艳`, "", "", "段彦超 廖艳", ""},
		{"dateline reporter and his work", "信用卡逾期怎么办", "", `长江网10月4日讯（记者陈智 整合）`, "", "", "陈智", ""},
		{"staff code", "信用卡逾期怎么办", "", `责任编辑：化成雨_NBJ`, "", "", "化成雨", ""},
		{"one-name sign-off", "信用卡逾期怎么办", "", ``, "", `（张巨峰）`, "张巨峰", ""},
		{"not a sign-off", "信用卡逾期怎么办", "", ``, "", `（待续）`, "", ""},
		{"name and paper", "信用卡逾期怎么办", "", `<p>石佳/中国青年报</p>`, "", "", "石佳", "中国青年报"},
		{"meta author is the site", "信用卡逾期怎么办_网易财经", `<meta name="author" content="网易">`, ``, "", "", "", ""},
		{"meta author is og:site_name", "信用卡逾期怎么办", `<meta property="og:site_name" content="和讯网"><meta name="author" content="和讯网">`, ``, "", "", "", ""},
		{"meta author is a user id", "信用卡逾期怎么办", `<meta name="author" content="104363">`, ``, "", "", "", ""},
		{"meta author is the template's makers", "信用卡逾期怎么办", `<meta name="author" content="Discuz! Team and Comsenz UI Team">`, ``, "", "", "", ""},
		{"dateline's reporters", "信用卡逾期怎么办", "", ``, "新华社北京10月4日电（记者 张三、李四） ", "", "张三 李四", ""},
		{"dateline's reporter and correspondent", "信用卡逾期怎么办", "", ``, "本报讯（记者 王五 通讯员 赵六）", "", "王五 赵六", ""},
		{"bracketed source and a GBK glyph", "信用卡逾期怎么办", "", "[ 黄宇 ]\ufffd 来源：[ <a href=\"/p\">国际金融报</a> ]\ufffd", "", "", "", "国际金融报"},
		{"a breadcrumb is no byline", "信用卡逾期怎么办", "", `</div><div class="crumb">当前位置：<a href="/">首页</a>｜<a href="/k">新华社记者看东北</a>｜<a href="/r">人物专访</a>`, "", "", "", ""},
		{"a bare publication beside the date", "信用卡逾期怎么办", "", `<a href="http://www.stcn.com/">证券时报网</a>`, "", "", "", "证券时报网"},
		{"the site's name and its role", "信用卡逾期怎么办_游民星空", "", `游民星空[整理]`, "", "", "", "游民星空"},
		{"a word is no publication", "信用卡逾期怎么办", "", `新闻`, "", "", "", ""},
		{"several roles on one line", "信用卡逾期怎么办", "", `本报记者 王燕平 方云凤 通讯员 柏建斌`, "", "", "王燕平 方云凤 柏建斌", ""},
		{"several roles on their lines", "信用卡逾期怎么办", "", `</div><div>本报实习生 刘国栋 周炜</div><div>本报记者 王燕平 方云凤</div><div>本报记者 王燕平`, "", "", "刘国栋 周炜 王燕平 方云凤", ""},
		{"the writer's column before his name", "信用卡逾期怎么办", "", `</div><p>【文/观察者网专栏作者 王文】</p><div>`, "", "", "王文", ""},
		{"a staff code after the editor", "信用卡逾期怎么办", "", `[责任编辑：韩保林 PK155]`, "", "", "韩保林", ""},
		{"source then author", "信用卡逾期怎么办", "", `来源：证券时报网 作者：李在山`, "", "", "李在山", "证券时报网"},
		{"a blogger is no site", "信用卡逾期怎么办_张三的博客", `<meta name="author" content="张三">`, ``, "", "", "张三", ""},
		{"an author named in the title", "信用卡逾期怎么办 – 王小明 – 理财博客", `<meta name="author" content="王小明">`, ``, "", "", "王小明", ""},
		{"meta author is a person", "信用卡逾期怎么办_网易财经", `<meta name="author" content="王小明">`, ``, "", "", "王小明", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := extract.ExtractBytes(bylinePage(tc.title, tc.head, tc.by, tc.lead, tc.end), "text/html; charset=utf-8",
				"https://news.example.com/a/1.html", extract.Options{FetchedAt: time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if rec.Author != tc.author || rec.Source != tc.source {
				t.Errorf("author %q, source %q; want %q, %q", rec.Author, rec.Source, tc.author, tc.source)
			}
		})
	}
}

// TestBody_lostGlyphs: a line of nothing but U+FFFD (emoji lost on the
// way, ������) or private-use characters is not the article's.
func TestBody_lostGlyphs(t *testing.T) {
	rec, err := extract.ExtractBytes(bylinePage("信用卡逾期怎么办", "", "", "", "</p><p>\ufffd\ufffd\ufffd\ufffd</p><p>\ue5c2 \ue5c2</p><p>还款后记得查询征信\ufffd记录。"),
		"text/html; charset=utf-8", "https://news.example.com/a/1.html", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rec.Body, "\ufffd\ufffd") || strings.Contains(rec.Body, "\ue5c2") || strings.Contains(rec.BodyHTML, "\ue5c2") {
		t.Errorf("body keeps the lines of lost glyphs:\n%s", rec.Body)
	}
	if !strings.Contains(rec.Body, "还款后记得查询征信\ufffd记录。") {
		t.Errorf("a line with a lost glyph among its text was dropped:\n%s", rec.Body)
	}
}

// TestCards_categoryMark: a card's source or channel keeps no dot or bar
// that set it apart from the next field (上海热线要闻 ⋅ 3评论).
func TestCards_categoryMark(t *testing.T) {
	var items strings.Builder
	for i, src := range []string{"上海热线要闻 ⋅", "北青网 ·", "江苏新闻 |"} {
		items.WriteString(`<li><a href="/a/` + string(rune('1'+i)) + `.html">信用卡逾期后如何与银行协商分期还款第` + string(rune('一'+i)) + `篇</a><span>` + src + `</span></li>`)
	}
	page := strings.Replace(string(bylinePage("信用卡逾期怎么办", "", "", "", "")), `<div class="footer">`,
		`<div class="related"><h3>相关阅读</h3><ul>`+items.String()+`</ul></div><div class="footer">`, 1)
	rec, err := extract.ExtractBytes([]byte(page), "text/html; charset=utf-8", "https://news.example.com/a/9.html", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"上海热线要闻", "北青网", "江苏新闻"}
	if len(rec.Cards) != len(want) {
		t.Fatalf("cards %+v; want %d", rec.Cards, len(want))
	}
	for i, c := range rec.Cards {
		if c.Category != want[i] {
			t.Errorf("card %d category %q, want %q", i, c.Category, want[i])
		}
	}
}

// TestBreadcrumb_channelTitle: a breadcrumb item written as its page's
// <title> is (国际财经_搜狐财经) is the channel's name.
func TestBreadcrumb_channelTitle(t *testing.T) {
	page := strings.Replace(string(bylinePage("信用卡逾期怎么办_国际财经_搜狐财经", "", "", "", "")), `<div class="nav">`,
		`<div class="location">当前位置：<a href="/">搜狐首页</a> &gt; <a href="/cj/">搜狐财经</a> &gt; <a href="/cj/gj/">国际财经_搜狐财经</a></div><div class="nav">`, 1)
	rec, err := extract.ExtractBytes([]byte(page), "text/html; charset=utf-8", "https://business.sohu.com/a/1.html", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.Breadcrumb, " / "); got != "搜狐首页 / 搜狐财经 / 国际财经" || rec.Category != "国际财经" {
		t.Errorf("breadcrumb %q, category %q; want 搜狐首页 / 搜狐财经 / 国际财经, 国际财经", got, rec.Category)
	}
}
