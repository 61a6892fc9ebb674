package extract

import (
	"os"
	"path/filepath"
	"testing"
)

// fixtureBodyHTML returns the body_html of every HTML fixture.
func fixtureBodyHTML(tb testing.TB) map[string]string {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	more, _ := filepath.Glob(filepath.Join("testdata", "testsite", "*.html"))
	out := map[string]string{}
	for _, p := range append(files, more...) {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		rec, err := ExtractBytes(raw, "text/html", "http://fixture.example/a/1.html", Options{})
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		out[p] = rec.BodyHTML
	}
	return out
}

// TestCanonicalBodyHTML_builder checks that the builder's output takes the
// fast path of SanitizeBodyHTML on every fixture (else the check would
// cost time and save none), and that the sanitiser agrees it is unchanged.
func TestCanonicalBodyHTML_builder(t *testing.T) {
	n := 0
	for p, s := range fixtureBodyHTML(t) {
		if s == "" {
			continue
		}
		n++
		if !isCanonicalBodyHTML(s) {
			t.Errorf("%s: builder output not taken as canonical:\n%s", p, s)
		}
		if got := bodyPolicy.Sanitize(s); got != s {
			t.Errorf("%s: sanitiser changes builder output:\n%s\n->\n%s", p, s, got)
		}
	}
	if n < 20 {
		t.Fatalf("only %d fixtures with body_html", n)
	}
}

// TestCanonicalBodyHTML_rejects checks strings the sanitiser would change,
// or that hold what the allow-list refuses: none takes the fast path, and
// SanitizeBodyHTML gives bluemonday's answer for each.
func TestCanonicalBodyHTML_rejects(t *testing.T) {
	for _, s := range []string{
		`<p onclick="x">a</p>`,
		`<script>alert(1)</script>`,
		`<p>a<b>b</b></p>`,
		`<a href="http://x/">x</a>`,
		`<P>a</P>`,
		`<p >a</p>`,
		`<p>a &nbsp; b</p>`,
		`<p>a & b</p>`,
		`<p>a > b</p>`,
		`<p>"q"</p>`,
		"<p>a\rb</p>",
		"<p>a\x00b</p>",
		"<p>\xff</p>",
		`<ol start="-2"><li>a</li></ol>`,
		`<ol start=3><li>a</li></ol>`,
		`<ol start="3" start="4"><li>a</li></ol>`,
		`<td scope="col">a</td>`,
		`<th scope="all">a</th>`,
		`<td colspan="2x">a</td>`,
		`<img src="javascript:alert(1)" alt="x">`,
		`<img src="http://x/a b" alt="x">`,
		`<img src="HTTP://x/" alt="x">`,
		`<img src="http://x/%zz" alt="x">`,
		`<img src="http://x/" alt="a>b">`,
		`<img src="http://x/" onerror="x" alt="x">`,
		`<img alt="x" src="http://x/">`,
		`<br/>`,
		`</br>`,
		`</img>`,
		`<p>a</p`,
		`<!-- c --><p>a</p>`,
		`<style>p{}</style>`,
	} {
		if isCanonicalBodyHTML(s) {
			t.Errorf("%q taken as canonical", s)
		}
		if got, want := SanitizeBodyHTML(s), bodyPolicy.Sanitize(s); got != want {
			t.Errorf("SanitizeBodyHTML(%q) = %q, bluemonday %q", s, got, want)
		}
	}
	for _, s := range []string{
		`<p>a &amp; b &lt;c&gt; &#34;d&#34; &#39;e&#39;</p>`,
		`<ol start="3"><li>a<br>b</li></ol>`,
		`<table><tr><th scope="col" colspan="2" rowspan="3">h</th><td colspan="2">d</td></tr></table>`,
		`<p><img src="https://img.example/a/b.png?x=1" alt="图 &amp; 说明"></p>`,
		`<pre>  a
  b</pre>`,
		"<h2>标题</h2><blockquote><p>引文</p></blockquote><dl><dt>术语</dt><dd>释义</dd></dl>",
	} {
		if !isCanonicalBodyHTML(s) {
			t.Errorf("%q not taken as canonical", s)
		}
		if got := bodyPolicy.Sanitize(s); got != s {
			t.Errorf("%q: sanitiser gives %q", s, got)
		}
	}
}

// FuzzBodyHTMLCanonical asserts the property the fast path rests on: a
// string isCanonicalBodyHTML accepts is one the allow-list gives back
// unchanged, so returning it unsanitised lets nothing through that
// bluemonday would not.
func FuzzBodyHTMLCanonical(f *testing.F) {
	for _, s := range fixtureBodyHTML(f) {
		f.Add(s)
	}
	f.Add(`<ol start="3"><li>a<br>b</li></ol><table><tr><th scope="col" colspan="2">h</th></tr></table>`)
	f.Add(`<p><img src="https://img.example/a/b.png?x=1#f" alt="a &amp; b"></p>`)
	f.Add(`<p>a &amp; b &lt;c&gt; &#34;d&#34; &#39;e&#39;</p>`)
	f.Fuzz(func(t *testing.T, s string) {
		if isCanonicalBodyHTML(s) {
			if got := bodyPolicy.Sanitize(s); got != s {
				t.Errorf("taken as canonical, but the sanitiser changes it:\n%q\n->\n%q", s, got)
			}
		}
	})
}
