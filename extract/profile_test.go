package extract_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/finarchive/finarchive/extract"
)

func TestParseProfiles_Errors(t *testing.T) {
	tests := []struct {
		name, file, data, want string
	}{
		{"unknown field", "sites.yaml", `
profiles:
  - name: ok
    hosts: [a.example]
  - name: foo
    hosts: [b.example]
    boddy: div.x
`, `profile sites.yaml: profile "foo" (#2): field "boddy": unknown field`},
		{"invalid selector", "sites.yaml", `
- name: foo
  hosts: ["*.example.com"]
  body: "div["
`, `profile sites.yaml: profile "foo" (#1): field "body": invalid selector "div[": `},
		{"empty hosts", "sites.yaml", `
- name: nohost
  title: h1
`, `profile sites.yaml: profile "nohost" (#1): field "hosts": empty host list`},
		{"bad layout", "sites.json", `{"profiles":[{"name":"d","hosts":["x.example"],"date":".t","date_layout":"yyyy-mm-dd"}]}`,
			`profile sites.json: profile "d" (#1): field "date_layout": bad layout "yyyy-mm-dd"`},
		{"bad card field", "s.yaml", `
- hosts: [x.example]
  cards: {item: li, headline: h3}
`, `profile s.yaml: profile #1: field "cards.headline": unknown field`},
		{"card without item", "s.yaml", `
- hosts: [x.example]
  cards: {title: h3}
`, `field "cards.item": required`},
		{"bad page type", "s.yaml", `
- hosts: [x.example]
  page_type: story
`, `field "page_type": unknown page type "story"`},
		{"invalid drop", "s.yaml", `
- name: dr
  hosts: [x.example]
  drop: [".ok", "p:nth-child("]
`, `profile s.yaml: profile "dr" (#1): field "drop": invalid selector "p:nth-child("`},
		{"not yaml", "s.yaml", "- [", "profile s.yaml: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extract.ParseProfiles([]byte(tt.data), tt.file)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestProfiles_For(t *testing.T) {
	p, err := extract.ParseProfiles([]byte(`
profiles:
  - name: wild
    hosts: ["*.kabao.example"]
    title: h1
  - name: exact
    hosts: [news.other.example, "other.example"]
    title: h2
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ host, want string }{
		{"www.kabao.example", "wild"},
		{"kabao.example", "wild"},
		{"a.b.kabao.example:8080", "wild"},
		{"WWW.KABAO.EXAMPLE", "wild"},
		{"news.other.example", "exact"},
		{"other.example", "exact"},
		{"x.other.example", ""},
		{"notkabao.example", ""},
	}
	for _, tt := range tests {
		got := ""
		if pr := p.For(tt.host); pr != nil {
			got = pr.Name
		}
		if got != tt.want {
			t.Errorf("For(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
	over, _ := extract.ParseProfiles([]byte(`[{"name":"mine","hosts":["www.kabao.example"]}]`), "o.json")
	m := p.Merge(over)
	if got := m.For("www.kabao.example").Name; got != "mine" {
		t.Errorf("merged: For = %q, want the other's profile", got)
	}
	if got := m.For("a.kabao.example").Name; got != "wild" {
		t.Errorf("merged: For = %q, want wild", got)
	}
	if p.Len() != 2 || m.Len() != 3 {
		t.Errorf("Len: %d, %d", p.Len(), m.Len())
	}
	var nilp *extract.Profiles
	if nilp.For("x") != nil || nilp.Merge(nil).Len() != 0 {
		t.Error("nil Profiles")
	}
}

func TestBuiltinProfiles(t *testing.T) {
	b := extract.BuiltinProfiles()
	if b.Len() == 0 {
		t.Fatal("built-in profiles did not parse")
	}
	if b.For("mp.weixin.qq.com") == nil {
		t.Error("no built-in profile for mp.weixin.qq.com")
	}
}

func TestLoadProfiles(t *testing.T) {
	dir := t.TempDir()
	y := filepath.Join(dir, "sites.yaml")
	j := filepath.Join(dir, "sites.json")
	os.WriteFile(y, []byte("- name: y\n  hosts: [y.example]\n  body: div.c\n"), 0o644)
	os.WriteFile(j, []byte(`[{"name":"j","hosts":["j.example"],"body":"div.c"}]`), 0o644)
	for _, f := range []string{y, j} {
		p, err := extract.LoadProfiles(f)
		if err != nil || p.Len() != 1 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := extract.LoadProfiles(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestExtract_Profile overrides the automatic fields of the seed-like page
// with a profile, field by field.
func TestExtract_Profile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "seedlike.html"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := extract.ParseProfiles([]byte(`
- name: kabao
  hosts: ["*.kabao.example"]
  title: ".side-box h3"
  body: ".tips"
  date: ".mod-list li:first-child .time"
  date_layout: "2006-01-02"
  author: ".footer a"
  category: ".menu li:nth-child(4) a"
  keywords: ".art-tags a"
  breadcrumb: ".position a"
  drop: [".art-zan"]
  cards:
    container: ".side-box"
    item: "li"
`), "kabao.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := extract.ExtractBytes(raw, "", "https://www.kabao.example/zixun/12345.html", extract.Options{FetchedAt: fetched, Profiles: p})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Title, "热门排行"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if got, want := rec.Body, "温馨提示:\n为确保您的账户安全,建议您在证书到期前30天内进行更新。\n更新证书时,请注意保管好证书密码和私钥。"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if rec.Published == nil || rec.Published.Format("2006-01-02T15:04Z07:00") != "2022-08-17T00:00+08:00" {
		t.Errorf("published %v", rec.Published)
	}
	if rec.Author != "关于我们" || rec.Category != "贷款" {
		t.Errorf("author %q category %q", rec.Author, rec.Category)
	}
	if strings.Join(rec.Breadcrumb, "/") != "首页/资讯/银行卡" || len(rec.Keywords) != 5 {
		t.Errorf("breadcrumb %q keywords %q", rec.Breadcrumb, rec.Keywords)
	}
	if len(rec.Cards) != 7 || rec.Cards[0].URL != "https://www.kabao.example/zixun/9001.html" {
		t.Errorf("cards %+v", rec.Cards)
	}
	// The document is left as it was: a second extraction without the
	// profile is the automatic one.
	doc, _ := extract.Parse(raw, "")
	u := mustURL(t, "https://www.kabao.example/zixun/12345.html")
	withP := extract.Extract(doc, u, extract.Options{FetchedAt: fetched, Profiles: p})
	plain := extract.Extract(doc, u, extract.Options{FetchedAt: fetched})
	if withP.Body == plain.Body || !strings.Contains(plain.Body, "k宝证书是银行") {
		t.Errorf("profile leaked into the document: %q", truncate(plain.Body, 60))
	}
}

func TestExtract_ProfileDrop(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "seedlike.html"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := extract.ParseProfiles([]byte(`[{"name":"d","hosts":["*.kabao.example"],"drop":[".tips", ".art-content > ol"]}]`), "d.json")
	if err != nil {
		t.Fatal(err)
	}
	u := "https://www.kabao.example/zixun/12345.html"
	with, _ := extract.ExtractBytes(raw, "", u, extract.Options{FetchedAt: fetched, Profiles: p})
	without, _ := extract.ExtractBytes(raw, "", u, extract.Options{FetchedAt: fetched})
	for _, gone := range []string{"温馨提示", "登录网上银行。"} {
		if strings.Contains(with.Body, gone) {
			t.Errorf("dropped text %q still in body", gone)
		}
		if !strings.Contains(without.Body, gone) {
			t.Errorf("text %q missing without the profile", gone)
		}
	}
	if !strings.Contains(with.Body, "k宝证书可以通过网上银行或银行网点进行更新。") {
		t.Errorf("body lost its text: %q", with.Body)
	}
}
