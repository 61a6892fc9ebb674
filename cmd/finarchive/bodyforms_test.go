package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// mustStructureArchive archives the fee-table fixture of package extract
// as a page of an archive made before body_html: its stored body_html is
// empty, its raw response is kept.
func mustStructureArchive(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join("..", "..", "extract", "testdata", "structure-fees.html"))
	if err != nil {
		tb.Fatal(err)
	}
	const u = "https://www.kabao.example/zixun/20240110.html"
	at := time.Date(2024, 1, 15, 4, 0, 0, 0, time.UTC)
	rec, err := extract.ExtractBytes(raw, "text/html; charset=utf-8", u, extract.Options{FetchedAt: at})
	if err != nil {
		tb.Fatal(err)
	}
	if !strings.Contains(rec.BodyHTML, "<table>") {
		tb.Fatalf("fixture: no table in body_html %q", rec.BodyHTML)
	}
	rec.BodyHTML = "" // as archived before schema 8
	path := filepath.Join(tb.TempDir(), "structure.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	run, err := db.StartRun(ctx, store.RunSpec{Seeds: []string{u}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Complete(ctx, run, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u}, StatusCode: 200,
		Record: rec, Raw: raw, ContentType: "text/html; charset=utf-8", FetchedAt: at}); err != nil {
		tb.Fatal(err)
	}
	if err := db.FinishRun(ctx, run, finarchive.RunFinished, finarchive.RunCounts{Fetched: 1, New: 1}, ""); err != nil {
		tb.Fatal(err)
	}
	return path
}

// TestExport_body: reextract fills body_html for a page archived without
// it; export --body picks the forms of the body beside the plain one
// (html by default, markdown, both, or text alone).
func TestExport_body(t *testing.T) {
	db := mustStructureArchive(t)
	export := func(args ...string) map[string]any {
		t.Helper()
		out, e, code := runCLI(t, append([]string{"export", "--db", db, "--format", "jsonl"}, args...)...)
		if code != 0 {
			t.Fatalf("export %v: exit %d: %s", args, code, e)
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(out), &rec); err != nil {
			t.Fatalf("export %v: %v\n%s", args, err, out)
		}
		if b, _ := rec["body"].(string); !strings.Contains(b, "甲银行 100元，刷卡6次免次年年费 1%，最低10元") {
			t.Errorf("export %v: plain body %q", args, b)
		}
		return rec
	}
	if rec := export(); rec["body_html"] != "" {
		t.Fatalf("before reextract: body_html %q, want empty", rec["body_html"])
	}
	if _, e, code := runCLI(t, "reextract", "--db", db); code != 0 {
		t.Fatalf("reextract: exit %d: %s", code, e)
	}

	rec := export()
	h, _ := rec["body_html"].(string)
	for _, want := range []string{"<h2>一、各行收费标准</h2>", "<caption>普卡收费标准（2024年）</caption>",
		"<thead><tr><th>银行</th><th>年费</th><th>取现手续费</th></tr></thead>", `<td colspan="2">以银行公布为准</td>`,
		"<ol><li>拨打信用卡背面的客服电话。<ul><li>选择人工服务；</li>", "<blockquote><p>提醒：",
		`<img src="https://static.kabao.example/pic/2024/fees.jpg" alt="各行信用卡费用对比图">`} {
		if !strings.Contains(h, want) {
			t.Errorf("body_html lacks %s:\n%s", want, h)
		}
	}
	if _, ok := rec["body_markdown"]; ok {
		t.Error("default export has body_markdown")
	}

	rec = export("--body", "html,markdown")
	if rec["body_html"] != h {
		t.Errorf("--body html,markdown: body_html differs")
	}
	md, _ := rec["body_markdown"].(string)
	for _, want := range []string{"## 一、各行收费标准", "| 银行 | 年费 | 取现手续费 |", "| 丙银行 | 以银行公布为准 | 以银行公布为准 |",
		"1. 拨打信用卡背面的客服电话。", "   - 选择人工服务；", "2. 按客服提示核对身份信息。", "> 提醒：",
		"![各行信用卡费用对比图](https://static.kabao.example/pic/2024/fees.jpg)"} {
		if !strings.Contains(md, want) {
			t.Errorf("body_markdown lacks %q:\n%s", want, md)
		}
	}
	if rec := export("--body", "markdown"); rec["body_markdown"] != md || rec["body_html"] != nil {
		t.Errorf("--body markdown: body_markdown %v, body_html %v", rec["body_markdown"] != nil, rec["body_html"] != nil)
	}
	if rec := export("--body", "text"); rec["body_markdown"] != nil || rec["body_html"] != nil {
		t.Errorf("--body text: %v", rec)
	}
	if _, _, code := runCLI(t, "export", "--db", db, "--body", "pdf"); code != 2 {
		t.Errorf("--body pdf: exit %d, want 2", code)
	}
}

// TestExtract_body: the extract command prints body_html by default, and
// body_markdown with --body markdown.
func TestExtract_body(t *testing.T) {
	page := filepath.Join("..", "..", "extract", "testdata", "structure-fees.html")
	for _, tc := range []struct {
		body           string
		html, markdown string // wanted in each field; "" = no such field
	}{
		{"", "<tbody><tr><td>甲银行</td>", ""},
		{"markdown", "", "| 甲银行 | 100元，刷卡6次免次年年费 | 1%，最低10元 |"},
		{"html,markdown", "<tbody><tr><td>甲银行</td>", "1. 拨打信用卡背面的客服电话。"},
		{"text", "", ""},
	} {
		args := []string{"extract", "--url", "https://www.kabao.example/zixun/20240110.html"}
		if tc.body != "" {
			args = append(args, "--body", tc.body)
		}
		out, e, code := runCLI(t, append(args, page)...)
		if code != 0 {
			t.Fatalf("extract --body %q: exit %d: %s", tc.body, code, e)
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(out), &rec); err != nil {
			t.Fatal(err)
		}
		for field, want := range map[string]string{"body_html": tc.html, "body_markdown": tc.markdown} {
			got, ok := rec[field].(string)
			if want == "" && ok || want != "" && !strings.Contains(got, want) {
				t.Errorf("extract --body %q: %s = %q (present %v), want it to hold %q", tc.body, field, got, ok, want)
			}
		}
	}
}
