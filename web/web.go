// Package web owns the read-only web reader of an archive: an http.Handler
// that lists, searches and shows archived articles, their history and the
// crawl runs, from an archive opened read-only (a SQLite file or
// PostgreSQL, through store/backend). It never writes.
//
// Everything archived is untrusted: text goes through html/template, the
// HTML produced from archive data goes through bluemonday (search
// highlights: a policy that allows <mark> alone; an article's body_html:
// extract's allow-list, its images turned into links), links are only made for http
// and https URLs, and every response carries a Content-Security-Policy that
// forbids script altogether, as a second line of defence. The pages use no
// script and no external asset: the stylesheet is embedded.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/microcosm-cc/bluemonday"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP is the Content-Security-Policy of every response: same-origin
// stylesheet and images only, no script of any kind, no plugins, no
// framing, forms only to the reader itself.
const CSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// DefaultPageSize is the number of articles on one list or search page.
const DefaultPageSize = 20

// Options configure a Server.
type Options struct {
	Logger   *slog.Logger // default: discard
	PageSize int          // articles per page (default DefaultPageSize)
	// Addr is the address the reader listens on (host:port). When set, a
	// request whose Host header is not this reader's gets 421 Misdirected
	// Request (a guard against DNS rebinding): on Addr's port, Addr itself,
	// loopback addresses, localhost and *.localhost are accepted, and any
	// IP address when Addr is a wildcard (0.0.0.0, [::]).
	Addr string
	// Hosts are further host names accepted with Addr's port (the name
	// other machines reach the reader by).
	Hosts []string
}

// Server is the web reader. It is an http.Handler, safe for concurrent use.
type Server struct {
	db       store.Archive
	log      *slog.Logger
	pageSize int
	pages    map[string]*template.Template
	mux      *http.ServeMux
	marks    *bluemonday.Policy
	hosts    *hostGuard
}

// New returns a reader over db, which should be opened read-only
// (backend.OpenReadOnly).
func New(db store.Archive, opt Options) (*Server, error) {
	s := &Server{db: db, log: opt.Logger, pageSize: opt.PageSize}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.pageSize <= 0 {
		s.pageSize = DefaultPageSize
	}
	hosts, err := newHostGuard(opt.Addr, opt.Hosts)
	if err != nil {
		return nil, fmt.Errorf("web: address %q: %w", opt.Addr, err)
	}
	s.hosts = hosts
	s.marks = bluemonday.NewPolicy()
	s.marks.AllowElements("mark")

	funcs := template.FuncMap{"searchHref": searchHref, "maxQuery": func() int { return store.MaxQueryRunes }}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	s.pages = make(map[string]*template.Template)
	for _, name := range []string{"list", "search", "article", "history", "runs", "error"} {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		s.pages[name] = t
	}

	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	m := http.NewServeMux()
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(filesOnly{static})))
	m.HandleFunc("GET /{$}", s.handleList)
	m.HandleFunc("GET /search", s.handleSearch)
	m.HandleFunc("GET /a", s.handleArticle)
	m.HandleFunc("GET /history", s.handleHistory)
	m.HandleFunc("GET /runs", s.handleRuns)
	m.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "页面不存在", "没有这个页面。")
	})
	s.mux = m
	return s, nil
}

// ServeHTTP serves one request, with the security headers on every
// response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if !s.guard(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// filesOnly serves the files of an FS and none of its directories, so
// that /static/ lists nothing.
type filesOnly struct{ fs.FS }

// Open opens name, or fails with fs.ErrNotExist when it is a directory.
func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}

// layoutData is what every page's layout reads.
type layoutData struct {
	Title string // page title ("" = site name only)
	Nav   string // active nav entry: list, search, runs
	Query string // search box value
	Total int    // articles in the archive
}

// render executes page with data into a buffer first, so a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("web: render", "page", page, "url", logURL(r), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

type errorPage struct {
	layoutData
	Code    int
	Message string
	Detail  string
}

// fail renders an error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, msg, detail string) {
	d := errorPage{layoutData: layoutData{Title: msg}, Code: code, Message: msg, Detail: detail}
	d.Total, _ = s.db.Count(r.Context())
	s.render(w, r, code, "error", d)
}

