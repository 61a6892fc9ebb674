// Package crawlrun owns the life of one crawl run, which `crawl` and
// `schedule` share: it starts a run (carrying over the URLs the previous
// run left for later) or resumes an unfinished one, crawls it with the
// crawler into the store, saves its counts as it goes, and records how it
// ended: finished, failed (transient errors survived every retry),
// interrupted or error. Daemon runs sites on their schedules (the
// `schedule` command's slots, catch-up and overrun rules, shared
// politeness, database locks). The commands only parse flags and print.
package crawlrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// ErrNothingToResume is returned (wrapped, with the reason) when a resume
// finds no run to continue; the caller treats it as a usage error.
var ErrNothingToResume = errors.New("nothing to resume")

// Job is one crawl to run.
type Job struct {
	DB     store.Archive
	Config crawler.Config
	Seeds  []string // the new run's seeds; a resume takes the stored ones
	// Profiles are the extraction profiles; nil loads the built-in ones
	// and Config.Profile.
	Profiles *extract.Profiles
	// Resume continues the newest unfinished run (of Seeds, when set)
	// instead of starting one.
	Resume bool
	// Gate, when set, is per-host politeness shared with other crawls.
	Gate *crawler.HostGate
	Log  *slog.Logger
	// Progress, when set, is called about four times a second while the
	// crawl runs.
	Progress func(Progress)
}

// Progress is a snapshot of a running crawl, for a progress line.
type Progress struct {
	RunID    int64
	Fetched  int64
	Articles int64
	Queued   int
	Errors   int64
	Rate     float64 // pages per second
	Elapsed  time.Duration
}

// Result is how a crawl ended.
type Result struct {
	RunID    int64                `json:"run_id"`
	Status   string               `json:"status"`
	Seeds    []string             `json:"seeds"`
	Resumed  bool                 `json:"resumed,omitempty"`
	Carried  int                  `json:"carried_over,omitempty"` // URLs the previous run left for this one
	Duration time.Duration        `json:"duration_ns"`
	Counts   finarchive.RunCounts `json:"counts"`
	Error    string               `json:"error,omitempty"`
}

// Resumable reports whether a run with this status can be continued: it
// did not end (its process died: "running"), was interrupted, or stopped
// on an error (a full disk, a lost lock).
func Resumable(status string) bool {
	return status == finarchive.RunRunning || status == finarchive.RunInterrupted || status == finarchive.RunError
}

// LastResumable returns the newest resumable crawl run (an import's run,
// which has no seeds, is none), of these seeds when seeds is not nil,
// whatever runs came after it; ErrNothingToResume (wrapped) when there is
// none.
func LastResumable(ctx context.Context, db store.Archive, seeds []string) (finarchive.Run, error) {
	runs, err := db.Runs(ctx)
	if err != nil {
		return finarchive.Run{}, err
	}
	if len(runs) == 0 {
		return finarchive.Run{}, fmt.Errorf("%w: this database has no crawl run", ErrNothingToResume)
	}
	var last *finarchive.Run
	for i, r := range runs { // newest first
		if len(r.Seeds) == 0 {
			continue // an import's run: no crawl to continue
		}
		if last == nil {
			last = &runs[i]
		}
		if Resumable(r.Status) && (seeds == nil || SameSeeds(r.Seeds, seeds)) {
			return r, nil
		}
	}
	if last == nil {
		return finarchive.Run{}, fmt.Errorf("%w: this database has no crawl run (its runs are imports: import the file again to finish one)", ErrNothingToResume)
	}
	return finarchive.Run{}, fmt.Errorf("%w: no crawl run of this database was interrupted (the last, #%d, is %s); start a new crawl with its URLs",
		ErrNothingToResume, last.ID, last.Status)
}

// lastCrawl returns the newest crawl run of these seeds (zero when there
// is none), whose failed and deferred URLs the next one takes over: not an
// import's run (no seeds, no URLs left for later) nor another site's crawl
// of a shared database (its URLs are no business of this one: they were
// skipped as out of bounds, and lost to their own site's next run).
func lastCrawl(ctx context.Context, db store.Archive, seeds []string) (finarchive.Run, error) {
	runs, err := db.Runs(ctx)
	if err != nil {
		return finarchive.Run{}, err
	}
	for _, r := range runs { // newest first
		if len(r.Seeds) > 0 && SameSeeds(r.Seeds, seeds) {
			return r, nil
		}
	}
	return finarchive.Run{}, nil
}

