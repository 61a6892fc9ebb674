package crawlrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/backend"
	"github.com/robfig/cron/v3"

	_ "time/tzdata" // a time zone and CRON_TZ= work on hosts without a zoneinfo database
)

// Schedule is when a site is crawled.
type Schedule interface {
	// Next returns the first slot after t.
	Next(t time.Time) time.Time
	// String describes the schedule for the log.
	String() string
}

// everySchedule runs at a fixed interval.
type everySchedule time.Duration

func (e everySchedule) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }
func (e everySchedule) String() string             { return "every " + time.Duration(e).String() }

// cronSchedule runs on a cron expression.
type cronSchedule struct {
	expr  string
	sched cron.Schedule
}

func (c cronSchedule) Next(t time.Time) time.Time { return c.sched.Next(t) }
func (c cronSchedule) String() string             { return "cron " + strconv.Quote(c.expr) }

// cronParser reads standard 5-field expressions, an optional leading
// seconds field, descriptors (@daily, @every 1h) and a CRON_TZ=/TZ= prefix.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// NewSchedule returns a site's schedule: every, an interval, or expr, a
// cron expression read in the time zone tz ("": local time, or a CRON_TZ=
// prefix of expr); exactly one of every and expr.
func NewSchedule(every time.Duration, expr, tz string) (Schedule, error) {
	expr = strings.TrimSpace(expr)
	switch {
	case every < 0:
		return nil, fmt.Errorf("every: want a positive interval (got %s)", every)
	case every > 0 && expr != "":
		return nil, errors.New("give either every or cron, not both")
	case every > 0:
		if tz != "" {
			return nil, errors.New("tz applies to cron only")
		}
		return everySchedule(every), nil
	case expr == "":
		return nil, errors.New("no schedule: give every (e.g. 24h) or cron (e.g. \"30 3 * * *\")")
	}
	if tz != "" {
		if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
			return nil, errors.New("give the time zone either in tz or as a CRON_TZ= prefix, not both")
		}
		if _, err := time.LoadLocation(tz); err != nil {
			return nil, fmt.Errorf("unknown time zone %q: %w", tz, err)
		}
		expr = "CRON_TZ=" + tz + " " + expr
	}
	sched, err := cronParser.Parse(expr)
	if err != nil {
		if strings.Contains(err.Error(), "location") {
			return nil, fmt.Errorf("bad time zone in %q: %w", expr, err)
		}
		return nil, fmt.Errorf("bad cron expression %q: %w", expr, err)
	}
	if sched.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("cron expression %q never fires", expr)
	}
	return cronSchedule{expr: expr, sched: sched}, nil
}

// DefaultJitter is the largest random delay added to each start of a site
// that sets none: 10% of its schedule's interval, at most 5 minutes, so
// many daemons do not hit a site at the same second.
func DefaultJitter(sched Schedule) time.Duration {
	now := time.Now()
	first := sched.Next(now)
	interval := sched.Next(first).Sub(first)
	return min(interval/10, 5*time.Minute)
}

// Site is one site a Daemon runs: its seeds, database, schedule and crawl
// options.
type Site struct {
	Name     string
	Seeds    []string
	DB       string // a SQLite file or a postgres:// URL
	Schedule Schedule
	Jitter   time.Duration // each start is delayed by a random time up to this
	Config   crawler.Config
	// Profiles are the extraction profiles; nil loads the built-in ones
	// and Config.Profile.
	Profiles *extract.Profiles
}

// hosts returns the hosts the site crawls: its seeds' and the extra ones.
func (s *Site) hosts() []string {
	out := append([]string(nil), s.Config.Hosts...)
	for _, seed := range s.Seeds {
		if n, err := crawler.Normalize(seed); err == nil {
			if u, err := url.Parse(n); err == nil {
				out = append(out, u.Host)
			}
		}
	}
	return out
}

// Daemon runs sites on their schedules, side by side: the `schedule`
// command's life. Each run is a Run of its own (resumed when the last one
// did not finish); a run that overruns its slot delays the next one,
// slots missed while the daemon was down or the machine asleep give one
// catch-up run, sites sharing a database take turns, and a database
// locked by another process skips the slot (or is waited for, LockWait).
// Each run logs one line with its figures.
type Daemon struct {
	// Gate holds every site's per-host politeness: requests to a host
	// shared by several sites are limited together (the strictest
	// parallelism, the longest delay), whichever site asks.
	Gate     *crawler.HostGate
	MaxRuns  int  // slots per site, skipped ones included, before Run returns (0: until ctx ends)
	LockWait bool // wait for a database another process crawls instead of skipping the slot
	Log      *slog.Logger
}

// siteJob is a site with what its loop shares with the others.
type siteJob struct {
	site *Site
	dbMu *sync.Mutex // sites sharing a database take turns
}

