package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/internal/browsertest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/testsite"
)

// replayApp is where .ci/run unpacks the replaywebpage npm package (2.5.3,
// `npm pack`ed: its prebuilt index.html, ui.js and sw.js).
func replayApp(t *testing.T) string {
	return filepath.Join(testTools(t), "replaywebpage", "package")
}

// findFrameJS sets frame to the iframe in which ReplayWeb.page shows the
// archived page (its src is the replay URL, …/<ts>mp_/<url>), looked for
// through the app's shadow roots; null while it is not there.
const findFrameJS = `
  const find = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "IFRAME" && (el.getAttribute("src") || "").includes("mp_/")) return el;
      if (el.shadowRoot) { const f = find(el.shadowRoot); if (f) return f; }
    }
    return null;
  };
  const frame = find(document);
`

// replayedJS finds, through ReplayWeb.page's shadow roots, the iframe that
// shows the archived page (its src is the replay URL, …/<ts>mp_/<url>) and
// returns what the page shows: the iframe's src, its document's title and
// visible text; null while it is not there yet.
const replayedJS = `(() => {
` + findFrameJS + `  if (!frame) return null;
  let doc = null;
  try { doc = frame.contentDocument; } catch (e) { return {src: frame.src, title: "", text: "", error: String(e)}; }
  if (!doc || !doc.body) return {src: frame.src, title: "", text: ""};
  return {src: frame.src, title: doc.title, text: doc.body.innerText};
})()`

