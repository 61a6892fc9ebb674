package crawler

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/finarchive/finarchive"
)

// Bounds on sitemap reading, so a huge or hostile sitemap cannot stall a crawl.
const (
	maxSitemaps     = 50
	maxSitemapBytes = 50 << 20
	sitemapBatch    = 1000
)

// enqueueSitemaps reads the Sitemap: lines of each seed host's robots.txt
// (or /sitemap.xml when it names none) and enqueues the article URLs they
// list at depth 1. Failures are logged, never fatal: sitemaps are a bonus.
func (c *Crawler) enqueueSitemaps(ctx context.Context, runID int64, seeds []finarchive.QueueItem) {
	done := map[string]bool{}
	for _, s := range seeds {
		u, err := url.Parse(s.URL)
		if err != nil || done[u.Host] {
			continue
		}
		done[u.Host] = true
		root := u.Scheme + "://" + u.Host
		var maps []string
		if !c.cfg.IgnoreRobots {
			maps = c.robots.Sitemaps(ctx, u)
		}
		if len(maps) == 0 {
			maps = []string{root + "/sitemap.xml"}
		}
		n := c.readSitemaps(ctx, runID, maps)
		if n > 0 {
			c.log.Info("sitemap", "host", u.Host, "enqueued", n)
		}
	}
}

func (c *Crawler) get(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp, nil
}

// readSitemaps walks sitemaps and sitemap indexes breadth first.
func (c *Crawler) readSitemaps(ctx context.Context, runID int64, queue []string) int {
	seen := map[string]bool{}
	total := 0
	var batch []finarchive.QueueItem
	flush := func() {
		if len(batch) == 0 {
			return
		}
		n, err := c.sink.Enqueue(ctx, runID, batch)
		if err != nil {
			c.log.Warn("sitemap enqueue", "err", err)
		}
		total += n
		batch = batch[:0]
	}
	for len(queue) > 0 && len(seen) < maxSitemaps && ctx.Err() == nil {
		sm := queue[0]
		queue = queue[1:]
		if seen[sm] {
			continue
		}
		seen[sm] = true
		resp, err := c.get(ctx, sm)
		if err != nil {
			c.log.Debug("sitemap", "url", sm, "err", err)
			continue
		}
		dec := xml.NewDecoder(io.LimitReader(resp.Body, maxSitemapBytes))
		dec.Strict = false
		inSitemap := false
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			switch t := tok.(type) {
			case xml.StartElement:
				switch t.Name.Local {
				case "sitemap":
					inSitemap = true
				case "url":
					inSitemap = false
				case "loc":
					var loc string
					if dec.DecodeElement(&loc, &t) != nil {
						continue
					}
					if inSitemap {
						queue = append(queue, strings.TrimSpace(loc))
						continue
					}
					if item, ok := c.scoped(loc, 1); ok {
						batch = append(batch, item)
						if len(batch) >= sitemapBatch {
							flush()
						}
					}
				}
			}
		}
		resp.Body.Close()
	}
	flush()
	return total
}

// scoped turns a raw URL into a frontier item when it is in scope.
func (c *Crawler) scoped(raw string, depth int) (finarchive.QueueItem, bool) {
	canon, err := Normalize(raw)
	if err != nil {
		return finarchive.QueueItem{}, false
	}
	u, _ := url.Parse(canon)
	c.scopeMu.Lock()
	ok, _ := c.scope.Allow(u, canon)
	c.scopeMu.Unlock()
	return finarchive.QueueItem{URL: canon, Depth: depth}, ok
}
