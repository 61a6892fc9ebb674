package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawlrun"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/backend"
	"github.com/spf13/cobra"
)

// scheduleFlags are the options of `schedule`: a crawl's, plus when.
type scheduleFlags struct {
	crawlFlags
	every    time.Duration
	cron     string
	tz       string
	jitter   time.Duration
	config   string
	maxRuns  int
	lockWait bool
}

func newScheduleCmd(a *app) *cobra.Command {
	return newScheduleCmdFlags(a, &scheduleFlags{crawlFlags: crawlFlags{cfg: crawler.DefaultConfig()}})
}

func newScheduleCmdFlags(a *app, f *scheduleFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule [--db PATH|URL] (--every DURATION | --cron EXPR) [--config FILE] [URL...]",
		Short: "Re-crawl sites on a schedule (a daemon; stop it with Ctrl-C or SIGTERM)",
		Long: `Schedule runs incremental crawls of the seed URLs on a schedule, until it is
stopped: --every 24h, or a cron expression (--cron "30 3 * * *", five fields, an
optional leading seconds field, @daily, @every 6h; a time zone as a CRON_TZ=
prefix or with --tz Asia/Shanghai).

Each run is adaptive: an archived article is fetched again only when its revisit
is due. A page that changed at its last visits is revisited sooner, one that has
not changed for long less often, within --min-revisit and --max-revisit. New
pages are always fetched, and every page is revalidated with a conditional GET.

A config file (--config, YAML) lists several sites, each with its own seeds,
schedule, scope, rate limits, profile and database; they run side by side, and
requests to a host shared by several sites are limited together: at most the
strictest --parallelism in flight, and starts at least the longest --delay apart,
whichever site asks.

Each start is delayed by a random jitter (default 10% of the interval, at most
5m). A run that overruns its slot delays the next run instead of overlapping it;
slots missed while the daemon was down or the machine asleep give one catch-up
run, not a burst. A database crawled by another process (a cron job, a manual
crawl) is skipped for that slot ("skipped: ... locked by pid N"), or waited for
with --wait. Each run is in 'finarchive runs' and logs one line with its figures.

On SIGINT or SIGTERM the current crawls stop cleanly (their runs are marked
interrupted and the next run resumes them) and schedule exits 0.`,
		Example: `  finarchive schedule --db bank.db --every 24h https://www.example.com/
  finarchive schedule --db bank.db --cron "30 3 * * *" --tz Asia/Shanghai https://www.example.com/
  finarchive schedule --config /etc/finarchive/schedule.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.schedule(cmd.Context(), cmd, f, args)
		},
	}
	addCrawlFlags(cmd, &f.crawlFlags)
	fl := cmd.Flags()
	fl.DurationVar(&f.every, "every", 0, "run a crawl at this interval (e.g. 6h, 24h)")
	fl.StringVar(&f.cron, "cron", "", `run a crawl on this cron expression (e.g. "30 3 * * *", "CRON_TZ=Asia/Shanghai 0 */6 * * *", @daily)`)
	fl.StringVar(&f.tz, "tz", "", "time zone of --cron (e.g. Asia/Shanghai; default: local time)")
	fl.DurationVar(&f.jitter, "jitter", 0, "delay each start by a random time up to this (default: 10% of the interval, at most 5m)")
	fl.StringVar(&f.config, "config", "", "YAML file listing the sites to crawl, each on its own schedule (see README.md: schedule)")
	fl.IntVar(&f.maxRuns, "max-runs", 0, "exit after this many scheduled slots per site, skipped ones included (0 = run until stopped)")
	fl.BoolVar(&f.lockWait, "wait", false, "when another process crawls a database, wait for it instead of skipping the slot")
	// Scheduled runs are adaptive: that is what makes a daily run cheap.
	_ = fl.Set("adaptive", "true")
	fl.Lookup("adaptive").DefValue = "true"
	return cmd
}

// baseSite returns the site the flags describe; with --config it gives the
// values of the fields that neither the file's defaults nor a site sets.
func (f *scheduleFlags) baseSite(cmd *cobra.Command, args []string) siteConfig {
	s := siteConfig{Seeds: args, DB: f.db, Every: crawler.Duration(f.every), Cron: f.cron, TZ: f.tz, Config: f.cfg}
	if cmd.Flags().Changed("jitter") {
		j := crawler.Duration(f.jitter)
		s.Jitter = &j
	}
	return s
}

func (a *app) schedule(ctx context.Context, cmd *cobra.Command, f *scheduleFlags, args []string) error {
	base := f.baseSite(cmd, args)
	var sites []siteConfig
	if f.config != "" {
		if len(args) > 0 {
			return &usageError{msg: "schedule --config takes no URLs: list them as a site's seeds in the file"}
		}
		var err error
		if sites, err = loadScheduleFile(f.config, base); err != nil {
			return &usageError{msg: err.Error()}
		}
	} else {
		if len(args) == 0 {
			return &usageError{msg: "schedule needs seed URLs and --every or --cron, or --config FILE"}
		}
		base.Name = hostName(args[0])
		if field, err := base.check(); err != nil {
			return &usageError{msg: "--" + strings.Split(field, "/")[0] + ": " + err.Error()}
		}
		sites = []siteConfig{base}
	}
	if f.maxRuns < 0 {
		return &usageError{msg: "--max-runs must not be negative"}
	}

	// One gate for the whole daemon: sites sharing a host share its limits.
	gate := crawler.NewHostGate(f.cfg.Parallelism, time.Duration(f.cfg.Delay), time.Duration(f.cfg.RandomDelay))
	d := &daemon{app: a, gate: gate, maxRuns: f.maxRuns, lockWait: f.lockWait, dbMu: map[string]*sync.Mutex{}}
	jobs := make([]*siteJob, 0, len(sites))
	for i := range sites {
		j, err := d.prepare(&sites[i])
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		jobs = append(jobs, j)
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.loop(ctx, j)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		a.log.Info("schedule stopped", "reason", "signal")
	}
	return nil
}

func hostName(seed string) string {
	if n, err := crawler.Normalize(seed); err == nil {
		seed = n
	}
	if i := strings.Index(seed, "://"); i >= 0 {
		seed = seed[i+3:]
	}
	host, _, _ := strings.Cut(seed, "/")
	return host
}

// daemon runs the sites of one `schedule` process.
type daemon struct {
	app      *app
	gate     *crawler.HostGate
	maxRuns  int
	lockWait bool

	mu   sync.Mutex
	dbMu map[string]*sync.Mutex // sites sharing a database take turns
}

// siteJob is a site ready to run.
type siteJob struct {
	site     *siteConfig
	sched    schedule
	jitter   time.Duration
	cfg      crawler.Config
	profiles *extract.Profiles
	dbMu     *sync.Mutex
}

func (d *daemon) prepare(s *siteConfig) (*siteJob, error) {
	sched, err := s.schedule()
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", s.Name, err)
	}
	cfg := s.Config
	for _, h := range s.hosts() {
		d.gate.SetLimit(h, s.Parallelism, time.Duration(s.Delay), time.Duration(s.RandomDelay))
	}
	profiles, err := loadProfiles(s.Profile)
	if err != nil {
		return nil, fmt.Errorf("site %s: profile: %w", s.Name, err)
	}
	key := s.DB // a PostgreSQL URL as written
	if !backend.IsPostgres(s.DB) {
		if abs, err := filepath.Abs(s.DB); err == nil {
			key = abs
		}
	}
	d.mu.Lock()
	mu := d.dbMu[key]
	if mu == nil {
		mu = &sync.Mutex{}
		d.dbMu[key] = mu
	}
	d.mu.Unlock()
	return &siteJob{site: s, sched: sched, jitter: s.jitter(sched), cfg: cfg, profiles: profiles, dbMu: mu}, nil
}

// wallNow is the wall-clock time without its monotonic reading, so waits
// notice time that passed while the machine slept.
func wallNow() time.Time { return time.Now().Round(0) }

// maxSleep bounds one timer wait: a timer does not run while the machine is
// suspended, so the wall clock is checked at least this often.
const maxSleep = 30 * time.Second

// sleepUntil waits until the wall clock reaches t or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	for {
		d := t.Sub(wallNow())
		if d <= 0 {
			return nil
		}
		timer := time.NewTimer(min(d, maxSleep))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// loop runs one site on its schedule until ctx ends or maxRuns slots.
//
// The rule: the next slot is sched.Next(the slot just run). If that slot
// has already passed when a run ends (the run overran) or when the daemon
// wakes (it was down, or the machine slept), one run starts at once and
// the following slot is counted from then: missed slots are never run one
// after the other.
func (d *daemon) loop(ctx context.Context, j *siteJob) {
	log := d.app.log.With("site", j.site.Name)
	slot := d.firstSlot(ctx, j, log)
	log.Info("scheduled", "schedule", j.sched.String(), "db", dbName(j.site.DB), "next", slot.Format(time.RFC3339),
		"jitter", j.jitter)
	for n := 0; d.maxRuns == 0 || n < d.maxRuns; n++ {
		start := slot
		if j.jitter > 0 {
			start = start.Add(rand.N(j.jitter))
		}
		if sleepUntil(ctx, start) != nil {
			return
		}
		var missed bool
		if slot, missed = catchUp(slot, start, wallNow()); missed {
			log.Warn("missed slot (daemon stopped or machine asleep): one catch-up run", "slot", start.Format(time.RFC3339))
		}
		d.runOnce(ctx, j, log)
		if ctx.Err() != nil {
			return
		}
		var overran bool
		if slot, overran = nextSlot(j.sched, slot, wallNow()); overran {
			log.Warn("run overran its next slot: the next run starts now, after it")
		}
	}
}

// lateTolerance is how late a wake-up may be before its slot counts as
// missed (the machine slept, or the process was stopped).
const lateTolerance = time.Minute

// catchUp returns the slot a run that starts now stands for: its own when
// on time (start is the slot plus jitter), or now when the slot was missed,
// so the following slot is counted from now and missed ones are not run
// one after the other.
func catchUp(slot, start, now time.Time) (time.Time, bool) {
	if now.Sub(start) > lateTolerance {
		return now, true
	}
	return slot, false
}

// nextSlot returns the slot after a run of slot that ended at end: the
// schedule's next one, or end itself when that has already passed (the run
// overran it), so an overrunning run delays the next one instead of
// overlapping or stacking up runs.
func nextSlot(sched schedule, slot, end time.Time) (time.Time, bool) {
	next := sched.Next(slot)
	if !next.After(end) {
		return end, true
	}
	return next, false
}

// firstSlot is when a site first runs: at once when it has no run in its
// database yet, when its last run did not finish (it is resumed), or when
// its schedule's slot after the last run has passed (one catch-up run);
// else that slot.
func (d *daemon) firstSlot(ctx context.Context, j *siteJob, log *slog.Logger) time.Time {
	now := wallNow()
	last, err := lastSiteRun(ctx, j.site)
	if err != nil || last.ID == 0 {
		return now
	}
	if crawlrun.Resumable(last.Status) {
		log.Info("last run did not finish: resuming it now", "run", last.ID, "status", last.Status)
		return now
	}
	next := j.sched.Next(last.StartedAt)
	if !next.After(now) {
		log.Info("missed slot since the last run: catch-up run", "last_run", last.StartedAt.Format(time.RFC3339),
			"missed", next.Format(time.RFC3339))
		return now
	}
	return next
}

// lastSiteRun returns the newest run with the site's seeds (zero when there
// is none or no database yet: no SQLite file, or a PostgreSQL database
// without the archive's tables).
func lastSiteRun(ctx context.Context, s *siteConfig) (finarchive.Run, error) {
	if checkExists(s.DB) != nil {
		return finarchive.Run{}, nil
	}
	db, err := backend.OpenReadOnly(ctx, s.DB)
	if err != nil {
		return finarchive.Run{}, err
	}
	defer db.Close()
	return lastSiteRunIn(ctx, db, s)
}

// lastSiteRunIn returns the newest run of db with the site's seeds (zero
// when there is none).
func lastSiteRunIn(ctx context.Context, db store.Archive, s *siteConfig) (finarchive.Run, error) {
	runs, err := db.Runs(ctx)
	if err != nil {
		return finarchive.Run{}, err
	}
	for _, r := range runs {
		if crawlrun.SameSeeds(r.Seeds, s.Seeds) {
			return r, nil
		}
	}
	return finarchive.Run{}, nil
}

// runOnce runs one crawl of a site and logs its line. Errors are logged,
// never returned: a failing site does not stop the others.
func (d *daemon) runOnce(ctx context.Context, j *siteJob, log *slog.Logger) {
	j.dbMu.Lock()
	defer j.dbMu.Unlock()
	if ctx.Err() != nil {
		return
	}
	s := j.site
	db, err := backend.Open(ctx, s.DB, store.WithLogger(d.app.log))
	if err != nil {
		log.Error("run failed", "err", err)
		return
	}
	defer db.Close()
	owner := fmt.Sprintf("finarchive schedule %s (pid %d)", s.Name, os.Getpid())
	release, err := db.Lock(ctx, owner, d.lockWait)
	if errors.Is(err, store.ErrLocked) {
		log.Warn("skipped: "+dbName(s.DB)+" "+lockedBy(err), "db", dbName(s.DB), "holder", err.Error())
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Error("run failed", "err", fmt.Errorf("lock %s: %w", dbName(s.DB), err))
		}
		return
	}
	defer release()

	job := crawlrun.Job{DB: db, Config: j.cfg, Seeds: s.Seeds, Profiles: j.profiles, Gate: d.gate, Log: d.app.log}
	if last, err := lastSiteRunIn(ctx, db, s); err == nil && crawlrun.Resumable(last.Status) {
		// We hold the lock, so a "running" run is one whose process died.
		log.Info("resuming unfinished run", "run", last.ID, "status", last.Status)
		job.Resume = true
	}
	res, err := crawlrun.Run(ctx, job)
	if res == nil {
		log.Error("run failed", "err", err)
		return
	}
	c := res.Counts
	attrs := []any{"run", res.RunID, "status", res.Status, "duration", res.Duration.Round(time.Millisecond),
		"fetched", c.Fetched, "new", c.New, "changed", c.Changed, "not_modified", c.NotModified,
		"gone", c.Gone, "failed", c.Failed, "deferred", c.Deferred, "bytes", c.Bytes}
	switch {
	case res.Status == finarchive.RunInterrupted:
		log.Info("run interrupted (resumed by the next run)", attrs...)
	case err != nil:
		log.Error("run", append(attrs, "err", err)...)
	default:
		log.Info("run", attrs...)
	}
}

var pidRE = regexp.MustCompile(`pid (\d+)`)

// lockedBy says who holds a database, from a Lock error.
func lockedBy(err error) string {
	if m := pidRE.FindStringSubmatch(err.Error()); m != nil {
		return "locked by pid " + m[1]
	}
	return "locked by another process"
}
