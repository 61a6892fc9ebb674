// Package crawltest holds what tests and benchmarks of the crawler share:
// an in-memory Sink (a frontier with atomic dedupe, per-host queues and
// retry times, nothing archived).
package crawltest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
)

// MemSink is a crawler.Sink in memory. Its zero value is ready to use.
type MemSink struct {
	// OnClaim, when set, is called after each Claim with the number of
	// items claimed and not done (under the sink's lock: it must not call
	// the sink).
	OnClaim func(inflight int)

	mu       sync.Mutex
	seen     map[string]bool
	queues   map[string][]finarchive.QueueItem // by host, in enqueue order
	inflight map[string]finarchive.QueueItem
	done     map[string]*finarchive.Fetched
}

func (m *MemSink) init() {
	if m.seen == nil {
		m.seen, m.queues = map[string]bool{}, map[string][]finarchive.QueueItem{}
		m.inflight, m.done = map[string]finarchive.QueueItem{}, map[string]*finarchive.Fetched{}
	}
}

// due is when an item may be claimed, as the store reports it: the Unix
// epoch for "now".
func due(it finarchive.QueueItem) time.Time {
	if it.NextTry.IsZero() {
		return time.UnixMilli(0)
	}
	return it.NextTry
}

func (m *MemSink) push(it finarchive.QueueItem) {
	it.Host = finarchive.URLHost(it.URL)
	m.queues[it.Host] = append(m.queues[it.Host], it)
}

// Enqueue adds the items whose URL is new.
func (m *MemSink) Enqueue(ctx context.Context, runID int64, items []finarchive.QueueItem) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	n := 0
	for _, it := range items {
		if it.URL != "" && !m.seen[it.URL] {
			m.seen[it.URL] = true
			m.push(it)
			n++
		}
	}
	return n, nil
}

// Claim takes up to want[host] due items of each host.
func (m *MemSink) Claim(ctx context.Context, runID int64, want map[string]int, now time.Time) ([]finarchive.QueueItem, map[string]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	var out []finarchive.QueueItem
	next := map[string]time.Time{}
	for host, n := range want {
		q := m.queues[host]
		rest := q[:0]
		for _, it := range q {
			if n > 0 && !it.NextTry.After(now) {
				out = append(out, it)
				m.inflight[it.URL] = it
				n--
				continue
			}
			rest = append(rest, it)
			if d, ok := next[host]; !ok || due(it).Before(d) {
				next[host] = due(it)
			}
		}
		m.queues[host] = rest
	}
	if m.OnClaim != nil {
		m.OnClaim(len(m.inflight))
	}
	return out, next, nil
}

// QueuedHosts lists the hosts with queued items and their earliest NextTry.
func (m *MemSink) QueuedHosts(ctx context.Context, runID int64) (map[string]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]time.Time{}
	for host, q := range m.queues {
		for _, it := range q {
			if d, ok := out[host]; !ok || due(it).Before(d) {
				out[host] = due(it)
			}
		}
	}
	return out, nil
}

// Unclaim puts items back.
func (m *MemSink) Unclaim(ctx context.Context, runID int64, items []finarchive.QueueItem) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, it := range items {
		if _, ok := m.inflight[it.URL]; ok {
			delete(m.inflight, it.URL)
			m.push(it)
		}
	}
	return nil
}

// DeferHost drops the host's queued and in-flight items.
func (m *MemSink) DeferHost(ctx context.Context, runID int64, host, reason string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.queues[host])
	delete(m.queues, host)
	for u, it := range m.inflight {
		if it.Host == host {
			delete(m.inflight, u)
			n++
		}
	}
	return n, nil
}

// Complete records the outcome and enqueues the links.
func (m *MemSink) Complete(ctx context.Context, runID int64, f *finarchive.Fetched) (finarchive.SaveResult, error) {
	_, _ = m.Enqueue(ctx, runID, f.Links)
	m.mu.Lock()
	m.init()
	delete(m.inflight, f.Item.URL)
	m.done[f.Item.URL] = f
	m.mu.Unlock()
	if f.Record != nil && (f.Record.PageType == extract.PageArticle || f.Record.PageType == "") {
		return finarchive.SaveNew, nil
	}
	return finarchive.SaveNone, nil
}

// Retry queues an in-flight item again.
func (m *MemSink) Retry(ctx context.Context, runID int64, item finarchive.QueueItem, lastErr string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	delete(m.inflight, item.URL)
	m.push(item)
	return nil
}

// Pending counts queued and in-flight items.
func (m *MemSink) Pending(ctx context.Context, runID int64) (int, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.inflight)
	var due time.Time
	for _, q := range m.queues {
		n += len(q)
		for _, it := range q {
			if due.IsZero() || it.NextTry.Before(due) {
				due = it.NextTry
			}
		}
	}
	return n, due, nil
}

// Done returns the outcomes committed so far, by URL, sorted.
func (m *MemSink) Done() []*finarchive.Fetched {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*finarchive.Fetched, 0, len(m.done))
	for _, f := range m.done {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Item.URL < out[j].Item.URL })
	return out
}
