package crawler

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		ip     string
		reason string
		never  bool
	}{
		{"8.8.8.8", "", false},
		{"2001:4860:4860::8888", "", false},
		{"169.254.169.254", "link-local", true},
		{"169.254.0.1", "link-local", true},
		{"fe80::1", "link-local", true},
		{"::ffff:169.254.169.254", "link-local", true},
		{"64:ff9b::a9fe:a9fe", "link-local", true}, // 169.254.169.254 through NAT64
		{"100.100.100.200", "cloud-metadata", true},
		{"fd00:ec2::254", "cloud-metadata", true},
		{"224.0.0.1", "multicast", true},
		{"ff02::1", "multicast", true},
		{"255.255.255.255", "multicast", true},
		{"127.0.0.1", "loopback", false},
		{"127.1.2.3", "loopback", false},
		{"::1", "loopback", false},
		{"::ffff:127.0.0.1", "loopback", false},
		{"10.1.2.3", "private", false},
		{"172.16.0.1", "private", false},
		{"192.168.1.1", "private", false},
		{"fd12:3456::1", "private", false},
		{"100.64.0.1", "shared", false},
		{"0.0.0.0", "unspecified", false},
		{"0.1.2.3", "unspecified", false},
		{"::", "unspecified", false},
	}
	for _, tt := range tests {
		reason, never := classify(netip.MustParseAddr(tt.ip))
		if reason != tt.reason || never != tt.never {
			t.Errorf("classify(%s) = %q, %v; want %q, %v", tt.ip, reason, never, tt.reason, tt.never)
		}
	}
}

func TestSameSite(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"example.com", "www.example.com", true},
		{"example.com:80", "example.com:443", true},
		{"www.bank.com.cn", "m.bank.com.cn", true},
		{"a.com.cn", "b.com.cn", false},
		{"example.com", "example.org", false},
		{"example.com", "evil-example.com", false},
		{"foo.github.io", "bar.github.io", false}, // a public suffix
		{"127.0.0.1:80", "127.0.0.1:8080", true},
		{"127.0.0.1", "localhost", false},
		{"10.0.0.1", "10.0.0.2", false},
		{"example.com", "169.254.169.254", false},
		{"example.com", "metadata.google.internal", false},
	}
	for _, tt := range tests {
		if got := sameSite(tt.a, tt.b); got != tt.want {
			t.Errorf("sameSite(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestNetGuard_Dial: the guard checks the address a connection actually
// goes to, after DNS: a name that resolves to loopback is refused like the
// literal address, unless a seed's host is that name; link-local and
// metadata addresses are refused even with AllowPrivate.
func TestNetGuard_Dial(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	if _, err := net.LookupHost("localhost"); err != nil {
		t.Skipf("localhost does not resolve here: %v", err)
	}
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	tests := []struct {
		name      string
		guard     *netGuard
		addr      string
		reason    string // "" = allowed
		addrInErr string
	}{
		{"loopback, no seed on it", newNetGuard(context.Background(), false, []string{"example.com"}), "127.0.0.1:" + port, "loopback", ""},
		{"loopback seed", newNetGuard(context.Background(), false, []string{"127.0.0.1:" + port}), "127.0.0.1:" + port, "", ""},
		{"loopback seed, another port", newNetGuard(context.Background(), false, []string{"127.0.0.1:1"}), "127.0.0.1:" + port, "", ""},
		{"a name resolving to loopback", newNetGuard(context.Background(), false, []string{"127.0.0.1:" + port}), "localhost:" + port, "loopback", "localhost resolves to"},
		{"--allow-private", newNetGuard(context.Background(), true, nil), "localhost:" + port, "", ""},
		{"link-local, even with --allow-private", newNetGuard(context.Background(), true, []string{"169.254.169.254"}), "169.254.169.254:80", "link-local", ""},
		{"IPv4-mapped link-local", newNetGuard(context.Background(), true, nil), "[::ffff:169.254.169.254]:80", "link-local", ""},
		{"metadata name", newNetGuard(context.Background(), true, nil), "metadata.google.internal:80", "cloud-metadata", ""},
		{"metadata name, trailing dot", newNetGuard(context.Background(), true, nil), "Metadata.Google.Internal.:80", "cloud-metadata", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := tt.guard.dialContext(dialer)(context.Background(), "tcp", tt.addr)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("dial %s: %v, want it allowed", tt.addr, err)
				}
				conn.Close()
				return
			}
			var be *BlockedError
			if !errors.As(err, &be) {
				if conn != nil {
					conn.Close()
				}
				t.Fatalf("dial %s: %v, want a *BlockedError (%s)", tt.addr, err, tt.reason)
			}
			if be.Reason != tt.reason || !strings.Contains(err.Error(), tt.addrInErr) {
				t.Errorf("dial %s: %v (reason %q), want reason %q", tt.addr, err, be.Reason, tt.reason)
			}
		})
	}
}

