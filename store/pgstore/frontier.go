package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/store"
)

// The frontier on PostgreSQL: the SQLite store's semantics (store/frontier.go)
// with what sharing it between processes needs. A claim is a lease: the
// item is handed to one process (lease_owner, lease_token) until
// lease_expires, which the process renews while it works (heartbeat); a
// process that dies stops renewing, and once its leases run out the items
// are claimable again. Fencing: a result is written only while its lease
// holds (token and expiry checked in the writing transaction, the item's
// row locked), so a process that lost its lease writes nothing.
//
// Politeness across processes: once SetPoliteness is called for a run
// (the crawler does, through crawler.HostTimer), a claim counts the host's
// live leases as its requests in flight, hands out no more than the
// parallelism, and reserves each item a start (StartAt) at least the gap
// after the previous reservation, taken from the host's row in the claim's
// transaction on the database's clock.

// Default lease: long enough for a request at the crawler's default timeout
// with room for its commit; renewed every third of it.
const defaultLease = time.Minute

// frontierState is the frontier's part of DB.
type frontierState struct {
	mu     sync.Mutex
	owner  string // this process, as lease_owner
	lease  time.Duration
	polite map[int64]politeness // by run
	adapt  map[int64]bool       // runs' adaptive flag, cached
	hbStop chan struct{}        // closes to stop the heartbeat
	hbDone chan struct{}
	offset time.Duration // database clock minus ours (measureOffset)
	offRTT time.Duration // the round trip of the sample offset comes from
	offAt  time.Time     // when it was taken
}

// politeness is a run's per-host limits (crawler.HostTimer.SetPoliteness).
type politeness struct {
	par         int
	gap, random time.Duration
}

var ownerSeq struct {
	sync.Mutex
	n int
}

func (db *DB) frontier() *frontierState {
	s := &db.fr
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.owner == "" {
		host, _ := os.Hostname()
		ownerSeq.Lock()
		ownerSeq.n++
		n := ownerSeq.n
		ownerSeq.Unlock()
		s.owner = fmt.Sprintf("%s:%d:%d:%d", host, os.Getpid(), n, time.Now().UnixNano()%1e9)
		if s.lease <= 0 {
			s.lease = defaultLease
		}
		s.polite = map[int64]politeness{}
		s.adapt = map[int64]bool{}
	}
	return s
}

// Owner returns the name this process's leases carry (host:pid:…).
func (db *DB) Owner() string { return db.frontier().owner }

// SetLease sets how long a claim's lease lasts without renewal (default one
// minute): a process killed with items in flight has them handed out again
// this long after its last renewal. Call it before the first claim.
func (db *DB) SetLease(d time.Duration) {
	s := db.frontier()
	s.mu.Lock()
	if d > 0 {
		s.lease = d
	}
	s.mu.Unlock()
}

func (db *DB) leaseDuration() time.Duration {
	s := db.frontier()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lease
}

// startHeartbeat renews this process's leases every third of the lease
// until Close.
func (db *DB) startHeartbeat() {
	s := db.frontier()
	s.mu.Lock()
	if s.hbStop != nil {
		s.mu.Unlock()
		return
	}
	s.hbStop, s.hbDone = make(chan struct{}), make(chan struct{})
	stop, done, lease := s.hbStop, s.hbDone, s.lease
	s.mu.Unlock()
	go func() {
		defer close(done)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), lease/3)
			if err := db.RenewLeases(ctx); err != nil {
				db.logger.Warn("pgstore: renew leases", "err", err)
			}
			cancel()
		}
	}()
}

// stopHeartbeat stops the renewals (Close).
func (db *DB) stopHeartbeat() {
	s := &db.fr
	s.mu.Lock()
	stop, done := s.hbStop, s.hbDone
	s.hbStop = nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// RenewLeases extends every live lease of this process by the lease
// duration from now (the database's clock). A lease already run out stays
// lost: its item may be with another process.
func (db *DB) RenewLeases(ctx context.Context) error {
	s := db.frontier()
	lease := db.leaseDuration()
	b := &pgx.Batch{}
	b.Queue(`UPDATE frontier SET lease_expires = clock_timestamp() + $2
		WHERE lease_owner = $1 AND state = 'inflight' AND lease_expires > clock_timestamp()`, s.owner, lease)
	b.Queue(`UPDATE host_slots SET expires = clock_timestamp() + $2 WHERE owner = $1 AND expires > clock_timestamp()`, s.owner, lease)
	b.Queue(`UPDATE run_workers SET updated_at = clock_timestamp() WHERE worker = $1`, s.owner)
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("pgstore: renew leases of %s: %w", s.owner, err)
	}
	return nil
}

