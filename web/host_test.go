package web_test

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/finarchive/finarchive/web"
)

// TestServer_HostGuard: a request whose Host is not the reader's (a name
// rebound to its address by DNS) gets 421; the served address, loopback
// and localhost forms are answered; a wildcard bind accepts IP addresses
// and the names given.
func TestServer_HostGuard(t *testing.T) {
	path := mustFillArchive(t)
	srv := httptest.NewUnstartedServer(nil)
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	h, err := web.New(mustOpenReadOnly(t, path), web.Options{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()
	wild, err := web.New(mustOpenReadOnly(t, path), web.Options{Addr: "[::]:" + port, Hosts: []string{"nas.example"}})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		handler http.Handler
		host    string
		want    int
	}{
		{h, addr, 200},
		{h, "localhost:" + port, 200},
		{h, "LocalHost.:" + port, 200},
		{h, "reader.localhost:" + port, 200},
		{h, "[::1]:" + port, 200},
		{h, "evil.example:" + port, 421},
		{h, "127.0.0.1.nip.io:" + port, 421},
		{h, "localhost", 421},          // port 80: not the one served
		{h, "localhost:1" + port, 421}, // another port
		{h, "192.168.1.9:" + port, 421},
		{h, "", 421},
		{wild, "192.168.1.9:" + port, 200},
		{wild, "[fe80::1]:" + port, 200},
		{wild, "nas.example:" + port, 200},
		{wild, "NAS.example.:" + port, 200},
		{wild, "evil.example:" + port, 421},
	} {
		for _, path := range []string{"/", "/static/style.css", "/search?q=x"} {
			req := httptest.NewRequest("GET", path, nil)
			req.Host = tc.host
			rec := httptest.NewRecorder()
			tc.handler.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("Host %q %s: %d, want %d", tc.host, path, rec.Code, tc.want)
			}
		}
	}

	// Through a real connection too: the client sends the Host it dialled
	// by name.
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Host = "attacker.example:" + port
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("rebound name over the wire: %d, want 421", resp.StatusCode)
	}
	if r, _ := get(t, srv.URL, "/"); r.StatusCode != 200 {
		t.Errorf("the served address: %d", r.StatusCode)
	}
}

// TestServer_StaticNoListing: /static/ serves its files and lists no
// directory.
func TestServer_StaticNoListing(t *testing.T) {
	srv := mustServe(t, mustFillArchive(t))
	if r, body := get(t, srv.URL, "/static/style.css"); r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Type"), "text/css") || body == "" {
		t.Errorf("/static/style.css: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/static/", "/static", "/static/.", "/static//", "/static/%2e/"} {
		r, body := get(t, srv.URL, p)
		if r.StatusCode == 200 || strings.Contains(body, "style.css") {
			t.Errorf("%s: %d, lists the directory:\n%.300s", p, r.StatusCode, body)
		}
	}
}

// TestServer_LongQuery: a 10,000-word query is the user's error, a 400
// that says so, not a 500 with the query in a huge log line.
func TestServer_LongQuery(t *testing.T) {
	var logs bytes.Buffer
	h, err := web.New(mustOpenReadOnly(t, mustFillArchive(t)), web.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	long := strings.TrimSpace(strings.Repeat("信用卡 ", 10000))
	r, body := get(t, srv.URL, "/search?q="+url.QueryEscape(long))
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(body, "搜索词太长") {
		t.Errorf("10,000 words: %d, want 400 saying the query is too long\n%.300s", r.StatusCode, body)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if len(line) > 1000 {
			t.Errorf("log line of %d bytes: %.200s", len(line), line)
		}
	}
	if r, _ := get(t, srv.URL, "/search?q="+url.QueryEscape("信用卡 逾期")); r.StatusCode != 200 {
		t.Errorf("a short query: %d", r.StatusCode)
	}
}
