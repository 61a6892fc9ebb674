package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/finarchive/finarchive/warc"
	"github.com/spf13/cobra"
)

type importFlags struct {
	db, profile string
	wait, json  bool
}

func newImportCmd(a *app) *cobra.Command {
	f := &importFlags{}
	cmd := &cobra.Command{
		Use:   "import --db PATH|URL FILE.warc[.gz]|FILE.wacz",
		Short: "Read the HTML responses of a WARC or WACZ into the archive",
		Long: `Import reads a WARC (plain or gzip) or a WACZ made by finarchive or another
tool (wget --warc-file, Browsertrix, Heritrix) into the archive as a run of its
own: each HTML response is extracted and stored as if crawled (history, search,
reader, raw response), revisit records count as fetches of what is stored, and
no request is made. A truncated or corrupt record is reported and skipped; the
rest is imported (exit code 3 when some were skipped).`,
		Example: `  finarchive import --db finarchive.db crawl.warc.gz
  finarchive import --db new.db --json export.wacz`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.importWARC(cmd.Context(), f, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "finarchive.db", dbFlagHelp+" (created if missing)")
	fl.StringVar(&f.profile, "profile", "", "site profiles file (YAML or JSON)")
	fl.BoolVar(&f.wait, "wait", false, "wait for a running crawl of the database to end")
	fl.BoolVar(&f.json, "json", false, "print the summary as JSON")
	return cmd
}

func (a *app) importWARC(ctx context.Context, f *importFlags, file string) error {
	profiles, err := loadProfiles(f.profile)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	if err := warc.Check(file); err != nil {
		var nw *warc.NotArchiveError
		if errors.As(err, &nw) {
			return &usageError{msg: "import: " + nw.Error()}
		}
		return err
	}
	db, closeDB, err := a.openLocked(ctx, f.db, f.wait)
	if err != nil {
		return err
	}
	defer closeDB()
	runID, st, err := warc.Import(ctx, db, file, warc.ImportOptions{Profiles: profiles, Logger: a.log})
	if err != nil && ctx.Err() != nil && runID != 0 {
		fmt.Fprintf(a.stdout, "import of %s interrupted: run %d keeps the %d records read (%d new, %d changed); import the file again to finish it\n",
			file, runID, st.Records, st.New, st.Changed)
	}
	if err != nil {
		return err
	}
	if f.json {
		out := struct {
			RunID int64 `json:"run_id"`
			warc.ImportStats
		}{runID, st}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(a.stdout, string(b))
	} else {
		fmt.Fprintf(a.stdout, "imported %s as run %d: %d records, %d responses, %d revisits: %d new, %d changed, %d unchanged, %d not modified, %d removed, %d gone, %d skipped, %d corrupt\n",
			file, runID, st.Records, st.Responses, st.Revisits, st.New, st.Changed, st.Unchanged, st.NotModified, st.Removed, st.Gone, st.Skipped, st.Corrupt)
		for _, code := range slices.Sorted(maps.Keys(st.GoneBy)) {
			fmt.Fprintf(a.stdout, "  gone %-25s %d\n", code, st.GoneBy[code])
		}
		reasons := make([]string, 0, len(st.SkippedBy))
		for r := range st.SkippedBy {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			fmt.Fprintf(a.stdout, "  skipped %-22s %d\n", r, st.SkippedBy[r])
		}
		for _, p := range st.Problems {
			fmt.Fprintf(a.stdout, "  corrupt: %s\n", p)
		}
	}
	if st.Corrupt > 0 {
		return withCode(exitPartial, fmt.Errorf("%d record(s) could not be read and were skipped", st.Corrupt))
	}
	return nil
}
