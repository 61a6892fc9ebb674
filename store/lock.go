package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// Lock timing: a holder refreshes its heartbeat every LockHeartbeat; a lock
// whose heartbeat is older than LockStale is taken over.
const (
	LockHeartbeat = 20 * time.Second
	LockStale     = 2 * time.Minute
	lockPoll      = time.Second
)

// LockHolder describes who holds the crawl lock.
type LockHolder struct {
	Owner       string
	PID         int
	Hostname    string
	AcquiredAt  time.Time
	HeartbeatAt time.Time
}

// Lock takes the database's crawl lock for owner, so that two crawls never
// write one archive at once, across processes. When another live holder has
// it, Lock returns an error wrapping ErrLocked that names the holder, or,
// with wait, polls until the lock is free or ctx ends. A lock whose holder
// is gone (same host and its process no longer exists) or whose heartbeat
// is older than LockStale is taken over. While held, a goroutine refreshes
// the heartbeat; release stops it and frees the lock.
func (db *DB) Lock(ctx context.Context, owner string, wait bool) (release func() error, err error) {
	if db.w == nil {
		return nil, ErrReadOnly
	}
	host, _ := os.Hostname()
	tokenBytes := make([]byte, 16)
	rand.Read(tokenBytes)
	token := hex.EncodeToString(tokenBytes)
	for {
		holder, err := db.tryLock(ctx, owner, token, host)
		if err != nil {
			return nil, fmt.Errorf("store: lock: %w", err)
		}
		if holder == nil {
			break
		}
		if !wait {
			age := db.now().Sub(holder.AcquiredAt).Round(time.Second)
			return nil, fmt.Errorf("%w: %s (pid %d on %s) holds it since %s ago", ErrLocked, holder.Owner, holder.PID, holder.Hostname, age)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("store: lock: %w", ctx.Err())
		case <-time.After(lockPoll):
		}
	}

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
				res, err := db.w.Exec("UPDATE crawl_lock SET heartbeat_at = ? WHERE id = 1 AND token = ?", fmtTime(db.now()), token)
				if err != nil {
					db.logger.Warn("store: lock heartbeat", "err", err)
					continue
				}
				if n, _ := res.RowsAffected(); n == 0 {
					db.logger.Error("store: crawl lock lost: another process took it over")
				}
			}
		}
	}()
	var once sync.Once
	release = func() error {
		var err error
		once.Do(func() {
			close(stop)
			<-done
			if _, e := db.w.Exec("DELETE FROM crawl_lock WHERE id = 1 AND token = ?", token); e != nil {
				err = fmt.Errorf("store: unlock: %w", e)
			}
		})
		return err
	}
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
			if !db.lockStale(h, host) {
				holder = h
				return nil
			}
			db.logger.Warn("store: taking over stale crawl lock", "owner", h.Owner, "pid", h.PID, "host", h.Hostname,
				"heartbeat", h.HeartbeatAt)
		}
		now := fmtTime(db.now())
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO crawl_lock (id, owner, token, pid, hostname, acquired_at, heartbeat_at)
			VALUES (1, ?, ?, ?, ?, ?, ?)`, owner, token, os.Getpid(), host, now, now)
		return err
	})
	return holder, err
}

// lockStale reports whether the holder h can be taken over.
func (db *DB) lockStale(h *LockHolder, host string) bool {
	if db.now().Sub(h.HeartbeatAt) > LockStale {
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
