package extract

import (
	"fmt"
	"math/rand/v2"
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

// TestHasDMYStart checks that hasDMYStart never rules out a text reDMY
// matches in: random texts over the characters that matter, and the
// dates of the date tests' forms.
func TestHasDMYStart(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	alpha := []string{"0", "1", "2", "9", "/", "-", ".", " ", "\t", "\v", "a", "年", "2020", "12", ":"}
	matched := 0
	for range 100000 {
		var b strings.Builder
		for range 1 + r.IntN(16) {
			if r.IntN(4) == 0 { // a date-like run: day, separator, month, separator, year
				seps := []string{"/", "-", ".", ". ", ".\t", ".\v", "/-", ""}
				fmt.Fprintf(&b, "%d%s%d%s%d", r.IntN(40), seps[r.IntN(len(seps))], r.IntN(40), seps[r.IntN(len(seps))], 1990+r.IntN(40))
				continue
			}
			b.WriteString(alpha[r.IntN(len(alpha))])
		}
		s := b.String()
		if reDMY.MatchString(s) {
			matched++
			if !hasDMYStart(s) {
				t.Fatalf("reDMY matches %q, but hasDMYStart says no", s)
			}
		}
	}
	if matched < 1000 {
		t.Errorf("only %d random texts matched: the check tested too little", matched)
	}
	for _, s := range []string{"05/06/2020", "5-6-2020", "1.2.2020", "1. 2. 2020", "1.\t2.\n2020", "am 3.4.2021 um 10:00"} {
		if !reDMY.MatchString(s) || !hasDMYStart(s) {
			t.Errorf("%q: reDMY %v, hasDMYStart %v; want both", s, reDMY.MatchString(s), hasDMYStart(s))
		}
	}
	for _, s := range []string{"2020年5月6日", "version 1.x", "a-b/c", "", "12"} {
		if hasDMYStart(s) {
			t.Errorf("hasDMYStart(%q) = true, want false", s)
		}
	}
}
