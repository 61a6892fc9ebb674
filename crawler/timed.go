package crawler

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/finarchive/finarchive"
)

// HostTimer is implemented by a Sink that keeps the hosts' politeness
// itself, shared by every process that works the run (the PostgreSQL
// frontier of `finarchive work`: several crawlers on several machines
// claim from one queue). The crawler then leaves a host's gap, random
// extra, Crawl-delay and parking to the sink, which reserves each claimed
// item a start (QueueItem.StartAt) and counts claimed items as the host's
// requests in flight; the crawler starts each request at its reserved
// time, not before, reports when it actually started (Started: the sink
// reserves the host's next start from it, as HostGate does in one
// process), and keeps only the parallelism in its own gate.
type HostTimer interface {
	// SetPoliteness sets the run's limits per host: at most parallelism
	// requests in flight, starts gap plus a random extra up to random
	// apart. Claims of the run keep them from then on.
	SetPoliteness(runID int64, parallelism int, gap, random time.Duration)
	// ReserveHost reserves a start for a request to host that is no
	// frontier item (robots.txt, a sitemap, a request asked again),
	// waiting while the host is parked or at its cap; started reports the
	// request's actual start, and it counts in flight until release is
	// called.
	ReserveHost(ctx context.Context, runID int64, host string) (start time.Time, started func(at time.Time), release func(), err error)
	// Started reports the actual start of a claimed item's request (its
	// first bytes written), before anything else is written of the item.
	Started(ctx context.Context, runID int64, item finarchive.QueueItem, at time.Time) error
	// Unstarted ends the reservation of a claimed item whose request was
	// never made (robots.txt disallowed it, it was given up before).
	Unstarted(ctx context.Context, runID int64, item finarchive.QueueItem) error
	// ParkHost holds the host's claims until until (429, 503, a soft
	// block, Retry-After).
	ParkHost(ctx context.Context, runID int64, host string, until time.Time) error
	// SetCrawlDelay raises the host's gap to d (a robots.txt Crawl-delay,
	// already capped).
	SetCrawlDelay(ctx context.Context, runID int64, host string, d time.Duration) error
	// LateLimit is how late after its reserved start a request of the run
	// may still go: the sink spaces reservations by more than the gap, so
	// that one this late keeps the gap to the next. A later one is put
	// back (Unclaim) and claimed again.
	LateLimit(runID int64) time.Duration
}

// globalTiming links a crawl's gate to a HostTimer: the gate then keeps
// no gap of its own (SetLimit), and its Park, SetCrawlDelay and Acquire go
// to the timer.
type globalTiming struct {
	ctx   context.Context
	t     HostTimer
	runID int64
	log   func(msg string, args ...any)
	late  time.Duration // LateLimit
}

// timedGate returns a gate of the crawl's own whose timing is t's: it
// keeps only the parallelism per host.
func (c *Crawler) timedGate(ctx context.Context, t HostTimer, runID int64) *HostGate {
	t.SetPoliteness(runID, c.cfg.Parallelism, time.Duration(c.cfg.Delay), time.Duration(c.cfg.RandomDelay))
	g := NewHostGate(c.cfg.Parallelism, 0, 0)
	g.global = &globalTiming{ctx: ctx, t: t, runID: runID, log: c.log.Warn, late: t.LateLimit(runID)}
	return g
}

func (gt *globalTiming) park(host string, until time.Time) {
	if err := gt.t.ParkHost(context.WithoutCancel(gt.ctx), gt.runID, host, until); err != nil {
		gt.log("park host for every worker", "host", host, "err", err)
	}
}

func (gt *globalTiming) crawlDelay(host string, d time.Duration) {
	if err := gt.t.SetCrawlDelay(context.WithoutCancel(gt.ctx), gt.runID, host, d); err != nil {
		gt.log("set Crawl-delay for every worker", "host", host, "err", err)
	}
}

// wait reserves a start on host and waits for it; started reports the
// request's start, release ends the reservation's place in flight.
func (gt *globalTiming) wait(ctx context.Context, host string) (started func(time.Time), release func(), err error) {
	for {
		start, started, release, err := gt.t.ReserveHost(ctx, gt.runID, host)
		if err != nil {
			return nil, nil, err
		}
		if err := sleepUntil(ctx, start); err != nil {
			release()
			return nil, nil, err
		}
		if time.Since(start) <= gt.late {
			return started, release, nil
		}
		release() // missed: reserve again
	}
}

// started reports the start of a claimed item's request.
func (gt *globalTiming) started(it finarchive.QueueItem, at time.Time) {
	if err := gt.t.Started(context.WithoutCancel(gt.ctx), gt.runID, it, at); err != nil {
		gt.log("report a request's start to every worker", "url", it.URL, "err", err)
	}
}

// unstarted ends the reservation of a claimed item that made no request.
func (gt *globalTiming) unstarted(it finarchive.QueueItem) {
	if err := gt.t.Unstarted(context.WithoutCancel(gt.ctx), gt.runID, it); err != nil {
		gt.log("end an unused reservation for every worker", "url", it.URL, "err", err)
	}
}

// reserved makes slot, of a claimed item with a reserved start, report
// the request's start (the host's next reservation is made from it: every
// worker asks for it half a gap after this start, this one too, so a host
// is not kept by the worker that had it) or, released unstarted, end the
// reservation. The flag is set before the report, so a release that comes
// while the start is being reported never undoes it.
func (f *frontier) reserved(slot *Slot, it finarchive.QueueItem) {
	gt := f.gate.global
	var started atomic.Bool
	slot.onStart = func(at time.Time) {
		started.Store(true)
		gt.started(it, at)
	}
	slot.onRelease = func() {
		if !started.Load() {
			gt.unstarted(it)
		}
	}
}

// unreserved ends, in the background, the reservation of a claimed item
// that goes without a request (a job of no slot).
func (f *frontier) unreserved(it finarchive.QueueItem) {
	if f.gate.global != nil && !it.StartAt.IsZero() {
		go f.gate.global.unstarted(it)
	}
}

// sleepUntil waits until t or ctx's end.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// acquireGlobal is Acquire under a HostTimer: a start reserved with the
// timer, then a slot of the gate (its parallelism), released with the
// reservation.
func (g *HostGate) acquireGlobal(ctx context.Context, host string) (*Slot, error) {
	started, release, err := g.global.wait(ctx, host)
	if err != nil {
		return nil, err
	}
	s, err := g.acquire(ctx, host)
	if err != nil {
		release()
		return nil, err
	}
	s.onStart, s.onRelease = started, release
	return s, nil
}

// globalSlot makes, under a HostTimer, slot (of a job that is no frontier
// item: robots.txt, a sitemap) wait for a start reserved with the timer,
// report it and release it with the slot; without one it returns at once.
func (c *Crawler) globalSlot(ctx context.Context, host string, slot *Slot) error {
	gt := c.fr.gate.global
	if gt == nil || slot == nil {
		return nil
	}
	started, release, err := gt.wait(ctx, host)
	if err != nil {
		return err
	}
	slot.onStart, slot.onRelease = started, release
	return nil
}

// leaseLost reports whether err says the item's lease ran out (another
// worker may have it): its result is dropped, and the crawl goes on.
func (c *Crawler) leaseLost(err error, it finarchive.QueueItem) bool {
	if !errors.Is(err, finarchive.ErrLeaseLost) {
		return false
	}
	c.log.Warn("result not written: the claim's lease ran out (another worker may have the URL)", "url", it.URL)
	return true
}

// pendingPoll is how often an idle crawl under a HostTimer looks again
// while other workers still have URLs in flight.
const pendingPoll = 250 * time.Millisecond
