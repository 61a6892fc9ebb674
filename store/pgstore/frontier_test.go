package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
)

// openProc opens the database u as one more process would.
func openProc(t *testing.T, u string) *pgstore.DB {
	t.Helper()
	db, err := pgstore.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newRun inserts a running run with SQL (the frontier needs its row only).
func newRun(t *testing.T, db *pgstore.DB) int64 {
	t.Helper()
	var id int64
	if err := db.Pool().QueryRow(context.Background(),
		`INSERT INTO runs (started_at, status) VALUES (now(), 'running') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func items(urls ...string) []finarchive.QueueItem {
	out := make([]finarchive.QueueItem, len(urls))
	for i, u := range urls {
		out[i] = finarchive.QueueItem{URL: u}
	}
	return out
}

func urlsOf(its []finarchive.QueueItem) []string {
	out := make([]string, len(its))
	for i, it := range its {
		out[i] = it.URL
	}
	return out
}

// complete commits an item's outcome through the frontier's part of
// Complete, in a transaction of its own.
func complete(ctx context.Context, db *pgstore.DB, runID int64, f *finarchive.Fetched) error {
	return pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
		_, err := db.CompleteFrontier(ctx, tx, runID, f, "")
		return err
	})
}

// TestFrontier_semantics: the SQLite store's frontier behaviour: atomic
// dedupe, claims per host in enqueue order with due times, retry, unclaim,
// defer, pending, carry-over and its limit, the run's cleanup.
func TestFrontier_semantics(t *testing.T) {
	ctx := context.Background()
	db := openProc(t, pgtest.NewDB(t))
	run := newRun(t, db)
	n, err := db.Enqueue(ctx, run, items("http://a.test/1", "http://a.test/2", "http://b.test/1", "http://a.test/1", "http://a.test/3"))
	if err != nil || n != 4 {
		t.Fatalf("enqueue: %d new, %v; want 4", n, err)
	}
	if n, _ := db.Enqueue(ctx, run, items("http://a.test/2", "http://c.test/1")); n != 1 {
		t.Fatalf("second enqueue: %d new, want 1", n)
	}
	hosts, err := db.QueuedHosts(ctx, run)
	if err != nil || len(hosts) != 3 {
		t.Fatalf("queued hosts %v, %v", hosts, err)
	}
	got, due, err := db.Claim(ctx, run, map[string]int{"a.test": 2, "b.test": 5}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://a.test/1", "http://a.test/2", "http://b.test/1"}; !slices.Equal(urlsOf(got), want) {
		t.Fatalf("claimed %v, want %v", urlsOf(got), want)
	}
	for _, it := range got {
		if it.Lease == 0 || it.Host == "" || !it.StartAt.IsZero() {
			t.Fatalf("claimed item %+v: want a lease, its host, no reserved start (no politeness set)", it)
		}
	}
	if _, ok := due["a.test"]; !ok || len(due) != 1 {
		t.Fatalf("due %v: want a.test only (b.test has nothing left)", due)
	}
	if p, _, _ := db.Pending(ctx, run); p != 5 {
		t.Fatalf("pending %d, want 5", p)
	}
	// Retry with a backoff: not claimable before it.
	later := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	it := got[0]
	it.Attempts, it.NextTry = 1, later
	if err := db.Retry(ctx, run, it, "HTTP 503"); err != nil {
		t.Fatal(err)
	}
	if err := db.Unclaim(ctx, run, got[1:2]); err != nil {
		t.Fatal(err)
	}
	got2, due2, err := db.Claim(ctx, run, map[string]int{"a.test": 5}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://a.test/2", "http://a.test/3"}; !slices.Equal(urlsOf(got2), want) {
		t.Fatalf("claimed %v, want %v", urlsOf(got2), want)
	}
	if d := due2["a.test"]; !d.Equal(later) {
		t.Fatalf("due %v, want the retry's %v", d, later)
	}
	if n, due, _ := db.Pending(ctx, run); n != 5 || !due.Equal(later) && !due.Before(later) {
		t.Fatalf("pending %d due %v", n, due)
	}
	got3, _, _ := db.Claim(ctx, run, map[string]int{"a.test": 5}, later)
	if len(got3) != 1 || got3[0].Attempts != 1 || !got3[0].NextTry.Equal(later) {
		t.Fatalf("claim at the retry time: %+v", got3)
	}
	// Outcomes: done with links, failed, deferred host.
	if err := complete(ctx, db, run, &finarchive.Fetched{Item: got3[0], Failed: "HTTP 503 (after 4 attempts)"}); err != nil {
		t.Fatal(err)
	}
	if err := complete(ctx, db, run, &finarchive.Fetched{Item: got2[0],
		Links: items("http://a.test/3", "http://d.test/1", "http://d.test/2")}); err != nil {
		t.Fatal(err)
	}
	if err := complete(ctx, db, run, &finarchive.Fetched{Item: got2[1]}); err != nil {
		t.Fatal(err)
	}
	if err := complete(ctx, db, run, &finarchive.Fetched{Item: got[2]}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeferHost(ctx, run, "d.test", "deferred: Retry-After"); err != nil || n != 2 {
		t.Fatalf("defer host: %d, %v", n, err)
	}
	counts, err := db.FrontierCounts(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"done": 3, "failed": 1, "deferred": 2, "queued": 1}; fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
	var failed []store.FrontierItem
	if err := db.Failures(ctx, run, func(it store.FrontierItem) error { failed = append(failed, it); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].URL != "http://a.test/1" || failed[0].Attempts != 1 {
		t.Fatalf("failures %+v", failed)
	}
	if n, err := db.DeleteFrontier(ctx, run); err != nil || n != 4 {
		t.Fatalf("delete frontier: %d, %v", n, err)
	}
	// Carry-over: the failed URL and the deferred ones, until a URL has
	// failed MaxFailRuns runs in a row.
	prev := run
	for i := 1; i <= store.MaxFailRuns; i++ {
		next := newRun(t, db)
		carried, dropped, err := db.CarryOverFailed(ctx, prev, next)
		if err != nil {
			t.Fatal(err)
		}
		wantCarried := 1
		if i == 1 {
			wantCarried = 3
		}
		if i == store.MaxFailRuns {
			wantCarried = 0
		}
		if carried != wantCarried || (i == store.MaxFailRuns) != (dropped == 1) {
			t.Fatalf("run %d: carried %d dropped %d, want %d carried", i, carried, dropped, wantCarried)
		}
		got, _, _ := db.Claim(ctx, next, map[string]int{"a.test": 9, "d.test": 9}, time.Now())
		for _, it := range got {
			f := &finarchive.Fetched{Item: it}
			if it.URL == "http://a.test/1" {
				f.Failed = "still failing"
			}
			if err := complete(ctx, db, next, f); err != nil {
				t.Fatal(err)
			}
		}
		if d, _ := db.DroppedFailures(ctx, next); (d == 1) != (i == store.MaxFailRuns-1) {
			t.Fatalf("run %d: dropped failures %d", i, d)
		}
		prev = next
	}
}

// TestClaim_concurrentClaimers: eight processes claim one run's frontier
// at once: every URL is handed out exactly once.
func TestClaim_concurrentClaimers(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	db := openProc(t, u)
	run := newRun(t, db)
	var all []string
	for h := range 10 {
		for i := range 100 {
			all = append(all, fmt.Sprintf("http://h%d.test/p%d", h, i))
		}
	}
	if n, err := db.Enqueue(ctx, run, items(all...)); err != nil || n != len(all) {
		t.Fatalf("enqueue %d, %v", n, err)
	}
	want := map[string]int{}
	for h := range 10 {
		want[fmt.Sprintf("h%d.test", h)] = 7
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		w := openProc(t, u)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, _, err := w.Claim(ctx, run, want, time.Now())
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					if n, _, _ := w.Pending(ctx, run); n == 0 {
						return
					}
					// What is left is being claimed or completed by others.
				}
				mu.Lock()
				for _, it := range got {
					seen[it.URL]++
				}
				mu.Unlock()
				for _, it := range got {
					if err := complete(ctx, w, run, &finarchive.Fetched{Item: it}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != len(all) {
		t.Fatalf("%d URLs handed out, want %d", len(seen), len(all))
	}
	for u, n := range seen {
		if n != 1 {
			t.Fatalf("%s handed out %d times", u, n)
		}
	}
}

// TestLease_expiry: a claim whose lease ran out (its process died) is
// handed out again, and its first holder can no longer write its result
// (fencing): neither Complete's frontier part, nor Retry, nor Unclaim.
func TestLease_expiry(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	a, b := openProc(t, u), openProc(t, u)
	run := newRun(t, a)
	if _, err := a.Enqueue(ctx, run, items("http://x.test/1", "http://x.test/2")); err != nil {
		t.Fatal(err)
	}
	got, _, err := a.Claim(ctx, run, map[string]int{"x.test": 1}, time.Now())
	if err != nil || len(got) != 1 {
		t.Fatalf("claim: %v %v", got, err)
	}
	// B sees only the second URL while A's lease holds.
	gotB, _, _ := b.Claim(ctx, run, map[string]int{"x.test": 5}, time.Now())
	if want := []string{"http://x.test/2"}; !slices.Equal(urlsOf(gotB), want) {
		t.Fatalf("b claimed %v, want %v", urlsOf(gotB), want)
	}
	if err := a.RenewLeases(ctx); err != nil {
		t.Fatal(err)
	}
	// A's process stops renewing: its lease runs out.
	if _, err := a.Pool().Exec(ctx, `UPDATE frontier SET lease_expires = clock_timestamp() - interval '1 second'
		WHERE lease_owner = $1`, a.Owner()); err != nil {
		t.Fatal(err)
	}
	if err := a.RenewLeases(ctx); err != nil {
		t.Fatal(err)
	}
	hosts, _ := b.QueuedHosts(ctx, run)
	if _, ok := hosts["x.test"]; !ok {
		t.Fatalf("queued hosts %v: the expired lease's host is claimable", hosts)
	}
	again, _, err := b.Claim(ctx, run, map[string]int{"x.test": 5}, time.Now())
	if err != nil || len(again) != 1 || again[0].URL != got[0].URL || again[0].Lease == got[0].Lease {
		t.Fatalf("re-claim: %+v, %v; want %s with a new lease", again, err, got[0].URL)
	}
	for name, write := range map[string]func() error{
		"complete": func() error { return complete(ctx, a, run, &finarchive.Fetched{Item: got[0]}) },
		"retry":    func() error { return a.Retry(ctx, run, got[0], "timeout") },
	} {
		if err := write(); !errors.Is(err, finarchive.ErrLeaseLost) {
			t.Fatalf("%s by the lease's first holder: %v, want ErrLeaseLost", name, err)
		}
	}
	if err := a.Unclaim(ctx, run, got); err != nil {
		t.Fatal(err)
	}
	var state, owner string
	if err := a.Pool().QueryRow(ctx, `SELECT state, lease_owner FROM frontier WHERE run_id = $1 AND url = $2`,
		run, got[0].URL).Scan(&state, &owner); err != nil {
		t.Fatal(err)
	}
	if state != "inflight" || owner != b.Owner() {
		t.Fatalf("after the old holder's unclaim: %s held by %s, want inflight by %s", state, owner, b.Owner())
	}
	if err := complete(ctx, b, run, &finarchive.Fetched{Item: again[0]}); err != nil {
		t.Fatalf("complete by the new holder: %v", err)
	}
}

// TestPoliteness_acrossClaimers: two processes claim one host at once
// under SetPoliteness: never more items out than the parallelism, and the
// starts reserved for them, in the database's order, at least the gap
// apart, whoever claimed them.
func TestPoliteness_acrossClaimers(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	a, b := openProc(t, u), openProc(t, u)
	run := newRun(t, a)
	var all []string
	for i := range 40 {
		all = append(all, fmt.Sprintf("http://slow.test/p%d", i))
	}
	if _, err := a.Enqueue(ctx, run, items(all...)); err != nil {
		t.Fatal(err)
	}
	const par, gap = 2, 100 * time.Millisecond
	a.SetPoliteness(run, par, gap, 0)
	b.SetPoliteness(run, par, gap, 0)
	type claim struct {
		start time.Time
		url   string
	}
	var mu sync.Mutex
	var starts []claim
	out := 0
	maxOut := 0
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, w := range []*pgstore.DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, _, err := w.Claim(ctx, run, map[string]int{"slow.test": 4}, time.Now())
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				out += len(got)
				maxOut = max(maxOut, out)
				for _, it := range got {
					starts = append(starts, claim{it.StartAt, it.URL})
				}
				mu.Unlock()
				if len(got) == 0 {
					if n, _, _ := w.Pending(ctx, run); n == 0 {
						return
					}
					time.Sleep(5 * time.Millisecond)
					continue
				}
				for _, it := range got {
					// The request starts at its reserved time, reported.
					if err := w.Started(ctx, run, it, it.StartAt); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					out--
					mu.Unlock()
					if err := complete(ctx, w, run, &finarchive.Fetched{Item: it}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(starts) != len(all) {
		t.Fatalf("%d claimed, want %d", len(starts), len(all))
	}
	if maxOut > par {
		t.Fatalf("%d items out at once, parallelism %d", maxOut, par)
	}
	// The reservations as the database made them: one clock for both
	// processes (they run here, so their offsets agree within the round
	// trip, well under the slack added to each gap).
	var res []time.Time
	for _, c := range starts {
		if c.start.IsZero() {
			t.Fatalf("%s claimed without a reserved start", c.url)
		}
		res = append(res, c.start)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Before(res[j]) })
	for i := 1; i < len(res); i++ {
		if d := res[i].Sub(res[i-1]); d < gap-time.Millisecond {
			t.Fatalf("reservations %d and %d only %v apart, gap %v", i-1, i, d, gap)
		}
	}
}

// TestReserveHost: a request that is no item (robots.txt) takes a start
// and a place in flight like a claimed item.
func TestReserveHost(t *testing.T) {
	ctx := context.Background()
	db := openProc(t, pgtest.NewDB(t))
	run := newRun(t, db)
	db.SetPoliteness(run, 1, 50*time.Millisecond, 0)
	if _, err := db.Enqueue(ctx, run, items("http://r.test/1")); err != nil {
		t.Fatal(err)
	}
	start, started, release, err := db.ReserveHost(ctx, run, "r.test")
	if err != nil {
		t.Fatal(err)
	}
	started(start.Add(10 * time.Millisecond)) // written a little late
	got, due, err := db.Claim(ctx, run, map[string]int{"r.test": 1}, time.Now())
	if err != nil || len(got) != 0 {
		t.Fatalf("claim beside the robots.txt request: %v, %v; want nothing (parallelism 1)", got, err)
	}
	if _, ok := due["r.test"]; !ok {
		t.Fatalf("due %v: want when to ask again", due)
	}
	release()
	// Claims reserve at most half a gap ahead: ask again when told.
	for try := 0; len(got) == 0; try++ {
		if try == 20 {
			t.Fatalf("claim after release: nothing after %d tries (due %v)", try, due)
		}
		if d, ok := due["r.test"]; ok {
			time.Sleep(time.Until(d))
		}
		if got, due, err = db.Claim(ctx, run, map[string]int{"r.test": 1}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if d := got[0].StartAt.Sub(start); d < 60*time.Millisecond-time.Millisecond {
		t.Fatalf("page reserved %v after robots.txt's reservation, which started 10ms late; gap 50ms", d)
	}
	// A park holds claims.
	if err := db.ParkHost(ctx, run, "r.test", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.Unclaim(ctx, run, got); err != nil {
		t.Fatal(err)
	}
	got, due, _ = db.Claim(ctx, run, map[string]int{"r.test": 1}, time.Now())
	if len(got) != 0 || due["r.test"].Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("claim of a parked host: %v, due %v", got, due)
	}
}
