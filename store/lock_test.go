package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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
			// The old holder's run, as it left it, and a run that ended.
			dead, err := db.StartRun(ctx, store.RunSpec{Seeds: []string{"https://www.example.com/"}})
			if err != nil {
				t.Fatal(err)
			}
			ended, err := db.StartRun(ctx, store.RunSpec{Seeds: []string{"https://www.example.com/"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.FinishRun(ctx, ended, finarchive.RunFinished, finarchive.RunCounts{}, ""); err != nil {
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
			// A take-over finds the old holder's run dead: interrupted
			// (resumable), saying why, ended no earlier than it started.
			r, err := db.Run(ctx, dead)
			if err != nil {
				t.Fatal(err)
			}
			want := finarchive.RunRunning
			if tt.takeOver {
				want = finarchive.RunInterrupted
				if r.Error != store.ErrRunDied.Error() || r.FinishedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) {
					t.Errorf("dead run: error %q, finished %v (started %v); want %q, at or after its start", r.Error, r.FinishedAt, r.StartedAt, store.ErrRunDied)
				}
			}
			if r.Status != want {
				t.Errorf("the old holder's run is %q, want %q", r.Status, want)
			}
			if r, err := db.Run(ctx, ended); err != nil || r.Status != finarchive.RunFinished {
				t.Errorf("a finished run: %q, %v; want it left finished", r.Status, err)
			}
		})
	}
}

// TestLockedError_Message: the holder is named once, its pid once (the
// owners finarchive writes end with it: "finarchive (pid 42) (pid 42 on
// vm)"), for how long it has held the lock ("since 0s ago").
func TestLockedError_Message(t *testing.T) {
	for _, tc := range []struct {
		owner, want string
	}{
		{"finarchive (pid 42)", "store: database is locked by another crawl: finarchive (pid 42 on vm) has held it for 3s"},
		{"finarchive schedule bank (pid 42)", "store: database is locked by another crawl: finarchive schedule bank (pid 42 on vm) has held it for 3s"},
		{"some tool", "store: database is locked by another crawl: some tool (pid 42 on vm) has held it for 3s"},
	} {
		e := &store.LockedError{Holder: store.LockHolder{Owner: tc.owner, PID: 42, Hostname: "vm"}, Age: 3200 * time.Millisecond}
		if got := e.Error(); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.owner, got, tc.want)
		}
	}
}
