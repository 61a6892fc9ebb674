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
	if host, rest, ok := strings.Cut(raw, ":"); ok && !strings.Contains(raw, "://") && rest != "" && '0' <= rest[0] && rest[0] <= '9' &&
		(strings.Contains(host, ".") || strings.EqualFold(host, "localhost")) { // not tel:400…
		// host:port without a scheme, as one types a seed: to url.Parse
		// the host is a scheme ("unsupported scheme \"localhost\"") or
		// the port a path ("first path segment cannot contain colon").
		return "", fmt.Errorf("URL %q has no scheme (want http:// or https://)", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("malformed URL %q: %w", raw, err)
	}
	if u.Scheme == "" {
		return "", fmt.Errorf("URL %q has no scheme (want http:// or https://)", raw) // as typed, not escaped
	}
	canon, _, err := normalizeURL(u)
	return canon, err
}

// requestParser parses URLs as colly does before every request (the same
// options as colly's own parser), so that a URL is checked in the form it
// is sent.
var requestParser = whatwg.NewParser(whatwg.WithPercentEncodeSinglePercentSign())

// requestForm returns raw as colly turns it into a request URL: WHATWG
// parsing, then Go's url.Parse of the result, fragment dropped. A plain URL
// (see plainURL), most links of most sites, is its own request form: it
// is only parsed by url.Parse (WHATWG parsing was a twentieth of a crawl's
// CPU time).
func requestForm(raw string) (*url.URL, error) {
	if plainURL(raw) {
		return url.Parse(raw)
	}
	return whatwgForm(raw)
}

// whatwgForm is requestForm without the shortcut.
func whatwgForm(raw string) (*url.URL, error) {
	w, err := requestParser.Parse(raw)
	if err != nil {
		return nil, err
	}
	return url.Parse(w.Href(true))
}

// plainChar marks the bytes WHATWG parsing leaves as they are in a path
// and in a query (its percent-encode sets, minus "'", which a query of a
// special scheme encodes, and "%", whose escapes it may change).
var plainChar = func() (m [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&()*+,;=:@/") {
		m[c] = true
	}
	return m
}()

// plainURL reports whether raw is certain to be its own WHATWG
// serialisation: "http://" or "https://", a lower-case host name of
// letters, digits and single hyphens in dotted labels (no "xn--" or other
// "--", whose IDNA rules apply; a last label of digits only in a
// canonical dotted quad), a port of 1…65535 without a leading zero and not
// the scheme's default, a path starting with "/" without dot segments,
// backslashes or escapes, and a query of the same characters (or none); no
// fragment, user or other character. Anything else takes the full parser.
func plainURL(raw string) bool {
	var rest string
	var defPort string
	switch {
	case strings.HasPrefix(raw, "http://"):
		rest, defPort = raw[len("http://"):], "80"
	case strings.HasPrefix(raw, "https://"):
		rest, defPort = raw[len("https://"):], "443"
	default:
		return false
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return false // no path: WHATWG adds "/"
	}
	auth, pq := rest[:slash], rest[slash:]
	host, port, hasPort := strings.Cut(auth, ":")
	if hasPort {
		if n, err := strconv.Atoi(port); err != nil || !allDigits(port) || port[0] == '0' || n > 65535 || port == defPort {
			return false
		}
	}
	if !plainHost(host) {
		return false
	}
	p, q, hasQuery := strings.Cut(pq, "?")
	for i := 0; i < len(p); i++ {
		if !plainChar[p[i]] {
			return false
		}
	}
	if strings.Contains(p, "/./") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
		return false
	}
	if hasQuery {
		for i := 0; i < len(q); i++ {
			if c := q[i]; !plainChar[c] && c != '?' {
				return false
			}
		}
	}
	return true
}

// plainHost reports whether host is a lower-case DNS name that WHATWG
// host parsing returns unchanged (see plainURL).
func plainHost(host string) bool {
	if host == "" || len(host) > 253 || strings.Contains(host, "--") {
		return false
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	if strings.HasPrefix(last, "0x") {
		return false // a hexadecimal number: an IPv4 address to WHATWG
	}
	if allDigits(last) {
		// An IPv4 address: only its canonical dotted-quad form is plain.
		if len(labels) != 4 {
			return false
		}
		for _, l := range labels {
			if !allDigits(l) || len(l) > 3 || len(l) > 1 && l[0] == '0' {
				return false
			}
			if n, _ := strconv.Atoi(l); n > 255 {
				return false
			}
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
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
		s.hosts[scopeHost(h)] = true
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

// scopeHost is a host given to the scope (--host, a config's hosts) as
// canonical URLs have it: lower case, an IDN as punycode (例子.测试 is
// xn--fsqu00a.xn--0zwm56d), http's default port dropped; a URL stands for
// its host. What is no host is only lower-cased.
func scopeHost(h string) string {
	raw := strings.TrimSpace(h)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw + "/"
	}
	if n, err := Normalize(raw); err == nil {
		if u, err := url.Parse(n); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return strings.ToLower(h)
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
