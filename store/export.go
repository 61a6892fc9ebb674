package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/finarchive/finarchive/extract"
)

// ExportOptions select the pages Export writes.
type ExportOptions struct {
	Since   time.Time // pages first seen, changed or found removed at or after this (zero = all)
	History bool      // add each page's earlier versions
	Site    string    // "" = all sites
	// Records: ExportFetches gives a fetch kept as its WARC records (see
	// RecordEncoding) with them, in Fetch.Records, and its body not
	// decompressed (nil): a WARC export copies the records.
	Records bool

	// Set by ExportFetchesIn only: the page ids to export, from fromID to
	// toID (0 = no range).
	fromID, toID int64
}

// ExportRecord is one exported article: the record, plus its earlier
// versions (oldest first) when ExportOptions.History is set.
type ExportRecord struct {
	extract.Record
	// RemovedAt is when the article first answered 404 or 410 on a later
	// crawl (nil: it has not been removed). Its record and history stay.
	RemovedAt *time.Time `json:"removed_at,omitempty"`
	History   []Revision `json:"history,omitempty"`
}

// withExtra scans the columns of a scanner's row after those its caller
// asks for into extra.
type withExtra struct {
	scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.scanner.Scan(append(dest, w.extra...)...) }

// Export calls fn for each selected page, in page id order (the order pages
// were first archived), streaming: one record in memory at a time. An error
// from fn stops the export and is returned as is.
func (db *DB) Export(ctx context.Context, opt ExportOptions, fn func(*ExportRecord) error) error {
	return db.exportPages(ctx, opt, func(_ int64, er *ExportRecord) error { return fn(er) })
}

// exportFilter is the condition on pages p (and its arguments) that selects
// the pages opt exports. key is the page id column of the query's outer
// loop (p.id, or the page_id of the table read in page id order), on which
// an id range (ExportFetchesIn) is set, so it is read as a range of its
// index.
func exportFilter(opt ExportOptions, key string) (string, []any) {
	where := "1"
	var args []any
	if opt.toID > 0 {
		where += " AND " + key + " BETWEEN ? AND ?"
		args = append(args, opt.fromID, opt.toID)
	}
	if !opt.Since.IsZero() {
		// changed_at >= first_seen_at always, so this covers both; an
		// article found removed since is a change of it too.
		where += " AND (p.changed_at >= ? OR p.removed_at >= ?)"
		args = append(args, fmtTime(opt.Since), fmtTime(opt.Since))
	}
	if opt.Site != "" {
		where += " AND p.site = ?"
		args = append(args, opt.Site)
	}
	return where, args
}

// exportPages is Export, giving fn each page's id too. The pages' cards
// come from one query read alongside the pages' (both in page id order),
// not from a query per page.
func (db *DB) exportPages(ctx context.Context, opt ExportOptions, fn func(int64, *ExportRecord) error) error {
	where, args := exportFilter(opt, "p.id")
	rows, err := db.r.QueryContext(ctx, "SELECT "+pageColumns+", p.removed_at FROM pages p WHERE "+where+" ORDER BY p.id", args...)
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	defer rows.Close()
	// cards c is the outer loop (CROSS JOIN), read in its primary key's
	// order: nothing is sorted.
	where, args = exportFilter(opt, "c.page_id")
	cardRows, err := db.r.QueryContext(ctx, `SELECT c.page_id, c.title, c.url, c.snippet, c.category, c.date
		FROM cards c CROSS JOIN pages p ON p.id = c.page_id WHERE `+where+` ORDER BY c.page_id, c.position`, args...)
	if err != nil {
		return fmt.Errorf("store: export: cards: %w", err)
	}
	defer cardRows.Close()
	cards := &cardReader{rows: cardRows}
	for rows.Next() {
		er := &ExportRecord{}
		var removed sql.NullString
		id, err := scanPage(withExtra{rows, []any{&removed}}, &er.Record)
		if err != nil {
			return fmt.Errorf("store: export: %w", err)
		}
		if t := parseNullTime(removed); !t.IsZero() {
			er.RemovedAt = &t
		}
		if er.Cards, err = cards.of(id); err != nil {
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

// cardReader reads the cards of pages in page id order from rows of
// (page_id, title, url, snippet, category, date) in that order.
type cardReader struct {
	rows    *sql.Rows
	pending extract.Card // read ahead: the first card of a later page
	pendID  int64        // its page; 0 = none read
	done    bool
}

// of returns the cards of page id, in their order on the page (never nil,
// as db.cards), passing over those of pages before it. Pages must be asked
// for in id order.
func (cr *cardReader) of(id int64) ([]extract.Card, error) {
	cards := []extract.Card{}
	for !cr.done {
		if cr.pendID == 0 {
			if !cr.rows.Next() {
				if err := cr.rows.Err(); err != nil {
					return nil, err
				}
				cr.done = true
				break
			}
			c := &cr.pending
			if err := cr.rows.Scan(&cr.pendID, &c.Title, &c.URL, &c.Snippet, &c.Category, &c.Date); err != nil {
				return nil, err
			}
		}
		if cr.pendID > id {
			break
		}
		if cr.pendID == id {
			cards = append(cards, cr.pending)
		}
		// (Cards of a page the pages query does not show, written
		// between the two queries, are passed over.)
		cr.pendID = 0
	}
	return cards, nil
}
