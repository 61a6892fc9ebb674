package store_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

var (
	corpusPath = flag.String("corpus", "", "BenchmarkDB_Search: archive file to reuse (built when missing)")
	corpusSize = flag.Int("corpus.size", 100000, "BenchmarkDB_Search: number of synthetic articles")
)

// words is the vocabulary of the synthetic finance articles.
var words = strings.Fields(`信用卡 逾期 还款 额度 分期 账单日 还款日 最低还款 利息 手续费 年费 积分 提额 临时额度
	征信 征信报告 贷款 房贷 车贷 公积金 提前还款 等额本息 等额本金 利率 LPR 贷款利率 首付 抵押 担保 放款 审批
	银行卡 借记卡 储蓄卡 开户 销户 挂失 补办 身份证 手机银行 网银 U盾 ETC卡 ATM 转账 汇款 跨行 限额 短信通知
	保险 理赔 重疾险 医疗险 意险 寿险 保费 保额 投保 退保 犹豫期 等待期 受益人 社保 医保 养老金
	个税 专项附加扣除 子女教育 住房租金 赡养老人 汇算清缴 退税 发票 证书 资格证 从业资格 考试 报名 成绩
	理财 基金 定投 收益 风险 存款 定期 活期 大额存单 国债 黄金 股票 APP 微信 支付宝 云闪付 二维码 5G 2024年
	办理 申请 需要 可以 如何 怎么 为什么 多少 哪些 流程 条件 材料 注意事项 影响 作用 区别 方法 攻略 指南
	用户 客户 持卡人 银行 工商银行 建设银行 招商银行 农业银行 中国银行 交通银行 平安银行 浦发银行 网点 客服`)

var punct = []string{"，", "，", "，", "。", "。", "；", "、", "！", "？"}

// synthArticle returns article i of a deterministic synthetic corpus:
// a title of 3-6 words and a body of 90-420 words (about 300-1,400
// characters, as on the test site).
func synthArticle(r *rand.Rand, i int) *extract.Record {
	pick := func() string { return words[r.IntN(len(words))] }
	var t strings.Builder
	for range 3 + r.IntN(4) {
		t.WriteString(pick())
	}
	var b strings.Builder
	n := 90 + r.IntN(330)
	for j := range n {
		b.WriteString(pick())
		if r.IntN(4) == 0 {
			b.WriteString(punct[r.IntN(len(punct))])
		}
		if j%60 == 59 {
			b.WriteString("\n")
		}
	}
	pub := time.Date(2020, 1, 1, 8, 0, 0, 0, cst).Add(time.Duration(i) * 30 * time.Minute)
	u := fmt.Sprintf("https://site%d.example/news/%d.html", i%5, i)
	rec := &extract.Record{
		URL: u, Title: t.String(), Body: b.String(), Published: &pub, PublishedRaw: pub.Format("2006-01-02 15:04"),
		Author: "编辑" + pick(), Source: "来源" + pick(), Category: words[r.IntN(20)],
		Breadcrumb: []string{"首页", words[r.IntN(20)]}, Keywords: []string{pick(), pick(), pick()},
		Site: fmt.Sprintf("site%d.example", i%5), PageType: extract.PageArticle,
	}
	for k := range 6 {
		rec.Cards = append(rec.Cards, extract.Card{Title: pick() + pick() + pick(), URL: fmt.Sprintf("https://site0.example/news/%d.html", i+k+1),
			Snippet: pick() + pick() + pick() + pick(), Category: words[r.IntN(20)], Date: "2024-01-02"})
	}
	return rec
}

