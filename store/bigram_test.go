package store

import (
	"strings"
	"testing"
)

func TestIndexText(t *testing.T) {
	tests := []struct{ in, want, chars string }{
		{"信用卡", "信用 用卡", "信 用 卡"},
		{"卡", "", "卡"},
		{"信用卡逾期，怎么办？", "信用 用卡 卡逾 逾期 怎么 么办", "信 用 卡 逾 期 怎 么 办"},
		{"U盾丢了", "u 盾丢 丢了", "盾 丢 了"},
		{"ETC卡", "etc", "卡"},
		{"ＥＴＣ卡 2024年", "etc 2024", "卡 年"},
		{"APP下载v2.0", "app 下载 v2 0", "下 载"},
		{"卡卡卡，卡", "卡卡 卡卡", "卡"},
		{"", "", ""},
		{"，。！", "", ""},
	}
	for _, tt := range tests {
		if got := indexText(tt.in); got != tt.want {
			t.Errorf("indexText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := charsText(tt.in); got != tt.chars {
			t.Errorf("charsText(%q) = %q, want %q", tt.in, got, tt.chars)
		}
	}
	if got := charsText("信用卡", "卡片", "ＥＴＣ"); got != "信 用 卡 片" {
		t.Errorf("charsText of three texts = %q", got)
	}
}

func TestFTSExpr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"卡", "c:卡"},
		{"逾期", `"逾期"`},
		{"信用卡逾期", `"信用 用卡 卡逾 逾期"`},
		{"U盾", `"u" c:盾`},
		{"ETC卡", `"etc" c:卡`},
		{"信用卡 逾期", `"信用 用卡" "逾期"`},
		{`"a" OR b*`, `"a" "or" "b"`},
	}
	for _, tt := range tests {
		if got := ftsExpr(parseQuery(tt.in)); got != tt.want {
			t.Errorf("ftsExpr(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	tests := []struct {
		body, query string
		before, win int
		want        string
	}{
		{"信用卡逾期怎么办", "逾期", 40, 160, "信用卡\x02逾期\x03怎么办"},
		{"办理ETC卡需要身份证", "etc卡", 40, 160, "办理\x02ETC\x03\x02卡\x03需要身份证"},
		{"一二三四五六七八九十逾期一二三四五六七八九十", "逾期", 3, 8, "…八九十\x02逾期\x03一二三…"},
		{"没有匹配的正文\n第二行", "理赔", 3, 5, "没有匹配的…"},
	}
	for _, tt := range tests {
		if got := snippet(tt.body, parseQuery(tt.query), tt.before, tt.win); got != tt.want {
			t.Errorf("snippet(%q, %q) = %q, want %q", tt.body, tt.query, got, tt.want)
		}
	}
}

// indexTextRef and charsTextRef are the rune-by-rune forms of indexText and
// charsText (before their byte-level fast paths): the index must not change.
func indexTextRef(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	var prev rune // previous Han rune of the current run, 0 if none
	inWord := false
	sep := func() {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
	}
	for _, r := range s {
		if r < 0x4E00 || r > 0x9FFF { // not a common ideograph: fold
			r = foldRune(r)
		}
		switch {
		case isHan(r):
			inWord = false
			if prev != 0 {
				sep()
				b.WriteRune(prev)
				b.WriteRune(r)
			}
			prev = r
		case isWordRune(r):
			prev = 0
			if !inWord {
				sep()
				inWord = true
			}
			b.WriteRune(r)
		default:
			prev = 0
			inWord = false
		}
	}
	return b.String()
}

// charsText returns the distinct Han characters of the texts, each once,
// in order of first appearance: the index's c column, which answers
// one-character queries. (Indexing every character occurrence, as a
// prefix index of the bigrams does, cost about a third of all indexing.)
func charsTextRef(texts ...string) string {
	var b strings.Builder
	var common [(0x9FFF - 0x4E00 + 64) / 64]uint64 // seen, CJK Unified Ideographs
	var rare map[rune]struct{}                     // seen, other Han
	for _, s := range texts {
		for _, r := range s {
			if r < 0x2E80 {
				continue
			}
			if r >= 0x4E00 && r <= 0x9FFF {
				i := r - 0x4E00
				if common[i/64]&(1<<(i%64)) != 0 {
					continue
				}
				common[i/64] |= 1 << (i % 64)
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
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FuzzIndexText checks indexText and charsText against the rune-by-rune
// reference forms on any input, invalid UTF-8 included.
func FuzzIndexText(f *testing.F) {
	for _, s := range []string{"信用卡逾期，怎么办？", "ＥＴＣ卡 2024年", "APP下载v2.0", "Ä㐀𠀀丽\u3000ÉTC", "a\xff中\xe4\xb8文\xc2", "İstanbul Σ ǅ"} {
		f.Add(s, "卡片")
	}
	f.Fuzz(func(t *testing.T, s, s2 string) {
		if got, want := indexText(s), indexTextRef(s); got != want {
			t.Errorf("indexText(%q) = %q, want %q", s, got, want)
		}
		if got, want := charsText(s, s2), charsTextRef(s, s2); got != want {
			t.Errorf("charsText(%q, %q) = %q, want %q", s, s2, got, want)
		}
	})
}
