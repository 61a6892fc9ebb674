package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/web"
)

// The fixture archive: two sites, five categories, one article with two
// revisions and one whose every field carries a script payload.
const (
	siteA = "https://www.kaquan.test"
	siteB = "https://bbs.licai.test"
)

// xssURL is the archived page whose title, body and cards are hostile.
var xssURL = siteA + "/zixun/666.html"

// changedURL is the article that has two revisions.
var changedURL = siteA + "/zixun/1.html"

// Script payloads: if any of them runs, window.__pwned is set.
const (
	payloadScript = `<script>window.__pwned=1</script>`
	payloadImg    = `<img src=x onerror="window.__pwned=1">`
	payloadJSURL  = `javascript:window.__pwned=1`
)

var fixtureTopics = []struct{ cat, title, body string }{
	{"信用卡", "信用卡逾期了怎么办？教你几招轻松解决", "信用卡逾期后要尽快还款，并联系银行说明情况。\n逾期记录会上报征信，影响以后的贷款审批。\n可以申请停息挂账或者分期还款。"},
	{"银行卡", "银行卡冻结了怎么解冻？攻略来了", "银行卡被冻结的原因很多，常见的是司法冻结和风控冻结。\n带上身份证到开户网点办理解冻。\n工商银行、建设银行的流程大致相同。"},
	{"证书", "U盾证书过期了有什么影响?", "U盾证书过期后无法进行网银转账。\n登录网银按提示更新证书即可，一般免费。\n企业网银的U盾证书需要经办人到柜台办理。"},
	{"贷款", "房贷提前还款需要什么条件?一文看懂", "提前还款一般要先向银行预约。\n部分银行收取违约金，具体看合同约定。\n公积金贷款提前还款通常不收费。"},
	{"保险", "车险到期了怎么续保？ETC卡要不要换", "车险到期前一个月可以续保。\nETC卡绑定的车辆信息不用变更，ETC卡照常使用。\n续保时注意比较各家保险公司的报价。"},
}

// tableURL is the article whose body_html has structure: tableBodyHTML,
// a table with header cells and a caption, a nested list and an image,
// around the body's lines.
var tableURL = siteB + "/zixun/6.html"

const tableBodyHTML = `<p>信用卡逾期后要尽快还款，并联系银行说明情况。</p>` +
	`<table><caption>逾期多久有什么影响</caption><thead><tr><th>逾期时长</th><th>影响</th></tr></thead>` +
	`<tbody><tr><td>30天以内</td><td>逾期记录会上报征信，影响以后的贷款审批。</td></tr>` +
	`<tr><td>90天以上</td><td>银行可能起诉，并收取罚息和违约金，额度也会被冻结。</td></tr></tbody></table>` +
	`<ol><li>联系银行<ul><li>可以申请停息挂账或者分期还款。</li></ul></li><li>尽快还清欠款</li></ol>` +
	`<p><img src="https://www.kaquan.test/pic/yuqi.png" alt="逾期处理流程图"></p><p>本文为第6篇。</p>`

