package main

import (
	"context"
	"fmt"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	"github.com/spf13/cobra"
)

type reextractFlags struct {
	db, profile string
	wait        bool
}

func newReextractCmd(a *app) *cobra.Command {
	f := &reextractFlags{}
	cmd := &cobra.Command{
		Use:   "reextract [--db PATH] [--profile FILE]",
		Short: "Re-run extraction on the stored raw pages, fetching nothing",
		Long: `Reextract runs the extractor again on the raw response kept for every archived
page: after a profile change or an extractor improvement, the archive catches up
without a single request. Pages whose content changes get a new revision.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.reextract(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.db, "db", "finarchive.db", "SQLite archive file")
	cmd.Flags().StringVar(&f.profile, "profile", "", "site profiles file (YAML or JSON)")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "wait for a running crawl of the database to end")
	return cmd
}

func (a *app) reextract(ctx context.Context, f *reextractFlags) error {
	profiles, err := loadProfiles(f.profile)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	db, closeDB, err := a.openLocked(ctx, f.db, f.wait)
	if err != nil {
		return err
	}
	defer closeDB()
	counts := map[finarchive.SaveResult]int{}
	failed := 0
	err = db.RawPages(ctx, func(p store.RawPage) error {
		rec, err := extract.ExtractBytes(p.Raw, p.ContentType, p.URL, extract.Options{FetchedAt: p.FetchedAt, Profiles: profiles})
		if err != nil {
			a.log.Warn("reextract", "url", p.URL, "err", err)
			failed++
			return nil
		}
		rec.FetchedAt = p.FetchedAt
		res, err := db.Reextracted(ctx, p.URL, rec)
		if err != nil {
			return err
		}
		counts[res]++
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "reextracted %d pages: %d changed, %d unchanged, %d no longer articles, %d failed\n",
		counts[finarchive.SaveChanged]+counts[finarchive.SaveUnchanged]+counts[finarchive.SaveRejected]+counts[finarchive.SaveNone]+failed,
		counts[finarchive.SaveChanged], counts[finarchive.SaveUnchanged], counts[finarchive.SaveRejected]+counts[finarchive.SaveNone], failed)
	return nil
}