// SetPoliteness makes the run's claims keep every host within parallelism
// requests in flight and gap (plus a random extra up to random) between
// reserved starts, whichever process claims. Without it a claim hands out
// what is asked, as the SQLite store does. It implements crawler.HostTimer.
func (db *DB) SetPoliteness(runID int64, parallelism int, gap, random time.Duration) {
	s := db.frontier()
	s.mu.Lock()
	s.polite[runID] = politeness{par: max(parallelism, 1), gap: max(gap, 0), random: max(random, 0)}
	s.mu.Unlock()
}

func (db *DB) politeness(runID int64) (politeness, bool) {
	s := db.frontier()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.polite[runID]
	return p, ok
}

// slack is added to each reserved gap: a request goes out a little after
// its reserved start (timer, scheduling, the connection), and the slack
// keeps the next reservation's request the full gap after it.
//
// The next reservation is made from the previous request's actual start
// (Started), so lateness costs no gap; the slack covers what the start as
// reported can differ from the site's view: the clock offset's error
// between processes (under half a round trip) and the wire.
func slack(gap time.Duration) time.Duration {
	return min(max(gap/50, time.Millisecond), 5*time.Millisecond)
}

// pendingTTL is how long a reservation waits for its start to be reported
// before it counts as started at that deadline (its process died).
const pendingTTL = 2 * time.Second

// LateLimit is how late after its reserved start a request may still go:
// half of pendingTTL, so its start is reported while the reservation
// holds. It implements crawler.HostTimer.
func (db *DB) LateLimit(runID int64) time.Duration { return pendingTTL / 2 }

// Started records the actual start of a claimed item's request (at, our
// clock), from which the host's next reservation is made. It implements
// crawler.HostTimer.
func (db *DB) Started(ctx context.Context, runID int64, item finarchive.QueueItem, at time.Time) error {
	return db.started(ctx, runID, item.Host, item.Lease, at)
}

func (db *DB) started(ctx context.Context, runID int64, host string, token int64, at time.Time) error {
	pol, _ := db.politeness(runID)
	if _, err := db.pool.Exec(ctx, `SELECT frontier_started($1, $2, $3, $4, $5, $6, $7)`,
		runID, host, token, at.Add(db.clockOffset()).UTC(), pol.gap, pol.random, slack(pol.gap)); err != nil {
		return fmt.Errorf("pgstore: start of %s on %s: %w", strconv.FormatInt(token, 10), host, err)
	}
	return nil
}

// Unstarted ends the reservation of a claimed item whose request never
// started (robots.txt disallowed it, it was given up before a request):
// the host's next start is what it was before it. It implements
// crawler.HostTimer.
func (db *DB) Unstarted(ctx context.Context, runID int64, item finarchive.QueueItem) error {
	err := db.write(ctx, func(tx pgx.Tx) error { return unstarted(ctx, tx, runID, []int64{item.Lease}) })
	if err != nil {
		return fmt.Errorf("pgstore: unstarted %q: %w", item.URL, err)
	}
	return nil
}

