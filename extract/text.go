package extract

import (
	"strings"
	"unicode/utf8"
)

// isSpace reports white space, including the no-break and ideographic spaces
// Chinese pages indent paragraphs with.
func isSpace(r rune) bool {
	if r < 0x80 {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
	}
	switch {
	case r == 0xA0, r == 0x85, r == 0x1680, r >= 0x2000 && r <= 0x200B, r == 0x2028, r == 0x2029,
		r == 0x202F, r == 0x205F, r == 0x3000, r == 0xFEFF:
		return true
	}
	return false
}

// countText returns the number of non-space runes of s and how many of them
// are sentence punctuation.
func countText(s string) (runes, punct int) {
	// A byte loop: Han characters (lead bytes E4..E9) are counted without
	// decoding; only the lead bytes that can start a space or punctuation
	// mark are decoded.
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80:
			switch c {
			case ' ', '\t', '\n', '\r', '\f', '\v':
				continue
			case ',', '.', ';', '!', '?', '"', '(', ')':
				punct++
			}
			runes++
		case c < 0xC0:
			// continuation byte
		case c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3 || c == 0xEF:
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n - 1
			if isSpace(r) {
				continue
			}
			runes++
			if isPunct(r) {
				punct++
			}
		default:
			runes++
		}
	}
	return runes, punct
}

func isPunct(r rune) bool {
	switch r {
	case '，', '。', '；', '：', '！', '？', '、', '“', '”', '‘', '’', '（', '）', '《', '》', '…',
		',', '.', ';', '!', '?', '"', '(', ')':
		return true
	}
	return false
}

// collapse trims s and folds every run of white space into one space.
func collapse(s string) string {
	if collapsed(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if isSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// collapsed reports whether collapse(s) == s: no space at either end and
// none but single ASCII spaces inside, valid UTF-8. Most text nodes are,
// and need no copy. A byte loop: Han characters are not decoded.
func collapsed(s string) bool {
	prevSpace := true // a space at the start is not collapsed
	for i := 0; i < len(s); {
		c := s[i]
		size, sp := 1, false
		switch {
		case c < 0x80:
			if c == ' ' {
				if prevSpace {
					return false
				}
				prevSpace = true
				i++
				continue
			}
			sp = c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
		case c >= 0xE4 && c <= 0xE9 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
			size = 3 // a Han character
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return false // invalid UTF-8: collapse writes U+FFFD
			}
			sp = isSpace(r)
		}
		if sp {
			return false
		}
		prevSpace = false
		i += size
	}
	return !prevSpace || s == ""
}

// runeLen is utf8.RuneCountInString.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// normDigits maps full-width digits, colons, slashes, dashes and dots to
// ASCII so date patterns see one alphabet.
func normDigits(s string) string {
	need := false
	for _, r := range s {
		if (r >= '０' && r <= '９') || r == '：' || r == '／' || r == '－' || r == '．' || r == '　' || r == '〇' {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '：':
			return ':'
		case r == '／':
			return '/'
		case r == '－':
			return '-'
		case r == '．':
			return '.'
		case r == '　':
			return ' '
		}
		return r
	}, s)
}

// hasDigit reports an ASCII or full-width digit in s.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			return true
		}
		// U+FF10..U+FF19 is EF BC 90..99 in UTF-8.
		if c == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && s[i+2] >= 0x90 && s[i+2] <= 0x99 {
			return true
		}
	}
	return false
}

// truncRunes cuts s to at most n runes.
func truncRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// hasAnyPrefix reports whether s starts with one of ps.
func hasAnyPrefix(s string, ps ...string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// containsAny reports whether s contains one of subs.
func containsAny(s string, subs ...string) bool {
	for _, p := range subs {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// stripLabel removes a leading "label:" (either colon) from s and reports
// whether one of labels was there.
func stripLabel(s string, labels ...string) (string, bool) {
	for _, l := range labels {
		if strings.HasPrefix(s, l) {
			rest := strings.TrimLeftFunc(s[len(l):], isSpace)
			if strings.HasPrefix(rest, ":") {
				return strings.TrimLeftFunc(rest[1:], isSpace), true
			}
			if strings.HasPrefix(rest, "：") {
				return strings.TrimLeftFunc(rest[len("："):], isSpace), true
			}
		}
	}
	return s, false
}

// hasYearRun reports whether s has four ASCII digits in a row: every full
// date has its year.
func hasYearRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
			if n == 4 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}
