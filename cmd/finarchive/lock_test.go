package main

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/finarchive/finarchive/testsite"
)

// archiveState is what a crawl has committed: pages, frontier rows by
// state, runs and their statuses.
func archiveState(t testing.TB, conn *sql.DB) string {
	t.Helper()
	var pages, revs int
	var frontier, runs string
	err := conn.QueryRow(`SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM revisions),
		(SELECT coalesce(group_concat(state || '=' || n), '') FROM (SELECT state, count(*) AS n FROM frontier GROUP BY state ORDER BY state)),
		(SELECT coalesce(group_concat(id || ':' || status || ':' || coalesce(finished_at, '')), '') FROM runs)`).
		Scan(&pages, &revs, &frontier, &runs)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("pages=%d revisions=%d frontier[%s] runs[%s]", pages, revs, frontier, runs)
}

// processState returns the state letter of /proc/PID/stat (T: stopped).
func processState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2 : i+3]
	}
	return ""
}

// TestCrawl_LockLostAfterSIGSTOP: a crawl paused with SIGSTOP whose lock
// another crawl then takes over (as it does once the heartbeat is older
// than LockStale) stops as soon as it runs again: it commits nothing more,
// says the lock was lost and exits 4.
func TestCrawl_LockLostAfterSIGSTOP(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to see the paused process:", err)
	}
	bin := MustBuild(t)
	site, base := MustStartSite(t, testsite.Options{Articles: 200, Delay: 20 * time.Millisecond})
	db := filepath.Join(t.TempDir(), "a.db")
	cmd, out := startCrawl(t, bin, append(fastCrawl(db), "--exclude", "/calendar/|/refer/", base+"/")...)
	defer cmd.Process.Kill()
	waitRequests(site, 30, 20*time.Second)

	conn, err := sql.Open("sqlite3", "file:"+db+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	// Pause the crawl, and take its lock over the way a second crawl
	// does (a new holder and token in crawl_lock). If the pause caught it
	// inside a write transaction, let it finish that and pause it again.
	var before string
	for attempt := 0; ; attempt++ {
		if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatalf("SIGSTOP: %v\n%s", err, out)
		}
		for i := 0; i < 1000 && processState(cmd.Process.Pid) != "T"; i++ {
			time.Sleep(time.Millisecond)
		}
		_, err := conn.Exec(`UPDATE crawl_lock SET owner = 'second crawl', token = 'taken-over', pid = ?,
			acquired_at = strftime('%Y-%m-%dT%H:%M:%fZ'), heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ') WHERE id = 1`, os.Getpid())
		if err == nil {
			before = archiveState(t, conn)
			break
		}
		if attempt == 50 {
			t.Fatalf("could not take the lock over: %v", err)
		}
		_ = cmd.Process.Signal(syscall.SIGCONT)
		time.Sleep(20 * time.Millisecond)
	}
	requests := site.Stats().Requests
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("the crawl whose lock was taken over went on crawling (%d requests since)\n%s",
			site.Stats().Requests-requests, out)
	}
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.ExitCode() != exitLocked {
		t.Errorf("exit: %v, want code %d\n%s", werr, exitLocked, out)
	}
	if !strings.Contains(out.String(), "lock") || !strings.Contains(out.String(), "second crawl") {
		t.Errorf("output does not say the lock was lost to the second crawl:\n%s", out)
	}
	if after := archiveState(t, conn); after != before {
		t.Errorf("the crawl kept writing after losing its lock:\nbefore %s\nafter  %s", before, after)
	}
	// Requests already on their way at the pause may finish; no new ones
	// start (fastCrawl: --parallelism 4).
	if n := site.Stats().Requests - requests; n > 8 {
		t.Errorf("%d requests after the crawl learnt its lock was lost", n)
	}
	t.Logf("output: %s", out)
	integrityCheck(t, db)
}
