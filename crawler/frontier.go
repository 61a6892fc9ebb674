package crawler

import (
	"container/heap"
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/finarchive/finarchive"
)

// The host-aware frontier (Mercator's design). The run's queue lives in
// the Sink (on disk, the source of truth for resume); in memory there is,
// per host, a short queue of items claimed from it (a few more than the
// host's parallelism), the host's own tasks (robots.txt first, then its
// sitemaps) and a heap of hosts ordered by when each may next be asked.
// One dispatcher goroutine hands a job to an idle worker only when its
// host is ready: the HostGate says its gap since the previous start has
// passed, fewer than its parallelism are in flight and it is not parked.
// No goroutine sleeps on a host's delay: the dispatcher waits on one timer
// for the earliest host, or on a worker, a finished request or a claim.
// Memory is O(hosts): at most claimAhead items per host are held.

// jobKind is what a worker is asked to do.
type jobKind int

const (
	jobPage    jobKind = iota // fetch a frontier item
	jobRobots                 // read a host's robots.txt
	jobSitemap                // read a sitemap
	jobSkip                   // complete a frontier item without a request (robots.txt disallows it)
	jobFail                   // fail a frontier item without a request (robots.txt unreachable)
)

// job is one unit of work for a worker. slot is nil for jobSkip.
type job struct {
	kind   jobKind
	host   string
	item   finarchive.QueueItem // jobPage, jobSkip
	url    string               // jobRobots, jobSitemap
	budget string               // jobSitemap: the seed host whose sitemap budget it uses
	reason string               // jobFail: why
	try    int                  // jobRobots, jobSitemap: attempts so far
	// origin marks a jobRobots of another origin of the host than its
	// first (https:// beside http://): it only reads the file.
	origin bool
	slot   *Slot
}

// hostQueue is the frontier's state of one host; owned by the dispatcher
// goroutine.
type hostQueue struct {
	key      string // URLHost form
	origin   string // scheme://host, once known
	tasks    []job  // robots.txt and sitemaps, before pages
	items    []finarchive.QueueItem
	robots   bool            // robots.txt read (or not needed): pages may go
	robotsQ  bool            // the robots task was queued
	originQ  map[string]bool // other origins whose robots.txt is being read
	down     string          // robots.txt unreachable after every retry: why (its pages fail)
	dbDue    time.Time       // when the sink may have due items of the host (zero: none known)
	gen      uint64          // bumped whenever dbDue is raised from outside a claim
	claiming bool
	freed    int  // under a HostTimer: requests ended since the last claim
	deferred bool // left for the next run: nothing more is fetched
	waitSlot bool // waiting for the gate to report a start or release
	readyGen uint64
	dueGen   uint64
}

func (h *hostQueue) hasWork(pagesOK bool) bool {
	if h.deferred {
		return false
	}
	return len(h.tasks) > 0 || (pagesOK && (h.robots || h.down != "") && len(h.items) > 0)
}

// inbox is what other goroutines tell the dispatcher.
type inbox struct {
	done     []job
	dirty    map[string]string // host → an URL of it: items were enqueued
	retried  map[string]time.Time
	tasks    []job
	woken    map[string]bool
	claims   []claimResult
	deferred map[string]bool
	robots   map[string]string // robots.txt read ("") or unreachable for good (why)
	err      error
}

type claimResult struct {
	want  map[string]int
	gens  map[string]uint64
	items []finarchive.QueueItem
	due   map[string]time.Time
	err   error
}

// timedHost is a lazy heap entry: stale once the host's gen moved on.
type timedHost struct {
	at  time.Time
	h   *hostQueue
	gen uint64
}

type hostHeap []timedHost

func (q hostHeap) Len() int           { return len(q) }
func (q hostHeap) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q hostHeap) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *hostHeap) Push(x any)        { *q = append(*q, x.(timedHost)) }
func (q *hostHeap) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// Bounds of the frontier.
const (
	maxClaimHosts = 256  // hosts claimed for in one transaction
	claimBudget   = 1024 // items held ahead for hosts without a gap, in all
	maxWorkers    = 512
)

