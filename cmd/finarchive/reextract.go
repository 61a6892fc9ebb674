package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

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
		Use:   "reextract [--db PATH|URL] [--profile FILE]",
		Short: "Re-run extraction on the stored raw pages, fetching nothing",
		Long: `Reextract runs the extractor again on the raw response kept for every HTML page
fetched: after a profile change or an extractor improvement, the archive catches
up without a single request. Pages whose content changes get a new revision; a
page kept but not archived (typed list, home, search or error) that is an article
now is archived. The summary says how many pages changed type ("list→article 3").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.reextract(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.db, "db", "finarchive.db", dbFlagHelp)
	cmd.Flags().StringVar(&f.profile, "profile", "", "site profiles file (YAML or JSON)")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "wait for a running crawl of the database to end")
	return cmd
}

func (a *app) reextract(ctx context.Context, f *reextractFlags) error {
	profiles, err := loadProfiles(f.profile)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	if err := checkExists(f.db); err != nil {
		return err // reextract reads an archive: it makes none
	}
	db, closeDB, err := a.openLocked(ctx, f.db, f.wait)
	if err != nil {
		return err
	}
	defer closeDB()
	counts := map[finarchive.SaveResult]int{}
	failed, newly := 0, 0
	changes := typeChanges{}
	// The archived articles first, then the pages kept but not archived
	// (list, home, search, error): an article found among those is archived.
	walks := []struct {
		walk func(context.Context, func(store.RawPage) error) error
		save func(context.Context, string, *extract.Record) (finarchive.SaveResult, error)
	}{{db.RawPages, db.Reextracted}, {db.UnarchivedPages, db.ReextractedUnarchived}}
	for i, w := range walks {
		err = w.walk(ctx, func(p store.RawPage) error {
			rec, err := extract.ExtractBytes(p.Raw, p.ContentType, p.URL, extract.Options{FetchedAt: p.FetchedAt, Profiles: profiles})
			if err != nil {
				a.log.Warn("reextract", "url", p.URL, "err", err)
				failed++
				return nil
			}
			rec.FetchedAt = p.FetchedAt
			res, err := w.save(ctx, p.URL, rec)
			if err != nil {
				return err
			}
			changes.add(p.PageType, rec.PageType)
			if i == 1 {
				if res == finarchive.SaveNew {
					newly++
				}
				return nil
			}
			counts[res]++
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(a.stdout, "reextracted %d pages: %d changed, %d unchanged, %d no longer articles, %d newly archived, %d still not articles, %d failed; type changes: %s\n",
		counts[finarchive.SaveChanged]+counts[finarchive.SaveUnchanged]+counts[finarchive.SaveRejected]+counts[finarchive.SaveNone]+changes.others+failed,
		counts[finarchive.SaveChanged], counts[finarchive.SaveUnchanged], counts[finarchive.SaveRejected]+counts[finarchive.SaveNone], newly,
		changes.others-newly, failed, changes)
	return nil
}

// typeChanges counts the pages whose type changed on reextraction, by old
// and new type ("list→article 3").
type typeChanges struct {
	n      map[[2]extract.PageType]int
	others int // unarchived pages looked at
}

func (c *typeChanges) add(from, to extract.PageType) {
	if from != extract.PageArticle {
		c.others++
	}
	if to == "" {
		to = extract.PageArticle
	}
	if from == to {
		return
	}
	if c.n == nil {
		c.n = map[[2]extract.PageType]int{}
	}
	c.n[[2]extract.PageType{from, to}]++
}

// String lists the changes, the most frequent first: "list→article 3,
// article→list 1", or "none".
func (c typeChanges) String() string {
	if len(c.n) == 0 {
		return "none"
	}
	keys := make([][2]extract.PageType, 0, len(c.n))
	for k := range c.n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c.n[keys[i]] != c.n[keys[j]] {
			return c.n[keys[i]] > c.n[keys[j]]
		}
		return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s→%s %d", k[0], k[1], c.n[k])
	}
	return strings.Join(parts, ", ")
}
