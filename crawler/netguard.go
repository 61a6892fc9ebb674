package crawler

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/http/httpproxy"
	"golang.org/x/net/publicsuffix"
)

// The guard against being turned inward (SSRF): a page, redirect,
// sitemap or DNS answer of a hostile site must not make the crawler ask a
// cloud metadata service or a host on the machine's own networks. The
// scope rules keep the URLs on the seeds' hosts; the guard checks the
// address each connection actually goes to (a net.Dialer Control hook, so
// a name that resolves to 169.254.169.254 is caught too), for pages,
// robots.txt and sitemaps alike:
//
//   - never: link-local addresses (169.254.0.0/16, fe80::/10), multicast,
//     and the cloud metadata names and addresses (metadataHosts);
//   - only when a seed's own host is one, or with AllowPrivate: loopback,
//     private (RFC 1918, fc00::/7), shared (100.64.0.0/10) and unspecified
//     addresses.

// BlockedError is a request the guard refused: Host is the host asked for,
// Addr the address it resolved to ("" when the name itself is refused),
// Reason why ("link-local", "cloud-metadata", "loopback", "private"…).
type BlockedError struct {
	Host   string
	Addr   string
	Reason string
}

func (e *BlockedError) Error() string {
	hint := ""
	if e.privateOnly() {
		hint = " (no seed is on such an address: pass --allow-private to crawl one)"
	}
	if e.Addr == "" || e.Addr == e.Host {
		return fmt.Sprintf("blocked: %s is a %s address%s", e.Host, e.Reason, hint)
	}
	return fmt.Sprintf("blocked: %s resolves to %s, a %s address%s", e.Host, e.Addr, e.Reason, hint)
}

// privateOnly reports whether AllowPrivate would have let the request
// through.
func (e *BlockedError) privateOnly() bool {
	switch e.Reason {
	case "loopback", "private", "shared", "unspecified":
		return true
	}
	return false
}

// metadataHosts are the names of cloud metadata services, and the few of
// their addresses that are not link-local: never asked.
var metadataHosts = map[string]bool{
	"metadata":                     true, // GCE's short name
	"metadata.google.internal":     true,
	"metadata.goog":                true,
	"metadata.azure.internal":      true,
	"metadata.tencentyun.com":      true, // Tencent Cloud
	"metadata.platformequinix.com": true,
	"instance-data":                true, // AWS
	"instance-data.ec2.internal":   true,
	"100.100.100.200":              true, // Alibaba Cloud
	"fd00:ec2::254":                true, // AWS over IPv6
}

var (
	sharedRange = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	nat64Range  = netip.MustParsePrefix("64:ff9b::/96")
)