// failErr maps a store error to a page: ErrNotFound is a 404, a canceled
// request nothing, anything else a logged 500.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "没有找到", "存档里没有这篇文章。")
	case errors.As(err, new(*store.QueryError)):
		s.fail(w, r, http.StatusBadRequest, "搜索词太长",
			fmt.Sprintf("搜索词最多 %d 个字符、%d 个词，请缩短后再试。", store.MaxQueryRunes, store.MaxQueryTerms))
	case errors.Is(err, context.Canceled):
	default:
		s.log.Error("web: request failed", "url", logURL(r), "err", err)
		s.fail(w, r, http.StatusInternalServerError, "出错了", "读取存档时出错。")
	}
}

// logURL is the request's URL for a log line (clipped).
func logURL(r *http.Request) string { return clip(r.URL.String()) }

// clip returns the first 200 bytes of a request's string for a log line:
// a request line or header can be a megabyte long.
func clip(s string) string {
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

func (s *Server) layout(ctx context.Context, title, nav, query string) (layoutData, error) {
	n, err := s.db.Count(ctx)
	return layoutData{Title: title, Nav: nav, Query: query, Total: n}, err
}

// Links.

func articleHref(u string) string { return "/a?" + url.Values{"u": {u}}.Encode() }

func historyHref(u string) string { return "/history?" + url.Values{"u": {u}}.Encode() }

func revisionHref(u string, n int) string {
	return "/a?" + url.Values{"u": {u}, "rev": {strconv.Itoa(n)}}.Encode()
}

func searchHref(q string) string { return "/search?" + url.Values{"q": {q}}.Encode() }

// listHref links to the list filtered by site and category, on page p.
func listHref(site, category string, p int) string {
	v := url.Values{}
	if site != "" {
		v.Set("site", site)
	}
	if category != "" {
		v.Set("category", category)
	}
	if p > 1 {
		v.Set("page", strconv.Itoa(p))
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

// externalHref returns u when it is an absolute http(s) URL, else "": an
// archived page must not be able to put javascript: or data: in a link.
func externalHref(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
		return ""
	}
	return p.String()
}

// Formatting.

// fmtPublished shows a publication time in the page's own zone, with the
// time of day only when there is one.
func fmtPublished(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04")
}

// fmtLocal shows a bookkeeping time in the reader's local zone.
func fmtLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// paragraphs splits an archived body into its non-empty lines.
func paragraphs(body string) []string {
	var out []string
	for line := range strings.Lines(body) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// page reads the 1-based page number from the query.
func pageNum(r *http.Request) int {
	p, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || p < 1 {
		return 1
	}
	return min(p, 1_000_000)
}

// pager is the previous/next links of a paged list.
type pager struct {
	Page, Pages        int
	PrevHref, NextHref string
}

func newPager(p, size, total int, href func(int) string) pager {
	pg := pager{Page: p, Pages: (total + size - 1) / size}
	if p > 1 {
		pg.PrevHref = href(p - 1)
	}
	if p*size < total {
		pg.NextHref = href(p + 1)
	}
	return pg
}

// itemView is one article in a list or among search results.
type itemView struct {
	Href, Title, Site, Category, Date, Snippet string
	TitleHTML, SnippetHTML                     template.HTML // highlighted (search)
}

// facet is a site or category link with its count.
type facet struct {
	Name, Href string
	Count      int
	On         bool
}

type listPage struct {
	layoutData
	Site, Category                          string
	ClearSite, ClearCategory, AllCategories string
	Items                                   []itemView
	Sites, Categories                       []facet
	Pager                                   pager
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	site, category, p := q.Get("site"), q.Get("category"), pageNum(r)
	title := category
	if title == "" {
		title = "最新文章"
	}
	lay, err := s.layout(ctx, title, "list", "")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	sums, total, err := s.db.List(ctx, store.ListOptions{Site: site, Category: category, Offset: (p - 1) * s.pageSize, Limit: s.pageSize})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := listPage{layoutData: lay, Site: site, Category: category,
		ClearSite: listHref("", category, 1), ClearCategory: listHref(site, "", 1), AllCategories: listHref(site, "", 1)}
	for _, sm := range sums {
		d.Items = append(d.Items, itemView{Href: articleHref(sm.URL), Title: orUntitled(sm.Title), Site: sm.Site,
			Category: sm.Category, Date: fmtPublished(sm.Published)})
	}
	d.Pager = newPager(p, s.pageSize, total, func(n int) string { return listHref(site, category, n) })
	sites, err := s.db.Sites(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	for _, nc := range sites {
		d.Sites = append(d.Sites, facet{Name: orNone(nc.Name), Href: listHref(nc.Name, "", 1), Count: nc.Count, On: nc.Name == site})
	}
	cats, err := s.db.Categories(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	for _, nc := range cats {
		if nc.Name == "" {
			continue
		}
		d.Categories = append(d.Categories, facet{Name: nc.Name, Href: listHref(site, nc.Name, 1), Count: nc.Count, On: nc.Name == category})
	}
	s.render(w, r, http.StatusOK, "list", d)
}

func orUntitled(t string) string {
	if strings.TrimSpace(t) == "" {
		return "（无标题）"
	}
	return t
}

func orNone(s string) string {
	if s == "" {
		return "（未知）"
	}
	return s
}

type searchPage struct {
	layoutData
	Site      string
	ClearSite string
	Count     int
	More      bool // more hits than Count
	Hits      []itemView
	Pager     pager
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	query, site, p := strings.TrimSpace(q.Get("q")), q.Get("site"), pageNum(r)
	title := "搜索"
	if query != "" {
		title = query + " - 搜索"
	}
	lay, err := s.layout(ctx, title, "search", query)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := searchPage{layoutData: lay, Site: site}
	if query != "" {
		hits, total, more, err := s.search(ctx, query, site, (p-1)*s.pageSize, s.pageSize)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		d.Hits, d.Count, d.More = hits, total, more
		href := func(n int) string {
			v := url.Values{"q": {query}}
			if site != "" {
				v.Set("site", site)
			}
			if n > 1 {
				v.Set("page", strconv.Itoa(n))
			}
			return "/search?" + v.Encode()
		}
		d.Pager = pager{Page: p}
		if p > 1 {
			d.Pager.PrevHref = href(p - 1)
		}
		if more {
			d.Pager.NextHref = href(p + 1)
		} else if total > 0 {
			d.Pager.Pages = (total + s.pageSize - 1) / s.pageSize
		}
		d.ClearSite = searchHref(query)
	}
	s.render(w, r, http.StatusOK, "search", d)
}

// docView is an article (or one earlier version of it) as the article page
// shows it.
type docView struct {
	Title, Site, Category, Date, Source, Author, Fetched string
	OriginalHref                                         string
	Breadcrumb                                           []crumb
	Keywords, Paragraphs                                 []string
	BodyHTML                                             template.HTML // the body's structure (current version), else Paragraphs
}

// crumb is one breadcrumb entry; Href is set for the article's category.
type crumb struct{ Name, Href string }

// crumbs returns the archived breadcrumb without its leading home entry
// (the reader shows its own), the category linked to its list.
func crumbs(bc []string, category string) []crumb {
	var out []crumb
	for i, name := range bc {
		name = strings.TrimSpace(name)
		if name == "" || i == 0 && (name == "首页" || name == "主页" || strings.EqualFold(name, "home")) {
			continue
		}
		c := crumb{Name: name}
		if name == category {
			c.Href = listHref("", category, 1)
		}
		out = append(out, c)
	}
	return out
}

// cardView is one related card.
type cardView struct {
	Title, Snippet, Category, Date string
	Href                           string // archived copy, original, or "" (unsafe URL)
	Archived                       bool
}

// oldView says which earlier version is shown.
type oldView struct {
	N, Of int
	Date  string
}

type articlePage struct {
	layoutData
	Doc                      docView
	Cards                    []cardView
	Revisions                int
	Removed                  string // when the original first answered 404/410; "" = still online
	Old                      *oldView
	CurrentHref, HistoryHref string
}

func (s *Server) handleArticle(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := r.URL.Query().Get("u")
	if u == "" {
		s.fail(w, r, http.StatusNotFound, "没有找到", "缺少文章地址。")
		return
	}
	rec, err := s.db.Get(ctx, u)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	info, err := s.db.Info(ctx, u)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := articlePage{Revisions: info.Revisions, CurrentHref: articleHref(u), HistoryHref: historyHref(u)}
	if !info.RemovedAt.IsZero() {
		d.Removed = fmtLocal(info.RemovedAt)
	}
	d.Doc = docView{Title: orUntitled(rec.Title), Site: rec.Site, Category: rec.Category, Date: publishedText(rec.Published, rec.PublishedRaw),
		Source: rec.Source, Author: rec.Author, Fetched: fmtLocal(rec.FetchedAt), OriginalHref: externalHref(rec.URL),
		Breadcrumb: crumbs(rec.Breadcrumb, rec.Category), Keywords: rec.Keywords, Paragraphs: paragraphs(rec.Body),
		BodyHTML: bodyHTML(rec.BodyHTML)}
	if rv := r.URL.Query().Get("rev"); rv != "" {
		n, err := strconv.Atoi(rv)
		revs, rerr := s.db.Revisions(ctx, u)
		if rerr != nil {
			s.failErr(w, r, rerr)
			return
		}
		if err != nil || n < 1 || n > len(revs) {
			s.fail(w, r, http.StatusNotFound, "没有找到", "没有这个版本。")
			return
		}
		old := revs[n-1]
		d.Old = &oldView{N: n, Of: len(revs), Date: fmtLocal(old.FetchedAt)}
		d.Doc = docView{Title: orUntitled(old.Title), Site: rec.Site, Category: old.Category, Date: publishedText(old.Published, old.PublishedRaw),
			Source: old.Source, Author: old.Author, Fetched: fmtLocal(old.FetchedAt), OriginalHref: d.Doc.OriginalHref,
			Breadcrumb: crumbs(old.Breadcrumb, old.Category), Keywords: old.Keywords, Paragraphs: paragraphs(old.Body)}
	}
	if d.Cards, err = s.cardViews(ctx, rec.Cards); err != nil {
		s.failErr(w, r, err)
		return
	}
	lay, err := s.layout(ctx, d.Doc.Title, "list", "")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.layoutData = lay
	s.render(w, r, http.StatusOK, "article", d)
}

// publishedText is the formatted date, or the raw date text when it could
// not be parsed.
func publishedText(t *time.Time, raw string) string {
	if s := fmtPublished(t); s != "" {
		return s
	}
	return raw
}

// cardViews links each card to its archived copy when the archive has it,
// else to the original when that is an http(s) URL, else nowhere.
func (s *Server) cardViews(ctx context.Context, cards []extract.Card) ([]cardView, error) {
	var out []cardView
	for _, c := range cards {
		cv := cardView{Title: orUntitled(c.Title), Snippet: c.Snippet, Category: c.Category, Date: c.Date}
		if ext := externalHref(c.URL); ext != "" {
			// Pages are archived under their canonical URL (see
			// crawler.Normalize); a card may spell it otherwise.
			key := ext
			if canon, err := crawler.Normalize(ext); err == nil {
				key = canon
			}
			_, err := s.db.Info(ctx, key)
			if errors.Is(err, store.ErrNotFound) && key != ext {
				key = ext
				_, err = s.db.Info(ctx, key)
			}
			switch {
			case err == nil:
				cv.Href, cv.Archived = articleHref(key), true
			case errors.Is(err, store.ErrNotFound):
				cv.Href = ext
			default:
				return nil, err
			}
		}
		out = append(out, cv)
	}
	return out, nil
}

// revView is one row of a page's history.
type revView struct {
	N                 int
	Date, Title, Href string
	Chars             int
	Current           bool
}

type historyPage struct {
	layoutData
	URL, PageTitle, CurrentHref string
	Revs                        []revView
}

func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := r.URL.Query().Get("u")
	revs, err := s.db.Revisions(ctx, u)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if len(revs) == 0 {
		s.failErr(w, r, store.ErrNotFound)
		return
	}
	cur := revs[len(revs)-1]
	lay, err := s.layout(ctx, "历史版本 · "+orUntitled(cur.Title), "list", "")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := historyPage{layoutData: lay, URL: u, PageTitle: orUntitled(cur.Title), CurrentHref: articleHref(u)}
	for i := len(revs) - 1; i >= 0; i-- {
		rv := revs[i]
		d.Revs = append(d.Revs, revView{N: i + 1, Date: fmtLocal(rv.FetchedAt), Title: orUntitled(rv.Title),
			Href: revisionHref(u, i+1), Chars: len([]rune(rv.Body)), Current: i == len(revs)-1})
	}
	s.render(w, r, http.StatusOK, "history", d)
}

// runView is one row of the runs page.
type runView struct {
	finarchive.Run
	Started, Finished, StatusText string
}

var statusText = map[string]string{
	finarchive.RunRunning:     "进行中",
	finarchive.RunFinished:    "完成",
	finarchive.RunFailed:      "部分失败",
	finarchive.RunInterrupted: "已中断",
	finarchive.RunError:       "出错",
}

type runsPage struct {
	layoutData
	Runs []runView
}

func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lay, err := s.layout(ctx, "抓取记录", "runs", "")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	runs, err := s.db.Runs(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := runsPage{layoutData: lay}
	for _, run := range runs {
		st := statusText[run.Status]
		if st == "" {
			st = run.Status
		}
		d.Runs = append(d.Runs, runView{Run: run, Started: fmtLocal(run.StartedAt), Finished: fmtLocal(run.FinishedAt), StatusText: st})
	}
	s.render(w, r, http.StatusOK, "runs", d)
}
