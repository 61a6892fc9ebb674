package crawler

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHostGate_Limit: however many goroutines ask, a host never has more
// requests in flight than its limit (the strictest one set), and other
// hosts are not held up.
func TestHostGate_Limit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int   // NewHostGate's
		set   []int // SetLimit calls
		want  int
	}{
		{"default", 2, nil, 2},
		{"set", 1, []int{3}, 3},
		{"stricter wins", 4, []int{1, 3}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewHostGate(tc.limit, 0, 0)
			for _, n := range tc.set {
				g.SetLimit("a.test", n, 0, 0)
			}
			var inflight, peak atomic.Int64
			var wg sync.WaitGroup
			for range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := g.Acquire(context.Background(), "a.test")
					if err != nil {
						t.Error(err)
						return
					}
					s.Start()
					n := inflight.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					time.Sleep(time.Millisecond)
					inflight.Add(-1)
					s.Release()
					s.Release() // twice is harmless
				}()
			}
			// Another host is not limited by a.test's slots.
			s, err := g.Acquire(context.Background(), "b.test")
			if err != nil {
				t.Fatal(err)
			}
			s.Release()
			wg.Wait()
			if got := peak.Load(); got > int64(tc.want) || got < 1 {
				t.Errorf("peak in flight = %d, want 1..%d", got, tc.want)
			}
		})
	}
}

// TestHostGate_Gap: with parallelism 3, starts to one host are still at
// least the gap apart, counted from each request's actual start; a
// Crawl-delay raises the gap; TryAcquire says when to ask again.
func TestHostGate_Gap(t *testing.T) {
	const gap = 15 * time.Millisecond
	g := NewHostGate(1, 0, 0)
	g.SetLimit("a.test", 3, gap, 0)
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := g.Acquire(context.Background(), "a.test")
			if err != nil {
				t.Error(err)
				return
			}
			time.Sleep(2 * time.Millisecond) // the request goes out a little later
			mu.Lock()
			s.Start()
			starts = append(starts, time.Now())
			mu.Unlock()
			s.Release()
		}()
	}
	wg.Wait()
	for i := 1; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-1]); d < gap {
			t.Errorf("start %d came %v after the previous one; gap is %v", i, d, gap)
		}
	}
	g.SetCrawlDelay("a.test", time.Hour)
	if got := g.Gap("a.test"); got != time.Hour {
		t.Errorf("gap after a Crawl-delay of 1h = %v", got)
	}
	g.SetCrawlDelay("a.test", time.Second) // a shorter one changes nothing
	if got := g.Gap("a.test"); got != time.Hour {
		t.Errorf("gap after a shorter Crawl-delay = %v", got)
	}
	// The new gap counts from the latest start (the robots.txt request).
	now := time.Now()
	if s, at := g.TryAcquire("a.test", now); s != nil || at.Sub(now) < 59*time.Minute {
		t.Errorf("TryAcquire during a 1h gap = %v, %v; want no slot and a time about 1h on", s, at)
	}
}

// TestHostGate_Park: a parked host gives no slot until its time; others do.
func TestHostGate_Park(t *testing.T) {
	g := NewHostGate(2, 0, 0)
	until := time.Now().Add(time.Hour)
	g.Park("a.test", until)
	g.Park("a.test", time.Now()) // an earlier park does not shorten it
	if s, at := g.TryAcquire("a.test", time.Now()); s != nil || !at.Equal(until) {
		t.Errorf("parked host: slot %v, ready at %v; want none until %v", s, at, until)
	}
	if s, _ := g.TryAcquire("b.test", time.Now()); s == nil {
		t.Error("another host is held by a.test's park")
	}
	if s, _ := g.TryAcquire("a.test", until); s == nil {
		t.Error("no slot once the park is over")
	}
}

// TestHostGate_Cancel: a waiter gives up when its context ends; a slot
// released without a request frees the host at once.
func TestHostGate_Cancel(t *testing.T) {
	g := NewHostGate(1, 0, 0)
	hold, err := g.Acquire(context.Background(), "a.test")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Acquire(ctx, "a.test"); err == nil {
		t.Error("Acquire on a full host with a cancelled context succeeded")
	}
	hold.Release()
	s, err := g.Acquire(context.Background(), "a.test")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	s.Release()
}

// TestHostGate_SetLimitReplacesDefaults: a host's own gap replaces the
// gate's default one, even when it is shorter.
func TestHostGate_SetLimitReplacesDefaults(t *testing.T) {
	g := NewHostGate(4, time.Hour, 0)
	g.SetLimit("a.test", 4, 0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		s, err := g.Acquire(ctx, "a.test")
		if err != nil {
			t.Fatalf("request %d waited for the default gap: %v", i+1, err)
		}
		s.Start()
		s.Release()
	}
}

// TestSlotTransport_HTTP2: on HTTP/2, where the requests of a host share
// one connection, each request's slot starts once its own HEADERS frame
// is written (not at the connection's next write, which may be another
// stream's), and the server sees the starts at least the gap apart.
func TestSlotTransport_HTTP2(t *testing.T) {
	const gap = 40 * time.Millisecond
	var mu sync.Mutex
	var seen []time.Time
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, time.Now())
		mu.Unlock()
		time.Sleep(gap) // the next request is under way meanwhile (parallelism 2)
		_, _ = io.WriteString(w, "ok")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	base := srv.Client().Transport.(*http.Transport)
	dialer := &net.Dialer{}
	tr := &http.Transport{TLSClientConfig: base.TLSClientConfig.Clone(), ForceAttemptHTTP2: true,
		DialContext: trackedDial(dialer.DialContext)}
	defer tr.CloseIdleConnections()
	var traces []RequestTrace
	st := newSlotTransport(tr, func(rt RequestTrace) {
		mu.Lock()
		traces = append(traces, rt)
		mu.Unlock()
	})
	g := NewHostGate(2, gap, 0)
	host := strings.TrimPrefix(srv.URL, "https://")
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := g.Acquire(context.Background(), host)
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Release()
			req, _ := http.NewRequestWithContext(withSlot(context.Background(), s), http.MethodGet, fmt.Sprintf("%s/%d", srv.URL, i), nil)
			resp, err := st.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.ProtoMajor != 2 {
				t.Errorf("%s over HTTP/%d, want 2", req.URL, resp.ProtoMajor)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for _, rt := range traces {
		if !rt.Slot || rt.Started.IsZero() || rt.Started.Before(rt.GotConn) {
			t.Errorf("%s: slot %v, started %v, got its connection %v: want the slot started after", rt.URL, rt.Slot, rt.Started, rt.GotConn)
		}
	}
	slices.SortFunc(seen, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(seen); i++ {
		if d := seen[i].Sub(seen[i-1]); d < gap-5*time.Millisecond {
			t.Errorf("request %d reached the server %v after the one before; the gap is %v", i+1, d, gap)
		}
	}
}
