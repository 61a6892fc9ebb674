package crawler

import (
	"context"
	"crypto/tls"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/finarchive/finarchive"
)

// HostGate holds the politeness state of each host: how many requests are
// in flight (at most its parallelism) and when the next one may start (the
// previous start plus its gap: --delay, raised by a robots.txt
// Crawl-delay, plus a random extra up to --random-delay), and until when a
// host that pushed back (429, 503, a soft block) is parked. A crawl asks it
// before each request; it never sleeps: TryAcquire says when to ask again.
// One gate may be shared by several crawlers (the sites of one `schedule`
// daemon): a host then has these limits whichever crawler asks. It is safe
// for concurrent use.
type HostGate struct {
	limit  int           // default parallelism of a host
	gap    time.Duration // default gap between request starts
	random time.Duration // default extra random gap, up to this

	mu       sync.Mutex
	hosts    map[string]*gateHost
	watchers []watcher // replaced, never changed in place: notify reads it without copying
	nextW    int

	global *globalTiming // set before use: timing kept by a HostTimer (timed.go)
}

type watcher struct {
	id int
	fn func(host string)
}

type gateHost struct {
	set        bool // SetLimit was called: the fields replace the gate's defaults
	limit      int
	gap        time.Duration
	random     time.Duration
	crawlDelay time.Duration // robots.txt Crawl-delay (already capped)
	inflight   int
	unstarted  int       // slots handed out whose request has not started yet
	next       time.Time // earliest start of the next request
	lastStart  time.Time // of the latest request
	parked     time.Time // no request before this (backoff, Retry-After)
}

// NewHostGate returns a gate allowing, per host, limit requests in flight
// (at least 1) and starts at least gap apart (plus a random extra up to
// random), unless SetLimit says otherwise for a host.
func NewHostGate(limit int, gap, random time.Duration) *HostGate {
	return &HostGate{limit: max(limit, 1), gap: max(gap, 0), random: max(random, 0),
		hosts: map[string]*gateHost{}}
}

// SetLimit sets the limits of one host. Called again for the same host, the
// smaller parallelism and the larger gaps win, so when two sites share a
// host the stricter politeness holds.
func (g *HostGate) SetLimit(host string, limit int, gap, random time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.host(host)
	limit = max(limit, 1)
	if g.global != nil {
		gap, random = 0, 0 // the HostTimer keeps them
	}
	if !h.set {
		h.limit, h.gap, h.random = limit, max(gap, 0), max(random, 0)
		h.set = true
		return
	}
	h.limit = min(h.limit, limit)
	h.gap = max(h.gap, gap)
	h.random = max(h.random, random)
}

