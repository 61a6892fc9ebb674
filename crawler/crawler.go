// Package crawler fetches a site politely with colly and hands each page's
// extracted record to a Sink: scope, robots.txt, per-host rate limits,
// retries with backoff, Retry-After, an atomic on-disk frontier (through the
// Sink) that makes a killed crawl resumable.
package crawler

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/gocolly/colly/v2"
)

// Version is the crawler's version, part of the default User-Agent.
const Version = "0.1.0"

// DefaultUserAgent names finarchive and its version, as a polite crawler does.
const DefaultUserAgent = "finarchive/" + Version + " (+https://github.com/finarchive/finarchive)"

// Progress is a snapshot of a running crawl, for a progress line.
type Progress struct {
	Fetched  int64
	Articles int64 // new, changed or unchanged articles
	Errors   int64 // failed URLs
	Elapsed  time.Duration
}

// Crawler runs crawls into a Sink.
type Crawler struct {
	cfg      Config
	gate     *HostGate // politeness shared with other crawlers; nil: none
	sink     Sink
	log      *slog.Logger
	profiles *extract.Profiles
	now      func() time.Time

	collector *colly.Collector
	capture   *captureTransport // keeps each fetch's exchange for WARC records
	client    *http.Client      // same transport as the collector: robots.txt and sitemaps
	robots    *robots
	scope     *Scope
	scopeMu   sync.Mutex
	linkCache *linkCache // guarded by scopeMu; see resolveLink

	hostMu    sync.Mutex
	hostUntil map[string]time.Time // per-host backoff: no request before
	limited   map[string]bool      // hosts with a colly limit rule

	guard *netGuard // where connections may go (SSRF)

	redirMu   sync.Mutex
	redirects map[string]string    // redirect edges seen, to name loops
	redirFrom map[string]redirInfo // how redirect targets were reached

	countsMu sync.Mutex
	counts   finarchive.RunCounts
	start    time.Time
}

