package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/backend"
	"github.com/finarchive/finarchive/warc"
	"github.com/google/renameio/v2"
	"github.com/spf13/cobra"
)

type exportFlags struct {
	db, format, out, since, site, body string
	history, force                     bool
	compress                           int
	set                                func(flag string) bool // given on the command line
}

func newExportCmd(a *app) *cobra.Command {
	f := &exportFlags{}
	cmd := &cobra.Command{
		Use:   "export --db PATH|URL --format json|jsonl|warc|wacz|sqlite [-o FILE]",
		Short: "Write the archive's articles as JSON, JSON Lines, WARC or WACZ, or the whole archive as a SQLite file",
		Long: `Export writes one record per archived article (the schema is in README.md).
json is one array; jsonl one record per line. warc is a WARC/1.1 file (gzip,
one member per record): warcinfo, a request and a response (or revisit) record
per fetch with the bytes as received, and a metadata record per article with its
JSON record. wacz is a WACZ 1.2.0 package of that WARC with its CDXJ index,
pages.jsonl and datapackage.json (needs -o). --compress sets the gzip level of
the WARC's members: 1, the fastest, by default; up to 9 for a smaller file; 0
stores them uncompressed (a valid .warc.gz, about four times larger, written in
about half the time). Records are streamed with constant memory. With -o the
file is written atomically: a temporary file, then a rename.

sqlite (needs -o) writes the whole archive, from SQLite or PostgreSQL, as a new
SQLite archive file that every command works on: records with their full
history, cards, raw responses, every fetch (so a WARC export of the copy is the
same), unarchived pages, runs and their frontiers, and its search index. An existing file is
refused unless --force is given. --since and --site do not apply to it.`,
		Example: `  finarchive export --db finarchive.db --format jsonl -o articles.jsonl
  finarchive export --db finarchive.db --format json --since 2024-01-01 --history
  finarchive export --db finarchive.db --format warc -o archive.warc.gz
  finarchive export --db finarchive.db --format wacz --site www.example.com -o example.wacz
  finarchive export --db finarchive.db --body html,markdown -o articles.jsonl
  finarchive export --db postgres://crawler@db.example/finarchive --format sqlite -o archive.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.set = func(name string) bool { return cmd.Flags().Changed(name) }
			return a.export(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "finarchive.db", dbFlagHelp)
	fl.StringVar(&f.format, "format", "jsonl", "output format: json, jsonl, warc, wacz or sqlite")
	fl.StringVarP(&f.out, "output", "o", "", "write to this file (atomically) instead of standard output (- = standard output)")
	fl.StringVar(&f.since, "since", "", "only records new, changed or found removed since this time (RFC 3339, 2006-01-02, or a duration like 24h)")
	fl.StringVar(&f.site, "site", "", "only records of this site (its host name as records show it, or a URL on it)")
	fl.BoolVar(&f.history, "history", false, "include every earlier version of each record under \"history\"")
	fl.StringVar(&f.body, "body", "html", bodyFlagHelp+" (json and jsonl)")
	fl.BoolVar(&f.force, "force", false, "sqlite: replace the file -o names if it exists")
	fl.IntVar(&f.compress, "compress", 1, "warc and wacz: gzip level of each record's member, 1 (fastest) to 9 (smallest), or 0: stored uncompressed (larger)")
	return cmd
}

// parseSince reads an RFC 3339 time, a date, or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := crawler.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q is a time in the future; an age is positive (%s: the last %s)", s, strings.TrimPrefix(s, "-"), strings.TrimPrefix(s, "-"))
		}
		return now.Add(-time.Duration(d)), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			if t.After(now) {
				return time.Time{}, fmt.Errorf("%q is in the future: nothing could match", s)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q (want RFC 3339, 2006-01-02 or a duration like 24h)", s)
}

func (a *app) export(ctx context.Context, f *exportFlags) error {
	if f.out == "-" { // standard output, as for most Unix tools
		f.out = ""
	}
	switch f.format {
	case "json", "jsonl", "warc":
	case "wacz":
		if f.out == "" {
			return &usageError{msg: "--format wacz needs -o FILE (a zip file is not written to standard output)"}
		}
	case "sqlite":
		if err := checkSQLiteExport(f); err != nil {
			return err
		}
	default:
		return &usageError{msg: fmt.Sprintf("--format %q: want json, jsonl, warc, wacz or sqlite", f.format)}
	}
	// A flag that does not apply to the format is refused, not ignored.
	if f.set != nil {
		for _, c := range []struct {
			flag, formats string
		}{
			{"compress", "warc wacz"},
			{"body", "json jsonl"},
			{"force", "sqlite"},
			{"history", "json jsonl warc wacz"},
		} {
			if f.set(c.flag) && !slices.Contains(strings.Fields(c.formats), f.format) {
				return &usageError{msg: fmt.Sprintf("--%s applies to --format %s only, not %s", c.flag, strings.ReplaceAll(c.formats, " ", ", "), f.format)}
			}
		}
	}
	if f.compress < 0 || f.compress > 9 {
		return &usageError{msg: fmt.Sprintf("--compress %d: want 0 (stored) or 1 (fastest) to 9 (smallest)", f.compress)}
	}
	forms, err := parseBodyForms(f.body)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	since, err := parseSince(f.since, time.Now())
	if err != nil {
		return &usageError{msg: "--since: " + err.Error()}
	}
	if f.out != "" && !backend.IsPostgres(f.db) {
		// The rename into place would replace the archive with its export.
		if out, err := os.Stat(f.out); err == nil {
			if src, err := os.Stat(f.db); err == nil && os.SameFile(src, out) {
				return &usageError{msg: fmt.Sprintf("-o %s is the archive being exported", f.out)}
			}
		}
	}
	db, err := a.openExisting(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	if f.format == "sqlite" {
		return a.exportSQLite(ctx, db, f)
	}
	site := siteFlag(f.site)
	a.warnUnknownSite(ctx, db, site)
	opts := store.ExportOptions{Since: since, History: f.history, Site: site}
	if f.format == "warc" || f.format == "wacz" {
		return a.exportWARC(ctx, db, opts, f)
	}
	if f.out == "" {
		w := bufio.NewWriterSize(a.stdout, 64<<10)
		if _, err := writeExport(ctx, db, opts, f.format, forms, w); err != nil {
			return err
		}
		return w.Flush()
	}
	n, err := writeFileAtomic(f.out, func(w io.Writer) (int, error) { return writeExport(ctx, db, opts, f.format, forms, w) })
	if err != nil {
		return err
	}
	a.log.Info("exported", "records", n, "file", f.out)
	return nil
}

// writeExport streams records as a JSON array or JSON Lines, with the
// body forms asked for.
func writeExport(ctx context.Context, db store.Archive, opts store.ExportOptions, format string, forms bodyForms, w io.Writer) (int, error) {
	n := 0
	md := newMarkdowner()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // body_html and URLs as they are, not \u003c…
	if format == "json" {
		if _, err := io.WriteString(w, "["); err != nil {
			return 0, err
		}
	}
	err := db.Export(ctx, opts, func(r *store.ExportRecord) error {
		extra, err := bodies(r.BodyHTML, forms, md)
		if err != nil {
			return fmt.Errorf("export %q: %w", r.URL, err)
		}
		buf.Reset()
		if err := enc.Encode(exportRow{r, extra.html, extra.markdown}); err != nil {
			return fmt.Errorf("export: encode %q: %w", r.URL, err)
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if format == "json" {
			sep := ",\n"
			if n == 0 {
				sep = "\n"
			}
			if _, err := io.WriteString(w, sep); err != nil {
				return err
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		if format == "jsonl" {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	if format == "json" {
		end := "\n]\n"
		if n == 0 {
			end = "]\n"
		}
		if _, err := io.WriteString(w, end); err != nil {
			return n, err
		}
	}
	return n, nil
}

// writeFileAtomic writes through a temporary file in the target's directory
// and renames it into place, so a reader never sees half a file. The file
// gets the mode a plain create would (0666 less the umask), or keeps the
// mode of the file it replaces. A path that is no regular file (/dev/null,
// a named pipe, a terminal) is written to as it is: a rename would
// replace it (/dev/null by a plain file, for everyone, when run as root).
func writeFileAtomic(path string, write func(io.Writer) (int, error)) (int, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return 0, fmt.Errorf("export: -o %s is a directory: name a file in it", path)
	} else if err == nil && !st.Mode().IsRegular() {
		return writeSpecial(path, write)
	}
	tmp, err := renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)),
		renameio.WithPermissions(0o666), renameio.WithExistingPermissions())
	if err != nil {
		return 0, fmt.Errorf("export: create temp file for %s: %w", path, err)
	}
	defer tmp.Cleanup() // no-op after the rename
	w := bufio.NewWriterSize(tmp, 256<<10)
	n, err := write(w)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return n, fmt.Errorf("export: write %s: %w", path, err)
	}
	if err := tmp.CloseAtomicallyReplace(); err != nil {
		return n, fmt.Errorf("export: write %s: %w", path, err)
	}
	return n, nil
}

// writeSpecial writes to path, a device or pipe, without creating or
// replacing anything.
func writeSpecial(path string, write func(io.Writer) (int, error)) (int, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return 0, fmt.Errorf("export: open %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	n, err := write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("export: write %s: %w", path, err)
	}
	return n, nil
}

// exportWARC writes a WARC or WACZ export (see package warc).
func (a *app) exportWARC(ctx context.Context, db store.Archive, opts store.ExportOptions, f *exportFlags) error {
	wo := warc.Options{ExportOptions: opts, Software: "finarchive/" + crawler.Version, Logger: a.log}
	if wo.Compression = f.compress; f.compress == 0 {
		wo.Compression = warc.StoreOnly
	}
	var st warc.Stats
	write := func(w io.Writer) (int, error) {
		var err error
		if f.format == "wacz" {
			st, err = warc.WriteWACZ(ctx, db, w, wo, filepath.Dir(f.out))
		} else {
			if f.out != "" {
				wo.Filename = filepath.Base(f.out)
			}
			st, err = warc.Write(ctx, db, w, wo, nil)
		}
		return st.Pages, err
	}
	if f.out == "" {
		w := bufio.NewWriterSize(a.stdout, 256<<10)
		if _, err := write(w); err != nil {
			return err
		}
		return w.Flush()
	}
	if _, err := writeFileAtomic(f.out, write); err != nil {
		return err
	}
	a.log.Info("exported", "format", f.format, "file", f.out, "pages", st.Pages, "responses", st.Responses,
		"revisits", st.Revisits, "requests", st.Requests, "metadata", st.Metadata, "reconstructed", st.Reconstructed, "removals", st.Removals,
		"unarchived", st.Unarchived, "redirects", st.Redirects)
	return nil
}
