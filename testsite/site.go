package testsite

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// Options configures a Site.
type Options struct {
	Articles int           // number of articles (default 60)
	Seed     int64         // generation seed (default 1)
	Delay    time.Duration // optional delay before every response
}

// Stats are the site's totals since New or the last ResetRequests.
type Stats struct {
	Requests    int64               // requests received
	OK          int64               // 200 responses
	NotModified int64               // 304 responses
	Status      map[int]int64       // responses per status code (resets and hangs cut short not included)
	Bytes       int64               // response body bytes written
	Faults      int64               // faults injected
	FaultsBy    map[FaultKind]int64 // faults injected per kind
}

// Site is the test site. Its methods are safe for concurrent use.
type Site struct {
	opt     Options
	version atomic.Int64
	removed sync.Map // article index → the status (404 or 410) it now answers

	srvMu sync.Mutex
	srv   *http.Server
	base  string

	mu        sync.Mutex
	faults    Faults
	counts    map[string]int         // requests per path+query
	times     map[string][]time.Time // request times per path+query
	failures  map[string]int         // faults injected per path+query
	attempts  map[string]int         // requests per path+query since SetFaults
	retryRecs []retryRecord
	stats     Stats
}

// New returns a site with the given options; zero fields take their
// defaults.
func New(opt Options) *Site {
	if opt.Articles <= 0 {
		opt.Articles = 60
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	s := &Site{opt: opt}
	s.resetLocked()
	return s
}

// resetLocked clears the request bookkeeping; s.mu must be held (or s not
// yet shared).
func (s *Site) resetLocked() {
	s.counts = map[string]int{}
	s.times = map[string][]time.Time{}
	s.failures = map[string]int{}
	s.attempts = map[string]int{}
	s.retryRecs = nil
	s.stats = Stats{Status: map[int]int64{}, FaultsBy: map[FaultKind]int64{}}
}

// Articles returns the number of articles.
func (s *Site) Articles() int { return s.opt.Articles }

// Handler returns the site's HTTP handler, usable with httptest.
func (s *Site) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Start serves the site on 127.0.0.1 on a free port with a real
// http.Server and returns its base URL, e.g. http://127.0.0.1:41234.
func (s *Site) Start() (string, error) { return s.StartOn("127.0.0.1:0") }

// StartOn is Start on the given address (e.g. "127.0.0.1:8080" for the
// demo command).
func (s *Site) StartOn(addr string) (string, error) {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv != nil {
		return "", errors.New("testsite: start: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("testsite: start on %s: %w", addr, err)
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.base = "http://" + ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	return s.base, nil
}

// Close stops the server started by Start, closing open connections (hung
// responses are aborted). It is a no-op when the site was not started.
func (s *Site) Close() error {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	s.srv = nil
	if err != nil {
		return fmt.Errorf("testsite: close: %w", err)
	}
	return nil
}

// URL returns the base URL after Start ("" before).
func (s *Site) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.base
}

// SetVersion switches the content version. Going from version v-1 to v
// edits the articles with index%10 == v%10 (a body paragraph, and the title
// every other edit): their truth, ETag and Last-Modified change. The related
// cards of every article rotate with the version, which is not a content
// change. Version 0 is the original content.
func (s *Site) SetVersion(v int) { s.version.Store(int64(v)) }

// Remove takes article i off the site: from now on its page answers
// status (404 or 410, with an error page) while the lists still link to
// it, as when a site deletes an article.
func (s *Site) Remove(i, status int) { s.removed.Store(i, status) }

// Version returns the current content version.
func (s *Site) Version() int { return int(s.version.Load()) }

// Requests returns a snapshot of the request count per path+query (the
// request URI as sent, e.g. "/list/daikuan/2.html" or
// "/calendar/?month=2023-11").
func (s *Site) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// RequestTimes returns a snapshot of when each path+query was requested, in
// arrival order.
func (s *Site) RequestTimes() map[string][]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]time.Time, len(s.times))
	for k, v := range s.times {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

// ResetRequests clears request counts, times, stats, 429 records and the
// per-URL fault counters.
func (s *Site) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

// Stats returns a snapshot of the totals.
func (s *Site) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Status = make(map[int]int64, len(s.stats.Status))
	for k, v := range s.stats.Status {
		st.Status[k] = v
	}
	st.FaultsBy = make(map[FaultKind]int64, len(s.stats.FaultsBy))
	for k, v := range s.stats.FaultsBy {
		st.FaultsBy[k] = v
	}
	return st
}