// SameSeeds reports whether two seed lists hold the same URLs.
func SameSeeds(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Run starts or resumes a run and crawls it to the end. The result is
// non-nil whenever a run was started or resumed, even on error: its
// Status says how it ended. The error is nil for finished and failed
// runs, ctx's error for an interrupted one, and the cause for an error.
func Run(ctx context.Context, job Job) (*Result, error) {
	log := job.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, cfg, seeds := job.DB, job.Config, job.Seeds
	res := &Result{}
	var prev finarchive.RunCounts
	if job.Resume {
		var want []string
		if len(seeds) > 0 {
			want = seeds
		}
		last, err := LastResumable(ctx, db, want)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(last.Options, &cfg); err != nil {
			return nil, fmt.Errorf("resume run #%d: stored options: %w", last.ID, err)
		}
		cfg.Sitemaps = false // read when the run started
		if job.Profiles == nil || cfg.Profile != "" {
			p, err := LoadProfiles(cfg.Profile)
			if err != nil {
				return nil, fmt.Errorf("resume run #%d: %w", last.ID, err)
			}
			job.Profiles = p
		}
		res.RunID, seeds, prev, res.Resumed = last.ID, last.Seeds, last.RunCounts, true
		if _, err := db.ResetInFlight(ctx, res.RunID); err != nil {
			return nil, err
		}
		if err := db.ReopenRun(ctx, res.RunID); err != nil {
			return nil, err
		}
		log.Info("resuming run", "run", res.RunID, "status", last.Status, "seeds", strings.Join(seeds, " "))
		if cfg.MaxPages > 0 {
			// --max-pages bounds the run, not each of its processes: the
			// pages fetched before the interruption count.
			if cfg.MaxPages <= prev.Fetched {
				log.Info("the run had fetched its --max-pages already", "run", res.RunID, "max_pages", cfg.MaxPages, "fetched", prev.Fetched)
				res.Seeds = seeds
				return finish(ctx, db, log, res, prev, nil, 0)
			}
			cfg.MaxPages -= prev.Fetched
		}
	} else {
		if job.Profiles == nil {
			p, err := LoadProfiles(cfg.Profile)
			if err != nil {
				return nil, err
			}
			job.Profiles = p
		}
		opts, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("crawl options: %w", err)
		}
		prevRun, lastErr := lastCrawl(ctx, db, seeds)
		id, err := db.StartRun(ctx, store.RunSpec{Seeds: seeds, Options: opts, Adaptive: cfg.Adaptive,
			MinRevisit: time.Duration(cfg.MinRevisit), MaxRevisit: time.Duration(cfg.MaxRevisit)})
		if err != nil {
			return nil, err
		}
		res.RunID = id
		if lastErr == nil && prevRun.ID != 0 {
			n, _, err := db.CarryOverFailed(ctx, prevRun.ID, id)
			if err != nil {
				log.Warn("carry over failed URLs", "err", err)
			} else if n > 0 {
				log.Info("retrying URLs the previous run left for later", "run", id, "from_run", prevRun.ID, "urls", n)
			}
			res.Carried = n
		}
		log.Info("crawl started", "run", id, "seeds", strings.Join(seeds, " "))
	}
	res.Seeds = seeds

	cr, err := crawler.New(cfg, db, job.Profiles, log)
	if err != nil {
		return nil, err
	}
	cr.UseGate(job.Gate)
	start := time.Now()
	stopWatch := watch(ctx, cr, db, res.RunID, prev, job.Progress)
	counts, runErr := cr.Run(ctx, res.RunID, seeds)
	stopWatch()
	return finish(ctx, db, log, res, AddCounts(prev, counts), runErr, time.Since(start))
}

