package extract

import (
	"strings"
	"testing"
	"unicode"
)

// TestHasLatinLetter checks the premises isCTALine's shortcut rests on:
// every phrase holds an ASCII letter, and a string without one keeps none
// once lower-cased unless hasLatinLetter says so.
func TestHasLatinLetter(t *testing.T) {
	for _, list := range [][]string{ctaPhrases, longNoticePhrases} {
		for _, p := range list {
			if !strings.ContainsFunc(p, func(r rune) bool { return 'a' <= r && r <= 'z' }) {
				t.Errorf("phrase %q has no ASCII letter: hasLatinLetter cannot rule it out", p)
			}
		}
	}
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if l := unicode.ToLower(r); l < 0x80 && !hasLatinLetter(string(r)) {
			t.Errorf("%U lower-cases to %q, and hasLatinLetter misses it", r, l)
		}
	}
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"关注我们的公众号", false}, {"", false}, {"１２３：？", false}, {"Follow us", true}, {"微信a", true},
		{"\u212a", true}, {"İ", true}, {"ı", false}, {"Ä", false}, {"[@`{", false},
	} {
		if got := hasLatinLetter(c.s); got != c.want {
			t.Errorf("hasLatinLetter(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}
