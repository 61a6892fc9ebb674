package crawler

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/http/httpguts"
)

// Context keys of a colly request.
const (
	ctxContentType = "finarchive.content_type"
	ctxAbort       = "finarchive.abort"
	ctxResponse    = "finarchive.response"
	ctxRaw         = "finarchive.raw" // a sitemap: any content type, body as is
)

// newCollector configures colly for our frontier: no visited store of its
// own (the Sink deduplicates atomically), robots.txt obeyed unless told,
// redirects returned to us, every status handed to OnResponse, and bodies
// left undecoded (we decode by BOM, header, <meta> and detection ourselves,
// which colly does not).
func (c *Crawler) newCollector(ctx context.Context) *colly.Collector {
	col := colly.NewCollector(
		colly.UserAgent(c.cfg.UserAgent),
		colly.StdlibContext(ctx),
		colly.AllowURLRevisit(),
	)
	col.IgnoreRobotsTxt = true // checked in process, see robots.go
	col.ParseHTTPErrorResponse = true
	col.DetectCharset = false
	col.MaxBodySize = int(c.cfg.MaxBodySize) + 1 // one byte more tells an oversize body from one at the limit
	dialer := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         trackedDial(c.guard.dialContext(dialer)), // checks the address each connection goes to; starts slots (gate.go)
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: max(2, c.cfg.Parallelism*2),
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	// Every request, pages, robots.txt and sitemaps, is refused by its
	// host's name or literal address first (see netguard.go). No colly
	// limit rule: the frontier decides when each request starts (see
	// frontier.go), so nothing ever waits inside colly.
	rt := &guardTransport{guard: c.guard, next: tr}
	c.capture = newCaptureTransport(rt, int64(c.cfg.MaxBodySize)+1)
	// gzip files (.xml.gz, a gzip Content-Type) are unpacked above the
	// capture, which keeps the bytes as received, under the body limit.
	// The slot transport goes first: it strips its header before the
	// capture records the request.
	c.slots = newSlotTransport(c.capture, c.trace)
	col.WithTransport(&inflateTransport{rt: c.slots})
	c.client = &http.Client{Transport: newSlotTransport(rt, c.trace), Timeout: time.Duration(c.cfg.Timeout), CheckRedirect: c.robotsRedirect}
	c.robots = newRobots(c.client, c.cfg.UserAgent, c.log, c.now, c.backoff)
	col.SetRequestTimeout(time.Duration(c.cfg.Timeout))
	col.SetRedirectHandler(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse })
	col.OnResponseHeaders(func(r *colly.Response) {
		ct := r.Headers.Get("Content-Type")
		r.Ctx.Put(ctxContentType, ct)
		// Hide the charset from colly so it hands us the bytes as sent.
		r.Headers.Del("Content-Type")
		if r.StatusCode != http.StatusOK || r.Ctx.Get(ctxRaw) != "" {
			return
		}
		if ct != "" && !isHTMLType(ct) {
			r.Ctx.Put(ctxAbort, "not-html")
			r.Request.Abort()
			return
		}
		if n, err := strconv.ParseInt(r.Headers.Get("Content-Length"), 10, 64); err == nil && n > int64(c.cfg.MaxBodySize) {
			r.Ctx.Put(ctxAbort, fmt.Sprintf("oversize: Content-Length %d > limit %d", n, c.cfg.MaxBodySize))
			r.Request.Abort()
		}
	})
	col.OnResponse(func(r *colly.Response) { r.Ctx.Put(ctxResponse, r) })
	return col
}

// checkUserAgent reports whether ua can be sent as a User-Agent header: a
// CR, LF or other control character would split or break every request.
func checkUserAgent(ua string) error {
	if !httpguts.ValidHeaderFieldValue(ua) {
		return fmt.Errorf("%q: control characters (CR, LF …) are not allowed in a header", ua)
	}
	return nil
}