// New returns a crawler writing to sink. profiles may be nil.
func New(cfg Config, sink Sink, profiles *extract.Profiles, logger *slog.Logger) (*Crawler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Parallelism <= 0 {
		cfg.Parallelism = 1
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if err := checkUserAgent(cfg.UserAgent); err != nil {
		return nil, fmt.Errorf("crawler: User-Agent %w", err)
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = 10 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = Duration(30 * time.Second)
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = Duration(time.Second)
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = Duration(time.Minute)
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	return &Crawler{cfg: cfg, sink: sink, log: logger, profiles: profiles, now: time.Now,
		hostUntil: map[string]time.Time{}, limited: map[string]bool{}, redirects: map[string]string{}, redirFrom: map[string]redirInfo{}}, nil
}

// UseGate makes the crawler's requests wait on g too: per-host politeness
// shared with other crawlers (the sites of one schedule daemon). Call it
// before Run.
func (c *Crawler) UseGate(g *HostGate) { c.gate = g }

// Progress returns a snapshot of the running crawl.
func (c *Crawler) Progress() Progress {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	n := c.counts
	return Progress{Fetched: int64(n.Fetched), Articles: int64(n.New + n.Changed + n.Unchanged + n.NotModified),
		Errors: int64(n.Failed), Elapsed: time.Since(c.start)}
}

// Counts returns the run's figures so far.
func (c *Crawler) Counts() finarchive.RunCounts {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	out := c.counts
	out.SkippedBy = copyMap(c.counts.SkippedBy)
	out.FailedBy = copyMap(c.counts.FailedBy)
	return out
}

func copyMap(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Run crawls from seeds into run runID of the sink until the frontier is
// empty, MaxPages is reached, or ctx is cancelled (then in-flight URLs are
// put back and ctx.Err() is returned, so the run can be resumed). Seeds
// already in the run's frontier are not fetched again, which is what makes
// Run also the resume path. Bad seeds are counted as failures and the crawl
// goes on with the others.
func (c *Crawler) Run(ctx context.Context, runID int64, seeds []string) (finarchive.RunCounts, error) {
	c.start = time.Now()
	var items []finarchive.QueueItem
	hosts := append([]string(nil), c.cfg.Hosts...)
	var seedHosts []string
	for _, s := range seeds {
		n, err := Normalize(s)
		if err != nil {
			c.log.Error("bad seed", "url", s, "err", err)
			c.fail("bad-url")
			continue
		}
		u, _ := url.Parse(n)
		hosts = append(hosts, u.Host)
		seedHosts = append(seedHosts, u.Host)
		items = append(items, finarchive.QueueItem{URL: n})
	}
	c.guard = newNetGuard(ctx, c.cfg.AllowPrivate, seedHosts)
	scope, err := NewScope(hosts, c.cfg.Include, c.cfg.Exclude, c.cfg.MaxPerPattern, c.now())
	if err != nil {
		return c.Counts(), err
	}
	c.scope = scope
	c.linkCache = newLinkCache()
	if len(items) == 0 {
		return c.Counts(), errNoSeed
	}
	// A sink failure (a lost crawl lock, a broken disk) stops the crawl at
	// once, requests in flight included: nothing it fetched could be kept.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	c.collector = c.newCollector(ctx)
	for _, h := range hosts {
		c.limitHost(h)
	}
	if _, err := c.sink.Enqueue(ctx, runID, items); err != nil {
		return c.Counts(), fmt.Errorf("crawler: enqueue seeds: %w", err)
	}
	if c.cfg.Sitemaps {
		c.enqueueSitemaps(ctx, runID, items)
	}
	err = c.loop(ctx, runID, stop)
	return c.Counts(), err
}

// loop claims due items and hands them to workers until nothing is left.
// It claims ahead, up to four times the number of workers, so workers never wait
// on a claim; items claimed but not started when the crawl stops are put
// back (and a killed process's are reset by the resume). A sink error
// cancels ctx through stop and is returned.
func (c *Crawler) loop(ctx context.Context, runID int64, stop context.CancelCauseFunc) error {
	// Eight times the per-host parallelism: workers waiting for their
	// commit (the store gathers twenty or so completions per transaction,
	// waiting up to a few ms for them) do not leave HTTP slots idle; colly's
	// limit rule still caps requests in flight per host at Parallelism.
	workers := 8 * c.cfg.Parallelism * max(1, len(c.limited))
	workers = min(max(workers, 1), 512)
	work := make(chan finarchive.QueueItem, 4*workers)
	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	var inflight atomic.Int64 // claimed and not yet committed
	var sinkErr atomic.Value
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				if ctx.Err() != nil {
					// Stopping: put it back untouched for the resume.
					_ = c.sink.Retry(context.WithoutCancel(ctx), runID, it, "interrupted")
				} else if err := c.process(ctx, runID, it); err != nil {
					sinkErr.CompareAndSwap(nil, err)
					stop(err)
				}
				inflight.Add(-1)
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	wait := func(d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
	}
	for {
		if err, _ := sinkErr.Load().(error); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		free := int64(4*workers) - inflight.Load()
		if c.cfg.MaxPages > 0 {
			free = min(free, int64(c.cfg.MaxPages)-int64(c.Progress().Fetched)-inflight.Load())
			if free <= 0 && inflight.Load() == 0 {
				return nil // MaxPages reached
			}
		}
		if free <= 0 || (inflight.Load() > int64(workers) && free < int64(workers)) {
			wait(100 * time.Millisecond)
			continue
		}
		claimed, err := c.sink.Claim(ctx, runID, int(free), c.now())
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return fmt.Errorf("crawler: claim: %w", err)
		}
		if len(claimed) == 0 {
			if inflight.Load() > 0 {
				wait(100 * time.Millisecond)
				continue
			}
			n, due, err := c.sink.Pending(ctx, runID)
			if err != nil {
				if ctx.Err() != nil {
					return context.Cause(ctx)
				}
				return fmt.Errorf("crawler: pending: %w", err)
			}
			if n == 0 {
				return nil
			}
			d := 50 * time.Millisecond
			if !due.IsZero() {
				d = min(max(time.Until(due), time.Millisecond), 500*time.Millisecond)
			}
			wait(d)
			continue
		}
		for _, it := range claimed {
			inflight.Add(1)
			work <- it
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// limitHost gives a host its own colly limit rule, so parallelism and delay
// hold per host rather than across all of them.
func (c *Crawler) limitHost(host string) {
	c.hostMu.Lock()
	defer c.hostMu.Unlock()
	if c.limited[host] || c.collector == nil {
		return
	}
	c.limited[host] = true
	_ = c.collector.Limit(&colly.LimitRule{DomainGlob: globEscape(host), Parallelism: c.cfg.Parallelism,
		Delay: time.Duration(c.cfg.Delay), RandomDelay: time.Duration(c.cfg.RandomDelay)})
}

func globEscape(s string) string {
	r := strings.NewReplacer("*", `\*`, "?", `\?`, "[", `\[`, "{", `\{`)
	return r.Replace(s)
}

// hostWait returns when a host may next be asked, after a throttle signal.
func (c *Crawler) hostWait(host string) time.Time {
	c.hostMu.Lock()
	defer c.hostMu.Unlock()
	return c.hostUntil[host]
}

func (c *Crawler) slowHost(host string, until time.Time) {
	c.hostMu.Lock()
	defer c.hostMu.Unlock()
	if until.After(c.hostUntil[host]) {
		c.hostUntil[host] = until
	}
}

// backoff returns the wait before retry number attempt (1-based): exponential
// with full jitter over the upper half, bounded by BackoffMax.
func (c *Crawler) backoff(attempt int) time.Duration {
	d := time.Duration(c.cfg.BackoffBase) << min(attempt-1, 20)
	if d > time.Duration(c.cfg.BackoffMax) || d <= 0 {
		d = time.Duration(c.cfg.BackoffMax)
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// response counts one response received (fetched), with its body size.
func (c *Crawler) response(bytes int) {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	c.counts.Fetched++
	c.counts.Bytes += int64(bytes)
}

func (c *Crawler) skip(reason string) {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	c.counts.Skipped++
	if c.counts.SkippedBy == nil {
		c.counts.SkippedBy = map[string]int{}
	}
	c.counts.SkippedBy[reason]++
}

func (c *Crawler) fail(reason string) {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	c.counts.Failed++
	if c.counts.FailedBy == nil {
		c.counts.FailedBy = map[string]int{}
	}
	c.counts.FailedBy[reason]++
}

func (c *Crawler) saved(res finarchive.SaveResult, notModified bool) {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	switch {
	case notModified:
		c.counts.NotModified++
	case res == finarchive.SaveNew:
		c.counts.New++
	case res == finarchive.SaveChanged:
		c.counts.Changed++
	case res == finarchive.SaveUnchanged:
		c.counts.Unchanged++
	}
}
