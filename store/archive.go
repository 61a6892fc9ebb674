package store

import (
	"context"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
)

// CountsTracker is an archive that can commit a run's counts with its
// pages, in the same transactions (TrackCounts): SQLite, where one process
// writes the run. PostgreSQL's runs are worked by several processes, each
// storing its own figures every few seconds (UpdateRunCounts), and does not
// implement it.
type CountsTracker interface {
	TrackCounts(runID int64, counts func() finarchive.RunCounts) (stop func())
}

// Archive is what every command needs of an archive, whatever holds it:
// *DB (one SQLite file, the default) and the PostgreSQL back end
// (package store/pgstore) both implement it, and package store/backend
// opens the one a --db value names. Its methods behave the same on both:
// the shared test suite (store/storetest) runs against each.
type Archive interface {
	// Close closes the archive. Writes still queued fail.
	Close() error
	// Path names the archive for messages: a file's path, or a PostgreSQL
	// URL without its password.
	Path() string
	// SchemaVersion returns the number of migrations applied.
	SchemaVersion(ctx context.Context) (int, error)
	// IntegrityCheck checks the archive's structure and its search index
	// and returns nil when both are sound.
	IntegrityCheck(ctx context.Context) error

	// The crawl's disk frontier and its page writes (crawler.Sink).

	// Enqueue adds items to the run's frontier, ignoring a URL the run
	// already has, atomically, and returns how many were new.
	Enqueue(ctx context.Context, runID int64, items []finarchive.QueueItem) (int, error)
	// Claim marks in flight, for each host of want, up to want[host] of
	// its queued items that are due; due gives each such host's earliest
	// next try among what stays queued.
	Claim(ctx context.Context, runID int64, want map[string]int, now time.Time) ([]finarchive.QueueItem, map[string]time.Time, error)
	// Unclaim puts claimed items that were not fetched back in the queue.
	Unclaim(ctx context.Context, runID int64, items []finarchive.QueueItem) error
	// QueuedHosts returns the hosts with queued items, each with its
	// earliest next try.
	QueuedHosts(ctx context.Context, runID int64) (map[string]time.Time, error)
	// DeferHost leaves every queued or in-flight item of host for the next
	// run, with reason, and returns how many.
	DeferHost(ctx context.Context, runID int64, host, reason string) (int, error)
	// Retry puts an in-flight item back in the queue as given, recording
	// the error.
	Retry(ctx context.Context, runID int64, item finarchive.QueueItem, lastErr string) error
	// Pending returns how many items are queued or in flight, and the
	// earliest next try among the queued ones.
	Pending(ctx context.Context, runID int64) (int, time.Time, error)
	// Complete commits one URL's outcome (page, links, the item's final
	// state) in one transaction.
	Complete(ctx context.Context, runID int64, f *finarchive.Fetched) (finarchive.SaveResult, error)
	// Revisited records a fetch of an archived page that brought no new
	// record (304, or an identical payload) for the WARC's revisit records.
	Revisited(ctx context.Context, runID int64, pageURL string, fetchedAt time.Time, status int, digest string, c *finarchive.Capture) (finarchive.SaveResult, error)

	// The run's frontier between runs.

	// ResetInFlight puts the run's in-flight items back in the queue
	// (crawl --resume) and returns how many.
	ResetInFlight(ctx context.Context, runID int64) (int, error)
	// CarryOverFailed copies the failed and deferred items of fromRunID
	// into toRunID's queue, dropping those that failed MaxFailRuns runs.
	CarryOverFailed(ctx context.Context, fromRunID, toRunID int64) (carried, dropped int, err error)
	// DroppedFailures returns how many failed items of the run reached
	// MaxFailRuns.
	DroppedFailures(ctx context.Context, runID int64) (int, error)
	// DeleteFrontier drops a finished run's frontier but for what the next
	// run needs, and returns how many rows went.
	DeleteFrontier(ctx context.Context, runID int64) (int, error)
	// FrontierCounts returns the run's frontier rows by state.
	FrontierCounts(ctx context.Context, runID int64) (map[string]int, error)
	// Failures calls fn for each failed item of the run.
	Failures(ctx context.Context, runID int64, fn func(FrontierItem) error) error
	// Lock takes the archive's crawl lock for owner (waiting for it with
	// wait); release frees it.
	Lock(ctx context.Context, owner string, wait bool) (release func() error, err error)

	// Runs.

	// StartRun records a new run and returns its id.
	StartRun(ctx context.Context, spec RunSpec) (int64, error)
	// UpdateRunCounts stores a running run's counts.
	UpdateRunCounts(ctx context.Context, id int64, counts finarchive.RunCounts) error
	// FinishRun ends a run with status, its counts and an error message.
	FinishRun(ctx context.Context, id int64, status string, counts finarchive.RunCounts, errMsg string) error
	// ReopenRun marks an ended run running again (crawl --resume).
	ReopenRun(ctx context.Context, id int64) error
	// Run returns one run.
	Run(ctx context.Context, id int64) (finarchive.Run, error)
	// RunSpec returns what a run was started with.
	RunSpec(ctx context.Context, id int64) (RunSpec, error)
	// LastRun returns the newest run.
	LastRun(ctx context.Context) (finarchive.Run, error)
	// Runs returns every run, newest first.
	Runs(ctx context.Context) ([]finarchive.Run, error)

	// Reading the archive.

	// Get returns a page's current record.
	Get(ctx context.Context, pageURL string) (*extract.Record, error)
	// Info returns what the archive knows of a page beside its record.
	Info(ctx context.Context, pageURL string) (PageInfo, error)
	// Revisions returns every version of a page, oldest first.
	Revisions(ctx context.Context, pageURL string) ([]Revision, error)
	// Count returns how many pages the archive holds.
	Count(ctx context.Context) (int, error)
	// Sites returns each site with its page count.
	Sites(ctx context.Context) ([]NameCount, error)
	// Categories returns each category with its page count.
	Categories(ctx context.Context) ([]NameCount, error)
	// List returns one page of summaries and the total that match opt.
	List(ctx context.Context, opt ListOptions) ([]Summary, int, error)
	// Search runs a full-text query over titles and bodies.
	Search(ctx context.Context, opt SearchOptions) ([]SearchHit, error)
	// Export calls fn for each archived page that opt selects.
	Export(ctx context.Context, opt ExportOptions, fn func(*ExportRecord) error) error
	// ExportFetches calls fn for each page that opt selects with its
	// fetches, oldest first, for a WARC.
	ExportFetches(ctx context.Context, opt ExportOptions, fn func(*ExportRecord, []Fetch) error) error

	// Re-extraction.

	// RawPages calls fn with each page's latest raw response.
	RawPages(ctx context.Context, fn func(RawPage) error) error
	// Reextracted saves a record re-extracted from the stored raw page.
	Reextracted(ctx context.Context, pageURL string, rec *extract.Record) (finarchive.SaveResult, error)
	// UnarchivedPages calls fn with each fetched page that was not
	// archived (not an article), redirects left out.
	UnarchivedPages(ctx context.Context, fn func(RawPage) error) error
	// ReextractedUnarchived saves the record of an unarchived page that is
	// now typed an article.
	ReextractedUnarchived(ctx context.Context, pageURL string, rec *extract.Record) (finarchive.SaveResult, error)

	// The search index's upkeep.

	// SearchIndexRows returns how many revisions the search index holds and
	// how many of them are stale.
	SearchIndexRows(ctx context.Context) (rows, stale int, err error)
	// RebuildSearch rebuilds the search index from the revisions.
	RebuildSearch(ctx context.Context) error
	// WriteStats returns the write requests and transactions committed so
	// far (a measure of group commit).
	WriteStats() (requests, transactions int64)
}

var _ Archive = (*DB)(nil)
