package extract_test

import (
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// datePage builds a small article: head is added to <head>, top goes
// between the headline and the text, after goes after the text.
func datePage(head, top, after string) string {
	para := strings.Repeat("The council met on Tuesday to discuss the new budget, and the members agreed on most points after a long debate. ", 4)
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Council agrees on the budget</title>` + head +
		`</head><body><div class="nav"><a href="/">Home</a> <a href="/news/">News</a></div><article>` +
		`<h1>Council agrees on the budget</h1>` + top +
		`<div class="article-body"><p>` + para + `</p><p>` + para + `</p><p>` + para + `</p></div></article>` + after +
		`<div class="footer">Copyright 2024 Example News</div></body></html>`
}

// TestPageDate covers the publication date rules one by one: the machine
// dates a page writes (meta names, JSON-LD however it is written,
// microdata, <time pubdate>, <abbr class=published>), the page's own zone,
// day-first and month-name dates, dates without a year or relative ones
// read against the page's own dates, and the dates that are not the
// page's (cards, comments, a sentence of the text).
func TestPageDate(t *testing.T) {
	fetched := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		name, url, html string
		fetched         time.Time
		want            string // RFC 3339, or a "2006-01-02" prefix; "" for none
	}{
		{"meta article:published_time", "", datePage(`<meta property="article:published_time" content="2020-03-08T18:30:29+01:00">`, "", ""), fetched,
			"2020-03-08T18:30:29+01:00"},
		{"meta og:published_time", "", datePage(`<meta property="og:published_time" content="2019-06-27">`, "", ""), fetched, "2019-06-27"},
		{"meta sailthru.date", "", datePage(`<meta name="sailthru.date" content="2018-02-03 10:20:00">`, "", ""), fetched, "2018-02-03"},
		{"meta parsely-pub-date", "", datePage(`<meta name="parsely-pub-date" content="2017-05-06T07:00:00Z">`, "", ""), fetched, "2017-05-06"},
		{"meta DC.date.issued", "", datePage(`<meta name="DC.date.issued" content="2016-04-05">`, "", ""), fetched, "2016-04-05"},
		{"meta publishdate", "", datePage(`<meta name="publishdate" content="2015-11-12">`, "", ""), fetched, "2015-11-12"},
		{"meta citation_publication_date", "", datePage(`<meta name="citation_publication_date" content="2014/07/01">`, "", ""), fetched, "2014-07-01"},
		{"the page's offset kept", "", datePage(`<meta property="article:published_time" content="2020-05-01T23:30:00-04:00">`, "", ""), fetched,
			"2020-05-01T23:30:00-04:00"},
		{"JSON-LD @graph", "", datePage(`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},{"@type":"NewsArticle","headline":"h","datePublished":"2021-02-03T04:05:06+01:00"}]}</script>`, "", ""), fetched,
			"2021-02-03T04:05:06+01:00"},
		{"JSON-LD in the second script", "", datePage(`<script type="application/ld+json">{"@type":"Organization","name":"x"}</script><script type="application/ld+json">[{"@type":"BlogPosting","datePublished":"2019-08-02"}]</script>`, "", ""), fetched,
			"2019-08-02"},
		{"JSON-LD with a trailing comma", "", datePage(`<script type="application/ld+json">{"@type":"Article","datePublished":"2018-10-26T09:00:00Z","author":{"name":"A",},}</script>`, "", ""), fetched,
			"2018-10-26"},
		{"JSON-LD with a raw newline in a string", "", datePage("<script type=\"application/ld+json\">{\"@type\":\"Article\",\"description\":\"two\nlines\",\"datePublished\":\"2017-03-04\"}</script>", "", ""), fetched,
			"2017-03-04"},
		{"JSON-LD objects one after the other", "", datePage(`<script type="application/ld+json">{"@type":"WebSite"} {"@type":"Article","datePublished":"2016-09-27"}</script>`, "", ""), fetched,
			"2016-09-27"},
		{"JSON-LD mainEntity", "", datePage(`<script type="application/ld+json">{"@type":"ItemPage","mainEntity":{"@type":"NewsArticle","datePublished":"2022-01-21"}}</script>`, "", ""), fetched,
			"2022-01-21"},
		{"JSON-LD dateCreated", "", datePage(`<script type="application/ld+json">{"@type":"Article","dateCreated":"2020-04-27T17:58:19+02:00","dateModified":"2020-04-28T10:00:00+02:00"}</script>`, "", ""), fetched,
			"2020-04-27"},
		{"JSON-LD uploadDate", "", datePage(`<script type="application/ld+json">{"@type":"VideoObject","uploadDate":"2019-10-16T18:15:00+02:00"}</script>`, "", ""), fetched,
			"2019-10-16"},
		{"microdata on a time", "", datePage("", `<p class="byline">By Jane Doe <time itemprop="datePublished" datetime="2022-02-04T15:29:27+01:00">4 days ago</time></p>`, ""), fetched,
			"2022-02-04T15:29:27+01:00"},
		{"microdata in a span's text", "", datePage("", `<div class="info"><div itemprop="datePublished">20.06.2019 11:43</div></div>`, ""), fetched,
			"2019-06-20T11:43"},
		{"microdata dateModified is no publication date", "", datePage("", `<span itemprop="dateModified" content="2023-01-01"></span><p>Posted 5 March 2020</p>`, ""), fetched,
			"2020-03-05"},
		{"a publication time's data attribute", "", datePage("", `<div class="wrap" data-docid="E1" data-ptime="2019-05-17 20:02:46"><p>Comments</p><span class="tie-time">2019-05-18 20:33:49</span></div>`, ""), fetched,
			"2019-05-17T20:02:46"},
		{"time pubdate", "", datePage("", `<span class="created">Created <time datetime="2020-10-18T21:30:35Z" pubdate="pubdate">Sunday</time></span>`, ""), fetched,
			"2020-10-18"},
		{"abbr class published", "", datePage("", `<p><small><abbr class="published" title="2019-06-27T10:21:40Z">jeudi</abbr></small></p>`, ""), fetched,
			"2019-06-27"},
		{"time entry-date published", "", datePage("", `<span class="posted-on"><time class="entry-date published" datetime="2021-11-19T10:13:50+01:00">yesterday</time><time class="updated" datetime="2021-11-20T10:13:51+01:00">today</time></span>`, ""), fetched,
			"2021-11-19T10:13:50+01:00"},
		{"UTC moved to the zone the page states", "", datePage(`<meta property="article:published_time" content="2020-02-25T02:25:54Z"><script>var meta = {"datePublished":"2020-02-24T21:25:54-05:00"};</script>`, "", ""), fetched,
			"2020-02-24T21:25:54-05:00"},
		{"UTC moved to the zone of the same instant anywhere in a script", "", datePage(`<meta property="article:published_time" content="2020-02-25T02:25:54Z"><script>tp.push(["setContentCreated", "2020-02-24T21:25:54-05:00"]);</script>`, "", ""), fetched,
			"2020-02-24T21:25:54-05:00"},
		{"a Unix time gives no zone", "", datePage(`<meta property="article:published_time" content="2020-05-02T02:54:29Z"><script>var data = {"pubtime": 1588388069};</script>`, "", ""), fetched,
			"2020-05-02T02:54:29Z"},
		{"a publish <meta> before JSON-LD", "", datePage(`<meta property="article:published_time" content="2023-11-06T14:25:00+01:00"><script type="application/ld+json">{"@type":"Article","datePublished":"2023-11-03T10:25:56+01:00"}</script>`, "", ""), fetched,
			"2023-11-06"},
		{"JSON-LD before a bare <meta name=date>", "", datePage(`<meta name="date" content="2023-01-01T14:11:58+01:00"><script type="application/ld+json">{"@type":"Article","datePublished":"2020-01-10T16:50:00+01:00"}</script>`, "", ""), fetched,
			"2020-01-10"},
		{"a labelled date under the headline over a bare <meta name=date>", "", datePage(`<meta name="date" content="2020-04-29T11:52:23">`, `<p class="text"><span class="stand">Stand: 28.04.2020 18:00 Uhr</span></p>`, ""), fetched,
			"2020-04-28T18:00"},
		{"a publish <meta> over the labelled date", "", datePage(`<meta property="article:published_time" content="2020-04-27T09:00:00+02:00">`, `<p class="text"><span class="stand">Stand: 28.04.2020 18:00 Uhr</span></p>`, ""), fetched,
			"2020-04-27T09:00:00+02:00"},
		{"UTC moved to a script's wall time", "", datePage(`<meta property="article:published_time" content="2020-02-18T02:18:11Z"><script>var publication_date = "2020-02-17 21:18:11";</script>`, "", ""), fetched,
			"2020-02-17T21:18:11-05:00"},
		{"day-first byline", "", datePage("", `<p class="meta-info">03.02.2022 15:34</p>`, ""), fetched, "2022-02-03T15:34"},
		{"German month name", "", datePage("", `<p class="date">1. März 2020</p>`, ""), fetched, "2020-03-01"},
		{"French month name", "", datePage("", `<span class="auteur">Par Marie, le 5 mars 2020</span>`, ""), fetched, "2020-03-05"},
		{"English month name", "", datePage("", `<p>By John Smith | March 5, 2020</p>`, ""), fetched, "2020-03-05"},
		{"a date-class element outside the heading zone", "", `<html><head><title>Parken in Paris</title></head><body><div id="sidebar"><p>Archiv</p></div>` +
			`<div class="post"><h2>Parken in Paris</h2><div class="entry"><p>` + strings.Repeat("Wer in Paris parkt, braucht Geduld und ein kleines Auto, sagt man. ", 8) +
			`</p></div><p class="postmetadata">Veröffentlicht am 11.05.2012 in Reisen</p></div></body></html>`, fetched, "2012-05-11"},
		{"a labelled date in the footer", "", `<html><head><title>Vom Boden aus gedacht</title></head><body><div class="content"><h1>Vom Boden aus gedacht</h1><p>` +
			strings.Repeat("Die Gedichte sprechen vom Boden aus, sie denken die Landschaft von unten her und nicht vom Himmel. ", 8) +
			`</p></div><div class="footer">Letzte Änderung: 31.10.2023 - 14:49<br>Erschienen am: 01.11.2023<br>Lesungen: 61</div></body></html>`, fetched, "2023-11-01"},
		{"a German label under the headline", "", datePage("", `<p>Veröffentlicht am 16.08.2019, 10:20</p>`, ""), fetched, "2019-08-16T10:20"},
		{"a card's <time> after the byline's date", "", datePage("", `<p>2019-09-05 11:10 Example News</p>`,
			`<ul class="more"><li><h5>Another story</h5><p><time>2019-09-06</time></p></li><li><h5>A third story</h5><p><time>2019-09-06</time></p></li></ul>`), fetched,
			"2019-09-05T11:10"},
		{"a byline glued to a comment-count link", "", datePage("", `<span>2019-09-05 11:10 Example News</span> <a class="cy_comment" href="#c">12</a>`, ""), fetched,
			"2019-09-05T11:10"},
		{"a date label in a sentence is no byline", "", `<html><head><title>t</title></head><body><h1>柳叶刀：味觉嗅觉丧失是新冠感染最强预测指标</h1><div class="main"><p>澎湃新闻记者 张三</p><p>2020-06-06 10:08 来源：澎湃新闻</p>` +
			`<p>以上结果是国际权威医学期刊《柳叶刀》当地时间6月4日刊发的通讯，该研究的研究团队来自英国伦敦国王学院，研究人员分析了大量使用者报告的症状与检测结果之间的关系。</p>` +
			`<p>` + strings.Repeat("研究人员表示，嗅觉和味觉丧失的人应该自我隔离，并接受检测，以免传播病毒给其他人。", 5) + `</p></div></body></html>`, fetched,
			"2020-06-06T10:08"},
		{"a year-less date takes the page's year", "https://news.example.cn/2020/0930/1.html",
			datePage("", `<p class="time">09-30 22:46 来源：某报</p>`, ""), fetched, "2020-09-30T22:46"},
		{"a year-less date without page dates is in the past", "",
			datePage("", `<p class="time">发布时间：12-25 09:00</p>`, ""), fetched, "2025-12-25T09:00"},
		{"a relative date read against a fetch time the page contradicts", "",
			datePage(`<script>window.__DATA__ = {"publishDate": "2019-09-07T05:51:23.000Z"};</script>`, `<p class="time">昨天</p>`, ""), fetched, "2019-09-07"},
		{"a relative date kept when the page agrees", "",
			datePage(`<script>window.__DATA__ = {"publishDate": "2026-12-01T05:51:23.000Z"};</script>`, `<p class="time">昨天 14:05</p>`, ""), fetched, "2026-12-01T14:05"},
		{"the canonical URL's date", "", datePage(`<link rel="canonical" href="https://blog.example.com/2020/01/13/a-post/">`, "", ""), fetched, "2020-01-13"},
		{"no date", "", datePage("", "", ""), fetched, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.url
			if u == "" {
				u = "file:///page.html"
			}
			rec, err := extract.ExtractBytes([]byte(tt.html), "text/html; charset=utf-8", u, extract.Options{FetchedAt: tt.fetched})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if rec.Published != nil {
				got = rec.Published.Format(time.RFC3339)
			}
			if tt.want == "" {
				if got != "" {
					t.Errorf("published %s (raw %q), want none", got, rec.PublishedRaw)
				}
				return
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("published %q (raw %q), want %s", got, rec.PublishedRaw, tt.want)
			}
		})
	}
}