func isHTMLType(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	mt = strings.TrimSpace(mt)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// process fetches one claimed item with the slot the frontier gave it and
// commits its outcome; the slot is released as soon as the response is
// read. It returns an error only when the sink itself fails, which stops
// the crawl.
//
// Outcomes: a 304 or 200 is a result; so are definitive answers (404 and
// 410 are counted as gone and mark an archived article removed; other 4xx
// but 408 and 429, redirect loops, oversize or unparsable bodies are
// skipped with their reason). Only transient errors (network errors, 408,
// 429, 5xx, soft blocks) are retried, and fail the URL when every retry
// failed; 429, 503 and soft blocks also park the host (Retry-After is
// honoured up to MaxRetryAfter; a host asking for longer is deferred to the
// next run).
func (c *Crawler) process(ctx context.Context, runID int64, it finarchive.QueueItem, slot *Slot) error {
	defer slot.Release()
	bg := context.WithoutCancel(ctx) // commits finish even when the crawl is being stopped
	if it.Host == "" {
		it.Host = finarchive.URLHost(it.URL)
	}
	u, err := url.Parse(it.URL)
	if err != nil {
		c.skip("bad-url")
		return c.complete(bg, runID, &finarchive.Fetched{Item: it, Skipped: "bad-url: " + err.Error()})
	}

	cctx := colly.NewContext()
	hdr := http.Header{}
	if it.ETag != "" {
		hdr.Set("If-None-Match", it.ETag)
	}
	if it.LastModified != "" {
		hdr.Set("If-Modified-Since", it.LastModified)
	}
	hdr.Set("User-Agent", c.cfg.UserAgent)
	hdr.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	hdr.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
	capID := c.capture.start()
	hdr.Set(captureHeader, capID)
	fetchedAt := c.now()
	slotID := c.slots.header(slot) // the slot starts when the request has its connection
	hdr.Set(slotHeader, slotID)
	reqErr := c.collector.Request(http.MethodGet, it.URL, nil, cctx, hdr)
	c.slots.forget(slotID)
	capt := c.capture.take(capID)
	resp, _ := cctx.GetAny(ctxResponse).(*colly.Response)
	c.parkOn(resp, it.Host) // before the slot goes: no request of the host slips in between
	slot.Release()
	unconditional := it.ETag == "" && it.LastModified == ""
	if resp != nil && resp.StatusCode == http.StatusNotModified && unconditional && ctx.Err() == nil {
		// A 304 to a request without validators (the URL was never
		// archived) is a server or cache bug: ask once more, asking
		// caches not to answer from theirs.
		// The second request is one more start at the host: it waits for
		// a slot of its own (this worker waits, the dispatcher does not).
		c.log.Debug("304 without validators: asking again", "url", it.URL)
		resp = nil
		again, aerr := c.fr.gate.Acquire(ctx, it.Host)
		if aerr == nil {
			hdr.Set("Cache-Control", "no-cache")
			hdr.Set("Pragma", "no-cache")
			capID = c.capture.start()
			hdr.Set(captureHeader, capID)
			slotID = c.slots.header(again)
			hdr.Set(slotHeader, slotID)
			cctx = colly.NewContext()
			reqErr = c.collector.Request(http.MethodGet, it.URL, nil, cctx, hdr)
			c.slots.forget(slotID)
			capt = c.capture.take(capID)
			resp, _ = cctx.GetAny(ctxResponse).(*colly.Response)
			c.parkOn(resp, it.Host)
			again.Release()
		}
	}
	contentType := cctx.Get(ctxContentType)

	if ctx.Err() != nil && resp == nil {
		// Stopped mid-request: put it back untouched for the resume.
		if err := c.sink.Retry(bg, runID, it, "interrupted"); err != nil && !c.leaseLost(err, it) {
			return err
		}
		return nil
	}
	if resp == nil {
		var blocked *BlockedError
		switch {
		case errors.Is(reqErr, colly.ErrAbortedAfterHeaders):
			c.response(0)
			reason := cctx.Get(ctxAbort)
			if strings.HasPrefix(reason, "oversize") {
				c.log.Warn("page skipped", "url", it.URL, "reason", reason)
				c.skip("oversize")
				return c.complete(bg, runID, &finarchive.Fetched{Item: it, StatusCode: 200, Skipped: reason})
			}
			c.skip(reason)
			return c.complete(bg, runID, &finarchive.Fetched{Item: it, StatusCode: 200, ContentType: contentType, Skipped: reason + ": " + contentType})
		case corruptEncoding(reqErr):
			// A broken gzip stream is what the server sent, every time:
			// skipped with the reason, not retried as a network fault.
			c.skip("bad-content-encoding")
			reason := fmt.Sprintf("bad-content-encoding: %v", reqErr)
			c.log.Warn("page skipped", "url", it.URL, "reason", reason)
			return c.complete(bg, runID, &finarchive.Fetched{Item: it, StatusCode: 200, ContentType: contentType, Skipped: reason})
		case errors.As(reqErr, &blocked):
			// Where the URL leads is the answer, not a transient error:
			// skipped with the reason, not retried run after run.
			c.skip("blocked")
			c.log.Warn("page skipped", "url", it.URL, "reason", blocked.Error())
			return c.complete(bg, runID, &finarchive.Fetched{Item: it, Skipped: blocked.Error()})
		case reqErr == nil:
			reqErr = errors.New("no response")
		}
		return c.retry(bg, runID, it, "network", fmt.Sprintf("fetch: %v", reqErr), time.Time{})
	}

	c.response(len(resp.Body))
	f := &finarchive.Fetched{Item: it, StatusCode: resp.StatusCode, ContentType: contentType, FetchedAt: fetchedAt,
		ETag: resp.Headers.Get("ETag"), LastModified: resp.Headers.Get("Last-Modified"), Capture: capt}
	status := resp.StatusCode
	switch {
	case status == http.StatusNotModified && unconditional:
		c.fail("http-304-unconditional")
		f.Failed = "HTTP 304 Not Modified, twice, to a request without validators: nothing archived to be unchanged against"
		c.log.Warn("page failed", "url", it.URL, "reason", f.Failed)
		return c.complete(bg, runID, f)
	case status == http.StatusNotModified:
		f.NotModified = true
		res, err := c.completeRes(bg, runID, f)
		c.saved(res, true)
		return err
	case status >= 300 && status < 400:
		return c.redirect(bg, runID, f, resp)
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		after, wait, tooLong := c.pushedBack(resp.Headers.Get("Retry-After"), it.Attempts+1)
		if tooLong {
			return c.deferHost(bg, runID, f, fmt.Sprintf("HTTP %d with Retry-After %s", status, wait.Round(time.Second)))
		}
		// parkOn parked the host already; with a backoff of its own,
		// after is a moment later than that: the later park holds.
		c.fr.gate.Park(it.Host, after)
		return c.retry(bg, runID, it, fmt.Sprintf("http-%d", status), fmt.Sprintf("HTTP %d", status), after)
	case status >= 500 || status == http.StatusRequestTimeout:
		return c.retry(bg, runID, it, fmt.Sprintf("http-%d", status), fmt.Sprintf("HTTP %d", status), time.Time{})
	case status == http.StatusNotFound || status == http.StatusGone:
		// A dead link is an answer, not a failure.
		c.gone(status)
		c.log.Debug("gone", "url", it.URL, "status", status)
		f.Gone = true
		f.Raw = resp.Body // kept as the fetch that found an archived article removed
		res, err := c.completeRes(bg, runID, f)
		if res == finarchive.SaveRemoved {
			c.log.Info("archived article removed from its site", "url", it.URL, "status", status)
		}
		c.saved(res, false)
		return err
	case status >= 400:
		reason := fmt.Sprintf("http-%d", status)
		c.skip(reason)
		f.Skipped = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
		return c.complete(bg, runID, f)
	case status != http.StatusOK:
		c.skip(fmt.Sprintf("http-%d", status))
		f.Skipped = fmt.Sprintf("HTTP %d", status)
		return c.complete(bg, runID, f)
	}
	if int64(len(resp.Body)) > int64(c.cfg.MaxBodySize) {
		reason := fmt.Sprintf("oversize: body over limit %d bytes", c.cfg.MaxBodySize)
		c.skip("oversize")
		c.log.Warn("page skipped", "url", it.URL, "reason", reason)
		f.Skipped = reason
		return c.complete(bg, runID, f)
	}
	switch ce := strings.ToLower(strings.TrimSpace(resp.Headers.Get("Content-Encoding"))); ce {
	case "", "identity", "gzip", "x-gzip": // gzip is undone by the transport (a body only labelled so is read as it is)
	default:
		// An encoding never asked for (br, deflate, zstd): the bytes are
		// no page to read, whatever they would look like parsed (a block
		// page, to the extractor). A definitive answer, as import's.
		reason := "content-encoding-" + ce
		c.skip(reason)
		c.log.Warn("page skipped", "url", it.URL, "reason", reason)
		f.Skipped = "Content-Encoding " + ce + " not undone (only gzip is asked for)"
		return c.complete(bg, runID, f)
	}
	if contentType == "" {
		if sniffed := http.DetectContentType(resp.Body); !strings.HasPrefix(sniffed, "text/html") {
			c.skip("not-html")
			f.Skipped = "not-html: sniffed " + sniffed
			return c.complete(bg, runID, f)
		}
	} else if kind := extract.BinaryKind(resp.Body, contentType); kind != "" {
		// Served as HTML, but a PDF, an image or noise: not archived as
		// an article of garbage.
		c.skip("not-html")
		c.log.Warn("page skipped", "url", it.URL, "reason", "not-html", "content_type", contentType, "looks_like", kind)
		f.Skipped = fmt.Sprintf("not-html: served as %s, looks like %s", contentType, kind)
		return c.complete(bg, runID, f)
	}

	doc, err := extract.Parse(resp.Body, contentType)
	if err != nil {
		c.skip("parse")
		f.Skipped = "parse: " + err.Error()
		return c.complete(bg, runID, f)
	}
	rec := extract.Extract(doc, u, extract.Options{FetchedAt: fetchedAt, Profiles: c.profiles})
	f.Links = c.links(doc, u, it.Depth+1)
	if rec.PageType != extract.PageArticle {
		// A <meta http-equiv="refresh"> page is a redirect: follow it as one,
		// rather than taking its empty body for a block page.
		if target, tu, ok := c.metaRefresh(doc, u); ok {
			c.followInto(f, "meta-refresh", target, tu)
			keepRedirect(f, resp.Body)
			return c.complete(bg, runID, f)
		}
	}
	switch rec.PageType {
	case extract.PageArticle:
		f.Record = rec
		f.Raw = resp.Body
	case extract.PageBlocked:
		// A captcha or "访问过于频繁" page: the host is throttling us. Slow
		// down and retry; never let it overwrite a stored record.
		after := c.now().Add(c.backoff(it.Attempts + 1))
		c.fr.gate.Park(it.Host, after)
		why := "soft block: " + rec.Title
		if strings.TrimSpace(rec.Title) == "" {
			why = fmt.Sprintf("soft block: a page with hardly any text and no title (%d bytes)", len(resp.Body))
		}
		return c.retry(bg, runID, it, "soft-block", why, after)
	default:
		c.skip(string(rec.PageType) + "-page")
		f.Skipped = string(rec.PageType) + "-page"
		// Not archived, but kept: reextract may find an article in it
		// after an extractor or profile change.
		f.Record = rec
		f.Raw = resp.Body
	}
	res, err := c.completeRes(bg, runID, f)
	c.saved(res, false)
	return err
}

// pushedBack reads the Retry-After of a 429 or 503: until when to park the
// host (the Retry-After, or else the backoff before retry number attempt),
// the wait it asks for, and whether that is longer than MaxRetryAfter (the
// host is then left for the next run, not parked).
func (c *Crawler) pushedBack(header string, attempt int) (until time.Time, wait time.Duration, tooLong bool) {
	now := c.now()
	after := retryAfter(header, now)
	if after.IsZero() {
		return now.Add(c.backoff(attempt)), 0, false
	}
	wait = after.Sub(now)
	return after, wait, wait > time.Duration(c.cfg.MaxRetryAfter)
}

// parkOn parks host at once when resp is a 429 or 503 asking to wait no
// longer than MaxRetryAfter (for its Retry-After, or a first backoff),
// so that the host is parked before the request's slot is released.
func (c *Crawler) parkOn(resp *colly.Response, host string) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return
	}
	if until, _, tooLong := c.pushedBack(resp.Headers.Get("Retry-After"), 1); !tooLong {
		c.fr.gate.Park(host, until)
	}
}