// unstarted ends, in tx, the reservations of tokens whose requests never
// started (see frontier_unstarted).
func unstarted(ctx context.Context, tx pgx.Tx, runID int64, tokens []int64) error {
	if len(tokens) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT frontier_unstarted($1, $2)`, runID, tokens); err != nil {
		return fmt.Errorf("end unstarted reservations: %w", err)
	}
	return nil
}

// claimLead is how far ahead of the claim a reservation on an idle host
// starts: the claim's answer reaches the crawler first, so every start
// is made at its reserved time rather than late by the round trip.
const claimLead = 15 * time.Millisecond

// retryable reports whether a transaction failed only for running into
// another one (deadlock, serialization): it may be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// write runs fn in a transaction, again when it ran into another one.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for try := 0; ; try++ {
		err := db.inTx(ctx, fn)
		if err == nil || try >= 4 || !retryable(err) {
			return err
		}
	}
}

// adaptive reports whether the run parks links to archived pages not yet
// due (runs.adaptive), cached.
func (db *DB) adaptive(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, runID int64) (bool, error) {
	s := db.frontier()
	s.mu.Lock()
	a, ok := s.adapt[runID]
	s.mu.Unlock()
	if ok {
		return a, nil
	}
	err := q.QueryRow(ctx, `SELECT adaptive FROM runs WHERE id = $1`, runID).Scan(&a)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("run %d: %w", runID, store.ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("run %d: %w", runID, err)
	}
	s.mu.Lock()
	s.adapt[runID] = a
	s.mu.Unlock()
	return a, nil
}

// epoch is next_try's "now".
var epoch = time.Unix(0, 0).UTC()

func nextTry(t time.Time) time.Time {
	if t.IsZero() {
		return epoch
	}
	return t.UTC().Truncate(time.Millisecond)
}

func fromNextTry(t time.Time) time.Time {
	if !t.After(epoch) {
		return time.Time{}
	}
	return t
}

// enqueueSQL inserts items in the order given (their ids, which claims
// follow, are drawn in that order) but locks them in URL order, so two
// transactions enqueueing the same links never deadlock. A URL the run
// has already is skipped. In an adaptive run ($7) a link (depth > 0) to an
// archived page whose next revisit is after $8 is parked as 'notdue'.
const enqueueSQL = `INSERT INTO frontier (id, run_id, url, host, depth, attempts, next_try, state)
SELECT i.id, $1, i.url, i.host, i.depth, i.attempts, i.next_try,
	CASE WHEN $7 AND i.depth > 0 AND EXISTS (SELECT 1 FROM pages p WHERE p.url = i.url AND p.next_revisit_at > $8)
	THEN 'notdue' ELSE 'queued' END
FROM (SELECT nextval(pg_get_serial_sequence('frontier', 'id')) AS id, u.*
	FROM unnest($2::text[], $3::text[], $4::integer[], $5::integer[], $6::timestamptz[]) WITH ORDINALITY
		AS u (url, host, depth, attempts, next_try, ord)
	ORDER BY u.ord) AS i
ORDER BY i.url
ON CONFLICT (run_id, url) DO NOTHING`

// enqueueTx inserts items in tx and returns how many were new.
func (db *DB) enqueueTx(ctx context.Context, tx pgx.Tx, runID int64, items []finarchive.QueueItem) (int, error) {
	n := 0
	for _, it := range items {
		if it.URL != "" {
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	adaptive, err := db.adaptive(ctx, tx, runID)
	if err != nil {
		return 0, err
	}
	urls, hosts := make([]string, 0, n), make([]string, 0, n)
	depths, attempts := make([]int32, 0, n), make([]int32, 0, n)
	tries := make([]time.Time, 0, n)
	for _, it := range items {
		if it.URL == "" {
			continue
		}
		urls = append(urls, it.URL)
		hosts = append(hosts, finarchive.URLHost(it.URL))
		depths = append(depths, int32(it.Depth))
		attempts = append(attempts, int32(it.Attempts))
		tries = append(tries, nextTry(it.NextTry))
	}
	ct, err := tx.Exec(ctx, enqueueSQL, runID, urls, hosts, depths, attempts, tries, adaptive, db.now().UTC())
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	return int(ct.RowsAffected()), nil
}

// Enqueue adds items to the run's frontier; a URL the run has already (in
// any state) is ignored, atomically, whichever process enqueues it. It
// returns how many items were new. It implements crawler.Sink.
func (db *DB) Enqueue(ctx context.Context, runID int64, items []finarchive.QueueItem) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	if db.readOnly {
		return 0, store.ErrReadOnly
	}
	total := 0
	const chunk = 5000
	for len(items) > 0 {
		part := items[:min(chunk, len(items))]
		items = items[len(part):]
		var n int
		err := db.write(ctx, func(tx pgx.Tx) error {
			var err error
			n, err = db.enqueueTx(ctx, tx, runID, part)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("pgstore: enqueue run %d: %w", runID, err)
		}
		total += n
	}
	return total, nil
}

// Claim marks in flight, for each host of want, up to want[host] of the
// host's claimable items (queued and due at now, or in flight under a lease
// that ran out), oldest first, and returns them with the stored page's
// validators, a lease each (Lease) and, under SetPoliteness, their reserved
// starts (StartAt) within the host's share of requests in flight. due holds,
// for each host of want that keeps claimable items, when to ask again: the
// earliest NextTry (the Unix epoch for "now"), or when its reservations or
// parking allow more. It implements crawler.Sink.
func (db *DB) Claim(ctx context.Context, runID int64, want map[string]int, now time.Time) ([]finarchive.QueueItem, map[string]time.Time, error) {
	if len(want) == 0 {
		return nil, nil, nil
	}
	if db.readOnly {
		return nil, nil, store.ErrReadOnly
	}
	hosts := make([]string, 0, len(want))
	for h, n := range want {
		if n > 0 {
			hosts = append(hosts, h)
		}
	}
	slices.Sort(hosts)
	wants := make([]int32, len(hosts))
	for i, h := range hosts {
		wants[i] = int32(want[h])
	}
	pol, polite := db.politeness(runID)
	par, gap, random := int32(1<<30), time.Duration(0), time.Duration(0)
	sl, lead, horizon, poll := time.Duration(0), time.Duration(0), time.Hour, 50*time.Millisecond
	if polite {
		par, gap, random = int32(pol.par), pol.gap, pol.random
		if gap > 0 || random > 0 {
			sl, lead = slack(gap), claimLead
			// A reservation is made at most half a gap ahead of its
			// start: the item counts in flight from its claim, and one
			// claimed a whole gap ahead (right after the previous request)
			// would keep the host with one worker at a low parallelism.
			horizon = max(gap/2, 4*claimLead)
		}
		poll = min(max(gap, 25*time.Millisecond), 250*time.Millisecond)
	}
	s := db.frontier()
	db.startHeartbeat()
	db.syncClock(ctx)
	var items []finarchive.QueueItem
	var due map[string]time.Time
	err := db.write(ctx, func(tx pgx.Tx) error {
		items, due = items[:0], map[string]time.Time{}
		sent := time.Now()
		rows, err := tx.Query(ctx, `SELECT kind, host, id, url, depth, attempts, next_try, etag, last_modified,
				token, start_at, due_local, due_db, db_now
			FROM frontier_claim($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			runID, hosts, wants, now.UTC(), s.owner, db.leaseDuration(), par, gap, random, sl, lead, horizon, poll, pendingTTL)
		if err != nil {
			return err
		}
		defer rows.Close()
		type claimed struct {
			id   int64
			item finarchive.QueueItem
		}
		var got []claimed
		var dbNow time.Time
		dueDB := map[string]time.Time{}
		for rows.Next() {
			var (
				kind                 int32
				host                 string
				id                   *int64
				url, etag, lm        *string
				depth, att           *int32
				next, start, dl, ddb *time.Time
				token                *int64
			)
			if err := rows.Scan(&kind, &host, &id, &url, &depth, &att, &next, &etag, &lm, &token, &start, &dl, &ddb, &dbNow); err != nil {
				return err
			}
			if kind == 1 {
				switch {
				case dl != nil:
					due[host] = *dl
				case ddb != nil:
					dueDB[host] = *ddb
				}
				continue
			}
			it := finarchive.QueueItem{URL: *url, Host: host, Depth: int(*depth), Attempts: int(*att),
				NextTry: fromNextTry(*next), ETag: *etag, LastModified: *lm, Lease: *token}
			if start != nil {
				it.StartAt = *start // in the database's clock until converted below
			}
			got = append(got, claimed{*id, it})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// The database's clock read at about the middle of the round trip:
		// its offset from ours turns its times into ours.
		off := db.measureOffset(sent, time.Now(), dbNow)
		for h, t := range dueDB {
			due[h] = t.Add(-off)
		}
		slices.SortFunc(got, func(a, b claimed) int {
			if c := cmp.Compare(a.item.Host, b.item.Host); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
		for _, c := range got {
			if !c.item.StartAt.IsZero() {
				c.item.StartAt = c.item.StartAt.Add(-off)
			}
			items = append(items, c.item)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pgstore: claim run %d: %w", runID, err)
	}
	return items, due, nil
}

// leaseArrays returns items' URLs and lease tokens as query arguments.
func leaseArrays(items []finarchive.QueueItem) (urls []string, tokens []int64) {
	urls, tokens = make([]string, len(items)), make([]int64, len(items))
	for i, it := range items {
		urls[i], tokens[i] = it.URL, it.Lease
	}
	return urls, tokens
}

// Unclaim puts claimed items that were not fetched back in the queue, as
// they were, while their leases hold (an item whose lease ran out is left
// to whoever has it now). It implements crawler.Sink.
func (db *DB) Unclaim(ctx context.Context, runID int64, items []finarchive.QueueItem) error {
	if len(items) == 0 {
		return nil
	}
	if db.readOnly {
		return store.ErrReadOnly
	}
	urls, tokens := leaseArrays(items)
	err := db.write(ctx, func(tx pgx.Tx) error {
		if err := unstarted(ctx, tx, runID, tokens); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE frontier f SET state = 'queued', lease_owner = NULL, lease_token = NULL,
				lease_expires = NULL, start_at = NULL
			FROM unnest($2::text[], $3::bigint[]) AS u (url, token)
			WHERE f.run_id = $1 AND f.url = u.url AND f.state = 'inflight'
				AND (u.token = 0 OR (f.lease_token = u.token AND f.lease_expires > clock_timestamp()))`,
			runID, urls, tokens)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: unclaim %d items of run %d: %w", len(items), runID, err)
	}
	return nil
}

// QueuedHosts returns the hosts that have claimable items in the run
// (queued, or in flight under a lease that ran out), each with the
// earliest NextTry among them (the Unix epoch for "now"). It implements
// crawler.Sink.
func (db *DB) QueuedHosts(ctx context.Context, runID int64) (map[string]time.Time, error) {
	rows, err := db.pool.Query(ctx, `SELECT host, min(next_try) FROM frontier WHERE run_id = $1 AND state = 'queued' GROUP BY host
		UNION ALL
		SELECT DISTINCT host, 'epoch'::timestamptz FROM frontier
			WHERE run_id = $1 AND state = 'inflight' AND lease_expires <= clock_timestamp()`, runID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: queued hosts of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var h string
		var next time.Time
		if err := rows.Scan(&h, &next); err != nil {
			return nil, fmt.Errorf("pgstore: queued hosts of run %d: %w", runID, err)
		}
		if cur, ok := out[h]; !ok || next.Before(cur) {
			out[h] = next
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: queued hosts of run %d: %w", runID, err)
	}
	return out, nil
}

// DeferHost leaves every queued or in-flight item of host in the run for
// the next run (state deferred, reason in last_error) and returns how many.
// It implements crawler.Sink.
func (db *DB) DeferHost(ctx context.Context, runID int64, host, reason string) (int, error) {
	if db.readOnly {
		return 0, store.ErrReadOnly
	}
	var n int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		ct, err := tx.Exec(ctx, `UPDATE frontier SET state = 'deferred', last_error = $3, lease_owner = NULL,
				lease_token = NULL, lease_expires = NULL, start_at = NULL
			WHERE run_id = $1 AND host = $2 AND state IN ('queued', 'inflight')`, runID, host, reason)
		n = ct.RowsAffected()
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE frontier_hosts SET pending_token = NULL WHERE run_id = $1 AND host = $2`, runID, host)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: defer host %q: %w", host, err)
	}
	return int(n), nil
}

// lockLease locks the item's row in tx and checks that item's lease holds
// (fencing): it returns an error wrapping finarchive.ErrLeaseLost when the
// item is no longer in flight under that lease. An item without a lease
// (Lease 0: not claimed through Claim, as in tests and tools) is not
// checked.
func lockLease(ctx context.Context, tx pgx.Tx, runID int64, item finarchive.QueueItem) error {
	if item.Lease == 0 {
		return nil
	}
	var ok bool
	err := tx.QueryRow(ctx, `SELECT state = 'inflight' AND lease_token = $3 AND lease_expires > clock_timestamp()
		FROM frontier WHERE run_id = $1 AND url = $2 FOR UPDATE`, runID, item.URL, item.Lease).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		ok, err = false, nil
	}
	if err != nil {
		return fmt.Errorf("check lease: %w", err)
	}
	if !ok {
		return fmt.Errorf("%q (lease %d): %w", item.URL, item.Lease, finarchive.ErrLeaseLost)
	}
	return nil
}

// Retry puts an in-flight item back in the queue with its Attempts and
// NextTry as given and records the error, while its lease holds (else the
// error wraps finarchive.ErrLeaseLost). It implements crawler.Sink.
func (db *DB) Retry(ctx context.Context, runID int64, item finarchive.QueueItem, lastErr string) error {
	if db.readOnly {
		return store.ErrReadOnly
	}
	err := db.write(ctx, func(tx pgx.Tx) error {
		if err := lockLease(ctx, tx, runID, item); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE frontier SET state = 'queued', attempts = $3, next_try = $4, last_error = $5,
				lease_owner = NULL, lease_token = NULL, lease_expires = NULL, start_at = NULL
			WHERE run_id = $1 AND url = $2`, runID, item.URL, item.Attempts, nextTry(item.NextTry), lastErr)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: retry %q: %w", item.URL, err)
	}
	return nil
}

// CompleteFrontier is the frontier's part of Complete, in Complete's
// transaction tx: it checks the item's lease (fencing: an error wrapping
// finarchive.ErrLeaseLost when it ran out, and then Complete must roll
// back and write nothing), enqueues the page's links, marks the item done,
// failed (fail_runs + 1) or deferred, and marks the redirect target
// canonical (when it is not the item's URL) done too, so a link to it is
// not fetched again. It returns the number of links that were new.
func (db *DB) CompleteFrontier(ctx context.Context, tx pgx.Tx, runID int64, f *finarchive.Fetched, canonical string) (int, error) {
	if err := lockLease(ctx, tx, runID, f.Item); err != nil {
		return 0, err
	}
	state, lastErr, failRun := store.StateDone, "", 0
	switch {
	case f.Failed != "":
		state, lastErr, failRun = store.StateFailed, f.Failed, 1
	case f.Deferred != "":
		state, lastErr = store.StateDeferred, f.Deferred
	}
	n, err := db.enqueueTx(ctx, tx, runID, f.Links)
	if err != nil {
		return 0, err
	}
	// lease_owner and start_at stay: who fetched it, and when it was to start.
	if _, err := tx.Exec(ctx, `UPDATE frontier SET state = $3, last_error = $4, fail_runs = fail_runs + $5,
			lease_token = NULL, lease_expires = NULL
		WHERE run_id = $1 AND url = $2`, runID, f.Item.URL, state, lastErr, failRun); err != nil {
		return 0, fmt.Errorf("mark item: %w", err)
	}
	if canonical != "" && canonical != f.Item.URL {
		if _, err := tx.Exec(ctx, `INSERT INTO frontier AS f (run_id, url, host, depth, state, last_error) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (run_id, url) DO UPDATE SET state = excluded.state WHERE f.state IN ('queued', 'notdue')`,
			runID, canonical, finarchive.URLHost(canonical), f.Item.Depth, state, lastErr); err != nil {
			return 0, fmt.Errorf("mark final URL: %w", err)
		}
	}
	return n, nil
}

// Pending returns how many items of the run are queued or in flight (in any
// process, leases run out included), and the earliest NextTry among the
// queued ones (zero when none). Items parked as notdue do not count. It
// implements crawler.Sink.
func (db *DB) Pending(ctx context.Context, runID int64) (int, time.Time, error) {
	var n int
	var next *time.Time
	err := db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM frontier WHERE run_id = $1 AND state IN ('queued', 'inflight')),
		(SELECT min(next_try) FROM frontier WHERE run_id = $1 AND state = 'queued')`, runID).Scan(&n, &next)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("pgstore: pending run %d: %w", runID, err)
	}
	var due time.Time
	if next != nil {
		// A queued item due now reports the Unix epoch rather than the
		// zero time, which means "none queued".
		due = *next
		if !due.After(epoch) {
			due = time.UnixMilli(0)
		}
	}
	return n, due, nil
}

// ResetInFlight puts the run's in-flight items back in the queue, for a
// resumed crawl whose workers died with them, and returns how many. Their
// leases end: a process still holding one can no longer write its result.
func (db *DB) ResetInFlight(ctx context.Context, runID int64) (int, error) {
	if db.readOnly {
		return 0, store.ErrReadOnly
	}
	var n int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		ct, err := tx.Exec(ctx, `UPDATE frontier SET state = 'queued', lease_owner = NULL, lease_token = NULL,
			lease_expires = NULL, start_at = NULL WHERE run_id = $1 AND state = 'inflight'`, runID)
		n = ct.RowsAffected()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE frontier_hosts SET pending_token = NULL WHERE run_id = $1`, runID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM host_slots WHERE run_id = $1`, runID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: reset in-flight run %d: %w", runID, err)
	}
	return int(n), nil
}

// CarryOverFailed queues in run toRunID, at their depth and with no
// attempts, the URLs that run fromRunID left for later and toRunID does not
// have yet: those deferred, and those that failed, unless they have now
// failed store.MaxFailRuns runs in a row. It returns how many were carried
// over and how many failed ones were dropped for that reason.
func (db *DB) CarryOverFailed(ctx context.Context, fromRunID, toRunID int64) (carried, dropped int, err error) {
	if db.readOnly {
		return 0, 0, store.ErrReadOnly
	}
	err = db.write(ctx, func(tx pgx.Tx) error {
		ct, err := tx.Exec(ctx, `INSERT INTO frontier (run_id, url, host, depth, attempts, next_try, state, fail_runs)
			SELECT $1, url, host, depth, 0, 'epoch', 'queued', fail_runs FROM frontier
			WHERE run_id = $2 AND (state = 'deferred' OR (state = 'failed' AND fail_runs < $3)) ORDER BY id
			ON CONFLICT (run_id, url) DO NOTHING`, toRunID, fromRunID, store.MaxFailRuns)
		if err != nil {
			return err
		}
		carried = int(ct.RowsAffected())
		return tx.QueryRow(ctx, `SELECT count(*) FROM frontier WHERE run_id = $1 AND state = 'failed' AND fail_runs >= $2`,
			fromRunID, store.MaxFailRuns).Scan(&dropped)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("pgstore: carry over failed from run %d to %d: %w", fromRunID, toRunID, err)
	}
	return carried, dropped, nil
}

// DroppedFailures returns how many of the run's failed URLs have failed
// store.MaxFailRuns runs in a row, and so will not be carried over.
func (db *DB) DroppedFailures(ctx context.Context, runID int64) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM frontier WHERE run_id = $1 AND state = 'failed' AND fail_runs >= $2`,
		runID, store.MaxFailRuns).Scan(&n); err != nil {
		return 0, fmt.Errorf("pgstore: dropped failures of run %d: %w", runID, err)
	}
	return n, nil
}

// DeleteFrontier removes a finished run's frontier except its failed and
// deferred items (kept for CarryOverFailed and reports), and its hosts'
// politeness rows. It returns how many frontier rows went.
func (db *DB) DeleteFrontier(ctx context.Context, runID int64) (int, error) {
	if db.readOnly {
		return 0, store.ErrReadOnly
	}
	var n int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		ct, err := tx.Exec(ctx, `DELETE FROM frontier WHERE run_id = $1 AND state NOT IN ('failed', 'deferred')`, runID)
		if err != nil {
			return err
		}
		n = ct.RowsAffected()
		if _, err := tx.Exec(ctx, `DELETE FROM frontier_hosts WHERE run_id = $1`, runID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM host_slots WHERE run_id = $1`, runID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: delete frontier of run %d: %w", runID, err)
	}
	return int(n), nil
}

