package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// crawlFlags are the options of `crawl` (and of each site in `schedule`):
// the crawl options (bound by bindOptions) and the command's own.
type crawlFlags struct {
	db      string
	cfg     crawler.Config
	resume  bool
	wait    bool
	jsonOut bool
}

func newCrawlCmd(a *app) *cobra.Command {
	f := &crawlFlags{cfg: crawler.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "crawl [flags] URL...",
		Short: "Crawl seed URLs into the archive (again: an incremental re-crawl)",
		Long: `Crawl fetches the seed URLs and follows links on the seeds' hosts, politely:
robots.txt is obeyed, requests to one host are limited (--parallelism, --delay),
failures are retried with backoff and Retry-After is honoured. Article pages are
extracted and stored; home and list pages are only walked for links.

Crawling the same seeds again on the same database is an incremental re-crawl:
pages are fetched with If-None-Match / If-Modified-Since, and only pages whose
extracted content changed get a new revision.

A crawl killed at any moment continues with --resume.`,
		Example: `  finarchive crawl https://www.example.com/
  finarchive crawl --db bank.db --max-pages 500 --delay 2s https://www.example.com/zixun/
  finarchive crawl --db bank.db --resume`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.crawl(cmd.Context(), f, args)
		},
	}
	addCrawlFlags(cmd, f)
	cmd.Flags().BoolVar(&f.resume, "resume", false, "continue the last interrupted crawl of --db (no URLs needed)")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "wait for another crawl of the same database to end instead of exiting")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print the summary as JSON")
	return cmd
}

func addCrawlFlags(cmd *cobra.Command, f *crawlFlags) {
	cmd.Flags().StringVar(&f.db, "db", "finarchive.db", "SQLite archive file")
	bindOptions(cmd.Flags(), &f.cfg)
}

