package pgstore

import (
	"context"
	"fmt"
	"strings"
)

// integrityChecks are the archive's structural invariants, each a query
// counting the rows that break it (see store/SCHEMA.md: the same rules as
// the SQLite archive's).
var integrityChecks = []struct{ what, query string }{
	{"pages without a revision", `SELECT count(*) FROM pages p WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.page_id = p.id)`},
	{"revisions without a body that are not their page's newest", `SELECT count(*) FROM revisions r WHERE r.body IS NULL
		AND r.id <> (SELECT max(id) FROM revisions n WHERE n.page_id = r.page_id)`},
	{"pages whose newest revision is not the page's content", `SELECT count(*) FROM pages p
		JOIN revisions r ON r.id = (SELECT max(id) FROM revisions WHERE page_id = p.id)
		WHERE r.body IS NOT NULL OR r.content_hash <> p.content_hash`},
	{"pages without a search index row", `SELECT count(*) FROM pages p WHERE NOT EXISTS (SELECT 1 FROM search s WHERE s.page_id = p.id)`},
	{"search index rows of an old revision", `SELECT count(*) FROM search s
		WHERE s.revision_id <> (SELECT max(id) FROM revisions r WHERE r.page_id = s.page_id)`},
	{"raw responses naming another page's fetch or none", `SELECT count(*) FROM raw r WHERE r.fetch_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM fetches f WHERE f.id = r.fetch_id AND f.page_id = r.page_id)`},
	{"unarchived rows of archived pages", `SELECT count(*) FROM unarchived u JOIN pages p ON p.url = u.url`},
	{"cards out of order", `SELECT count(*) FROM (SELECT page_id, count(*) AS n, max(position) AS m FROM cards GROUP BY page_id) c
		WHERE c.m <> c.n - 1`},
}

// IntegrityCheck checks the archive's structure: the invariants of
// integrityChecks (every page has its revisions and its one current index
// row, raw bodies belong to their page's fetches …) and, when the amcheck
// extension is installed in the database, every B-tree index of the
// archive's tables (bt_index_check). It returns nil when all hold.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var msgs []string
	for _, c := range integrityChecks {
		var n int64
		if err := db.pool.QueryRow(ctx, c.query).Scan(&n); err != nil {
			return fmt.Errorf("pgstore: integrity check: %s: %w", c.what, err)
		}
		if n > 0 {
			msgs = append(msgs, fmt.Sprintf("%d %s", n, c.what))
		}
	}
	var amcheck bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck')`).Scan(&amcheck); err != nil {
		return fmt.Errorf("pgstore: integrity check: %w", err)
	}
	if amcheck {
		rows, err := db.pool.Query(ctx, `SELECT i.indexrelid::regclass::text FROM pg_index i
			JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE a.amname = 'btree' AND n.nspname = current_schema()`)
		if err != nil {
			return fmt.Errorf("pgstore: integrity check: %w", err)
		}
		var idx []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return fmt.Errorf("pgstore: integrity check: %w", err)
			}
			idx = append(idx, s)
		}
		rows.Close()
		for _, ix := range idx {
			if _, err := db.pool.Exec(ctx, "SELECT bt_index_check($1::regclass, true)", ix); err != nil {
				msgs = append(msgs, fmt.Sprintf("index %s: %v", ix, err))
			}
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("pgstore: integrity check: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// WriteStats returns the write transactions committed through this DB,
// twice: each write request (a Complete, an Enqueue …) is one transaction
// of its own on PostgreSQL, where concurrent writers commit in parallel
// (no group commit to measure).
func (db *DB) WriteStats() (requests, transactions int64) {
	n := db.w.txs.Load()
	return n, n
}
