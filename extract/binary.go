package extract

import (
	"mime"
	"net/http"
	"strings"
)

// BinaryKind names what body looks like when it is no text, whatever it was
// served as: a type http.DetectContentType knows by its signature (PDF,
// images, archives), or, when it does not start as HTML, data with NUL
// bytes or many control bytes near its start. It is "" for text in any
// charset (a page with a stray control byte included), and for a body whose
// contentType declares UTF-16, where NUL bytes are text. Extracting such a
// body would archive a record of garbage: a server that labels a PDF
// text/html is not believed.
func BinaryKind(body []byte, contentType string) string {
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil && strings.HasPrefix(strings.ToLower(params["charset"]), "utf-16") {
			return ""
		}
	}
	sniffed := http.DetectContentType(body)
	if strings.HasPrefix(sniffed, "text/") {
		return ""
	}
	if sniffed != "application/octet-stream" {
		return sniffed
	}
	head := body[:min(len(body), 4096)]
	ctl := 0
	for _, c := range head {
		switch {
		case c == 0:
			return "binary data (NUL bytes)"
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b:
			ctl++
		}
	}
	if ctl >= 16 && ctl*20 > len(head) { // over 5%, and more than a few stray ones
		return "binary data (control bytes)"
	}
	return ""
}
