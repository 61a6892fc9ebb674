package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

// endlessReader is an input that never ends (of zeros); it fails the read
// after guard bytes so that a reader without a limit ends too.
type endlessReader struct{ n, guard int64 }

func (r *endlessReader) Read(p []byte) (int, error) {
	if r.n >= r.guard {
		return 0, errors.New("read far past the limit")
	}
	clear(p)
	r.n += int64(len(p))
	return len(p), nil
}

// TestExtract_Bounded: extract reads at most --max-body-size (default as
// in a crawl, 10MiB) and then stops with a clear error; a page at the
// limit is read.
func TestExtract_Bounded(t *testing.T) {
	t.Run("stdin without end", func(t *testing.T) {
		in := &endlessReader{guard: 64 << 20}
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"extract", "-"}, in, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "larger than --max-body-size 10MiB") {
			t.Errorf("extract of an endless input: %v, want an error naming --max-body-size 10MiB", err)
		}
		if in.n > 11<<20 {
			t.Errorf("read %d MiB of a 10 MiB limit", in.n>>20)
		}
	})
	t.Run("/dev/zero", func(t *testing.T) {
		if _, err := os.Stat("/dev/zero"); err != nil {
			t.Skip("no /dev/zero here")
		}
		_, errOut, code := runCLI(t, "extract", "--max-body-size", "1MiB", "/dev/zero")
		if code != exitError || !strings.Contains(errOut, "/dev/zero is larger than --max-body-size 1MiB") {
			t.Errorf("extract /dev/zero: exit %d, %q", code, errOut)
		}
	})
	t.Run("at the limit", func(t *testing.T) {
		page := "<html><head><title>信用卡</title></head><body><p>" + strings.Repeat("年费", 300) + "</p></body></html>"
		p := filepath.Join(t.TempDir(), "page.html")
		if err := os.WriteFile(p, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, errOut, code := runCLI(t, "extract", "--max-body-size", strconv.Itoa(len(page)), p); code != 0 {
			t.Errorf("a page at the limit: exit %d: %s", code, errOut)
		}
		if _, errOut, code := runCLI(t, "extract", "--max-body-size", strconv.Itoa(len(page)-1), p); code != exitError || !strings.Contains(errOut, "larger than") {
			t.Errorf("a page one byte over the limit: exit %d: %s", code, errOut)
		}
	})
}

// blockingReader blocks every Read until closed, telling started when
// the first one begins.
type blockingReader struct {
	started chan struct{}
	once    sync.Once
	closed  chan struct{}
}

func (r *blockingReader) Read([]byte) (int, error) {
	r.once.Do(func() { close(r.started) })
	<-r.closed
	return 0, io.EOF
}

// TestExtract_Signal: a signal (the context main cancels on SIGINT and
// SIGTERM) ends extract while it waits on its input: exit 130.
func TestExtract_Signal(t *testing.T) {
	in := &blockingReader{started: make(chan struct{}), closed: make(chan struct{})}
	defer close(in.closed)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		var out, errb bytes.Buffer
		done <- run(ctx, []string{"extract", "-"}, in, &out, &errb)
	}()
	<-in.started
	cancel()
	err := <-done
	if code := exitCode(err); code != exitInterrupted {
		t.Errorf("extract stopped by a signal: %v (exit %d), want exit %d", err, code, exitInterrupted)
	}
}
