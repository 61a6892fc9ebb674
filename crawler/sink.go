package crawler

import (
	"context"
	"time"

	"github.com/finarchive/finarchive"
)

// Sink is what the crawler writes to: a disk frontier and an archive. It is
// declared here, small, so the crawler never depends on the store; store.DB
// implements it.
type Sink interface {
	// Enqueue adds items to the run's frontier. A URL already in the run's
	// frontier (queued, in flight or done) is ignored, atomically, so each
	// URL is fetched at most once per run however many workers call it.
	// It returns how many items were new.
	Enqueue(ctx context.Context, runID int64, items []finarchive.QueueItem) (int, error)
	// Claim marks in flight, for each host of want (in URLHost form), up to
	// want[host] of its queued items whose NextTry has come, oldest first,
	// and returns them with the stored validators and Host filled in. due
	// gives, for each host of want that still has queued items, the earliest
	// NextTry among them.
	Claim(ctx context.Context, runID int64, want map[string]int, now time.Time) (items []finarchive.QueueItem, due map[string]time.Time, err error)
	// QueuedHosts returns the hosts with queued items in the run, each with
	// the earliest NextTry among them.
	QueuedHosts(ctx context.Context, runID int64) (map[string]time.Time, error)
	// Unclaim puts claimed items that were not fetched back in the queue
	// as they were.
	Unclaim(ctx context.Context, runID int64, items []finarchive.QueueItem) error
	// DeferHost leaves every queued or in-flight item of host for the next
	// run, with reason, and returns how many.
	DeferHost(ctx context.Context, runID int64, host, reason string) (int, error)
	// Complete commits the outcome of one URL in one transaction: page,
	// links and the item's final state.
	Complete(ctx context.Context, runID int64, f *finarchive.Fetched) (finarchive.SaveResult, error)
	// Retry puts an in-flight item back in the queue with its Attempts and
	// NextTry as given and records the error.
	Retry(ctx context.Context, runID int64, item finarchive.QueueItem, lastErr string) error
	// Pending returns how many items are queued or in flight, and the
	// earliest NextTry among the queued ones (zero when none).
	Pending(ctx context.Context, runID int64) (n int, nextDue time.Time, err error)
}
