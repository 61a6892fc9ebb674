package testsite

import (
	"fmt"
	"hash/fnv"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind names one kind of injected fault.
type FaultKind string

// The fault kinds.
const (
	FaultNone      FaultKind = ""
	Fault500       FaultKind = "500"
	Fault503       FaultKind = "503"
	Fault429       FaultKind = "429"        // with Retry-After: seconds, or (one time in three) an HTTP date
	FaultReset     FaultKind = "reset"      // the connection is hijacked and closed (RST) without a response
	FaultHang      FaultKind = "hang"       // no response for HangMax (aborted when the client goes away), then 503
	FaultSoftBlock FaultKind = "soft-block" // 200 with a captcha / 访问过于频繁，请稍后再试 page
	FaultEmpty     FaultKind = "empty"      // 200 with an empty-shell page (a JS app root, no content)
)

// Faults configures fault injection. Each Rate is the probability that one
// request fails that way; the decision is a pure function of (Seed, path+
// query, attempt number), so a run is reproducible. A URL fails at most
// MaxPerURL times, then always succeeds, so a crawler with enough retries
// archives everything. /robots.txt and sitemaps never fail.
type Faults struct {
	Rate500       float64
	Rate503       float64
	Rate429       float64
	RateReset     float64
	RateHang      float64
	RateSoftBlock float64
	RateEmpty     float64

	MaxPerURL  int           // K: faults per URL at most (default 2)
	HangMax    time.Duration // how long a hang lasts at most (default 3s)
	RetryAfter time.Duration // Retry-After sent with 429, rounded up to whole seconds (default 1s)
	Seed       int64         // decision seed (default: the site's seed)
	// Prefixes, when set, limits faults to paths starting with one of them
	// (e.g. "/zixun/").
	Prefixes []string
}

// retryRecord is one 429 sent.
type retryRecord struct {
	key       string
	sent      time.Time // arrival time of the request answered with 429
	notBefore time.Time // no request of key should come before this
	header    string    // the Retry-After value sent
}

// SetFaults sets the fault mode and clears the per-URL fault counters and
// 429 records. The zero Faults turns faults off.
func (s *Site) SetFaults(f Faults) {
	if f.MaxPerURL <= 0 {
		f.MaxPerURL = 2
	}
	if f.HangMax <= 0 {
		f.HangMax = 3 * time.Second
	}
	if f.RetryAfter <= 0 {
		f.RetryAfter = time.Second
	}
	if f.Seed == 0 {
		f.Seed = s.opt.Seed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.failures = map[string]int{}
	s.attempts = map[string]int{}
	s.retryRecs = nil
}

// FaultFor returns the fault a request of path+query key gets on its
// attempt-th try (counting from 0) under f, ignoring MaxPerURL. Tests use it
// to predict the site.
func FaultFor(f Faults, key string, attempt int) FaultKind {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%d", f.Seed, key, attempt)
	u := float64(h.Sum64()>>11) / float64(1<<53)
	for _, c := range []struct {
		rate float64
		kind FaultKind
	}{
		{f.Rate500, Fault500}, {f.Rate503, Fault503}, {f.Rate429, Fault429},
		{f.RateReset, FaultReset}, {f.RateHang, FaultHang},
		{f.RateSoftBlock, FaultSoftBlock}, {f.RateEmpty, FaultEmpty},
	} {
		if u < c.rate {
			return c.kind
		}
		u -= c.rate
	}
	return FaultNone
}

func (f Faults) active() bool {
	return f.Rate500+f.Rate503+f.Rate429+f.RateReset+f.RateHang+f.RateSoftBlock+f.RateEmpty > 0
}

// decideFault picks the fault for this request and counts it against the
// URL's budget.
func (s *Site) decideFault(path, key string, attempt int) FaultKind {
	if path == "/robots.txt" || strings.HasPrefix(path, "/sitemap") {
		return FaultNone
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if !f.active() || s.failures[key] >= f.MaxPerURL {
		return FaultNone
	}
	if len(f.Prefixes) > 0 {
		ok := false
		for _, p := range f.Prefixes {
			ok = ok || strings.HasPrefix(path, p)
		}
		if !ok {
			return FaultNone
		}
	}
	kind := FaultFor(f, key, attempt)
	if kind != FaultNone {
		s.failures[key]++
		s.stats.Faults++
		s.stats.FaultsBy[kind]++
	}
	return kind
}

// inject writes the fault kind as the response.
func (s *Site) inject(w http.ResponseWriter, r *http.Request, key string, kind FaultKind, arrived time.Time) {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	status := 0
	var body string
	switch kind {
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case FaultHang:
		if !sleepCtx(r.Context(), f.HangMax) {
			return
		}
		status, body = http.StatusServiceUnavailable, errorPage("503 Service Unavailable", "服务器繁忙，请稍后再试。")
	case Fault500:
		status, body = http.StatusInternalServerError, errorPage("500 Internal Server Error", "服务器内部错误。")
	case Fault503:
		status, body = http.StatusServiceUnavailable, errorPage("503 Service Unavailable", "服务暂时不可用。")
	case Fault429:
		secs := int(math.Ceil(f.RetryAfter.Seconds()))
		now := time.Now()
		rec := retryRecord{key: key, sent: arrived}
		s.mu.Lock()
		n := s.failures[key]
		s.mu.Unlock()
		if FaultFor(Faults{Seed: f.Seed, Rate500: 1.0 / 3}, key+"#date", n) == Fault500 {
			// An HTTP date, whole seconds, rounded up.
			t := now.Add(time.Duration(secs) * time.Second).Truncate(time.Second).Add(time.Second)
			rec.notBefore = t
			rec.header = t.UTC().Format(http.TimeFormat)
		} else {
			rec.notBefore = now.Add(time.Duration(secs) * time.Second)
			rec.header = strconv.Itoa(secs)
		}
		w.Header().Set("Retry-After", rec.header)
		s.mu.Lock()
		s.retryRecs = append(s.retryRecs, rec)
		s.mu.Unlock()
		status, body = http.StatusTooManyRequests, errorPage("429 Too Many Requests", "访问过于频繁，请稍后再试。")
	case FaultSoftBlock:
		status, body = http.StatusOK, softBlockPage
	case FaultEmpty:
		status, body = http.StatusOK, emptyShellPage
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	n, _ := w.Write([]byte(body))
	s.mu.Lock()
	s.stats.Status[status]++
	if status == http.StatusOK {
		s.stats.OK++
	}
	s.stats.Bytes += int64(n)
	s.mu.Unlock()
}

// RetryAfterViolations lists every request that came before the time a
// 429's Retry-After allowed, e.g. "/zixun/10001.html: requested at
// 12:00:00.100, 429 at 12:00:00.050 said not before 12:00:01.050". Empty
// means the client honoured every Retry-After.
func (s *Site) RetryAfterViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, rec := range s.retryRecs {
		for _, t := range s.times[rec.key] {
			if t.After(rec.sent) && t.Before(rec.notBefore) {
				out = append(out, fmt.Sprintf("%s: requested at %s, 429 at %s said not before %s",
					rec.key, t.Format("15:04:05.000"), rec.sent.Format("15:04:05.000"), rec.notBefore.Format("15:04:05.000")))
			}
		}
	}
	return out
}

// RetryAfterRecord is one 429 the site sent.
type RetryAfterRecord struct {
	Key       string    // path+query
	Sent      time.Time // arrival of the request answered with 429
	NotBefore time.Time // the time Retry-After allowed the next request
	Header    string    // the Retry-After value sent: seconds or an HTTP date
}

// RetryAfters returns every 429 sent since SetFaults or ResetRequests.
func (s *Site) RetryAfters() []RetryAfterRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RetryAfterRecord, len(s.retryRecs))
	for i, r := range s.retryRecs {
		out[i] = RetryAfterRecord{Key: r.key, Sent: r.sent, NotBefore: r.notBefore, Header: r.header}
	}
	return out
}

func errorPage(title, msg string) string {
	return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body><h1>" +
		title + "</h1><p>" + msg + "</p></body></html>"
}

const softBlockPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>安全验证</title></head>
<body><div class="verify">
<h2>访问过于频繁，请稍后再试</h2>
<p>系统检测到您的网络存在异常访问，请完成下方验证后继续访问。</p>
<div class="captcha"><img src="/captcha.png" alt="验证码"><input name="code" placeholder="请输入验证码"><button>提交</button></div>
</div></body></html>`

const emptyShellPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>某某财经网</title>
<script src="/static/app.js"></script></head>
<body><div id="app"></div><noscript>请开启JavaScript后访问本站。</noscript></body></html>`
