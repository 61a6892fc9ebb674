// Package store is the archive: a concrete *DB over SQLite that holds the
// articles (pages, their revisions, cards and raw responses), the crawl runs
// and each run's disk frontier, a Chinese full-text index and the lock that
// keeps two crawls off one database. It implements crawler.Sink without
// importing the crawler. The schema is in migrations/*.sql and SCHEMA.md.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/internal/warcrec"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/s2"
	"github.com/mattn/go-sqlite3"
	"golang.org/x/sys/unix"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Errors returned by the store.
var (
	ErrNotFound = errors.New("store: not found")
	ErrLocked   = errors.New("store: database is locked by another crawl")
	ErrReadOnly = errors.New("store: database opened read-only")
)

// DB is an open archive. A DB opened with Open has one writer connection
// (all writes are serialised through it) and a pool of readers; one opened
// with OpenReadOnly has readers only. It is safe for concurrent use.
type DB struct {
	path   string
	w      *sql.DB // the single writer; nil when read-only
	r      *sql.DB // readers
	logger *slog.Logger

	// now returns the current time; tests of adaptive revisits keep it.
	now func() time.Time

	mu       sync.Mutex
	runs     map[int64]runConfig                   // per-run settings Enqueue and Complete need
	trackers map[int64]func() finarchive.RunCounts // see TrackCounts

	known *knownURLs

	fence atomic.Pointer[fence] // the crawl lock held (Lock), checked by every write transaction

	// The writer goroutine (see write.go).
	pending      []indexDoc   // index rows not yet written; writer goroutine only
	pendingSince time.Time    // when the oldest of pending was queued
	pendingN     atomic.Int64 // len(pending), for Search
	writes       chan *writeReq
	closing      chan struct{}
	writerDone   chan struct{}
	closeOnce    sync.Once
	txs, reqs    atomic.Int64 // committed write transactions and the requests in them
}

// Settings are what Options set. They are the same for every back end
// (store/pgstore reads them too), so one list of options opens any archive.
type Settings struct {
	// Logger receives the store's logs (default: discard).
	Logger *slog.Logger
	// Now returns the current time (default time.Now); it decides revisit
	// due dates and lock ages, and tests keep it.
	Now func() time.Time
}

// Option configures Open and OpenReadOnly (and the other back ends' Open).
type Option func(*Settings)

// Apply returns the Settings that opts give, defaults filled in.
func Apply(opts []Option) Settings {
	s := Settings{Logger: slog.New(slog.DiscardHandler), Now: time.Now}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(s *Settings) {
		if l != nil {
			s.Logger = l
		}
	}
}

// WithClock sets the function the store reads the time from (default
// time.Now). It decides revisit due dates and lock ages.
func WithClock(now func() time.Time) Option {
	return func(s *Settings) {
		if now != nil {
			s.Now = now
		}
	}
}

// connector opens go-sqlite3 connections with the store's SQL functions
// registered, without registering a driver name globally.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// walCheckpointPages is the writer's wal_autocheckpoint: the WAL is copied
// back into the database when it reaches this many pages (SQLite's default
// is 1,000). Fewer, larger checkpoints copy a page written by many
// transactions (index interior pages, the full-text index's segment
// directory) once instead of many times.
const walCheckpointPages = 8000

// writerCacheKiB is the writer's page cache (cache_size, in KiB). Every
// commit walks the whole cache's hash table (SQLite truncates the cache
// to the database size in pager_end_transaction), so a larger cache costs
// at every one of a crawl's commits: with 64 MiB that walk was 1.4% of a
// crawl's CPU time, with 16 MiB 0.5%, and the misses it adds are reads
// from the OS's cache (0.03%).
const writerCacheKiB = 16 << 10

func newConnector(dsn string, writer bool) connector {
	return connector{dsn: dsn, drv: &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			if err := c.RegisterFunc("fa_bigrams", indexText, true); err != nil {
				return fmt.Errorf("store: register fa_bigrams: %w", err)
			}
			if err := c.RegisterFunc("fa_chars", charsText, true); err != nil {
				return fmt.Errorf("store: register fa_chars: %w", err)
			}
			if writer {
				if _, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walCheckpointPages), nil); err != nil {
					return fmt.Errorf("store: set wal_autocheckpoint: %w", err)
				}
			}
			return nil
		},
	}}
}

