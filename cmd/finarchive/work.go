package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawlrun"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/backend"
	"github.com/finarchive/finarchive/store/pgstore"
	"github.com/spf13/cobra"
)

// workFlags are the options of `work`.
type workFlags struct {
	db      string
	follow  bool
	lease   time.Duration
	poll    time.Duration
	jsonOut bool
}

func newWorkCmd(a *app) *cobra.Command {
	f := &workFlags{}
	cmd := &cobra.Command{
		Use:   "work --db postgres://… [--follow]",
		Short: "Work the running crawl(s) of a PostgreSQL archive beside their crawl: one more crawl worker",
		Long: `Work joins the running crawl(s) of a PostgreSQL archive (runs with status
running, started by finarchive crawl) and fetches their URLs beside the crawl
and any other workers, on this machine or others, until their frontier is
empty; with --follow it then waits for new runs. Each run is crawled with the
options its crawl was started with (sitemaps are the crawl's to read).

URLs are claimed from the shared frontier with a lease: a worker that dies has
its URLs handed out again once the lease runs out (--lease), and a worker whose
lease ran out writes nothing. Politeness is the run's, across every process:
each host's gap between request starts and its cap on requests in flight hold
for all workers together, so ten workers are exactly as polite as one. The
crawl that started the run finishes it once nothing is queued or in flight;
the run's counts are the sum of every process's.

A SQLite archive is crawled by one process: work needs PostgreSQL.`,
		Example: `  finarchive crawl --db postgres://crawler@db.example/finarchive https://www.example.com/ &
  finarchive work --db postgres://crawler@db.example/finarchive
  finarchive work --db postgres:// --follow     # PG* variables name the database`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.work(cmd.Context(), f)
		},
	}
	cmd.Flags().StringVar(&f.db, "db", "", dbFlagHelp+"; work needs PostgreSQL")
	cmd.Flags().BoolVar(&f.follow, "follow", false, "when no crawl is running, wait for new ones instead of exiting")
	cmd.Flags().DurationVar(&f.lease, "lease", time.Minute, "how long a claimed URL stays this worker's without renewal (renewed every third of it); a dead worker's URLs are handed out again this long after")
	cmd.Flags().DurationVar(&f.poll, "poll", 2*time.Second, "with --follow: how often to look for new runs")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print each run's summary as a JSON line")
	return cmd
}

// errWorkNeedsPG is the usage error of work on a SQLite archive.
const errWorkNeedsPG = "work needs a PostgreSQL archive (--db postgres://… or postgresql://…): a SQLite archive is crawled by one process (finarchive crawl)"

// workResult is what one worker did on one run.
type workResult struct {
	RunID    int64                `json:"run_id"`
	Worker   string               `json:"worker"`
	Duration time.Duration        `json:"duration_ns"`
	Counts   finarchive.RunCounts `json:"counts"`
	Status   string               `json:"run_status"` // the run's status when the worker left it
}

func (a *app) work(ctx context.Context, f *workFlags) error {
	if f.db == "" {
		return &usageError{msg: "work needs --db postgres://…"}
	}
	if !backend.IsPostgres(f.db) {
		return &usageError{msg: errWorkNeedsPG}
	}
	if f.lease < 3*time.Second {
		return &usageError{msg: fmt.Sprintf("--lease %s: at least 3s", f.lease)}
	}
	if f.poll <= 0 {
		return &usageError{msg: "--poll must be positive"}
	}
	arch, err := backend.Open(ctx, f.db, store.WithLogger(a.log))
	if err != nil {
		return err
	}
	defer arch.Close()
	db, ok := arch.(*pgstore.DB)
	if !ok {
		return &usageError{msg: errWorkNeedsPG}
	}
	db.SetLease(f.lease)
	worked := map[int64]bool{}
	announced := false
	for {
		runs, err := db.Runs(ctx)
		if err != nil {
			return err
		}
		var todo []finarchive.Run
		for _, r := range runs {
			if r.Status == finarchive.RunRunning && !worked[r.ID] {
				todo = append(todo, r)
			}
		}
		slices.Reverse(todo) // oldest first
		if len(todo) == 0 {
			if !f.follow {
				if len(worked) == 0 {
					a.log.Info("no running crawl to work on", "db", dbName(f.db))
				}
				return nil
			}
			if !announced {
				a.log.Info("waiting for crawls to work on", "db", dbName(f.db), "poll", f.poll)
				announced = true
			}
			if err := sleepCtx(ctx, f.poll); err != nil {
				return err
			}
			continue
		}
		announced = false
		for _, r := range todo {
			res, err := a.workRun(ctx, db, r)
			worked[r.ID] = true
			if res != nil {
				a.printWork(res, f.jsonOut)
			}
			if err != nil {
				return err
			}
		}
	}
}

