package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// Saving pages: the SQLite store's rules (store/pages.go, fetches.go,
// unarchived.go; the table in store/SCHEMA.md, "Saving a fetched page"),
// in a few round trips: the page's row is looked up and locked (SELECT …
// FOR NO KEY UPDATE; a new page is inserted ON CONFLICT DO NOTHING and looked up
// again when another transaction inserted it first), then every other
// statement of the transaction goes in one pgx.Batch. So any number of
// processes may save the same URL at once: the second waits on the row
// lock and then sees the first's version.

// pageRow is a record prepared for the pages table.
type pageRow struct {
	url        string
	rec        *extract.Record
	hash       string
	published  any // RFC 3339 text with the page's offset, or nil
	publUTC    any // time.Time or nil
	breadcrumb string
	keywords   string
	fetchedAt  time.Time
	site       string
	bodyHTML   string
	search     searchRow

	etag, lastModified string
	raw                *store.RawRow // the response it was extracted from (nil: none)
}

func (db *DB) newPageRow(canonical string, rec *extract.Record, fetchedAt time.Time) (*pageRow, error) {
	a, err := store.NewArticleColumns(canonical, rec)
	if err != nil {
		return nil, err
	}
	p := &pageRow{url: canonical, rec: rec, fetchedAt: fetchedAt, hash: a.Hash, published: a.Published,
		breadcrumb: a.Breadcrumb, keywords: a.Keywords, site: a.Site, bodyHTML: a.BodyHTML}
	if fetchedAt.IsZero() {
		p.fetchedAt = db.now()
	}
	p.fetchedAt = ts(p.fetchedAt)
	if a.PublishedAt != nil {
		p.publUTC = ts(*a.PublishedAt)
	}
	p.search = newSearchRow(rec.Title, rec.Body)
	return p, nil
}

// nullRun is a run id for a nullable run_id column: NULL for 0 (reextract,
// import).
func nullRun(runID int64) any {
	if runID == 0 {
		return nil
	}
	return runID
}

