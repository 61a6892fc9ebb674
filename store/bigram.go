package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The search index holds text in a bigram form (see 0002_search.sql):
// indexText makes it from a title or body, and the query parser turns a
// query into the matching FTS4 expression.

// foldRune folds full-width ASCII to ASCII and upper to lower case, one rune
// for one rune, so positions found in folded text are positions in the
// original.
func foldRune(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	} else if r == 0x3000 {
		r = ' '
	}
	if r < 0x80 {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// isHan reports whether r is a CJK ideograph (indexed as bigrams).
func isHan(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	if r >= 0x4E00 && r <= 0x9FFF { // CJK Unified Ideographs: the common case
		return true
	}
	return unicode.Is(unicode.Han, r)
}

// isWordRune reports whether r belongs in a word token (Latin, digits and
// other non-Han letters).
func isWordRune(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return !isHan(r) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// indexText returns s in the index's bigram form: each run of Han
// characters c1..cn becomes "c1c2 c2c3 … cn-1cn" (a lone character, no
// token: charsText covers it) and each run of letters and digits one
// lower-case word; everything else separates tokens.
//
// Han characters have no case and fold to themselves, so a bigram is the
// two runes' bytes of s as they are, copied in one piece; ASCII is folded
// by byte. Only other non-ASCII runes are decoded and folded one by one.
func indexText(s string) string {
	var b strings.Builder
	b.Grow(len(s)*7/3 + 8) // a run of Han: 3 bytes a character in, 7 out
	prevAt := -1           // offset of the previous Han rune of the current run, -1 if none
	inWord := false
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				prevAt = -1
				if !inWord {
					if b.Len() > 0 {
						b.WriteByte(' ')
					}
					inWord = true
				}
				b.WriteByte(c)
			} else {
				prevAt, inWord = -1, false
			}
			continue
		}
		r, size := decodeRune(s, i)
		at := i
		i += size
		if r < 0x4E00 || r > 0x9FFF { // not a common ideograph: fold
			r = foldRune(r)
		}
		switch {
		case isHan(r):
			inWord = false
			if prevAt >= 0 {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(s[prevAt:i])
			}
			prevAt = at
		case isWordRune(r):
			prevAt = -1
			if !inWord {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				inWord = true
			}
			b.WriteRune(r)
		default:
			prevAt, inWord = -1, false
		}
	}
	return b.String()
}

// decodeRune is utf8.DecodeRuneInString(s[i:]) with the three-byte runes
// of U+4000..U+9FFF (the common ideographs and their neighbours, which
// are neither overlong nor surrogates) decoded inline.
func decodeRune(s string, i int) (rune, int) {
	if c := s[i]; c >= 0xE4 && c <= 0xE9 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
		return rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F), 3
	}
	return utf8.DecodeRuneInString(s[i:])
}

// charsText returns the distinct Han characters of the texts, each once,
// in order of first appearance: the index's c column, which answers
// one-character queries. (Indexing every character occurrence, as a
// prefix index of the bigrams does, cost about a third of all indexing.)
func charsText(texts ...string) string {
	var b strings.Builder
	var common [(0x9FFF - 0x4E00 + 64) / 64]uint64 // seen, CJK Unified Ideographs
	var rare map[rune]struct{}                     // seen, other Han
	for _, s := range texts {
		for i := 0; i < len(s); {
			if s[i] < 0xE2 { // ASCII and two-byte runes: below U+2E80
				i++
				continue
			}
			r, size := decodeRune(s, i)
			at := i
			i += size
			if r < 0x2E80 {
				continue
			}
			if r >= 0x4E00 && r <= 0x9FFF {
				k := r - 0x4E00
				if common[k/64]&(1<<(k%64)) != 0 {
					continue
				}
				common[k/64] |= 1 << (k % 64)
			} else {
				if r = foldRune(r); !isHan(r) {
					continue
				}
				if _, ok := rare[r]; ok {
					continue
				}
				if rare == nil {
					rare = map[rune]struct{}{}
				}
				rare[r] = struct{}{}
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			} else {
				b.Grow(len(s) / 2)
			}
			b.WriteString(s[at:i])
		}
	}
	return b.String()
}

// queryPart is one run of a query: Han characters or a word, folded.
type queryPart struct {
	text []rune
	han  bool
}

// parseQuery splits a query into its Han runs and words. Any other
// character, including FTS syntax, separates parts.
func parseQuery(q string) []queryPart {
	var parts []queryPart
	var cur []rune
	curHan := false
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, queryPart{text: cur, han: curHan})
			cur = nil
		}
	}
	for _, r := range q {
		r = foldRune(r)
		switch {
		case isHan(r):
			if !curHan {
				flush()
			}
			curHan = true
			cur = append(cur, r)
		case isWordRune(r):
			if curHan {
				flush()
			}
			curHan = false
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return parts
}

// ftsExpr returns the FTS4 MATCH expression for the parts, all of which
// must match (AND):
//
//	one Han character  卡      -> c:卡       (the distinct characters column)
//	two                逾期    -> "逾期"
//	more               信用卡  -> "信用 用卡" (phrase of bigrams)
//	a word             ETC     -> "etc"
func ftsExpr(parts []queryPart) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch {
		case !p.han:
			b.WriteByte('"')
			b.WriteString(string(p.text))
			b.WriteByte('"')
		case len(p.text) == 1:
			b.WriteString("c:")
			b.WriteString(string(p.text))
		default:
			b.WriteByte('"')
			for j := 0; j+1 < len(p.text); j++ {
				if j > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(string(p.text[j : j+2]))
			}
			b.WriteByte('"')
		}
	}
	return b.String()
}
