package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// PageType tells articles from the pages a crawl only walks through.
type PageType string

// Page types. Only PageArticle becomes a record in the archive.
const (
	PageArticle PageType = "article"
	PageList    PageType = "list"    // a channel or list page of article links
	PageHome    PageType = "home"    // a site's front page
	PageSearch  PageType = "search"  // a search-result page
	PageError   PageType = "error"   // a "not found" or error page served with 200
	PageBlocked PageType = "blocked" // a captcha / 访问过于频繁 page or an empty shell
	// PageRedirect is never extracted: the crawler gives it to a 3xx
	// response and a <meta http-equiv="refresh"> page, which the archive
	// keeps (unarchived) so that a WARC export replays the links that
	// lead through them.
	PageRedirect PageType = "redirect"
)

// Card is one item of a related-article block (大家还在看, 相关阅读 ...).
type Card struct {
	Title    string `json:"title"`
	URL      string `json:"url"`
	Snippet  string `json:"snippet"`
	Category string `json:"category"`
	Date     string `json:"date"`
}

// Record is the archive's unit: one article page, extracted. Its JSON form is
// the export schema documented in README.md.
type Record struct {
	URL          string     `json:"url"`
	Title        string     `json:"title"`
	Body         string     `json:"body"`
	BodyHTML     string     `json:"body_html"` // the body's structure, in BodyPolicy's subset of HTML
	Published    *time.Time `json:"published"`
	PublishedRaw string     `json:"published_raw"`
	Author       string     `json:"author"`
	Source       string     `json:"source,omitempty"` // 来源
	Category     string     `json:"category"`
	Breadcrumb   []string   `json:"breadcrumb"`
	Keywords     []string   `json:"keywords"`
	Cards        []Card     `json:"cards"`
	Site         string     `json:"site"`
	FetchedAt    time.Time  `json:"fetched_at"`
	ContentHash  string     `json:"content_hash"`
	PageType     PageType   `json:"page_type,omitempty"`
}

// Hash returns the content hash of the fields that make an article what it
// is: title, body, date, author, source, category, breadcrumb and keywords.
// Cards, the URL and the fetch time are left out on purpose, so a rotating
// related block or a re-fetch is not a change.
func (r *Record) Hash() string {
	// One buffer of the fields, each ended by a NUL, hashed at once: the
	// same bytes as writing them one by one, without a copy per field.
	n := len(r.Title) + len(r.Body) + len(r.Author) + len(r.Source) + len(r.Category) + 40
	for _, s := range r.Breadcrumb {
		n += len(s) + 1
	}
	for _, s := range r.Keywords {
		n += len(s) + 1
	}
	buf := make([]byte, 0, n)
	w := func(s string) { buf = append(append(buf, s...), 0) }
	list := func(l []string) {
		for i, s := range l {
			if i > 0 {
				buf = append(buf, 0x1f)
			}
			buf = append(buf, s...)
		}
		buf = append(buf, 0)
	}
	w(r.Title)
	w(r.Body)
	if r.Published != nil {
		buf = append(r.Published.UTC().AppendFormat(buf, time.RFC3339), 0)
	} else {
		w("")
	}
	w(r.Author)
	w(r.Source)
	w(r.Category)
	list(r.Breadcrumb)
	list(r.Keywords)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16])
}
