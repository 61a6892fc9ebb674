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
	// Claim marks up to n queued items whose NextTry has come in flight and
	// returns them, oldest first, with the stored validators filled in.
	Claim(ctx context.Context, runID int64, n int, now time.Time) ([]finarchive.QueueItem, error)
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
