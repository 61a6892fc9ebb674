package store

import (
	"context"
	"database/sql"
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
)

// enqueueSQL inserts the items of a JSON array of [url, depth, attempts,
// next_try] in order, skipping URLs the run has already. In an adaptive run
// (?3 = 1) a link (depth > 0) to an archived page whose next revisit is
// after ?4 is parked as 'notdue'.
const enqueueSQL = `INSERT OR IGNORE INTO frontier (run_id, url, depth, attempts, next_try, state)
SELECT ?1, i.url, i.depth, i.attempts, i.next_try,
	CASE WHEN ?3 AND i.depth > 0 AND EXISTS (SELECT 1 FROM pages WHERE pages.url = i.url AND next_revisit_at > ?4)
	THEN 'notdue' ELSE 'queued' END
FROM (SELECT value ->> 0 AS url, value ->> 1 AS depth, value ->> 2 AS attempts, value ->> 3 AS next_try
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

// Claim marks up to n queued items whose NextTry is at or before now in
// flight and returns them oldest first (by enqueue order), with the stored
// page's validators. It implements crawler.Sink.
func (db *DB) Claim(ctx context.Context, runID int64, n int, now time.Time) ([]finarchive.QueueItem, error) {
	if n <= 0 {
		return nil, nil
	}
	if db.w == nil {
		return nil, ErrReadOnly
	}
	type claimed struct {
		id   int64
		item finarchive.QueueItem
	}
	var out []claimed
	err := db.write(ctx, func(tx *wtx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE frontier SET state = 'inflight'
			WHERE id IN (SELECT id FROM frontier WHERE run_id = ?1 AND state = 'queued' AND next_try <= ?2 ORDER BY id LIMIT ?3)
			RETURNING id, url, depth, attempts, next_try,
				coalesce((SELECT etag FROM pages WHERE pages.url = frontier.url), ''),
				coalesce((SELECT last_modified FROM pages WHERE pages.url = frontier.url), '')`,
			runID, now.UnixMilli(), n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c claimed
			var next int64
			if err := rows.Scan(&c.id, &c.item.URL, &c.item.Depth, &c.item.Attempts, &next, &c.item.ETag, &c.item.LastModified); err != nil {
				return err
			}
			c.item.NextTry = fromUnixMs(next)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim run %d: %w", runID, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	items := make([]finarchive.QueueItem, len(out))
	for i, c := range out {
		items[i] = c.item
	}
	return items, nil
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
// attempts, the URLs that failed in run fromRunID and toRunID does not have
// yet. It returns how many.
func (db *DB) CarryOverFailed(ctx context.Context, fromRunID, toRunID int64) (int, error) {
	if db.w == nil {
		return 0, ErrReadOnly
	}
	n, err := db.exec(ctx, `INSERT OR IGNORE INTO frontier (run_id, url, depth, attempts, next_try, state)
		SELECT ?, url, depth, 0, 0, 'queued' FROM frontier WHERE run_id = ? AND state = 'failed' ORDER BY id`, toRunID, fromRunID)
	if err != nil {
		return 0, fmt.Errorf("store: carry over failed from run %d to %d: %w", fromRunID, toRunID, err)
	}
	return int(n), nil
}

// DeleteFrontier removes a finished run's frontier except its failed items
// (kept for CarryOverFailed and reports). It returns how many rows went.
func (db *DB) DeleteFrontier(ctx context.Context, runID int64) (int, error) {
	if db.w == nil {
		return 0, ErrReadOnly
	}
	n, err := db.exec(ctx, "DELETE FROM frontier WHERE run_id = ? AND state <> 'failed'", runID)
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