// classify returns why an address is special, "" for an ordinary public
// one. never reports the classes no option allows.
func classify(ip netip.Addr) (reason string, never bool) {
	ip = ip.Unmap()
	if nat64Range.Contains(ip) { // an IPv4 address reached through NAT64
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	switch {
	case metadataHosts[ip.String()]:
		return "cloud-metadata", true
	case ip.IsLinkLocalUnicast():
		return "link-local", true
	case ip.IsMulticast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "multicast", true
	case ip.IsLoopback():
		return "loopback", false
	case ip.IsPrivate():
		return "private", false
	case ip.Is4() && sharedRange.Contains(ip):
		return "shared", false
	case ip.IsUnspecified() || (ip.Is4() && thisNetwork.Contains(ip)):
		return "unspecified", false
	}
	return "", false
}

// netGuard decides which hosts and addresses a crawl may connect to.
type netGuard struct {
	allowPrivate bool
	// privateOK are the host names (lower case, no port) allowed to be on
	// private and loopback addresses: the seeds' hosts that are on one.
	privateOK map[string]bool
	// proxies are the hosts of the configured HTTP(S) proxies: a dial to
	// one is the proxy's, not the target's (whose name is still checked).
	proxies map[string]bool
}

// newNetGuard returns the guard of a crawl from its seeds' hosts: a seed on
// a private or loopback address (a literal one, or a name that resolves to
// one now) allows such addresses for its host name.
func newNetGuard(ctx context.Context, allowPrivate bool, seedHosts []string) *netGuard {
	g := &netGuard{allowPrivate: allowPrivate, privateOK: map[string]bool{}, proxies: map[string]bool{}}
	cfg := httpproxy.FromEnvironment()
	for _, p := range []string{cfg.HTTPProxy, cfg.HTTPSProxy} {
		if p == "" {
			continue
		}
		if !strings.Contains(p, "://") {
			p = "http://" + p
		}
		if u, err := url.Parse(p); err == nil && u.Hostname() != "" {
			g.proxies[strings.ToLower(u.Hostname())] = true
		}
	}
	for _, h := range seedHosts {
		name := hostName(h)
		if g.privateOK[name] {
			continue
		}
		if ip, err := netip.ParseAddr(name); err == nil {
			if r, never := classify(ip); r != "" && !never {
				g.privateOK[name] = true
			}
			continue
		}
		if name == "localhost" || strings.HasSuffix(name, ".localhost") {
			g.privateOK[name] = true
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ips, err := net.DefaultResolver.LookupNetIP(lctx, "ip", name)
		cancel()
		if err != nil {
			continue
		}
		for _, ip := range ips {
			if r, never := classify(ip); r != "" && !never {
				g.privateOK[name] = true
				break
			}
		}
	}
	return g
}

// hostName returns the lower-cased host name of a host[:port], without
// brackets or a trailing dot.
func hostName(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	return strings.ToLower(h)
}

// checkName refuses a host by its name or literal address, before any
// lookup: the metadata names, and literal addresses as checkAddr would.
func (g *netGuard) checkName(host string) error {
	name := hostName(host)
	if metadataHosts[name] {
		return &BlockedError{Host: name, Reason: "cloud-metadata"}
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		return g.checkAddr(name, ip)
	}
	return nil
}

// checkAddr refuses the address ip that host resolved to.
func (g *netGuard) checkAddr(host string, ip netip.Addr) error {
	reason, never := classify(ip)
	switch {
	case reason == "":
		return nil
	case !never && (g.allowPrivate || g.privateOK[host] || g.proxies[host]):
		return nil
	}
	return &BlockedError{Host: host, Addr: ip.Unmap().String(), Reason: reason}
}

// dialContext wraps d's DialContext: the host is checked by name, and each
// address the dialer connects to is checked in its Control hook, after DNS
// and before the connection is made.
func (g *netGuard) dialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host := hostName(addr)
		if err := g.checkName(host); err != nil {
			return nil, err
		}
		dd := *d
		dd.Control = func(_, address string, _ syscall.RawConn) error {
			h, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(h)
			if err != nil {
				return err
			}
			return g.checkAddr(host, ip)
		}
		return dd.DialContext(ctx, network, addr)
	}
}

// guardTransport refuses a request by its URL's host before it is sent
// (what a proxy would otherwise resolve for us), then hands it on.
type guardTransport struct {
	guard *netGuard
	next  http.RoundTripper
}

func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.guard.checkName(req.URL.Host); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return t.next.RoundTrip(req)
}

// sameSite reports whether two hosts (host[:port]) belong to one
// registrable domain (www.example.com.cn and example.com.cn do; a.com and
// b.com do not), by the public suffix list. An IP address is its own site.
func sameSite(a, b string) bool {
	a, b = hostName(a), hostName(b)
	if a == b {
		return true
	}
	if _, err := netip.ParseAddr(a); err == nil {
		return false
	}
	if _, err := netip.ParseAddr(b); err == nil {
		return false
	}
	da, err := publicsuffix.EffectiveTLDPlusOne(a)
	if err != nil {
		return false
	}
	db, err := publicsuffix.EffectiveTLDPlusOne(b)
	return err == nil && da == db
}
