package extract

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// prescanLimit is how far Decode looks for a <meta charset>: a browser stops
// at 1024 bytes, but real pages put a long <head> first, so we go further
// when the first kilobyte says nothing.
const prescanLimit = 64 << 10

// Decode turns raw bytes into UTF-8 the way a browser does: a byte order mark
// first, then the charset of contentType, then a <meta charset> or
// http-equiv Content-Type in the document (unless the bytes are strictly
// valid UTF-8 with multi-byte sequences: then they are UTF-8 whatever the
// <meta> says, or a header that says Latin-1), then detection (valid UTF-8, else GB18030). gb2312 and gbk are read as GB18030, its superset. Bytes that are
// invalid in the chosen encoding become U+FFFD: the page is never lost. The
// returned charset is the canonical name of the encoding used.
func Decode(raw []byte, contentType string) (text []byte, charsetName string, err error) {
	// 1. Byte order mark.
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		return toValidUTF8(raw[3:]), "utf-8", nil
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), raw[2:], "utf-16le")
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), raw[2:], "utf-16be")
	}
	// 2. Transport charset, 3. document charset.
	label := ""
	if contentType != "" {
		if _, params, perr := mime.ParseMediaType(contentType); perr == nil {
			label = params["charset"]
		} else if i := indexFoldString(contentType, "charset="); i >= 0 {
			// indexFoldString, not strings.ToLower: lower-casing invalid
			// UTF-8 changes the length, and the index would not fit.
			label = strings.Trim(contentType[i+len("charset="):], `"' ;`)
		}
	}
	if label != "" {
		// The transport may say UTF-16 (only a document cannot: see
		// lookupCharset), and the bytes are then read so.
		switch _, n := charset.Lookup(strings.ToLower(strings.TrimSpace(label))); n {
		case "utf-16le":
			return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), raw, n)
		case "utf-16be":
			return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), raw, n)
		}
	}
	enc, name := lookupCharset(label)
	if name == "windows-1252" && utf8WithMultibyte(raw) {
		// A header that says Latin-1 (iso-8859-1, us-ascii: windows-1252
		// to WHATWG) is most often a server's default (Tomcat's, Java
		// servlets'), not the page's word; over bytes strictly valid
		// UTF-8 with multi-byte sequences, which Latin-1 text almost never
		// is, the bytes win, as over a <meta>.
		return raw, "utf-8", nil
	}
	if enc == nil {
		enc, name = lookupCharset(prescanMeta(raw))
		if enc != nil && name != "utf-8" && utf8WithMultibyte(raw) {
			// A <meta> that names another charset over bytes that are
			// strictly valid UTF-8 with multi-byte sequences is a template
			// left over from a GBK site: GBK (or Latin-1) text is almost
			// never valid UTF-8, so the bytes win. The HTTP header, read
			// above, still wins over the bytes.
			return raw, "utf-8", nil
		}
	}
	if enc != nil {
		// A page labelled UTF-8 that is not (a common server misconfiguration
		// on old GBK sites) is read as GB18030 when that is clean.
		if name == "utf-8" {
			if utf8.Valid(raw) {
				return raw, name, nil
			}
			if looksGB18030(raw) && !mostlyUTF8(raw) {
				return decodeWith(simplifiedchinese.GB18030, raw, "gb18030")
			}
			return toValidUTF8(raw), name, nil
		}
		return decodeWith(enc, raw, name)
	}
	// 4. Detection.
	if utf8.Valid(raw) {
		return raw, "utf-8", nil
	}
	if mostlyUTF8(raw) {
		return toValidUTF8(raw), "utf-8", nil
	}
	return decodeWith(simplifiedchinese.GB18030, raw, "gb18030")
}

// Parse decodes raw (see Decode) and parses it into a goquery document.
func Parse(raw []byte, contentType string) (*goquery.Document, error) {
	text, _, err := Decode(raw, contentType)
	if err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(text))
	if err != nil {
		// The parser refuses absurdly deep trees; keep the text and drop
		// the tags below a sane depth rather than lose the page.
		doc, err = goquery.NewDocumentFromReader(bytes.NewReader(flattenDeep(text, 256)))
		if err != nil {
			return nil, fmt.Errorf("extract: parse html: %w", err)
		}
	}
	return doc, nil
}

// flattenDeep rewrites an HTML document without the start and end tags
// nested deeper than maxDepth (by a simple count of open tags), keeping all
// text.
func flattenDeep(text []byte, maxDepth int) []byte {
	var out bytes.Buffer
	out.Grow(len(text))
	z := html.NewTokenizer(bytes.NewReader(text))
	depth := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.Bytes()
		case html.StartTagToken:
			name, _ := z.TagName()
			if voidElements[string(name)] {
				out.Write(z.Raw())
				continue
			}
			depth++
			if depth > maxDepth {
				continue
			}
		case html.EndTagToken:
			depth--
			if depth >= maxDepth {
				continue
			}
			depth = max(depth, 0)
		}
		out.Write(z.Raw())
	}
}

