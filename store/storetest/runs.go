package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// testRuns: a run's spec, counts, status, error and times as stored; the
// newest first; reopening; a run that does not exist.
func testRuns(t *testing.T, s *suite) {
	a := s.open(t)
	_, err := a.LastRun(ctx)
	s.is(t, err, store.ErrNotFound, "LastRun of an empty archive")
	spec := store.RunSpec{Seeds: []string{"https://a.example/", "https://b.example/"}, Options: []byte(`{"depth":3}`),
		Adaptive: true, MinRevisit: 2 * time.Hour, MaxRevisit: 48 * time.Hour}
	id1 := s.startRun(t, a, spec)
	id2 := s.startRun(t, a, store.RunSpec{})
	if id2 <= id1 {
		t.Errorf("run ids %d then %d: not increasing", id1, id2)
	}
	s.ok(t, a.UpdateRunCounts(ctx, id1, finarchive.RunCounts{Fetched: 3}), "UpdateRunCounts")
	r, err := a.Run(ctx, id1)
	s.ok(t, err, "Run")
	if r.Fetched != 3 || r.Status != finarchive.RunRunning || !r.FinishedAt.IsZero() {
		t.Fatalf("a running run: %+v", r)
	}
	counts := finarchive.RunCounts{Fetched: 10, New: 5, Changed: 1, Unchanged: 2, NotModified: 1, Failed: 1, Skipped: 2,
		Gone: 3, Deferred: 1, Dropped: 1, Removed: 1, Bytes: 12345,
		SkippedBy: map[string]int{"robots": 2}, FailedBy: map[string]int{"http 500": 1}, GoneBy: map[string]int{"404": 2, "410": 1}}
	s.ok(t, a.FinishRun(ctx, id1, finarchive.RunFailed, counts, "some failed"), "FinishRun")
	r, err = a.Run(ctx, id1)
	s.ok(t, err, "Run")
	// The article counts are the store's, from Complete: none here.
	stored := counts
	stored.New, stored.Changed, stored.Unchanged, stored.NotModified = 0, 0, 0, 0
	if got, want := fmt.Sprintf("%v %s %s %+v %s", r.Seeds, r.Options, r.Status, r.RunCounts, r.Error),
		fmt.Sprintf("%v %s %s %+v %s", spec.Seeds, spec.Options, finarchive.RunFailed, stored, "some failed"); got != want {
		t.Errorf("run:\n got %s\nwant %s", got, want)
	}
	if r.StartedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) || time.Since(r.StartedAt) > time.Hour {
		t.Errorf("times %v %v", r.StartedAt, r.FinishedAt)
	}
	got, err := a.RunSpec(ctx, id1)
	s.ok(t, err, "RunSpec")
	if !got.Adaptive || got.MinRevisit != 2*time.Hour || got.MaxRevisit != 48*time.Hour || fmt.Sprint(got.Seeds) != fmt.Sprint(spec.Seeds) || string(got.Options) != string(spec.Options) {
		t.Errorf("RunSpec = %+v", got)
	}
	last, err := a.LastRun(ctx)
	s.ok(t, err, "LastRun")
	if last.ID != id2 {
		t.Errorf("LastRun = %d, want %d", last.ID, id2)
	}
	runs, err := a.Runs(ctx)
	s.ok(t, err, "Runs")
	if len(runs) != 2 || runs[0].ID != id2 || runs[1].ID != id1 || runs[1].Failed != 1 {
		t.Fatalf("Runs = %+v", runs)
	}
	s.ok(t, a.ReopenRun(ctx, id1), "ReopenRun")
	if r, err := a.Run(ctx, id1); err != nil || r.Status != finarchive.RunRunning || !r.FinishedAt.IsZero() {
		t.Errorf("reopened: %+v, %v", r, err)
	}
	_, err = a.Run(ctx, id2+100)
	s.is(t, err, store.ErrNotFound, "Run of no run")
	s.is(t, a.FinishRun(ctx, id2+100, finarchive.RunFinished, counts, ""), store.ErrNotFound, "FinishRun of no run")
}

// testRunCounts: a run's article counts are committed with its pages, by
// Complete (from many goroutines at once too), so they match the archive
// whenever a crawl dies; UpdateRunCounts and FinishRun leave them alone.
func testRunCounts(t *testing.T, s *suite) {
	a := s.open(t)
	run1 := s.startRun(t, a, store.RunSpec{})
	run2 := s.startRun(t, a, store.RunSpec{})
	u := func(i int) string { return fmt.Sprintf("https://a.example/%d.html", i) }
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Complete(ctx, run1, fetched(u(i), article(u(i), fmt.Sprint("标题", i), fmt.Sprint("正文", i)), t0)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.ok(t, err, "Complete")
	}
	blocked := article(u(99), "访问过于频繁", "")
	blocked.PageType = extract.PageBlocked
	s.complete(t, a, run1, fetched(u(99), blocked, t0))
	s.ok(t, a.UpdateRunCounts(ctx, run1, finarchive.RunCounts{Fetched: 21, New: 18}), "UpdateRunCounts")

	s.complete(t, a, run2, fetched(u(0), article(u(0), "标题0", "正文0 改了"), t0.Add(time.Hour)))
	s.complete(t, a, run2, fetched(u(1), article(u(1), "标题1", "正文1"), t0.Add(time.Hour)))
	s.complete(t, a, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(2)}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(time.Hour)})
	s.complete(t, a, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(50)}, StatusCode: 304, NotModified: true, FetchedAt: t0.Add(time.Hour)})
	s.complete(t, a, run2, &finarchive.Fetched{Item: finarchive.QueueItem{URL: u(51)}, StatusCode: 200, Skipped: "list-page"})
	s.ok(t, a.FinishRun(ctx, run2, finarchive.RunFinished, finarchive.RunCounts{Fetched: 5, New: 7, Changed: 7}, ""), "FinishRun")
	for _, tc := range []struct {
		run  int64
		want string // new changed unchanged not_modified fetched
	}{
		{run1, "20 0 0 0 21"},
		{run2, "0 1 1 1 5"},
	} {
		r, err := a.Run(ctx, tc.run)
		s.ok(t, err, "Run")
		if got := fmt.Sprint(r.New, r.Changed, r.Unchanged, r.NotModified, r.Fetched); got != tc.want {
			t.Errorf("run %d: new changed unchanged not_modified fetched = %s, want %s", tc.run, got, tc.want)
		}
	}
	if n, err := a.Count(ctx); err != nil || n != 20 {
		s.ok(t, err, "Count")
		t.Errorf("Count = %d, want 20", n)
	}
}
