// Package archivecmp reads everything an archive shows through
// store.Archive (records, history, fetches, raw responses, lists, counts,
// runs, searches) into one canonical text, so tests can check that two
// archives (SQLite and PostgreSQL, or an archive and its copy) give the
// same results, and say where they first differ.
package archivecmp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/finarchive/finarchive/store"
)

// Options say what Snapshot reads beside the records.
type Options struct {
	Runs     bool      // Runs, each RunSpec, frontier counts and failures
	Searches []string  // queries to run (nil: no search)
	Since    time.Time // also an export with this --since
}

// Snapshot returns the archive's results as canonical text, one result a
// line.
func Snapshot(ctx context.Context, a store.Archive, opt Options) (string, error) {
	var b strings.Builder
	put := func(what string, v any) error {
		j, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		fmt.Fprintf(&b, "%s %s\n", what, j)
		return nil
	}
	n, err := a.Count(ctx)
	if err != nil {
		return "", err
	}
	put("count", n)
	sites, err := a.Sites(ctx)
	if err != nil {
		return "", err
	}
	put("sites", sites)
	cats, err := a.Categories(ctx)
	if err != nil {
		return "", err
	}
	put("categories", cats)
	lists := []store.ListOptions{{Limit: 1000}, {Limit: 2, Offset: 1}}
	for _, s := range sites {
		lists = append(lists, store.ListOptions{Site: s.Name, Limit: 1000})
	}
	for _, c := range cats {
		lists = append(lists, store.ListOptions{Category: c.Name, Limit: 1000})
	}
	for _, lo := range lists {
		l, total, err := a.List(ctx, lo)
		if err != nil {
			return "", err
		}
		put(fmt.Sprintf("list %+v total=%d", lo, total), l)
	}
	var urls []string
	exports := []store.ExportOptions{{}, {History: true}, {Since: opt.Since}}
	for _, s := range sites {
		exports = append(exports, store.ExportOptions{Site: s.Name, History: true})
	}
	for i, eo := range exports {
		err := a.Export(ctx, eo, func(r *store.ExportRecord) error {
			if i == 0 {
				urls = append(urls, r.URL)
			}
			return put(fmt.Sprintf("export %d", i), r)
		})
		if err != nil {
			return "", err
		}
	}
	for _, eo := range []store.ExportOptions{{}, {History: true}} {
		err := a.ExportFetches(ctx, eo, func(r *store.ExportRecord, fs []store.Fetch) error {
			if err := put("fetches-record", r); err != nil {
				return err
			}
			for _, f := range fs {
				if err := put("fetch", fetchView(f)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	for _, u := range append(urls, "https://missing.example/none") {
		rec, err := a.Get(ctx, u)
		if err := put("get "+u, result(rec, err)); err != nil {
			return "", err
		}
		info, err := a.Info(ctx, u)
		put("info "+u, result(info, err))
		revs, err := a.Revisions(ctx, u)
		put("revisions "+u, result(revs, err))
	}
	walk := func(what string, w func(context.Context, func(store.RawPage) error) error) error {
		return w(ctx, func(rp store.RawPage) error {
			return put(what, map[string]any{"url": rp.URL, "type": rp.PageType, "content_type": rp.ContentType,
				"charset": rp.Charset, "fetched_at": rp.FetchedAt, "raw": digest(rp.Raw)})
		})
	}
	if err := walk("raw", a.RawPages); err != nil {
		return "", err
	}
	if err := walk("unarchived", a.UnarchivedPages); err != nil {
		return "", err
	}
	if opt.Runs {
		runs, err := a.Runs(ctx)
		if err != nil {
			return "", err
		}
		for _, r := range runs {
			spec, err := a.RunSpec(ctx, r.ID)
			if err != nil {
				return "", err
			}
			put("run", r)
			put("run-spec", map[string]any{"seeds": spec.Seeds, "options": CanonicalJSON(spec.Options), "adaptive": spec.Adaptive,
				"min": spec.MinRevisit, "max": spec.MaxRevisit})
			fc, err := a.FrontierCounts(ctx, r.ID)
			put("frontier", result(fc, err))
			var fails []store.FrontierItem
			err = a.Failures(ctx, r.ID, func(it store.FrontierItem) error { fails = append(fails, it); return nil })
			put("failures", result(fails, err))
		}
	}
	for _, q := range opt.Searches {
		for _, so := range []store.SearchOptions{{Query: q}, {Query: q, Limit: 1}} {
			hits, err := a.Search(ctx, so)
			put(fmt.Sprintf("search %+v", so), result(hits, err))
		}
	}
	return b.String(), nil
}

// CanonicalJSON returns the JSON text b with its keys sorted and no
// spaces (PostgreSQL's jsonb keeps a value, not its text), or b as is
// when it is no JSON.
func CanonicalJSON(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(b)
	}
	return string(out)
}

// result is v, or how err reads to a caller (not found, or its text).
func result(v any, err error) any {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "ErrNotFound"
	case err != nil:
		return "error: " + err.Error()
	}
	return v
}

func digest(b []byte) string {
	if b == nil {
		return "nil"
	}
	s := sha256.Sum256(b)
	return fmt.Sprintf("%d:%s", len(b), hex.EncodeToString(s[:8]))
}

func fetchView(f store.Fetch) map[string]any {
	return map[string]any{"at": f.FetchedAt, "status": f.Status, "digest": f.PayloadDigest, "ip": f.RemoteIP,
		"request": string(f.Request), "response": string(f.Response), "body": digest(f.Body),
		"type": f.ContentType, "ce": f.ContentEncoding, "reconstructed": f.Reconstructed}
}

// Diff returns "" when a and b are the same, else the first line that
// differs in each (with its number) and how many lines each has.
func Diff(a, b string) string {
	if a == b {
		return ""
	}
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d differs (%d vs %d lines):\n  a: %s\n  b: %s", i+1, len(la), len(lb), x, y)
		}
	}
	return "differ"
}
