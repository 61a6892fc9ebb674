package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// robots fetches each host's robots.txt, through the crawler's own HTTP
// client and User-Agent, and answers "may we fetch this path?". We do this
// rather than colly's built-in check so the same file also gives the
// Sitemap: lines and Crawl-delay, and is fetched once per host, or again
// while it is unreachable.
//
// RFC 9309 §2.3.1: a robots.txt that is unavailable (4xx) allows
// everything, and so does one behind a redirect we do not follow (another
// site, more than five hops: §2.3.1.2); one that is unreachable (5xx,
// 429, a timeout or network error: §2.3.1.4) disallows everything for
// its host, until it is asked again after a backoff (retryIn), or the
// Retry-After of a 429 or 503 if that is later, and read.
type robots struct {
	client  *http.Client
	agent   string
	log     *slog.Logger
	now     func() time.Time
	retryIn func(failures int) time.Duration // wait before asking an unreachable robots.txt again
	mu      sync.Mutex
	hosts   map[string]*robotsEntry
}

type robotsEntry struct {
	mu      sync.Mutex // held while the file is fetched
	fetched bool
	data    *robotstxt.RobotsData
	// down says why the last fetch found the file unreachable ("" when it
	// was read); everything is disallowed until retryAt, when it is asked
	// again.
	down     string
	failures int
	retryAt  time.Time
	// asked is the Retry-After of the last unreachable answer (a 429 or
	// 503), zero when it had none.
	asked time.Time
}

var robotsAllowAll, _ = robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
var robotsDisallowAll, _ = robotstxt.FromStatusAndBytes(http.StatusServiceUnavailable, nil)

func newRobots(client *http.Client, agent string, log *slog.Logger, now func() time.Time, retryIn func(int) time.Duration) *robots {
	return &robots{client: client, agent: agent, log: log, now: now, retryIn: retryIn, hosts: map[string]*robotsEntry{}}
}

// robotsState is what is known of a host's robots.txt.
type robotsState struct {
	data    *robotstxt.RobotsData
	down    string    // unreachable, why ("" when read)
	retryAt time.Time // when down, when it is asked again
	// asked is, when down, the time the answer's Retry-After named (a
	// 429 or 503); zero when it named none.
	asked time.Time
}

// state returns what is known of u's host's robots.txt, fetching it on
// first use and again once an unreachable one's retryAt has come.
func (r *robots) state(ctx context.Context, u *url.URL) robotsState {
	key := u.Scheme + "://" + u.Host
	r.mu.Lock()
	e, ok := r.hosts[key]
	if !ok {
		e = &robotsEntry{}
		r.hosts[key] = e
	}
	r.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.fetched || (e.down != "" && !r.now().Before(e.retryAt)) {
		r.fetch(ctx, key, u.Host, e)
	}
	if e.data == nil { // the fetch was cut short by the crawl's end
		return robotsState{data: robotsDisallowAll}
	}
	return robotsState{data: e.data, down: e.down, retryAt: e.retryAt, asked: e.asked}
}

// fetch asks for key's robots.txt and records the outcome in e (e.mu held).
func (r *robots) fetch(ctx context.Context, key, host string, e *robotsEntry) {
	data, down, asked := r.get(ctx, key)
	if ctx.Err() != nil {
		return // stopping: neither read nor unreachable; asked again on resume
	}
	e.fetched = true
	if down == "" {
		if e.down != "" {
			r.log.Info("robots.txt read again", "host", host)
		}
		e.data, e.down, e.failures = data, "", 0
		return
	}
	e.data, e.down, e.asked = robotsDisallowAll, down, asked
	e.failures++
	// Not before the Retry-After the host named: a robots.txt asked
	// again at once would be the first request it refused to take.
	e.retryAt = later(r.now().Add(r.retryIn(e.failures)), asked)
	r.log.Warn("robots.txt unreachable: nothing on the host is fetched until it is read (RFC 9309)",
		"host", host, "reason", down, "attempt", e.failures, "retry_at", e.retryAt.Format(time.RFC3339))
}

// get fetches and parses key's robots.txt. down is why it is unreachable,
// "" when data holds what to obey; asked is then the time a 429's or
// 503's Retry-After names (zero: none).
func (r *robots) get(ctx context.Context, key string) (data *robotstxt.RobotsData, down string, asked time.Time) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, key+"/robots.txt", nil)
	if err != nil {
		return robotsAllowAll, "", time.Time{}
	}
	req.Header.Set("User-Agent", r.agent)
	resp, err := r.client.Do(req)
	var refused *redirectRefusedError
	var blocked *BlockedError
	switch {
	case errors.As(err, &refused):
		r.log.Warn("robots.txt redirect not followed: taken as no robots.txt (RFC 9309 §2.3.1.2)", "url", key+"/robots.txt", "reason", refused.Error())
		return robotsAllowAll, "", time.Time{}
	case errors.As(err, &blocked):
		return robotsAllowAll, "", time.Time{} // the host is refused anyway: its pages fail as blocked
	case err != nil:
		return nil, "fetch: " + err.Error(), time.Time{}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			asked = retryAfter(resp.Header.Get("Retry-After"), r.now())
		}
		return nil, fmt.Sprintf("HTTP %d", resp.StatusCode), asked
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
	if err != nil {
		return nil, "read: " + err.Error(), time.Time{}
	}
	if d, err := robotstxt.FromStatusAndBytes(resp.StatusCode, body); err == nil {
		return d, "", time.Time{}
	}
	return robotsAllowAll, "", time.Time{} // a status robotstxt does not know (3xx without Location, 1xx)
}

// known reports, without fetching anything, whether robots.txt lets our
// agent fetch u (false while it is unreachable), and whether that is known
// at all: false when the file of u's origin has not been read yet, or was
// unreachable and is due to be asked again. The frontier asks this and,
// when it is not known, has the file read as a request of its host (see
// jobRobots), never from the dispatcher itself.
func (r *robots) known(u *url.URL) (allowed, known bool) {
	r.mu.Lock()
	e := r.hosts[u.Scheme+"://"+u.Host]
	r.mu.Unlock()
	if e == nil {
		return false, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case !e.fetched || e.data == nil:
		return false, false
	case e.down != "":
		return false, r.now().Before(e.retryAt)
	}
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return e.data.TestAgent(p, agentToken(r.agent)), true
}

// entry returns the parsed robots.txt of u's host (disallowing everything
// while it is unreachable).
func (r *robots) entry(ctx context.Context, u *url.URL) *robotstxt.RobotsData {
	return r.state(ctx, u).data
}

// Unreachable reports whether u's host's robots.txt was unreachable when
// last asked, why, and when it is asked again. It never fetches.
func (r *robots) Unreachable(u *url.URL) (retryAt time.Time, why string, down bool) {
	r.mu.Lock()
	e := r.hosts[u.Scheme+"://"+u.Host]
	r.mu.Unlock()
	if e == nil {
		return time.Time{}, "", false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.retryAt, e.down, e.down != ""
}

// Sitemaps returns the Sitemap: lines of u's host's robots.txt (none while
// it is unreachable).
func (r *robots) Sitemaps(ctx context.Context, u *url.URL) []string {
	return r.state(ctx, u).data.Sitemaps
}

// agentToken is the product token robots.txt groups are matched on:
// "finarchive/0.1.0 (+https://...)" → "finarchive".
func agentToken(ua string) string {
	tok, _, _ := strings.Cut(ua, "/")
	tok, _, _ = strings.Cut(tok, " ")
	if tok == "" {
		return ua
	}
	return tok
}
