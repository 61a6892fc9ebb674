package archivecmp

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/finarchive/finarchive/store"
)

// LoadPG writes the rows src holds into the PostgreSQL archive of pool
// (empty, schema current) with plain SQL, ids kept: the same stored rows
// in both back ends, so that their read sides can be compared row for
// row, whatever the write side does.
func LoadPG(ctx context.Context, pool *pgxpool.Pool, src store.Dumper) error {
	runs, err := src.DumpRuns(ctx)
	if err != nil {
		return err
	}
	null := func(id int64) any {
		if id == 0 {
			return nil
		}
		return id
	}
	nullTime := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t
	}
	nullStr := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, rd := range runs {
			r := rd.Run
			opts := string(r.Options)
			if opts == "" {
				opts = "{}"
			}
			or := func(m map[string]int) map[string]int {
				if m == nil {
					return map[string]int{}
				}
				return m
			}
			if _, err := tx.Exec(ctx, `INSERT INTO runs (id, seeds, options, adaptive, min_revisit_s, max_revisit_s, started_at,
				finished_at, status, error, fetched, new, changed, unchanged, not_modified, failed, skipped, bytes, skipped_by,
				failed_by, gone, gone_by, deferred, dropped, removed)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25)`,
				r.ID, r.Seeds, opts, rd.Spec.Adaptive, int64(rd.Spec.MinRevisit/time.Second), int64(rd.Spec.MaxRevisit/time.Second),
				r.StartedAt, nullTime(r.FinishedAt), r.Status, r.Error, r.Fetched, r.New, r.Changed, r.Unchanged, r.NotModified,
				r.Failed, r.Skipped, r.Bytes, or(r.SkippedBy), or(r.FailedBy), r.Gone, or(r.GoneBy), r.Deferred, r.Dropped, r.Removed); err != nil {
				return err
			}
		}
		err := src.DumpPages(ctx, func(p *store.PageDump) error {
			if _, err := tx.Exec(ctx, `INSERT INTO pages (id, url, site, title, body, body_html, published, published_utc,
				published_raw, author, source, category, breadcrumb, keywords, content_hash, etag, last_modified, first_seen_at,
				fetched_at, changed_at, revisit_interval_s, next_revisit_at, removed_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)`,
				p.ID, p.URL, p.Site, p.Title, p.Body, p.BodyHTML, nullStr(p.Published), nullTime(p.PublishedUTC), p.PublishedRaw,
				p.Author, p.Source, p.Category, p.Breadcrumb, p.Keywords, p.ContentHash, p.ETag, p.LastModified, p.FirstSeenAt,
				p.FetchedAt, p.ChangedAt, int64(p.RevisitInterval/time.Second), p.NextRevisitAt, nullTime(p.RemovedAt)); err != nil {
				return err
			}
			for _, r := range p.Revisions {
				if _, err := tx.Exec(ctx, `INSERT INTO revisions (id, page_id, run_id, content_hash, title, body, published,
					published_raw, author, source, category, breadcrumb, keywords, fetched_at)
					VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
					r.ID, p.ID, null(r.RunID), r.ContentHash, r.Title, r.Body, nullStr(r.Published), r.PublishedRaw, r.Author,
					r.Source, r.Category, r.Breadcrumb, r.Keywords, r.FetchedAt); err != nil {
					return err
				}
			}
			for i, c := range p.Cards {
				if _, err := tx.Exec(ctx, `INSERT INTO cards (page_id, position, title, url, snippet, category, date)
					VALUES ($1,$2,$3,$4,$5,$6,$7)`, p.ID, i, c.Title, c.URL, c.Snippet, c.Category, c.Date); err != nil {
					return err
				}
			}
			for _, f := range p.Fetches {
				if _, err := tx.Exec(ctx, `INSERT INTO fetches (id, page_id, run_id, fetched_at, status, payload_digest,
					remote_ip, reconstructed, head_encoding, request, response, body, body_encoding, body_size, body_type,
					content_encoding, warc_id, warc_request) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
					f.ID, p.ID, null(f.RunID), f.FetchedAt, f.Status, f.PayloadDigest, f.RemoteIP, f.Reconstructed,
					f.HeadEncoding, f.Request, f.Response, f.Body, f.BodyEncoding, f.BodySize, f.BodyType, f.ContentEncoding,
					f.WARCID, f.WARCRequest); err != nil {
					return err
				}
			}
			if r := p.Raw; r != nil {
				if _, err := tx.Exec(ctx, `INSERT INTO raw (page_id, content_type, charset, encoding, size, fetched_at, data,
					content_encoding, fetch_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
					p.ID, r.ContentType, r.Charset, r.Encoding, r.Size, r.FetchedAt, r.Data, r.ContentEncoding, null(r.FetchID)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = src.DumpUnarchived(ctx, func(u *store.UnarchivedDump) error {
			_, err := tx.Exec(ctx, `INSERT INTO unarchived (id, url, page_type, title, run_id, fetched_at, content_type,
				charset, encoding, size, data, content_encoding, payload_digest, remote_ip, request, response)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
				u.ID, u.URL, u.PageType, u.Title, null(u.RunID), u.FetchedAt, u.ContentType, u.Charset, u.Encoding, u.Size,
				u.Data, u.ContentEncoding, u.PayloadDigest, u.RemoteIP, u.Request, u.Response)
			return err
		})
		if err != nil {
			return err
		}
		err = src.DumpFrontier(ctx, func(f *store.FrontierDump) error {
			next := f.NextTry
			if next.IsZero() {
				next = time.Unix(0, 0)
			}
			_, err := tx.Exec(ctx, `INSERT INTO frontier (id, run_id, url, host, depth, attempts, next_try, state, last_error,
				fail_runs) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
				f.ID, f.RunID, f.URL, f.Host, f.Depth, f.Attempts, next, f.State, f.LastError, f.FailRuns)
			return err
		})
		if err != nil {
			return err
		}
		for _, tb := range []string{"pages", "runs", "revisions", "fetches", "unarchived", "frontier"} {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+tb+`', 'id'), coalesce(max(id), 0) + 1, false) FROM `+tb); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load rows into PostgreSQL: %w", err)
	}
	return nil
}
