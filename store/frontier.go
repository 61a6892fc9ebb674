package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/finarchive/finarchive"
)

// Frontier item states (frontier.state).
const (
	StateQueued   = "queued"
	StateInflight = "inflight"
	StateDone     = "done"
	StateFailed   = "failed"
	StateNotDue   = "notdue"
	StateDeferred = "deferred" // left for the next run (Retry-After beyond the cap)
)

// MaxFailRuns is how many runs in a row a URL may fail before it is no
// longer carried over to the next run.
const MaxFailRuns = 3

// enqueueSQL inserts the items of a JSON array of [url, depth, attempts,
// next_try, host] in order, skipping URLs the run has already. In an adaptive run
// (?3 = 1) a link (depth > 0) to an archived page whose next revisit is
// after ?4 is parked as 'notdue'.
const enqueueSQL = `INSERT OR IGNORE INTO frontier (run_id, url, host, depth, attempts, next_try, state)
SELECT ?1, i.url, i.host, i.depth, i.attempts, i.next_try,
	CASE WHEN ?3 AND i.depth > 0 AND EXISTS (SELECT 1 FROM pages WHERE pages.url = i.url AND next_revisit_at > ?4)
	THEN 'notdue' ELSE 'queued' END
FROM (SELECT value ->> 0 AS url, value ->> 1 AS depth, value ->> 2 AS attempts, value ->> 3 AS next_try, value ->> 4 AS host
	FROM json_each(?2) ORDER BY key) AS i`

func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnixMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// encodeItems returns items as the JSON enqueueSQL reads, leaving out items
// without a URL.
func encodeItems(items []finarchive.QueueItem) []byte {
	b := make([]byte, 0, 16+len(items)*80)
	b = append(b, '[')
	first := true
	for _, it := range items {
		if it.URL == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '[')
		b = appendJSONString(b, it.URL)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(it.Depth), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(it.Attempts), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, unixMs(it.NextTry), 10)
		b = append(b, ',')
		b = appendJSONString(b, finarchive.URLHost(it.URL))
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// enqueue inserts items in tx and returns how many were new.
func (db *DB) enqueue(ctx context.Context, tx *wtx, runID int64, cfg runConfig, items []byte, now string) (int, error) {
	adaptive := 0
	if cfg.adaptive {
		adaptive = 1
	}
	res, err := tx.ExecContext(ctx, enqueueSQL, runID, items, adaptive, now)
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Enqueue adds items to the run's frontier; a URL the run has already (in
// any state) is ignored. It returns how many items were new. It implements
// crawler.Sink.
func (db *DB) Enqueue(ctx context.Context, runID int64, items []finarchive.QueueItem) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	if db.w == nil {
		return 0, ErrReadOnly
	}
	cfg, err := db.runConfig(ctx, db.r, runID)
	if err != nil {
		return 0, fmt.Errorf("store: enqueue: %w", err)
	}
	total := 0
	const chunk = 5000
	for len(items) > 0 {
		part := items[:min(chunk, len(items))]
		items = items[len(part):]
		part, hs := db.known.filter(runID, part)
		var n int
		if len(part) > 0 {
			js := encodeItems(part)
			err = db.write(ctx, func(tx *wtx) error {
				var err error
				n, err = db.enqueue(ctx, tx, runID, cfg, js, fmtTime(db.now()))
				return err
			})
			if err != nil {
				return total, fmt.Errorf("store: enqueue run %d: %w", runID, err)
			}
		}
		db.known.add(runID, hs)
		total += n
	}
	return total, nil
}

// claimHostSQL marks up to ?4 of a host's queued items due at ?3 in
// flight, oldest first, and returns them with the stored page's validators.
const claimHostSQL = `UPDATE frontier SET state = 'inflight'
	WHERE id IN (SELECT id FROM frontier INDEXED BY frontier_host
		WHERE run_id = ?1 AND host = ?2 AND state = 'queued' AND next_try <= ?3 ORDER BY id LIMIT ?4)
	RETURNING id, url, depth, attempts, next_try,
		coalesce((SELECT etag FROM pages WHERE pages.url = frontier.url), ''),
		coalesce((SELECT last_modified FROM pages WHERE pages.url = frontier.url), '')`

