// Package storetest is the behaviour every store.Archive must have, as
// one test suite that each back end's tests run: package store's against a
// SQLite file in t.TempDir(), package store/pgstore's against a throw-away
// PostgreSQL database (internal/pgtest). It is written against the
// interface alone, so a behaviour that differs between the back ends is a
// failure of one of them.
//
//	func TestArchive(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Archive { return open(t) })
//	}
package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// Option adjusts Run.
type Option func(*suite)

// Reopen gives the suite a second handle to the archive a, opened with
// opts, as another process would open it (for the crawl lock). Without it
// the lock's subtests are skipped.
func Reopen(fn func(t *testing.T, a store.Archive, opts ...store.Option) store.Archive) Option {
	return func(s *suite) { s.reopen = fn }
}

// FencedFrontier says the back end fences the frontier's writes (Enqueue,
// Claim, ResetInFlight) with the crawl lock too, as SQLite does: its one
// crawling process holds the lock. (PostgreSQL's workers write the frontier
// under leases without holding it.) For the same reason, taking the lock
// over marks a run still running interrupted: its crawl died.
func FencedFrontier() Option { return func(s *suite) { s.fencedFrontier = true } }

// ReopenReadOnly gives the suite a read-only handle to the archive a, as
// the commands that only read open it. Without it the read-only subtest is
// skipped.
func ReopenReadOnly(fn func(t *testing.T, a store.Archive) store.Archive) Option {
	return func(s *suite) { s.readOnly = fn }
}

type suite struct {
	open           func(t *testing.T) store.Archive
	reopen         func(t *testing.T, a store.Archive, opts ...store.Option) store.Archive
	readOnly       func(t *testing.T, a store.Archive) store.Archive
	fencedFrontier bool
}

// Run runs the suite: each subtest gets a new, empty archive from open,
// which closes it when the test ends.
func Run(t *testing.T, open func(t *testing.T) store.Archive, opts ...Option) {
	s := &suite{open: open}
	for _, o := range opts {
		o(s)
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s *suite)
	}{
		{"Complete", testComplete},
		{"Complete_frontier", testCompleteFrontier},
		{"Removed", testRemoved},
		{"Cards", testCards},
		{"Unarchived", testUnarchived},
		{"Redirects", testRedirects},
		{"Reextracted", testReextracted},
		{"Revisited", testRevisited},
		{"Search", testSearch},
		{"Search_followsChanges", testSearchFollowsChanges},
		{"SearchIndex", testSearchIndex},
		{"Export", testExport},
		{"Read", testRead},
		{"Runs", testRuns},
		{"RunCounts", testRunCounts},
		{"Enqueue", testEnqueue},
		{"Claim", testClaim},
		{"Claim_concurrent", testClaimConcurrent},
		{"Claim_hosts", testClaimHosts},
		{"CarryOver", testCarryOver},
		{"Lock", testLock},
		{"Lock_fencing", testLockFencing},
		{"ReadOnly", testReadOnly},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, s) })
	}
}

var ctx = context.Background()

// ok fails t when err is not nil.
func (s *suite) ok(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// is checks that err is target.
func (s *suite) is(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: %v, want %v", what, err, target)
	}
}

func (s *suite) startRun(t testing.TB, a store.Archive, spec store.RunSpec) int64 {
	t.Helper()
	id, err := a.StartRun(ctx, spec)
	s.ok(t, err, "StartRun")
	return id
}

func (s *suite) complete(t testing.TB, a store.Archive, run int64, f *finarchive.Fetched) finarchive.SaveResult {
	t.Helper()
	res, err := a.Complete(ctx, run, f)
	s.ok(t, err, "Complete "+f.Item.URL)
	return res
}

func (s *suite) enqueue(t testing.TB, a store.Archive, run int64, items ...finarchive.QueueItem) int {
	t.Helper()
	n, err := a.Enqueue(ctx, run, items)
	s.ok(t, err, "Enqueue")
	return n
}

func (s *suite) get(t testing.TB, a store.Archive, u string) *extract.Record {
	t.Helper()
	rec, err := a.Get(ctx, u)
	s.ok(t, err, "Get "+u)
	return rec
}

func (s *suite) info(t testing.TB, a store.Archive, u string) store.PageInfo {
	t.Helper()
	pi, err := a.Info(ctx, u)
	s.ok(t, err, "Info "+u)
	return pi
}

func (s *suite) export(t testing.TB, a store.Archive, opt store.ExportOptions) []*store.ExportRecord {
	t.Helper()
	var out []*store.ExportRecord
	err := a.Export(ctx, opt, func(r *store.ExportRecord) error { out = append(out, r); return nil })
	s.ok(t, err, "Export")
	return out
}

// claim claims up to n due items of host.
func (s *suite) claim(t testing.TB, a store.Archive, run int64, host string, n int) []finarchive.QueueItem {
	t.Helper()
	items, _, err := a.Claim(ctx, run, map[string]int{host: n}, time.Now())
	s.ok(t, err, "Claim")
	return items
}

var cst = time.FixedZone("CST", 8*3600)

// t0 is the suite's fetch time: whole seconds, which every back end keeps
// exactly.
var t0 = time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC)

func article(u, title, body string) *extract.Record {
	pub := time.Date(2024, 3, 15, 9, 30, 0, 0, cst)
	return &extract.Record{
		URL:          u,
		Title:        title,
		Body:         body,
		BodyHTML:     "<p>" + body + "</p>",
		Published:    &pub,
		PublishedRaw: "2024-03-15 09:30",
		Author:       "小编",
		Source:       "卡宝宝",
		Category:     "信用卡",
		Breadcrumb:   []string{"首页", "信用卡"},
		Keywords:     []string{"信用卡", "逾期"},
		Cards: []extract.Card{
			{Title: "信用卡逾期怎么办", URL: "https://a.example/c/1.html", Snippet: "逾期……", Category: "信用卡", Date: "2024-03-01"},
			{Title: "ETC卡怎么办理", URL: "https://a.example/c/2.html", Category: "ETC", Date: "2024-02-01"},
		},
		Site:     "a.example",
		PageType: extract.PageArticle,
	}
}

// rawPage is the raw body every fetched page of the suite has.
var rawPage = []byte("<html><head><meta charset=utf-8></head><body>" + strings.Repeat("<p>信用卡</p>", 50) + "</body></html>")

func fetched(u string, rec *extract.Record, at time.Time) *finarchive.Fetched {
	return &finarchive.Fetched{
		Item:         finarchive.QueueItem{URL: u, Depth: 1},
		StatusCode:   200,
		Record:       rec,
		Raw:          rawPage,
		ContentType:  "text/html; charset=UTF-8",
		ETag:         `"e1"`,
		LastModified: "Fri, 15 Mar 2024 01:30:00 GMT",
		FetchedAt:    at,
	}
}