// dsn builds a file: URI for path with the pragmas every connection needs.
func dsn(path string, extra string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path) + "?_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL&_stmt_cache_size=64" + extra
}

func newDB(path string, opts []Option) *DB {
	set := Apply(opts)
	return &DB{
		path:   path,
		logger: set.Logger,
		now:    set.Now,
		runs:   make(map[int64]runConfig),
		known:  newKnownURLs(),
	}
}

// readConns is the size of the pool of read connections.
const readConns = 8

// Open opens (creating if needed) the archive at path and brings its schema
// up to date.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	if err := precheck(ctx, path); err != nil {
		return nil, err
	}
	db := newDB(path, opts)
	db.w = sql.OpenDB(newConnector(dsn(path, fmt.Sprintf("&_journal_mode=WAL&_txlock=immediate&_cache_size=-%d", writerCacheKiB)), true))
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	if err := db.migrate(ctx); err != nil {
		db.w.Close()
		return nil, err
	}
	if err := db.catchUpIndex(ctx); err != nil {
		db.w.Close()
		return nil, err
	}
	db.r = sql.OpenDB(newConnector(dsn(path, "&_journal_mode=WAL&_query_only=1"), false))
	db.r.SetMaxOpenConns(readConns)
	db.r.SetMaxIdleConns(readConns)
	db.startWriter()
	if err := db.r.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// precheck refuses an existing file that is not an archive before Open
// touches it: the writer's connection would already switch it to WAL mode.
// It reads through a read-only connection that sets no journal mode.
func precheck(ctx context.Context, path string) error {
	st, err := os.Stat(path)
	if err != nil || st.Size() == 0 {
		return nil // a new file; Open reports what else is wrong
	}
	conn := sql.OpenDB(newConnector(dsn(path, "&mode=ro"), false))
	defer conn.Close()
	_, err = checkApplicationID(ctx, conn, path)
	var foreign *ForeignDatabaseError
	if errors.As(err, &foreign) {
		return err
	}
	return nil // not readable so: Open says why
}

// OpenReadOnly opens an existing archive for reading only (mode=ro,
// query_only), as a web UI does while a crawl writes. Its schema must be
// current: write methods return ErrReadOnly.
func OpenReadOnly(ctx context.Context, path string, opts ...Option) (*DB, error) {
	db := newDB(path, opts)
	extra, warn := readOnlyMode(path)
	if warn != "" {
		db.logger.Warn("store: "+warn, "db", path)
	}
	db.r = sql.OpenDB(newConnector(dsn(path, extra+"&_query_only=1"), false))
	db.r.SetMaxOpenConns(readConns)
	db.r.SetMaxIdleConns(readConns)
	if _, err := checkApplicationID(ctx, db.r, path); err != nil {
		db.r.Close()
		return nil, err
	}
	var v int
	if err := db.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		db.r.Close()
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	n, err := countMigrations()
	if err != nil {
		db.r.Close()
		return nil, err
	}
	if v != n {
		db.r.Close()
		return nil, fmt.Errorf("store: open %s read-only: schema version %d, want %d (open it read-write once)", path, v, n)
	}
	return db, nil
}

// readOnlyMode returns the DSN parameters that open path for reading:
// mode=ro; and, on read-only media (its directory is not writable), where
// SQLite cannot create the WAL index (-shm) that mode=ro needs,
// immutable=1 (no locks, no WAL), unless a WAL with changes in it and its
// index are there to be read. A WAL without its index cannot be read
// there: warn says that its changes are left out.
func readOnlyMode(path string) (extra, warn string) {
	if unix.Access(filepath.Dir(path), unix.W_OK) == nil {
		return "&mode=ro", ""
	}
	wal, err := os.Stat(path + "-wal")
	if err != nil || wal.Size() == 0 {
		return "&mode=ro&immutable=1", ""
	}
	if _, err := os.Stat(path + "-shm"); err == nil {
		return "&mode=ro", ""
	}
	return "&mode=ro&immutable=1", "read-only media: the changes in " + filepath.Base(path) + "-wal (not checkpointed, and no -shm beside it) are not visible"
}

