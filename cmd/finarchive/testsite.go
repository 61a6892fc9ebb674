package main

import (
	"context"
	"fmt"
	"time"

	"github.com/finarchive/finarchive/testsite"
	"github.com/spf13/cobra"
)

type testsiteFlags struct {
	addr     string
	articles int
	delay    time.Duration
	version  int
}

// newTestsiteCmd serves the bundled test site alone, for benchmarks that
// measure a crawl in its own process and for trying flags by hand.
func newTestsiteCmd(a *app) *cobra.Command {
	f := &testsiteFlags{}
	cmd := &cobra.Command{
		Use:    "testsite [--addr 127.0.0.1:0] [--articles N]",
		Short:  "Serve the bundled finance-info test site until interrupted",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE:   func(cmd *cobra.Command, _ []string) error { return a.testsite(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:0", "address to listen on")
	cmd.Flags().IntVar(&f.articles, "articles", 60, "articles on the site")
	cmd.Flags().DurationVar(&f.delay, "delay", 0, "delay before every response")
	cmd.Flags().IntVar(&f.version, "version", 0, "content version (changes a tenth of the articles per step)")
	return cmd
}

func (a *app) testsite(ctx context.Context, f *testsiteFlags) error {
	site := testsite.New(testsite.Options{Articles: f.articles, Delay: f.delay})
	site.SetVersion(f.version)
	base, err := site.StartOn(f.addr)
	if err != nil {
		return fmt.Errorf("testsite: %w", err)
	}
	defer site.Close()
	fmt.Fprintln(a.stdout, base)
	<-ctx.Done()
	return nil
}
