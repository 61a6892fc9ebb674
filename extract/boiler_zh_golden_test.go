package extract_test

// The golden fixtures of the Chinese body-boilerplate rules (boiler_zh.go),
// run by TestExtract_Golden.

func init() {
	goldenCases = append(goldenCases,
		// A news text with its lede (a date and 发布 in a sentence), a
		// caption rendered twice, a related lead-in, the original title, an
		// app promotion, a tip line with its reprint ban and an editor's
		// credit, then a QR-code line, an app's feed of teasers with no
		// href and a disclaimer under the credit.
		goldenCase{"zh-boiler-tail", "https://www.wanbao.example/city/20231120/1.html", "text/html; charset=utf-8"},
		// A short page whose main node is the whole body: the lede dated
		// and saying 发布, counters, the title again in a feature box, a
		// platform disclaimer and its English translation.
		goldenCase{"zh-lede-card", "https://news.example.com/2022/0213/1.html", "text/html; charset=utf-8"},
		// A forum thread: the first post, then two replies under their
		// floor labels (第 2 楼, 第 3 楼).
		goldenCase{"zh-forum-thread", "https://bbs.licai.example/thread-1234-1-1.html", "text/html; charset=utf-8"},
		// An endless page: the article with a share prompt and a reader
		// count, then the next article under a heading set like the title
		// and its own dated byline.
		goldenCase{"zh-next-article", "https://finance.example.com/bank/20230608/1.html", "text/html; charset=utf-8"},
		// Reader comments under a bare "评论（2）" heading, their posters
		// and times on lines of their own.
		goldenCase{"zh-comments-tail", "https://www.ribao.example/house/20230901/2.html", "text/html; charset=utf-8"},
	)
}
