package crawler_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/finarchive/finarchive/store"
)

// inNetnsEnv marks the test process re-executed in its own network
// namespace by needNetns.
const inNetnsEnv = "FINARCHIVE_TEST_NETNS"

// needNetns runs the calling test again in new network and mount
// namespaces (as root, with unshare and ip), where it may put addresses
// such as 169.254.169.254 on the loopback interface and bind-mount files
// over /etc without touching the host; it returns true in the child and
// false in the parent, whose result is the child's. Without root, unshare
// or ip the test is skipped.
func needNetns(t *testing.T, setup ...[]string) bool {
	t.Helper()
	if os.Getenv(inNetnsEnv) == t.Name() {
		for _, args := range setup {
			if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a network namespace (unshare -n)")
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s to make a network namespace: %v", tool, err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "-n", "-m", "--", self, "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), inNetnsEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "unshare failed") {
		t.Skipf("cannot make a network namespace here: %s", out)
	}
	t.Logf("in a network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the test failed in its network namespace: %v", err)
	}
	return false
}

// TestCrawler_MetadataNeverAsked: a fake cloud metadata service on
// 169.254.169.254 (in a network namespace of the test's own) is never
// asked, whatever leads there: a seed's redirect, a robots.txt redirect, a
// sitemap index or urlset entry, a link; not even when the user names the
// host with --host and passes --allow-private.
func TestCrawler_MetadataNeverAsked(t *testing.T) {
	if !needNetns(t, []string{"ip", "link", "set", "lo", "up"}, []string{"ip", "addr", "add", "169.254.169.254/32", "dev", "lo"}) {
		return
	}
	const secret = "AKIAIOSFODNN7EXAMPLE 密钥"
	var mu sync.Mutex
	var asked []string
	ln, err := net.Listen("tcp", "169.254.169.254:80")
	if err != nil {
		t.Fatalf("listen on the metadata address: %v", err)
	}
	meta := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, articleHTML(secret))
	})}
	go meta.Serve(ln)
	defer meta.Close()
	const md = "http://169.254.169.254/latest/meta-data/"
	// meta.test resolves to the metadata address (an /etc/hosts of this
	// namespace's own): the URL's text does not show where it goes.
	hosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	hostsFile := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hostsFile, append([]byte("169.254.169.254 meta.test\n"), hosts...), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "--bind", hostsFile, "/etc/hosts").CombinedOutput(); err != nil {
		t.Fatalf("mount --bind %s /etc/hosts: %v\n%s", hostsFile, err, out)
	}
	defer exec.Command("umount", "/etc/hosts").Run()
	if addrs, err := net.LookupHost("meta.test"); err != nil || len(addrs) != 1 || addrs[0] != "169.254.169.254" {
		t.Fatalf("meta.test resolves to %v (%v), want 169.254.169.254", addrs, err)
	}

	for _, tc := range []struct {
		name  string
		hosts []string
		allow bool
	}{
		{"defaults", nil, false},
		{"--host 169.254.169.254 --allow-private", []string{"169.254.169.254"}, true},
		{"--host meta.test (resolving to it) --allow-private", []string{"meta.test"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			routes := map[string]http.HandlerFunc{
				"/robots.txt": redirectTo(md + "robots.txt"),
				"/start":      redirectTo(md + "iam/security-credentials/"),
				"/":           html(homeHTML(`<a href="` + md + `link">x</a><a href="/start">y</a><a href="http://meta.test/latest/meta-data/dns">z</a>`)),
			}
			site := newHostileSite(t, routes)
			routes["/sitemap.xml"] = serveBytes("application/xml", []byte(`<sitemapindex><sitemap><loc>`+md+`sitemap.xml</loc></sitemap>`+
				`<sitemap><loc>`+site.URL+`/sitemap-2.xml</loc></sitemap></sitemapindex>`))
			routes["/sitemap-2.xml"] = serveBytes("application/xml", []byte(`<urlset><url><loc>`+md+`from-sitemap</loc></url></urlset>`))
			cfg := fastConfig()
			cfg.Hosts, cfg.AllowPrivate = tc.hosts, tc.allow
			db := mustStore(t)
			c, err := mustRun(t, db, cfg, site.URL+"/", site.URL+"/start")
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			if len(asked) > 0 {
				t.Errorf("the metadata service was asked for %v", asked)
			}
			asked = nil
			mu.Unlock()
			hits, err := db.Search(context.Background(), store.SearchOptions{Query: "密钥"})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) > 0 {
				t.Errorf("the metadata page is archived: %+v", hits)
			}
			t.Logf("counts %+v", c.Counts())
			if tc.hosts != nil && c.Counts().SkippedBy["blocked"] == 0 {
				t.Errorf("with 169.254.169.254 in scope, no request was blocked (counts %+v)", c.Counts())
			}
		})
	}
}
