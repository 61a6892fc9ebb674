package extract_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/finarchive/finarchive/extract"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	const zh = "银行卡冻结多长时间能解封"
	long := "<!--" + strings.Repeat("x", 2000) + "-->"
	utf := []byte(`<meta charset="gbk"><p>` + zh + `</p>`)
	tests := []struct {
		name, contentType string
		raw               []byte
		wantCharset       string
		mojibake          bool // the text does not hold zh (the label was read over UTF-8 bytes, or there is no Han)
	}{
		{"utf8 bom", "", append([]byte{0xEF, 0xBB, 0xBF}, []byte("<p>"+zh+"</p>")...), "utf-8", false},
		{"header charset gbk", "text/html; charset=GBK", gbk(t, "<p>"+zh+"</p>"), "gb18030", false},
		{"meta charset gb2312", "text/html", gbk(t, `<html><head><meta charset="gb2312"></head><p>`+zh+`</p>`), "gb18030", false},
		{"http-equiv after 1024 bytes", "", gbk(t, `<html><head>`+long+`<meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><p>`+zh+`</p>`), "gb18030", false},
		{"no label, utf-8", "", []byte("<p>" + zh + "</p>"), "utf-8", false},
		{"no label, gbk bytes", "", gbk(t, "<p>"+zh+"</p>"), "gb18030", false},
		{"utf-8 label on gbk bytes", "text/html; charset=utf-8", gbk(t, "<p>"+zh+zh+"</p>"), "gb18030", false},
		{"meta gb2312 on utf-8 bytes", "", []byte(`<html><head><meta charset="gb2312"></head><p>` + zh + `</p>`), "utf-8", false},
		{"http-equiv gbk on utf-8 bytes", "text/html", []byte(`<meta http-equiv="Content-Type" content="text/html; charset=gbk"><p>` + zh + `</p>`), "utf-8", false},
		{"meta latin-1 on utf-8 bytes", "", []byte(`<meta charset="iso-8859-1"><p>` + zh + `</p>`), "utf-8", false},
		// The header is the transport's word: it wins over the bytes.
		{"header gbk on utf-8 bytes", "text/html; charset=gbk", utf, "gb18030", true},
		// ... but for a Latin-1 header, a server's default (Tomcat's), the
		// bytes win as over a <meta>; over bytes that are no UTF-8 it stands.
		{"header iso-8859-1 on utf-8 bytes", "text/html; charset=ISO-8859-1", []byte(`<meta charset="utf-8"><p>` + zh + `</p>`), "utf-8", false},
		{"header us-ascii on utf-8 bytes", "text/html; charset=us-ascii", []byte("<p>" + zh + "</p>"), "utf-8", false},
		{"header iso-8859-1 on latin-1 bytes", "text/html; charset=iso-8859-1", []byte("<p>caf\xe9 cr\xe8me</p>"), "windows-1252", true},
		// Pure ASCII is valid UTF-8 but says nothing: the <meta> stands.
		{"meta gbk on ascii", "", []byte(`<meta charset="gbk"><p>` + zh + `</p>`)[:len(`<meta charset="gbk"><p>`)], "gb18030", true},
		// One invalid byte in UTF-8 text: not strictly valid, the <meta> stands.
		{"meta gbk on broken utf-8", "", append(append([]byte{}, utf...), 0xFF), "gb18030", true},
		// UTF-16 said by the transport (no BOM) is read so; said by a
		// document it cannot be (browsers read UTF-8).
		{"header utf-16le", "text/html; charset=utf-16le", utf16(binary.LittleEndian, "<p>"+zh+"</p>"), "utf-16le", false},
		{"header utf-16be", "text/html; charset=UTF-16BE", utf16(binary.BigEndian, "<p>"+zh+"</p>"), "utf-16be", false},
		{"header utf-16", "text/html; charset=utf-16", utf16(binary.LittleEndian, "<p>"+zh+"</p>"), "utf-16le", false},
		{"meta utf-16 on utf-8 bytes", "", []byte(`<meta charset="utf-16"><p>` + zh + `</p>`), "utf-8", false},
		{"utf-16le bom", "", []byte{0xFF, 0xFE, '<', 0, 'p', 0, '>', 0, 0xF6, 0x94, 0x4C, 0x88, 0x61, 0x53, 0xBB, 0x51, 0xD3, 0x7E, 0x1A, 0x59, 0x7F, 0x95, 0xF6, 0x65, 0xF4, 0x95, 0xFD, 0x80, 0xE3, 0x89, 0x01, 0x5C}, "utf-16le", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cs, err := extract.Decode(tt.raw, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tt.wantCharset {
				t.Errorf("charset %q, want %q", cs, tt.wantCharset)
			}
			if has := bytes.Contains(got, []byte(zh)); has == tt.mojibake {
				t.Errorf("text %q: contains %q = %v, want %v", truncate(string(got), 200), zh, has, !tt.mojibake)
			}
		})
	}
}

func TestDecode_InvalidBytesKept(t *testing.T) {
	raw := append([]byte("<meta charset=utf-8><p>好的"), 0xFF, 0xFE, 'o', 'k')
	raw = append(raw, []byte(strings.Repeat("银行", 200))...)
	got, cs, err := extract.Decode(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	if cs != "utf-8" || !bytes.Contains(got, []byte("好的\uFFFD")) || !bytes.Contains(got, []byte("ok")) {
		t.Errorf("got %q (%s)", truncate(string(got), 80), cs)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// utf16 encodes s (BMP only) in UTF-16 in the byte order bo, without a BOM.
func utf16(bo binary.AppendByteOrder, s string) []byte {
	var b []byte
	for _, r := range s {
		b = bo.AppendUint16(b, uint16(r))
	}
	return b
}
