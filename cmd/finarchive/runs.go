package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/backend"
	"github.com/spf13/cobra"
)

type runsFlags struct {
	db      string
	jsonOut bool
	limit   int
}

// runEntry is the JSON form of one run in `finarchive runs --json`.
type runEntry struct {
	ID          int64          `json:"id"`
	StartedAt   time.Time      `json:"started_at"`
	FinishedAt  *time.Time     `json:"finished_at"`
	Status      string         `json:"status"`
	Fetched     int            `json:"fetched"`
	New         int            `json:"new"`
	Changed     int            `json:"changed"`
	Unchanged   int            `json:"unchanged"`
	NotModified int            `json:"not_modified"`
	Failed      int            `json:"failed"`
	Skipped     int            `json:"skipped"`
	Gone        int            `json:"gone"`
	Deferred    int            `json:"deferred"`
	Removed     int            `json:"removed"`
	Bytes       int64          `json:"bytes"`
	Seeds       []string       `json:"seeds"`
	Error       string         `json:"error,omitempty"`
	FailedBy    map[string]int `json:"failed_by,omitempty"`
	GoneBy      map[string]int `json:"gone_by,omitempty"`
}

func newRunsCmd(a *app) *cobra.Command {
	f := &runsFlags{}
	cmd := &cobra.Command{
		Use:     "runs [--db PATH|URL] [--json]",
		Short:   "List crawl runs, newest first",
		Example: "  finarchive runs --db finarchive.db\n  finarchive runs --json | jq '.[0]'",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.runs(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.db, "db", "finarchive.db", dbFlagHelp)
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	cmd.Flags().IntVar(&f.limit, "limit", 0, "show at most this many runs (0 = all)")
	return cmd
}

func (a *app) runs(ctx context.Context, f *runsFlags) error {
	if f.limit < 0 {
		return &usageError{msg: fmt.Sprintf("--limit %d: want a number of runs, or 0 for all", f.limit)}
	}
	db, err := a.openExisting(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	runs, err := db.Runs(ctx)
	if err != nil {
		return err
	}
	if f.limit > 0 && len(runs) > f.limit {
		runs = runs[:f.limit]
	}
	entries := make([]runEntry, 0, len(runs))
	for _, r := range runs {
		e := runEntry{ID: r.ID, StartedAt: r.StartedAt, Status: r.Status, Fetched: r.Fetched, New: r.New,
			Changed: r.Changed, Unchanged: r.Unchanged, NotModified: r.NotModified, Failed: r.Failed,
			Skipped: r.Skipped, Gone: r.Gone, Deferred: r.Deferred, Removed: r.Removed, Bytes: r.Bytes, Seeds: r.Seeds,
			Error: r.Error, FailedBy: r.FailedBy, GoneBy: r.GoneBy}
		if !r.FinishedAt.IsZero() {
			t := r.FinishedAt
			e.FinishedAt = &t
		}
		entries = append(entries, e)
	}
	if f.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tDURATION\tSTATUS\tFETCHED\tNEW\tCHANGED\tUNCHANGED\t304\tGONE\tFAILED\tERROR")
	for _, e := range entries {
		dur := "-"
		if e.FinishedAt != nil {
			dur = e.FinishedAt.Sub(e.StartedAt).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", e.ID, e.StartedAt.Local().Format("2006-01-02 15:04:05"),
			dur, e.Status, e.Fetched, e.New, e.Changed, e.Unchanged, e.NotModified, e.Gone, e.Failed, e.Error)
	}
	return tw.Flush()
}

// openExisting opens an archive read-only, with a clear error when the
// file is not there (instead of creating an empty one). A PostgreSQL
// database is opened in read-only transactions.
func (a *app) openExisting(ctx context.Context, target string) (store.Archive, error) {
	if err := checkExists(target); err != nil {
		return nil, err
	}
	db, err := backend.OpenReadOnly(ctx, target, store.WithLogger(a.log))
	if err != nil && backend.IsPostgres(target) {
		return nil, err // pgstore's message names the database
	}
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", target, err)
	}
	return db, nil
}
