package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/store"
)

// testEnqueue: one row per run and URL, atomically: eight writers adding
// the same URLs in their own orders and batches add each once; another
// run has its own.
func testEnqueue(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	const writers, urls = 8, 200
	var items []finarchive.QueueItem
	for i := range urls {
		items = append(items, finarchive.QueueItem{URL: fmt.Sprintf("https://a.example/%d", i), Depth: 1})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	errs := make(chan error, writers)
	add := func(batch []finarchive.QueueItem) bool {
		n, err := a.Enqueue(ctx, run, batch)
		if err != nil {
			errs <- err
			return false
		}
		mu.Lock()
		total += n
		mu.Unlock()
		return true
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < urls; i += w + 1 {
				j := (i + w*25) % urls // each writer starts elsewhere
				if !add(items[j:min(j+w+1, urls)]) {
					return
				}
			}
			add(items) // and then all of them
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.ok(t, err, "Enqueue")
	}
	if total != urls {
		t.Fatalf("new items = %d, want %d", total, urls)
	}
	n, _, err := a.Pending(ctx, run)
	s.ok(t, err, "Pending")
	if n != urls {
		t.Errorf("Pending = %d, want %d", n, urls)
	}
	if n := s.enqueue(t, a, run, finarchive.QueueItem{URL: "https://a.example/0"}, finarchive.QueueItem{URL: "https://a.example/0"}); n != 0 {
		t.Errorf("Enqueue of a URL the run has = %d new, want 0", n)
	}
	run2 := s.startRun(t, a, store.RunSpec{})
	if n := s.enqueue(t, a, run2, items[:10]...); n != 10 {
		t.Errorf("Enqueue into another run = %d new, want 10", n)
	}
}

// testClaim: Claim hands out due items once, with the stored page's
// validators; Pending counts queued and in-flight items; Retry puts an
// item back with its attempts; Unclaim and ResetInFlight put claimed
// items back.
func testClaim(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	f := fetched("https://a.example/old", article("https://a.example/old", "旧文章", "正文"), t0)
	s.complete(t, a, run, f)

	run2 := s.startRun(t, a, store.RunSpec{})
	later := time.Now().Add(time.Hour).Truncate(time.Second)
	s.enqueue(t, a, run2,
		finarchive.QueueItem{URL: "https://a.example/later", NextTry: later},
		finarchive.QueueItem{URL: "https://a.example/old", Depth: 2},
		finarchive.QueueItem{URL: "https://a.example/b", Depth: 1})
	got := s.claim(t, a, run2, "a.example", 10)
	by := map[string]finarchive.QueueItem{}
	for _, it := range got {
		by[it.URL] = it
	}
	if len(got) != 2 || len(by) != 2 {
		t.Fatalf("Claim = %+v; want /old and /b (not /later, not yet due)", got)
	}
	old := by["https://a.example/old"]
	if old.ETag != `"e1"` || old.LastModified != f.LastModified || old.Depth != 2 || old.Host != "a.example" {
		t.Errorf("claimed item with the archived page's validators: %+v", old)
	}
	if again := s.claim(t, a, run2, "a.example", 10); len(again) != 0 {
		t.Fatalf("second Claim = %+v, want nothing", again)
	}
	n, due, err := a.Pending(ctx, run2)
	s.ok(t, err, "Pending")
	if n != 3 || !due.Equal(later) {
		t.Errorf("Pending = %d, %v; want 3 (2 in flight), due %v", n, due, later)
	}

	// Retry: back in the queue, not before its next try.
	b := by["https://a.example/b"]
	b.Attempts, b.NextTry = 1, later
	s.ok(t, a.Retry(ctx, run2, b, "timeout"), "Retry")
	if c := s.claim(t, a, run2, "a.example", 10); len(c) != 0 {
		t.Fatalf("claimed before its next try: %+v", c)
	}

	// ResetInFlight and Unclaim: claimed items are queued again.
	n2, err := a.ResetInFlight(ctx, run2)
	s.ok(t, err, "ResetInFlight")
	if n2 != 1 { // /old; /b is queued for later
		t.Errorf("ResetInFlight = %d, want 1", n2)
	}
	c := s.claim(t, a, run2, "a.example", 10)
	if len(c) != 1 || c[0].URL != "https://a.example/old" {
		t.Fatalf("Claim after ResetInFlight = %+v, want /old", c)
	}
	s.ok(t, a.Unclaim(ctx, run2, c), "Unclaim")
	c = s.claim(t, a, run2, "a.example", 10)
	if len(c) != 1 || c[0].URL != "https://a.example/old" {
		t.Fatalf("Claim after Unclaim = %+v, want /old", c)
	}
	s.ok(t, a.Retry(ctx, run2, finarchive.QueueItem{URL: c[0].URL, Depth: 2, Attempts: 1, NextTry: time.Now().Add(-time.Second).Truncate(time.Second)}, "reset"), "Retry")
	c = s.claim(t, a, run2, "a.example", 10)
	if len(c) != 1 || c[0].URL != "https://a.example/old" || c[0].Attempts != 1 {
		t.Fatalf("Claim of a due retry = %+v, want /old with 1 attempt", c)
	}
	counts, err := a.FrontierCounts(ctx, run2)
	s.ok(t, err, "FrontierCounts")
	if got, want := fmt.Sprint(counts), "map[inflight:1 queued:2]"; got != want {
		t.Errorf("frontier = %s, want %s", got, want)
	}
}

// testClaimConcurrent: eight claimers at once get every item exactly once.
func testClaimConcurrent(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	const urls = 300
	var items []finarchive.QueueItem
	for i := range urls {
		items = append(items, finarchive.QueueItem{URL: fmt.Sprintf("https://a.example/%d", i)})
	}
	if n := s.enqueue(t, a, run, items...); n != urls {
		t.Fatalf("Enqueue = %d, want %d", n, urls)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, _, err := a.Claim(ctx, run, map[string]int{"a.example": 7}, time.Now())
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, it := range got {
					seen[it.URL]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.ok(t, err, "Claim")
	}
	if len(seen) != urls {
		t.Fatalf("claimed %d distinct URLs, want %d", len(seen), urls)
	}
	for u, n := range seen {
		if n != 1 {
			t.Errorf("%s claimed %d times", u, n)
		}
	}
}

// testClaimHosts: Claim takes up to the number asked of each host and
// says when each host's next item comes due; QueuedHosts lists the hosts
// with queued items; DeferHost leaves a host's items for the next run,
// which gets them back.
func testClaimHosts(t *testing.T, s *suite) {
	a := s.open(t)
	run := s.startRun(t, a, store.RunSpec{})
	now := time.Now()
	later := now.Add(time.Hour).Truncate(time.Second)
	var items []finarchive.QueueItem
	for i := range 50 {
		items = append(items, finarchive.QueueItem{URL: fmt.Sprintf("https://a.example/%d", i)})
	}
	items = append(items, finarchive.QueueItem{URL: "https://b.example:8080/x"},
		finarchive.QueueItem{URL: "https://b.example:8080/later", NextTry: later})
	s.enqueue(t, a, run, items...)
	hosts, err := a.QueuedHosts(ctx, run)
	s.ok(t, err, "QueuedHosts")
	if len(hosts) != 2 || hosts["a.example"].After(now) || hosts["b.example:8080"].After(now) {
		t.Fatalf("QueuedHosts = %v; want both hosts, due now", hosts)
	}
	got, due, err := a.Claim(ctx, run, map[string]int{"a.example": 3, "b.example:8080": 3}, time.Now())
	s.ok(t, err, "Claim")
	by := map[string]int{}
	for _, it := range got {
		by[it.Host]++
	}
	if by["a.example"] != 3 || by["b.example:8080"] != 1 || len(got) != 4 {
		t.Fatalf("Claim = %+v; want 3 of a.example, 1 of b.example:8080", got)
	}
	if d := due["b.example:8080"]; !d.Equal(later) {
		t.Errorf("b.example:8080's next due = %v, want %v", d, later)
	}
	if d, ok := due["a.example"]; !ok || d.After(time.Now()) {
		t.Errorf("a.example's next due = %v, %v; want now", d, ok)
	}
	var back []finarchive.QueueItem
	for _, it := range got {
		if it.Host == "a.example" {
			back = append(back, it)
			break
		}
	}
	s.ok(t, a.Unclaim(ctx, run, back), "Unclaim")
	n, err := a.DeferHost(ctx, run, "a.example", "deferred: Retry-After")
	s.ok(t, err, "DeferHost")
	if n != 50 { // 48 queued (one put back), 2 still claimed
		t.Fatalf("DeferHost = %d, want 50", n)
	}
	if c := s.claim(t, a, run, "a.example", 10); len(c) != 0 {
		t.Errorf("claimed from a deferred host: %+v", c)
	}
	if hosts, err := a.QueuedHosts(ctx, run); err != nil || len(hosts) != 1 {
		s.ok(t, err, "QueuedHosts")
		t.Errorf("QueuedHosts after DeferHost = %v, want b.example:8080 alone", hosts)
	}
	run2 := s.startRun(t, a, store.RunSpec{})
	carried, dropped, err := a.CarryOverFailed(ctx, run, run2)
	s.ok(t, err, "CarryOverFailed")
	if carried != 50 || dropped != 0 {
		t.Fatalf("CarryOverFailed = %d, %d; want the 50 deferred, none dropped", carried, dropped)
	}
	if c := s.claim(t, a, run2, "a.example", 100); len(c) != 50 {
		t.Errorf("the next run claims %d of the deferred, want 50", len(c))
	}
}

// testCarryOver: failed URLs go to the next run until they have failed
// MaxFailRuns runs in a row; DeleteFrontier keeps what the next run needs.
func testCarryOver(t *testing.T, s *suite) {
	a := s.open(t)
	prev := s.startRun(t, a, store.RunSpec{})
	s.enqueue(t, a, prev, finarchive.QueueItem{URL: "https://a.example/flaky"}, finarchive.QueueItem{URL: "https://a.example/ok"})
	for i := 1; ; i++ {
		got := s.claim(t, a, prev, "a.example", 2)
		for _, it := range got {
			if it.URL == "https://a.example/ok" {
				s.complete(t, a, prev, &finarchive.Fetched{Item: it, StatusCode: 200, Skipped: "list-page", FetchedAt: t0})
				continue
			}
			s.complete(t, a, prev, &finarchive.Fetched{Item: it, Failed: "timeout (after 4 attempts)"})
		}
		if len(got) == 0 {
			t.Fatalf("run %d: nothing to claim", i)
		}
		var failures []store.FrontierItem
		s.ok(t, a.Failures(ctx, prev, func(it store.FrontierItem) error { failures = append(failures, it); return nil }), "Failures")
		if len(failures) != 1 || failures[0].URL != "https://a.example/flaky" || failures[0].LastError != "timeout (after 4 attempts)" {
			t.Fatalf("run %d: failures = %+v", i, failures)
		}
		next := s.startRun(t, a, store.RunSpec{})
		carried, dropped, err := a.CarryOverFailed(ctx, prev, next)
		s.ok(t, err, "CarryOverFailed")
		d, err := a.DroppedFailures(ctx, prev)
		s.ok(t, err, "DroppedFailures")
		if i < store.MaxFailRuns {
			if carried != 1 || dropped != 0 || d != 0 {
				t.Fatalf("after %d failed runs: carried %d, dropped %d (%d); want 1, 0", i, carried, dropped, d)
			}
		} else {
			if carried != 0 || dropped != 1 || d != 1 {
				t.Fatalf("after %d failed runs: carried %d, dropped %d (%d); want 0, 1", i, carried, dropped, d)
			}
		}
		if i == 1 {
			n, err := a.DeleteFrontier(ctx, prev)
			s.ok(t, err, "DeleteFrontier")
			c, err := a.FrontierCounts(ctx, prev)
			s.ok(t, err, "FrontierCounts")
			if n != 1 || fmt.Sprint(c) != "map[failed:1]" {
				t.Errorf("DeleteFrontier = %d, leaving %v; want 1 (the done item), leaving the failed one", n, c)
			}
		}
		if i == store.MaxFailRuns {
			break
		}
		prev = next
	}
}