// deferHost leaves a host that asked to wait longer than MaxRetryAfter for
// the next run: f's URL and every other queued URL of the host. The crawl
// goes on with the other hosts.
func (c *Crawler) deferHost(ctx context.Context, runID int64, f *finarchive.Fetched, why string) error {
	host := f.Item.Host
	logURL := ""
	if !c.fr.isDeferred(host) {
		logURL = f.Item.URL
	}
	c.fr.deferHost(host)
	f.Deferred = c.deferReason(host)
	if err := c.complete(ctx, runID, f); err != nil {
		return err
	}
	return c.deferQueue(ctx, runID, host, logURL, 1, why)
}

// deferQueue leaves every queued URL of host for the next run, counting
// extra more the caller deferred itself, and, when logURL is set (the
// URL that asked to wait, the first time for the host), says so in the
// log.
func (c *Crawler) deferQueue(ctx context.Context, runID int64, host, logURL string, extra int, why string) error {
	c.fr.deferHost(host)
	n, err := c.sink.DeferHost(ctx, runID, host, c.deferReason(host))
	if err != nil {
		return fmt.Errorf("crawler: defer %s: %w", host, err)
	}
	c.deferred(n + extra)
	if logURL != "" {
		c.log.Warn("host deferred to the next run: it asks to wait longer than --max-retry-after", "host", host,
			"reason", why, "max_retry_after", c.cfg.MaxRetryAfter.String(), "url", logURL, "deferred", n+extra)
	}
	return nil
}