// Claim marks in flight, for each host of want, up to want[host] of the
// host's queued items whose NextTry is at or before now, oldest first (by
// enqueue order), and returns them with the stored page's validators. due
// holds, for each host of want that still has queued items, the earliest
// NextTry among them (the Unix epoch for "now"). One transaction claims for
// all the hosts. It implements crawler.Sink.
func (db *DB) Claim(ctx context.Context, runID int64, want map[string]int, now time.Time) ([]finarchive.QueueItem, map[string]time.Time, error) {
	if len(want) == 0 {
		return nil, nil, nil
	}
	if db.w == nil {
		return nil, nil, ErrReadOnly
	}
	hosts := make([]string, 0, len(want))
	for h, n := range want {
		if n > 0 {
			hosts = append(hosts, h)
		}
	}
	sort.Strings(hosts)
	var items []finarchive.QueueItem
	due := map[string]time.Time{}
	err := db.write(ctx, func(tx *wtx) error {
		items, due = items[:0], map[string]time.Time{} // a retried batch starts afresh
		for _, h := range hosts {
			got, err := claimHost(ctx, tx, runID, h, want[h], now)
			if err != nil {
				return err
			}
			items = append(items, got...)
			var next sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT min(next_try) FROM frontier INDEXED BY frontier_host_due
				WHERE run_id = ? AND host = ? AND state = 'queued'`, runID, h).Scan(&next); err != nil {
				return err
			}
			if next.Valid {
				due[h] = time.UnixMilli(next.Int64)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: claim run %d: %w", runID, err)
	}
	return items, due, nil
}

func claimHost(ctx context.Context, tx *wtx, runID int64, host string, n int, now time.Time) ([]finarchive.QueueItem, error) {
	rows, err := tx.QueryContext(ctx, claimHostSQL, runID, host, now.UnixMilli(), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type claimed struct {
		id   int64
		item finarchive.QueueItem
	}
	var out []claimed
	for rows.Next() {
		var c claimed
		var next int64
		if err := rows.Scan(&c.id, &c.item.URL, &c.item.Depth, &c.item.Attempts, &next, &c.item.ETag, &c.item.LastModified); err != nil {
			return nil, err
		}
		c.item.NextTry = fromUnixMs(next)
		c.item.Host = host
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	items := make([]finarchive.QueueItem, len(out))
	for i, c := range out {
		items[i] = c.item
	}
	return items, nil
}

// Unclaim puts claimed items that were not fetched back in the queue, as
// they were. It implements crawler.Sink.
func (db *DB) Unclaim(ctx context.Context, runID int64, items []finarchive.QueueItem) error {
	if len(items) == 0 {
		return nil
	}
	if db.w == nil {
		return ErrReadOnly
	}
	urls := make([]string, len(items))
	for i, it := range items {
		urls[i] = it.URL
	}
	js, err := json.Marshal(urls)
	if err != nil {
		return fmt.Errorf("store: unclaim: %w", err)
	}
	err = db.write(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `UPDATE frontier SET state = 'queued'
			WHERE run_id = ? AND state = 'inflight' AND url IN (SELECT value FROM json_each(?))`, runID, string(js))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: unclaim %d items of run %d: %w", len(items), runID, err)
	}
	return nil
}

// QueuedHosts returns the hosts that have queued items in the run, each
// with the earliest NextTry among them (the Unix epoch for "now"). It
// implements crawler.Sink.
func (db *DB) QueuedHosts(ctx context.Context, runID int64) (map[string]time.Time, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT host, min(next_try) FROM frontier INDEXED BY frontier_host_due
		WHERE run_id = ? AND state = 'queued' GROUP BY host`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: queued hosts of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var h string
		var next int64
		if err := rows.Scan(&h, &next); err != nil {
			return nil, fmt.Errorf("store: queued hosts of run %d: %w", runID, err)
		}
		out[h] = time.UnixMilli(next)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: queued hosts of run %d: %w", runID, err)
	}
	return out, nil
}

// DeferHost leaves every queued or in-flight item of host in the run for
// the next run (state deferred, reason in last_error) and returns how many.
// It implements crawler.Sink.
func (db *DB) DeferHost(ctx context.Context, runID int64, host, reason string) (int, error) {
	if db.w == nil {
		return 0, ErrReadOnly
	}
	var n int64
	err := db.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `UPDATE frontier SET state = 'deferred', last_error = ?
			WHERE run_id = ? AND host = ? AND state IN ('queued', 'inflight')`, reason, runID, host)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: defer host %q: %w", host, err)
	}
	return int(n), nil
}

// Retry puts an in-flight item back in the queue with its Attempts and
// NextTry as given and records the error. It implements crawler.Sink.
func (db *DB) Retry(ctx context.Context, runID int64, item finarchive.QueueItem, lastErr string) error {
	if db.w == nil {
		return ErrReadOnly
	}
	err := db.write(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `UPDATE frontier SET state = 'queued', attempts = ?, next_try = ?, last_error = ?
			WHERE run_id = ? AND url = ?`, item.Attempts, unixMs(item.NextTry), lastErr, runID, item.URL)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: retry %q: %w", item.URL, err)
	}
	return nil
}