// SetCrawlDelay raises the gap of host to a robots.txt Crawl-delay (the
// caller caps it), counted from the latest start (the robots.txt request
// itself). A shorter Crawl-delay than the gap changes nothing.
func (g *HostGate) SetCrawlDelay(host string, d time.Duration) {
	if g.global != nil {
		g.global.crawlDelay(host, d)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.host(host)
	h.crawlDelay = max(h.crawlDelay, d)
	if !h.lastStart.IsZero() {
		h.next = later(h.next, h.lastStart.Add(h.effectiveGap()))
	}
}

// Gap returns the gap between request starts in force for host.
func (g *HostGate) Gap(host string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.host(host).effectiveGap()
}

// Park holds every request to host until the given time (a later Park
// extends it, an earlier one does nothing).
func (g *HostGate) Park(host string, until time.Time) {
	if g.global != nil {
		g.global.park(host, until)
	}
	g.mu.Lock()
	h := g.host(host)
	if until.After(h.parked) {
		h.parked = until
	}
	g.mu.Unlock()
}

// host returns the state of host, creating it with the defaults; g.mu is
// held.
func (g *HostGate) host(host string) *gateHost {
	h := g.hosts[host]
	if h == nil {
		h = &gateHost{limit: g.limit, gap: g.gap, random: g.random}
		g.hosts[host] = h
	}
	return h
}

func (h *gateHost) effectiveGap() time.Duration { return max(h.gap, h.crawlDelay) }

// Slot is one request's permission to start, from TryAcquire. Call Start
// just before the request goes out and Release when its response has been
// read (or at once when no request is made). Both are idempotent.
type Slot struct {
	g        *HostGate
	host     string
	extra    time.Duration // this start's random extra gap
	acquired time.Time
	startAt  time.Time
	started  bool
	done     bool
	// onStart and onRelease, when set, are called by Start (with its
	// time) and once by Release: a HostTimer's reservation.
	onStart   func(at time.Time)
	onRelease func()
}

// TryAcquire returns a slot for a request to host if one may start now:
// fewer than its parallelism in flight, its gap since the previous start
// passed (and that start made), and the host not parked. Otherwise it
// returns nil and when to ask again; a zero time means when a request of
// the host ends or starts (see Watch).
func (g *HostGate) TryAcquire(host string, now time.Time) (*Slot, time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.host(host)
	gap := h.effectiveGap()
	switch {
	case h.inflight >= h.limit:
		return nil, time.Time{}
	case gap > 0 && h.unstarted > 0:
		// The previous slot's start fixes when the next may come.
		return nil, time.Time{}
	}
	if ready := later(h.next, h.parked); ready.After(now) {
		return nil, ready
	}
	s := &Slot{g: g, host: host, acquired: now}
	if h.random > 0 {
		s.extra = rand.N(h.random)
	}
	h.inflight++
	h.unstarted++
	h.next = now.Add(gap + s.extra)
	return s, time.Time{}
}

// Acquire waits until a request to host may start and returns its slot, or
// ctx's error. It is for callers without a dispatcher of their own.
func (g *HostGate) Acquire(ctx context.Context, host string) (*Slot, error) {
	if g.global != nil {
		return g.acquireGlobal(ctx, host)
	}
	return g.acquire(ctx, host)
}

func (g *HostGate) acquire(ctx context.Context, host string) (*Slot, error) {
	changed := make(chan struct{}, 1)
	stop := g.Watch(func(h string) {
		if h == host {
			select {
			case changed <- struct{}{}:
			default:
			}
		}
	})
	defer stop()
	for {
		s, at := g.TryAcquire(host, time.Now())
		if s != nil {
			return s, nil
		}
		var timer <-chan time.Time
		if !at.IsZero() {
			t := time.NewTimer(time.Until(at))
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-changed:
		case <-timer:
		}
	}
}

// Start records that the slot's request starts now: the host's next start
// is at least its gap after this one. Only the first call counts.
func (s *Slot) Start() { s.start(false) }

// start is Start; again also counts a later call (the request written
// once more, on another connection: the transport's own retry of a
// request whose reused connection had been closed), which pushes the
// host's next start to a gap after it.
func (s *Slot) start(again bool) {
	if s == nil {
		return
	}
	g := s.g
	g.mu.Lock()
	if s.done || (s.started && !again) {
		g.mu.Unlock()
		return
	}
	h := g.host(s.host)
	now := time.Now()
	if !s.started {
		s.started = true
		h.unstarted--
		s.startAt = now
	}
	h.lastStart = now
	if next := now.Add(h.effectiveGap() + s.extra); next.After(h.next) {
		h.next = next
	}
	g.mu.Unlock()
	if s.onStart != nil {
		s.onStart(now)
	}
	g.notify(s.host)
}

func (s *Slot) startTime() time.Time {
	s.g.mu.Lock()
	defer s.g.mu.Unlock()
	return s.startAt
}

// used reports whether the slot's request was made (it started) or the
// slot is released.
func (s *Slot) used() bool {
	s.g.mu.Lock()
	defer s.g.mu.Unlock()
	return s.started || s.done
}

// Release frees the slot: its request has ended, or none was made.
func (s *Slot) Release() {
	if s == nil {
		return
	}
	g := s.g
	g.mu.Lock()
	if s.done {
		g.mu.Unlock()
		return
	}
	s.done = true
	h := g.host(s.host)
	h.inflight--
	if !s.started {
		h.unstarted--
	}
	g.mu.Unlock()
	if s.onRelease != nil {
		s.onRelease()
	}
	g.notify(s.host)
}

// Watch calls fn (which must not block) with a host's name whenever a slot
// of that host starts or is released, until the returned func is called.
func (g *HostGate) Watch(fn func(host string)) (stop func()) {
	g.mu.Lock()
	id := g.nextW
	g.nextW++
	g.watchers = append(slices.Clone(g.watchers), watcher{id, fn})
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		g.watchers = slices.DeleteFunc(slices.Clone(g.watchers), func(w watcher) bool { return w.id == id })
		g.mu.Unlock()
	}
}

