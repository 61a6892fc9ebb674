package extract

import "testing"

func TestCountText(t *testing.T) {
	tests := []struct {
		in           string
		runes, punct int
	}{
		{"", 0, 0},
		{" \t\n", 0, 0},
		{"abc", 3, 0},
		{"银行卡，冻结。", 7, 2},
		{"\u3000\u3000土豆（图）\u00a0…", 6, 3},
		{"“你好”，ok!", 8, 4},
		{"\xff\xfe坏", 3, 0},
	}
	for _, tt := range tests {
		r, p := countText(tt.in)
		if r != tt.runes || p != tt.punct {
			t.Errorf("countText(%q) = %d, %d; want %d, %d", tt.in, r, p, tt.runes, tt.punct)
		}
	}
}