const insertFetchSQL = `INSERT INTO fetches (page_id, run_id, fetched_at, status, payload_digest, remote_ip, request, response,
		warc_id, warc_request)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// queueUnarchived queues keeping u as its URL's latest raw response, unless
// the URL is an archived article (which keeps its own raw).
func queueUnarchived(b *pgx.Batch, u *store.UnarchivedRow, runID int64, fetchedAt time.Time) {
	b.Queue(`INSERT INTO unarchived (url, page_type, title, run_id, fetched_at, content_type, charset,
		encoding, size, data, content_encoding, payload_digest, remote_ip, request, response)
		SELECT $1::text, $2::text, $3::text, $4::bigint, $5::timestamptz, $6::text, $7::text, $8::text, $9::bigint, $10::bytea,
			$11::text, $12::text, $13::text, $14::bytea, $15::bytea
		WHERE NOT EXISTS (SELECT 1 FROM pages WHERE url = $1)
		ON CONFLICT (url) DO UPDATE SET page_type = excluded.page_type, title = excluded.title, run_id = excluded.run_id,
			fetched_at = excluded.fetched_at, content_type = excluded.content_type, charset = excluded.charset,
			encoding = excluded.encoding, size = excluded.size, data = excluded.data,
			content_encoding = excluded.content_encoding, payload_digest = excluded.payload_digest,
			remote_ip = excluded.remote_ip, request = excluded.request, response = excluded.response`,
		u.URL, u.PageType, u.Title, nullRun(runID), fetchedAt, u.ContentType, store.CharsetOf(u.ContentType), store.RawEncoding,
		u.Size, u.Data, u.ContentEncoding, u.Fetch.Digest, u.Fetch.IP, u.Fetch.Request, u.Fetch.Response)
}

// Complete commits one URL's outcome in one transaction: the article (new,
// changed, unchanged, rejected or a 304), its cards, raw response and
// fetch, the run's article counts, and the frontier's part
// (CompleteFrontier: the item's lease, its links and its final state). The rules are the SQLite
// store's (see store.DB.Complete).
func (db *DB) Complete(ctx context.Context, runID int64, f *finarchive.Fetched) (finarchive.SaveResult, error) {
	if db.readOnly {
		return finarchive.SaveNone, store.ErrReadOnly
	}
	cfg, err := db.runConfig(ctx, runID)
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("pgstore: complete %q: %w", f.Item.URL, err)
	}
	// Work done outside the transaction: hashing, JSON, tokens, compression.
	c := store.NewCompletion(f, db.now(), store.CompletionOptions{Records: true})
	canonical, fetchedAt, other, notModified := c.Canonical, ts(c.FetchedAt), c.Other, c.NotModified
	var page *pageRow
	rejected := finarchive.SaveNone
	switch {
	case c.Rejected:
		rejected = finarchive.SaveRejected
	case c.Article:
		page, err = db.newPageRow(canonical, f.Record, fetchedAt)
		if err != nil {
			return finarchive.SaveNone, fmt.Errorf("pgstore: complete %q: %w", canonical, err)
		}
		page.etag, page.lastModified, page.raw = f.ETag, f.LastModified, c.Raw
	}

	var result finarchive.SaveResult
	err = db.write(ctx, func(tx pgx.Tx) error {
		result = rejected
		// The frontier's part first: a lease that ran out (fencing) fails
		// the transaction before anything is written.
		if _, err := db.CompleteFrontier(ctx, tx, runID, f, canonical); err != nil {
			return err
		}
		b := &pgx.Batch{}
		switch {
		case f.NotModified:
			ok, err := db.touchPage(ctx, tx, b, canonical, fetchedAt, f.ETag, f.LastModified, cfg, notModified, runID)
			if err != nil {
				return err
			}
			if ok {
				result = finarchive.SaveUnchanged
			}
		case page != nil:
			var err error
			if result, err = db.savePage(ctx, tx, b, page, cfg, runID, true); err != nil {
				return err
			}
			b.Queue("DELETE FROM unarchived WHERE url = $1", canonical)
		case other != nil:
			queueUnarchived(b, other, runID, fetchedAt)
		case f.Gone:
			// An archived article that is gone keeps its record and
			// history; it is marked removed (once: the first time), and
			// the answer that said so is kept as one of its fetches.
			fr := c.Gone
			b.Queue(`WITH p AS (UPDATE pages SET removed_at = $1 WHERE url = $2 AND removed_at IS NULL RETURNING id)
				INSERT INTO fetches (page_id, run_id, fetched_at, status, payload_digest, remote_ip, request, response,
					body, body_encoding, body_size, body_type, content_encoding)
				SELECT id, $3::bigint, $1::timestamptz, $4::integer, $5::text, $6::text, $7::bytea, $8::bytea,
					$9::bytea, $10::text, $11::bigint, $12::text, $13::text FROM p`,
				fetchedAt, f.Item.URL, nullRun(runID), fr.Status, fr.Digest, fr.IP, fr.Request, fr.Response,
				fr.Body.Data, store.RawEncoding, int64(fr.Body.Size), fr.Body.ContentType, fr.Body.Encoding).
				Exec(func(ct pgconn.CommandTag) error {
					if ct.RowsAffected() > 0 {
						result = finarchive.SaveRemoved
					}
					return nil
				})
		}
		queueCounts(b, runID, result, f.NotModified)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("pgstore: complete %q: %w", canonical, err)
	}
	return result, nil
}

// queueCounts queues adding one saved page to the run's article counts,
// in the row of this connection (run_counts: no two connections share one).
func queueCounts(b *pgx.Batch, runID int64, result finarchive.SaveResult, notModified bool) {
	if runID == 0 {
		return
	}
	col := ""
	switch {
	case notModified && result == finarchive.SaveUnchanged:
		col = "not_modified"
	case notModified:
	case result == finarchive.SaveNew:
		col = "new"
	case result == finarchive.SaveChanged:
		col = "changed"
	case result == finarchive.SaveUnchanged:
		col = "unchanged"
	}
	if col == "" {
		return
	}
	b.Queue(`INSERT INTO run_counts (run_id, shard, `+col+`) VALUES ($1, pg_backend_pid(), 1)
		ON CONFLICT (run_id, shard) DO UPDATE SET `+col+` = run_counts.`+col+` + 1`, runID)
}

// Reextracted stores rec, extracted anew from the page's raw response
// (finarchive reextract): a changed content hash makes a new revision, as
// in a crawl, but the fetch time, validators and revisit schedule stay.
func (db *DB) Reextracted(ctx context.Context, pageURL string, rec *extract.Record) (finarchive.SaveResult, error) {
	if db.readOnly {
		return finarchive.SaveNone, store.ErrReadOnly
	}
	if store.KindOf(rec) == store.KindRejected {
		return finarchive.SaveRejected, nil
	}
	if store.KindOf(rec) == store.KindOther {
		return finarchive.SaveNone, nil
	}
	page, err := db.newPageRow(pageURL, rec, rec.FetchedAt)
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("pgstore: reextracted %q: %w", pageURL, err)
	}
	var result finarchive.SaveResult
	cfg := runConfig{min: store.DefaultMinRevisit, max: store.DefaultMaxRevisit}
	err = db.write(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		var err error
		if result, err = db.savePage(ctx, tx, b, page, cfg, 0, false); err != nil {
			return err
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("pgstore: reextracted %q: %w", pageURL, err)
	}
	return result, nil
}

// storedPage is what savePage reads of a stored page before it writes.
type storedPage struct {
	id        int64
	hash      string
	interval  int64
	bodyFetch *int64 // raw.fetch_id
	digest    string // its payload digest
}

// lockPage looks up the page at pageURL and locks its row until the
// transaction ends (FOR NO KEY UPDATE: the id never changes, so rows
// referencing the page, its revisions, fetches and index row, can be
// written beside it without waiting); ok is false when there is none.
func lockPage(ctx context.Context, tx pgx.Tx, pageURL string) (sp storedPage, ok bool, err error) {
	err = tx.QueryRow(ctx, `SELECT p.id, p.content_hash, p.revisit_interval_s, r.fetch_id, coalesce(f.payload_digest, '')
		FROM pages p LEFT JOIN raw r ON r.page_id = p.id LEFT JOIN fetches f ON f.id = r.fetch_id
		WHERE p.url = $1 FOR NO KEY UPDATE OF p`, pageURL).Scan(&sp.id, &sp.hash, &sp.interval, &sp.bodyFetch, &sp.digest)
	if errors.Is(err, pgx.ErrNoRows) {
		return sp, false, nil
	}
	if err != nil {
		return sp, false, fmt.Errorf("look up page: %w", err)
	}
	return sp, true, nil
}

// savePage inserts or updates p (the look-up and a new page's row at once;
// the rest queued on b) and says which it was. fetched tells a crawl
// (which sets the fetch time, validators and revisit schedule and replaces
// the raw response) from a reextract (which does not).
func (db *DB) savePage(ctx context.Context, tx pgx.Tx, b *pgx.Batch, p *pageRow, cfg runConfig, runID int64, fetched bool) (finarchive.SaveResult, error) {
	rec := p.rec
	var (
		sp     storedPage
		result finarchive.SaveResult
	)
	for attempt := 0; ; attempt++ {
		var ok bool
		var err error
		if sp, ok, err = lockPage(ctx, tx, p.url); err != nil {
			return finarchive.SaveNone, err
		}
		if ok {
			result = finarchive.SaveUnchanged
			if sp.hash != p.hash {
				result = finarchive.SaveChanged
			}
			break
		}
		if !fetched {
			return finarchive.SaveNone, store.ErrNotFound
		}
		if attempt > 0 {
			return finarchive.SaveNone, fmt.Errorf("insert page: no row after a conflict")
		}
		iv := cfg.min
		err = tx.QueryRow(ctx, `INSERT INTO pages (url, site, title, body, published, published_utc, published_raw,
			author, source, category, breadcrumb, keywords, content_hash, etag, last_modified,
			first_seen_at, fetched_at, changed_at, revisit_interval_s, next_revisit_at, body_html)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $16, $17, $18, $19)
			ON CONFLICT (url) DO NOTHING RETURNING id`,
			p.url, p.site, rec.Title, rec.Body, p.published, p.publUTC, rec.PublishedRaw,
			rec.Author, rec.Source, rec.Category, p.breadcrumb, p.keywords, p.hash, p.etag, p.lastModified,
			p.fetchedAt, int64(iv/time.Second), p.fetchedAt.Add(iv), p.bodyHTML).Scan(&sp.id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // another transaction saved it first: look again
		}
		if err != nil {
			return finarchive.SaveNone, fmt.Errorf("insert page: %w", err)
		}
		result = finarchive.SaveNew
		break
	}
	id := sp.id
	changedAt := p.fetchedAt
	if !fetched {
		changedAt = ts(db.now()) // a reextract changes the page now
	}
	iv := store.NextRevisitInterval(time.Duration(sp.interval)*time.Second, result, cfg.min, cfg.max)
	next := p.fetchedAt.Add(iv)
	ivS := int64(iv / time.Second)

	switch result {
	case finarchive.SaveChanged:
		// The current revision's body is the page's (NULL in revisions):
		// keep it there before the page takes the new one.
		b.Queue(`UPDATE revisions SET body = (SELECT body FROM pages WHERE id = $1) WHERE page_id = $1 AND body IS NULL`, id)
		q := `UPDATE pages SET site = $2, title = $3, body = $4, published = $5, published_utc = $6, published_raw = $7,
			author = $8, source = $9, category = $10, breadcrumb = $11, keywords = $12, content_hash = $13, changed_at = $14, body_html = $15`
		args := []any{id, p.site, rec.Title, rec.Body, p.published, p.publUTC, rec.PublishedRaw,
			rec.Author, rec.Source, rec.Category, p.breadcrumb, p.keywords, p.hash, changedAt, p.bodyHTML}
		if fetched {
			q += `, etag = $16, last_modified = $17, fetched_at = $18, revisit_interval_s = $19, next_revisit_at = $20, removed_at = NULL`
			args = append(args, p.etag, p.lastModified, p.fetchedAt, ivS, next)
		}
		b.Queue(q+" WHERE id = $1", args...)
	case finarchive.SaveUnchanged:
		// The same content: body_html still follows the extractor (it is no
		// part of the hash).
		if fetched {
			b.Queue(`UPDATE pages SET etag = $2, last_modified = $3, fetched_at = $4, revisit_interval_s = $5,
				next_revisit_at = $6, body_html = $7, removed_at = NULL WHERE id = $1`,
				id, p.etag, p.lastModified, p.fetchedAt, ivS, next, p.bodyHTML)
		} else {
			b.Queue(`UPDATE pages SET body_html = $2 WHERE id = $1 AND body_html <> $2`, id, p.bodyHTML)
		}
	}
	if result != finarchive.SaveUnchanged {
		// The new revision and the page's index row, which is replaced.
		b.Queue(`WITH r AS (INSERT INTO revisions (page_id, run_id, content_hash, title, body, published,
				published_raw, author, source, category, breadcrumb, keywords, fetched_at)
			VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id)
			INSERT INTO search (page_id, revision_id, doc, title, body_len)
			SELECT $1, r.id, $13::tsvector, $14::tsvector, $15::integer FROM r
			ON CONFLICT (page_id) DO UPDATE SET revision_id = excluded.revision_id, doc = excluded.doc,
				title = excluded.title, body_len = excluded.body_len`,
			id, nullRun(runID), p.hash, rec.Title, p.published, rec.PublishedRaw, rec.Author, rec.Source,
			rec.Category, p.breadcrumb, p.keywords, p.fetchedAt,
			p.search.doc, p.search.title, p.search.bodyLen)
	}
	keepCards := false
	var same any // the fetch raw's body already belongs to (same payload digest)
	if fetched && p.raw != nil {
		if sp.bodyFetch != nil && sp.digest != "" && sp.digest == p.raw.Fetch.Digest {
			same = *sp.bodyFetch
			// The same bytes as the stored raw response: the body stays
			// with the fetch that brought it; when the content is
			// unchanged too, so do the cards, and only raw's fetch time
			// moves.
			keepCards = result == finarchive.SaveUnchanged
		} else if sp.bodyFetch != nil {
			// Another body: the stored one moves into its own fetch row,
			// so every distinct body stays exportable.
			b.Queue(`UPDATE fetches SET (body, body_encoding, body_size, body_type, content_encoding) =
				(SELECT data, encoding, size, content_type, content_encoding FROM raw WHERE page_id = $1)
				WHERE id = $2 AND body IS NULL`, id, *sp.bodyFetch)
		}
		fr := p.raw.Fetch
		warcID, warcRequest := fr.WARCID, fr.WARCRequest
		keepRaw := keepCards
		if same != nil {
			// The body stays with the fetch that brought it first, and its
			// records: this fetch is a revisit, built at export. A body
			// kept as WARC records stays as it is (its records are that
			// fetch's), whatever the content.
			warcID, warcRequest = "", nil
			keepRaw = keepRaw || p.raw.Compression == store.RecordEncoding
		}
		if keepRaw {
			b.Queue(insertFetchSQL, id, nullRun(runID), p.fetchedAt, fr.Status, fr.Digest, fr.IP, fr.Request, fr.Response, warcID, warcRequest)
			b.Queue("UPDATE raw SET fetched_at = $2 WHERE page_id = $1", id, p.fetchedAt)
		} else {
			b.Queue(`WITH f AS (`+insertFetchSQL+` RETURNING id)
				INSERT INTO raw (page_id, content_type, charset, encoding, size, fetched_at, data, content_encoding, fetch_id)
				SELECT $1::bigint, $11::text, $12::text, $13::text, $14::bigint, $3::timestamptz, $15::bytea, $16::text, coalesce($17::bigint, f.id) FROM f
				ON CONFLICT (page_id) DO UPDATE SET content_type = excluded.content_type, charset = excluded.charset,
					encoding = excluded.encoding, size = excluded.size, fetched_at = excluded.fetched_at, data = excluded.data,
					content_encoding = excluded.content_encoding, fetch_id = excluded.fetch_id`,
				id, nullRun(runID), p.fetchedAt, fr.Status, fr.Digest, fr.IP, fr.Request, fr.Response, warcID, warcRequest,
				p.raw.ContentType, store.CharsetOf(p.raw.ContentType), p.raw.StoredEncoding(), p.raw.Size, p.raw.Data, p.raw.Encoding, same)
		}
	}
	if !keepCards {
		queueCards(b, id, rec.Cards, result != finarchive.SaveNew)
	}
	return result, nil
}

// queueCards queues replacing the page's cards, in one statement.
func queueCards(b *pgx.Batch, pageID int64, cards []extract.Card, existing bool) {
	if existing {
		b.Queue("DELETE FROM cards WHERE page_id = $1", pageID)
	}
	if len(cards) == 0 {
		return
	}
	pos := make([]int32, len(cards))
	var titles, urls, snippets, cats, dates = make([]string, len(cards)), make([]string, len(cards)),
		make([]string, len(cards)), make([]string, len(cards)), make([]string, len(cards))
	for i, c := range cards {
		pos[i], titles[i], urls[i], snippets[i], cats[i], dates[i] = int32(i), c.Title, c.URL, c.Snippet, c.Category, c.Date
	}
	b.Queue(`INSERT INTO cards (page_id, position, title, url, snippet, category, date)
		SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
		pageID, pos, titles, urls, snippets, cats, dates)
}

