package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawlrun"
	"github.com/finarchive/finarchive/testsite"
	"github.com/spf13/cobra"
)

type demoFlags struct {
	db       string
	articles int
	keep     bool
}

func newDemoCmd(a *app) *cobra.Command {
	f := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo [--db PATH|URL]",
		Short: "Crawl the bundled demo site on 127.0.0.1 (no network needed)",
		Long: `Demo starts the bundled finance-info test site on a free loopback port, crawls
it into a local archive, and prints the crawl summary and one record.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.demo(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.db, "db", "finarchive-demo.db", dbFlagHelp)
	cmd.Flags().IntVar(&f.articles, "articles", 60, "articles on the demo site")
	cmd.Flags().BoolVar(&f.keep, "serve", false, "keep the demo site running after the crawl until interrupted")
	return cmd
}

func (a *app) demo(ctx context.Context, f *demoFlags) error {
	site := testsite.New(testsite.Options{Articles: f.articles})
	base, err := site.Start()
	if err != nil {
		return fmt.Errorf("demo: start site: %w", err)
	}
	defer site.Close()
	fmt.Fprintf(a.stdout, "demo site listening on %s\n", base)

	db, closeDB, err := a.openLocked(ctx, f.db, true)
	if err != nil {
		return err
	}
	defer closeDB()

	cfg := crawler.DefaultConfig()
	cfg.Delay = 0 // our own server on loopback
	cfg.Parallelism = 4
	cfg.MaxRetries = 1
	cfg.BackoffBase = crawler.Duration(100 * time.Millisecond)
	cfg.Timeout = crawler.Duration(5 * time.Second)
	job := crawlrun.Job{DB: db, Config: cfg, Seeds: []string{base + "/"}, Log: a.log}
	stop := a.progressLine(&job, isTerminal(a.stderr) && !a.quiet)
	res, err := crawlrun.Run(ctx, job)
	stop()
	if res != nil {
		printCounts(a.stdout, res, dbName(f.db))
	}
	if err != nil && res == nil {
		return err
	}
	urls := site.ArticleURLs(base)
	if len(urls) > 0 {
		rec, err := db.Get(ctx, urls[0])
		if err == nil {
			fmt.Fprintf(a.stdout, "\none record (%s):\n", urls[0])
			b, _ := json.MarshalIndent(rec, "", "  ")
			fmt.Fprintln(a.stdout, string(b))
		}
	}
	fmt.Fprintf(a.stdout, "\narchive: %s — try: finarchive export --db %s --format jsonl | head -n 2\n", dbName(f.db), shellQuote(dbName(f.db)))
	if f.keep {
		fmt.Fprintf(a.stdout, "demo site still serving on %s; Ctrl-C to stop\n", base)
		<-ctx.Done()
	}
	return err // the demo site's deliberate 404s, loop and oversize page are results, not errors
}
