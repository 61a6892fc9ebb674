package crawltest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Farm is many small sites, each on its own loopback address (127.0.x.y:
// Linux routes all of 127/8 to lo), so a crawl of them is a crawl of many
// hosts. Each site has a home page linking to its articles, a robots.txt
// and no sitemap. Every request's start is recorded on the server side,
// with the number of the host's requests in flight at that moment, so a
// test or benchmark can check politeness as the sites see it. On Linux a
// start is when the request's first bytes reached the kernel (a receive
// timestamp, see arrivalListener), so a stall of the process the sites run
// in does not move it; elsewhere it is when the request is handled.
type Farm struct {
	Hosts []*FarmHost
}

// FarmHost is one site of a Farm.
type FarmHost struct {
	Base     string // http://127.0.x.y:port
	Articles int
	// Robots is the robots.txt body; "" answers 404.
	Robots string
	// Handle, when set, answers a request first; it returns false to let
	// the site answer as usual.
	Handle func(w http.ResponseWriter, r *http.Request) bool

	srv *http.Server
	ln  net.Listener

	mu       sync.Mutex
	inflight int
	starts   []Start
	conns    int
}

// Start is one request as the server saw it.
type Start struct {
	// At is when the request's first bytes reached the site's kernel
	// (Kernel true), or else when it was handled.
	At      time.Time
	Handled time.Time // when the site's handler got the request
	Kernel  bool      // At is a kernel receive timestamp
	// Conn numbers the host's connections in the order they were
	// accepted (from 1); First is the connection's first request.
	Conn     int
	First    bool
	Path     string
	InFlight int // the host's requests in flight, this one included
}

// StartFarm starts n sites of articles articles each, on 127.0.1.1,
// 127.0.1.2 and so on. Close stops them.
func StartFarm(n, articles int) (*Farm, error) {
	f := &Farm{}
	for i := range n {
		ip := fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250)
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("crawltest: listen on %s: %w", ip, err)
		}
		ln = newArrivalListener(ln)
		h := &FarmHost{Base: "http://" + ln.Addr().String(), Articles: articles, ln: ln}
		h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnContext: h.connContext}
		go func() { _ = h.srv.Serve(ln) }()
		f.Hosts = append(f.Hosts, h)
	}
	return f, nil
}

// Close stops every site.
func (f *Farm) Close() {
	for _, h := range f.Hosts {
		_ = h.srv.Close()
	}
}

// Seeds returns each site's home page.
func (f *Farm) Seeds() []string {
	out := make([]string, len(f.Hosts))
	for i, h := range f.Hosts {
		out[i] = h.Base + "/"
	}
	return out
}

// Requests returns how many requests the sites got in all.
func (f *Farm) Requests() int {
	n := 0
	for _, h := range f.Hosts {
		n += len(h.Starts())
	}
	return n
}

// Starts returns the host's requests in the order they started.
func (h *FarmHost) Starts() []Start {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]Start(nil), h.starts...)
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// Reset forgets the requests seen so far.
func (h *FarmHost) Reset() {
	h.mu.Lock()
	h.starts = nil
	h.mu.Unlock()
}

// ArticleURL returns the URL of article i.
func (h *FarmHost) ArticleURL(i int) string { return fmt.Sprintf("%s/a/%d.html", h.Base, i) }

// farmConn is what the site knows of one connection.
type farmConn struct {
	c        net.Conn
	n        int
	requests int
}

type connKey struct{}

// connContext numbers a new connection and keeps it in its requests'
// context.
func (h *FarmHost) connContext(ctx context.Context, c net.Conn) context.Context {
	h.mu.Lock()
	h.conns++
	fc := &farmConn{c: c, n: h.conns}
	h.mu.Unlock()
	return context.WithValue(ctx, connKey{}, fc)
}

// ServeHTTP answers one request of the site.
func (h *FarmHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := Start{Handled: time.Now(), Path: r.URL.Path}
	s.At = s.Handled
	if fc, ok := r.Context().Value(connKey{}).(*farmConn); ok {
		fc.requests++ // a connection's requests are handled one at a time
		s.Conn, s.First = fc.n, fc.requests == 1
		if ac, ok := fc.c.(*arrivalConn); ok {
			if at, kernel := ac.take(); !at.IsZero() {
				s.At, s.Kernel = at, kernel
			}
		}
	}
	h.mu.Lock()
	h.inflight++
	s.InFlight = h.inflight
	h.starts = append(h.starts, s)
	h.mu.Unlock()
	// The request counts as in flight until its answer is written; the
	// count drops just before the last write, so a client that reads the
	// answer and sends the next request at once is never counted twice.
	done := func() {
		h.mu.Lock()
		h.inflight--
		h.mu.Unlock()
	}
	if h.Handle != nil && h.Handle(w, r) {
		done()
		return
	}
	var body string
	status := http.StatusOK
	switch {
	case r.URL.Path == "/robots.txt":
		if h.Robots == "" {
			status, body = http.StatusNotFound, "not found"
		} else {
			body = h.Robots
		}
		w.Header().Set("Content-Type", "text/plain")
	case r.URL.Path == "/":
		var b strings.Builder
		b.WriteString(`<html><head><title>金融资讯首页</title></head><body><h1>金融资讯</h1><ul>`)
		for i := range h.Articles {
			fmt.Fprintf(&b, `<li><a href="/a/%d.html">信用卡资讯第%d篇</a></li>`, i, i)
		}
		b.WriteString(`</ul></body></html>`)
		body = b.String()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case strings.HasPrefix(r.URL.Path, "/a/"):
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/a/%d.html", &n); err != nil || n < 0 || n >= h.Articles {
			status, body = http.StatusNotFound, "not found"
			break
		}
		body = articlePage(h.Base, n)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	default:
		status, body = http.StatusNotFound, "not found"
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	done()
	_, _ = w.Write([]byte(body))
}

func articlePage(base string, n int) string {
	return fmt.Sprintf(`<html><head><title>信用卡分期还款怎么算利息（%[2]d）_金融资讯</title></head><body>
<div class="crumbs"><a href="/">首页</a> &gt; <a href="/">信用卡</a></div>
<h1>信用卡分期还款怎么算利息（%[2]d）</h1>
<div class="info">发布时间：2024-03-%02[3]d 10:00 来源：%[1]s</div>
<div class="content">
<p>信用卡分期还款是持卡人常用的还款方式之一，银行一般按期收取手续费，折算成年化利率往往比名义费率高出不少，办理之前需要仔细计算。</p>
<p>以一万元分十二期为例，每期手续费率百分之零点六，每月需要支付六十元手续费，一年合计七百二十元，而本金是逐月减少的，所以实际年化利率接近百分之十三。</p>
<p>提前还款时，部分银行仍然收取剩余期数的手续费，也有银行只收取已经发生的部分，具体规则以发卡银行的公告和合同为准。</p>
<p>如果资金周转只是短期困难，可以先比较最低还款、账单分期和现金分期的成本，再结合自己的收入情况选择合适的方式，避免产生逾期记录。</p>
</div></body></html>`, base, n, 1+n%28)
}
