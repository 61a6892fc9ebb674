package main

import (
	"context"
	"strings"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawlrun"
	"github.com/spf13/cobra"
)

// scheduleFlags are the options of `schedule`: a crawl's, plus when.
type scheduleFlags struct {
	crawlFlags
	every    crawler.Duration
	cron     string
	tz       string
	jitter   crawler.Duration
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
	fl.Var(&f.every, "every", "run a crawl at this interval (e.g. 6h, 24h, 7d)")
	fl.StringVar(&f.cron, "cron", "", `run a crawl on this cron expression (e.g. "30 3 * * *", "CRON_TZ=Asia/Shanghai 0 */6 * * *", @daily)`)
	fl.StringVar(&f.tz, "tz", "", "time zone of --cron (e.g. Asia/Shanghai; default: local time)")
	fl.Var(&f.jitter, "jitter", "delay each start by a random time up to this (default: 10% of the interval, at most 5m)")
	fl.StringVar(&f.config, "config", "", "YAML file listing the sites to crawl, each on its own schedule (see README.md: schedule)")
	fl.IntVar(&f.maxRuns, "max-runs", 0, "exit after this many scheduled slots per site, skipped ones included (0 = run until stopped)")
	fl.BoolVar(&f.lockWait, "wait", false, "when another process crawls a database, wait for it instead of skipping the slot")
	// Scheduled runs are adaptive: that is what makes a daily run cheap.
	_ = fl.Set("adaptive", "true")
	fl.Lookup("adaptive").DefValue = "true"
	// No "(default 0s)" in help: every has none, jitter's is said.
	fl.Lookup("every").DefValue, fl.Lookup("jitter").DefValue = "0", "0"
	return cmd
}

// baseSite returns the site the flags describe; with --config it gives the
// values of the fields that neither the file's defaults nor a site sets.
func (f *scheduleFlags) baseSite(cmd *cobra.Command, args []string) siteConfig {
	s := siteConfig{Seeds: args, DB: f.db, Every: f.every, Cron: f.cron, TZ: f.tz, Config: f.cfg}
	if cmd.Flags().Changed("jitter") {
		j := f.jitter
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
	d := &crawlrun.Daemon{Gate: gate, MaxRuns: f.maxRuns, LockWait: f.lockWait, Log: a.log}
	runs := make([]crawlrun.Site, 0, len(sites))
	for i := range sites {
		site, err := sites[i].site()
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		runs = append(runs, site)
	}
	d.Run(ctx, runs)
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