// touchPage records a 304 (or a revisit) of the page at pageURL: fetch
// time, validators (when sent again) and revisit schedule, and the fetch
// fr. It reports whether the page exists.
func (db *DB) touchPage(ctx context.Context, tx pgx.Tx, b *pgx.Batch, pageURL string, fetchedAt time.Time, etag, lastModified string, cfg runConfig, fr *store.FetchRow, runID int64) (bool, error) {
	var id, interval int64
	err := tx.QueryRow(ctx, "SELECT id, revisit_interval_s FROM pages WHERE url = $1 FOR NO KEY UPDATE", pageURL).Scan(&id, &interval)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up page: %w", err)
	}
	iv := store.NextRevisitInterval(time.Duration(interval)*time.Second, finarchive.SaveUnchanged, cfg.min, cfg.max)
	b.Queue(`UPDATE pages SET fetched_at = $2, etag = coalesce(nullif($3, ''), etag),
		last_modified = coalesce(nullif($4, ''), last_modified), revisit_interval_s = $5, next_revisit_at = $6, removed_at = NULL
		WHERE id = $1`, id, fetchedAt, etag, lastModified, int64(iv/time.Second), fetchedAt.Add(iv))
	if fr != nil {
		b.Queue(insertFetchSQL, id, nullRun(runID), fetchedAt, fr.Status, fr.Digest, fr.IP, fr.Request, fr.Response, "", nil) // a 304: no body, no records
	}
	return true, nil
}