func (g *HostGate) notify(host string) {
	g.mu.Lock()
	ws := g.watchers
	g.mu.Unlock()
	for _, w := range ws {
		w.fn(host)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// slotHeader carries a colly request's slot id down to slotTransport,
// which removes it before the request goes anywhere.
const slotHeader = "X-Finarchive-Slot"

// slotTransport starts a request's slot when the request's first bytes
// have been written to its connection (see trackedConn; on HTTP/2, when
// its HEADERS frame has been written and flushed): the moment the
// server sees it, not counting a dial, a TLS handshake or the client's own
// work before the write, so two starts the gate keeps a gap apart reach
// the host at least that far apart, however late the first was written.
// A request whose slot has started already (a redirect the http.Client
// follows) waits for a slot of its own from the gate. The slot comes with
// the request's context (withSlot) or, for colly's requests, whose
// context is the collector's, by its id in slotHeader.
type slotTransport struct {
	next  http.RoundTripper
	trace func(RequestTrace) // nil: none
	mu    sync.Mutex
	ids   map[string]*Slot
	count uint64
}

func newSlotTransport(next http.RoundTripper, trace func(RequestTrace)) *slotTransport {
	return &slotTransport{next: next, trace: trace, ids: map[string]*Slot{}}
}

// RequestTrace is one HTTP request of a crawl as the crawler saw it: when
// the frontier gave it its slot, when it had its connection, when it was
// written and when its slot started. It is for measuring politeness from
// the client's side (see Crawler.TraceRequests) next to what the site saw.
type RequestTrace struct {
	Host string // the host's key in the gate (URLHost form)
	URL  string
	// Slot is false for a request made without a slot of the gate (which
	// the gate did not space).
	Slot     bool
	Acquired time.Time // the slot was handed out
	GotConn  time.Time // the request had its connection
	Wrote    time.Time // the request was written, not yet flushed (zero: it never was)
	Started  time.Time // the slot started: the request's first write to its connection returned
	Reused   bool      // on a connection used before
	Err      error     // the round trip's error, if any
}

// header returns the slotHeader value that starts s through this
// transport.
func (t *slotTransport) header(s *Slot) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count++
	id := strconv.FormatUint(t.count, 10)
	t.ids[id] = s
	return id
}

// forget drops a slot id whose request was never sent.
func (t *slotTransport) forget(id string) {
	t.mu.Lock()
	delete(t.ids, id)
	t.mu.Unlock()
}

type slotKey struct{}

// withSlot returns ctx carrying s, for requests made with it.
func withSlot(ctx context.Context, s *Slot) context.Context {
	return context.WithValue(ctx, slotKey{}, s)
}

// RoundTrip implements http.RoundTripper.
func (t *slotTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s, _ := req.Context().Value(slotKey{}).(*Slot)
	if id := req.Header.Get(slotHeader); id != "" {
		t.mu.Lock()
		if s == nil {
			s = t.ids[id]
		}
		delete(t.ids, id)
		t.mu.Unlock()
		req = req.Clone(req.Context())
		req.Header.Del(slotHeader)
	}
	var own *Slot // a slot of this request alone, released with its body
	if s != nil && s.used() {
		// The slot's request was made: this is another one (a redirect
		// followed), and waits its turn at its own host.
		ns, err := s.g.Acquire(req.Context(), finarchive.URLHost(req.URL.String()))
		if err != nil {
			return nil, err
		}
		s, own = ns, ns
	}
	if s == nil && t.trace == nil {
		return t.next.RoundTrip(req)
	}
	// The trace's callbacks may run on the transport's goroutines, an
	// HTTP/2 WroteRequest even after RoundTrip returned: mu guards what
	// they share.
	var (
		mu    sync.Mutex
		rt    RequestTrace
		armed *trackedConn
		h2    bool
	)
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			mu.Lock()
			defer mu.Unlock()
			rt.GotConn, rt.Reused = time.Now(), info.Reused
			if s == nil {
				return
			}
			if multiplexed(info.Conn) {
				// HTTP/2: other streams write on the connection too, so
				// its next write need not be this request's. The slot
				// starts at WroteHeaders, which HTTP/2 calls once the
				// HEADERS frame is written and flushed.
				h2 = true
				return
			}
			if tc := trackedOf(info.Conn); tc != nil {
				armed = tc
				tc.arm(s)
				return
			}
			s.Start() // a connection not of our dialer: start now
		},
		WroteHeaders: func() {
			mu.Lock()
			defer mu.Unlock()
			if h2 {
				s.start(true) // again: a retry on a new connection pushes the next start
			}
		},
		// HTTP/1 calls this before the transport flushes the request to
		// the connection: the slot starts at the write itself.
		WroteRequest: func(httptrace.WroteRequestInfo) {
			mu.Lock()
			rt.Wrote = time.Now()
			mu.Unlock()
		},
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := t.next.RoundTrip(req)
	mu.Lock()
	if armed != nil {
		armed.disarm(s)
	}
	if !rt.GotConn.IsZero() {
		// The request may have been written (it was, if an answer came):
		// if the goroutine that wrote it has not started the slot yet
		// (descheduled between its write and the start), it starts now,
		// late rather than never, and before the slot can be released:
		// a slot released unstarted would leave the host's next start
		// counted from when it was handed out.
		s.Start()
	}
	done := rt
	mu.Unlock()
	if t.trace != nil {
		done.Host, done.URL, done.Err = finarchive.URLHost(req.URL.String()), req.URL.String(), err
		if s != nil {
			done.Slot, done.Host, done.Acquired, done.Started = true, s.host, s.acquired, s.startTime()
		}
		t.trace(done)
	}
	if own != nil {
		if err != nil || resp.Body == nil {
			own.Release()
		} else {
			resp.Body = &releaseBody{ReadCloser: resp.Body, slot: own}
		}
	}
	return resp, err
}

