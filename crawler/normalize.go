package crawler

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	whatwg "github.com/nlnwa/whatwg-url/url"
)

// Normalize returns the canonical form of a URL, the key under which it is
// deduplicated, checked (scope, robots.txt) and stored, and exactly the URL
// the request goes to: it is first put in the form colly's WHATWG parser
// sends (so /a/%2e%2e/b is /b here too, 0x7f.1 is 127.0.0.1, IDNs are
// punycode), then scheme and host lower-cased, default port dropped,
// fragment dropped, dot segments resolved, an empty path made "/", utm_*
// tracking parameters removed. Only http and https URLs with a port in
// 1…65535 are accepted.
func Normalize(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("malformed URL %q: %w", raw, err)
	}
	canon, _, err := normalizeURL(u)
	return canon, err
}

// requestParser parses URLs as colly does before every request (the same
// options as colly's own parser), so that a URL is checked in the form it
// is sent.
var requestParser = whatwg.NewParser(whatwg.WithPercentEncodeSinglePercentSign())

// requestForm returns raw as colly turns it into a request URL: WHATWG
// parsing, then Go's url.Parse of the result, fragment dropped.
func requestForm(raw string) (*url.URL, error) {
	w, err := requestParser.Parse(raw)
	if err != nil {
		return nil, err
	}
	return url.Parse(w.Href(true))
}

// normalizeURL returns the canonical string and its parsed form.
func normalizeURL(u *url.URL) (string, *url.URL, error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		if scheme == "" {
			return "", nil, fmt.Errorf("URL %q has no scheme (want http:// or https://)", u.String())
		}
		return "", nil, fmt.Errorf("URL %q: unsupported scheme %q", u.String(), scheme)
	}
	if u.Hostname() == "" {
		return "", nil, fmt.Errorf("URL %q has no host", u.String())
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", nil, fmt.Errorf("URL %q: bad port %q (want 1…65535)", u.String(), p)
		}
	}
	w, err := requestForm(u.String())
	if err != nil {
		return "", nil, fmt.Errorf("URL %q: %w", u.String(), err)
	}
	canon, n, err := canonical(w)
	if err != nil {
		return "", nil, fmt.Errorf("URL %q: %w", u.String(), err)
	}
	// The canonical form must be what colly sends when asked for it. When
	// our own steps changed the request form (default port, dot segments,
	// tracking), check rather than trust that they kept it one.
	if canon == w.String() {
		return canon, n, nil
	}
	if again, err := requestForm(canon); err == nil && again.String() != canon {
		if canon, n, err = canonical(again); err != nil {
			return "", nil, fmt.Errorf("URL %q: %w", u.String(), err)
		}
	}
	return canon, n, nil
}

// canonical applies our canonicalisation to a URL in request form.
func canonical(u *url.URL) (string, *url.URL, error) {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", nil, fmt.Errorf("no host")
	}
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	n := url.URL{Scheme: scheme, Host: host}
	if strings.Contains(host, ":") {
		n.Host = "[" + host + "]"
	}
	if port != "" {
		n.Host += ":" + port
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if strings.Contains(p, "/.") {
		trail := strings.HasSuffix(p, "/")
		p = path.Clean(p)
		if trail && p != "/" {
			p += "/"
		}
	}
	path, err := url.PathUnescape(p)
	if err != nil {
		return "", nil, fmt.Errorf("bad path: %w", err)
	}
	n.Path, n.RawPath = path, p
	if u.RawQuery != "" {
		n.RawQuery = stripTracking(u.RawQuery)
	}
	return n.String(), &n, nil
}