// workRun works one run until its frontier is empty (nothing queued or in
// flight in any process), the run stops running, or ctx ends.
func (a *app) workRun(ctx context.Context, db *pgstore.DB, r finarchive.Run) (*workResult, error) {
	cfg := crawler.DefaultConfig()
	if err := json.Unmarshal(r.Options, &cfg); err != nil {
		return nil, fmt.Errorf("work run #%d: stored options: %w", r.ID, err)
	}
	cfg.Sitemaps = false // the crawl that started the run reads them
	profiles, err := crawlrun.LoadProfiles(cfg.Profile)
	if err != nil {
		return nil, fmt.Errorf("work run #%d: %w", r.ID, err)
	}
	cr, err := crawler.New(cfg, db, profiles, a.log)
	if err != nil {
		return nil, fmt.Errorf("work run #%d: %w", r.ID, err)
	}
	a.log.Info("working run", "run", r.ID, "worker", db.Owner(), "seeds", len(r.Seeds),
		"delay", cfg.Delay.String(), "parallelism", cfg.Parallelism)
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	status := finarchive.RunRunning
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		// Save this worker's counts every second, and leave when the run
		// stops running (its crawl was interrupted or failed).
		defer close(watched)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			bg := context.WithoutCancel(ctx)
			if err := db.UpdateRunCounts(bg, r.ID, cr.Counts()); err != nil {
				a.log.Warn("save worker counts", "run", r.ID, "err", err)
			}
			if cur, err := db.Run(bg, r.ID); err == nil && cur.Status != finarchive.RunRunning {
				status = cur.Status
				cancel(errRunEnded)
				return
			}
		}
	}()
	start := time.Now()
	_, runErr := cr.Run(rctx, r.ID, r.Seeds)
	close(done)
	<-watched
	res := &workResult{RunID: r.ID, Worker: db.Owner(), Duration: time.Since(start), Counts: cr.Counts(), Status: status}
	if err := db.UpdateRunCounts(context.WithoutCancel(ctx), r.ID, res.Counts); err != nil {
		a.log.Warn("save worker counts", "run", r.ID, "err", err)
	}
	if cur, err := db.Run(context.WithoutCancel(ctx), r.ID); err == nil {
		res.Status = cur.Status
	}
	switch {
	case runErr == nil:
	case ctx.Err() != nil:
		return res, ctx.Err()
	case errors.Is(context.Cause(rctx), errRunEnded):
		a.log.Info("run no longer running: left it", "run", r.ID, "status", status)
	default:
		return res, fmt.Errorf("work run #%d: %w", r.ID, runErr)
	}
	return res, nil
}

// errRunEnded stops a worker's crawl of a run that is no longer running.
var errRunEnded = errors.New("the run is no longer running")

func (a *app) printWork(res *workResult, asJSON bool) {
	if asJSON {
		_ = json.NewEncoder(a.stdout).Encode(res)
		return
	}
	c := res.Counts
	fmt.Fprintf(a.stdout, "worked run #%d (%s) for %s as %s\n", res.RunID, res.Status, res.Duration.Round(time.Millisecond), res.Worker)
	fmt.Fprintf(a.stdout, "  fetched    %d pages (%s)\n", c.Fetched, humanBytes(c.Bytes))
	fmt.Fprintf(a.stdout, "  articles   %d new, %d changed, %d unchanged, %d not modified (304)\n", c.New, c.Changed, c.Unchanged, c.NotModified)
	fmt.Fprintf(a.stdout, "  skipped    %d%s\n", c.Skipped, byReason(c.SkippedBy))
	fmt.Fprintf(a.stdout, "  gone       %d%s\n", c.Gone, byReason(c.GoneBy))
	fmt.Fprintf(a.stdout, "  failed     %d%s\n", c.Failed, byReason(c.FailedBy))
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
