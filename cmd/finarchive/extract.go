package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
	"github.com/spf13/cobra"
)

type extractFlags struct {
	url, profile, contentType, fetchedAt, body string
	maxBodySize                                crawler.ByteSize
}

func newExtractCmd(a *app) *cobra.Command {
	f := &extractFlags{maxBodySize: crawler.DefaultConfig().MaxBodySize}
	cmd := &cobra.Command{
		Use:   "extract [--url URL] FILE",
		Short: "Print the record of one saved HTML page as JSON (no database)",
		Long: `Extract reads a saved HTML page (or - for standard input) and prints the record
finarchive would archive for it, so a page can be checked by hand. The page's
charset is found like a browser does (BOM, --content-type, <meta>, detection).`,
		Example: `  finarchive extract --url https://www.example.com/zixun/123.html page.html
  finarchive extract --body markdown --url https://www.example.com/zixun/123.html page.html
  curl -s https://www.example.com/a.html | finarchive extract --url https://www.example.com/a.html -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.extract(cmd.Context(), f, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "the page's URL (resolves links, names the site; default file:// and the absolute path)")
	fl.StringVar(&f.profile, "profile", "", "site profiles file (YAML or JSON)")
	fl.StringVar(&f.contentType, "content-type", "", "the Content-Type header the page was served with")
	fl.StringVar(&f.fetchedAt, "fetched-at", "", "when the page was fetched, for relative dates like 3天前 (RFC 3339; default now)")
	fl.Var(&f.maxBodySize, "max-body-size", "a larger page is an error, as in a crawl (e.g. 10MiB, 512KiB)")
	fl.StringVar(&f.body, "body", "html", bodyFlagHelp)
	return cmd
}

// errTooLarge is a page larger than --max-body-size.
type errTooLarge struct {
	path  string
	limit crawler.ByteSize
}

func (e *errTooLarge) Error() string {
	return fmt.Sprintf("extract: %s is larger than --max-body-size %s (a crawl would not archive it either; raise the flag to read it)", e.path, e.limit)
}

func (a *app) extract(ctx context.Context, f *extractFlags, path string) error {
	forms, err := parseBodyForms(f.body)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	if f.url != "" && !strings.HasPrefix(strings.ToLower(f.url), "file:") {
		// The URL a crawl would archive the page under (an IDN as
		// punycode, the default port dropped): a relative one (no scheme)
		// named no site and resolved no link.
		canon, err := crawler.Normalize(f.url)
		if err != nil {
			return &usageError{msg: "--url: " + err.Error()}
		}
		f.url = canon
	}
	in := a.stdin
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("extract: %w", err)
		}
		defer file.Close()
		in = file
	}
	// Read at most one byte over the limit, and stop on a signal even when
	// the input blocks (a terminal, a pipe nobody writes to).
	var raw []byte
	err = untilDone(ctx, func() error {
		var err error
		raw, err = io.ReadAll(io.LimitReader(in, int64(f.maxBodySize)+1))
		return err
	})
	if ctx.Err() != nil {
		return fmt.Errorf("extract: interrupted: %w", ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("extract: read %s: %w", path, err)
	}
	if int64(len(raw)) > int64(f.maxBodySize) {
		return &errTooLarge{path: path, limit: f.maxBodySize}
	}
	// A page saved gzipped (page.html.gz, as archives and datasets keep
	// them) is read as the page, within the same limit unpacked.
	gzipped := len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b
	if gzipped {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("extract %s: gzip: %w", path, err)
		}
		if raw, err = io.ReadAll(io.LimitReader(zr, int64(f.maxBodySize)+1)); err != nil {
			return fmt.Errorf("extract %s: gzip: %w", path, err)
		}
		if int64(len(raw)) > int64(f.maxBodySize) {
			return &errTooLarge{path: path + " (unpacked)", limit: f.maxBodySize}
		}
	}
	if f.contentType == "" {
		// A PDF, an image or a zip would come out as a body of garbage.
		if kind := extract.BinaryKind(raw, ""); kind != "" {
			return fmt.Errorf("extract %s: not an HTML page: its bytes look like %s (give --content-type text/html to extract it anyway)", path, kind)
		}
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
		if gzipped {
			u = fileURL(strings.TrimSuffix(path, ".gz")) // the page's own name
		} else {
			u = fileURL(path)
		}
	}
	var rec *extract.Record
	err = untilDone(ctx, func() error {
		var err error
		rec, err = extract.ExtractBytes(raw, f.contentType, u, extract.Options{FetchedAt: fetched, Profiles: profiles})
		return err
	})
	if ctx.Err() != nil {
		return fmt.Errorf("extract: interrupted: %w", ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("extract %s: %w", path, err)
	}
	// What leaves the program passes the allow-list (see SanitizeBodyHTML).
	rec.BodyHTML = extract.SanitizeBodyHTML(rec.BodyHTML)
	extra, err := bodies(rec.BodyHTML, forms, newMarkdowner())
	if err != nil {
		return fmt.Errorf("extract %s: %w", path, err)
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(extractRow{rec, extra.html, extra.markdown})
}

// untilDone runs fn and returns its error, or ctx's as soon as ctx is
// done: fn is then left to finish on its own while the command exits.
func untilDone(ctx context.Context, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fileURL is the URL a page read from path is extracted as without --url:
// file: and the absolute path ("file://" and a relative path would make its
// first part a host name), /dev/stdin for "-".
func fileURL(path string) string {
	if path == "-" {
		path = "/dev/stdin"
	} else if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}
