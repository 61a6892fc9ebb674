package crawler

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/finarchive/finarchive"
	"github.com/gocolly/colly/v2"
)

// Bounds on sitemap reading, so a huge or hostile sitemap cannot stall a crawl.
const (
	maxSitemaps  = 50
	sitemapBatch = 1000
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

// get fetches a sitemap through the collector, so the host's parallelism
// and delay hold for it as for pages. The body is returned as is (gzip
// sitemaps are inflated by colly).
func (c *Crawler) get(u string) ([]byte, error) {
	cctx := colly.NewContext()
	cctx.Put(ctxRaw, "1")
	hdr := http.Header{}
	hdr.Set("User-Agent", c.cfg.UserAgent)
	err := c.collector.Request(http.MethodGet, u, nil, cctx, hdr)
	resp, _ := cctx.GetAny(ctxResponse).(*colly.Response)
	if resp == nil {
		if err == nil {
			err = errors.New("no response")
		}
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp.Body, nil
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
		body, err := c.get(sm)
		if err != nil {
			c.log.Debug("sitemap", "url", sm, "err", err)
			continue
		}
		dec := xml.NewDecoder(bytes.NewReader(body))
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