// TestFollowRedirect: redirect targets are one click further, chains are
// bounded, and only a seed's own redirect within its registrable domain
// widens the scope.
func TestFollowRedirect(t *testing.T) {
	newCrawler := func(maxDepth int) *Crawler {
		scope, err := NewScope([]string{"example.com", "named.org"}, nil, nil, 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig()
		cfg.MaxDepth = maxDepth
		return &Crawler{cfg: cfg, scope: scope, redirects: map[string]string{}, redirFrom: map[string]redirInfo{}}
	}
	follow := func(c *Crawler, from string, depth int, to string) (string, int, string, string) {
		canon, err := Normalize(to)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(canon)
		next, skip, fail := c.followRedirect(qi(from, depth), canon, u)
		return next.URL, next.Depth, skip, fail
	}
	t.Run("seed within its site", func(t *testing.T) {
		c := newCrawler(0)
		if got, d, skip, _ := follow(c, "http://example.com/", 0, "https://www.example.com/"); got != "https://www.example.com/" || d != 1 || skip != "" {
			t.Fatalf("seed → www: %q depth %d skip %q", got, d, skip)
		}
		// The chain from the seed goes on: www → m, still the seed's site.
		if got, _, skip, _ := follow(c, "https://www.example.com/", 1, "https://m.example.com/"); got == "" {
			t.Errorf("seed's second hop to m.example.com refused: %q", skip)
		}
	})
	for _, tt := range []struct {
		name, from string
		depth      int
		to, skip   string
	}{
		{"seed to another site", "http://example.com/", 0, "http://evil.com/", "out-of-scope"},
		{"seed to metadata", "http://example.com/", 0, "http://169.254.169.254/latest/meta-data/", "out-of-scope"},
		{"seed to metadata name", "http://example.com/", 0, "http://metadata.google.internal/", "out-of-scope"},
		{"a page within the site", "http://example.com/a", 1, "http://www.example.com/b", "out-of-scope"},
		{"to a host the user named", "http://example.com/a", 1, "http://named.org/b", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCrawler(0)
			if _, _, skip, fail := follow(c, tt.from, tt.depth, tt.to); skip != tt.skip || fail != "" {
				t.Errorf("%s → %s: skip %q fail %q, want skip %q", tt.from, tt.to, skip, fail, tt.skip)
			}
		})
	}
	t.Run("max depth", func(t *testing.T) {
		c := newCrawler(2)
		if _, _, skip, _ := follow(c, "http://example.com/a", 1, "http://example.com/b"); skip != "" {
			t.Errorf("depth 1 → 2 refused: %q", skip)
		}
		if _, _, skip, _ := follow(c, "http://example.com/b", 2, "http://example.com/c"); skip != "max-depth" {
			t.Errorf("depth 2 → 3 with --max-depth 2: skip %q, want max-depth", skip)
		}
	})
	t.Run("chain", func(t *testing.T) {
		c := newCrawler(0)
		for i := 0; ; i++ {
			from, to := "http://example.com/chain/"+itoa(i), "http://example.com/chain/"+itoa(i+1)
			got, _, skip, fail := follow(c, from, 1+i, to)
			if fail != "" {
				if i != maxRedirects {
					t.Errorf("chain stopped after %d hops, want %d: %s", i, maxRedirects, fail)
				}
				if !strings.Contains(fail, "/chain/0") || !strings.Contains(fail, "too many redirects") {
					t.Errorf("failure %q does not name the chain's start", fail)
				}
				return
			}
			if got == "" || skip != "" || i > maxRedirects {
				t.Fatalf("hop %d: %q skip %q", i, got, skip)
			}
		}
	})
}

func qi(u string, depth int) finarchive.QueueItem { return finarchive.QueueItem{URL: u, Depth: depth} }

func itoa(i int) string { return strconv.Itoa(i) }
