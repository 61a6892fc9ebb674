package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/finarchive/finarchive/extract"
	"github.com/spf13/cobra"
)

type extractFlags struct {
	url, profile, contentType, fetchedAt string
}

func newExtractCmd(a *app) *cobra.Command {
	f := &extractFlags{}
	cmd := &cobra.Command{
		Use:   "extract [--url URL] FILE",
		Short: "Print the record of one saved HTML page as JSON (no database)",
		Long: `Extract reads a saved HTML page (or - for standard input) and prints the record
finarchive would archive for it, so a page can be checked by hand. The page's
charset is found like a browser does (BOM, --content-type, <meta>, detection).`,
		Example: `  finarchive extract --url https://www.example.com/zixun/123.html page.html
  curl -s https://www.example.com/a.html | finarchive extract --url https://www.example.com/a.html -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.extract(f, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "the page's URL (resolves links, names the site; default file://PATH)")
	fl.StringVar(&f.profile, "profile", "", "site profiles file (YAML or JSON)")
	fl.StringVar(&f.contentType, "content-type", "", "the Content-Type header the page was served with")
	fl.StringVar(&f.fetchedAt, "fetched-at", "", "when the page was fetched, for relative dates like 3天前 (RFC 3339; default now)")
	return cmd
}

func (a *app) extract(f *extractFlags, path string) error {
	var (
		raw []byte
		err error
	)
	if path == "-" {
		raw, err = io.ReadAll(a.stdin)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("extract: read %s: %w", path, err)
	}
	fetched := time.Now()
	if f.fetchedAt != "" {
		if fetched, err = time.Parse(time.RFC3339, f.fetchedAt); err != nil {
			return &usageError{msg: fmt.Sprintf("--fetched-at %q: want RFC 3339", f.fetchedAt)}
		}
	}
	profiles, err := loadProfiles(f.profile)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	u := f.url
	if u == "" {
		u = "file://" + path
	}
	rec, err := extract.ExtractBytes(raw, f.contentType, u, extract.Options{FetchedAt: fetched, Profiles: profiles})
	if err != nil {
		return fmt.Errorf("extract %s: %w", path, err)
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rec)
}
