package extract

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// classifyNameByLists is classifyName as first written, one strings.Contains
// per word and list: the oracle for the one-pass matcher.
func classifyNameByLists(name string) flags {
	var f flags
	good := containsAny(name, goodWords...)
	if containsAny(name, "comment", "pinglun", "reply-list", "replylist", "disqus") {
		f |= fComment | fBadStrong
	}
	if containsAny(name, relatedWords...) {
		f |= fRelated | fBadStrong
	}
	if containsAny(name, strongBad...) {
		f |= fBadStrong
	}
	if containsAny(name, crumbWords...) {
		f |= fCrumb
	}
	if containsAny(name, "title", "biaoti", "headline") {
		f |= fTitleish
	}
	if containsAny(name, navWords...) {
		f |= fNavLike
	}
	if containsAny(name, hotWords...) {
		f |= fHot
	}
	if !good {
		for _, w := range strings.FieldsFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}) {
			if weakBadWords[w] {
				f |= fBadWeak
				break
			}
		}
	}
	return f
}

// TestClassifyName checks the one-pass matcher against the word lists on
// every class and id of the fixtures (and the dev set, when present) and
// on made-up names that put words at the ends, overlapping and repeated.
func TestClassifyName(t *testing.T) {
	names := []string{"", "a", "ad", "head", "header", "x-ad-y", "mainnav", "titlebar", "hot-top10", "comment_list reply-list",
		"side sidebar", "footer-dibu", "share_", "_share", "xgwz-2", "breadcrumbs", "article-content", "post 123", "信用卡 nav",
		"relatedrelated", "navnav", "crumbcrumb", "top", "topbar", "ranking", "paihangbang", "curposition"}
	attrRe := regexp.MustCompile(`(?i)\b(?:class|id)\s*=\s*["']([^"']*)["']`)
	dev := os.Getenv("FINARCHIVE_DEVSET")
	if dev == "" {
		dev = filepath.Join("..", "..", "shared", "datasets", "zh-extraction-dev")
	}
	var files []string
	for _, g := range []string{"testdata/*.html", "testdata/testsite/*.html", filepath.Join(dev, "pages", "*.html")} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range attrRe.FindAllSubmatch(b, -1) {
			names = append(names, string(m[1]))
		}
	}
	if len(names) < 500 {
		t.Fatalf("only %d names to check", len(names))
	}
	for _, n := range names {
		n = strings.ToLower(n)
		if got, want := classifyName(n), classifyNameByLists(n); got != want {
			t.Errorf("classifyName(%q) = %b, want %b", n, got, want)
		}
	}
}
