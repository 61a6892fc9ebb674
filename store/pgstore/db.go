// Package pgstore is the archive on PostgreSQL: the same store.Archive as
// the SQLite file of package store, for teams whose crawl spans several
// machines (finarchive work) and whose archive several people query at once.
// It uses pgx (github.com/jackc/pgx/v5) with a connection pool. The schema
// is in migrations/*.sql, embedded, applied in order; each applied version
// is a row of schema_migrations. Times come from the database's clock
// where workers on several machines must agree (leases, a host's next
// start), and from the Settings' clock elsewhere, as in SQLite.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/finarchive/finarchive/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an archive in a PostgreSQL database. It is safe for concurrent use,
// and any number of processes may open one database at once.
type DB struct {
	pool     *pgxpool.Pool
	name     string // the URL without its password, for messages
	readOnly bool
	logger   *slog.Logger
	now      func() time.Time
	fr       frontierState // the frontier's leases and politeness (frontier.go)
	w        writeState    // the write side's state (runs.go, lock.go, search.go)
}

var _ store.Archive = (*DB)(nil)

// IsURL reports whether a --db value names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the PostgreSQL database that connString names (a
// postgres:// URL; the PG* environment variables fill in what it leaves
// out, as with psql) and brings its schema up to date.
func Open(ctx context.Context, connString string, opts ...store.Option) (*DB, error) {
	db, err := connect(ctx, connString, opts, false)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return nil, err
	}
	return db, nil
}

// OpenReadOnly connects for reading only: every transaction is read-only,
// write methods fail with store.ErrReadOnly, and the schema must be
// current.
func OpenReadOnly(ctx context.Context, connString string, opts ...store.Option) (*DB, error) {
	db, err := connect(ctx, connString, opts, true)
	if err != nil {
		return nil, err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		db.pool.Close()
		return nil, err
	}
	n, err := countMigrations()
	if err != nil {
		db.pool.Close()
		return nil, err
	}
	if v == 0 {
		db.pool.Close()
		return nil, fmt.Errorf("pgstore: open %s read-only: the database holds no archive yet (crawl into it first)", db.name)
	}
	if v != n {
		db.pool.Close()
		return nil, fmt.Errorf("pgstore: open %s read-only: schema version %d, want %d (open it read-write once)", db.name, v, n)
	}
	return db, nil
}

// connect opens the pool; readOnly makes every session's transactions
// read-only (default_transaction_read_only), so the server itself refuses
// a write through a read-only DB (serve, search, export, runs).
func connect(ctx context.Context, connString string, opts []store.Option, readOnly bool) (*DB, error) {
	set := store.Apply(opts)
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("pgstore: parse %s: %w", redact(connString), err)
	}
	if cfg.MaxConns < 8 && !hasParam(connString, "pool_max_conns") {
		cfg.MaxConns = 8 // unless the URL asks for fewer (many workers, one server)
	}
	if readOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	db := &DB{name: redact(connString), logger: set.Logger, now: set.Now, readOnly: readOnly}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open %s: %w", db.name, err)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("pgstore: open %s: %w", db.name, err)
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error {
	db.stopHeartbeat()
	db.pool.Close()
	return nil
}

// Path returns the database's URL without its password.
func (db *DB) Path() string { return db.name }

// Pool returns the connection pool, for tests and tools that read the
// tables directly.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// SchemaVersion returns the number of migrations applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		var exists bool
		if err2 := db.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err2 == nil && !exists {
			return 0, nil
		}
		return 0, fmt.Errorf("pgstore: schema version: %w", err)
	}
	return v, nil
}

func migrationNames() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("pgstore: list migrations: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

func countMigrations() (int, error) {
	names, err := migrationNames()
	return len(names), err
}

// migrationLock is the advisory lock key that serialises migrations when
// several processes open one database at once ("FinA").
const migrationLock = 0x46696e41

// migrate applies the migrations not yet in schema_migrations, in order,
// each in its own transaction with its row, under an advisory lock so
// that workers starting together migrate once.
func (db *DB) migrate(ctx context.Context) error {
	names, err := migrationNames()
	if err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate %s: %w", db.name, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("pgstore: migrate %s: lock: %w", db.name, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: migrate %s: %w", db.name, err)
	}
	var v int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("pgstore: migrate %s: %w", db.name, err)
	}
	if v > len(names) {
		return fmt.Errorf("pgstore: open %s: schema version %d is newer than this program (%d)", db.name, v, len(names))
	}
	for i := v; i < len(names); i++ {
		src, err := migrationFS.ReadFile(names[i])
		if err != nil {
			return fmt.Errorf("pgstore: read migration %s: %w", names[i], err)
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(src)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, i+1, names[i])
			return err
		})
		if err != nil {
			return fmt.Errorf("pgstore: migration %s: %w", names[i], err)
		}
		db.logger.Info("pgstore: migrated", "version", i+1, "file", names[i])
	}
	return nil
}

// inTx runs fn in a read-write transaction and commits it, or rolls back
// when fn fails. While db holds the crawl lock, the transaction first checks
// that it still does (fencing: see checkFence). Committed transactions are
// counted for WriteStats.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if db.readOnly {
		return store.ErrReadOnly
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := db.checkFence(ctx, tx); err != nil {
			return err
		}
		return fn(tx)
	})
	if err == nil {
		db.w.txs.Add(1)
	}
	return err
}

// errNotFound maps pgx's no-rows error to store.ErrNotFound.
func errNotFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}
