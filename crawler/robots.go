package crawler

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/temoto/robotstxt"
)

// robots fetches each host's robots.txt once, through the crawler's own
// HTTP client and User-Agent, and answers "may we fetch this path?". We do
// this rather than colly's built-in check so the same file also gives the
// Sitemap: lines and Crawl-delay, and is fetched exactly once per host.
type robots struct {
	client *http.Client
	agent  string
	mu     sync.Mutex
	hosts  map[string]*robotsEntry
}

type robotsEntry struct {
	once sync.Once
	data *robotstxt.RobotsData
}

func newRobots(client *http.Client, agent string) *robots {
	return &robots{client: client, agent: agent, hosts: map[string]*robotsEntry{}}
}

// entry returns the parsed robots.txt of u's host, fetching it on first use.
// An unreachable or broken robots.txt allows everything, as browsers and
// search engines treat it; a 5xx disallows everything for this run (the
// robotstxt package's rule).
func (r *robots) entry(ctx context.Context, u *url.URL) *robotstxt.RobotsData {
	key := u.Scheme + "://" + u.Host
	r.mu.Lock()
	e, ok := r.hosts[key]
	if !ok {
		e = &robotsEntry{}
		r.hosts[key] = e
	}
	r.mu.Unlock()
	e.once.Do(func() {
		e.data, _ = robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, key+"/robots.txt", nil)
		if err != nil {
			return
		}
		req.Header.Set("User-Agent", r.agent)
		resp, err := r.client.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
		if err != nil {
			return
		}
		if d, err := robotstxt.FromStatusAndBytes(resp.StatusCode, body); err == nil {
			e.data = d
		}
	})
	return e.data
}

// Allowed reports whether robots.txt lets our agent fetch u.
func (r *robots) Allowed(ctx context.Context, u *url.URL) bool {
	d := r.entry(ctx, u)
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return d.TestAgent(p, agentToken(r.agent))
}

// Sitemaps returns the Sitemap: lines of u's host's robots.txt.
func (r *robots) Sitemaps(ctx context.Context, u *url.URL) []string {
	return r.entry(ctx, u).Sitemaps
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