// retry puts an item back with backoff, or fails it for good after
// MaxRetries. notBefore, when set, is honoured (Retry-After). An item of a
// host deferred meanwhile is deferred with it.
func (c *Crawler) retry(ctx context.Context, runID int64, it finarchive.QueueItem, kind, msg string, notBefore time.Time) error {
	if c.fr.isDeferred(it.Host) {
		c.deferred(1)
		return c.complete(ctx, runID, &finarchive.Fetched{Item: it, Deferred: c.deferReason(it.Host)})
	}
	it.Attempts++
	if it.Attempts > c.cfg.MaxRetries {
		c.fail(kind)
		c.log.Warn("page failed", "url", it.URL, "reason", msg, "attempts", it.Attempts)
		return c.complete(ctx, runID, &finarchive.Fetched{Item: it, Failed: fmt.Sprintf("%s (after %d attempts)", msg, it.Attempts)})
	}
	next := c.now().Add(c.backoff(it.Attempts))
	if notBefore.After(next) {
		next = notBefore
	}
	// Round up to the millisecond: a store may keep no finer time, and
	// rounding down could land a request just before a Retry-After.
	it.NextTry = next.Truncate(time.Millisecond).Add(time.Millisecond)
	c.log.Debug("retry", "url", it.URL, "reason", msg, "attempt", it.Attempts, "at", next)
	if err := c.sink.Retry(ctx, runID, it, msg); err != nil {
		if c.leaseLost(err, it) {
			return nil
		}
		return fmt.Errorf("crawler: retry %q: %w", it.URL, err)
	}
	c.fr.retried(it.Host, it.NextTry)
	return nil
}

