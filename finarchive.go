// Package finarchive holds the domain types shared by the crawler and the
// store: a frontier item, the outcome of one fetch, and a crawl run. Keeping
// them here lets crawler declare the small interface it writes to (crawler.Sink)
// while store implements it without either package importing the other.
package finarchive

import (
	"errors"
	"strings"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// QueueItem is one URL in a crawl's frontier.
type QueueItem struct {
	URL      string    // canonical URL (see crawler.Normalize)
	Host     string    // URLHost(URL), filled by Claim: the politeness key
	Depth    int       // link distance from a seed; seeds are 0
	Attempts int       // failed attempts so far
	NextTry  time.Time // not fetched before this time (zero: now)
	// ETag and LastModified are the validators stored for the URL's page, if
	// any, filled by Claim so the crawler can send a conditional GET.
	ETag         string
	LastModified string
	// Lease is the claim's lease token where several processes share the
	// frontier (PostgreSQL): Complete, Retry and Unclaim write the item's
	// result only while this lease holds (fencing), else they fail with
	// ErrLeaseLost. Zero: not leased (SQLite).
	Lease int64
	// StartAt, when not zero, is the start the claim reserved for the
	// request (the host's politeness across every process): it goes out
	// then, not before, and promptly.
	StartAt time.Time
}

// ErrLeaseLost is returned (wrapped) when a claimed item's lease ran out
// and the item may be with another worker: its result is not written.
var ErrLeaseLost = errors.New("lease lost: the item's claim ran out and it may be with another worker")

// Fetched is everything the crawler learned about one URL. The store commits
// it in one transaction: the page (if any), the new links and the frontier
// item's final state, so a crawl killed at any moment loses nothing committed
// and never stores an article twice.
type Fetched struct {
	Item         QueueItem
	FinalURL     string // canonical URL after redirects ("" = Item.URL)
	StatusCode   int
	NotModified  bool            // 304: nothing changes but the check time
	Record       *extract.Record // extracted page (any type but blocked); nil when not HTML or failed
	Raw          []byte          // raw response body as received (with Record, or Gone)
	ContentType  string
	ETag         string
	LastModified string
	FetchedAt    time.Time
	Links        []QueueItem // links found on the page, in scope; depth already set
	Skipped      string      // why the URL is not archived (e.g. "not-html", "robots", "list-page")
	Failed       string      // why the URL failed for good in this run: a transient error that survived every retry ("" = no failure)
	// Gone is a definitive 404 or 410: not a failure; an archived page of
	// the URL is marked removed.
	Gone bool
	// Deferred says why the URL is left for the next run ("" = not deferred).
	Deferred string
	// Capture is the exchange as it went over the wire, for a WARC export;
	// nil when not captured.
	Capture *Capture
}

// URLHost returns the host (with port) of a canonical URL: the text
// between "://" and the path. It is the frontier's politeness key, the
// same in the crawler and the store.
func URLHost(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return ""
	}
	r := u[i+3:]
	if j := strings.IndexAny(r, "/?#"); j >= 0 {
		r = r[:j]
	}
	return r
}

// Capture is what a WARC request and response record need of one fetch:
// the request as sent and the response as received. Header blocks are in
// HTTP/1.1 form (an HTTP/2 exchange is written that way too), each line
// ending in CRLF and the block in an empty line.
type Capture struct {
	Request  []byte // request line and header fields as sent
	Response []byte // status line and header fields as received
	// Body is the body as received when it differs from Fetched.Raw, that
	// is when it came content-encoded (ContentEncoding); nil otherwise.
	Body            []byte
	ContentEncoding string // of Body: "" or "gzip"
	RemoteIP        string // the server's address, "" when unknown
}

// SaveResult says what a Complete call did with an article.
type SaveResult string

// The results of saving one fetched URL.
const (
	SaveNone      SaveResult = ""          // nothing stored (skipped, failed, not an article)
	SaveNew       SaveResult = "new"       // first version of this URL
	SaveChanged   SaveResult = "changed"   // a new revision was stored
	SaveUnchanged SaveResult = "unchanged" // same content hash: only fetch time updated
	SaveRejected  SaveResult = "rejected"  // a soft block or empty shell: kept out, stored record untouched
	SaveRemoved   SaveResult = "removed"   // a 404/410 for an archived article: marked removed, record kept
)

// RunCounts are the figures of one crawl run.
type RunCounts struct {
	Fetched     int            `json:"fetched"`
	New         int            `json:"new"`
	Changed     int            `json:"changed"`
	Unchanged   int            `json:"unchanged"`
	NotModified int            `json:"not_modified"`
	Failed      int            `json:"failed"`   // transient errors that survived every retry
	Skipped     int            `json:"skipped"`  // fetched or judged, not archived (robots, not HTML, list pages, redirects …)
	Gone        int            `json:"gone"`     // dead links: 404 and 410 answers
	Deferred    int            `json:"deferred"` // left for the next run (Retry-After beyond the cap)
	Dropped     int            `json:"dropped"`  // failed URLs no longer carried over: they failed this many runs in a row
	Removed     int            `json:"removed"`  // archived articles that answered 404/410 and were marked removed
	Bytes       int64          `json:"bytes"`
	SkippedBy   map[string]int `json:"skipped_by,omitempty"`
	FailedBy    map[string]int `json:"failed_by,omitempty"`
	GoneBy      map[string]int `json:"gone_by,omitempty"` // by status code: {"404": 10, "410": 2}
}

// Add returns the sum of two sets of counts: a resumed run's before and
// after, or the figures of the processes that worked one run.
func (c RunCounts) Add(d RunCounts) RunCounts {
	merge := func(x, y map[string]int) map[string]int {
		if len(x)+len(y) == 0 {
			return nil
		}
		m := make(map[string]int, len(x)+len(y))
		for k, v := range x {
			m[k] += v
		}
		for k, v := range y {
			m[k] += v
		}
		return m
	}
	return RunCounts{Fetched: c.Fetched + d.Fetched, New: c.New + d.New, Changed: c.Changed + d.Changed,
		Unchanged: c.Unchanged + d.Unchanged, NotModified: c.NotModified + d.NotModified, Failed: c.Failed + d.Failed,
		Skipped: c.Skipped + d.Skipped, Gone: c.Gone + d.Gone, Deferred: c.Deferred + d.Deferred,
		Dropped: c.Dropped + d.Dropped, Removed: c.Removed + d.Removed, Bytes: c.Bytes + d.Bytes,
		SkippedBy: merge(c.SkippedBy, d.SkippedBy), FailedBy: merge(c.FailedBy, d.FailedBy), GoneBy: merge(c.GoneBy, d.GoneBy)}
}

// Run statuses.
const (
	RunRunning     = "running"
	RunFinished    = "finished"
	RunFailed      = "failed" // finished, but some URLs failed with transient errors after every retry
	RunInterrupted = "interrupted"
	RunError       = "error" // the run itself could not go on
)

// Run is one crawl run: what it was asked to do and how it went.
type Run struct {
	ID         int64     `json:"id"`
	Seeds      []string  `json:"seeds"`
	Options    []byte    `json:"-"` // JSON of the crawl options, so --resume can restore them
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	RunCounts
}
