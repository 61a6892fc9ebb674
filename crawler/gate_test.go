package crawler

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHostGate_Limit: however many goroutines ask, a host never has more
// requests in flight than its limit, and other hosts are not held up.
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
			g := NewHostGate(tc.limit, 0)
			for _, n := range tc.set {
				g.SetLimit("a.test", n, 0)
			}
			var inflight, peak atomic.Int64
			var wg sync.WaitGroup
			for range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					release, err := g.Acquire(context.Background(), "a.test")
					if err != nil {
						t.Error(err)
						return
					}
					n := inflight.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					time.Sleep(time.Millisecond)
					inflight.Add(-1)
					release()
					release() // twice is harmless
				}()
			}
			// Another host is not limited by a.test's slots.
			r, err := g.Acquire(context.Background(), "b.test")
			if err != nil {
				t.Fatal(err)
			}
			r()
			wg.Wait()
			if got := peak.Load(); got > int64(tc.want) || got < 1 {
				t.Errorf("peak in flight = %d, want 1..%d", got, tc.want)
			}
		})
	}
}

// TestHostGate_Gap: starts to one host are at least the gap apart.
func TestHostGate_Gap(t *testing.T) {
	const gap = 15 * time.Millisecond
	g := NewHostGate(8, 0)
	g.SetLimit("a.test", 8, gap)
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := g.Acquire(context.Background(), "a.test")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
			release()
		}()
	}
	wg.Wait()
	first, last := starts[0], starts[0]
	for _, s := range starts {
		if s.Before(first) {
			first = s
		}
		if s.After(last) {
			last = s
		}
	}
	// 5 starts, each reserved gap after the previous: the span is at least 4 gaps.
	if span := last.Sub(first); span < 4*gap-time.Millisecond {
		t.Errorf("5 starts within %v, want at least %v", span, 4*gap)
	}
}

// TestHostGate_Cancel: a waiter gives up when its context ends, and a nil
// gate lets everything through.
func TestHostGate_Cancel(t *testing.T) {
	g := NewHostGate(1, 0)
	hold, err := g.Acquire(context.Background(), "a.test")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Acquire(ctx, "a.test"); err == nil {
		t.Error("Acquire on a full host with a cancelled context succeeded")
	}
	hold()
	r, err := g.Acquire(context.Background(), "a.test")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	r()

	var nilGate *HostGate
	nilGate.SetLimit("a.test", 1, time.Hour)
	r, err = nilGate.Acquire(ctx, "a.test")
	if err != nil {
		t.Fatalf("nil gate: %v", err)
	}
	r()
}

// TestHostGate_SetLimitReplacesDefaults: a host's own gap replaces the
// gate's default one, even when it is shorter.
func TestHostGate_SetLimitReplacesDefaults(t *testing.T) {
	g := NewHostGate(4, time.Hour)
	g.SetLimit("a.test", 4, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		r, err := g.Acquire(ctx, "a.test")
		if err != nil {
			t.Fatalf("request %d waited for the default gap: %v", i+1, err)
		}
		r()
	}
}
