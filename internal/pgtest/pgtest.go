// Package pgtest gives tests a real PostgreSQL: a throw-away cluster that
// it makes with initdb in a temporary directory and starts with pg_ctl,
// listening on a Unix socket only, once per test binary, and a fresh
// database per test. No mocks: the tests of store/pgstore and the
// commands' end-to-end tests run against it.
//
// FINARCHIVE_TEST_PG, a PostgreSQL URL, names a server to use instead (the
// user must be allowed to create databases). Without either, tests that
// need PostgreSQL skip with a message, unless FINARCHIVE_REQUIRE_PG is set
// (CI sets it), where they fail.
//
// A package whose tests use it calls Main from TestMain, which stops the
// cluster when the tests are done:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Main runs the tests and stops the cluster, if one was started.
func Main(m *testing.M) int {
	code := m.Run()
	stop()
	return code
}

var (
	once     sync.Once
	server   string // base URL of the server (database "postgres")
	startErr error
	cluster  *instance
	dbSeq    atomic.Int64
)

// instance is a cluster this package started.
type instance struct {
	dir    string // temporary directory: data/ and the socket
	pgCtl  string
	data   string
	uid    int // the user it runs as (-1: the current one)
	gid    int
	logOut string
}

// URL returns the base URL of a running PostgreSQL (its "postgres"
// database), starting the throw-away cluster on first use, or skips t when
// there is none (fails it when FINARCHIVE_REQUIRE_PG is set).
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { server, startErr = start() })
	if startErr != nil {
		if os.Getenv("FINARCHIVE_REQUIRE_PG") != "" {
			t.Fatalf("pgtest: PostgreSQL is required here (FINARCHIVE_REQUIRE_PG) but: %v", startErr)
		}
		t.Skipf("pgtest: no PostgreSQL, skipping: %v", startErr)
	}
	return server
}

// NewDB creates an empty database for t, dropped when t ends, and returns
// its URL (postgres://…).
func NewDB(t testing.TB) string {
	t.Helper()
	base := URL(t)
	name := fmt.Sprintf("fa_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect %s: %v", redact(base), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

// withDatabase returns base with its database replaced by name.
func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func start() (string, error) {
	if s := os.Getenv("FINARCHIVE_TEST_PG"); s != "" {
		return s, ping(s)
	}
	bin, err := findBin()
	if err != nil {
		return "", err
	}
	in := &instance{pgCtl: filepath.Join(bin, "pg_ctl"), uid: -1, gid: -1}
	reapOrphans(in.pgCtl)
	// initdb refuses to run as root: run the cluster as the postgres user
	// (Debian's package makes it) or nobody.
	if os.Geteuid() == 0 {
		uid, gid, err := lookupUser("postgres", "nobody")
		if err != nil {
			return "", err
		}
		in.uid, in.gid = uid, gid
	}
	// A short path: a Unix socket's path is limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "fapg")
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	in.dir = dir
	// The owner file lets a later test binary stop this cluster if this
	// one is killed before Main stops it (reapOrphans).
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("write %s: %w", ownerFile, err)
	}
	in.data = filepath.Join(dir, "data")
	in.logOut = filepath.Join(dir, "log")
	if in.uid >= 0 {
		if err := os.Chown(dir, in.uid, in.gid); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("chown %s: %w", dir, err)
		}
	}
	if out, err := in.run(filepath.Join(bin, "initdb"), "-D", in.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		// Older initdb without C.UTF-8: try the plain C locale.
		if out2, err2 := in.run(filepath.Join(bin, "initdb"), "-D", in.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err2 != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("initdb: %v: %s / %s", err, out, out2)
		}
	}
	opts := strings.Join([]string{
		"-c listen_addresses=''",
		"-c unix_socket_directories=" + dir,
		"-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
		"-c max_connections=200",
		"-c shared_buffers=128MB",
	}, " ")
	if out, err := in.run(in.pgCtl, "start", "-w", "-t", "60", "-D", in.data, "-l", in.logOut, "-o", opts); err != nil {
		log, _ := os.ReadFile(in.logOut)
		os.RemoveAll(dir)
		return "", fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
	cluster = in
	u := (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres", RawQuery: "host=" + url.QueryEscape(dir) + "&sslmode=disable"}).String()
	if err := ping(u); err != nil {
		stop()
		return "", err
	}
	return u, nil
}

func ping(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return fmt.Errorf("connect %s: %w", redact(u), err)
	}
	return conn.Close(ctx)
}

// ownerFile, in a cluster's directory, holds the pid of the test binary
// that started it.
const ownerFile = "owner.pid"

// reapOrphans stops and removes the clusters that test binaries killed
// before Main could stop them (go test's timeout, kill -9) left behind:
// those whose owner.pid names a process that no longer exists.
func reapOrphans(pgCtl string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "fapg*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // not ours, or still being made
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue // its owner lives (or cannot be told)
		}
		in := &instance{dir: dir, pgCtl: pgCtl, data: filepath.Join(dir, "data"), uid: -1, gid: -1}
		if st, err := os.Stat(dir); err == nil {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
				in.uid, in.gid = int(sys.Uid), int(sys.Gid)
			}
		}
		if _, err := os.Stat(filepath.Join(in.data, "postmaster.pid")); err == nil {
			in.run(pgCtl, "stop", "-m", "immediate", "-w", "-D", in.data)
		}
		os.RemoveAll(dir)
	}
}

// stop stops the cluster this package started and removes its directory.
func stop() {
	in := cluster
	if in == nil {
		return
	}
	cluster = nil
	if out, err := in.run(in.pgCtl, "stop", "-m", "immediate", "-w", "-D", in.data); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: pg_ctl stop: %v: %s\n", err, out)
	}
	os.RemoveAll(in.dir)
}

func (in *instance) run(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = in.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if in.uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(in.uid), Gid: uint32(in.gid)}}
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// findBin returns the directory holding initdb and pg_ctl: from PATH, or
// Debian's /usr/lib/postgresql/<version>/bin, newest first.
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "pg_ctl")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestV := "", -1
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil && v > bestV {
			best, bestV = d, v
		}
	}
	if best == "" {
		return "", errors.New("initdb not found (install Debian's postgresql package, or set FINARCHIVE_TEST_PG)")
	}
	return best, nil
}

func lookupUser(names ...string) (uid, gid int, err error) {
	for _, n := range names {
		u, err := user.Lookup(n)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil {
			return uid, gid, nil
		}
	}
	return -1, -1, fmt.Errorf("running as root and none of the users %v exists to run initdb as", names)
}
