package storetest

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/store"
)

// testLock: one crawl at a time: a second holder gets ErrLocked naming the
// first; release frees it (twice is harmless); a waiting Lock gets it when
// the holder lets go, and stops with its context.
func testLock(t *testing.T, s *suite) {
	if s.reopen == nil {
		t.Skip("no Reopen option: the lock needs two handles to one archive")
	}
	a := s.open(t)
	b := s.reopen(t, a)
	release, err := a.Lock(ctx, "crawl", false)
	s.ok(t, err, "Lock")
	_, err = b.Lock(ctx, "crawl", false)
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("ErrLocked does not name the holder's pid: %v", err)
	}
	s.ok(t, release(), "release")
	s.ok(t, release(), "second release")
	release, err = b.Lock(ctx, "crawl", false)
	s.ok(t, err, "Lock after release")

	got := make(chan error, 1)
	go func() {
		r, err := a.Lock(ctx, "crawl", true)
		if err == nil {
			err = r()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it wait (the test holds either way)
	s.ok(t, release(), "release")
	select {
	case err := <-got:
		s.ok(t, err, "waiting Lock")
	case <-time.After(time.Minute):
		t.Fatal("a waiting Lock did not get the released lock")
	}

	release, err = a.Lock(ctx, "crawl", false)
	s.ok(t, err, "Lock")
	defer release()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Lock(cctx, "crawl", true); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting Lock with a cancelled context: %v, want context.Canceled", err)
	}
}