// synthFetched wraps a record as the crawler would: a 30-40 KB raw page and
// 40 in-scope links, most of them already known.
func synthFetched(r *rand.Rand, i int, rec *extract.Record) *finarchive.Fetched {
	var raw strings.Builder
	raw.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + rec.Title + `</title></head><body><div class="nav">`)
	for k := range 60 {
		fmt.Fprintf(&raw, `<a href="/news/%d.html">%s</a>`, k, words[k%len(words)])
	}
	raw.WriteString(`</div><div class="article"><h1>` + rec.Title + `</h1>`)
	for _, p := range strings.Split(rec.Body, "\n") {
		raw.WriteString("<p>" + p + "</p>")
	}
	raw.WriteString(`</div><script>var x = 1;</script>` + strings.Repeat(`<div class="footer">版权所有 备案号</div>`, 20) + `</body></html>`)
	f := &finarchive.Fetched{
		Item: finarchive.QueueItem{URL: rec.URL, Depth: 1}, StatusCode: 200, Record: rec,
		Raw: []byte(raw.String()), ContentType: "text/html; charset=utf-8",
		ETag: fmt.Sprintf(`"%x"`, i), LastModified: "Mon, 01 Jan 2024 00:00:00 GMT", FetchedAt: time.Now(),
	}
	for k := range 40 {
		f.Links = append(f.Links, finarchive.QueueItem{URL: fmt.Sprintf("https://site%d.example/news/%d.html", i%5, r.IntN(i+50)+k), Depth: 2})
	}
	return f
}

// BenchmarkDB_Complete measures Complete throughput (pages/s) for new
// articles, from 1 and 4 goroutines as the crawler's workers call it.
func BenchmarkDB_Complete(b *testing.B) {
	for _, workers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			ctx := context.Background()
			db := MustOpenDB(b)
			run := MustStartRun(b, db, store.RunSpec{})
			r := rand.New(rand.NewPCG(1, 2))
			fs := make([]*finarchive.Fetched, b.N)
			var bytes int64
			for i := range fs {
				fs[i] = synthFetched(r, i, synthArticle(r, i))
				bytes += int64(len(fs[i].Raw))
			}
			var next atomic.Int64
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= len(fs) {
							return
						}
						if _, err := db.Complete(ctx, run, fs[i]); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pages/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/page")
			b.SetBytes(bytes / int64(b.N))
		})
	}
}

// cpuTime returns the CPU time (user + system) the process has used: on a
// shared 2-core machine it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// openCorpus opens (building when needed) an archive of n synthetic
// articles.
func openCorpus(b *testing.B, n int) *store.DB {
	b.Helper()
	path := *corpusPath
	if path == "" {
		path = filepath.Join(b.TempDir(), "corpus.db")
	}
	db := MustOpenPath(b, path)
	ctx := context.Background()
	have, err := db.Count(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if have >= n {
		return db
	}
	start := time.Now()
	run := MustStartRun(b, db, store.RunSpec{})
	r := rand.New(rand.NewPCG(7, uint64(have)))
	var next atomic.Int64
	next.Store(int64(have))
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gr := rand.New(rand.NewPCG(r.Uint64(), 0))
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				rec := synthArticle(gr, i)
				f := &finarchive.Fetched{Item: finarchive.QueueItem{URL: rec.URL}, Record: rec, FetchedAt: start}
				if _, err := db.Complete(ctx, run, f); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "built corpus of %d articles in %v\n", n, time.Since(start).Round(time.Second))
	return db
}

// BenchmarkDB_Search reports the median query time over a set of 1-, 2-
// and 4-character and mixed queries on a synthetic corpus (100,000
// articles by default; -corpus=file keeps it between runs).
func BenchmarkDB_Search(b *testing.B) {
	db := openCorpus(b, *corpusSize)
	ctx := context.Background()
	groups := []struct {
		name    string
		queries []string
	}{
		{"1char", []string{"卡", "贷", "险", "税", "盾", "金", "息", "额"}},
		{"2char", []string{"逾期", "额度", "房贷", "理赔", "征信", "年费", "退税", "基金"}},
		{"4char", []string{"提前还款", "信用卡逾", "手机银行", "等额本息", "专项附加", "大额存单", "住房租金", "招商银行"}},
		{"mixed", []string{"U盾", "ETC卡", "信用卡 逾期", "LPR 利率", "5G 套餐", "APP 挂失", "2024年 退税", "ATM 转账"}},
		{"none", []string{"比特币", "NFT"}},
	}
	for _, g := range groups {
		b.Run(g.name, func(b *testing.B) {
			var times []time.Duration
			hits := 0
			for i := 0; b.Loop(); i++ {
				q := g.queries[i%len(g.queries)]
				start := time.Now()
				res, err := db.Search(ctx, store.SearchOptions{Query: q, Limit: 20})
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				hits += len(res)
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
			b.ReportMetric(float64(hits)/float64(len(times)), "hits/query")
		})
	}
}