func (c *Crawler) complete(ctx context.Context, runID int64, f *finarchive.Fetched) error {
	_, err := c.completeRes(ctx, runID, f)
	return err
}

// completeRes commits one outcome. A store error on a page is retried once
// without the page, so one bad record never stops the crawl; a second
// failure means the store itself is broken, which does.
func (c *Crawler) completeRes(ctx context.Context, runID int64, f *finarchive.Fetched) (finarchive.SaveResult, error) {
	res, err := c.sink.Complete(ctx, runID, f)
	if err == nil {
		c.fr.enqueued(f.Links)
		return res, nil
	}
	if c.leaseLost(err, f.Item) {
		return finarchive.SaveNone, nil
	}
	if f.Record == nil {
		return res, fmt.Errorf("crawler: complete %q: %w", f.Item.URL, err)
	}
	c.log.Error("store page", "url", f.Item.URL, "err", err)
	c.fail("store")
	g := *f
	g.Record, g.Raw, g.Failed = nil, nil, "store: "+err.Error()
	if _, err2 := c.sink.Complete(ctx, runID, &g); err2 != nil {
		return finarchive.SaveNone, fmt.Errorf("crawler: complete %q: %w", f.Item.URL, err2)
	}
	return finarchive.SaveNone, nil
}

// maxRedirects bounds a chain of redirects (HTTP 3xx and meta refresh)
// from the first URL that redirected: wget and Scrapy stop at 20 too.
const maxRedirects = 20

// redirInfo is how a URL was reached through redirects.
type redirInfo struct {
	from string // the URL that redirected here
	hops int    // redirects since the chain's start
	seed bool   // the chain starts at a seed
}

