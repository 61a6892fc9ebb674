package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/finarchive/finarchive/internal/browsertest"
)

// browserEvents records what the page did that a reader must never do:
// open a dialog, call the console, or trip the Content-Security-Policy
// (which means markup from the archive got into a page and tried to run).
type browserEvents struct {
	mu      sync.Mutex
	dialogs []string
	csp     []string
	console []string
}

func (e *browserEvents) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		e.mu.Lock()
		defer e.mu.Unlock()
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			e.dialogs = append(e.dialogs, ev.Message)
		case *log.EventEntryAdded:
			if strings.Contains(ev.Entry.Text, "Content Security Policy") {
				e.csp = append(e.csp, ev.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			e.console = append(e.console, string(ev.Type))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// A dialog blocks the page: dismiss any, so the test fails instead of
	// hanging.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
}

func (e *browserEvents) check(t *testing.T, where string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.dialogs) > 0 {
		t.Errorf("%s: a dialog opened: %q", where, e.dialogs)
	}
	if len(e.csp) > 0 {
		t.Errorf("%s: Content-Security-Policy violations (something tried to run or load): %q", where, e.csp)
	}
	if len(e.console) > 0 {
		t.Errorf("%s: console calls from page script: %q", where, e.console)
	}
	e.dialogs, e.csp, e.console = nil, nil, nil
}