// Run runs every site on its schedule until ctx ends or each has had
// MaxRuns slots. Errors are logged, never returned: a failing site does
// not stop the others.
func (d *Daemon) Run(ctx context.Context, sites []Site) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Gate == nil {
		d.Gate = crawler.NewHostGate(1, 0, 0)
	}
	dbMu := map[string]*sync.Mutex{}
	jobs := make([]siteJob, len(sites))
	for i := range sites {
		s := &sites[i]
		for _, h := range s.hosts() {
			d.Gate.SetLimit(h, s.Config.Parallelism, time.Duration(s.Config.Delay), time.Duration(s.Config.RandomDelay))
		}
		key := s.DB // a PostgreSQL URL as written
		if !backend.IsPostgres(s.DB) {
			if abs, err := filepath.Abs(s.DB); err == nil {
				key = abs
			}
		}
		if dbMu[key] == nil {
			dbMu[key] = &sync.Mutex{}
		}
		jobs[i] = siteJob{site: s, dbMu: dbMu[key]}
	}
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.loop(ctx, &jobs[i])
		}()
	}
	wg.Wait()
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
func (d *Daemon) loop(ctx context.Context, j *siteJob) {
	s := j.site
	log := d.Log.With("site", s.Name)
	slot := d.firstSlot(ctx, s, log)
	log.Info("scheduled", "schedule", s.Schedule.String(), "db", backend.Name(s.DB), "next", slot.Format(time.RFC3339),
		"jitter", s.Jitter)
	for n := 0; d.MaxRuns == 0 || n < d.MaxRuns; n++ {
		start := slot
		if s.Jitter > 0 {
			start = start.Add(rand.N(s.Jitter))
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
		if slot, overran = nextSlot(s.Schedule, slot, wallNow()); overran && (d.MaxRuns == 0 || n+1 < d.MaxRuns) {
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
func nextSlot(sched Schedule, slot, end time.Time) (time.Time, bool) {
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
func (d *Daemon) firstSlot(ctx context.Context, s *Site, log *slog.Logger) time.Time {
	now := wallNow()
	last, err := lastSiteRun(ctx, s)
	if err != nil || last.ID == 0 {
		return now
	}
	if Resumable(last.Status) {
		log.Info("last run did not finish: resuming it now", "run", last.ID, "status", last.Status)
		return now
	}
	next := s.Schedule.Next(last.StartedAt)
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
func lastSiteRun(ctx context.Context, s *Site) (finarchive.Run, error) {
	if !backend.IsPostgres(s.DB) {
		if _, err := os.Stat(s.DB); err != nil {
			return finarchive.Run{}, nil
		}
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
func lastSiteRunIn(ctx context.Context, db store.Archive, s *Site) (finarchive.Run, error) {
	runs, err := db.Runs(ctx)
	if err != nil {
		return finarchive.Run{}, err
	}
	for _, r := range runs {
		if SameSeeds(r.Seeds, s.Seeds) {
			return r, nil
		}
	}
	return finarchive.Run{}, nil
}

// runOnce runs one crawl of a site and logs its line. Errors are logged,
// never returned: a failing site does not stop the others.
func (d *Daemon) runOnce(ctx context.Context, j *siteJob, log *slog.Logger) {
	j.dbMu.Lock()
	defer j.dbMu.Unlock()
	if ctx.Err() != nil {
		return
	}
	s := j.site
	db, err := backend.Open(ctx, s.DB, store.WithLogger(d.Log))
	if err != nil {
		log.Error("run failed", "err", err)
		return
	}
	defer db.Close()
	owner := fmt.Sprintf("finarchive schedule %s (pid %d)", s.Name, os.Getpid())
	release, err := db.Lock(ctx, owner, d.LockWait)
	if errors.Is(err, store.ErrLocked) {
		log.Warn("skipped: "+backend.Name(s.DB)+" "+lockedBy(err), "db", backend.Name(s.DB), "holder", err.Error())
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Error("run failed", "err", fmt.Errorf("lock %s: %w", backend.Name(s.DB), err))
		}
		return
	}
	defer release()

	job := Job{DB: db, Config: s.Config, Seeds: s.Seeds, Profiles: s.Profiles, Gate: d.Gate, Log: d.Log}
	if last, err := lastSiteRunIn(ctx, db, s); err == nil && Resumable(last.Status) {
		// We hold the lock, so a "running" run is one whose process died.
		log.Info("resuming unfinished run", "run", last.ID, "status", last.Status)
		job.Resume = true
	}
	res, err := Run(ctx, job)
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

// lockedBy says who holds a database, from a Lock error.
func lockedBy(err error) string {
	var le *store.LockedError
	if errors.As(err, &le) {
		return "locked by pid " + strconv.Itoa(le.Holder.PID)
	}
	return "locked by another process"
}