type replayed struct {
	Src   string `json:"src"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Error string `json:"error"`
}

// TestReplay_WACZ replays an exported WACZ in ReplayWeb.page (the prebuilt
// app of npm package replaywebpage 2.5.3) in headless Chromium: the app and
// the WACZ come from one loopback origin (its service worker needs that),
// index.html?source=<the WACZ> loads it, and an archived article opened in
// it shows its title and first paragraph. The test site is stopped first,
// so what shows can only come from the WACZ. A screenshot is kept in
// $FINARCHIVE_ARTIFACTS/replay.
func TestReplay_WACZ(t *testing.T) {
	needReplay(t)

	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	site, base := MustStartSite(t, testsite.Options{Articles: 8}) // more than 6: its home page links an article through /go/, a 301
	if _, e, code := runCLI(t, append(fastCrawl(db), "--exclude", "/calendar/|/refer/", base+"/")...); code != 0 && code != exitPartial {
		t.Fatalf("crawl: exit %d: %s", code, e)
	}
	wacz, jsonl := filepath.Join(dir, "a.wacz"), filepath.Join(dir, "a.jsonl")
	for _, args := range [][]string{{"--format", "wacz", "-o", wacz}, {"--format", "jsonl", "-o", jsonl}} {
		if _, e, code := runCLI(t, append([]string{"export", "--db", db, "-q"}, args...)...); code != 0 {
			t.Fatalf("export %v: exit %d: %s", args, code, e)
		}
	}
	site.Close()
	// The article: the first by URL, so every run opens the same one.
	var rec *extract.Record
	for _, r := range readJSONL(t, jsonl) {
		if r.PageType == extract.PageArticle && (rec == nil || r.URL < rec.URL) {
			rec = &r
		}
	}
	if rec == nil {
		t.Fatal("crawl archived no article")
	}
	firstPara, _, _ := strings.Cut(rec.Body, "\n")
	if rec.Title == "" || firstPara == "" {
		t.Fatalf("article %s has no title or body: %+v", rec.URL, rec)
	}
	// A redirect the crawl followed to an article, and that article.
	var (
		redir   string
		redirTo *extract.Record
	)
	for u, v := range unarchivedPages(t, db) {
		if !strings.HasPrefix(v, "redirect, 301") {
			continue
		}
		for _, r := range readJSONL(t, jsonl) {
			if loc := redirectTarget(t, db, u); r.URL == loc && (redir == "" || u < redir) {
				redir, redirTo = u, &r
			}
		}
	}

	r := startReplayer(t, wacz)

	want := strings.Join(strings.Fields(firstPara), " ")
	ts := rec.FetchedAt.UTC().Format("20060102150405")
	got := r.open(rec.URL, ts, rec.Title, rec.Title, want)
	if !strings.Contains(got.Src, ts+"mp_/"+rec.URL) {
		t.Errorf("replay frame src %q, want the replay URL of %s at %s", got.Src, rec.URL, ts)
	}
	t.Logf("ReplayWeb.page replayed %s from the WACZ: title %q, first paragraph %.60q…", got.Src, got.Title, want)
	r.shot("replaywebpage-article")

	// A link through a redirect leads on to its article, as on the site:
	// the WACZ holds the 301 the crawl followed.
	if redir == "" {
		t.Fatal("the crawl kept no redirect to an article")
	}
	redirPara, _, _ := strings.Cut(redirTo.Body, "\n")
	got = r.open(redir, ts, redirTo.Title, strings.Join(strings.Fields(redirPara), " "))
	t.Logf("ReplayWeb.page followed the archived redirect %s to %q (frame %s)", redir, got.Title, got.Src)
	r.shot("replaywebpage-redirect")
}

// needReplay skips t when Chromium or the unpacked app is missing, and
// returns the app's directory.
func needReplay(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath(browsertest.ChromiumPath); err != nil {
		t.Skipf("SKIP: no Chromium at %s (apt-get install chromium): the ReplayWeb.page test did not run", browsertest.ChromiumPath)
	}
	app := replayApp(t)
	for _, f := range []string{"index.html", "ui.js", "sw.js"} {
		if _, err := os.Stat(filepath.Join(app, f)); err != nil {
			t.Skipf("SKIP: ReplayWeb.page not unpacked in %s (.ci/run: npm pack replaywebpage@2.5.3, then tar -xzf it there): %v", app, err)
		}
	}
	return app
}

// replayer is ReplayWeb.page (the prebuilt app of npm package
// replaywebpage 2.5.3) in headless Chromium, with a WACZ to replay: the
// app and the WACZ come from one loopback origin (its service worker
// needs that), and index.html?source=<the WACZ> loads it.
type replayer struct {
	t      *testing.T
	srv    *httptest.Server
	ctx    context.Context // the browser's
	shots  string
	source string // the archive's name on the origin

	mu     sync.Mutex
	missed []string // what the app asked for and the origin does not serve
}

// startReplayer starts the origin and the browser for archive (a WACZ,
// or a WARC), or skips t
// when Chromium or the app is missing. Both stop with the test.
func startReplayer(t *testing.T, archive string) *replayer {
	t.Helper()
	app := needReplay(t)
	r := &replayer{t: t, source: filepath.Base(archive)}
	// One loopback origin (httptest listens on 127.0.0.1): the app's three
	// files and the WACZ; anything else the app asks for is answered 404
	// (and logged).
	files := map[string]string{"/index.html": filepath.Join(app, "index.html"), "/ui.js": filepath.Join(app, "ui.js"),
		"/sw.js": filepath.Join(app, "sw.js"), "/" + filepath.Base(archive): archive}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if path, ok := files[req.URL.Path]; ok {
			// ServeContent, not ServeFile, which would redirect
			// /index.html to /; both answer the Range requests the
			// app reads the WACZ with.
			f, err := os.Open(path)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			http.ServeContent(w, req, filepath.Base(path), fi.ModTime(), f)
			return
		}
		r.mu.Lock()
		r.missed = append(r.missed, req.URL.Path)
		r.mu.Unlock()
		http.NotFound(w, req)
	}))
	t.Cleanup(r.srv.Close)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browsertest.Options(t)...)
	t.Cleanup(cancelAlloc) // stops Chromium and waits for it
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	// The browser starts now, on bctx: started by a call on a context
	// with a deadline, it would stop with that context.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	r.ctx = bctx
	r.shots = browsertest.ArtifactsDir(t, "replay")
	return r
}

// shot keeps a screenshot of the app as name.png.
func (r *replayer) shot(name string) {
	r.t.Helper()
	sctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		r.t.Errorf("screenshot: %v", err)
		return
	}
	path := filepath.Join(r.shots, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.t.Logf("screenshot: %s", path)
}

// replayWait is how long the app is given to show a page.
const replayWait = 20 * time.Second

// open opens target (archived at ts) in the app afresh and waits until the
// replayed page's title holds title and its text each of want.
func (r *replayer) open(target, ts, title string, want ...string) replayed {
	r.t.Helper()
	got, err := r.tryOpen(target, ts, title, want...)
	if err != nil {
		r.t.Fatal(err)
	}
	return got
}

// tryOpen is open, with an error when the page is not shown.
func (r *replayer) tryOpen(target, ts, title string, want ...string) (replayed, error) {
	r.t.Helper()
	appURL := r.srv.URL + "/index.html?source=" + url.QueryEscape(r.srv.URL+"/"+r.source) +
		"#view=replay&url=" + url.QueryEscape(target) + "&ts=" + ts
	ctx, cancel := context.WithTimeout(r.ctx, replayWait)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("about:blank"), chromedp.Navigate(appURL)); err != nil {
		return replayed{}, fmt.Errorf("open %s: %w", appURL, err)
	}
	return r.wait(target, title, want...)
}

// wait waits until the replayed page's title holds title and its text
// each of want.
func (r *replayer) wait(target, title string, want ...string) (replayed, error) {
	r.t.Helper()
	var (
		got replayed
		err error
	)
	deadline := time.Now().Add(replayWait)
	for {
		var raw []byte
		raw, err = chromedp.Run(r.ctx, chromedp.Evaluate[[]byte](replayedJS))
		if err == nil && string(raw) != "null" {
			got = replayed{}
			if err := json.Unmarshal(raw, &got); err != nil {
				return got, fmt.Errorf("replayed page: %w: %s", err, raw)
			}
			text := strings.Join(strings.Fields(got.Text), " ")
			shown := strings.Contains(got.Title, title)
			for _, w := range want {
				shown = shown && strings.Contains(text, w)
			}
			if shown {
				return got, nil
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	app, _ := chromedp.Run(r.ctx, chromedp.Evaluate[string](deepTextJS))
	r.mu.Lock()
	defer r.mu.Unlock()
	return got, fmt.Errorf("ReplayWeb.page did not show %s, titled %q, with %q in time: last seen %+v (evaluate error: %v); the app shows %.300q; not served: %q",
		target, title, want, got, err, app, r.missed)
}

// click clicks the first link of the replayed page whose text is text,
// and waits until the page it leads to is shown, titled title, with each
// of want in its text.
func (r *replayer) click(text, title string, want ...string) (replayed, error) {
	r.t.Helper()
	js := strings.Replace(clickJS, "LINKTEXT", strconv.Quote(text), 1)
	res, err := chromedp.Run(r.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		return replayed{}, fmt.Errorf("click %q: %w", text, err)
	}
	if res != "ok" {
		return replayed{}, fmt.Errorf("click %q: %s", text, res)
	}
	return r.wait("the link "+strconv.Quote(text), title, want...)
}

// clickJS clicks the replayed page's first link whose text is LINKTEXT
// and says "ok", or why not.
const clickJS = `(() => {
` + findFrameJS + `  if (!frame || !frame.contentDocument) return "no replayed page";
  for (const a of frame.contentDocument.querySelectorAll("a")) {
    if (a.textContent.trim() === LINKTEXT) { a.click(); return "ok"; }
  }
  return "no such link; links: " + [...frame.contentDocument.querySelectorAll("a")].map(a => a.textContent.trim() + " → " + a.getAttribute("href")).join(", ");
})()`

// redirectTarget returns the absolute Location of the redirect the
// archive db keeps for pageURL.
func redirectTarget(t *testing.T, db, pageURL string) string {
	t.Helper()
	var loc string
	walkUnarchived(t, db, func(u *store.UnarchivedDump, f store.Fetch) {
		if u.URL != pageURL {
			return
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(f.Response)), nil)
		if err != nil {
			t.Fatalf("redirect %s: head: %v", pageURL, err)
		}
		base, _ := url.Parse(pageURL)
		if l, err := base.Parse(resp.Header.Get("Location")); err == nil {
			loc = l.String()
		}
	})
	return loc
}

// deepTextJS is the text of the app, shadow roots included (what a
// failing test shows).
const deepTextJS = `(() => {
  const walk = (root) => {
    let s = "";
    for (const el of root.childNodes) {
      if (el.nodeType === 3) s += el.textContent;
      else if (el.nodeType === 1) {
        if (el.tagName === "SCRIPT" || el.tagName === "STYLE") continue;
        if (el.shadowRoot) s += " " + walk(el.shadowRoot);
        s += walk(el);
      }
    }
    return s;
  };
  return walk(document).replace(/\s+/g, " ").trim().slice(0, 2000);
})()`
