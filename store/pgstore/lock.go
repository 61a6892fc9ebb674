package pgstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive/store"
)

// writeState is the state of a DB's write side.
type writeState struct {
	runCfg runConfigs
	fence  atomic.Pointer[fence] // the crawl lock held (Lock), checked by every write transaction
	txs    atomic.Int64          // committed write transactions
	avg    avgBodyLen            // the search ranking's average body length
}

// The crawl lock: the crawl_lock row, as in SQLite (store/lock.go and
// SCHEMA.md, "Lock"): one crawl per archive, taken over when its holder's
// heartbeat is older than store.LockStale or (same host) its process is
// gone. Workers (finarchive work) do not take it. Its times are the
// Settings' clock (store.WithClock), as in SQLite; the heartbeat's age is
// compared on one machine's clock against another's, which is safe while
// their clocks agree to well within LockStale (2 minutes).
//
// A row lock rather than an advisory lock: an advisory lock lives as long
// as its connection, so a crawl paused past any timeout (SIGSTOP, a VM
// pause) would hold the archive for ever, and one whose connection broke
// would lose it without noticing; the row names its holder for the
// "locked by" message, and fencing works the same as in SQLite.

// fence is the crawl lock a DB holds, which each of its write
// transactions checks.
type fence struct {
	owner, token string
	lost         atomic.Pointer[store.LockLostError] // set once the lock is seen lost
}

const lockColumns = "owner, pid, hostname, acquired_at, heartbeat_at"

// checkFence fails with *store.LockLostError when db holds a crawl lock
// whose row no longer carries its token. The row is read FOR SHARE: a
// take-over (an UPDATE or DELETE of it) waits until this transaction has
// committed, so nothing commits after the lock was lost.
func (db *DB) checkFence(ctx context.Context, tx pgx.Tx) error {
	f := db.w.fence.Load()
	if f == nil {
		return nil
	}
	if e := f.lost.Load(); e != nil {
		return e
	}
	h := &store.LockHolder{}
	var token string
	err := tx.QueryRow(ctx, "SELECT token, "+lockColumns+" FROM crawl_lock WHERE id = 1 FOR SHARE").
		Scan(&token, &h.Owner, &h.PID, &h.Hostname, &h.AcquiredAt, &h.HeartbeatAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		h = nil
	case err != nil:
		return fmt.Errorf("check crawl lock: %w", err)
	case token == f.token:
		return nil
	}
	return db.lockLost(f, h)
}

// lockLost records that f is lost to holder now (nil: nobody) and returns
// the error every later write gets.
func (db *DB) lockLost(f *fence, now *store.LockHolder) error {
	e := &store.LockLostError{Owner: f.owner, Now: now}
	if f.lost.CompareAndSwap(nil, e) {
		db.logger.Error("pgstore: crawl lock lost: writes stop", "err", e)
	}
	return f.lost.Load()
}

// Lock takes the archive's crawl lock for owner, so that two crawls never
// write one archive at once, from any number of machines. When another live
// holder has it, Lock returns a *store.LockedError (errors.Is store.ErrLocked) naming
// the holder, or, with wait, polls until the lock is free or ctx ends. A
// lock whose heartbeat is older than store.LockStale, or whose holder ran
// on this host and is gone, is taken over. While held, a goroutine
// refreshes the heartbeat every store.LockHeartbeat, and every write
// transaction of db checks that the lock is still its own and fails with
// *store.LockLostError once another crawl has taken it over. release stops
// the heartbeat and frees the lock.
func (db *DB) Lock(ctx context.Context, owner string, wait bool) (release func() error, err error) {
	if db.readOnly {
		return nil, store.ErrReadOnly
	}
	token, err := store.AcquireLock(ctx, "pgstore", db.now, wait, time.Second, func(token, host string) (*store.LockHolder, error) {
		return db.tryLock(ctx, owner, token, host)
	})
	if err != nil {
		return nil, err
	}

	f := &fence{owner: owner, token: token}
	db.w.fence.Store(f)
	release = store.KeepLock("pgstore", db.logger, func() (bool, error) {
		ct, err := db.pool.Exec(context.Background(), "UPDATE crawl_lock SET heartbeat_at = $1 WHERE id = 1 AND token = $2", ts(db.now()), token)
		if err != nil {
			return true, err
		}
		return ct.RowsAffected() > 0, nil
	}, func() {
		// Taken over: the next write fails without asking again (and
		// checkFence names the new holder).
		_ = db.inTx(context.Background(), func(pgx.Tx) error { return nil })
		db.lockLost(f, nil)
	}, func() error {
		db.w.fence.CompareAndSwap(f, nil)
		_, err := db.pool.Exec(context.Background(), "DELETE FROM crawl_lock WHERE id = 1 AND token = $1", token)
		return err
	})
	return release, nil
}

// tryLock takes the lock if it is free or stale, and otherwise returns its
// holder. It is not fenced: a DB that lost a lock may still ask for one.
func (db *DB) tryLock(ctx context.Context, owner, token, host string) (*store.LockHolder, error) {
	var holder *store.LockHolder
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		holder = nil
		h := &store.LockHolder{}
		err := tx.QueryRow(ctx, "SELECT "+lockColumns+" FROM crawl_lock WHERE id = 1 FOR UPDATE").
			Scan(&h.Owner, &h.PID, &h.Hostname, &h.AcquiredAt, &h.HeartbeatAt)
		now := ts(db.now())
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			ct, err := tx.Exec(ctx, `INSERT INTO crawl_lock (id, owner, token, pid, hostname, acquired_at, heartbeat_at)
				VALUES (1, $1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING`, owner, token, os.Getpid(), host, now)
			if err != nil {
				return err
			}
			if ct.RowsAffected() == 0 {
				// Taken at this moment by another: it is the holder.
				err := tx.QueryRow(ctx, "SELECT "+lockColumns+" FROM crawl_lock WHERE id = 1").
					Scan(&h.Owner, &h.PID, &h.Hostname, &h.AcquiredAt, &h.HeartbeatAt)
				if err != nil {
					return err
				}
				holder = h
			}
			return nil
		case err != nil:
			return err
		}
		if !h.Stale(db.now(), host) {
			holder = h
			return nil
		}
		db.logger.Warn("pgstore: taking over stale crawl lock", "owner", h.Owner, "pid", h.PID, "host", h.Hostname,
			"heartbeat", h.HeartbeatAt)
		_, err = tx.Exec(ctx, `UPDATE crawl_lock SET owner = $1, token = $2, pid = $3, hostname = $4, acquired_at = $5,
			heartbeat_at = $5 WHERE id = 1`, owner, token, os.Getpid(), host, now)
		return err
	})
	return holder, err
}
