package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExtract_input: a page read from a file is extracted as the file:
// URL of its absolute path (a relative one made its first part a host
// name); bytes that are no text (an image, random data) are refused with a
// message that says how to insist, and a page with a stray control byte is
// not.
func TestExtract_input(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	page := "<html><head><title>信用卡逾期怎么办</title></head><body><p>逾期后尽快还款。\x01</p></body></html>"
	write("a page.html", []byte(page))
	write("image.html", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))
	noise := make([]byte, 2048)
	for i := range noise {
		noise[i] = byte(i*7 + i/3)
	}
	write("noise.html", noise)

	t.Chdir(dir)
	out, e, code := runCLI(t, "extract", "-q", "a page.html")
	if code != 0 {
		t.Fatalf("extract of a page with a control byte: exit %d: %s", code, e)
	}
	var rec struct{ URL, Site string }
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("a page.html")
	if want := "file://" + strings.ReplaceAll(abs, " ", "%20"); rec.URL != want || rec.Site != "" {
		t.Errorf("url %q, site %q; want %q and no site", rec.URL, rec.Site, want)
	}
	for _, name := range []string{"image.html", "noise.html"} {
		_, e, code := runCLI(t, "extract", "-q", name)
		if code != exitError || !strings.Contains(e, "not an HTML page") || !strings.Contains(e, "--content-type") {
			t.Errorf("extract %s: exit %d: %s", name, code, e)
		}
		if _, e, code := runCLI(t, "extract", "-q", "--content-type", "text/html", name); code != 0 {
			t.Errorf("extract --content-type text/html %s: exit %d: %s", name, code, e)
		}
	}
}

// TestExtract_gzipped: a page saved gzipped (page.html.gz) is extracted as
// the page itself, under the page's own name; the size limit counts the
// unpacked bytes, so a small bomb is refused.
func TestExtract_gzipped(t *testing.T) {
	dir := t.TempDir()
	page := []byte("<html><head><title>信用卡逾期怎么办</title></head><body><h1>信用卡逾期怎么办</h1>" +
		"<p>信用卡逾期后应尽快还款，并与银行协商分期，避免影响个人征信记录，这是最重要的一步。</p></body></html>")
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	plain, packed, bomb := filepath.Join(dir, "a.html"), filepath.Join(dir, "b", "a.html.gz"), filepath.Join(dir, "bomb.html.gz")
	os.Mkdir(filepath.Join(dir, "b"), 0o755)
	for name, data := range map[string][]byte{plain: page, packed: gz(page), bomb: gz(make([]byte, 2<<20))} {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, e, code := runCLI(t, "extract", "-q", "--fetched-at", "2024-01-02T03:04:05Z", plain)
	if code != 0 {
		t.Fatalf("extract %s: exit %d: %s", plain, code, e)
	}
	got, e, code := runCLI(t, "extract", "-q", "--fetched-at", "2024-01-02T03:04:05Z", packed)
	if code != 0 {
		t.Fatalf("extract %s: exit %d: %s", packed, code, e)
	}
	// The same record, but for the URL: each is its own file.
	if w, g := strings.Replace(want, "file://"+dir+"/a.html", "file://"+dir+"/b/a.html", 1), got; w != g {
		t.Errorf("gzipped page's record differs:\n%s\nwant\n%s", g, w)
	}
	if _, e, code := runCLI(t, "extract", "-q", "--max-body-size", "1MiB", bomb); code != exitError || !strings.Contains(e, "larger than --max-body-size") {
		t.Errorf("extract of a gzip bomb: exit %d: %s", code, e)
	}
}

// TestExtract_URL: --url is the URL a crawl would archive the page under
// (an IDN as punycode, the default port and fragment gone, so the record's
// url and site are a crawl's); one without a scheme is a usage error
// naming it as typed (it was taken as a relative URL: no site, links
// resolved against nothing).
func TestExtract_URL(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.html")
	page := "<html><head><title>信用卡逾期怎么办</title></head><body><h1>信用卡逾期怎么办</h1><p>逾期后尽快还款，并与银行协商分期。</p></body></html>"
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	out, e, code := runCLI(t, "extract", "-q", "--url", "http://例子.测试:80/a.html#top", file)
	var rec struct{ URL, Site string }
	if code != 0 || json.Unmarshal([]byte(out), &rec) != nil || rec.URL != "http://xn--fsqu00a.xn--0zwm56d/a.html" || rec.Site != "xn--fsqu00a.xn--0zwm56d" {
		t.Errorf("extract --url http://例子.测试:80/a.html#top: exit %d, url %q, site %q: %s", code, rec.URL, rec.Site, e)
	}
	_, e, code = runCLI(t, "extract", "-q", "--url", "例子.测试/a.html", file)
	if code != exitUsage || !strings.Contains(e, `"例子.测试/a.html" has no scheme`) {
		t.Errorf("extract --url without a scheme: exit %d, stderr %q; want exit %d saying it has no scheme", code, e, exitUsage)
	}
}
