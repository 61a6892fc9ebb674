package extract

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"gopkg.in/yaml.v3"
)

// Profile is one site's extraction rules: host patterns and CSS selectors
// that override the automatic result field by field. A selector may end in
// "@attr" to read an attribute instead of the text (e.g.
// `meta[name=pubdate]@content`). Fields left empty keep the automatic value,
// and so does a selector that matches nothing.
type Profile struct {
	Name       string     // for error messages and logs
	Hosts      []string   // exact hosts or globs: "*.example.com" also matches example.com
	Title      string     // selector of the heading
	Body       string     // selector(s) of the main text; every match is rendered, in order
	Date       string     // selector of the publish date
	DateLayout string     // Go time layout of the date text, or "auto", "unix", "unixms"
	Author     string     // selector of the author
	Source     string     // selector of the source (来源)
	Category   string     // selector of the channel name
	Breadcrumb string     // selector of the breadcrumb items (one per match)
	Keywords   string     // selector of the keywords (one per match, or one list to split)
	Cards      *CardRules // related-article block, nil = automatic
	Drop       []string   // selectors of elements to ignore entirely
	PageType   PageType   // forces the page type of matching pages ("" = automatic)

	sel     map[string]compiledSel
	dropSel []compiledSel
}

// CardRules are a profile's selectors for the related-article block. Item
// is required; Container defaults to the whole page; the other selectors
// are relative to an item (Title defaults to the item's longest link, URL to
// the title's link).
type CardRules struct {
	Container string
	Item      string
	Title     string
	URL       string
	Snippet   string
	Category  string
	Date      string
}

type compiledSel struct {
	src  string
	sel  cascadia.Selector
	attr string
}

// Profiles is an ordered set of profiles: the first whose hosts match wins.
type Profiles struct {
	list []*Profile
}

// Len returns the number of profiles.
func (p *Profiles) Len() int {
	if p == nil {
		return 0
	}
	return len(p.list)
}

// Names returns the profile names in order.
func (p *Profiles) Names() []string {
	if p == nil {
		return nil
	}
	out := make([]string, len(p.list))
	for i, pr := range p.list {
		out[i] = pr.Name
	}
	return out
}

// For returns the profile for host (port ignored, case-insensitive), or nil.
func (p *Profiles) For(host string) *Profile {
	if p == nil {
		return nil
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.Contains(h, "[") {
		host = h
	}
	for _, pr := range p.list {
		for _, pat := range pr.Hosts {
			if hostMatch(pat, host) {
				return pr
			}
		}
	}
	return nil
}

func hostMatch(pat, host string) bool {
	pat = strings.ToLower(pat)
	if pat == host {
		return true
	}
	if rest, ok := strings.CutPrefix(pat, "*."); ok && host == rest {
		return true
	}
	ok, err := path.Match(pat, host)
	return err == nil && ok
}

// Merge returns the profiles of other followed by those of p: other's
// profiles win for the hosts both cover. Neither input is changed.
func (p *Profiles) Merge(other *Profiles) *Profiles {
	out := &Profiles{}
	if other != nil {
		out.list = append(out.list, other.list...)
	}
	if p != nil {
		out.list = append(out.list, p.list...)
	}
	return out
}

//go:embed profiles.yaml
var builtinYAML []byte

// BuiltinProfiles returns the profiles shipped with the package.
func BuiltinProfiles() *Profiles {
	p, err := ParseProfiles(builtinYAML, "builtin profiles.yaml")
	if err != nil {
		// The embedded file is checked by the tests; never fail a crawl on it.
		return &Profiles{}
	}
	return p
}

// LoadProfiles reads a profile file, YAML or JSON by its extension.
func LoadProfiles(file string) (*Profiles, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", file, err)
	}
	return ParseProfiles(data, file)
}

