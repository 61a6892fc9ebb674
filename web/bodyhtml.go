package web

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/finarchive/finarchive/extract"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// bodyHTML renders an article's stored body_html for the reader. It is
// sanitised again with extract's allow-list (the store did so too: a
// second line of defence), then each image becomes a link to it: the
// Content-Security-Policy loads no image from another origin, and an
// offline reader must not call the site it archived. A table goes in a
// box of its own that scrolls sideways when it is wider than the page.
func bodyHTML(stored string) template.HTML {
	clean := extract.SanitizeBodyHTML(stored)
	if clean == "" {
		return ""
	}
	var b bytes.Buffer
	b.Grow(len(clean) + 64)
	z := html.NewTokenizer(strings.NewReader(clean))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt == html.EndTagToken {
			b.Write(z.Raw())
			if name, _ := z.TagName(); string(name) == "table" {
				b.WriteString("</div>")
			}
			continue
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		tok := z.Token()
		if tok.DataAtom == atom.Table {
			// A wide table scrolls inside its box, not the page.
			b.WriteString(`<div class="table">`)
		}
		if tok.DataAtom != atom.Img {
			b.WriteString(tok.String())
			continue
		}
		var src, alt string
		for _, a := range tok.Attr {
			switch a.Key {
			case "src":
				src = a.Val
			case "alt":
				alt = strings.TrimSpace(a.Val)
			}
		}
		label := "［图片］"
		if alt != "" {
			label = "［图片：" + alt + "］"
		}
		if href := externalHref(src); href != "" {
			b.WriteString(`<a class="img" href="` + html.EscapeString(href) + `" rel="noopener noreferrer nofollow">` +
				html.EscapeString(label) + `</a>`)
		} else {
			b.WriteString(`<span class="img">` + html.EscapeString(label) + `</span>`)
		}
	}
	return template.HTML(b.String()) // built from sanitised tokens and escaped values only
}