// Close closes the database. Writes still queued fail with ErrClosed.
func (db *DB) Close() error {
	db.stopWriter()
	if db.w != nil {
		// Keep the query planner's statistics fresh; cheap when nothing changed.
		if _, err := db.w.Exec("PRAGMA optimize"); err != nil {
			db.logger.Warn("store: optimize", "err", err)
		}
	}
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// SchemaVersion returns the schema version (PRAGMA user_version).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := db.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// IntegrityCheck runs PRAGMA integrity_check (which also checks the
// full-text index) and returns nil when SQLite says "ok".
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.r.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("store: integrity check: %w", err)
		}
		msgs = append(msgs, s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if len(msgs) == 1 && msgs[0] == "ok" {
		return nil
	}
	return fmt.Errorf("store: integrity check: %s", strings.Join(msgs, "; "))
}

func migrationNames() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

func countMigrations() (int, error) {
	names, err := migrationNames()
	return len(names), err
}

// migrate applies the migrations newer than PRAGMA user_version, in order,
// each in its own transaction together with the version bump.
func (db *DB) migrate(ctx context.Context) error {
	names, err := migrationNames()
	if err != nil {
		return err
	}
	adopt, err := checkApplicationID(ctx, db.w, db.path)
	if err != nil {
		return err
	}
	if adopt {
		if _, err := db.w.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
			return fmt.Errorf("store: open %s: set application_id: %w", db.path, err)
		}
	}
	var v int
	if err := db.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	if v > len(names) {
		return fmt.Errorf("store: open %s: schema version %d is newer than this program (%d)", db.path, v, len(names))
	}
	for i := v; i < len(names); i++ {
		src, err := migrationFS.ReadFile(names[i])
		if err != nil {
			return fmt.Errorf("store: read migration %s: %w", names[i], err)
		}
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(src)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", names[i], err)
		}
		db.logger.Info("store: migrated", "version", i+1, "file", names[i])
	}
	return nil
}

// inTx runs fn in a write transaction and commits it, or rolls back when fn
// fails.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.w == nil {
		return ErrReadOnly
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Time encoding. See migrations/0001_init.sql.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime is fmtTime, or NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func parseNullTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	return parseTime(s.String)
}

// rawEncoding names the compression of raw responses written now (the
// raw.encoding column). Snappy (the block format, RFC-less but standard:
// github.com/google/snappy) compresses a 10 KB page in about a quarter of
// the time DEFLATE's fastest level takes, for about a fifth more bytes; on
// the crawl's hot path that was 3 % of the CPU per page. Rows written
// before say 'deflate' and still read.
const rawEncoding = "snappy"

// compressBufs holds scratch buffers for compress: Snappy needs room for
// its worst case (a sixth more than the input), the result is a third.
var compressBufs sync.Pool // *[]byte

// compress returns data in rawEncoding.
func compress(data []byte) []byte {
	bp, _ := compressBufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	if n := s2.MaxEncodedLen(len(data)); cap(*bp) < n {
		*bp = make([]byte, n)
	}
	out := bytes.Clone(s2.EncodeSnappy((*bp)[:cap(*bp)], data))
	if cap(*bp) <= 4<<20 { // keep no huge buffer for a rare huge page
		compressBufs.Put(bp)
	}
	return out
}

// decompressSnappy returns what a Snappy block holds, whatever its size.
func decompressSnappy(data []byte) ([]byte, error) {
	n, err := s2.DecodedLen(data)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	return s2.Decode(make([]byte, n), data)
}

// decompress returns the size bytes that data holds in encoding.
func decompress(data []byte, size int, encoding string) ([]byte, error) {
	switch encoding {
	case "snappy":
		n, err := s2.DecodedLen(data)
		if err != nil {
			return nil, fmt.Errorf("snappy: %w", err)
		}
		if n != size {
			return nil, fmt.Errorf("snappy: %d bytes, want %d", n, size)
		}
		return s2.Decode(make([]byte, n), data)
	case RecordEncoding:
		return warcrec.Body(data, size)
	case "deflate":
		fr := flate.NewReader(bytes.NewReader(data))
		defer fr.Close()
		out := bytes.NewBuffer(make([]byte, 0, size))
		if _, err := io.Copy(out, fr); err != nil {
			return nil, fmt.Errorf("deflate: %w", err)
		}
		return out.Bytes(), nil
	default:
		return nil, fmt.Errorf("unknown encoding %q", encoding)
	}
}