// ParseProfiles reads profiles from data: JSON when name ends in .json,
// YAML otherwise. The document is a list of profiles or {profiles: [...]};
// each profile is checked (known fields, hosts, selectors, date layout) and
// a bad one is rejected with the file, its name and index, the field and
// the reason.
func ParseProfiles(data []byte, name string) (*Profiles, error) {
	var doc any
	if strings.EqualFold(filepath.Ext(name), ".json") {
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
	} else if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("profile %s: %w", name, err)
	}
	var items []any
	switch t := doc.(type) {
	case nil:
		return &Profiles{}, nil
	case []any:
		items = t
	case map[string]any:
		for k := range t {
			if k != "profiles" {
				return nil, fmt.Errorf("profile %s: unknown top-level field %q (want \"profiles\")", name, k)
			}
		}
		l, ok := t["profiles"].([]any)
		if !ok && t["profiles"] != nil {
			return nil, fmt.Errorf("profile %s: \"profiles\" is not a list", name)
		}
		items = l
	default:
		return nil, fmt.Errorf("profile %s: want a list of profiles", name)
	}
	out := &Profiles{}
	for i, it := range items {
		pr, err := buildProfile(it, i+1)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		out.list = append(out.list, pr)
	}
	return out, nil
}

var profileFields = map[string]bool{"name": true, "hosts": true, "title": true, "body": true, "date": true,
	"date_layout": true, "author": true, "source": true, "category": true, "breadcrumb": true, "keywords": true,
	"cards": true, "drop": true, "page_type": true}

var cardFields = map[string]bool{"container": true, "item": true, "title": true, "url": true, "snippet": true,
	"category": true, "date": true}

type fieldError struct {
	field, reason string
}

func (e *fieldError) Error() string { return fmt.Sprintf("field %q: %s", e.field, e.reason) }

func buildProfile(v any, index int) (*Profile, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("profile #%d: not a mapping", index)
	}
	pr := &Profile{sel: map[string]compiledSel{}}
	if n, ok := m["name"].(string); ok {
		pr.Name = n
	}
	wrap := func(err error) error {
		if pr.Name != "" {
			return fmt.Errorf("profile %q (#%d): %w", pr.Name, index, err)
		}
		return fmt.Errorf("profile #%d: %w", index, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !profileFields[k] {
			return nil, wrap(&fieldError{k, "unknown field"})
		}
	}
	str := func(k string) (string, error) {
		switch t := m[k].(type) {
		case nil:
			return "", nil
		case string:
			return strings.TrimSpace(t), nil
		}
		return "", &fieldError{k, "want a string"}
	}
	list := func(k string) ([]string, error) {
		switch t := m[k].(type) {
		case nil:
			return nil, nil
		case string:
			return []string{t}, nil
		case []any:
			out := make([]string, 0, len(t))
			for _, x := range t {
				s, ok := x.(string)
				if !ok {
					return nil, &fieldError{k, "want a list of strings"}
				}
				out = append(out, strings.TrimSpace(s))
			}
			return out, nil
		}
		return nil, &fieldError{k, "want a list of strings"}
	}
	var err error
	if pr.Hosts, err = list("hosts"); err != nil {
		return nil, wrap(err)
	}
	if len(pr.Hosts) == 0 {
		return nil, wrap(&fieldError{"hosts", "empty host list"})
	}
	for _, h := range pr.Hosts {
		if h == "" || strings.ContainsAny(h, "/ ") {
			return nil, wrap(&fieldError{"hosts", fmt.Sprintf("bad host pattern %q", h)})
		}
		if _, err := path.Match(h, "x"); err != nil {
			return nil, wrap(&fieldError{"hosts", fmt.Sprintf("bad host pattern %q: %v", h, err)})
		}
	}
	targets := map[string]*string{"title": &pr.Title, "body": &pr.Body, "date": &pr.Date, "author": &pr.Author,
		"source": &pr.Source, "category": &pr.Category, "breadcrumb": &pr.Breadcrumb, "keywords": &pr.Keywords}
	for _, k := range []string{"title", "body", "date", "author", "source", "category", "breadcrumb", "keywords"} {
		s, err := str(k)
		if err != nil {
			return nil, wrap(err)
		}
		*targets[k] = s
		if s != "" {
			cs, err := compileSel(k, s)
			if err != nil {
				return nil, wrap(err)
			}
			pr.sel[k] = cs
		}
	}
	if pr.DateLayout, err = str("date_layout"); err != nil {
		return nil, wrap(err)
	}
	if err := checkLayout(pr.DateLayout); err != nil {
		return nil, wrap(err)
	}
	pt, err := str("page_type")
	if err != nil {
		return nil, wrap(err)
	}
	switch PageType(pt) {
	case "", PageArticle, PageList, PageHome, PageSearch, PageError, PageBlocked:
		pr.PageType = PageType(pt)
	default:
		return nil, wrap(&fieldError{"page_type", fmt.Sprintf("unknown page type %q", pt)})
	}
	if pr.Drop, err = list("drop"); err != nil {
		return nil, wrap(err)
	}
	for _, d := range pr.Drop {
		cs, err := compileSel("drop", d)
		if err != nil {
			return nil, wrap(err)
		}
		pr.dropSel = append(pr.dropSel, cs)
	}
	if c, ok := m["cards"]; ok && c != nil {
		cm, ok := c.(map[string]any)
		if !ok {
			return nil, wrap(&fieldError{"cards", "want a mapping"})
		}
		ck := make([]string, 0, len(cm))
		for k := range cm {
			ck = append(ck, k)
		}
		sort.Strings(ck)
		cr := &CardRules{}
		dst := map[string]*string{"container": &cr.Container, "item": &cr.Item, "title": &cr.Title, "url": &cr.URL,
			"snippet": &cr.Snippet, "category": &cr.Category, "date": &cr.Date}
		for _, k := range ck {
			if !cardFields[k] {
				return nil, wrap(&fieldError{"cards." + k, "unknown field"})
			}
			s, ok := cm[k].(string)
			if !ok {
				return nil, wrap(&fieldError{"cards." + k, "want a string"})
			}
			s = strings.TrimSpace(s)
			*dst[k] = s
			if s != "" {
				cs, err := compileSel("cards."+k, s)
				if err != nil {
					return nil, wrap(err)
				}
				pr.sel["cards."+k] = cs
			}
		}
		if cr.Item == "" {
			return nil, wrap(&fieldError{"cards.item", "required when cards is set"})
		}
		pr.Cards = cr
	}
	return pr, nil
}

