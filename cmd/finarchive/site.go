package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/store"
)

// siteFlag turns a --site value into the name the archive keeps a site
// under: a URL gives its host, and a host is written as a crawl keeps it
// (crawler.Normalize: lower case, an IDN as punycode, a default port
// dropped). ("https://WWW.Example.com/zixun/" is www.example.com, 例子.测试
// is xn--fsqu00a.xn--0zwm56d.)
func siteFlag(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	raw := s
	if !strings.Contains(s, "://") {
		raw = "http://" + s
	}
	if canon, err := crawler.Normalize(raw); err == nil {
		if u, err := url.Parse(canon); err == nil && u.Host != "" {
			return strings.TrimSuffix(u.Host, ".")
		}
	}
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			s = u.Host
		}
	}
	return strings.TrimSuffix(strings.ToLower(strings.TrimRight(s, "/")), ".")
}

// warnUnknownSite logs a warning when no archived page has site: the
// filter then matches nothing, which is more often a typo than a choice.
// It names the sites there are, so the right spelling is at hand.
func (a *app) warnUnknownSite(ctx context.Context, db store.Archive, site string) {
	if site == "" {
		return
	}
	sites, err := db.Sites(ctx)
	if err != nil {
		return // the command itself reports a broken archive
	}
	names := make([]string, 0, min(len(sites), 5))
	for _, s := range sites {
		if s.Name == site {
			return
		}
		if len(names) < 5 {
			names = append(names, s.Name)
		}
	}
	known := strings.Join(names, ", ")
	if len(sites) > len(names) {
		known += fmt.Sprintf(", … (%d in all)", len(sites))
	}
	if known == "" {
		known = "none yet"
	}
	a.log.Warn("no archived page has this --site: nothing matches", "site", site, "sites", known)
}