// finish records how the run ended and tidies up after it.
func finish(ctx context.Context, db store.Archive, log *slog.Logger, res *Result, counts finarchive.RunCounts,
	runErr error, took time.Duration) (*Result, error) {
	bg := context.WithoutCancel(ctx)
	res.Duration = took
	switch {
	case runErr != nil && ctx.Err() != nil:
		res.Status, res.Error = finarchive.RunInterrupted, "interrupted"
	case runErr != nil:
		res.Status, res.Error = finarchive.RunError, runErr.Error()
	case counts.Failed > 0:
		res.Status = finarchive.RunFailed
	default:
		res.Status = finarchive.RunFinished
	}
	over := res.Status == finarchive.RunFinished || res.Status == finarchive.RunFailed
	if over {
		n, err := db.DroppedFailures(bg, res.RunID)
		if err != nil {
			log.Warn("count failed URLs", "run", res.RunID, "err", err)
		}
		counts.Dropped = n
	} else if _, err := db.ResetInFlight(bg, res.RunID); err != nil {
		// A resume resets them too; this keeps the frontier tidy meanwhile.
		log.Warn("put back in-flight URLs", "run", res.RunID, "err", err)
	}
	res.Counts = counts
	if err := db.FinishRun(bg, res.RunID, res.Status, counts, res.Error); err != nil {
		return res, err
	}
	if r, err := db.Run(bg, res.RunID); err == nil {
		res.Counts = r.RunCounts // the article counts as committed with the pages
	}
	if over {
		// The run is over: drop its queue, keeping the URLs left for the
		// next run (failed, deferred), so the file does not grow with
		// every run.
		if _, err := db.DeleteFrontier(bg, res.RunID); err != nil {
			log.Warn("drop finished run's frontier", "run", res.RunID, "err", err)
		}
		compactSearch(bg, db, log)
	}
	if res.Status == finarchive.RunInterrupted {
		return res, ctx.Err()
	}
	return res, runErr
}

// watch reports progress about four times a second and saves the run's
// counts every few seconds, so a killed run keeps them; an archive that
// can (store.CountsTracker) also commits them with every batch of pages.
// The returned func stops it.
func watch(ctx context.Context, cr *crawler.Crawler, db store.Archive, runID int64, prev finarchive.RunCounts, report func(Progress)) func() {
	untrack := func() {}
	if t, ok := db.(store.CountsTracker); ok {
		// The counts go in with the pages too: a kill loses none of them.
		untrack = t.TrackCounts(runID, func() finarchive.RunCounts { return AddCounts(prev, cr.Counts()) })
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		lastSave, lastQueue := time.Now(), time.Time{}
		queued := 0
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if report != nil {
				p := cr.Progress()
				if time.Since(lastQueue) >= time.Second {
					if n, _, err := db.Pending(ctx, runID); err == nil {
						queued = n
					}
					lastQueue = time.Now()
				}
				report(Progress{RunID: runID, Fetched: p.Fetched, Articles: p.Articles, Queued: queued, Errors: p.Errors,
					Rate: float64(p.Fetched) / max(p.Elapsed.Seconds(), 0.001), Elapsed: p.Elapsed})
			}
			if time.Since(lastSave) >= 3*time.Second {
				_ = db.UpdateRunCounts(context.WithoutCancel(ctx), runID, AddCounts(prev, cr.Counts()))
				lastSave = time.Now()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		untrack()
	}
}

// compactSearch rebuilds the search index when changed pages have left
// many stale rows in it (the index is append-only between rebuilds).
func compactSearch(ctx context.Context, db store.Archive, log *slog.Logger) {
	rows, stale, err := db.SearchIndexRows(ctx)
	if err != nil || stale < 1000 || stale*4 < rows {
		return
	}
	start := time.Now()
	if err := db.RebuildSearch(ctx); err != nil {
		log.Warn("rebuild search index", "err", err)
		return
	}
	log.Info("search index rebuilt", "stale_rows", stale, "took", time.Since(start).Round(time.Millisecond))
}

// LoadProfiles returns the built-in profiles merged with a user's file.
func LoadProfiles(path string) (*extract.Profiles, error) {
	p := extract.BuiltinProfiles()
	if path == "" {
		return p, nil
	}
	user, err := extract.LoadProfiles(path)
	if err != nil {
		return nil, err
	}
	return p.Merge(user), nil
}

// AddCounts returns the sum of two runs' counts (a resumed run's before
// and after).
func AddCounts(a, b finarchive.RunCounts) finarchive.RunCounts { return a.Add(b) }
