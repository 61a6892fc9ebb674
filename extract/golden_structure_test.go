package extract_test

// Golden fixtures of body_html (the body's structure); they run in
// TestExtract_Golden with the others.

func init() {
	goldenCases = append(goldenCases,
		// A fee table with a caption and header cells, a numbered procedure
		// with a nested list, a block quote, a <br> inside a paragraph, an
		// image relative to <base href>, a lazy-loaded image (data-src over
		// a data: placeholder, kept after the last line inside its section)
		// and a tracking pixel; share icons, the logo, a banner after that
		// section, tags, related links and the footer stay out.
		goldenCase{"structure-fees", "https://www.kabao.example/zixun/20240110.html", "text/html; charset=utf-8"},
		// An old layout-table page: the article's lines are loose text with
		// <br> in a cell of a layout table (rendered as paragraphs, not as a
		// table), a data table inside it with row headers, rowspan and
		// colspan, a definition list, a <pre> formula, an image relative to
		// the page URL; the editor line, a 2x2 QR image and the share bar
		// stay out.
		goldenCase{"structure-layout", "https://www.licai.example/daikuan/20230612/1.html", "text/html; charset=utf-8"},
	)
}