// FrontierCounts returns how many items of the run are in each state.
func (db *DB) FrontierCounts(ctx context.Context, runID int64) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT state, count(*) FROM frontier WHERE run_id = $1 GROUP BY state`, runID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: frontier counts of run %d: %w", runID, err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("pgstore: frontier counts of run %d: %w", runID, err)
		}
		m[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: frontier counts of run %d: %w", runID, err)
	}
	return m, nil
}

// Failures calls fn for each failed item of the run, in enqueue order.
func (db *DB) Failures(ctx context.Context, runID int64, fn func(store.FrontierItem) error) error {
	rows, err := db.pool.Query(ctx, `SELECT url, depth, attempts, next_try, state, last_error FROM frontier
		WHERE run_id = $1 AND state = 'failed' ORDER BY id`, runID)
	if err != nil {
		return fmt.Errorf("pgstore: failures of run %d: %w", runID, err)
	}
	// Read them all first: fn may use the database.
	var out []store.FrontierItem
	for rows.Next() {
		var it store.FrontierItem
		var next time.Time
		if err := rows.Scan(&it.URL, &it.Depth, &it.Attempts, &next, &it.State, &it.LastError); err != nil {
			rows.Close()
			return fmt.Errorf("pgstore: failures of run %d: %w", runID, err)
		}
		it.NextTry = fromNextTry(next)
		out = append(out, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgstore: failures of run %d: %w", runID, err)
	}
	for _, it := range out {
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

// ParkHost holds every claim for host in the run until until (a later park
// extends it, an earlier one does nothing), whichever process claims. It
// implements crawler.HostTimer.
func (db *DB) ParkHost(ctx context.Context, runID int64, host string, until time.Time) error {
	off := db.clockOffset()
	err := db.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO frontier_hosts AS fh (run_id, host, parked_until) VALUES ($1, $2, $3)
			ON CONFLICT (run_id, host) DO UPDATE SET parked_until = greatest(fh.parked_until, excluded.parked_until)`,
			runID, host, until.Add(off).UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: park host %q: %w", host, err)
	}
	return nil
}