// compileSel compiles "css" or "css@attr".
func compileSel(field, s string) (compiledSel, error) {
	cs := compiledSel{src: s}
	css := s
	if i := strings.LastIndexByte(s, '@'); i > 0 && !strings.ContainsAny(s[i:], "]) ") {
		css, cs.attr = strings.TrimSpace(s[:i]), s[i+1:]
		if cs.attr == "" {
			return cs, &fieldError{field, fmt.Sprintf("invalid selector %q: empty attribute after @", s)}
		}
	}
	sel, err := cascadia.Compile(css)
	if err != nil {
		return cs, &fieldError{field, fmt.Sprintf("invalid selector %q: %v", s, err)}
	}
	cs.sel = sel
	return cs, nil
}

// checkLayout accepts "", the hints and Go layouts that print and read back
// a date.
func checkLayout(l string) error {
	switch l {
	case "", "auto", "unix", "unixms":
		return nil
	}
	ref := time.Date(2023, 11, 23, 14, 5, 6, 0, time.UTC)
	s := ref.Format(l)
	if s == l {
		return &fieldError{"date_layout", fmt.Sprintf("bad layout %q: no date or time element (want a Go layout like \"2006-01-02 15:04\" or auto, unix, unixms)", l)}
	}
	t, err := time.Parse(l, s)
	if err != nil {
		return &fieldError{"date_layout", fmt.Sprintf("bad layout %q: %v", l, err)}
	}
	if t.Month() != ref.Month() || t.Day() != ref.Day() {
		return &fieldError{"date_layout", fmt.Sprintf("bad layout %q: it has no month and day", l)}
	}
	return nil
}