// redirect treats a 3xx as a link to its target, one click further from
// the seed: the target is fetched as its own frontier item (once, however
// many URLs redirect to it), a cycle of redirects is reported as a loop,
// and a chain longer than maxRedirects as such.
func (c *Crawler) redirect(ctx context.Context, runID int64, f *finarchive.Fetched, resp *colly.Response) error {
	it := f.Item
	keepRedirect(f, resp.Body)
	loc := resp.Headers.Get("Location")
	base, _ := url.Parse(it.URL)
	ref, err := url.Parse(strings.TrimSpace(loc))
	if loc == "" || err != nil {
		c.skip("bad-redirect")
		f.Skipped = fmt.Sprintf("HTTP %d with bad Location %q", resp.StatusCode, loc)
		c.log.Warn("page skipped", "url", it.URL, "reason", f.Skipped)
		return c.complete(ctx, runID, f)
	}
	target := base.ResolveReference(ref)
	canon, tu, err := normalizeURL(target)
	if err != nil {
		c.skip("bad-redirect")
		f.Skipped = fmt.Sprintf("redirect to bad URL: %v", err)
		return c.complete(ctx, runID, f)
	}
	c.redirMu.Lock()
	c.redirects[it.URL] = canon
	chain := []string{it.URL, canon}
	loop := false
	for cur, i := canon, 0; i < maxRedirects; i++ {
		next, ok := c.redirects[cur]
		if !ok {
			break
		}
		chain = append(chain, next)
		if next == it.URL {
			loop = true
			break
		}
		cur = next
	}
	c.redirMu.Unlock()
	if loop || canon == it.URL {
		c.skip("redirect-loop")
		f.Skipped = "redirect loop: " + strings.Join(chain, " → ")
		c.log.Warn("page skipped", "url", it.URL, "reason", f.Skipped)
		return c.complete(ctx, runID, f)
	}
	c.followInto(f, "redirect", canon, tu)
	return c.complete(ctx, runID, f)
}

// keepRedirect has f, a redirect (a 3xx, or a page whose meta refresh
// is followed), kept as what it is: the store keeps its response among
// the pages not archived as articles (page type redirect), so a WARC
// export holds it and a replay of a link to it leads on to its target,
// as the site did. Without a capture of the exchange there is nothing to
// replay, and nothing is kept.
func keepRedirect(f *finarchive.Fetched, body []byte) {
	if f.Capture == nil {
		return
	}
	f.Record = &extract.Record{URL: f.Item.URL, PageType: extract.PageRedirect, FetchedAt: f.FetchedAt,
		Breadcrumb: []string{}, Keywords: []string{}, Cards: []extract.Card{}}
	f.Raw = body
}

// followInto records on f what followRedirect decides for a redirect of
// kind "redirect" (HTTP 3xx) or "meta-refresh" to canon: the counts, the
// frontier item to add, or why not.
func (c *Crawler) followInto(f *finarchive.Fetched, kind, canon string, tu *url.URL) {
	next, skip, fail := c.followRedirect(f.Item, canon, tu)
	label := strings.ReplaceAll(kind, "-", " ") + " to " + canon
	switch {
	case fail != "":
		// Like a loop, a chain past the bound is the site's answer, not
		// a transient error: skipped, not retried run after run.
		c.skip("redirect-chain")
		f.Skipped = fail
		c.log.Warn("page skipped", "url", f.Item.URL, "reason", fail)
	case skip != "":
		c.skip(kind + "-" + skip)
		f.Skipped = label + ": " + skip
		if skip == "out-of-scope" && f.Item.Depth == 0 {
			// A seed that moved to another site: the crawl would end
			// with nothing but a count to show for it.
			c.log.Warn("seed redirects out of the crawl's scope: not followed (add --host to crawl it)", "url", f.Item.URL,
				"to", canon, "host", tu.Host)
		}
	default:
		c.skip(kind)
		f.Skipped = label
		f.Links = append(f.Links, next)
	}
}

