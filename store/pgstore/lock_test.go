package pgstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
)

// The crawl lock's tests of this back end (fencing is in the shared suite,
// store/storetest): two handles on one database are two processes as far
// as the lock can tell.

func TestLock_stale(t *testing.T) {
	ctx := context.Background()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	deadPID := cmd.Process.Pid
	host, _ := os.Hostname()
	now, old := time.Now(), time.Now().Add(-time.Hour)
	for _, tt := range []struct {
		name      string
		pid       int
		host      string
		heartbeat time.Time
		takeOver  bool
	}{
		{"holder process gone", deadPID, host, now, true},
		{"heartbeat too old", os.Getpid(), "other-host", old, true},
		{"other host, fresh", deadPID, "other-host", now, false},
		{"live holder", os.Getpid(), host, now, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			if _, err := db.Pool().Exec(ctx, `INSERT INTO crawl_lock (id, owner, token, pid, hostname, acquired_at, heartbeat_at)
				VALUES (1, 'old crawl', 'x', $1, $2, $3, $4)`, tt.pid, tt.host, old, tt.heartbeat); err != nil {
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

// TestLock_fenceWaitsForCommit: a take-over waits for a write transaction
// of the holder that has checked the lock to commit (the row is read FOR
// SHARE), so no write of the old holder commits after the take-over.
func TestLock_fenceWaitsForCommit(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	a := openURL(t, u)
	later := &clock{t: time.Now().Add(store.LockStale + time.Minute)}
	b := openURL(t, u, store.WithClock(later.Now))
	releaseA, err := a.Lock(ctx, "crawl A", false)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseA()
	// A transaction that holds the row FOR SHARE, as A's writes do.
	tx, err := a.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1 FROM crawl_lock WHERE id = 1 FOR SHARE"); err != nil {
		t.Fatal(err)
	}
	took := make(chan error, 1)
	go func() {
		r, err := b.Lock(ctx, "crawl B", false)
		if err == nil {
			defer r()
		}
		took <- err
	}()
	select {
	case err := <-took:
		t.Fatalf("take-over did not wait for the holder's transaction: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-took; err != nil {
		t.Fatalf("take-over after the commit: %v", err)
	}
}