// Revisited records a fetch of an archived page that brought nothing new,
// as an import of a WARC's revisit record does: a 304, or a 200 whose
// payload digest is the stored body's. It returns SaveUnchanged, or
// SaveNone when the page is not archived or (for a 200) its stored body has
// another digest.
func (db *DB) Revisited(ctx context.Context, runID int64, pageURL string, fetchedAt time.Time, status int, digest string, c *finarchive.Capture) (finarchive.SaveResult, error) {
	if db.readOnly {
		return finarchive.SaveNone, store.ErrReadOnly
	}
	cfg, err := db.runConfig(ctx, runID)
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("pgstore: revisited %q: %w", pageURL, err)
	}
	fetchedAt = ts(fetchedAt)
	fr := store.NewFetchRow(status, nil, c)
	fr.Digest = ""
	if status == 200 {
		fr.Digest = digest
	}
	result := finarchive.SaveNone
	err = db.write(ctx, func(tx pgx.Tx) error {
		result = finarchive.SaveNone
		if status == 200 {
			var have string
			err := tx.QueryRow(ctx, `SELECT coalesce(f.payload_digest, '') FROM pages p JOIN raw r ON r.page_id = p.id
				LEFT JOIN fetches f ON f.id = r.fetch_id WHERE p.url = $1`, pageURL).Scan(&have)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("look up raw: %w", err)
			}
			same, err := store.SamePayload(digest, have, func() ([]byte, error) {
				var (
					data     []byte
					encoding string
					size     int
				)
				err := tx.QueryRow(ctx, "SELECT r.data, r.encoding, r.size FROM raw r JOIN pages p ON p.id = r.page_id WHERE p.url = $1",
					pageURL).Scan(&data, &encoding, &size)
				if err != nil {
					return nil, err
				}
				return store.Decompress(data, size, encoding)
			})
			if err != nil || !same {
				return err
			}
			fr.Digest = have
		}
		b := &pgx.Batch{}
		ok, err := db.touchPage(ctx, tx, b, pageURL, fetchedAt, "", "", cfg, fr, runID)
		if err != nil || !ok {
			return err
		}
		result = finarchive.SaveUnchanged
		if status == 200 {
			b.Queue("UPDATE raw SET fetched_at = $1 WHERE page_id = (SELECT id FROM pages WHERE url = $2)", fetchedAt, pageURL)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("pgstore: revisited %q: %w", pageURL, err)
	}
	return result, nil
}