// followRedirect decides on a redirect of it to the canonical URL canon
// (tu parsed): the target is one click further from the seed (and so
// bounded by MaxDepth), the chain is at most maxRedirects long, and a
// redirect never widens the scope, except a seed's own (the first hops
// from a seed) to a host of the same registrable domain: example.com →
// https://www.example.com takes www.example.com in, example.com → any.com
// does not. It returns the frontier item to add, or why not: a skip
// reason, or a failure message for a chain too long.
func (c *Crawler) followRedirect(it finarchive.QueueItem, canon string, tu *url.URL) (next finarchive.QueueItem, skip, fail string) {
	c.redirMu.Lock()
	prev, ok := c.redirFrom[it.URL]
	if !ok {
		prev = redirInfo{seed: it.Depth == 0}
	}
	start := it.URL
	for cur, i := prev, 0; cur.from != "" && i <= maxRedirects; i++ {
		start, cur = cur.from, c.redirFrom[cur.from]
	}
	hops := prev.hops + 1
	if _, seen := c.redirFrom[canon]; !seen && hops <= maxRedirects {
		c.redirFrom[canon] = redirInfo{from: it.URL, hops: hops, seed: prev.seed}
	}
	c.redirMu.Unlock()
	if hops > maxRedirects {
		return next, "", fmt.Sprintf("too many redirects: more than %d from %s (then %s → %s)", maxRedirects, start, it.URL, canon)
	}
	depth := it.Depth + 1
	if c.cfg.MaxDepth > 0 && depth > c.cfg.MaxDepth {
		return next, "max-depth", ""
	}
	from, _ := url.Parse(it.URL)
	c.scopeMu.Lock()
	if prev.seed && !c.scope.InHost(tu) && from != nil && sameSite(from.Host, tu.Host) {
		// A seed that moved (http→https, www.) takes its new host in.
		c.scope.hosts[tu.Host] = true
	}
	allowed, why := c.scope.Allow(tu, canon)
	c.scopeMu.Unlock()
	if !allowed {
		return next, why, ""
	}
	return finarchive.QueueItem{URL: canon, Depth: depth}, "", ""
}

// robotsRedirect is the robots.txt client's redirect rule: at most five
// hops (RFC 9309 §2.3.1.2), each to a host in scope or of the same
// registrable domain as the robots.txt asked for.
func (c *Crawler) robotsRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > 5 {
		return &redirectRefusedError{to: req.URL.String(), why: "more than 5 redirects"}
	}
	if sameSite(via[0].URL.Host, req.URL.Host) || c.inScopeHost(req.URL.String()) {
		return nil
	}
	return &redirectRefusedError{to: req.URL.String(), why: "another site, not in scope"}
}

// redirectRefusedError is a robots.txt redirect not followed.
type redirectRefusedError struct{ to, why string }

func (e *redirectRefusedError) Error() string {
	return fmt.Sprintf("redirect to %s not followed: %s", e.to, e.why)
}

// links returns the in-scope links of a page, canonical and deduplicated,
// at the given depth (none past MaxDepth).
func (c *Crawler) links(doc *goquery.Document, page *url.URL, depth int) []finarchive.QueueItem {
	if c.cfg.MaxDepth > 0 && depth > c.cfg.MaxDepth {
		return nil
	}
	// One walk: the hrefs of <a> and <area>, and the first <base href>.
	hrefs := make([]string, 0, 128)
	baseHref, hasBase := "", false
	for _, root := range doc.Nodes {
		walkLinks(root, &hrefs, &baseHref, &hasBase)
	}
	base := page
	if hasBase {
		if b, err := page.Parse(strings.TrimSpace(baseHref)); err == nil {
			base = b
		}
	}
	origin := base.Scheme + "://" + base.Host
	baseKey := "" // base.String(), made at the first relative link
	seen := make(map[string]bool, len(hrefs))
	out := make([]finarchive.QueueItem, 0, len(hrefs))
	c.scopeMu.Lock()
	defer c.scopeMu.Unlock()
	for _, href := range hrefs {
		href = strings.TrimSpace(href)
		if href == "" || href[0] == '#' || hasPrefixFold(href, "javascript:") || hasPrefixFold(href, "mailto:") {
			continue
		}
		// The cache scope: none for an absolute link, the origin for a
		// root-relative one, the base URL for a relative one.
		scope := ""
		switch {
		case strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://"):
		case href[0] == '/' && !strings.HasPrefix(href, "//"):
			scope = origin
		default:
			if baseKey == "" {
				baseKey = base.String()
			}
			scope = baseKey
		}
		canon, ok := c.resolveLink(base, scope, href)
		if !ok || seen[canon] {
			continue
		}
		seen[canon] = true
		out = append(out, finarchive.QueueItem{URL: canon, Depth: depth})
	}
	return out
}