var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true}

// lookupCharset maps a charset label to an encoding; gb2312 and gbk (and
// their aliases) become GB18030. It returns nil for an unknown label.
func lookupCharset(label string) (encoding.Encoding, string) {
	label = strings.ToLower(strings.TrimSpace(label))
	if label == "" {
		return nil, ""
	}
	enc, name := charset.Lookup(label)
	if enc == nil {
		return nil, ""
	}
	switch name {
	case "gbk", "gb18030":
		return simplifiedchinese.GB18030, "gb18030"
	case "utf-16le", "utf-16be":
		// A document cannot really declare UTF-16 in itself; browsers read it
		// as UTF-8.
		return encoding.Nop, "utf-8"
	}
	return enc, name
}

func decodeWith(enc encoding.Encoding, raw []byte, name string) ([]byte, string, error) {
	out, _, err := transform.Bytes(enc.NewDecoder(), raw)
	if err != nil {
		// The x/text decoders replace invalid input; an error here is
		// unexpected, so fall back to a lossy UTF-8 view rather than fail.
		return toValidUTF8(raw), "utf-8", nil
	}
	return out, name, nil
}

func toValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// utf8WithMultibyte reports whether b is strictly valid UTF-8 and holds at
// least one multi-byte sequence (pure ASCII says nothing about the charset).
func utf8WithMultibyte(b []byte) bool {
	multi := false
	for _, c := range b {
		if c >= 0x80 {
			multi = true
			break
		}
	}
	return multi && utf8.Valid(b)
}

// mostlyUTF8 reports whether nearly all non-ASCII sequences of b are valid
// UTF-8 (a UTF-8 page with a few broken bytes).
func mostlyUTF8(b []byte) bool {
	good, bad := 0, 0
	for i := 0; i < len(b); {
		if b[i] < 0x80 {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			bad++
			i++
			continue
		}
		good++
		i += n
	}
	return good > 0 && bad*50 < good
}

// looksGB18030 reports whether the non-ASCII bytes of b pair up as GBK
// double-byte characters.
func looksGB18030(b []byte) bool {
	good, bad := 0, 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < 0x80 {
			continue
		}
		if c >= 0x81 && c <= 0xFE && i+1 < len(b) {
			d := b[i+1]
			if (d >= 0x40 && d <= 0xFE && d != 0x7F) || (d >= 0x30 && d <= 0x39) {
				good++
				i++
				continue
			}
		}
		bad++
	}
	return good > 0 && bad*20 < good
}

// prescanMeta looks for a charset declared in a <meta> tag: <meta
// charset=x> or <meta http-equiv=Content-Type content="...; charset=x">.
// It reads the first 1024 bytes like a browser, then further (up to
// prescanLimit) when nothing was found.
func prescanMeta(raw []byte) string {
	if l := metaCharsetIn(raw[:min(len(raw), 1024)]); l != "" {
		return l
	}
	return metaCharsetIn(raw[:min(len(raw), prescanLimit)])
}

func metaCharsetIn(raw []byte) string {
	b := string(raw)
	for i := 0; i < len(b); {
		j := indexFoldString(b[i:], "<meta")
		if j < 0 {
			return ""
		}
		start := i + j + len("<meta")
		end := strings.IndexByte(b[start:], '>')
		if end < 0 {
			end = len(b) - start
		}
		tag := b[start : start+end]
		if k := indexFoldString(tag, "charset"); k >= 0 {
			rest := strings.TrimLeft(tag[k+len("charset"):], " \t\r\n")
			if len(rest) > 0 && rest[0] == '=' {
				rest = strings.TrimLeft(rest[1:], " \t\r\n\"'")
				n := 0
				for n < len(rest) && isLabelByte(rest[n]) {
					n++
				}
				if n > 0 {
					return rest[:n]
				}
			}
		}
		i = start + end
	}
	return ""
}

func isLabelByte(c byte) bool {
	return c == '-' || c == '_' || c == '.' || c == ':' ||
		(c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// indexFoldString is strings.Index for an ASCII lower-case needle, ignoring
// case.
func indexFoldString(b string, needle string) int {
	n := len(needle)
	for i := 0; i+n <= len(b); i++ {
		ok := true
		for k := 0; k < n; k++ {
			c := b[i+k]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[k] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}
