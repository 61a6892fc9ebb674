package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// mustSearchArchive writes a small archive of finance articles for the
// search and serve tests and returns its path.
func mustSearchArchive(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "search.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	run, err := db.StartRun(ctx, store.RunSpec{Seeds: []string{"https://a.test/"}})
	if err != nil {
		tb.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	articles := []struct {
		site, path, title, body string
		published               time.Time
	}{
		{"a.test", "/1.html", "U盾证书过期了怎么办", "U盾证书过期后无法网银转账。\n到网银更新证书即可。", time.Date(2024, 3, 1, 9, 0, 0, 0, cst)},
		{"a.test", "/2.html", "信用卡逾期的后果", "信用卡逾期会上报征信，影响贷款。", time.Date(2024, 2, 1, 9, 0, 0, 0, cst)},
		{"b.test", "/3.html", "ETC卡怎么办理", "办理ETC卡需要行驶证和银行卡。ETC卡可以在银行网点办理。", time.Date(2023, 6, 1, 9, 0, 0, 0, cst)},
		{"b.test", "/4.html", "房贷提前还款", "提前还款前先看合同，有的银行收违约金。信用卡不能用来还房贷。", time.Date(2023, 1, 1, 9, 0, 0, 0, cst)},
	}
	for _, a := range articles {
		pub := a.published
		rec := &extract.Record{URL: "https://" + a.site + a.path, Title: a.title, Body: a.body, Published: &pub,
			Site: a.site, Category: "资讯", PageType: extract.PageArticle}
		_, err := db.Complete(ctx, run, &finarchive.Fetched{Item: finarchive.QueueItem{URL: rec.URL}, StatusCode: 200,
			Record: rec, FetchedAt: time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := db.FinishRun(ctx, run, finarchive.RunFinished, finarchive.RunCounts{Fetched: 4, New: 4}, ""); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestSearch_Output(t *testing.T) {
	db := mustSearchArchive(t)
	tests := []struct {
		name    string
		args    []string
		want    []string // lines of stdout that must appear
		notWant []string
	}{
		{"one character", []string{"盾"}, []string{" 1. U盾证书过期了怎么办  [a.test · 2024-03-01]\n", "    U【盾】证书过期后无法网银转账。"}, []string{"信用卡"}},
		{"two characters", []string{"逾期"}, []string{" 1. 信用卡逾期的后果  [a.test · 2024-02-01]", "    https://a.test/2.html", "    信用卡【逾期】会上报征信，影响贷款。"}, nil},
		{"mixed Latin and Chinese", []string{"U盾"}, []string{"U盾证书过期了怎么办", "【U盾】证书过期后"}, []string{"ETC"}},
		{"ETC卡", []string{"ETC卡"}, []string{"ETC卡怎么办理", "办理【ETC卡】需要行驶证"}, nil},
		{"lower case Latin", []string{"etc卡"}, []string{"ETC卡怎么办理"}, nil},
		{"longer phrase", []string{"信用卡逾期"}, []string{"信用卡逾期的后果"}, []string{"房贷"}},
		{"title outranks body", []string{"信用卡"}, []string{" 1. 信用卡逾期的后果", " 2. 房贷提前还款"}, nil},
		{"site filter", []string{"--site", "b.test", "银行"}, []string{"ETC卡怎么办理"}, []string{"a.test"}},
		{"since filter", []string{"--since", "2024-01-01", "证书"}, []string{"U盾证书"}, nil},
		{"since excludes", []string{"--since", "2024-01-01", "银行卡"}, nil, []string{"ETC卡怎么办理"}},
		{"limit", []string{"--limit", "1", "信用卡"}, []string{" 1. 信用卡逾期的后果"}, []string{" 2. "}},
		{"flags after the query", []string{"逾期", "--limit", "5"}, []string{"信用卡逾期的后果"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, append([]string{"search", "--db", db}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(stdout, w) {
					t.Errorf("output has %q:\n%s", w, stdout)
				}
			}
			if strings.Contains(stdout, "\x1b[") || strings.ContainsAny(stdout, store.MarkStart+store.MarkEnd) {
				t.Errorf("output to a non-terminal has escape codes or raw marks: %q", stdout)
			}
		})
	}
}

func TestSearch_JSON(t *testing.T) {
	db := mustSearchArchive(t)
	stdout, stderr, code := runCLI(t, "search", "--db", db, "--json", "信用卡")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var hits []struct {
		URL       string     `json:"url"`
		Title     string     `json:"title"`
		Snippet   string     `json:"snippet"`
		Published *time.Time `json:"published"`
		Site      string     `json:"site"`
		Rank      *float64   `json:"rank"`
	}
	if err := json.Unmarshal([]byte(stdout), &hits); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if got, want := len(hits), 2; got != want {
		t.Fatalf("%d hits, want %d", got, want)
	}
	h := hits[0]
	if h.URL != "https://a.test/2.html" || h.Title != "信用卡逾期的后果" || h.Site != "a.test" ||
		h.Published == nil || h.Published.Format(time.RFC3339) != "2024-02-01T09:00:00+08:00" || h.Rank == nil {
		t.Errorf("first hit = %+v", h)
	}
	if got, want := h.Snippet, "信用卡逾期会上报征信，影响贷款。"; got != want {
		t.Errorf("snippet = %q, want plain %q", got, want)
	}
	if *hits[0].Rank < *hits[1].Rank {
		t.Errorf("hits not best first: ranks %v, %v", *hits[0].Rank, *hits[1].Rank)
	}

	stdout, _, code = runCLI(t, "search", "--db", db, "--json", "不存在")
	if code != 0 || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("no match with --json: exit %d, output %q, want []", code, stdout)
	}
}

func TestSearch_Color(t *testing.T) {
	db := mustSearchArchive(t)
	stdout, _, code := runCLI(t, "search", "--db", db, "--color", "always", "逾期")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := "信用卡" + ansiMatch + "逾期" + ansiReset + "会上报征信"; !strings.Contains(stdout, want) {
		t.Errorf("output lacks %q:\n%q", want, stdout)
	}
	if want := ansiBold + "信用卡逾期的后果" + ansiReset; !strings.Contains(stdout, want) {
		t.Errorf("output lacks the bold title %q:\n%q", want, stdout)
	}
}

func TestSearch_Errors(t *testing.T) {
	db := mustSearchArchive(t)
	tests := []struct {
		name       string
		args       []string
		code       int
		stderrHas  string
		stdoutNone bool
	}{
		{"no match", []string{"--db", db, "不存在的词"}, exitOK, "no articles match", true},
		{"only punctuation", []string{"--db", db, "？！"}, exitOK, "no articles match", true},
		{"no query", []string{"--db", db}, exitUsage, "search needs a query", true},
		{"bad since", []string{"--db", db, "--since", "yesterday", "卡"}, exitUsage, "--since", true},
		{"bad limit", []string{"--db", db, "--limit", "0", "卡"}, exitUsage, "--limit", true},
		{"bad color", []string{"--db", db, "--color", "pink", "卡"}, exitUsage, "--color", true},
		{"missing archive", []string{"--db", filepath.Join(t.TempDir(), "none.db"), "卡"}, exitError, "open archive", true},
		{"query starting with a dash", []string{"--db", db, "-信用卡"}, exitUsage, "must follow --: finarchive search -- -信用卡", true},
		{"query starting with two dashes", []string{"--db", db, "--信用卡"}, exitUsage, "finarchive search -- --信用卡", true},
		{"10,000 words", []string{"--db", db, strings.Repeat("信用卡 ", 10000)}, exitUsage, "the query is too long: 39999 characters (at most 256)", true},
		{"a long phrase", []string{"--db", db, strings.Repeat("信", 300)}, exitUsage, "too long: 300 characters (at most 256)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, append([]string{"search"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderrHas)
			}
			if tt.stdoutNone && stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if len(stderr) > 500 {
				t.Errorf("stderr of %d bytes: %.200s", len(stderr), stderr)
			}
		})
	}
}

// TestSearch_dashQuery: after --, a query starting with '-' is searched.
func TestSearch_dashQuery(t *testing.T) {
	db := mustSearchArchive(t)
	plain, _, code := runCLI(t, "search", "--db", db, "--json", "逾期")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	dash, stderr, code := runCLI(t, "search", "--db", db, "--json", "--", "-逾期")
	if code != 0 || dash != plain {
		t.Errorf("search -- -逾期: exit %d, %q\n got %s\nwant %s", code, stderr, dash, plain)
	}
}