// frontier dispatches one run's work; see the comment above.
type frontier struct {
	c     *Crawler
	runID int64
	gate  *HostGate
	ctx   context.Context

	hosts     map[string]*hostQueue
	ready     hostHeap // hosts with work, by when to ask the gate again
	due       hostHeap // hosts whose sink items come due later
	needClaim map[string]*hostQueue
	waiting   int // hosts with waitSlot
	busy      int // jobs handed out and not done
	pages     int // page jobs in flight
	claimBusy bool
	sitemaps  map[string]bool // sitemap URLs queued
	budget    map[string]int  // sitemaps read per seed host
	pollAt    time.Time       // under a HostTimer: look at the sink again then (other workers' URLs in flight)

	mu   sync.Mutex
	in   inbox
	wake chan struct{}

	deferredMu sync.Mutex
	deferredH  map[string]bool
}

func newFrontier(ctx context.Context, c *Crawler, runID int64, gate *HostGate) *frontier {
	return &frontier{c: c, runID: runID, gate: gate, ctx: ctx, hosts: map[string]*hostQueue{},
		needClaim: map[string]*hostQueue{}, sitemaps: map[string]bool{}, budget: map[string]int{},
		wake: make(chan struct{}, 1), deferredH: map[string]bool{}}
}

// claimAhead is how many items of a host are held in memory: enough to
// keep its parallelism busy between two claims. A host with a gap takes
// one request per gap: a few items do. One without goes as fast as it
// answers, and a claim waits its turn behind the pages being saved (tens
// of ms in a fast crawl): it holds a share of claimBudget, at least 8 per
// request in flight.
func (f *frontier) claimAhead(key string) int {
	p := f.c.cfg.Parallelism
	if f.gate.Gap(key) == 0 {
		return max(8*p, claimBudget/max(len(f.hosts), 1))
	}
	return p + 2
}

