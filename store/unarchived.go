package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
)

// UnarchivedRow is the raw response of a page that is not archived as an
// article (a list, home, search or error page), ready for the unarchived
// table of either back end.
type UnarchivedRow struct {
	URL, PageType, Title string
	ContentType          string
	Data                 []byte // compressed (RawEncoding)
	Size                 int
	ContentEncoding      string
	Fetch                *FetchRow
}

// NewUnarchivedRow prepares the raw response of f, a page typed other than
// article, for the unarchived table; nil when there is nothing to keep. A
// redirect (extract.PageRedirect) is kept with its head even when its body
// is empty, as most are.
func NewUnarchivedRow(canonical string, f *finarchive.Fetched) *UnarchivedRow {
	if f.Record == nil {
		return nil
	}
	redirect := f.Record.PageType == extract.PageRedirect
	if len(f.Raw) == 0 && !(redirect && f.Capture != nil && f.Capture.Response != nil) {
		return nil
	}
	body, ce := receivedBody(f)
	status := http200
	if redirect && f.StatusCode != 0 {
		status = f.StatusCode
	}
	return &UnarchivedRow{URL: canonical, PageType: string(f.Record.PageType), Title: f.Record.Title,
		ContentType: f.ContentType, Data: compress(body), Size: len(body), ContentEncoding: ce,
		Fetch: NewFetchRow(status, body, f.Capture)}
}

// keepUnarchived stores u as the latest raw response of its URL, unless the
// URL is an archived article (which keeps its own raw).
func keepUnarchived(ctx context.Context, tx *wtx, u *UnarchivedRow, runID int64, fetchedAt string) error {
	var run any
	if runID != 0 {
		run = runID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO unarchived (url, page_type, title, run_id, fetched_at, content_type, charset,
		encoding, size, data, content_encoding, payload_digest, remote_ip, request, response)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15
		WHERE NOT EXISTS (SELECT 1 FROM pages WHERE url = ?1)
		ON CONFLICT (url) DO UPDATE SET page_type = excluded.page_type, title = excluded.title, run_id = excluded.run_id,
			fetched_at = excluded.fetched_at, content_type = excluded.content_type, charset = excluded.charset,
			encoding = excluded.encoding, size = excluded.size, data = excluded.data,
			content_encoding = excluded.content_encoding, payload_digest = excluded.payload_digest,
			remote_ip = excluded.remote_ip, request = excluded.request, response = excluded.response`,
		u.URL, u.PageType, u.Title, run, fetchedAt, u.ContentType, charsetOf(u.ContentType), rawEncoding, u.Size, u.Data,
		u.ContentEncoding, u.Fetch.Digest, u.Fetch.IP, u.Fetch.Request, u.Fetch.Response)
	if err != nil {
		return fmt.Errorf("keep raw of unarchived page: %w", err)
	}
	return nil
}

// UnarchivedPages calls fn with the raw response of each page fetched but
// not archived as an article, in the order they were first kept, one at a
// time (memory stays constant); RawPage.PageType is the type it was given.
// Redirects are left out: they are kept for the WARC export, not to be
// typed again. An error from fn stops the walk and is returned as is.
func (db *DB) UnarchivedPages(ctx context.Context, fn func(RawPage) error) error {
	return db.walkRaw(ctx, "unarchived pages", `SELECT url, page_type, content_type, charset, encoding, size, fetched_at, data, content_encoding
		FROM unarchived WHERE page_type <> 'redirect' ORDER BY id`, fn)
}

// ReextractedUnarchived stores rec, extracted anew from the raw response
// of an unarchived page, for `finarchive reextract`. An article now is
// archived (SaveNew): a page with its first revision, search entry, cards,
// the raw response and its fetch (fetch time and run as first kept), and
// the URL leaves the unarchived table. Any other type is noted on the row
// (SaveNone); a blocked page changes nothing (SaveRejected).
func (db *DB) ReextractedUnarchived(ctx context.Context, pageURL string, rec *extract.Record) (finarchive.SaveResult, error) {
	if db.w == nil {
		return finarchive.SaveNone, ErrReadOnly
	}
	if KindOf(rec) == KindRejected {
		return finarchive.SaveRejected, nil
	}
	if KindOf(rec) == KindOther {
		err := db.write(ctx, func(tx *wtx) error {
			_, err := tx.ExecContext(ctx, "UPDATE unarchived SET page_type = ?, title = ? WHERE url = ?", string(rec.PageType), rec.Title, pageURL)
			return err
		})
		if err != nil {
			return finarchive.SaveNone, fmt.Errorf("store: reextracted %q: %w", pageURL, err)
		}
		return finarchive.SaveNone, nil
	}
	page, err := db.newPageRow(pageURL, rec, rec.FetchedAt)
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("store: reextracted %q: %w", pageURL, err)
	}
	result := finarchive.SaveNone
	err = db.write(ctx, func(tx *wtx) error {
		var (
			run                          sql.NullInt64
			fetchedAt                    string
			fr                           FetchRow
			request, response            []byte
			encoding, ce, ct, digest, ip string
			data                         []byte
			size                         int
		)
		err := tx.QueryRowContext(ctx, `SELECT run_id, fetched_at, content_type, encoding, size, data, content_encoding,
			payload_digest, remote_ip, request, response FROM unarchived WHERE url = ?`, pageURL).
			Scan(&run, &fetchedAt, &ct, &encoding, &size, &data, &ce, &digest, &ip, &request, &response)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("look up unarchived page: %w", err)
		}
		if encoding != rawEncoding {
			// Written by this version only in rawEncoding; be safe.
			return fmt.Errorf("unarchived page: raw in %q", encoding)
		}
		fr = FetchRow{Status: http200, Digest: digest, IP: ip, Request: request, Response: response}
		page.raw = &RawRow{Data: data, ContentType: ct, Size: size, Encoding: ce, Fetch: &fr}
		if t := parseTime(fetchedAt); !t.IsZero() {
			page.fetchedAt = t
		}
		cfg := runConfig{min: DefaultMinRevisit, max: DefaultMaxRevisit}
		if result, err = db.savePage(ctx, tx, page, cfg, run.Int64, true); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM unarchived WHERE url = ?", pageURL); err != nil {
			return fmt.Errorf("drop unarchived page: %w", err)
		}
		return nil
	})
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("store: reextracted %q: %w", pageURL, err)
	}
	return result, nil
}