// stripTracking removes utm_* parameters, keeping the order of the others.
func stripTracking(q string) string {
	if !strings.Contains(q, "utm_") {
		return q
	}
	parts := strings.Split(q, "&")
	kept := parts[:0]
	for _, p := range parts {
		if !strings.HasPrefix(p, "utm_") {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}

// Scope decides which URLs a crawl follows: the seeds' hosts (or the hosts
// given), narrowed by include and exclude patterns, and bounded against link
// traps by more than depth alone.
type Scope struct {
	hosts   map[string]bool
	include []*regexp.Regexp
	exclude []*regexp.Regexp
	// MaxQueryLen rejects URLs with a longer query string (ever-growing queries).
	maxQueryLen int
	// maxPerPattern bounds how many distinct URLs of one query-bearing
	// shape are followed; patterns holds those admitted so far, by shape.
	maxPerPattern int
	patterns      map[string]map[string]struct{}
	yearMin       int
	yearMax       int
}

// NewScope builds a scope. Patterns are Go regular expressions matched
// against the whole canonical URL; a bad pattern is an error naming it.
func NewScope(hosts []string, include, exclude []string, maxPerPattern int, now time.Time) (*Scope, error) {
	s := &Scope{hosts: map[string]bool{}, maxQueryLen: 256, maxPerPattern: maxPerPattern,
		patterns: map[string]map[string]struct{}{}, yearMin: 1990, yearMax: now.Year() + 1}
	for _, h := range hosts {
		s.hosts[strings.ToLower(h)] = true
	}
	for _, p := range include {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("crawler: include pattern %q: %w", p, err)
		}
		s.include = append(s.include, re)
	}
	for _, p := range exclude {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("crawler: exclude pattern %q: %w", p, err)
		}
		s.exclude = append(s.exclude, re)
	}
	return s, nil
}

// InHost reports whether the URL's host is in scope. Canonical URLs have
// lower-case hosts already, so the common case is one map lookup.
func (s *Scope) InHost(u *url.URL) bool {
	if s.hosts[u.Host] {
		return true
	}
	h := strings.ToLower(u.Host)
	return s.hosts[h] || s.hosts[strings.ToLower(u.Hostname())]
}

var (
	digitsRe = regexp.MustCompile(`[0-9]+`)
	yearRe   = regexp.MustCompile(`(?:^|[^0-9])((?:19|20|21)[0-9]{2})[-/_.]?(?:0[1-9]|1[0-2])(?:[^0-9]|$)`)
)

// Allow reports whether a canonical URL is followed, and if not, why. It is
// not safe for concurrent use; the crawler calls it under its own lock.
func (s *Scope) Allow(u *url.URL, canonical string) (bool, string) {
	if !s.InHost(u) {
		return false, "out-of-scope"
	}
	for _, re := range s.exclude {
		if re.MatchString(canonical) {
			return false, "excluded"
		}
	}
	if len(s.include) > 0 {
		ok := false
		for _, re := range s.include {
			if re.MatchString(canonical) {
				ok = true
				break
			}
		}
		if !ok {
			return false, "not-included"
		}
	}
	if len(u.RawQuery) > s.maxQueryLen || len(canonical) > 1024 {
		return false, "trap-long-url"
	}
	if repeatedSegments(u.EscapedPath()) {
		return false, "trap-repeated-path"
	}
	if m := yearRe.FindStringSubmatch(u.RawQuery); m != nil {
		if y, _ := strconv.Atoi(m[1]); y < s.yearMin || y > s.yearMax {
			return false, "trap-calendar"
		}
	}
	if u.RawQuery != "" && s.maxPerPattern > 0 {
		// Distinct URLs count, not links: every page of a site may link to
		// the same ?page=2, and articles at show.php?id=N are linked again
		// and again.
		pat := u.Host + digitsRe.ReplaceAllString(u.EscapedPath(), "N") + "?" + queryKeys(u.RawQuery)
		admitted := s.patterns[pat]
		if _, ok := admitted[canonical]; !ok {
			if len(admitted) >= s.maxPerPattern {
				return false, "trap-pattern-limit"
			}
			if admitted == nil {
				admitted = map[string]struct{}{}
				s.patterns[pat] = admitted
			}
			admitted[canonical] = struct{}{}
		}
	}
	return true, ""
}

func queryKeys(q string) string {
	var keys []string
	for _, kv := range strings.Split(q, "&") {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	return strings.Join(keys, "&")
}

// repeatedSegments reports a path that repeats one segment three times or
// more (a/b/a/b/a/b...), the shape of relative-link loops.
func repeatedSegments(p string) bool {
	if strings.Count(p, "/") < 4 {
		return false
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, a := range segs {
		n := 1
		for _, b := range segs[i+1:] {
			if a == b && a != "" {
				n++
			}
		}
		if n >= 3 {
			return true
		}
	}
	return false
}
