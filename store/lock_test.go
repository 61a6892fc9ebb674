package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/store"
)

func TestDB_Lock_stale(t *testing.T) {
	ctx := context.Background()
	// A process that has exited: its pid is free.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	deadPID := cmd.Process.Pid
	host, _ := os.Hostname()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	old := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")

	tests := []struct {
		name      string
		pid       int
		host      string
		heartbeat string
		takeOver  bool
	}{
		{"holder process gone", deadPID, host, now, true},
		{"heartbeat too old", os.Getpid(), "other-host", old, true},
		{"other host, fresh", deadPID, "other-host", now, false},
		{"live holder", os.Getpid(), host, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.db")
			db := MustOpenPath(t, path)
			// Plant the holder's row as another process would have left it.
			plain, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			defer plain.Close()
			if _, err := plain.Exec(`INSERT INTO crawl_lock (id, owner, token, pid, hostname, acquired_at, heartbeat_at)
				VALUES (1, 'old crawl', 'x', ?, ?, ?, ?)`, tt.pid, tt.host, old, tt.heartbeat); err != nil {
				t.Fatal(err)
			}
			release, err := db.Lock(ctx, "crawl", false)
			if tt.takeOver {
				if err != nil {
					t.Fatalf("Lock: %v, want a take-over", err)
				}
				release()
			} else if !errors.Is(err, store.ErrLocked) {
				t.Fatalf("Lock: %v, want ErrLocked", err)
			}
		})
	}
}

// TestDB_Lock_fencing: a holder paused past LockStale (simulated by a
// second handle whose clock runs ahead) loses the lock to another crawl;
// from then on every write of the first holder fails with
// *store.LockLostError and commits nothing, while the new holder writes.
func TestDB_Lock_fencing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	a := MustOpenPath(t, path)
	later := &clock{t: time.Now().Add(store.LockStale + time.Minute)}
	b := MustOpenPath(t, path, store.WithClock(later.Now))

	releaseA, err := a.Lock(ctx, "crawl A", false)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseA()
	run := MustStartRun(t, a, store.RunSpec{Seeds: []string{"https://a.example/"}})
	mustComplete(t, a, run, fetched("https://a.example/1.html", article("https://a.example/1.html", "一", "正文一"), time.Now()))

	// A's heartbeat is LockStale old as far as B can tell: B takes over.
	releaseB, err := b.Lock(ctx, "crawl B", false)
	if err != nil {
		t.Fatalf("take-over: %v", err)
	}
	defer releaseB()

	var lost *store.LockLostError
	writes := []struct {
		name string
		do   func() error
	}{
		{"Complete", func() error {
			_, err := a.Complete(ctx, run, fetched("https://a.example/2.html", article("https://a.example/2.html", "二", "正文二"), time.Now()))
			return err
		}},
		{"Enqueue", func() error {
			_, err := a.Enqueue(ctx, run, []finarchive.QueueItem{{URL: "https://a.example/3.html", Depth: 1}})
			return err
		}},
		{"Claim", func() error { _, _, err := a.Claim(ctx, run, map[string]int{"a.example": 10}, time.Now()); return err }},
		{"ResetInFlight", func() error { _, err := a.ResetInFlight(ctx, run); return err }},
		{"FinishRun", func() error { return a.FinishRun(ctx, run, finarchive.RunError, finarchive.RunCounts{}, "x") }},
		{"StartRun", func() error { _, err := a.StartRun(ctx, store.RunSpec{}); return err }},
	}
	for _, w := range writes {
		if err := w.do(); !errors.As(err, &lost) {
			t.Errorf("%s after the take-over: %v, want *store.LockLostError", w.name, err)
		}
	}
	if lost == nil || lost.Now == nil || lost.Now.Owner != "crawl B" {
		t.Errorf("LockLostError does not name the new holder: %+v", lost)
	} else if !strings.Contains(lost.Error(), "crawl B") {
		t.Errorf("message does not name the new holder: %v", lost)
	}

	// Nothing A tried after the take-over committed.
	if n, err := b.Count(ctx); err != nil || n != 1 {
		t.Errorf("pages: %d, %v; want 1 (A's write after the take-over must not commit)", n, err)
	}
	r, err := b.Run(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != finarchive.RunRunning {
		t.Errorf("run status %q: the lost holder finished the run", r.Status)
	}
	runs, err := b.Runs(ctx)
	if err != nil || len(runs) != 1 {
		t.Errorf("runs: %d, %v; want 1", len(runs), err)
	}
	// The new holder writes as usual.
	if err := b.FinishRun(ctx, run, finarchive.RunInterrupted, finarchive.RunCounts{}, ""); err != nil {
		t.Errorf("new holder: %v", err)
	}
	// Releasing a lost lock frees nothing of B's.
	if err := releaseA(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lock(ctx, "crawl A", false); !errors.Is(err, store.ErrLocked) {
		t.Errorf("A's release freed B's lock: Lock = %v", err)
	}
}
