package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawlrun"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/backend"
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
	changed []string // crawl options set on the command line
}

func newCrawlCmd(a *app) *cobra.Command {
	f := &crawlFlags{cfg: crawler.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "crawl [flags] URL...",
		Short: "Crawl seed URLs into the archive (again: an incremental re-crawl)",
		Long: `Crawl fetches the seed URLs and follows links on the seeds' hosts, politely:
robots.txt is obeyed, and each host is kept at its limit on its own: two
requests to one host start at least --delay apart (robots.txt and sitemaps
included; a robots.txt Crawl-delay raises it, up to --max-crawl-delay), at most
--parallelism are in flight, and a host that pushes back (429, 503, a soft
block, Retry-After up to --max-retry-after) is parked alone. All hosts start at
once. Failures are retried with backoff. Article pages are extracted and
stored; home and list pages are only walked for links.

Dead links (404, 410) are results, not failures: the summary counts them, and
an archived article that answers one is marked removed. Exit status 3 means
some URLs failed with transient errors after every retry.

Crawling the same seeds again on the same database is an incremental re-crawl:
pages are fetched with If-None-Match / If-Modified-Since, and only pages whose
extracted content changed get a new revision.

A crawl killed at any moment continues with --resume.`,
		Example: `  finarchive crawl https://www.example.com/
  finarchive crawl --db bank.db --max-pages 500 --delay 2s https://www.example.com/zixun/
  finarchive crawl --db bank.db --resume
  finarchive crawl --db postgres://crawler@db.example/finarchive https://www.example.com/   # then: finarchive work on other machines`,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.changed = changedOptions(cmd.Flags())
			return a.crawl(cmd.Context(), f, args)
		},
	}
	addCrawlFlags(cmd, f)
	cmd.Flags().BoolVar(&f.resume, "resume", false, "continue the last interrupted crawl of --db with its stored seeds and options (no URLs or crawl options)")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "wait for another crawl of the same database to end instead of exiting")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print the summary as JSON")
	return cmd
}

func addCrawlFlags(cmd *cobra.Command, f *crawlFlags) {
	cmd.Flags().StringVar(&f.db, "db", "finarchive.db", dbFlagHelp)
	bindOptions(cmd.Flags(), &f.cfg)
}

// loadProfiles returns the built-in profiles merged with a user's file.
func loadProfiles(path string) (*extract.Profiles, error) { return crawlrun.LoadProfiles(path) }

func (a *app) crawl(ctx context.Context, f *crawlFlags, args []string) error {
	if f.resume && len(args) > 0 {
		return &usageError{msg: "--resume takes no URLs: the run's seeds are stored"}
	}
	if f.resume {
		// Not created: a mistyped --db leaves no empty archive behind.
		if err := checkExists(f.db); err != nil {
			return &usageError{msg: "nothing to resume: " + err.Error()}
		}
	}
	if f.resume && len(f.changed) > 0 {
		// Ignoring them would leave the user believing they apply.
		return &usageError{msg: fmt.Sprintf("--resume continues a run with the options it was started with: %s cannot be given with it (start a new crawl to change them)",
			strings.Join(f.changed, ", "))}
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

	job := crawlrun.Job{DB: db, Config: f.cfg, Seeds: args, Profiles: profiles, Resume: f.resume, Log: a.log}
	stop := a.progressLine(&job, isTerminal(a.stderr) && !a.quiet)
	res, err := crawlrun.Run(ctx, job)
	stop()
	if errors.Is(err, crawlrun.ErrNothingToResume) {
		return &usageError{msg: err.Error()}
	}
	if res != nil {
		a.printSummary(res, dbName(f.db), f.jsonOut)
	}
	if err != nil && res != nil && res.Status == finarchive.RunInterrupted && errors.Is(err, context.Canceled) {
		// A clean stop: the summary says so, and how to resume.
		return withCode(exitInterrupted, errors.Join(errSilent, err))
	}
	if err != nil {
		return err
	}
	if res.Counts.Failed > 0 {
		return withCode(exitPartial, fmt.Errorf("%d URL(s) failed with transient errors after every retry; see the summary (they are retried on the next run)", res.Counts.Failed))
	}
	return nil
}

// openLocked opens the archive for writing and takes its crawl lock,
// waiting for another holder or not. The returned func releases the lock
// and closes the archive.
func (a *app) openLocked(ctx context.Context, path string, wait bool) (store.Archive, func(), error) {
	db, err := backend.Open(ctx, path, store.WithLogger(a.log))
	if err != nil {
		return nil, nil, err
	}
	owner := fmt.Sprintf("finarchive (pid %d)", os.Getpid())
	release, err := db.Lock(ctx, owner, wait)
	if err != nil {
		db.Close()
		if errors.Is(err, store.ErrLocked) {
			return nil, nil, withCode(exitLocked, fmt.Errorf("%s is being crawled by another process: %w (pass --wait to wait for it)", dbName(path), err))
		}
		return nil, nil, err
	}
	return db, func() { _ = release(); db.Close() }, nil
}

// progressLine makes job draw a live line on a terminal, or log a line
// every 10 s. The returned func ends the line.
func (a *app) progressLine(job *crawlrun.Job, live bool) func() {
	var bar *progressbar.ProgressBar
	if live {
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(a.stderr), progressbar.OptionSpinnerType(14),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetElapsedTime(true))
	}
	lastLog := time.Now()
	job.Progress = func(p crawlrun.Progress) {
		line := fmt.Sprintf("pages %d · articles %d · queued %d · errors %d · %.1f pages/s",
			p.Fetched, p.Articles, p.Queued, p.Errors, p.Rate)
		if bar != nil {
			bar.Describe(line)
			_ = bar.Add(0)
		} else if time.Since(lastLog) >= 10*time.Second {
			a.log.Info("progress", "run", p.RunID, "pages", p.Fetched, "articles", p.Articles, "queued", p.Queued,
				"errors", p.Errors, "rate", fmt.Sprintf("%.1f/s", p.Rate))
			lastLog = time.Now()
		}
	}
	return func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}
}

func (a *app) printSummary(res *crawlrun.Result, dbPath string, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
		return
	}
	printCounts(a.stdout, res, dbPath)
}

func printCounts(w io.Writer, res *crawlrun.Result, dbPath string) {
	c := res.Counts
	fmt.Fprintf(w, "run #%d %s in %s\n", res.RunID, res.Status, res.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  fetched    %d pages (%s)\n", c.Fetched, humanBytes(c.Bytes))
	removed := ""
	if c.Removed > 0 {
		removed = fmt.Sprintf(", %d removed from the site (kept, marked removed)", c.Removed)
	}
	fmt.Fprintf(w, "  articles   %d new, %d changed, %d unchanged, %d not modified (304)%s\n", c.New, c.Changed, c.Unchanged, c.NotModified, removed)
	fmt.Fprintf(w, "  skipped    %d%s\n", c.Skipped, byReason(c.SkippedBy))
	fmt.Fprintf(w, "  gone       %d%s\n", c.Gone, byReason(c.GoneBy))
	fmt.Fprintf(w, "  failed     %d%s\n", c.Failed, byReason(c.FailedBy))
	if c.Deferred > 0 {
		fmt.Fprintf(w, "  deferred   %d (a host asked to wait longer than --max-retry-after: left for the next run)\n", c.Deferred)
	}
	if c.Dropped > 0 {
		fmt.Fprintf(w, "  given up   %d URL(s) failed %d runs in a row: no longer carried over to the next run\n", c.Dropped, store.MaxFailRuns)
	}
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
