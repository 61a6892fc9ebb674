package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSiteFlag: --site takes a URL or a host in any case (both name the
// site the archive keeps), and one that no archived page has is warned
// about, naming the sites there are; the filter itself is unchanged.
func TestSiteFlag(t *testing.T) {
	archive := mustSearchArchive(t)
	all, e, code := runCLI(t, "export", "--db", archive, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, e)
	}
	var first struct{ Site string }
	if err := json.Unmarshal([]byte(strings.SplitN(all, "\n", 2)[0]), &first); err != nil || first.Site == "" {
		t.Fatalf("first record %q: %v", strings.SplitN(all, "\n", 2)[0], err)
	}
	want := 0
	for _, line := range strings.Split(strings.TrimSpace(all), "\n") {
		if strings.Contains(line, `"site":"`+first.Site+`"`) {
			want++
		}
	}
	for _, given := range []string{first.Site, strings.ToUpper(first.Site), "https://" + strings.ToUpper(first.Site) + "/zixun/"} {
		out, e, code := runCLI(t, "export", "--db", archive, "--format", "jsonl", "--site", given)
		if n := strings.Count(out, "\n"); code != 0 || n != want || strings.Contains(e, "no archived page") {
			t.Errorf("--site %s: exit %d, %d records (want %d): %s", given, code, n, want, e)
		}
	}
	out, e, code := runCLI(t, "export", "--db", archive, "--format", "jsonl", "--site", "no-such.example")
	if code != 0 || out != "" || !strings.Contains(e, "no archived page has this --site") || !strings.Contains(e, first.Site) {
		t.Errorf("--site no-such.example: exit %d, %d bytes out, stderr %q; want 0, nothing and a warning naming %s", code, len(out), e, first.Site)
	}
	if _, e, _ := runCLI(t, "search", "--db", archive, "--site", "no-such.example", "卡"); !strings.Contains(e, "no archived page has this --site") {
		t.Errorf("search --site no-such.example: no warning: %q", e)
	}
}

// TestSiteFlag_Forms: a --site value is the host as a crawl keeps it,
// whichever way it is written: an IDN in Unicode (as a browser shows it)
// is its punycode, a URL's default port is dropped, a path is not part of
// it.
func TestSiteFlag_Forms(t *testing.T) {
	for in, want := range map[string]string{
		"www.example.com":                "www.example.com",
		"WWW.Example.COM.":               "www.example.com",
		"https://WWW.Example.com/zixun/": "www.example.com",
		"www.example.com/zixun/":         "www.example.com",
		"例子.测试":                          "xn--fsqu00a.xn--0zwm56d",
		"http://例子.测试/a/1.html":          "xn--fsqu00a.xn--0zwm56d",
		"xn--fsqu00a.xn--0zwm56d":        "xn--fsqu00a.xn--0zwm56d",
		"http://example.test:80/x":       "example.test",
		"https://example.test:443/":      "example.test",
		"example.test:8080":              "example.test:8080",
		"127.0.0.1:18001":                "127.0.0.1:18001",
		" 127.0.0.1:18001/ ":             "127.0.0.1:18001",
	} {
		if got := siteFlag(in); got != want {
			t.Errorf("siteFlag(%q) = %q; want %q", in, got, want)
		}
	}
}
