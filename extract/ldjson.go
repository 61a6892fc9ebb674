package extract

import (
	"encoding/json"
	"io"
	"regexp"
	"strings"
)

// ldObjects returns the JSON-LD objects of the page (top level, arrays,
// @graph members and a page's mainEntity), articles first.
func ldObjects(scripts []string) []map[string]any {
	var out, rest []map[string]any
	var add func(v any, depth int)
	add = func(v any, depth int) {
		if depth > 4 {
			return
		}
		switch t := v.(type) {
		case []any:
			for _, x := range t {
				add(x, depth+1)
			}
		case map[string]any:
			if g, ok := t["@graph"]; ok {
				add(g, depth+1)
			}
			// A WebPage whose mainEntity is the article.
			if m, ok := t["mainEntity"].(map[string]any); ok {
				add(m, depth+1)
			}
			typ := strings.ToLower(ldText(t["@type"]))
			if strings.Contains(typ, "article") || strings.Contains(typ, "posting") || strings.Contains(typ, "report") || typ == "webpage" || strings.Contains(typ, "question") {
				out = append(out, t)
			} else {
				rest = append(rest, t)
			}
		}
	}
	for _, s := range scripts {
		for _, v := range ldDecode(s) {
			add(v, 0)
		}
	}
	return append(out, rest...)
}

// reTrailingComma is a comma before a closing bracket, which JSON forbids.
var reTrailingComma = regexp.MustCompile(`,\s*([}\]])`)

// ldDecode reads the JSON values of one script. Pages write invalid JSON
// often enough to matter: two objects one after the other, a trailing
// comma, a raw newline or tab inside a string, an HTML comment around the
// text. Those are repaired; what still fails is skipped.
func ldDecode(s string) []any {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "<!--"), "-->"))
	if s == "" {
		return nil
	}
	out, err := ldValues(s)
	if err == nil {
		return out
	}
	fixed := strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, s)
	fixed = reTrailingComma.ReplaceAllString(fixed, "$1")
	if more, err2 := ldValues(fixed); err2 == nil || len(more) > len(out) {
		return more
	}
	return out
}

// ldValues decodes the JSON values of s one after the other, and returns
// those before the first error.
func ldValues(s string) ([]any, error) {
	var out []any
	dec := json.NewDecoder(strings.NewReader(s))
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

// ldText renders a JSON-LD value as text: a string, the first of a list, or
// an object's name.
func ldText(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case []any:
		var parts []string
		for _, x := range t {
			if s := ldText(x); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " ")
	case map[string]any:
		return ldText(t["name"])
	}
	return ""
}

// ldObjs returns the page's JSON-LD objects, parsed once.
func (a *analysis) ldObjs() []map[string]any {
	if !a.ldDone {
		a.ld, a.ldDone = ldObjects(a.ldjson), true
	}
	return a.ld
}

// ldString returns the first value of key among the page's JSON-LD objects.
func ldString(objs []map[string]any, key string) string {
	for _, o := range objs {
		if v, ok := o[key]; ok {
			if s := collapse(ldText(v)); s != "" {
				return s
			}
		}
	}
	return ""
}

// ldAuthor returns the author names of the article object.
func ldAuthor(objs []map[string]any) string {
	s := ldString(objs, "author")
	if strings.Contains(s, "://") {
		return ""
	}
	return s
}

// ldCrumbs returns the names of a BreadcrumbList.
func ldCrumbs(objs []map[string]any) []string {
	for _, o := range objs {
		if ldText(o["@type"]) != "BreadcrumbList" {
			continue
		}
		items, _ := o["itemListElement"].([]any)
		var out []string
		for _, it := range items {
			m, _ := it.(map[string]any)
			if m == nil {
				continue
			}
			name := ldText(m["name"])
			if name == "" {
				if item, ok := m["item"].(map[string]any); ok {
					name = ldText(item["name"])
				}
			}
			if name != "" {
				out = append(out, name)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []string{}
}