// post runs fn on the inbox under its lock and wakes the dispatcher.
func (f *frontier) post(fn func(in *inbox)) {
	f.mu.Lock()
	fn(&f.in)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// jobDone tells the dispatcher a job has ended.
func (f *frontier) jobDone(j job) { f.post(func(in *inbox) { in.done = append(in.done, j) }) }

// enqueued tells the dispatcher that items were put in the sink for the
// hosts of these URLs.
func (f *frontier) enqueued(items []finarchive.QueueItem) {
	if len(items) == 0 {
		return
	}
	f.post(func(in *inbox) {
		if in.dirty == nil {
			in.dirty = map[string]string{}
		}
		last := ""
		for _, it := range items {
			h := finarchive.URLHost(it.URL)
			if h != last {
				in.dirty[h] = it.URL
				last = h
			}
		}
	})
}

// retried tells the dispatcher that an item of host is queued again in the
// sink, due at t.
func (f *frontier) retried(host string, t time.Time) {
	f.post(func(in *inbox) {
		if in.retried == nil {
			in.retried = map[string]time.Time{}
		}
		if cur, ok := in.retried[host]; !ok || t.Before(cur) {
			in.retried[host] = t
		}
	})
}

// addTasks queues robots.txt or sitemap jobs on their hosts.
func (f *frontier) addTasks(jobs ...job) {
	f.post(func(in *inbox) { in.tasks = append(in.tasks, jobs...) })
}

// robotsRead tells the dispatcher that host's robots.txt is known, or
// (down not "") unreachable after every retry: its pages then fail.
func (f *frontier) robotsRead(host, down string) {
	f.post(func(in *inbox) {
		if in.robots == nil {
			in.robots = map[string]string{}
		}
		in.robots[host] = down
	})
}

// deferHost marks host as left for the next run: the dispatcher drops it.
func (f *frontier) deferHost(host string) {
	f.deferredMu.Lock()
	f.deferredH[host] = true
	f.deferredMu.Unlock()
	f.post(func(in *inbox) {
		if in.deferred == nil {
			in.deferred = map[string]bool{}
		}
		in.deferred[host] = true
	})
}

// isDeferred reports whether host is left for the next run.
func (f *frontier) isDeferred(host string) bool {
	f.deferredMu.Lock()
	defer f.deferredMu.Unlock()
	return f.deferredH[host]
}

// failed stops the crawl with a sink error.
func (f *frontier) failed(err error) {
	f.post(func(in *inbox) {
		if in.err == nil {
			in.err = err
		}
	})
}

// host returns the queue of key, creating it (with the crawl's limits in
// the gate, and its robots.txt task once its origin is known).
func (f *frontier) host(key, anyURL string) *hostQueue {
	h := f.hosts[key]
	if h == nil {
		h = &hostQueue{key: key, robots: f.c.cfg.IgnoreRobots}
		f.hosts[key] = h
		f.gate.SetLimit(key, f.c.cfg.Parallelism, time.Duration(f.c.cfg.Delay), time.Duration(f.c.cfg.RandomDelay))
	}
	if h.origin == "" && anyURL != "" {
		if u, err := url.Parse(anyURL); err == nil && u.Host != "" {
			h.origin = u.Scheme + "://" + u.Host
		}
	}
	if !h.robots && !h.robotsQ && h.origin != "" {
		h.robotsQ = true
		h.tasks = append([]job{{kind: jobRobots, host: key, url: h.origin + "/robots.txt"}}, h.tasks...)
		f.schedule(h, time.Time{})
	}
	return h
}

// schedule puts h in the ready heap at t (zero: now) when it has work.
func (f *frontier) schedule(h *hostQueue, t time.Time) {
	if h.waitSlot || !h.hasWork(f.pagesOK()) {
		return
	}
	h.readyGen++
	heap.Push(&f.ready, timedHost{at: t, h: h, gen: h.readyGen})
}

// setDue records when the sink may next have due items of h.
func (f *frontier) setDue(h *hostQueue, t time.Time) {
	h.dbDue = t
	if t.IsZero() || h.deferred {
		delete(f.needClaim, h.key)
		return
	}
	if !t.After(time.Now()) {
		f.needClaim[h.key] = h
		return
	}
	h.dueGen++
	heap.Push(&f.due, timedHost{at: t, h: h, gen: h.dueGen})
}

// raiseDue makes the sink's items of h due at t at the latest.
func (f *frontier) raiseDue(h *hostQueue, t time.Time) {
	h.gen++
	if h.dbDue.IsZero() || t.Before(h.dbDue) {
		f.setDue(h, t)
	}
}

// pagesOK reports whether more pages may be fetched (--max-pages).
func (f *frontier) pagesOK() bool {
	mp := f.c.cfg.MaxPages
	return mp <= 0 || f.c.fetchedCount()+f.pages < mp
}

// drain applies what other goroutines posted.
func (f *frontier) drain() error {
	f.mu.Lock()
	in := f.in
	f.in = inbox{}
	f.mu.Unlock()
	for _, j := range in.done {
		f.busy--
		if j.kind == jobPage {
			f.pages--
		}
		if h := f.hosts[j.host]; h != nil {
			if j.origin {
				delete(h.originQ, strings.TrimSuffix(j.url, "/robots.txt"))
			}
			if f.gate.global != nil && !h.dbDue.IsZero() && f.c.cfg.Delay == 0 && f.c.cfg.RandomDelay == 0 {
				// Its place in flight is free in the sink: claim again,
				// once a quarter of the parallelism is (a claim a page
				// would cost as much as the page's commit). With a gap
				// the sink says when (half a gap after a start, at
				// random for every worker): claiming at once would keep
				// the host with this worker.
				h.freed++
				if h.freed >= max(1, f.c.cfg.Parallelism/4) && !h.claiming {
					h.freed = 0
					f.setDue(h, time.UnixMilli(0))
				}
			}
			f.schedule(h, time.Time{})
		}
	}
	for key, down := range in.robots {
		h := f.host(key, "")
		h.robots, h.down = down == "", down
		f.schedule(h, time.Time{})
	}
	for _, t := range in.tasks {
		if t.kind == jobSitemap && t.try == 0 { // a sitemap asked again is queued already
			if f.sitemaps[t.url] || f.budget[t.budget] >= maxSitemaps {
				continue
			}
			f.sitemaps[t.url] = true
			f.budget[t.budget]++
		}
		h := f.host(t.host, t.url)
		if h.deferred {
			continue
		}
		h.tasks = append(h.tasks, t)
		f.schedule(h, time.Time{})
	}
	for key, u := range in.dirty {
		f.raiseDue(f.host(key, u), time.UnixMilli(0))
	}
	for key, t := range in.retried {
		f.raiseDue(f.host(key, ""), t)
	}
	for key := range in.deferred {
		h := f.host(key, "")
		h.deferred, h.items, h.tasks = true, nil, nil
		delete(f.needClaim, key)
	}
	for key := range in.woken {
		if h := f.hosts[key]; h != nil && h.waitSlot {
			h.waitSlot = false
			f.waiting--
			f.schedule(h, time.Time{})
		}
	}
	for _, r := range in.claims {
		f.claimBusy = false
		if r.err != nil {
			return fmt.Errorf("crawler: claim: %w", r.err)
		}
		for _, it := range r.items {
			h := f.host(it.Host, it.URL)
			if h.deferred {
				continue // DeferHost marks it with the others
			}
			h.items = append(h.items, it)
		}
		for key := range r.want {
			h := f.hosts[key]
			h.claiming = false
			due, ok := r.due[key]
			switch {
			case h.gen != r.gens[key]:
				// Something was queued while we claimed: look again.
				f.setDue(h, time.UnixMilli(0))
			case ok:
				f.setDue(h, due)
			default:
				f.setDue(h, time.Time{})
			}
			f.schedule(h, time.Time{})
		}
	}
	return in.err
}

// startClaim claims items for the hosts that are short of them, in the
// background: the dispatcher never waits on the sink.
func (f *frontier) startClaim(now time.Time) {
	if f.claimBusy {
		return
	}
	for f.due.Len() > 0 && !f.due[0].at.After(now) {
		e := heap.Pop(&f.due).(timedHost)
		if e.gen == e.h.dueGen && !e.h.dbDue.IsZero() && !e.h.deferred {
			f.needClaim[e.h.key] = e.h
		}
	}
	if len(f.needClaim) == 0 {
		return
	}
	want, gens := map[string]int{}, map[string]uint64{}
	for key, h := range f.needClaim {
		if h.deferred || h.dbDue.IsZero() {
			delete(f.needClaim, key)
			continue
		}
		if f.gate.global != nil && !h.robots && h.down == "" {
			// Under a HostTimer a claim reserves starts: one made now
			// would pass while robots.txt is read. Claim once it is known.
			continue
		}
		ahead := f.claimAhead(key)
		delete(f.needClaim, key)
		if len(h.items) > ahead/2 {
			continue // enough for now; afterTake asks again when it runs low
		}
		h.claiming = true
		want[key], gens[key] = ahead-len(h.items), h.gen
		if len(want) >= maxClaimHosts {
			break
		}
	}
	if len(want) == 0 {
		return
	}
	f.claimBusy = true
	go func() {
		items, due, err := f.c.sink.Claim(f.ctx, f.runID, want, f.c.now())
		f.post(func(in *inbox) {
			in.claims = append(in.claims, claimResult{want: want, gens: gens, items: items, due: due, err: err})
		})
	}()
}

// next returns a job whose host may be asked now, if any. When it returns
// none, wait is when to look again (zero: when something happens).
func (f *frontier) next(now time.Time) (j job, ok bool, wait time.Time) {
	pagesOK := f.pagesOK()
	for f.ready.Len() > 0 {
		e := f.ready[0]
		h := e.h
		if e.gen != h.readyGen || !h.hasWork(pagesOK) {
			heap.Pop(&f.ready)
			continue
		}
		if e.at.After(now) {
			return job{}, false, e.at
		}
		if len(h.tasks) == 0 && h.down != "" {
			it := h.items[0]
			h.items = h.items[1:]
			f.afterTake(h)
			f.unreserved(it)
			return job{kind: jobFail, host: h.key, item: it, reason: h.down}, true, time.Time{}
		}
		if len(h.tasks) == 0 && !f.c.cfg.IgnoreRobots {
			it := h.items[0]
			allowed, known, origin := f.c.robotsKnown(it.URL)
			if !known {
				// Its origin's robots.txt (another scheme than the
				// host's first, or one due to be asked again) is read
				// first, as a request of the host: the dispatcher never
				// fetches.
				if !h.originQ[origin] {
					if h.originQ == nil {
						h.originQ = map[string]bool{}
					}
					h.originQ[origin] = true
					h.tasks = append(h.tasks, job{kind: jobRobots, host: h.key, url: origin + "/robots.txt", origin: true})
					continue
				}
				heap.Pop(&f.ready) // scheduled again when that read is done
				continue
			}
			// A page robots.txt disallows costs no request.
			if !allowed {
				h.items = h.items[1:]
				f.afterTake(h)
				f.unreserved(it)
				return job{kind: jobSkip, host: h.key, item: it}, true, time.Time{}
			}
		}
		if len(h.tasks) == 0 && !h.items[0].StartAt.IsZero() {
			// Its start is reserved (HostTimer): not before, and not so
			// late that the next reservation's request, perhaps another
			// worker's, would come less than the gap after it.
			if at := h.items[0].StartAt; at.After(now) {
				heap.Pop(&f.ready)
				f.schedule(h, at)
				continue
			}
			if late := time.Since(h.items[0].StartAt); late > f.gate.global.late {
				it := h.items[0]
				h.items = h.items[1:]
				f.missed(it, late)
				continue
			}
		}
		slot, at := f.gate.TryAcquire(h.key, now)
		if slot == nil {
			heap.Pop(&f.ready)
			if at.IsZero() {
				h.waitSlot = true
				f.waiting++
			} else {
				f.schedule(h, at)
			}
			continue
		}
		if len(h.tasks) > 0 {
			j = h.tasks[0]
			h.tasks = h.tasks[1:]
		} else {
			j = job{kind: jobPage, host: h.key, item: h.items[0]}
			if !j.item.StartAt.IsZero() {
				f.reserved(slot, j.item)
			}
			h.items = h.items[1:]
			f.pages++
		}
		j.slot = slot
		f.afterTake(h)
		return j, true, time.Time{}
	}
	return job{}, false, time.Time{}
}

// missed puts back an item whose reserved start passed before it could go
// (the process was descheduled, the machine loaded): it is claimed again,
// with a new start.
func (f *frontier) missed(it finarchive.QueueItem, late time.Duration) {
	f.c.log.Debug("reserved start missed: claimed again", "url", it.URL, "late", late)
	go func() {
		if err := f.c.sink.Unclaim(context.WithoutCancel(f.ctx), f.runID, []finarchive.QueueItem{it}); err != nil {
			f.failed(fmt.Errorf("crawler: put back %q: %w", it.URL, err))
			return
		}
		f.enqueued([]finarchive.QueueItem{it})
	}()
}

// afterTake asks for more items of h when it runs low.
func (f *frontier) afterTake(h *hostQueue) {
	if !h.claiming && !h.dbDue.IsZero() && !h.dbDue.After(time.Now()) && len(h.items) <= f.claimAhead(h.key)/2 {
		f.needClaim[h.key] = h
	}
}

// idle reports whether nothing is left to do or wait for in memory.
func (f *frontier) idle() bool {
	if !f.pollAt.IsZero() && time.Now().Before(f.pollAt) {
		return false
	}
	if f.busy > 0 || f.claimBusy || len(f.needClaim) > 0 || f.waiting > 0 {
		return false
	}
	pagesOK := f.pagesOK()
	for f.ready.Len() > 0 {
		if e := f.ready[0]; e.gen == e.h.readyGen && e.h.hasWork(pagesOK) {
			return false
		}
		heap.Pop(&f.ready)
	}
	if !pagesOK {
		return true // --max-pages reached: the rest of the queue waits
	}
	for f.due.Len() > 0 {
		if e := f.due[0]; e.gen == e.h.dueGen && !e.h.dbDue.IsZero() && !e.h.deferred {
			return false
		}
		heap.Pop(&f.due)
	}
	return true
}

// settle is the last look before the frontier ends: items the sink still
// has queued (of hosts it did not know, or deferred ones) are picked up or
// deferred. It reports whether the crawl is over.
func (f *frontier) settle(ctx context.Context) (bool, error) {
	f.pollAt = time.Time{}
	if !f.pagesOK() {
		return true, nil
	}
	queued, err := f.c.sink.QueuedHosts(ctx, f.runID)
	if err != nil {
		return false, fmt.Errorf("crawler: queued hosts: %w", err)
	}
	over := true
	for key, due := range queued {
		h := f.host(key, "")
		if h.deferred {
			if _, err := f.c.sink.DeferHost(ctx, f.runID, key, f.c.deferReason(key)); err != nil {
				return false, fmt.Errorf("crawler: defer %s: %w", key, err)
			}
			continue
		}
		// Idle: no claim is under way, so this is what the sink says.
		if due.IsZero() {
			due = time.UnixMilli(0)
		}
		h.gen++
		f.setDue(h, due)
		over = false
	}
	if over && f.gate.global != nil {
		// Other workers of the run may still have URLs in flight: their
		// pages add links, their retries and lost leases come back.
		n, _, err := f.c.sink.Pending(ctx, f.runID)
		if err != nil {
			return false, fmt.Errorf("crawler: pending: %w", err)
		}
		if n > 0 {
			f.pollAt, over = time.Now().Add(pendingPoll), false
		}
	}
	return over, nil
}

// held returns the items claimed and not handed out, for putting back.
func (f *frontier) held() []finarchive.QueueItem {
	keys := make([]string, 0, len(f.hosts))
	for k := range f.hosts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []finarchive.QueueItem
	for _, k := range keys {
		out = append(out, f.hosts[k].items...)
	}
	return out
}

// run dispatches jobs to workers until the crawl is over, ctx ends or the
// sink fails.
func (f *frontier) run(ctx context.Context, workers int, work func(job) error, stop context.CancelCauseFunc) error {
	stopWatch := f.gate.Watch(func(host string) {
		f.post(func(in *inbox) {
			if in.woken == nil {
				in.woken = map[string]bool{}
			}
			in.woken[host] = true
		})
	})
	defer stopWatch()
	idleQ := make(chan chan job, workers)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make(chan job, 1)
			for {
				idleQ <- mine // never blocks: one place per worker
				select {
				case j := <-mine:
					if err := work(j); err != nil {
						f.failed(err)
						stop(err)
					}
					f.jobDone(j)
				case <-quit:
					return
				}
			}
		}()
	}
	var idle []chan job
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var err error
	for {
		if err = f.drain(); err != nil {
			break
		}
		if ctx.Err() != nil {
			err = context.Cause(ctx)
			break
		}
	gather:
		for {
			select {
			case w := <-idleQ:
				idle = append(idle, w)
			default:
				break gather
			}
		}
		now := time.Now()
		f.startClaim(now)
		var wait time.Time
		for len(idle) > 0 {
			j, ok, at := f.next(now)
			if !ok {
				wait = at
				break
			}
			w := idle[len(idle)-1]
			idle = idle[:len(idle)-1]
			f.busy++
			w <- j
		}
		if f.idle() {
			over, serr := f.settle(ctx)
			if serr != nil {
				err = serr
				break
			}
			if over {
				break
			}
			continue
		}
		if f.due.Len() > 0 && (wait.IsZero() || f.due[0].at.Before(wait)) {
			wait = f.due[0].at
		}
		if !f.pollAt.IsZero() && (wait.IsZero() || f.pollAt.Before(wait)) {
			wait = f.pollAt
		}
		var tc <-chan time.Time
		if !wait.IsZero() {
			timer.Reset(max(time.Until(wait), 0))
			tc = timer.C
		}
		select {
		case w := <-idleQ:
			idle = append(idle, w)
		case <-f.wake:
		case <-tc:
		case <-ctx.Done():
		}
	}
	close(quit)
	wg.Wait()
	// Items claimed and not handed out go back to the queue.
	if held := f.held(); len(held) > 0 {
		if uerr := f.c.sink.Unclaim(context.WithoutCancel(ctx), f.runID, held); uerr != nil && err == nil {
			err = fmt.Errorf("crawler: put back claimed items: %w", uerr)
		}
	}
	return err
}