// ReextractedUnarchived stores rec, extracted anew from the raw response of
// an unarchived page (finarchive reextract). An article now is archived
// (SaveNew): a page with its first revision, index row, cards, the raw
// response and its fetch (fetch time and run as first kept), and the URL
// leaves the unarchived table. Any other type is noted on the row
// (SaveNone); a blocked page changes nothing (SaveRejected).
func (db *DB) ReextractedUnarchived(ctx context.Context, pageURL string, rec *extract.Record) (finarchive.SaveResult, error) {
	if db.readOnly {
		return finarchive.SaveNone, store.ErrReadOnly
	}
	if store.KindOf(rec) == store.KindRejected {
		return finarchive.SaveRejected, nil
	}
	if store.KindOf(rec) == store.KindOther {
		err := db.write(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE unarchived SET page_type = $1, title = $2 WHERE url = $3", string(rec.PageType), rec.Title, pageURL)
			return err
		})
		if err != nil {
			return finarchive.SaveNone, fmt.Errorf("pgstore: reextracted %q: %w", pageURL, err)
		}
		return finarchive.SaveNone, nil
	}
	page, err := db.newPageRow(pageURL, rec, rec.FetchedAt)
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("pgstore: reextracted %q: %w", pageURL, err)
	}
	result := finarchive.SaveNone
	err = db.write(ctx, func(tx pgx.Tx) error {
		result = finarchive.SaveNone
		var (
			run       *int64
			fetchedAt time.Time
			encoding  string
			fr        store.FetchRow
			raw       store.RawRow
		)
		err := tx.QueryRow(ctx, `SELECT run_id, fetched_at, content_type, encoding, size, data, content_encoding,
			payload_digest, remote_ip, request, response FROM unarchived WHERE url = $1 FOR UPDATE`, pageURL).
			Scan(&run, &fetchedAt, &raw.ContentType, &encoding, &raw.Size, &raw.Data, &raw.Encoding,
				&fr.Digest, &fr.IP, &fr.Request, &fr.Response)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("look up unarchived page: %w", err)
		}
		if encoding != store.RawEncoding {
			return fmt.Errorf("unarchived page: raw in %q", encoding)
		}
		fr.Status = 200
		raw.Fetch = &fr
		page.raw = &raw
		if !fetchedAt.IsZero() {
			page.fetchedAt = ts(fetchedAt)
		}
		var runID int64
		if run != nil {
			runID = *run
		}
		cfg := runConfig{min: store.DefaultMinRevisit, max: store.DefaultMaxRevisit}
		b := &pgx.Batch{}
		if result, err = db.savePage(ctx, tx, b, page, cfg, runID, true); err != nil {
			return err
		}
		b.Queue("DELETE FROM unarchived WHERE url = $1", pageURL)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("pgstore: reextracted %q: %w", pageURL, err)
	}
	return result, nil
}
