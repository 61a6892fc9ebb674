package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine to write and
// the test to read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenURL = regexp.MustCompile(`http://127\.0\.0\.1:(\d+)/`)

// startServe runs `finarchive serve` with args until ctx ends and returns
// the URL it prints, the channel its end is sent on, and its output.
func startServe(t *testing.T, ctx context.Context, args ...string) (base string, done chan error, stdout, stderr *syncBuffer) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done = make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), stdout, stderr)
	}()
	giveUp := time.After(30 * time.Second) // a hang guard, not a timing check
	for base == "" {
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, stderr.String())
		case <-giveUp:
			t.Fatalf("serve printed no URL: %q", stdout.String())
		case <-time.After(10 * time.Millisecond):
		}
		base = listenURL.FindString(stdout.String())
	}
	return base, done, stdout, stderr
}

// TestServe_Lifecycle starts `finarchive serve` on a free loopback port,
// reads the URL it prints, fetches pages, cancels the context as SIGINT
// does and checks that it stops cleanly without touching the archive.
func TestServe_Lifecycle(t *testing.T) {
	db := mustSearchArchive(t)
	before, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, stdout, _ := startServe(t, ctx, "--db", db, "--addr", "127.0.0.1:0", "-q")
	if !strings.Contains(stdout.String(), "read-only") {
		t.Errorf("start message %q does not say read-only", stdout.String())
	}
	for path, want := range map[string]string{
		"":                                  "信用卡逾期的后果",
		"search?q=%E9%80%BE%E6%9C%9F":       "<mark>逾期</mark>",
		"a?u=https%3A%2F%2Fa.test%2F1.html": "U盾证书过期了怎么办",
		"runs":                              "完成",
		"static/style.css":                  "PingFang SC",
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET /%s: status %d, body lacks %q", path, resp.StatusCode, want)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET /%s: no Content-Security-Policy", path)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel: %v (exit %d)", err, exitCode(err))
	}
	if _, err := http.Get(base); err == nil {
		t.Errorf("still serving after shutdown")
	}
	after, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	if before.Size() != after.Size() || !before.ModTime().Equal(after.ModTime()) {
		t.Errorf("serving changed the archive: %d bytes %v -> %d bytes %v", before.Size(), before.ModTime(), after.Size(), after.ModTime())
	}
}

func TestServe_Errors(t *testing.T) {
	db := mustSearchArchive(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing archive", []string{"--db", t.TempDir() + "/none.db"}, exitError, "open archive"},
		{"port out of range", []string{"--db", db, "--addr", "127.0.0.1:99999"}, exitUsage, `port "99999" is not a number from 0 to 65535`},
		{"no port", []string{"--db", db, "--addr", "localhost"}, exitUsage, "want host:port"},
		{"address in use", []string{"--db", db, "--addr", taken.Addr().String()}, exitError, "listen on " + taken.Addr().String()},
		{"arguments", []string{"--db", db, "extra"}, exitUsage, "unknown command"},
		{"remote address without --allow-remote", []string{"--db", db, "--addr", "0.0.0.0:0"}, exitUsage, "--allow-remote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, append([]string{"serve"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

// TestServe_Remote: with --allow-remote a wildcard address is served, with
// a warning; requests by IP address or a --host name are answered, one
// naming another host (DNS rebinding) gets 421.
func TestServe_Remote(t *testing.T) {
	db := mustSearchArchive(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, _, stderr := startServe(t, ctx, "--db", db, "--addr", "0.0.0.0:0", "--allow-remote", "--host", "nas.example")
	port := listenURL.FindStringSubmatch(base)[1]
	if !strings.Contains(stderr.String(), "beyond this machine") {
		t.Errorf("no warning about serving remotely:\n%s", stderr.String())
	}
	for host, want := range map[string]int{
		"127.0.0.1:" + port:    200,
		"nas.example:" + port:  200,
		"10.1.2.3:" + port:     200,
		"evil.example:" + port: http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+"/", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
