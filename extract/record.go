package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
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
	h := sha256.New()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(r.Title)
	w(r.Body)
	if r.Published != nil {
		w(r.Published.UTC().Format(time.RFC3339))
	} else {
		w("")
	}
	w(r.Author)
	w(r.Source)
	w(r.Category)
	w(strings.Join(r.Breadcrumb, "\x1f"))
	w(strings.Join(r.Keywords, "\x1f"))
	return hex.EncodeToString(h.Sum(nil))[:32]
}