// fixtureArticles returns the records of the fixture, newest first.
func fixtureArticles() []*extract.Record {
	cst := time.FixedZone("CST", 8*3600)
	base := time.Date(2024, 3, 1, 9, 30, 0, 0, cst)
	var recs []*extract.Record
	for i := 1; i <= 27; i++ {
		tp := fixtureTopics[(i-1)%len(fixtureTopics)]
		site := fixtureSite(i)
		pub := base.Add(-time.Duration(i) * 26 * time.Hour)
		u := fmt.Sprintf("%s/zixun/%d.html", site, i)
		r := &extract.Record{
			URL:          u,
			Title:        fmt.Sprintf("%s（%d）", tp.title, i),
			Body:         tp.body + fmt.Sprintf("\n本文为第%d篇。", i),
			Published:    &pub,
			PublishedRaw: pub.Format("2006-01-02 15:04"),
			Author:       "小编",
			Source:       "卡券网",
			Category:     tp.cat,
			Breadcrumb:   []string{"首页", tp.cat, "正文"},
			Keywords:     []string{tp.cat, "攻略"},
			Site:         strings.TrimPrefix(site, "https://"),
			PageType:     extract.PageArticle,
		}
		next := fmt.Sprintf("%s/zixun/%d.html", fixtureSite(i%27+1), i%27+1)
		r.Cards = []extract.Card{
			{Title: "相关：" + fixtureTopics[i%len(fixtureTopics)].title, URL: next, Snippet: "点击阅读存档里的这篇文章。", Category: fixtureTopics[i%len(fixtureTopics)].cat, Date: "2024-02-20"},
			{Title: "站外文章：银行卡年费怎么免", URL: siteA + "/zixun/9999.html", Snippet: "这篇没有存档，链接到原站。", Date: "2024-01-05"},
			// The first card's article again, spelt otherwise: upper-case
			// host, default port, a tracking parameter and a fragment.
			{Title: "同一篇文章的另一种链接", URL: "https://" + strings.ToUpper(strings.TrimPrefix(fixtureSite(i%27+1), "https://")) + ":443" +
				fmt.Sprintf("/zixun/%d.html?utm_source=feed#comments", i%27+1)},
		}
		if u == tableURL {
			r.BodyHTML = tableBodyHTML
		}
		recs = append(recs, r)
	}
	xssPub := base.Add(2 * time.Hour)
	recs = append(recs, &extract.Record{
		URL:          xssURL,
		Title:        "注意安全 " + payloadScript + " 信用卡",
		Body:         "第一段 " + payloadImg + "\n第二段 " + payloadScript + " 信用卡结尾",
		Published:    &xssPub,
		PublishedRaw: "2024-03-01",
		Author:       `"><script>window.__pwned=1</script>`,
		Source:       payloadImg,
		Category:     "信用卡",
		Breadcrumb:   []string{"首页", payloadScript},
		Keywords:     []string{payloadImg, "安全"},
		Site:         "www.kaquan.test",
		PageType:     extract.PageArticle,
		Cards: []extract.Card{
			{Title: "点我 " + payloadScript, URL: payloadJSURL, Snippet: payloadImg},
			{Title: "data 链接", URL: "data:text/html,<script>window.__pwned=1</script>"},
			{Title: "存档里的文章", URL: changedURL},
		},
	})
	return recs
}

// fixtureSite is the site of fixture article i: every third is on siteB.
func fixtureSite(i int) string {
	if i%3 == 0 {
		return siteB
	}
	return siteA
}

// mustFillArchive writes the fixture into a new archive file and returns
// its path. Article 1 is saved twice with different bodies (two revisions);
// there are two runs, the second failed with an error.
func mustFillArchive(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "archive.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	run, err := db.StartRun(ctx, store.RunSpec{Seeds: []string{siteA + "/", siteB + "/"}})
	if err != nil {
		tb.Fatal(err)
	}
	fetched := time.Date(2024, 3, 2, 8, 0, 0, 0, time.UTC)
	var counts finarchive.RunCounts
	for _, rec := range fixtureArticles() {
		mustComplete(tb, db, run, rec, fetched)
		counts.Fetched++
		counts.New++
	}
	if err := db.FinishRun(ctx, run, finarchive.RunFinished, counts, ""); err != nil {
		tb.Fatal(err)
	}

	run2, err := db.StartRun(ctx, store.RunSpec{Seeds: []string{siteA + "/"}})
	if err != nil {
		tb.Fatal(err)
	}
	old, err := db.Get(ctx, changedURL)
	if err != nil {
		tb.Fatal(err)
	}
	old.Body += "\n更新：2024年起部分银行取消了短信提醒费。"
	old.ContentHash = ""
	mustComplete(tb, db, run2, old, fetched.Add(48*time.Hour))
	err = db.FinishRun(ctx, run2, finarchive.RunFailed, finarchive.RunCounts{Fetched: 3, Changed: 1, Failed: 2,
		FailedBy: map[string]int{"timeout": 2}}, `2 URLs failed: <b>timeout</b>`)
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

func mustComplete(tb testing.TB, db *store.DB, run int64, rec *extract.Record, at time.Time) finarchive.SaveResult {
	tb.Helper()
	res, err := db.Complete(context.Background(), run, fetchedOf(rec, at))
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// mustOpenReadOnly opens the archive at path as serve does.
func mustOpenReadOnly(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.OpenReadOnly(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// mustServe starts the reader over a read-only archive on a loopback
// httptest server.
func mustServe(tb testing.TB, path string) *httptest.Server {
	tb.Helper()
	h, err := web.New(mustOpenReadOnly(tb, path), web.Options{PageSize: 10})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// fetchedOf is what the crawler hands the store for rec, fetched at at.
func fetchedOf(rec *extract.Record, at time.Time) *finarchive.Fetched {
	rec.FetchedAt = at
	return &finarchive.Fetched{Item: finarchive.QueueItem{URL: rec.URL}, StatusCode: 200, Record: rec, FetchedAt: at}
}
