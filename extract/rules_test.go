package extract

// Table tests of the extractor's small rules: class and id words, white
// space folding, link resolution, footer lines and person names.

import (
	"net/url"
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
	if containsAny(name, strongBad...) || containsAny(name, boxWords...) {
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
	if containsAny(name, captionWords...) {
		f |= fCaption
	}
	if containsAny(name, dateWords...) {
		f |= fDateish
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
// every class and id of the fixtures and on made-up names that put words at
// the ends, overlapping and repeated; its subtest does the same on the dev
// set's pages (skipped when ../shared is absent).
func TestClassifyName(t *testing.T) {
	names := []string{"", "a", "ad", "head", "header", "x-ad-y", "mainnav", "titlebar", "hot-top10", "comment_list reply-list",
		"side sidebar", "footer-dibu", "share_", "_share", "xgwz-2", "breadcrumbs", "article-content", "post 123", "信用卡 nav",
		"relatedrelated", "navnav", "crumbcrumb", "top", "topbar", "ranking", "paihangbang", "curposition"}
	check := func(t *testing.T, names []string) {
		for _, n := range names {
			n = strings.ToLower(n)
			if got, want := classifyName(n), classifyNameByLists(n); got != want {
				t.Errorf("classifyName(%q) = %b, want %b", n, got, want)
			}
		}
	}
	// Overlapping and nested words: each word after a cut-off copy of
	// itself and of its neighbour (the automaton's failure links).
	var prev string
	for w := range nameSets {
		names = append(names, w[:len(w)-1]+w, prev[:len(prev)/2]+w[:len(w)/2]+prev+w, "x"+w[1:]+"-"+w[:len(w)-1])
		prev = w
	}
	names = append(names, classAndIDNames(t, "testdata/*.html", "testdata/testsite/*.html")...)
	if len(names) < 400 {
		t.Fatalf("only %d names to check in the fixtures", len(names))
	}
	check(t, names)
	t.Run("devset", func(t *testing.T) {
		shared := SharedDirForTest()
		if shared == "" {
			t.Skip("SKIP: no ../shared/datasets (or $FINARCHIVE_SHARED): the dev set's names were not checked")
		}
		dev := classAndIDNames(t, filepath.Join(shared, "datasets", "zh-extraction-dev", "pages", "*.html"))
		if len(dev) < 500 {
			t.Fatalf("only %d names to check in the dev set", len(dev))
		}
		check(t, dev)
	})
}

// classAndIDNames returns every class and id attribute value of the files
// the globs match.
func classAndIDNames(t *testing.T, globs ...string) []string {
	t.Helper()
	attrRe := regexp.MustCompile(`(?i)\b(?:class|id)\s*=\s*["']([^"']*)["']`)
	var names []string
	for _, g := range globs {
		files, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
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
	}
	return names
}

// TestCollapse: collapse folds white space runs to one space and trims;
// text already in that form comes back as is (the fast path agrees with
// the slow one).
func TestCollapse(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {" ", ""}, {"\n\t ", ""}, {"信用卡", "信用卡"}, {"a b", "a b"}, {"a  b", "a b"},
		{" a", "a"}, {"a ", "a"}, {"a\nb", "a b"}, {"信用卡\u3000逾期", "信用卡 逾期"}, {"a\u00a0b", "a b"},
		{"\u3000信用卡", "信用卡"}, {"信用卡 ", "信用卡"}, {"a \u2003 b", "a b"}, {"x\xffy", "x\ufffdy"}, {"\xe4\xbd", "\ufffd\ufffd"}, {"信\xe4\xbd", "信\ufffd\ufffd"},
		{"①② ③", "①② ③"}, {"ＡＢＣ １２", "ＡＢＣ １２"},
	}
	for _, tt := range tests {
		if got := collapse(tt.in); got != tt.want {
			t.Errorf("collapse(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if collapsed(tt.in) != (tt.in == tt.want) {
			t.Errorf("collapsed(%q) = %v", tt.in, collapsed(tt.in))
		}
	}
}

// TestPersonName: a source that is a person's name (and so the author)
// against the publications, sites and words that share its shape. Words
// of a name's shape (王府井, 陈述) pass: the rule only reads the whole
// value of a 来源 label, where they hardly occur.
func TestPersonName(t *testing.T) {
	for s, want := range map[string]bool{
		"尹娟": true, "王小明": true, "欧阳": false, "李华": true, "张": false,
		"人民网": false, "新华社": false, "央视": false, "网络": false, "原创": false, "本站": false, "转载": false,
		"金融界": false, "王府井": true, "黄河报": false, "陈述": true, "周刊": false, "张三丰传": false, "李a": false, "": false,
	} {
		if got := personName(s); got != want {
			t.Errorf("personName(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestIsFooterLine: footer lines end the text; article sentences that talk
// about the same things do not.
func TestIsFooterLine(t *testing.T) {
	for s, want := range map[string]bool{
		"某某网 京ICP备12345678号-1":                          true,
		"ICP证：B2-20230001":                              true,
		"Copyright © 2023 Example. ALL RIGHTS RESERVED": true,
		"某某报业集团 版权所有，未经许可不得转载":                          true,
		"违法和不良信息举报电话：0000-1234":                         true,
		"互联网新闻信息服务许可证编号：12120170001":                    true,
		"企业办理ICP备案的材料由六项减少为三项。":                         false,
		"版权所有人有权要求侵权方停止侵害。":                             false,
		"信用卡逾期了怎么办？":                                    false,
		"all rights":                                    false,
	} {
		if got := isFooterLine(s, int32(len([]rune(s)))); got != want {
			t.Errorf("isFooterLine(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestResolve: the fast paths of resolve give what url.Parse,
// ResolveReference and String give.
func TestResolve(t *testing.T) {
	slow := func(base *url.URL, href string) string {
		ref, err := url.Parse(strings.TrimSpace(href))
		if err != nil {
			return ""
		}
		u := base.ResolveReference(ref)
		u.Fragment = ""
		return u.String()
	}
	hrefs := []string{"http://a.example/x/1.html", "https://A.Example:443/x?y=1&z=2", "http://a.example", "http://a.example/",
		"/zixun/1.html", "/", "/?page=2", "/a?", "/a/./b", "/a/../b", "/.hidden", "//cdn.example/x.js", "/a%20b", "/信用卡",
		"1.html", "../2.html", "?page=3", "/a:b", "/a,b+c~d", "http://a.example/a/../b", "/x#frag"}
	for _, b := range []string{"http://www.kabao.example/zixun/12.html", "https://u:p@www.kabao.example/a/"} {
		base, _ := url.Parse(b)
		x := &extractor{base: base}
		for _, h := range hrefs {
			if got, want := x.resolve(h), slow(base, h); got != want {
				t.Errorf("resolve(%q) against %s = %q, want %q", h, b, got, want)
			}
		}
	}
}
