package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/finarchive/finarchive"
)

// Lock timing: a holder refreshes its heartbeat every LockHeartbeat; a lock
// whose heartbeat is older than LockStale is taken over.
const (
	LockHeartbeat = 20 * time.Second
	LockStale     = 2 * time.Minute
	lockPoll      = time.Second
)

// LockLostError is returned by every write through a DB whose crawl lock
// another crawl has taken over (say after this process was paused past
// LockStale: a laptop suspend, a VM pause, SIGSTOP). The lock is checked in
// each write transaction (fencing), so once it is lost nothing more this DB
// writes commits; a crawl that gets this error must stop.
type LockLostError struct {
	Owner string      // who this DB held the lock as
	Now   *LockHolder // who holds it now; nil when nobody does
}

func (e *LockLostError) Error() string {
	if e.Now == nil {
		return fmt.Sprintf("store: crawl lock of %s lost: it was released by another process; stopping writes", e.Owner)
	}
	return fmt.Sprintf("store: crawl lock of %s lost: %s (pid %d on %s) took it over at %s; stopping writes",
		e.Owner, e.Now.Owner, e.Now.PID, e.Now.Hostname, e.Now.AcquiredAt.Format(time.RFC3339))
}

// fence is the crawl lock a DB holds, which each of its write
// transactions checks.
type fence struct {
	owner, token string
	lost         atomic.Pointer[LockLostError] // set once the lock is seen lost
}

// checkFence fails with *LockLostError when db holds a crawl lock (Lock)
// whose row no longer carries its token. It runs inside write
// transactions, which are BEGIN IMMEDIATE: no other writer can change the
// row between the check and the commit.
func (db *DB) checkFence(ctx context.Context, q querier) error {
	f := db.fence.Load()
	if f == nil {
		return nil
	}
	if e := f.lost.Load(); e != nil {
		return e
	}
	h := &LockHolder{}
	var token, acquired, beat string
	err := q.QueryRowContext(ctx, "SELECT owner, token, pid, hostname, acquired_at, heartbeat_at FROM crawl_lock WHERE id = 1").
		Scan(&h.Owner, &token, &h.PID, &h.Hostname, &acquired, &beat)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		h = nil
	case err != nil:
		return fmt.Errorf("check crawl lock: %w", err)
	case token == f.token:
		return nil
	default:
		h.AcquiredAt, h.HeartbeatAt = parseTime(acquired), parseTime(beat)
	}
	return db.lockLost(f, h)
}

// lockLost records that f is lost to holder now (nil: nobody) and returns
// the error every later write gets.
func (db *DB) lockLost(f *fence, now *LockHolder) error {
	e := &LockLostError{Owner: f.owner, Now: now}
	if f.lost.CompareAndSwap(nil, e) {
		db.logger.Error("store: crawl lock lost: writes stop", "err", e)
	}
	return f.lost.Load()
}

// LockHolder describes who holds the crawl lock.
type LockHolder struct {
	Owner       string
	PID         int
	Hostname    string
	AcquiredAt  time.Time
	HeartbeatAt time.Time
}

// LockedError is Lock's answer when another live crawl holds the lock: it
// names the holder, so callers say who without reading the message. It
// matches ErrLocked with errors.Is.
type LockedError struct {
	Holder LockHolder
	Age    time.Duration // how long the holder has had it
}

