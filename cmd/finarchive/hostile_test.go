package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCrawl_UsageErrorsUpFront: a seed with an impossible port and a
// User-Agent with a CR/LF are usage errors (exit 2, naming the seed or the
// flag), found before the database is touched.
func TestCrawl_UsageErrorsUpFront(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"port 99999", []string{"http://127.0.0.1:99999/"}, `seed "http://127.0.0.1:99999/"`},
		{"malformed", []string{"ht!tp://bad url", "http://127.0.0.1:8080/"}, `seed "ht!tp://bad url"`},
		{"port 0", []string{"http://127.0.0.1:8080/", "http://127.0.0.1:0/x"}, `seed "http://127.0.0.1:0/x"`},
		{"CRLF in the User-Agent", []string{"--user-agent", "finarchive\r\nX-Injected: 1", "http://127.0.0.1:8080/"}, "--user-agent"},
		{"LF in the User-Agent", []string{"--user-agent", "finarchive\nx", "http://127.0.0.1:8080/"}, "--user-agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "a.db")
			args := append([]string{"crawl", "--db", db, "--retries", "0", "--timeout", "1s", "-q"}, tt.args...)
			_, errOut, code := runCLI(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (usage)\n%s", code, exitUsage, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q does not name %s", errOut, tt.want)
			}
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Errorf("the database was created (%v): usage errors must come first", err)
			}
		})
	}
}

// TestCrawl_RobotsUnreachableSummary: a host whose robots.txt answers 503
// is not crawled, and the run says so: exit 3, robots-unreachable in the
// summary.
func TestCrawl_RobotsUnreachableSummary(t *testing.T) {
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		pages.Add(1)
		w.Write([]byte("<html><body><p>信用卡</p></body></html>"))
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "a.db")
	out, errOut, code := runCLI(t, append(fastCrawl(db), "--retries", "1", srv.URL+"/")...)
	if code != exitPartial {
		t.Errorf("exit %d, want %d\n%s\n%s", code, exitPartial, out, errOut)
	}
	if !strings.Contains(out, "robots-unreachable 1") {
		t.Errorf("the summary does not say robots.txt was unreachable:\n%s", out)
	}
	if n := pages.Load(); n != 0 {
		t.Errorf("%d page requests while robots.txt answered 503", n)
	}
}
