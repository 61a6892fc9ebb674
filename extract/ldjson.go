package extract

import (
	"encoding/json"
	"strings"
)

// ldObjects returns the JSON-LD objects of the page (top level, arrays and
// @graph members), articles first.
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
			typ := strings.ToLower(ldText(t["@type"]))
			if strings.Contains(typ, "article") || strings.Contains(typ, "posting") || strings.Contains(typ, "report") || typ == "webpage" || strings.Contains(typ, "question") {
				out = append(out, t)
			} else {
				rest = append(rest, t)
			}
		}
	}
	for _, s := range scripts {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			// Some pages leave a trailing comma or two objects in one script.
			continue
		}
		add(v, 0)
	}
	return append(out, rest...)
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
