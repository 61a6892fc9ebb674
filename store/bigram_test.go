package store

import "testing"

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