// releaseBody releases a slot when its response's body is closed.
type releaseBody struct {
	io.ReadCloser
	slot *Slot
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.slot.Release()
	return err
}

// trackedConn is a connection of the crawler's dialer that starts a slot
// when a request's bytes have been written to it: armed with the slot when
// the request gets the connection, it starts it as its next write
// returns. Started after the write rather than before it, the recorded
// start is never earlier than the moment the server can see the request.
type trackedConn struct {
	net.Conn
	mu  sync.Mutex
	arg *Slot
}

func (c *trackedConn) arm(s *Slot) {
	c.mu.Lock()
	c.arg = s
	c.mu.Unlock()
}

// disarm drops s if it is still armed (its request wrote nothing).
func (c *trackedConn) disarm(s *Slot) {
	c.mu.Lock()
	if c.arg == s {
		c.arg = nil
	}
	c.mu.Unlock()
}

// Write implements net.Conn.
func (c *trackedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	s := c.arg
	c.arg = nil
	c.mu.Unlock()
	s.start(true)
	return n, err
}

// multiplexed reports whether c carries HTTP/2 (several requests at once).
func multiplexed(c net.Conn) bool {
	tc, ok := c.(*tls.Conn)
	return ok && tc.ConnectionState().NegotiatedProtocol == "h2"
}

// trackedOf returns the trackedConn under c (a TLS connection's too), or
// nil.
func trackedOf(c net.Conn) *trackedConn {
	for c != nil {
		if tc, ok := c.(*trackedConn); ok {
			return tc
		}
		nc, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = nc.NetConn()
	}
	return nil
}

// trackedDial wraps a dial func so that its connections start slots (see
// trackedConn).
func trackedDial(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &trackedConn{Conn: c}, nil
	}
}
