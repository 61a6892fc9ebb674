package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
)

// searchDocs are the documents of store's TestDB_Search.
var searchDocs = []struct{ url, title, body, site string }{
	{"https://a.example/1", "信用卡逾期了怎么办", "信用卡逾期后要尽快还款，避免影响征信。", "a.example"},
	{"https://a.example/2", "ETC卡怎么办理", "ETC卡可以在银行网点或者线上办理，需要身份证和行驶证。", "a.example"},
	{"https://b.example/3", "网银U盾丢了怎么办", "U盾丢失后应立即挂失。", "b.example"},
	{"https://b.example/4", "房贷提前还款划算吗", "提前还款前先算利息。很多人问信用卡、信用卡分期和信用卡取现的区别，信用卡账单日与还款日也不同。", "b.example"},
	{"https://b.example/5", "个人所得税专项附加扣除", "子女教育、继续教育、大病医疗、住房贷款利息可以扣除。", "b.example"},
}

// TestSearch_sameAsSQLite: the same archive in both back ends gives the
// same hits, in the same order, with the same ranks and snippets, for
// one-, two- and longer queries, words and mixed ones.
func TestSearch_sameAsSQLite(t *testing.T) {
	ctx := context.Background()
	pg := openDB(t)
	lite, err := store.Open(ctx, t.TempDir()+"/a.db")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	bodies := []string{
		"信用卡逾期后要尽快还款，避免影响征信。信用卡逾期一天也算逾期。",
		"ETC卡可以在银行网点办理，ETC卡需要身份证。办理ETC很方便。",
		"提前还款前先算利息。很多人问信用卡、信用卡分期和信用卡取现的区别。",
		"大额存单利率比定期存款高，大额存单利率每年调整。存款利率下调。",
		"U盾丢失后应立即挂失，网银U盾可以补办。",
		"哈哈哈，这个理财产品的收益哈哈。常常有人问。",
	}
	titles := []string{"信用卡逾期", "ETC卡办理", "提前还款", "大额存单利率", "U盾挂失", "哈哈理财"}
	for _, a := range []store.Archive{pg, lite} {
		run := startRun(t, a, store.RunSpec{})
		for i := range 40 {
			u := fmt.Sprintf("https://s%d.example/%d.html", i%3, i)
			rec := article(u, titles[i%len(titles)]+fmt.Sprint(i%7), bodies[(i*3)%len(bodies)]+bodies[i%len(bodies)])
			rec.Site = fmt.Sprintf("s%d.example", i%3)
			mustComplete(t, a, run, fetched(u, rec, time.Now()))
		}
	}
	for _, q := range []string{"卡", "利", "逾期", "信用卡", "大额存单利率", "ETC", "etc卡", "U盾", "信用卡 逾期", "存款利率下调", "3", "比特币", "哈哈", "哈哈哈", "理财 哈哈", "常常"} {
		for _, site := range []string{"", "s1.example"} {
			opt := store.SearchOptions{Query: q, Site: site, Limit: 50}
			want, err := lite.Search(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pg.Search(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := hitsString(got), hitsString(want); g != w {
				t.Errorf("%q site %q:\n got %s\nwant %s", q, site, g, w)
			}
		}
	}
}

func hitsString(hits []store.SearchHit) string {
	var b strings.Builder
	for _, h := range hits {
		fmt.Fprintf(&b, "\n%s %.4f %s", h.URL, h.Rank, h.Snippet)
	}
	return b.String()
}

// TestSearch_beyondPositions: a body longer than a tsvector's positions
// reach (16,383) is found by its last words, one, two and more characters:
// the index keeps no positions.
func TestSearch_beyondPositions(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	body := strings.Repeat("银行卡开户需要带身份证。", 2000) + "最后提到了保险理赔流程，鳕鱼。"
	mustComplete(t, db, run, fetched("https://a.example/l", article("https://a.example/l", "很长的文章", body), time.Now()))
	for _, q := range []string{"理赔流程", "理赔", "鳕", "身份证"} {
		if hits, err := db.Search(ctx, store.SearchOptions{Query: q}); err != nil || len(hits) != 1 {
			t.Errorf("%s: %d hits, %v", q, len(hits), err)
		}
	}
}

// TestRebuildSearch: a rebuild gives the same index (and results), and a
// damaged index is reported by IntegrityCheck and repaired by a rebuild.
func TestRebuildSearch(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	run := startRun(t, db, store.RunSpec{})
	for i, d := range searchDocs {
		mustComplete(t, db, run, fetched(d.url, article(d.url, d.title, d.body), time.Now()))
		if i == 0 {
			mustComplete(t, db, run, fetched(d.url, article(d.url, d.title, d.body+"另外。"), time.Now()))
		}
	}
	before, err := db.Search(ctx, store.SearchOptions{Query: "信用卡"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, "DELETE FROM search WHERE page_id = (SELECT min(id) FROM pages)"); err != nil {
		t.Fatal(err)
	}
	if err := db.IntegrityCheck(ctx); err == nil || !strings.Contains(err.Error(), "without a search index row") {
		t.Errorf("IntegrityCheck of a damaged index: %v", err)
	}
	if err := db.RebuildSearch(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := db.Search(ctx, store.SearchOptions{Query: "信用卡"})
	if err != nil {
		t.Fatal(err)
	}
	if hitsString(after) != hitsString(before) {
		t.Errorf("after the rebuild:%s\nbefore:%s", hitsString(after), hitsString(before))
	}
	if rows, stale, err := db.SearchIndexRows(ctx); err != nil || rows != len(searchDocs) || stale != 0 {
		t.Errorf("SearchIndexRows = %d, %d, %v", rows, stale, err)
	}
}

// TestRebuildSearch_whileWriting: a rebuild beside a crawl that saves new
// and changed pages fails neither, and leaves each page one row of its
// newest revision (the cleanup's integrity check).
func TestRebuildSearch_whileWriting(t *testing.T) {
	ctx := context.Background()
	u0 := pgtest.NewDB(t)
	db, crawl := openURL(t, u0), openURL(t, u0)
	run := startRun(t, crawl, store.RunSpec{})
	for i := range 50 {
		u := fmt.Sprintf("https://a.example/%d.html", i)
		mustComplete(t, crawl, run, fetched(u, article(u, "标题", fmt.Sprint("正文", i)), time.Now()))
	}
	done := make(chan error, 1)
	go func() {
		for i := range 200 {
			u := fmt.Sprintf("https://a.example/%d.html", i%100)
			if _, err := crawl.Complete(ctx, run, fetched(u, article(u, "标题", fmt.Sprint("正文改", i)), time.Now())); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 3 {
		if err := db.RebuildSearch(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rows, stale, err := db.SearchIndexRows(ctx); err != nil || rows != 100 || stale != 0 {
		t.Errorf("SearchIndexRows = %d, %d, %v; want 100, 0", rows, stale, err)
	}
}