func (e *LockedError) Error() string {
	who := fmt.Sprintf("%s (pid %d on %s)", e.Holder.Owner, e.Holder.PID, e.Holder.Hostname)
	if pid := fmt.Sprintf("(pid %d)", e.Holder.PID); strings.HasSuffix(e.Holder.Owner, pid) {
		// The owners finarchive names end with their pid already.
		who = strings.TrimSuffix(e.Holder.Owner, pid) + fmt.Sprintf("(pid %d on %s)", e.Holder.PID, e.Holder.Hostname)
	}
	return fmt.Sprintf("%v: %s has held it for %s", ErrLocked, who, e.Age.Round(time.Second))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// AcquireLock is the part of a back end's Lock that both share: it makes
// the holder's random token and calls try (which takes the lock for token
// on host and returns nil, or returns the live holder) until the lock is
// taken, another live holder has it (*LockedError, without wait; with wait
// it polls every poll), or ctx ends. pkg prefixes its errors.
func AcquireLock(ctx context.Context, pkg string, now func() time.Time, wait bool, poll time.Duration, try func(token, host string) (*LockHolder, error)) (token string, err error) {
	host, _ := os.Hostname()
	tokenBytes := make([]byte, 16)
	rand.Read(tokenBytes)
	token = hex.EncodeToString(tokenBytes)
	for {
		holder, err := try(token, host)
		if err != nil {
			return "", fmt.Errorf("%s: lock: %w", pkg, err)
		}
		if holder == nil {
			return token, nil
		}
		if !wait {
			return "", &LockedError{Holder: *holder, Age: now().Sub(holder.AcquiredAt).Round(time.Second)}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s: lock: %w", pkg, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// KeepLock is the other shared part of a back end's Lock: while the lock
// is held it calls beat every LockHeartbeat (refresh the heartbeat; held is
// false once another crawl has taken the lock over, and then lost runs and
// the heartbeat stops; an error is logged and the next beat tried). The
// release it returns stops the heartbeat and calls unlock, once.
func KeepLock(pkg string, log *slog.Logger, beat func() (held bool, err error), lost func(), unlock func() error) (release func() error) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(LockHeartbeat)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				held, err := beat()
				if err != nil {
					log.Warn(pkg+": lock heartbeat", "err", err)
					continue
				}
				if !held {
					lost()
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			close(stop)
			<-done
			if e := unlock(); e != nil {
				err = fmt.Errorf("%s: unlock: %w", pkg, e)
			}
		})
		return err
	}
}

// Lock takes the database's crawl lock for owner, so that two crawls never
// write one archive at once, across processes. When another live holder has
// it, Lock returns a *LockedError (errors.Is ErrLocked) naming the holder, or,
// with wait, polls until the lock is free or ctx ends. A lock whose holder
// is gone (same host and its process no longer exists) or whose heartbeat
// is older than LockStale is taken over. While held, a goroutine refreshes
// the heartbeat; release stops it and frees the lock. While held, every
// write transaction of db checks that the lock is still its own and fails
// with *LockLostError once another crawl has taken it over.
func (db *DB) Lock(ctx context.Context, owner string, wait bool) (release func() error, err error) {
	if db.w == nil {
		return nil, ErrReadOnly
	}
	token, err := AcquireLock(ctx, "store", db.now, wait, lockPoll, func(token, host string) (*LockHolder, error) {
		return db.tryLock(ctx, owner, token, host)
	})
	if err != nil {
		return nil, err
	}

	f := &fence{owner: owner, token: token}
	db.fence.Store(f)
	release = KeepLock("store", db.logger, func() (bool, error) {
		res, err := db.w.Exec("UPDATE crawl_lock SET heartbeat_at = ? WHERE id = 1 AND token = ?", fmtTime(db.now()), token)
		if err != nil {
			return true, err
		}
		n, _ := res.RowsAffected()
		return n > 0, nil
	}, func() {
		// Taken over: fail the next write without asking again.
		_ = db.checkFence(context.Background(), db.w) // names the new holder
		db.lockLost(f, nil)
	}, func() error {
		db.fence.CompareAndSwap(f, nil)
		_, err := db.w.Exec("DELETE FROM crawl_lock WHERE id = 1 AND token = ?", token)
		return err
	})
	return release, nil
}

// tryLock takes the lock if it is free or stale, and otherwise returns its
// holder.
func (db *DB) tryLock(ctx context.Context, owner, token, host string) (*LockHolder, error) {
	var holder *LockHolder
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		h := &LockHolder{}
		var acquired, beat string
		err := tx.QueryRowContext(ctx, "SELECT owner, pid, hostname, acquired_at, heartbeat_at FROM crawl_lock WHERE id = 1").
			Scan(&h.Owner, &h.PID, &h.Hostname, &acquired, &beat)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			h.AcquiredAt, h.HeartbeatAt = parseTime(acquired), parseTime(beat)
			if !h.Stale(db.now(), host) {
				holder = h
				return nil
			}
			db.logger.Warn("store: taking over stale crawl lock", "owner", h.Owner, "pid", h.PID, "host", h.Hostname,
				"heartbeat", h.HeartbeatAt)
		}
		now := fmtTime(db.now())
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO crawl_lock (id, owner, token, pid, hostname, acquired_at, heartbeat_at)
			VALUES (1, ?, ?, ?, ?, ?, ?)`, owner, token, os.Getpid(), host, now, now)
		if err != nil {
			return err
		}
		// Every command that runs a run holds the lock: a run still
		// "running" now is one whose process died (kill -9, a crash, a
		// power cut). It ended about at its last fetch archived, or its
		// holder's last heartbeat if later (the clock of both is fmtTime's,
		// so the text compares as the time; '' is earlier than any).
		lastBeat := ""
		if h.Owner != "" {
			lastBeat = fmtTime(h.HeartbeatAt)
		}
		res, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, error = ?,
			finished_at = max(started_at, ?, coalesce((SELECT max(fetched_at) FROM fetches WHERE run_id = runs.id), ''))
			WHERE status = ?`, finarchive.RunInterrupted, ErrRunDied.Error(), lastBeat, finarchive.RunRunning)
		if err != nil {
			return fmt.Errorf("mark dead runs: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			db.logger.Warn("store: runs whose crawl died marked interrupted (resume with crawl --resume)", "runs", n)
		}
		return nil
	})
	return holder, err
}

// ErrRunDied is the error a run gets when its crawl's process died
// without finishing it, as the next holder of the crawl lock finds it.
var ErrRunDied = errors.New("its crawl ended without finishing it (the process was killed or crashed)")

// Stale reports whether the lock h describes can be taken over at now by a
// process on host: its heartbeat is older than LockStale, or its holder ran
// on this host and is gone. Both back ends judge a lock by it.
func (h *LockHolder) Stale(now time.Time, host string) bool {
	if now.Sub(h.HeartbeatAt) > LockStale {
		return true
	}
	return h.Hostname == host && !processAlive(h.PID)
}

// processAlive reports whether a process with the pid exists on this host.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
