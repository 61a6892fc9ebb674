package extract

import (
	"strings"
	"testing"
)

func TestWriteEscaped(t *testing.T) {
	for _, c := range []struct {
		in   string
		fold bool
		want string
	}{
		{"  a  b\t\nc  ", true, "a b c"},
		{"费用\u3000说明", true, "费用 说明"},
		{`<a href="x">&'`, true, "&lt;a href=&#34;x&#34;&gt;&amp;&#39;"},
		{"x\r\ny\rz", false, "x\ny\nz"},
		{"x\r\ny", true, "x y"},
		{"  keep  \n  spaces", false, "  keep  \n  spaces"},
		{"a\x00b\xffc", true, "ab\uFFFDc"},
		{"\u00a0\u00a0", true, ""},
		{"", true, ""},
	} {
		var b strings.Builder
		writeEscaped(&b, c.in, c.fold)
		if got := b.String(); got != c.want {
			t.Errorf("writeEscaped(%q, %v) = %q, want %q", c.in, c.fold, got, c.want)
		}
	}
}