// TestBrowser_Reader drives the reader in headless Chromium: the list,
// a search typed into the form, an article, a related card to the archived
// copy, the hostile article (nothing runs), history and runs; at desktop
// and phone widths, with screenshots.
func TestBrowser_Reader(t *testing.T) {
	if _, err := exec.LookPath(browsertest.ChromiumPath); err != nil {
		t.Skipf("SKIP: no Chromium at %s (apt-get install chromium chromium-driver): the browser test did not run", browsertest.ChromiumPath)
	}
	srv := mustServe(t, mustFillArchive(t))
	shots := browsertest.ArtifactsDir(t, "web")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, browsertest.Options(t)...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ev := &browserEvents{}
	ev.listen(t, bctx)

	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	eval := func(expr string, v any) {
		t.Helper()
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[[]byte](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// follow runs a click or submit and waits for the page it loads.
	follow := func(step string, trigger chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil, trigger)); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	desktop := chromedp.EmulateViewport(1280, 900)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)

	// The list: newest first, paginated.
	do("list", desktop, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("ol.list")))
	var items int
	eval(`document.querySelectorAll("ol.list li.item").length`, &items)
	if items != 10 {
		t.Errorf("list shows %d articles, want a page of 10", items)
	}
	if first := text("ol.list li.item h3"); !strings.Contains(first, "注意安全") {
		t.Errorf("first article = %q, want the newest (注意安全 …)", first)
	}
	shot("list-desktop")
	ev.check(t, "list")

	// Search: type into the form, submit, see highlighted results.
	do("type query", chromedp.SendKeys(chromedp.CSS(`form.searchbox input[name="q"]`), "逾期"))
	follow("submit search", chromedp.Submit(chromedp.CSS("form.searchbox")))
	do("results", chromedp.WaitVisible(chromedp.CSS("#results")))
	if loc := location(); !strings.Contains(loc, "/search?q=") {
		t.Errorf("search went to %s", loc)
	}
	var marks []string
	eval(`[...document.querySelectorAll("#results mark")].map(m => m.textContent)`, &marks)
	if len(marks) == 0 {
		t.Fatal("search results have no highlighted match")
	}
	for _, m := range marks {
		if m != "逾期" {
			t.Errorf("highlighted %q, want 逾期", m)
		}
	}
	var markBG string
	eval(`getComputedStyle(document.querySelector("#results mark")).backgroundColor`, &markBG)
	if markBG == "" || markBG == "rgba(0, 0, 0, 0)" {
		t.Errorf("highlight has no background (%q): the stylesheet did not load", markBG)
	}
	shot("search-desktop")
	ev.check(t, "search")

	// Open the first result, then follow a related card to its archived copy.
	follow("open result", chromedp.Click(chromedp.CSS("#results li.item h3 a")))
	do("article", chromedp.WaitVisible(chromedp.CSS("article.doc h1")))
	h1 := text("article.doc h1")
	if !strings.Contains(h1, "逾期") {
		t.Errorf("opened article %q, want one about 逾期", h1)
	}
	shot("article-desktop")
	follow("related card", chromedp.Click(chromedp.CSS(`li.card:has(.where.in) a.t`)))
	do("card article", chromedp.WaitVisible(chromedp.CSS("article.doc h1")))
	if loc := location(); !strings.HasPrefix(loc, srv.URL+"/a?u=") {
		t.Errorf("archived card went to %s, want the reader's copy", loc)
	}
	if after := text("article.doc h1"); after == h1 || after == "" {
		t.Errorf("after the card, the article is %q (was %q)", after, h1)
	}
	ev.check(t, "article")

	// An article with structure: its table is a table (cells side by side,
	// header cells, caption), its nested list a list, its image a link
	// (the CSP loads no image from the site, and none is asked for).
	do("table article", desktop, chromedp.Navigate(srv.URL+a(tableURL)), chromedp.WaitVisible(chromedp.CSS(".body table")))
	var tbl struct {
		Rows, Heads, Nested, Imgs, ImgLinks int
		Caption, Cell                       string
		SideBySide                          bool
	}
	eval(`(() => {
		const t = document.querySelector(".body table");
		const r = t.querySelectorAll("tbody tr")[0].children;
		return {Rows: t.querySelectorAll("tbody tr").length, Heads: t.querySelectorAll("thead th").length,
			Nested: document.querySelectorAll(".body ol > li > ul > li").length,
			Imgs: document.querySelectorAll("img").length, ImgLinks: document.querySelectorAll(".body a.img").length,
			Caption: t.querySelector("caption").textContent, Cell: getComputedStyle(r[1]).display,
			SideBySide: r[0].getBoundingClientRect().top === r[1].getBoundingClientRect().top &&
				r[0].getBoundingClientRect().right <= r[1].getBoundingClientRect().left};
	})()`, &tbl)
	if tbl.Rows != 2 || tbl.Heads != 2 || tbl.Caption != "逾期多久有什么影响" || tbl.Cell != "table-cell" || !tbl.SideBySide {
		t.Errorf("the table does not show as a table: %+v", tbl)
	}
	if tbl.Nested != 1 || tbl.Imgs != 0 || tbl.ImgLinks != 1 {
		t.Errorf("nested list items %d (want 1), images %d (want 0), image links %d (want 1)", tbl.Nested, tbl.Imgs, tbl.ImgLinks)
	}
	shot("article-table-desktop")
	ev.check(t, "table article")

	// The hostile article: its payloads are text, nothing runs.
	do("xss article", chromedp.Navigate(srv.URL+a(xssURL)), chromedp.WaitVisible(chromedp.CSS("article.doc h1")),
		chromedp.Sleep(300*time.Millisecond)) // time for an onerror handler to fire, if one got in
	var pwned string
	eval(`typeof window.__pwned`, &pwned)
	if pwned != "undefined" {
		t.Errorf("window.__pwned is %s: archived script ran in the reader", pwned)
	}
	var active int
	eval(`document.querySelectorAll("script, img, iframe, object, embed, [onerror], a[href^='javascript'], a[href^='data']").length`, &active)
	if active != 0 {
		t.Errorf("the hostile article has %d script, image or javascript: elements", active)
	}
	if title := text("article.doc h1"); !strings.Contains(title, "<script>window.__pwned=1</script>") {
		t.Errorf("title %q: the payload should show as text", title)
	}
	shot("xss-desktop")
	ev.check(t, "xss article")

	// History and runs.
	do("history", chromedp.Navigate(srv.URL+"/history?u="+url.QueryEscape(changedURL)), chromedp.WaitVisible(chromedp.CSS("table")))
	var revs, runs int
	eval(`document.querySelectorAll("tbody tr").length`, &revs)
	if revs != 2 {
		t.Errorf("history lists %d revisions, want 2", revs)
	}
	shot("history-desktop")
	do("runs", chromedp.Navigate(srv.URL+"/runs"), chromedp.WaitVisible(chromedp.CSS("table")))
	eval(`document.querySelectorAll("tbody tr").length`, &runs)
	if runs != 2 {
		t.Errorf("runs page lists %d runs, want 2", runs)
	}
	shot("runs-desktop")
	ev.check(t, "history and runs")

	// Phone width: the same pages fit 390px without sideways scrolling.
	for _, p := range []struct{ name, path string }{
		{"list", "/"},
		{"search", "/search?q=U%E7%9B%BE"},
		{"article", a(changedURL)},
		{"table article", a(tableURL)},
		{"runs", "/runs"},
	} {
		do("phone "+p.name, phone, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main")))
		var width int
		eval(`document.documentElement.scrollWidth`, &width)
		if width > 390 {
			t.Errorf("phone %s: the page is %dpx wide, wider than the 390px screen", p.name, width)
		}
		shot(strings.ReplaceAll(p.name, " ", "-") + "-phone")
	}
	ev.check(t, "phone")
}