// Pending returns how many items of the run are queued or in flight, and
// the earliest NextTry among the queued ones (zero when none). Items parked
// as notdue do not count. It implements crawler.Sink.
func (db *DB) Pending(ctx context.Context, runID int64) (int, time.Time, error) {
	var n int
	var next sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM frontier WHERE run_id = ?1 AND state IN ('queued', 'inflight')),
		(SELECT next_try FROM frontier INDEXED BY frontier_pending
			WHERE run_id = ?1 AND state IN ('queued', 'inflight') AND state = 'queued'
			ORDER BY next_try LIMIT 1)`, runID).Scan(&n, &next)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: pending run %d: %w", runID, err)
	}
	var due time.Time
	if next.Valid {
		// A queued item with next_try 0 is due now: report the Unix epoch
		// rather than the zero time, which means "none queued".
		due = time.UnixMilli(next.Int64)
	}
	return n, due, nil
}

// ResetInFlight puts the run's in-flight items back in the queue, for a
// resumed crawl whose workers died with them. It returns how many.
func (db *DB) ResetInFlight(ctx context.Context, runID int64) (int, error) {
	if db.w == nil {
		return 0, ErrReadOnly
	}
	n, err := db.exec(ctx, "UPDATE frontier SET state = 'queued' WHERE run_id = ? AND state = 'inflight'", runID)
	if err != nil {
		return 0, fmt.Errorf("store: reset in-flight run %d: %w", runID, err)
	}
	return int(n), nil
}

// CarryOverFailed queues in run toRunID, at their depth and with no
// attempts, the URLs that run fromRunID left for later and toRunID does
// not have yet: those deferred, and those that failed, unless they have now
// failed MaxFailRuns runs in a row. It returns how many were carried over
// and how many failed ones were dropped for that reason.
func (db *DB) CarryOverFailed(ctx context.Context, fromRunID, toRunID int64) (carried, dropped int, err error) {
	if db.w == nil {
		return 0, 0, ErrReadOnly
	}
	err = db.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO frontier (run_id, url, host, depth, attempts, next_try, state, fail_runs)
			SELECT ?, url, host, depth, 0, 0, 'queued', fail_runs FROM frontier
			WHERE run_id = ? AND (state = 'deferred' OR (state = 'failed' AND fail_runs < ?)) ORDER BY id`,
			toRunID, fromRunID, MaxFailRuns)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		carried = int(n)
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM frontier WHERE run_id = ? AND state = 'failed' AND fail_runs >= ?`,
			fromRunID, MaxFailRuns).Scan(&dropped)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: carry over failed from run %d to %d: %w", fromRunID, toRunID, err)
	}
	db.known.forget(toRunID) // rows went in behind its back
	return carried, dropped, nil
}

// DroppedFailures returns how many of the run's failed URLs have failed
// MaxFailRuns runs in a row, and so will not be carried over.
func (db *DB) DroppedFailures(ctx context.Context, runID int64) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM frontier WHERE run_id = ? AND state = 'failed' AND fail_runs >= ?`,
		runID, MaxFailRuns).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: dropped failures of run %d: %w", runID, err)
	}
	return n, nil
}

// DeleteFrontier removes a finished run's frontier except its failed and
// deferred items (kept for CarryOverFailed and reports). It returns how
// many rows went.
func (db *DB) DeleteFrontier(ctx context.Context, runID int64) (int, error) {
	if db.w == nil {
		return 0, ErrReadOnly
	}
	n, err := db.exec(ctx, "DELETE FROM frontier WHERE run_id = ? AND state NOT IN ('failed', 'deferred')", runID)
	db.known.forget(runID)
	if err != nil {
		return 0, fmt.Errorf("store: delete frontier of run %d: %w", runID, err)
	}
	return int(n), nil
}

// FrontierItem is one row of a run's frontier, for reports.
type FrontierItem struct {
	finarchive.QueueItem
	State     string `json:"state"`
	LastError string `json:"last_error,omitempty"`
}

// FrontierCounts returns how many items of the run are in each state.
func (db *DB) FrontierCounts(ctx context.Context, runID int64) (map[string]int, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT state, count(*) FROM frontier WHERE run_id = ? GROUP BY state", runID)
	if err != nil {
		return nil, fmt.Errorf("store: frontier counts of run %d: %w", runID, err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("store: frontier counts of run %d: %w", runID, err)
		}
		m[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: frontier counts of run %d: %w", runID, err)
	}
	return m, nil
}

// Failures calls fn for each failed item of the run, in enqueue order.
func (db *DB) Failures(ctx context.Context, runID int64, fn func(FrontierItem) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT url, depth, attempts, next_try, state, last_error FROM frontier
		WHERE run_id = ? AND state = 'failed' ORDER BY id`, runID)
	if err != nil {
		return fmt.Errorf("store: failures of run %d: %w", runID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it FrontierItem
		var next int64
		if err := rows.Scan(&it.URL, &it.Depth, &it.Attempts, &next, &it.State, &it.LastError); err != nil {
			return fmt.Errorf("store: failures of run %d: %w", runID, err)
		}
		it.NextTry = fromUnixMs(next)
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: failures of run %d: %w", runID, err)
	}
	return nil
}
