package store

import (
	"hash/maphash"
	"sync"

	"github.com/finarchive/finarchive"
)

// knownURLs remembers, per run, the URLs that are in the run's frontier
// (as 64-bit hashes), so that enqueueing the links of a page skips those
// without a statement: the crawler sends some 40 links a page and most are
// known. A hash is added only after the transaction that put its URL in
// the frontier (or found it there) has committed, and a run's set goes when
// DeleteFrontier removes rows, so a URL in the set is always in the
// frontier; one missing from the set is simply looked up by SQL (INSERT OR
// IGNORE). A 64-bit collision (about 1 in 10^7 at a million URLs) would
// drop one link.
type knownURLs struct {
	seed maphash.Seed
	mu   sync.Mutex
	runs map[int64]map[uint64]struct{}
}

// maxKnownPerRun bounds a run's set (about 20 bytes an entry); beyond it
// new URLs are no longer remembered and go to SQL.
const maxKnownPerRun = 2_000_000

func newKnownURLs() *knownURLs {
	return &knownURLs{seed: maphash.MakeSeed(), runs: make(map[int64]map[uint64]struct{})}
}

func (k *knownURLs) hash(u string) uint64 { return maphash.String(k.seed, u) }

// filter returns the items whose URL is not known in run, and the hashes of
// all items (for add).
func (k *knownURLs) filter(run int64, items []finarchive.QueueItem) ([]finarchive.QueueItem, []uint64) {
	hs := make([]uint64, 0, len(items))
	var out []finarchive.QueueItem
	k.mu.Lock()
	set := k.runs[run]
	for i, it := range items {
		if it.URL == "" {
			continue
		}
		h := k.hash(it.URL)
		hs = append(hs, h)
		if _, ok := set[h]; ok {
			if out == nil {
				out = append(make([]finarchive.QueueItem, 0, len(items)), items[:i]...)
			}
			continue
		}
		if out != nil {
			out = append(out, it)
		}
	}
	k.mu.Unlock()
	if out == nil {
		// Nothing known: keep items as they are (with any empty URLs,
		// which encodeItems leaves out).
		return items, hs
	}
	return out, hs
}

// add remembers hashes as URLs in run's frontier. Call it only once the
// transaction that enqueued them has committed.
func (k *knownURLs) add(run int64, hs []uint64, urls ...string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	set := k.runs[run]
	if set == nil {
		set = make(map[uint64]struct{}, 1024)
		k.runs[run] = set
	}
	for _, h := range hs {
		if len(set) >= maxKnownPerRun {
			return
		}
		set[h] = struct{}{}
	}
	for _, u := range urls {
		if len(set) >= maxKnownPerRun {
			return
		}
		set[k.hash(u)] = struct{}{}
	}
}

// forget drops run's set.
func (k *knownURLs) forget(run int64) {
	k.mu.Lock()
	delete(k.runs, run)
	k.mu.Unlock()
}
