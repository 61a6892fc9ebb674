package extract

import (
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestTitleParts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"标题_频道_网站", "标题|频道|网站"},
		{"交通运输部：着力打造交通网络-新闻-某某网", "交通运输部：着力打造交通网络|新闻|某某网"},
		// A bare hyphen inside a Latin word or a number is no separator.
		{"The Resurrection of the Greatest Sci-Fi Writer", "The Resurrection of the Greatest Sci-Fi Writer"},
		{"COVID-19疫情最新通报", "COVID-19疫情最新通报"},
		{"Headline here - The Site", "Headline here|The Site"},
	}
	for _, tt := range tests {
		if got := strings.Join(titleParts(tt.in), "|"); got != tt.want {
			t.Errorf("titleParts(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormTitle(t *testing.T) {
	same := [][2]string{
		{`狂奔的龙湖集团"暗伤"曝露？`, "狂奔的龙湖集团“暗伤”曝露?"},
		{"多地项目连环爆雷 狂奔的", "多地项目连环爆雷狂奔的"},
		{"Google Stadia doesn&#8217;t run", "Google  Stadia doesn’t run"},
		{"定了！地铁直达+无敌免...", "定了!地铁直达+无敌免"},
	}
	for _, p := range same {
		if a, b := normTitle(p[0]), normTitle(p[1]); a != b {
			t.Errorf("normTitle(%q) = %q, normTitle(%q) = %q: want equal", p[0], a, p[1], b)
		}
	}
	// Latin words keep their boundary: "sci fi" is not "scifi".
	if normTitle("Sci Fi") == normTitle("SciFi") {
		t.Errorf("normTitle drops the space between Latin words")
	}
}

func TestIsGluedPiece(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"原创", true}, {"【独家】", true}, {"By Jane Roe - 11/19/23 06:56 AM EST", true}, {"发布时间：2023-11-20 10:15", true},
		{"1 / 23", true}, {"(12)", true}, {"2023-11-20", true},
		{"信用卡分期提前还款", false}, {"Regional lenders tighten rules", false}, {"5G", false},
	}
	for _, tt := range tests {
		if got := isGluedPiece(tt.in); got != tt.want {
			t.Errorf("isGluedPiece(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestExtractor_Title runs the title step on small pages, one class of
// wrong title each.
func TestExtractor_Title(t *testing.T) {
	const p = `<p>这是正文的第一段，讲的是银行卡的事情，内容足够长，足以成为正文。</p><p>这是正文的第二段，继续讲银行卡冻结以后应该怎么办理解冻手续。</p>`
	tests := []struct{ name, url, html, want string }{
		{"reprint line", "https://a.example/1.html",
			`<title>城商行息差收窄 中小银行"揽储"压力再起_财经_某网</title><h1>城商行息差收窄 中小银行"揽储"压力再起</h1><div><p class="otitle">（原标题：城商行息差收窄 中小银行“揽储”压力再起）</p>` + p + `</div>`,
			`城商行息差收窄 中小银行"揽储"压力再起`},
		{"badge", "https://a.example/2.html",
			`<title>信用卡分期提前还款手续费还要付吗</title><h2 class="title"><span>原创</span>信用卡分期提前还款手续费还要付吗</h2><div>` + p + `</div>`,
			"信用卡分期提前还款手续费还要付吗"},
		{"byline and date in the heading box", "https://a.example/3.html",
			`<title>银行卡冻结多长时间能解封_某网</title><div class="title"><h1>银行卡冻结多长时间能解封</h1><span>发布时间：2023-11-20 10:15</span><span>来源：某网</span></div><div>` + p + `</div>`,
			"银行卡冻结多长时间能解封"},
		{"a heading glued to a date, no other reference", "https://a.example/4.html",
			`<title>某某网</title><h1>银行卡冻结多长时间能解封<span class="time">2023-11-20</span></h1><div>` + p + `</div>`,
			"银行卡冻结多长时间能解封"},
		{"related headlines around the title", "https://a.example/5.html",
			`<title>银行卡冻结多长时间能解封</title><h3>银行卡冻结多长时间能解封</h3><div>` + p + `</div><div class="right_title"><h4><a href="/t">专题</a></h4><div><a href="/5.html">银行卡冻结多长时间能解封</a></div><div><a href="/6.html">信用卡逾期三天会上征信吗</a></div></div>`,
			"银行卡冻结多长时间能解封"},
		{"the site's name in a logo h1", "https://a.example/6.html",
			`<title>银行卡冻结多长时间能解封 - 卡宝网</title><meta property="og:site_name" content="卡宝网"><h1 class="logo"><a href="/">卡宝网</a></h1><h2>银行卡冻结多长时间能解封</h2><div>` + p + `</div>`,
			"银行卡冻结多长时间能解封"},
		{"site first in the title", "https://fouryears.example/blog/7",
			`<title>Four Years Remaining » Blog Archive » Interning of Small Integers in Python</title><h1><a href="/">Four Years Remaining</a></h1><h2>Interning of Small Integers in Python</h2><div>` + p + `</div>`,
			"Interning of Small Integers in Python"},
		{"english byline", "https://b.example/a/8",
			`<title>Lenders tighten rules | The Ledger</title><div class="title"><h1>Lenders tighten rules</h1><div>By <a href="/jr">Jane Roe</a> - <span>11/19/23 06:56 AM EST</span></div></div><div>` + p + `</div>`,
			"Lenders tighten rules"},
		{"a headline holding the separator", "https://b.example/a/9",
			`<title>Mystery bag - every woman needs a secret! - Martina Berg - Lady 50plus</title><h1>Mystery bag – every woman needs a secret!</h1><h3 class="widget-title">Martina Berg</h3><div>` + p + `</div>`,
			"Mystery bag – every woman needs a secret!"},
		{"twice-escaped entities", "https://b.example/a/10",
			`<title>x</title><meta property="og:title" content="Stadia doesn&amp;#8217;t run at 60fps"><div>` + p + `</div>`,
			"Stadia doesn’t run at 60fps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := goquery.NewDocumentFromReader(strings.NewReader("<html><body>" + tt.html + "</body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(tt.url)
			if got := Extract(doc, u, Options{}).Title; got != tt.want {
				t.Errorf("title %q, want %q", got, tt.want)
			}
		})
	}
}