// loadProfiles returns the built-in profiles merged with a user's file.
func loadProfiles(path string) (*extract.Profiles, error) {
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

// crawlJob is one crawl to run: everything `crawl` and `schedule` share.
type crawlJob struct {
	db       *store.DB
	cfg      crawler.Config
	seeds    []string
	profiles *extract.Profiles
	resume   bool
	spec     store.RunSpec
	progress bool              // draw a live progress line
	gate     *crawler.HostGate // per-host politeness shared with other crawls; nil: none
}

// crawlResult is how a crawl ended.
type crawlResult struct {
	RunID    int64                `json:"run_id"`
	Status   string               `json:"status"`
	Seeds    []string             `json:"seeds"`
	Duration time.Duration        `json:"duration_ns"`
	Counts   finarchive.RunCounts `json:"counts"`
	Error    string               `json:"error,omitempty"`
}

func (a *app) crawl(ctx context.Context, f *crawlFlags, args []string) error {
	if f.resume && len(args) > 0 {
		return &usageError{msg: "--resume takes no URLs: the run's seeds are stored"}
	}
	if !f.resume && len(args) == 0 {
		return &usageError{msg: "crawl needs at least one seed URL (or --resume)"}
	}
	if err := f.cfg.Validate(); err != nil {
		return err
	}
	for _, s := range args {
		if _, err := crawler.Normalize(s); err != nil {
			return &usageError{msg: fmt.Sprintf("seed %q: %v", s, err)}
		}
	}
	profiles, err := loadProfiles(f.cfg.Profile)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	db, closeDB, err := a.openLocked(ctx, f.db, f.wait)
	if err != nil {
		return err
	}
	defer closeDB()

	job := &crawlJob{db: db, cfg: f.cfg, seeds: args, profiles: profiles, resume: f.resume,
		spec: store.RunSpec{Adaptive: f.cfg.Adaptive, MinRevisit: time.Duration(f.cfg.MinRevisit),
			MaxRevisit: time.Duration(f.cfg.MaxRevisit)},
		progress: isTerminal(a.stderr) && !a.quiet}
	res, err := a.runCrawl(ctx, job)
	if res != nil {
		a.printSummary(res, f.db, f.jsonOut)
	}
	if err != nil {
		return err
	}
	if res.Counts.Failed > 0 {
		return withCode(exitPartial, fmt.Errorf("%d URL(s) failed; see the summary (they are retried on the next run)", res.Counts.Failed))
	}
	return nil
}

// openLocked opens the archive for writing and takes its crawl lock,
// waiting for another holder or not. The returned func releases the lock
// and closes the archive.
func (a *app) openLocked(ctx context.Context, path string, wait bool) (*store.DB, func(), error) {
	db, err := store.Open(ctx, path, store.WithLogger(a.log))
	if err != nil {
		return nil, nil, err
	}
	owner := fmt.Sprintf("finarchive (pid %d)", os.Getpid())
	release, err := db.Lock(ctx, owner, wait)
	if err != nil {
		db.Close()
		if errors.Is(err, store.ErrLocked) {
			return nil, nil, withCode(exitLocked, fmt.Errorf("%s is being crawled by another process: %w (pass --wait to wait for it)", path, err))
		}
		return nil, nil, err
	}
	return db, func() { _ = release(); db.Close() }, nil
}

// runCrawl starts or resumes a run and crawls it to the end. The returned
// result is non-nil whenever a run was started, even on error.
func (a *app) runCrawl(ctx context.Context, job *crawlJob) (*crawlResult, error) {
	db, cfg := job.db, job.cfg
	var (
		runID int64
		prev  finarchive.RunCounts
		seeds = job.seeds
	)
	if job.resume {
		last, err := db.LastRun(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return nil, withCode(exitUsage, errors.New("nothing to resume: this database has no crawl run"))
		}
		if err != nil {
			return nil, err
		}
		if last.Status != finarchive.RunRunning && last.Status != finarchive.RunInterrupted {
			return nil, withCode(exitUsage, fmt.Errorf("nothing to resume: the last run (#%d) is %s; start a new crawl with its URLs", last.ID, last.Status))
		}
		if err := json.Unmarshal(last.Options, &cfg); err != nil {
			return nil, fmt.Errorf("resume run #%d: stored options: %w", last.ID, err)
		}
		cfg.Sitemaps = false // read when the run started
		if job.profiles == nil || cfg.Profile != "" {
			p, err := loadProfiles(cfg.Profile)
			if err != nil {
				return nil, fmt.Errorf("resume run #%d: %w", last.ID, err)
			}
			job.profiles = p
		}
		runID, seeds, prev = last.ID, last.Seeds, last.RunCounts
		if _, err := db.ResetInFlight(ctx, runID); err != nil {
			return nil, err
		}
		if err := db.ReopenRun(ctx, runID); err != nil {
			return nil, err
		}
		a.log.Info("resuming run", "run", runID, "seeds", strings.Join(seeds, " "))
	} else {
		opts, _ := json.Marshal(cfg)
		spec := job.spec
		spec.Seeds, spec.Options = seeds, opts
		prevRun, err := db.LastRun(ctx)
		id, err2 := db.StartRun(ctx, spec)
		if err2 != nil {
			return nil, err2
		}
		runID = id
		if err == nil {
			if _, err := db.CarryOverFailed(ctx, prevRun.ID, runID); err != nil {
				a.log.Warn("carry over failed URLs", "err", err)
			}
		}
		a.log.Info("crawl started", "run", runID, "seeds", strings.Join(seeds, " "))
	}

	cr, err := crawler.New(cfg, db, job.profiles, a.log)
	if err != nil {
		return nil, err
	}
	cr.UseGate(job.gate)
	start := time.Now()
	stopProgress := a.showProgress(ctx, cr, db, runID, prev, job.progress)
	counts, runErr := cr.Run(ctx, runID, seeds)
	stopProgress()
	counts = addCounts(prev, counts)

	res := &crawlResult{RunID: runID, Seeds: seeds, Duration: time.Since(start), Counts: counts}
	bg := context.WithoutCancel(ctx)
	switch {
	case runErr != nil && ctx.Err() != nil:
		res.Status = finarchive.RunInterrupted
		res.Error = "interrupted"
	case runErr != nil:
		res.Status, res.Error = finarchive.RunError, runErr.Error()
	case counts.Failed > 0:
		res.Status = finarchive.RunFailed
	default:
		res.Status = finarchive.RunFinished
	}
	if err := db.FinishRun(bg, runID, res.Status, counts, res.Error); err != nil {
		return res, err
	}
	if r, err := db.Run(bg, runID); err == nil {
		res.Counts = r.RunCounts // the article counts as committed with the pages
	}
	if res.Status == finarchive.RunFinished || res.Status == finarchive.RunFailed {
		// The run is over: drop its queue, keeping the failed URLs for the
		// next run to retry, so the file does not grow with every run.
		if _, err := db.DeleteFrontier(bg, runID); err != nil {
			a.log.Warn("drop finished run's frontier", "run", runID, "err", err)
		}
		compactSearch(bg, db, a.log)
	}
	if res.Status == finarchive.RunInterrupted {
		return res, withCode(exitInterrupted, errors.New("crawl interrupted"))
	}
	if runErr != nil {
		return res, runErr
	}
	return res, nil
}

// compactSearch rebuilds the search index when changed pages have left
// many stale rows in it (the index is append-only between rebuilds).
func compactSearch(ctx context.Context, db *store.DB, log *slog.Logger) {
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

func addCounts(a, b finarchive.RunCounts) finarchive.RunCounts {
	out := finarchive.RunCounts{Fetched: a.Fetched + b.Fetched, New: a.New + b.New, Changed: a.Changed + b.Changed,
		Unchanged: a.Unchanged + b.Unchanged, NotModified: a.NotModified + b.NotModified, Failed: a.Failed + b.Failed,
		Skipped: a.Skipped + b.Skipped, Bytes: a.Bytes + b.Bytes}
	merge := func(x, y map[string]int) map[string]int {
		if len(x)+len(y) == 0 {
			return nil
		}
		m := map[string]int{}
		for k, v := range x {
			m[k] += v
		}
		for k, v := range y {
			m[k] += v
		}
		return m
	}
	out.SkippedBy = merge(a.SkippedBy, b.SkippedBy)
	out.FailedBy = merge(a.FailedBy, b.FailedBy)
	return out
}

// showProgress draws a live line on a terminal, or logs a line every 10 s,
// and saves the run's counts every few seconds so a killed run keeps them.
func (a *app) showProgress(ctx context.Context, cr *crawler.Crawler, db *store.DB, runID int64, prev finarchive.RunCounts, live bool) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	var bar *progressbar.ProgressBar
	if live {
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(a.stderr), progressbar.OptionSpinnerType(14),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetElapsedTime(true))
	}
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		lastLog, lastSave, lastQueue := time.Now(), time.Now(), time.Time{}
		queued := 0
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			p := cr.Progress()
			if time.Since(lastQueue) >= time.Second {
				if n, _, err := db.Pending(ctx, runID); err == nil {
					queued = n
				}
				lastQueue = time.Now()
			}
			rate := float64(p.Fetched) / max(p.Elapsed.Seconds(), 0.001)
			line := fmt.Sprintf("pages %d · articles %d · queued %d · errors %d · %.1f pages/s",
				p.Fetched, p.Articles, queued, p.Errors, rate)
			if bar != nil {
				bar.Describe(line)
				_ = bar.Add(0)
			} else if time.Since(lastLog) >= 10*time.Second {
				a.log.Info("progress", "run", runID, "pages", p.Fetched, "articles", p.Articles, "queued", queued,
					"errors", p.Errors, "rate", fmt.Sprintf("%.1f/s", rate))
				lastLog = time.Now()
			}
			if time.Since(lastSave) >= 3*time.Second {
				_ = db.UpdateRunCounts(context.WithoutCancel(ctx), runID, addCounts(prev, cr.Counts()))
				lastSave = time.Now()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		if bar != nil {
			_ = bar.Finish()
		}
	}
}

func (a *app) printSummary(res *crawlResult, dbPath string, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
		return
	}
	printCounts(a.stdout, res, dbPath)
}

func printCounts(w io.Writer, res *crawlResult, dbPath string) {
	c := res.Counts
	fmt.Fprintf(w, "run #%d %s in %s\n", res.RunID, res.Status, res.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  fetched    %d pages (%s)\n", c.Fetched, humanBytes(c.Bytes))
	fmt.Fprintf(w, "  articles   %d new, %d changed, %d unchanged, %d not modified (304)\n", c.New, c.Changed, c.Unchanged, c.NotModified)
	fmt.Fprintf(w, "  skipped    %d%s\n", c.Skipped, byReason(c.SkippedBy))
	fmt.Fprintf(w, "  failed     %d%s\n", c.Failed, byReason(c.FailedBy))
	if res.Error != "" {
		fmt.Fprintf(w, "  error      %s\n", res.Error)
	}
	if res.Status == finarchive.RunInterrupted {
		fmt.Fprintf(w, "resume with: finarchive crawl --db %s --resume\n", shellQuote(dbPath))
	}
}

func byReason(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"\\$`!*?;&|<>(){}[]#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