// ArticleURLs returns the URL of every article, absolute against base
// (e.g. "http://127.0.0.1:41234"), in index order.
func (s *Site) ArticleURLs(base string) []string {
	base = trimBase(base)
	out := make([]string, s.opt.Articles)
	for i := range out {
		out[i] = base + s.meta(i, 0).path()
	}
	return out
}

// ArticleURL returns the URL of article i absolute against base.
func (s *Site) ArticleURL(base string, i int) string {
	return trimBase(base) + s.meta(i, 0).path()
}

// TemplateOf returns the template of article i.
func (s *Site) TemplateOf(i int) Template { return Template(i % int(numTemplates)) }

// ChangedArticles returns the URLs (absolute against base) of the articles
// whose content differs between version v-1 and version v: those with
// index%10 == v%10. It is empty for v < 1.
func (s *Site) ChangedArticles(v int, base string) []string {
	return s.ChangedBetween(v-1, v, base)
}

// ChangedBetween returns the URLs of the articles whose content differs
// between versions from and to.
func (s *Site) ChangedBetween(from, to int, base string) []string {
	base = trimBase(base)
	var out []string
	for i := 0; i < s.opt.Articles; i++ {
		if rev(i, from) != rev(i, to) {
			out = append(out, base+s.meta(i, 0).path())
		}
	}
	return out
}

// Truth returns the true record of every article at the current version,
// in index order, with URLs absolute against base. Site is base's host
// (with port); PageType is extract.PageArticle; ContentHash is Hash();
// FetchedAt is zero.
func (s *Site) Truth(base string) []extract.Record {
	base = trimBase(base)
	v := s.Version()
	out := make([]extract.Record, s.opt.Articles)
	for i := range out {
		out[i] = s.truth(s.full(i, v), v, base)
	}
	return out
}

// TruthSeq yields the true record of every article, like Truth, one at a
// time, so a benchmark over 100,000 articles need not hold them all.
func (s *Site) TruthSeq(base string) iter.Seq2[int, extract.Record] {
	base = trimBase(base)
	v := s.Version()
	return func(yield func(int, extract.Record) bool) {
		for i := 0; i < s.opt.Articles; i++ {
			if !yield(i, s.truth(s.full(i, v), v, base)) {
				return
			}
		}
	}
}

// TruthOf returns the true record of article i at the current version.
func (s *Site) TruthOf(base string, i int) extract.Record {
	v := s.Version()
	return s.truth(s.full(i, v), v, trimBase(base))
}

func trimBase(base string) string {
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}

// record notes one request and returns its attempt number for fault
// decisions (0 for the first request since SetFaults).
func (s *Site) record(key string, now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[key]++
	s.times[key] = append(s.times[key], now)
	s.stats.Requests++
	n := s.attempts[key]
	s.attempts[key]++
	return n
}

// countingWriter counts status and bytes of a response.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush forwards to the underlying writer when it can flush.
func (w *countingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	key := r.URL.RequestURI()
	now := time.Now()
	attempt := s.record(key, now)
	if s.opt.Delay > 0 {
		if !sleepCtx(r.Context(), s.opt.Delay) {
			return
		}
	}
	if kind := s.decideFault(r.URL.Path, key, attempt); kind != FaultNone {
		s.inject(w, r, key, kind, now)
		return
	}
	cw := &countingWriter{ResponseWriter: w}
	s.route(cw, r)
	s.mu.Lock()
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	s.stats.Status[cw.status]++
	switch cw.status {
	case http.StatusOK:
		s.stats.OK++
	case http.StatusNotModified:
		s.stats.NotModified++
	}
	s.stats.Bytes += cw.bytes
	s.mu.Unlock()
}

// sleepCtx sleeps for d or until ctx is done; it reports whether the full
// time passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
