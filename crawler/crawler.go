// Package crawler fetches sites politely with colly and hands each page's
// extracted record to a Sink: scope, robots.txt, a host-aware frontier that
// keeps every host at its politeness limit (a gap between request starts,
// a cap on requests in flight, Crawl-delay, per-host backoff and
// Retry-After), retries with backoff, and an atomic on-disk frontier
// (through the Sink) that makes a killed crawl resumable.
package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
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

	fr    *frontier          // the running crawl's frontier
	slots *slotTransport     // starts colly requests' slots
	trace func(RequestTrace) // see TraceRequests

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
		redirects: map[string]string{}, redirFrom: map[string]redirInfo{}}, nil
}

// UseGate makes the crawler keep its per-host politeness state in g, shared
// with other crawlers (the sites of one schedule daemon): a host's limits
// then hold whichever crawler asks. Call it before Run; without it each
// Run has a gate of its own.
func (c *Crawler) UseGate(g *HostGate) { c.gate = g }

// TraceRequests makes the crawler call fn after each HTTP request it
// makes (pages, robots.txt, sitemaps, redirects), from the goroutine that
// made it, with when it was handed out, started and written. fn must be
// safe for concurrent use and quick. Call it before Run.
func (c *Crawler) TraceRequests(fn func(RequestTrace)) { c.trace = fn }

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
	out.GoneBy = copyMap(c.counts.GoneBy)
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
// Run also the resume path. Bad seeds are logged and skipped, and the crawl
// goes on with the others.
//
// Every host starts at once: its robots.txt first, then its sitemaps (when
// Sitemaps is set), then its pages, each request at least the host's gap
// after the previous one's start and at most Parallelism in flight.
func (c *Crawler) Run(ctx context.Context, runID int64, seeds []string) (finarchive.RunCounts, error) {
	c.countsMu.Lock() // Progress, from another goroutine, reads it
	c.start = time.Now()
	c.countsMu.Unlock()
	var items []finarchive.QueueItem
	hosts := append([]string(nil), c.cfg.Hosts...)
	var seedHosts []string
	for _, s := range seeds {
		n, err := Normalize(s)
		if err != nil {
			c.log.Error("bad seed", "url", s, "err", err)
			c.skip("bad-url")
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
	gate := c.gate
	if gate == nil {
		gate = NewHostGate(c.cfg.Parallelism, time.Duration(c.cfg.Delay), time.Duration(c.cfg.RandomDelay))
	}
	if ht, ok := c.sink.(HostTimer); ok {
		// The sink keeps every host's politeness across processes.
		gate = c.timedGate(ctx, ht, runID)
	}
	if _, err := c.sink.Enqueue(ctx, runID, items); err != nil {
		return c.Counts(), fmt.Errorf("crawler: enqueue seeds: %w", err)
	}
	fr := newFrontier(ctx, c, runID, gate)
	c.fr = fr
	queued, err := c.sink.QueuedHosts(ctx, runID)
	if err != nil {
		return c.Counts(), fmt.Errorf("crawler: %w", err)
	}
	for key, due := range queued {
		fr.raiseDue(fr.host(key, ""), due)
	}
	for _, it := range items {
		h := fr.host(finarchive.URLHost(it.URL), it.URL)
		if c.cfg.Sitemaps && c.cfg.IgnoreRobots {
			fr.addTasks(c.sitemapJobs(h.key, h.origin, nil)...)
		}
	}
	workers := min(max(2*c.cfg.Parallelism*len(fr.hosts), 8*c.cfg.Parallelism), maxWorkers)
	err = fr.run(ctx, workers, func(j job) error { return c.work(ctx, runID, j) }, stop)
	return c.Counts(), err
}

// work does one job of the frontier. It returns an error only when the
// sink fails, which stops the crawl.
func (c *Crawler) work(ctx context.Context, runID int64, j job) error {
	switch j.kind {
	case jobRobots, jobSitemap:
		if err := c.globalSlot(ctx, j.host, j.slot); err != nil { // under a HostTimer: a start of its own
			j.slot.Release()
			if ctx.Err() != nil {
				return nil // stopping: asked again on resume
			}
			return err
		}
		if j.kind == jobRobots {
			return c.readRobots(ctx, runID, j)
		}
		return c.readSitemapJob(ctx, runID, j)
	case jobSkip:
		c.skip("robots")
		return c.complete(context.WithoutCancel(ctx), runID, &finarchive.Fetched{Item: j.item, Skipped: "robots: disallowed by robots.txt"})
	case jobFail:
		c.fail("robots-unreachable")
		c.log.Warn("page failed", "url", j.item.URL, "reason", j.reason)
		return c.complete(context.WithoutCancel(ctx), runID, &finarchive.Fetched{Item: j.item, Failed: j.reason})
	}
	return c.process(ctx, runID, j.item, j.slot)
}

// readRobots reads a host's robots.txt (its first request), applies its
// Crawl-delay to the host's gap and, on a fresh run, queues its sitemaps.
// An unreachable robots.txt (RFC 9309 §2.3.1.4: 5xx, 429, a timeout)
// disallows the whole host: it is asked again after a backoff (the host
// parked meanwhile, its pages waiting; not before a 429's or 503's
// Retry-After), and after MaxRetries more tries the host's pages fail as
// robots-unreachable. A Retry-After longer than MaxRetryAfter leaves the
// host for the next run, as a page's does. It returns an error only when
// the sink fails.
func (c *Crawler) readRobots(ctx context.Context, runID int64, j job) error {
	defer j.slot.Release()
	u, err := url.Parse(j.url)
	if err != nil {
		if !j.origin {
			c.fr.robotsRead(j.host, "")
		}
		return nil
	}
	st := c.robots.state(withSlot(ctx, j.slot), u) // the slot starts if it is fetched
	if st.down == "" {
		j.slot.Release() // else after the host is parked: no request slips in between
	}
	if j.origin {
		// Another origin of the host (https:// beside http://): read, or
		// unreachable until its retry time, when the frontier has it
		// read again; meanwhile its pages are skipped as disallowed.
		return nil
	}
	if ctx.Err() != nil {
		return nil // stopping: asked again on resume
	}
	if st.down != "" {
		if wait := st.asked.Sub(c.now()); !st.asked.IsZero() && wait > time.Duration(c.cfg.MaxRetryAfter) {
			// The host asks to wait longer than we do: its URLs are left
			// for the next run, which asks for robots.txt again.
			logURL := ""
			if !c.fr.isDeferred(j.host) {
				logURL = j.url
			}
			return c.deferQueue(context.WithoutCancel(ctx), runID, j.host, logURL, 0,
				fmt.Sprintf("robots.txt %s with Retry-After %s", st.down, wait.Round(time.Second)))
		}
		if j.try < c.cfg.MaxRetries {
			c.fr.gate.Park(j.host, st.retryAt)
			j.try++
			j.slot = nil
			c.fr.addTasks(j)
			return nil
		}
		c.fr.robotsRead(j.host, "robots.txt unreachable ("+st.down+"): nothing on the host is fetched until it is read")
		return nil
	}
	defer c.fr.robotsRead(j.host, "")
	if g := st.data.FindGroup(agentToken(c.cfg.UserAgent)); g != nil && g.CrawlDelay != 0 && c.cfg.MaxCrawlDelay > 0 {
		// The parser refuses a negative Crawl-delay, so a negative one is
		// seconds past time.Duration's range (on amd64 their conversion
		// wraps): the site asks for the longest gap there is, not none.
		d := time.Duration(c.cfg.MaxCrawlDelay)
		if g.CrawlDelay > 0 {
			d = min(g.CrawlDelay, d)
		}
		if d > time.Duration(c.cfg.Delay) {
			c.fr.gate.SetCrawlDelay(j.host, d)
			c.log.Info("robots.txt Crawl-delay", "host", j.host, "crawl_delay", g.CrawlDelay, "gap", d)
		}
	}
	if c.cfg.Sitemaps && c.isSeedHost(j.host) {
		// A robots.txt may name a sitemap anywhere: only one on a host in
		// scope is read.
		var maps []string
		for _, sm := range st.data.Sitemaps {
			if canon, err := Normalize(sm); err == nil && c.inScopeHost(canon) {
				maps = append(maps, canon)
			} else {
				c.log.Debug("sitemap out of scope ignored", "host", j.host, "sitemap", sm)
			}
		}
		c.fr.addTasks(c.sitemapJobs(j.host, u.Scheme+"://"+u.Host, maps)...)
	}
	return nil
}

// sitemapJobs are the sitemap jobs of a seed host: the robots.txt
// Sitemap: lines, or /sitemap.xml when there are none.
func (c *Crawler) sitemapJobs(host, origin string, maps []string) []job {
	if len(maps) == 0 {
		maps = []string{origin + "/sitemap.xml"}
	}
	jobs := make([]job, 0, len(maps))
	for _, m := range maps {
		if k := finarchive.URLHost(m); k != "" {
			jobs = append(jobs, job{kind: jobSitemap, host: k, url: m, budget: host})
		}
	}
	return jobs
}

// readSitemapJob reads one sitemap; the sitemaps an index lists become jobs
// of their own. A host pushing back on it (429, 503) is parked as it is
// for a page, until its Retry-After or for a backoff, and the sitemap is
// asked again after it, up to MaxRetries times; a Retry-After beyond
// MaxRetryAfter leaves the host for the next run. It returns an error
// only when the sink fails.
func (c *Crawler) readSitemapJob(ctx context.Context, runID int64, j job) error {
	defer j.slot.Release() // after a Park: no request slips in between
	children, n, err := c.readSitemap(ctx, runID, j.url, j.slot)
	if n > 0 {
		c.log.Info("sitemap", "url", j.url, "enqueued", n)
	}
	var se *statusError
	if errors.As(err, &se) && (se.code == http.StatusTooManyRequests || se.code == http.StatusServiceUnavailable) && ctx.Err() == nil {
		after, wait, tooLong := c.pushedBack(se.retryAfter, j.try+1)
		if tooLong {
			logURL := ""
			if !c.fr.isDeferred(j.host) {
				logURL = j.url
			}
			return c.deferQueue(context.WithoutCancel(ctx), runID, j.host, logURL, 0,
				fmt.Sprintf("sitemap HTTP %d with Retry-After %s", se.code, wait.Round(time.Second)))
		}
		c.fr.gate.Park(j.host, after)
		if j.try < c.cfg.MaxRetries {
			j.try++
			j.slot = nil
			c.fr.addTasks(j)
		}
		return nil
	}
	j.slot.Release()
	var jobs []job
	for _, m := range children {
		if k := finarchive.URLHost(m); k != "" {
			jobs = append(jobs, job{kind: jobSitemap, host: k, url: m, budget: j.budget})
		}
	}
	c.fr.addTasks(jobs...)
	return nil
}

// isSeedHost reports whether host (URLHost form) is in scope as a seed's
// or a --host.
func (c *Crawler) isSeedHost(host string) bool {
	c.scopeMu.Lock()
	defer c.scopeMu.Unlock()
	return c.scope.hosts[host]
}

// robotsKnown reports whether robots.txt lets us fetch raw and whether
// that is known yet (see robots.known), and raw's origin.
func (c *Crawler) robotsKnown(raw string) (allowed, known bool, origin string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return true, true, "" // process reports the bad URL
	}
	allowed, known = c.robots.known(u)
	return allowed, known, u.Scheme + "://" + u.Host
}

// deferReason is the last_error of a host's URLs left for the next run.
func (c *Crawler) deferReason(host string) string {
	return fmt.Sprintf("deferred: %s asked to wait longer than --max-retry-after %s (Retry-After)", host, c.cfg.MaxRetryAfter)
}

// fetchedCount is how many responses the run has had.
func (c *Crawler) fetchedCount() int {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	return c.counts.Fetched
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

// gone counts a dead link by its status code.
func (c *Crawler) gone(status int) {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	c.counts.Gone++
	if c.counts.GoneBy == nil {
		c.counts.GoneBy = map[string]int{}
	}
	c.counts.GoneBy[fmt.Sprint(status)]++
}

// deferred counts URLs left for the next run.
func (c *Crawler) deferred(n int) {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	c.counts.Deferred += n
}

func (c *Crawler) saved(res finarchive.SaveResult, notModified bool) {
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	switch {
	case res == finarchive.SaveRemoved:
		c.counts.Removed++
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
