package web

import (
	"strings"
	"testing"
)

// TestBodyHTML: stored body_html is sanitised again when shown (whatever
// reached the database), images become links that load nothing, tables
// get their scrolling box.
func TestBodyHTML(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"structure kept",
			`<h2>费用</h2><table><thead><tr><th scope="col">银行</th></tr></thead><tbody><tr><td colspan="2">甲</td></tr></tbody></table><ol start="3"><li>一<ul><li>二</li></ul></li></ol>`,
			`<h2>费用</h2><div class="table"><table><thead><tr><th scope="col">银行</th></tr></thead><tbody><tr><td colspan="2">甲</td></tr></tbody></table></div><ol start="3"><li>一<ul><li>二</li></ul></li></ol>`},
		{"image as a link",
			`<p><img src="https://img.example/a.png?x=1&amp;y=2" alt="图 &quot;1&quot;"></p>`,
			`<p><a class="img" href="https://img.example/a.png?x=1&amp;y=2" rel="noopener noreferrer nofollow">［图片：图 &#34;1&#34;］</a></p>`},
		{"script, handlers, styles and links dropped",
			`<p onclick="x()" style="color:red" class="c">正文<script>window.__pwned=1</script><a href="javascript:x()">链接</a></p><iframe src="https://e.example/"></iframe>`,
			`<p>正文链接</p>`},
		{"image without a usable src",
			`<img src="javascript:alert(1)" alt="坏"><img src="data:image/png;base64,AAAA" onerror="x()">`,
			`<span class="img">［图片：坏］</span>`},
		{"empty", ``, ``},
	} {
		if got := string(bodyHTML(c.in)); got != c.want {
			t.Errorf("%s:\n got: %s\nwant: %s", c.name, got, c.want)
		}
	}
	if got := string(bodyHTML(`<img src="https://e.example/x.png" onerror="window.__pwned=1">`)); strings.Contains(got, "<img") || strings.Contains(got, "onerror") {
		t.Errorf("an image reached the page: %s", got)
	}
}
