// Package testsite is a deterministic Chinese finance-info site (某某财经网)
// served on loopback, for the crawler's tests, the `finarchive demo` command
// and benchmarks.
//
// Every page is generated on the fly from (Options.Seed, article index), so a
// site of 100,000 articles costs no memory. The site has a home page, list
// pages per category, articles in four templates (see Template), robots.txt
// with a disallowed /private/ area, sitemaps, 404s, redirects and a redirect
// loop, link traps (an endless calendar and a self-link with a growing query),
// a PDF, an 11 MiB page, a page with invalid UTF-8, conditional GET, a content
// version switch (SetVersion) and injectable faults (SetFaults).
//
// # URL layout
//
//	/                                      home (not an article)
//	/list/, /wenda/                        latest 20 articles / Q&As (not articles)
//	/list/<slug>/, /list/<slug>/<n>.html   category list pages, 20 articles each
//	/zixun/<id>.html                       seed template (UTF-8)
//	/news/<yyyymmdd>/<id>.html             gbk template (GBK, charset only in a meta tag)
//	/article/<id>                          meta template (date only in meta/JSON-LD)
//	/wenda/<id>.html                       qa template
//	/search/?q=<keyword>                   search results (keyword links; not articles)
//	/go/<id>                               301 to the article
//	/loop/a, /loop/b                       302 to each other forever
//	/calendar/?month=2023-11               link trap: previous/next month forever
//	/refer/?from=footer                    link trap: links to itself with a longer query
//	/private/...                           disallowed by robots.txt; pages exist
//	/files/rate.pdf, /big.html, /bad-utf8.html
//	/about.html, /contact.html, /old/...   404 (linked from every page / home)
//	/robots.txt, /sitemap.xml              an index of /sitemap-<n>.xml past 1000 articles
//
// Article ids are 10001 + index; article i is in category i%5 (银行卡, 贷款,
// 信用卡, 保险, 证书) and uses template i%4. Lower indexes are newer.
//
// # Truth
//
// Truth returns the record a perfect extractor outputs for every article,
// built from the same generated data as the pages, never by parsing them:
//
//   - Title: the h1 text, without any site suffix.
//   - Body: one line per paragraph, sub heading and list item, in page
//     order, starting with the intro; the 温馨提示 label and tips are
//     included. Keyword lines, like counts, share bars, 推荐阅读 inline
//     links, related blocks and comments are not.
//   - Published in +08:00 and PublishedRaw, the date text as shown without
//     its label: "2023-11-23 14:05" (seed), "2023年11月23日 14:05" (gbk),
//     "2023-10-26T09:30:00+08:00" from the meta tag and JSON-LD (meta; the
//     screen shows "3天前"), "2023/11/23" (qa; midnight).
//   - Author (作者：, or the byline / meta author), Source (来源：, seed
//     template only), Category (the channel name), Breadcrumb (link texts:
//     首页/资讯/银行卡 for seed, 首页/问答/<cat> for qa, 首页/<cat> otherwise),
//     Keywords (meta keywords; also the 相关搜索词 line on seed pages).
//   - Cards: the related block (大家还在看 10, 相关阅读 6, 猜你喜欢 8, 相关推荐
//     5) with absolute URLs and fields as shown; qa cards have only title,
//     URL and date. Sidebar 热门 lists and 上一篇/下一篇 are not cards.
//   - Site: base's host with port; PageType article; ContentHash = Hash().
//
// # Versions
//
// SetVersion(v) edits, relative to v-1, the articles with index%10 == v%10
// (a new body paragraph; the title gains or loses "（最新）"), so their
// truth, weak ETag and Last-Modified change; ChangedArticles(v) lists them.
// Related cards rotate with the version on every article, which changes the
// page bytes but not the ETag or the content hash.
package testsite
