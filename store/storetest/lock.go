package storetest

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
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
	var le *store.LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() || le.Holder.Owner != "crawl" {
		t.Errorf("second Lock: %#v, want a *store.LockedError naming this process's crawl", err)
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

// testLockFencing: a holder paused past LockStale (a second handle whose
// clock runs ahead takes over) fails every later write with
// *store.LockLostError naming the new holder and commits nothing; the new
// holder writes as usual, and the lost holder's release frees nothing of
// its lock.
func testLockFencing(t *testing.T, s *suite) {
	if s.reopen == nil {
		t.Skip("no Reopen option: the lock needs two handles to one archive")
	}
	a := s.open(t)
	later := time.Now().Add(store.LockStale + time.Minute)
	b := s.reopen(t, a, store.WithClock(func() time.Time { return later }))
	releaseA, err := a.Lock(ctx, "crawl A", false)
	s.ok(t, err, "Lock")
	defer releaseA()
	run := s.startRun(t, a, store.RunSpec{Seeds: []string{"https://a.example/"}})
	s.complete(t, a, run, fetched("https://a.example/1.html", article("https://a.example/1.html", "一", "正文一"), time.Now()))
	releaseB, err := b.Lock(ctx, "crawl B", false)
	s.ok(t, err, "take-over")
	defer releaseB()

	writes := []struct {
		name string
		do   func() error
	}{
		{"Complete", func() error {
			_, err := a.Complete(ctx, run, fetched("https://a.example/2.html", article("https://a.example/2.html", "二", "正文二"), time.Now()))
			return err
		}},
		{"Reextracted", func() error {
			_, err := a.Reextracted(ctx, "https://a.example/1.html", article("https://a.example/1.html", "一", "正文改了"))
			return err
		}},
		{"FinishRun", func() error { return a.FinishRun(ctx, run, finarchive.RunError, finarchive.RunCounts{}, "x") }},
		{"UpdateRunCounts", func() error { return a.UpdateRunCounts(ctx, run, finarchive.RunCounts{Fetched: 9}) }},
		{"StartRun", func() error { _, err := a.StartRun(ctx, store.RunSpec{}); return err }},
		{"RebuildSearch", func() error { return a.RebuildSearch(ctx) }},
	}
	if s.fencedFrontier {
		writes = append(writes, []struct {
			name string
			do   func() error
		}{
			{"Enqueue", func() error {
				_, err := a.Enqueue(ctx, run, []finarchive.QueueItem{{URL: "https://a.example/3.html", Depth: 1}})
				return err
			}},
			{"Claim", func() error { _, _, err := a.Claim(ctx, run, map[string]int{"a.example": 10}, time.Now()); return err }},
			{"ResetInFlight", func() error { _, err := a.ResetInFlight(ctx, run); return err }},
		}...)
	}
	var lost *store.LockLostError
	for _, w := range writes {
		if err := w.do(); !errors.As(err, &lost) {
			t.Errorf("%s after the take-over: %v, want *store.LockLostError", w.name, err)
		}
	}
	if lost == nil || lost.Now == nil || lost.Now.Owner != "crawl B" || !strings.Contains(lost.Error(), "crawl B") {
		t.Errorf("LockLostError does not name the new holder: %v", lost)
	}
	// Nothing A tried after the take-over committed.
	if n, err := b.Count(ctx); err != nil || n != 1 {
		t.Errorf("pages: %d, %v; want 1", n, err)
	}
	// The run is as A left it, but for the take-over's verdict where the
	// lock holder is the one process of a run (SQLite): A's run, running
	// without the lock, is dead (interrupted, resumable).
	wantStatus, wantErr := finarchive.RunRunning, ""
	if s.fencedFrontier {
		wantStatus, wantErr = finarchive.RunInterrupted, store.ErrRunDied.Error()
	}
	if r, err := b.Run(ctx, run); err != nil || r.Status != wantStatus || r.Error != wantErr || r.Fetched != 0 {
		t.Errorf("run %+v, %v: want status %q and error %q, as B found it (did the lost holder write it?)", r, err, wantStatus, wantErr)
	}
	if runs, err := b.Runs(ctx); err != nil || len(runs) != 1 {
		t.Errorf("runs: %d, %v; want 1", len(runs), err)
	}
	if rec, err := b.Get(ctx, "https://a.example/1.html"); err != nil || rec.Body != "正文一" {
		t.Errorf("page 1: %v; want its body unchanged by the lost holder's Reextracted", err)
	}
	s.ok(t, b.FinishRun(ctx, run, finarchive.RunInterrupted, finarchive.RunCounts{}, ""), "the new holder's FinishRun")
	s.ok(t, releaseA(), "the lost holder's release")
	if _, err := a.Lock(ctx, "crawl A", false); !errors.Is(err, store.ErrLocked) {
		t.Errorf("A's release freed B's lock: Lock = %v", err)
	}
}

// testReadOnly: a read-only handle reads what the archive holds and
// refuses every write with store.ErrReadOnly, leaving the archive as it
// was.
func testReadOnly(t *testing.T, s *suite) {
	if s.readOnly == nil {
		t.Skip("no ReopenReadOnly option")
	}
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	const u = "https://a.example/1.html"
	s.complete(t, a, run, fetched(u, article(u, "信用卡逾期了怎么办", "逾期以后要尽快还款。"), t0))
	// A search through the writing handle first: SQLite indexes a saved
	// page within about a second, at once for a search of its own.
	if hits, err := a.Search(ctx, store.SearchOptions{Query: "逾期"}); err != nil || len(hits) != 1 {
		t.Errorf("Search = %v, %v", hits, err)
	}
	ro := s.readOnly(t, a)
	if got := s.get(t, ro, u); got.Title != "信用卡逾期了怎么办" {
		t.Errorf("read-only Get: %+v", got)
	}
	if hits, err := ro.Search(ctx, store.SearchOptions{Query: "逾期"}); err != nil || len(hits) != 1 {
		t.Errorf("read-only Search = %v, %v", hits, err)
	}
	if runs, err := ro.Runs(ctx); err != nil || len(runs) != 1 {
		t.Errorf("read-only Runs = %v, %v", runs, err)
	}
	for _, w := range []struct {
		what string
		err  error
	}{
		{"StartRun", func() error { _, err := ro.StartRun(ctx, store.RunSpec{}); return err }()},
		{"Enqueue", func() error {
			_, err := ro.Enqueue(ctx, run, []finarchive.QueueItem{{URL: "https://a.example/2.html"}})
			return err
		}()},
		{"Complete", func() error {
			_, err := ro.Complete(ctx, run, fetched("https://a.example/3.html", article("https://a.example/3.html", "标题", "正文"), t0))
			return err
		}()},
		{"FinishRun", ro.FinishRun(ctx, run, finarchive.RunFinished, finarchive.RunCounts{}, "")},
		{"Lock", func() error { _, err := ro.Lock(ctx, "crawl", false); return err }()},
	} {
		if !errors.Is(w.err, store.ErrReadOnly) {
			t.Errorf("read-only %s: %v, want store.ErrReadOnly", w.what, w.err)
		}
	}
	if n, err := a.Count(ctx); err != nil || n != 1 {
		t.Errorf("Count after refused writes = %d, %v; want 1", n, err)
	}
	if r, err := a.Run(ctx, run); err != nil || r.Status != finarchive.RunRunning {
		t.Errorf("run after a refused FinishRun: %+v, %v", r, err)
	}
}