// SetCrawlDelay raises the host's gap in the run to d (a robots.txt
// Crawl-delay, capped by the caller) for every process; the next
// reservation is at least d after the latest. It implements
// crawler.HostTimer.
func (db *DB) SetCrawlDelay(ctx context.Context, runID int64, host string, d time.Duration) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO frontier_hosts AS fh (run_id, host, crawl_delay) VALUES ($1, $2, $3)
			ON CONFLICT (run_id, host) DO UPDATE SET crawl_delay = greatest(fh.crawl_delay, excluded.crawl_delay)`,
			runID, host, d)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: crawl delay of %q: %w", host, err)
	}
	return nil
}

// measureOffset takes one sample of the database's clock (read at dbNow by
// a query sent at sent and answered at recv) and returns the offset to
// use: that of the sample with the shortest round trip in the last
// minute, whose error is at most half its round trip. Each sample's error
// is its own, up to a few milliseconds on a loaded machine; jumping from
// one to the next would move reservations by as much.
func (db *DB) measureOffset(sent, recv, dbNow time.Time) time.Duration {
	s := db.frontier()
	s.mu.Lock()
	defer s.mu.Unlock()
	if dbNow.IsZero() {
		return s.offset
	}
	rtt := recv.Sub(sent)
	if s.offAt.IsZero() || rtt <= s.offRTT || recv.Sub(s.offAt) > time.Minute {
		off := dbNow.Sub(sent.Add(rtt / 2))
		if off.Abs() <= rtt/2 {
			// The clocks agree as far as this sample can tell (one
			// machine, or well-synchronised ones): trust them as they are
			// rather than move every reservation by the sample's error.
			off = 0
		}
		s.offset, s.offRTT, s.offAt = off, rtt, recv
	}
	return s.offset
}

// syncClock measures the database clock's offset from a few quick
// queries, once, before the first claim: the first claims' own round trips
// (a new connection, a plan to make) are long, their offsets poor.
func (db *DB) syncClock(ctx context.Context) {
	s := db.frontier()
	s.mu.Lock()
	done := !s.offAt.IsZero()
	s.mu.Unlock()
	if done {
		return
	}
	// A sample is as good as its round trip is short: take a few, more
	// while they are slow (a loaded machine, a process starting).
	for i := 0; i < 20; i++ {
		var dbNow time.Time
		sent := time.Now()
		if err := db.pool.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&dbNow); err != nil {
			return
		}
		recv := time.Now()
		db.measureOffset(sent, recv, dbNow)
		if i >= 4 && recv.Sub(sent) < time.Millisecond {
			break
		}
	}
	s.mu.Lock()
	rtt, off := s.offRTT, s.offset
	s.mu.Unlock()
	if rtt > 5*time.Millisecond {
		db.logger.Warn("pgstore: the database's clock is known to a few milliseconds only (slow round trips): hosts' gaps may be short by as much between workers",
			"round_trip", rtt, "offset", off)
	}
}

func (db *DB) clockOffset() time.Duration {
	s := db.frontier()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset
}

// ReserveHost reserves a start for a request to host that is no frontier
// item (its robots.txt, a sitemap), within the host's politeness as a
// claim would, waiting while the host is parked or at its cap. The request
// counts in flight until release is called (or its lease runs out). start
// is in our clock. It implements crawler.HostTimer.
func (db *DB) ReserveHost(ctx context.Context, runID int64, host string) (start time.Time, started func(time.Time), release func(), err error) {
	pol, ok := db.politeness(runID)
	if !ok {
		pol = politeness{par: 1 << 30}
	}
	s := db.frontier()
	db.startHeartbeat()
	db.syncClock(ctx)
	var sl, lead time.Duration
	if pol.gap > 0 || pol.random > 0 {
		sl, lead = slack(pol.gap), claimLead
	}
	for {
		var tok *int64
		var at, dbNow, wait *time.Time
		sent := time.Now()
		err := db.write(ctx, func(tx pgx.Tx) error {
			tok, at, dbNow, wait = nil, nil, nil, nil
			return tx.QueryRow(ctx, `SELECT token, start_at, db_now, wait_until FROM frontier_reserve($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				runID, host, s.owner, db.leaseDuration(), int32(pol.par), pol.gap, pol.random, sl, lead, pendingTTL).Scan(&tok, &at, &dbNow, &wait)
		})
		if err != nil {
			return time.Time{}, nil, nil, fmt.Errorf("pgstore: reserve a start on %q: %w", host, err)
		}
		off := db.clockOffset()
		if dbNow != nil {
			off = db.measureOffset(sent, time.Now(), *dbNow)
		}
		if tok != nil {
			token := *tok
			var didStart atomic.Bool // set before the report: release never undoes a start
			started = func(at time.Time) {
				didStart.Store(true)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := db.started(ctx, runID, host, token, at); err != nil {
					db.logger.Warn("pgstore: report a start", "host", host, "err", err)
				}
			}
			release = func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				err := db.write(ctx, func(tx pgx.Tx) error {
					if !didStart.Load() {
						if err := unstarted(ctx, tx, runID, []int64{token}); err != nil {
							return err
						}
					}
					_, err := tx.Exec(ctx, `DELETE FROM host_slots WHERE token = $1`, token)
					return err
				})
				if err != nil {
					db.logger.Warn("pgstore: release host slot", "host", host, "err", err)
				}
			}
			if at == nil {
				return time.Now(), started, release, nil
			}
			return at.Add(-off), started, release, nil
		}
		d := 50 * time.Millisecond
		if wait != nil {
			d = max(time.Until(wait.Add(-off)), time.Millisecond)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return time.Time{}, nil, nil, ctx.Err()
		case <-t.C:
		}
	}
}