// walkLinks appends the href of every <a href> and <area href> under n to
// hrefs, in document order, and notes the first <base href>.
func walkLinks(n *html.Node, hrefs *[]string, baseHref *string, hasBase *bool) {
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.A, atom.Area:
			if v, ok := hrefAttr(n); ok {
				*hrefs = append(*hrefs, v)
			}
		case atom.Base:
			if v, ok := hrefAttr(n); ok && !*hasBase {
				*baseHref, *hasBase = v, true
			}
		}
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		walkLinks(ch, hrefs, baseHref, hasBase)
	}
}

func hrefAttr(n *html.Node) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == "href" && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// linkCacheSize bounds the link cache; it is emptied when full.
const linkCacheSize = 1 << 16

// linkResult is a cached link decision: the canonical URL and whether the
// scope follows it.
type linkResult struct {
	canon string
	ok    bool
}

// linkCache remembers link decisions by scope (see links) and href, two
// map levels so that a lookup builds no key string.
type linkCache struct {
	byScope map[string]map[string]linkResult
	n       int
}

func newLinkCache() *linkCache {
	return &linkCache{byScope: map[string]map[string]linkResult{}}
}

func (lc *linkCache) get(scope, href string) (linkResult, bool) {
	r, ok := lc.byScope[scope][href]
	return r, ok
}

func (lc *linkCache) put(scope, href string, r linkResult) {
	if lc.n >= linkCacheSize {
		clear(lc.byScope)
		lc.n = 0
	}
	m := lc.byScope[scope]
	if m == nil {
		m = map[string]linkResult{}
		lc.byScope[scope] = m
	}
	m[href] = r
	lc.n++
}

// resolveLink resolves href against base, normalises it and asks the scope
// whether to follow it. Decisions are cached by (scope, href), scope being
// what href depends on: a site's pages repeat the same navigation, list
// and card links, and the scope's answer for a URL never changes within a
// crawl (see Scope.Allow). Called with scopeMu held.
func (c *Crawler) resolveLink(base *url.URL, scope, href string) (string, bool) {
	if r, ok := c.linkCache.get(scope, href); ok {
		return r.canon, r.ok
	}
	var r linkResult
	if u, err := base.Parse(href); err == nil {
		if canon, cu, err := normalizeURL(u); err == nil {
			r.canon = canon
			r.ok, _ = c.scope.Allow(cu, canon)
		}
	}
	c.linkCache.put(scope, href, r)
	return r.canon, r.ok
}

// metaRefresh returns the canonical target of a page's
// <meta http-equiv="refresh" content="N; url=...">, if any.
func (c *Crawler) metaRefresh(doc *goquery.Document, page *url.URL) (string, *url.URL, bool) {
	var content string
	doc.Find("meta[http-equiv]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if strings.EqualFold(strings.TrimSpace(s.AttrOr("http-equiv", "")), "refresh") {
			content = s.AttrOr("content", "")
			return false
		}
		return true
	})
	_, rest, ok := strings.Cut(content, ";")
	if !ok {
		return "", nil, false
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 4 || !strings.EqualFold(rest[:4], "url=") {
		return "", nil, false
	}
	ref, err := page.Parse(strings.Trim(strings.TrimSpace(rest[4:]), `'"`))
	if err != nil {
		return "", nil, false
	}
	canon, cu, err := normalizeURL(ref)
	if err != nil || canon == page.String() {
		return "", nil, false
	}
	return canon, cu, true
}

// maxRetryAfterSecs bounds a Retry-After in seconds: a century.
const maxRetryAfterSecs = 100 * 365 * 24 * 3600

// retryAfter parses a Retry-After value (seconds or an HTTP date).
func retryAfter(v string, now time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// Past a century is as good as forever (and past 292 years the
		// duration wrapped around to the past: retried at once). Out of
		// range, ParseInt gives the largest or smallest int64.
		secs = min(max(secs, 0), maxRetryAfterSecs)
		return now.Add(time.Duration(secs) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return time.Time{}
}

// corruptEncoding reports an error of a body's gzip stream itself (a bad
// checksum, a broken deflate stream), which no retry mends, unlike a cut
// connection (io.ErrUnexpectedEOF, which stays a network fault).
func corruptEncoding(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt)
}
