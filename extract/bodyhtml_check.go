package extract

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// This file is the fast path of SanitizeBodyHTML: a one-pass check that a
// string is already in the exact form BodyPolicy's sanitiser gives back
// unchanged (the form the builder in bodyhtml.go writes). Such a string is
// returned as it is; anything else — an element or attribute outside the
// allow-list, an attribute value of another shape, a character reference
// other than the five the builder writes, a raw <, > or quote in text,
// CR, NUL, invalid UTF-8 — goes through bluemonday. The check accepts a
// strict subset of bluemonday's fixed points (FuzzBodyHTMLCanonical
// asserts it), so skipping the sanitiser for it lets nothing through that
// the sanitiser would not.

// canonicalTags are the elements of body_html without attributes, and the
// end tags the check accepts (<br> and <img> have none).
var canonicalTags = map[string]bool{
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "p": true,
	"ul": true, "ol": true, "li": true, "dl": true, "dt": true, "dd": true,
	"table": true, "caption": true, "thead": true, "tbody": true, "tfoot": true, "tr": true,
	"td": true, "th": true, "blockquote": true, "pre": true,
}

// isCanonicalBodyHTML reports whether s is in the canonical form of body_html
// (see above): BodyPolicy().Sanitize(s) == s for every s it accepts.
func isCanonicalBodyHTML(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			n := canonicalTag(s[i:])
			if n == 0 {
				return false
			}
			i += n
		case '&':
			n := charRef(s[i:])
			if n == 0 {
				return false
			}
			i += n
		case '>', '"', '\'', '\r', 0:
			return false
		default:
			i++
		}
	}
	return true
}

// charRef returns the length of the character reference at the start of s
// if it is one of the five the builder writes (html.EscapeString's), else 0.
func charRef(s string) int {
	for _, r := range [...]string{"&amp;", "&lt;", "&gt;", "&#34;", "&#39;"} {
		if strings.HasPrefix(s, r) {
			return len(r)
		}
	}
	return 0
}

// canonicalTag returns the length of the tag at the start of s (s[0] is
// '<') if it is a canonical tag of body_html, else 0: an end tag of
// canonicalTags, <br>, a start tag of canonicalTags with the attributes
// its element allows (ol start, td and th colspan and rowspan, th scope:
// each at most once, lower case, double-quoted, values of the shapes the
// policy matches), or <img src="http(s) URL" alt="text">.
func canonicalTag(s string) int {
	end := strings.IndexByte(s, '>')
	if end < 0 {
		return 0
	}
	tag := s[1:end]
	if strings.HasPrefix(tag, "/") {
		if canonicalTags[tag[1:]] {
			return end + 1
		}
		return 0
	}
	name, attrs, _ := strings.Cut(tag, " ")
	if name == "br" && tag == "br" {
		return end + 1
	}
	if name == "img" {
		return canonicalImg(s)
	}
	if !canonicalTags[name] {
		return 0
	}
	if len(name) == len(tag) {
		return end + 1
	}
	if attrs == "" {
		return 0 // "<p >"
	}
	var seen [4]bool // start, colspan, rowspan, scope
	for attrs != "" {
		var a string
		a, attrs, _ = strings.Cut(attrs, " ")
		k, v, ok := strings.Cut(a, `="`)
		if !ok || len(v) < 2 || v[len(v)-1] != '"' {
			return 0
		}
		v = v[:len(v)-1]
		var slot int
		switch {
		case k == "start" && name == "ol" && isDigits(v):
			slot = 0
		case k == "colspan" && (name == "td" || name == "th") && isDigits(v):
			slot = 1
		case k == "rowspan" && (name == "td" || name == "th") && isDigits(v):
			slot = 2
		case k == "scope" && name == "th" && (v == "row" || v == "col" || v == "rowgroup" || v == "colgroup"):
			slot = 3
		default:
			return 0
		}
		if seen[slot] {
			return 0
		}
		seen[slot] = true
	}
	return end + 1
}

// canonicalImg returns the length of the <img> at the start of s if it is
// exactly <img src="U" alt="A"> with U an http or https URL that url.Parse
// gives back unchanged and made only of characters needing no escape, and A
// escaped text; else 0. (The alt may hold '>' only escaped, so the tag ends
// at the first '>'.)
func canonicalImg(s string) int {
	const pre = `<img src="`
	if !strings.HasPrefix(s, pre) {
		return 0
	}
	rest := s[len(pre):]
	q := strings.IndexByte(rest, '"')
	if q < 0 {
		return 0
	}
	src := rest[:q]
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return 0
	}
	for i := 0; i < len(src); i++ {
		if c := src[i]; c <= ' ' || c >= 0x7F || c == '&' || c == '<' || c == '>' || c == '\'' || c == '"' {
			return 0
		}
	}
	if u, err := url.Parse(src); err != nil || u.String() != src {
		return 0
	}
	rest = rest[q+1:]
	const mid = ` alt="`
	if !strings.HasPrefix(rest, mid) {
		return 0
	}
	rest = rest[len(mid):]
	q = strings.Index(rest, `">`)
	if q < 0 {
		return 0
	}
	alt := rest[:q]
	for i := 0; i < len(alt); {
		switch alt[i] {
		case '&':
			n := charRef(alt[i:])
			if n == 0 {
				return 0
			}
			i += n
		case '<', '>', '"', '\'', '\r', '\n', '\t', '\f', 0:
			return 0
		default:
			i++
		}
	}
	return len(pre) + len(src) + 1 + len(mid) + q + 2
}

// isDigits reports whether s is one or more ASCII digits (bluemonday.Integer).
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
