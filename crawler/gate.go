package crawler

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// HostGate is per-host politeness shared by several crawlers (the sites of
// one `schedule` daemon): whatever crawler asks, a host has at most a given
// number of requests in flight and a minimum gap between two request starts.
// A crawler sends all its requests (pages, robots.txt, sitemaps) through
// it (Crawler.UseGate, see Transport), on top of its own per-crawl limits. A
// nil *HostGate lets every request through. It is safe for concurrent use.
type HostGate struct {
	limit int           // default requests in flight per host
	gap   time.Duration // default minimum gap between request starts

	mu    sync.Mutex
	hosts map[string]*gateHost
}

type gateHost struct {
	set   bool // SetLimit was called: limit and gap replace the defaults
	limit int
	gap   time.Duration
	slots chan struct{} // made on first use, with the limit then in force
	next  time.Time     // the earliest start of the next request
}

// NewHostGate returns a gate allowing, per host, limit requests in flight
// (at least 1) and starts at least gap apart, unless SetLimit tightens them.
func NewHostGate(limit int, gap time.Duration) *HostGate {
	return &HostGate{limit: max(limit, 1), gap: max(gap, 0), hosts: map[string]*gateHost{}}
}

// SetLimit sets the limits of one host, in place of the gate's defaults.
// Called again for the same host, the smaller limit and the larger gap win,
// so when two sites share a host the stricter politeness holds. It takes
// effect only before the host's first request.
func (g *HostGate) SetLimit(host string, limit int, gap time.Duration) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.host(host)
	limit = max(limit, 1)
	if !h.set || limit < h.limit {
		h.limit = limit
	}
	if !h.set || gap > h.gap {
		h.gap = max(gap, 0)
	}
	h.set = true
}

// host returns the state of host, creating it; g.mu is held.
func (g *HostGate) host(host string) *gateHost {
	h := g.hosts[host]
	if h == nil {
		h = &gateHost{}
		g.hosts[host] = h
	}
	return h
}

// Acquire waits until a request to host may start: a slot is free and the
// gap since the previous start has passed. It returns the function that
// frees the slot, to call when the response is read, or ctx's error. On a
// nil gate it returns at once.
func (g *HostGate) Acquire(ctx context.Context, host string) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	g.mu.Lock()
	h := g.host(host)
	if h.slots == nil {
		if !h.set {
			h.limit, h.gap = g.limit, g.gap
		}
		h.slots = make(chan struct{}, h.limit)
	}
	slots := h.slots
	g.mu.Unlock()

	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	release = func() { once.Do(func() { <-slots }) }

	g.mu.Lock()
	now := time.Now()
	start := h.next
	if start.Before(now) {
		start = now
	}
	h.next = start.Add(h.gap)
	g.mu.Unlock()
	if wait := time.Until(start); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}

// Transport returns rt with every request waiting on the gate for its
// host first; the request's slot is freed when its response body is closed
// (or at once when there is no response). On a nil gate it returns rt.
func (g *HostGate) Transport(rt http.RoundTripper) http.RoundTripper {
	if g == nil {
		return rt
	}
	return &gatedTransport{gate: g, rt: rt}
}

type gatedTransport struct {
	gate *HostGate
	rt   http.RoundTripper
}

func (t *gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	release, err := t.gate.Acquire(req.Context(), req.URL.Host)
	if err != nil {
		return nil, err
	}
	resp, err := t.rt.RoundTrip(req)
	if err != nil || resp.Body == nil {
		release()
		return resp, err
	}
	resp.Body = &gatedBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// gatedBody frees its request's slot when closed.
type gatedBody struct {
	io.ReadCloser
	release func()
}

func (b *gatedBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
