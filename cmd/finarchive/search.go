package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/finarchive/finarchive/store"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

type searchFlags struct {
	db      string
	jsonOut bool
	limit   int
	site    string
	since   string
	color   string
}

// searchEntry is the JSON form of one hit of `finarchive search --json`.
type searchEntry struct {
	URL       string     `json:"url"`
	Title     string     `json:"title"`
	Snippet   string     `json:"snippet"` // plain text, no marks
	Published *time.Time `json:"published"`
	Site      string     `json:"site"`
	Rank      float64    `json:"rank"`
}

func newSearchCmd(a *app) *cobra.Command {
	f := &searchFlags{}
	cmd := &cobra.Command{
		Use:   "search [--db PATH|URL] [--json] [--limit N] [--site HOST] [--since TIME] QUERY...",
		Short: "Full-text search of the archive's titles and bodies",
		Long: `Search finds archived articles whose title or body contains every word of the
query, best first (a match in the title ranks above matches in the body), and
shows each with a snippet around the match.

Chinese needs no spaces: a query of one character (卡), two (逾期) or more
(信用卡逾期) matches that exact run of characters; Latin words and numbers
match whole words, case-insensitively, and may be mixed in (U盾, ETC卡).
Words separated by spaces must all match; a query is at most ` +
			fmt.Sprintf("%d characters\nand %d words", store.MaxQueryRunes, store.MaxQueryTerms) +
			`. A query that starts with '-' follows --: search -- -信用卡.

On a terminal the matches are in colour; otherwise they are marked 【like
this】. --json prints url, title, snippet (plain text), published, site and
rank for each hit.`,
		Example: `  finarchive search --db bank.db 信用卡逾期
  finarchive search --db bank.db --site www.example.com --since 2024-01-01 U盾
  finarchive search --db bank.db --since 720h --json ETC卡 | jq -r '.[].url'
  finarchive search --db postgres:// 信用卡逾期      # the database the PG* variables name`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &usageError{msg: "search needs a query: finarchive search [flags] QUERY"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return a.search(cmd.Context(), f, args) },
	}
	// A query may start with '-' (a Chinese word after a dash, -信用卡): the
	// flag parser takes it for flags, so say how to pass it.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		var ne *pflag.NotExistError
		if errors.As(err, &ne) && ne.GetSpecifiedShortnames() != "" {
			return &usageError{msg: fmt.Sprintf("search: -%s is not a flag; a query starting with '-' must follow --: finarchive search -- -%s",
				ne.GetSpecifiedShortnames(), ne.GetSpecifiedShortnames())}
		}
		if errors.As(err, &ne) && ne.GetSpecifiedName() != "" {
			return &usageError{msg: fmt.Sprintf("search: --%s is not a flag; a query starting with '-' must follow --: finarchive search -- --%s",
				ne.GetSpecifiedName(), ne.GetSpecifiedName())}
		}
		return &usageError{msg: err.Error()}
	})
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "finarchive.db", dbFlagHelp)
	fl.BoolVar(&f.jsonOut, "json", false, "print JSON")
	fl.IntVar(&f.limit, "limit", 20, "show at most this many hits")
	fl.StringVar(&f.site, "site", "", "only articles of this site (its host name, e.g. www.example.com, or a URL on it)")
	fl.StringVar(&f.since, "since", "", "only articles published since: a date (2024-01-02), an RFC 3339 time or an age (720h), as in export")
	fl.StringVar(&f.color, "color", "auto", "highlight matches with colour: auto (on a terminal), always, never")
	return cmd
}

func (a *app) search(ctx context.Context, f *searchFlags, args []string) error {
	query := strings.TrimSpace(strings.Join(args, " "))
	if query == "" {
		return &usageError{msg: "search needs a query: finarchive search [flags] QUERY"}
	}
	if f.limit <= 0 {
		return &usageError{msg: "--limit must be at least 1"}
	}
	since, err := parseSince(f.since, time.Now())
	if err != nil {
		return &usageError{msg: "--since: " + err.Error()}
	}
	var color bool
	switch f.color {
	case "auto":
		color = isTerminal(a.stdout)
	case "always":
		color = true
	case "never":
	default:
		return &usageError{msg: fmt.Sprintf("--color %q: want auto, always or never", f.color)}
	}
	db, err := a.openExisting(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	site := siteFlag(f.site)
	a.warnUnknownSite(ctx, db, site)
	hits, err := db.Search(ctx, store.SearchOptions{Query: query, Limit: f.limit, Site: site, Since: since})
	var qe *store.QueryError
	if errors.As(err, &qe) {
		return &usageError{msg: qe.Error()}
	}
	if err != nil {
		return err
	}
	if f.jsonOut {
		out := make([]searchEntry, 0, len(hits))
		for _, h := range hits {
			out = append(out, searchEntry{URL: h.URL, Title: h.Title, Snippet: store.Highlight(h.Snippet, "", ""),
				Published: h.Published, Site: h.Site, Rank: h.Rank})
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	if len(hits) == 0 {
		fmt.Fprintf(a.stderr, "no articles match %q\n", query)
		return nil
	}
	printHits(a.stdout, hits, color)
	return nil
}

// ANSI styles of the terminal output.
const (
	ansiBold  = "\x1b[1m"
	ansiMatch = "\x1b[1;31m"
	ansiDim   = "\x1b[2m"
	ansiReset = "\x1b[0m"
)

// printHits writes the hits as a numbered list: title, site and date, URL,
// snippet. With color the title is bold and the matches bold red; without,
// the matches are marked 【…】.
func printHits(w io.Writer, hits []store.SearchHit, color bool) {
	for i, h := range hits {
		snip := strings.ReplaceAll(h.Snippet, store.MarkEnd+store.MarkStart, "")
		title := h.Title
		if title == "" {
			title = "(untitled)"
		}
		meta := h.Site
		if h.Published != nil {
			meta += " · " + h.Published.Format("2006-01-02")
		}
		if color {
			fmt.Fprintf(w, "%2d. %s%s%s  %s%s%s\n", i+1, ansiBold, title, ansiReset, ansiDim, meta, ansiReset)
			fmt.Fprintf(w, "    %s%s%s\n", ansiDim, h.URL, ansiReset)
			fmt.Fprintf(w, "    %s\n", store.Highlight(snip, ansiMatch, ansiReset))
		} else {
			fmt.Fprintf(w, "%2d. %s  [%s]\n", i+1, title, meta)
			fmt.Fprintf(w, "    %s\n", h.URL)
			fmt.Fprintf(w, "    %s\n", store.Highlight(snip, "【", "】"))
		}
		if i < len(hits)-1 {
			fmt.Fprintln(w)
		}
	}
}
