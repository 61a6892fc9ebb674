package crawler

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

type sitemapEntry struct {
	loc     string
	sitemap bool
}

func readAllSitemap(t testing.TB, in string) []sitemapEntry {
	t.Helper()
	r := newSitemapReader(strings.NewReader(in))
	var out []sitemapEntry
	for {
		loc, sm, err := r.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		out = append(out, sitemapEntry{loc, sm})
	}
}

func TestSitemapReader(t *testing.T) {
	long := "http://a.example/" + strings.Repeat("x", maxLocLen)
	tests := []struct {
		name, in string
		want     []sitemapEntry
	}{
		{"urlset", `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> http://a.example/1?x=1&amp;y=2 </loc><lastmod>2024-01-01</lastmod></url>
  <url><loc>http://a.example/&#x4e2d;&#25991;</loc></url>
</urlset>`, []sitemapEntry{{"http://a.example/1?x=1&y=2", false}, {"http://a.example/中文", false}}},
		{"index", `<sitemapindex><sitemap><loc>http://a.example/s1.xml</loc></sitemap><sitemap><loc>http://a.example/s2.xml.gz</loc><lastmod>x</lastmod></sitemap></sitemapindex>`,
			[]sitemapEntry{{"http://a.example/s1.xml", true}, {"http://a.example/s2.xml.gz", true}}},
		{"CDATA", `<urlset><url><loc><![CDATA[http://a.example/a?b=1&c=]]]]></loc></url></urlset>`,
			[]sitemapEntry{{"http://a.example/a?b=1&c=]]", false}}},
		{"comments", `<urlset><!-- <url><loc>http://no/</loc></url> ---><url><loc>http://a.example/<!-- x -->1</loc></url></urlset>`,
			[]sitemapEntry{{"http://a.example/1", false}}},
		{"prefixes", `<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:url><sm:loc>http://a.example/p</sm:loc></sm:url></sm:urlset>`,
			[]sitemapEntry{{"http://a.example/p", false}}},
		{"quoted >", `<urlset><url a=">" b='<loc>'><loc x="/>">http://a.example/q</loc></url></urlset>`,
			[]sitemapEntry{{"http://a.example/q", false}}},
		{"self-closing and empty", `<urlset><url><loc/></url><url><loc>  </loc></url><url><loc>http://a.example/e</loc></url></urlset>`,
			[]sitemapEntry{{"http://a.example/e", false}}},
		{"DOCTYPE entities are not expanded", `<!DOCTYPE urlset [<!ENTITY e "http://evil.example/"> <!ELEMENT x (#PCDATA)>]><urlset><url><loc>&e;</loc></url></urlset>`,
			[]sitemapEntry{{"&e;", false}}},
		{"processing instruction", `<?xml-stylesheet href="a>b"?><urlset><url><loc>http://a.example/pi</loc></url></urlset>`,
			[]sitemapEntry{{"http://a.example/pi", false}}},
		{"too long", `<urlset><url><loc>` + long + `</loc></url><url><loc>http://a.example/ok</loc></url></urlset>`,
			[]sitemapEntry{{"http://a.example/ok", false}}},
		{"unclosed loc", `<urlset><url><loc>http://a.example/1<url><loc>http://a.example/2</loc></url>`,
			[]sitemapEntry{{"http://a.example/1", false}, {"http://a.example/2", false}}},
		{"truncated", `<urlset><url><loc>http://a.example/1</loc></url><url><loc>http://a.exa`,
			[]sitemapEntry{{"http://a.example/1", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAllSitemap(t, tt.in)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestSitemapReader_AsEncodingXML: on well-formed sitemaps the reader
// finds what encoding/xml finds.
func TestSitemapReader_AsEncodingXML(t *testing.T) {
	type url struct {
		Loc     string `xml:"loc"`
		Lastmod string `xml:"lastmod,omitempty"`
	}
	type urlset struct {
		XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
		URLs    []url    `xml:"url"`
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcxyz019/-_.~?=&<>\"' 中文%#;:")
	for i := range 200 {
		var set urlset
		for range rng.IntN(20) {
			var b strings.Builder
			b.WriteString("http://a.example/")
			for range rng.IntN(40) {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			set.URLs = append(set.URLs, url{Loc: strings.TrimSpace(b.String()) + "x", Lastmod: "2024-01-02"})
		}
		out, err := xml.MarshalIndent(set, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		var want []sitemapEntry
		for _, u := range set.URLs {
			want = append(want, sitemapEntry{u.Loc, false})
		}
		if got := readAllSitemap(t, xml.Header+string(out)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("case %d: got %+v\nwant %+v\n%s", i, got, want, out)
		}
	}
}

// TestSitemapReader_Memory: hostile input costs no memory beyond the
// reader's buffers, however large.
func TestSitemapReader_Memory(t *testing.T) {
	const size = 10 << 20
	for name, in := range map[string]string{
		"unclosed tags": strings.Repeat("<a>", size/3),
		"unclosed locs": "<url>" + strings.Repeat("<loc>", size/5),
		"attributes":    "<url " + strings.Repeat(`b="" `, size/6) + ">",
		"long loc":      "<url><loc>" + strings.Repeat("x", size) + "</loc></url>",
		"long comment":  "<!--" + strings.Repeat("-", size),
		"long name":     "<" + strings.Repeat("n", size) + ">",
		"long CDATA":    "<url><loc><![CDATA[" + strings.Repeat("]", size),
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		n := len(readAllSitemap(t, in))
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 256<<10 {
			t.Errorf("%s: reading 10 MiB allocated %d KiB (%d entries)", name, got>>10, n)
		}
	}
}
