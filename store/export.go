package store

import (
	"context"
	"fmt"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// ExportOptions select the pages Export writes.
type ExportOptions struct {
	Since   time.Time // pages first seen or changed at or after this (zero = all)
	History bool      // add each page's earlier versions
	Site    string    // "" = all sites
}

// ExportRecord is one exported article: the record, plus its earlier
// versions (oldest first) when ExportOptions.History is set.
type ExportRecord struct {
	extract.Record
	History []Revision `json:"history,omitempty"`
}

// Export calls fn for each selected page, in page id order (the order pages
// were first archived), streaming: one record in memory at a time. An error
// from fn stops the export and is returned as is.
func (db *DB) Export(ctx context.Context, opt ExportOptions, fn func(*ExportRecord) error) error {
	return db.exportPages(ctx, opt, func(_ int64, er *ExportRecord) error { return fn(er) })
}

// exportPages is Export, giving fn each page's id too.
func (db *DB) exportPages(ctx context.Context, opt ExportOptions, fn func(int64, *ExportRecord) error) error {
	q := "SELECT " + pageColumns + " FROM pages p WHERE 1"
	var args []any
	if !opt.Since.IsZero() {
		// changed_at >= first_seen_at always, so this covers both.
		q += " AND p.changed_at >= ?"
		args = append(args, fmtTime(opt.Since))
	}
	if opt.Site != "" {
		q += " AND p.site = ?"
		args = append(args, opt.Site)
	}
	rows, err := db.r.QueryContext(ctx, q+" ORDER BY p.id", args...)
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		er := &ExportRecord{}
		id, err := scanPage(rows, &er.Record)
		if err != nil {
			return fmt.Errorf("store: export: %w", err)
		}
		if er.Cards, err = db.cards(ctx, id); err != nil {
			return fmt.Errorf("store: export %q: cards: %w", er.URL, err)
		}
		if opt.History {
			if er.History, err = db.revisions(ctx, id, true); err != nil {
				return fmt.Errorf("store: export %q: history: %w", er.URL, err)
			}
		}
		if err := fn(id, er); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	return nil
}
