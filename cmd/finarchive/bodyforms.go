package main

import (
	"fmt"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// bodyForms are the forms of an article's body a record carries beside
// the plain "body" (--body): body_html, body_markdown.
type bodyForms struct{ html, markdown bool }

// parseBodyForms reads --body: a comma list of html and markdown, or text
// (the plain body alone).
func parseBodyForms(s string) (bodyForms, error) {
	var f bodyForms
	for _, w := range strings.Split(s, ",") {
		switch strings.TrimSpace(w) {
		case "html":
			f.html = true
		case "markdown", "md":
			f.markdown = true
		case "text":
		default:
			return f, fmt.Errorf("--body %q: want text, html, markdown or html,markdown", s)
		}
	}
	return f, nil
}

// bodyFlagHelp is the --body flag's help line.
const bodyFlagHelp = "forms of the body beside the plain \"body\": html (body_html), markdown (body_markdown), both (html,markdown), or text (none)"

// extraBodies are the body forms asked for; a nil one is left out.
type extraBodies struct{ html, markdown *string }

// exportRow is an exported record with the body forms asked for. Its
// BodyHTML hides the record's own body_html: a shallower JSON field wins.
type exportRow struct {
	*store.ExportRecord
	BodyHTML     *string `json:"body_html,omitempty"`
	BodyMarkdown *string `json:"body_markdown,omitempty"`
}

// extractRow is an extracted record with the body forms asked for, as
// exportRow.
type extractRow struct {
	*extract.Record
	BodyHTML     *string `json:"body_html,omitempty"`
	BodyMarkdown *string `json:"body_markdown,omitempty"`
}

// markdowner converts body_html to Markdown (CommonMark, with GitHub
// tables) with JohannesKaufmann/html-to-markdown. One per export: a
// converter is not shared between goroutines.
type markdowner struct{ conv *converter.Converter }

func newMarkdowner() *markdowner {
	return &markdowner{conv: converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(),
		table.NewTablePlugin(
			table.WithHeaderPromotion(true), // a table without <th> still gets its header row
			table.WithSpanCellBehavior(table.SpanBehaviorMirror),
			table.WithNewlineBehavior(table.NewlineBehaviorPreserve),
			table.WithCellPaddingBehavior(table.CellPaddingBehaviorMinimal), // no padding by byte width: Han characters are wider
		),
	))}
}

// markdown returns the Markdown of body_html, sanitised first (the stored
// field is; a record from elsewhere may not be).
func (m *markdowner) markdown(bodyHTML string) (string, error) {
	if bodyHTML == "" {
		return "", nil
	}
	md, err := m.conv.ConvertString(extract.SanitizeBodyHTML(bodyHTML))
	if err != nil {
		return "", fmt.Errorf("body_markdown: %w", err)
	}
	return strings.TrimSpace(md), nil
}

// bodies returns the forms f asks for of bodyHTML.
func bodies(bodyHTML string, f bodyForms, m *markdowner) (extraBodies, error) {
	var out extraBodies
	if f.html {
		out.html = &bodyHTML
	}
	if f.markdown {
		md, err := m.markdown(bodyHTML)
		if err != nil {
			return out, err
		}
		out.markdown = &md
	}
	return out, nil
}
