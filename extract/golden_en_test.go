package extract_test

// Golden fixtures of English and European pages (body boilerplate rules);
// they run in TestExtract_Golden with the others.

func init() {
	goldenCases = append(goldenCases,
		// An English story with a <figcaption>, a photo credit and a WordPress
		// caption between its paragraphs: no caption in the body.
		goldenCase{"en-captions", "https://www.gazette.example/news/2024/03/cycle-lanes", "text/html; charset=utf-8"},
		// A short review beside a cookie bar, a cookie-settings dialog longer
		// than the review and a newsletter box: the body is the review.
		goldenCase{"en-consent", "https://www.pedal.example/reviews/folding-bike/", "text/html; charset=utf-8"},
		// The story's block is named like boilerplate ("pagination", inside a
		// "content-with-sidebar" wrapper) yet holds most of the page's text.
		goldenCase{"en-body-wrapper", "https://www.coasttimes.example/local/night-ferry", "text/html; charset=utf-8"},
		// A paragraph that names three links in its sentence is prose, not a
		// link list: it stays in the body.
		goldenCase{"en-inline-links", "https://www.technotes.example/reviews/notes-tools", "text/html; charset=utf-8"},
		// A German story with a byline, a date line, a "Lesen Sie auch" link,
		// an ad label, a photo credit, a share widget, an author box and a
		// teaser heading: none of them in the body.
		goldenCase{"en-boiler", "https://www.stadtblatt.example/lokales/radwege", "text/html; charset=utf-8"},
		// Three link-led blocks and the page wrapper that opens with its menu:
		// the wrapper is no link-list item, so the body is not a link list
		// and the text is found.
		goldenCase{"en-menu-wrapper", "https://www.kochblatt.example/vorrat/tomaten-lagern", "text/html; charset=utf-8"},
		// The story's block is named "read-more" and holds under half the
		// page's text outside links; nothing else comes near it: the fallback
		// takes it.
		goldenCase{"en-fallback", "https://www.screenbiz.example/people/spokeswoman-leaves", "text/html; charset=utf-8"},
		// A page wrapper whose class names say caption and newsletter (feature
		// switches): a block of prose that long is no caption.
		goldenCase{"en-caption-wrapper", "https://www.courier.example/arts/museum-wing", "text/html; charset=utf-8"},
		// A story block among many link-led teasers of one list: it is no
		// item of the list, so it is not excluded with it.
		goldenCase{"en-list-prose", "https://www.courier.example/city/museum-wing", "text/html; charset=utf-8"},
		// The story inside a layout wrapper named "sidebar_right", beside a
		// link widget, with more prose in the footer and an about box: the
		// fallback finds the story block inside the wrapper.
		goldenCase{"en-sidebar-layout", "https://www.courier.example/culture/museum-wing", "text/html; charset=utf-8"},
	)
}
