package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
)

// The statuses a fetch row holds: besides these, the 404 or 410 with
// which an archived article was found removed (see Completion.Gone).
const (
	http200 = 200
	http304 = 304
)

// FetchRow is a fetch prepared for the fetches table, by either back end (see
// 0006_fetches.sql).
type FetchRow struct {
	Status            int
	Digest            string // payload digest of the body as received; "" for a 304
	IP                string
	Request, Response []byte // compressed head blocks; nil when not captured
	// Body is the body of a fetch that keeps its own: the 404 or 410 page
	// an archived article answered when it was found removed (its Fetch
	// unset). nil for the others: a 200's body is the page's raw response
	// (or an earlier one's), a 304 has none.
	Body *RawRow
	// WARCID and WARCRequest are the response record's ID and the request
	// record of a fetch kept as its WARC records (see RecordEncoding);
	// "" and nil otherwise.
	WARCID      string
	WARCRequest []byte
}

// PayloadDigest is the WARC-Payload-Digest of a body as received:
// "sha256:" and the lower-case hex SHA-256.
func PayloadDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// MatchDigest reports whether data has the WARC digest digest
// ("sha256:<hex>", "sha1:<BASE32>" as Heritrix and wget write it; the
// algorithms sha1, sha256, sha512 and md5, in hex or base32); known is
// false for an algorithm it does not know (or no digest), which nothing
// can be checked against.
func MatchDigest(digest string, data []byte) (match, known bool) {
	alg, val, ok := strings.Cut(strings.TrimSpace(digest), ":")
	if !ok {
		return false, false
	}
	var h hash.Hash
	switch strings.ToLower(alg) {
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	case "md5":
		h = md5.New()
	default:
		return false, false
	}
	h.Write(data)
	sum := h.Sum(nil)
	return strings.EqualFold(val, hex.EncodeToString(sum)) ||
		strings.EqualFold(strings.TrimRight(val, "="), base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum)), true
}

// NewFetchRow prepares what a fetch's row keeps beside its body (status,
// payload digest, remote address, compressed heads), for either back end.
func NewFetchRow(status int, body []byte, c *finarchive.Capture) *FetchRow {
	fr := &FetchRow{Status: status}
	if status != http304 {
		fr.Digest = PayloadDigest(body)
	}
	if c != nil && c.Response != nil {
		fr.IP = c.RemoteIP
		fr.Response = compress(c.Response)
		if c.Request != nil {
			fr.Request = compress(c.Request)
		}
	}
	return fr
}

// insertFetch adds the fetch fr of page pageID. withBody says fr brought
// the body about to go into raw, which may hold an earlier one (false for a
// page just inserted: nothing to look up): when raw already holds the same
// payload (same digest), it returns that body's fetch as same and the body
// stays; otherwise the body in raw moves into its own fetch row, so every
// distinct body stays exportable.
func insertFetch(ctx context.Context, tx *wtx, pageID, runID int64, fetchedAt string, fr *FetchRow, withBody bool) (id, same int64, err error) {
	if withBody {
		var (
			bodyFetch sql.NullInt64
			digest    string
		)
		err := tx.QueryRowContext(ctx, `SELECT r.fetch_id, coalesce(f.payload_digest, '') FROM raw r
			LEFT JOIN fetches f ON f.id = r.fetch_id WHERE r.page_id = ?`, pageID).Scan(&bodyFetch, &digest)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return 0, 0, fmt.Errorf("look up raw: %w", err)
		case bodyFetch.Valid && digest != "" && digest == fr.Digest:
			same = bodyFetch.Int64
		case bodyFetch.Valid:
			if _, err := tx.ExecContext(ctx, `UPDATE fetches SET (body, body_encoding, body_size, body_type, content_encoding) =
				(SELECT data, encoding, size, content_type, content_encoding FROM raw WHERE page_id = ?1)
				WHERE id = ?2 AND body IS NULL`, pageID, bodyFetch.Int64); err != nil {
				return 0, 0, fmt.Errorf("keep old body: %w", err)
			}
		}
	}
	var run any
	if runID != 0 {
		run = runID
	}
	warcID, warcRequest := fr.WARCID, fr.WARCRequest
	if same != 0 {
		// The body stays with the fetch that brought it first, and its
		// records: this fetch is a revisit, built at export.
		warcID, warcRequest = "", nil
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO fetches (page_id, run_id, fetched_at, status, payload_digest, remote_ip, request, response, warc_id, warc_request)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		pageID, run, fetchedAt, fr.Status, fr.Digest, fr.IP, fr.Request, fr.Response, warcID, warcRequest).Scan(&id)
	if err != nil {
		return 0, 0, fmt.Errorf("insert fetch: %w", err)
	}
	return id, same, nil
}

// insertGoneFetch adds fr, the 404 or 410 that found page pageID removed,
// with its body, to the page's fetches.
func insertGoneFetch(ctx context.Context, tx *wtx, pageID, runID int64, fetchedAt string, fr *FetchRow) error {
	var run any
	if runID != 0 {
		run = runID
	}
	b := fr.Body
	if _, err := tx.ExecContext(ctx, `INSERT INTO fetches (page_id, run_id, fetched_at, status, payload_digest, remote_ip, request, response,
		body, body_encoding, body_size, body_type, content_encoding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pageID, run, fetchedAt, fr.Status, fr.Digest, fr.IP, fr.Request, fr.Response,
		b.Data, rawEncoding, b.Size, b.ContentType, b.Encoding); err != nil {
		return fmt.Errorf("insert fetch of removal: %w", err)
	}
	return nil
}

// Fetch is one fetch of an archived page, as a WARC export writes it.
type Fetch struct {
	FetchedAt     time.Time
	Status        int    // 200 or 304; or the 404 or 410 with which the page was found removed
	PayloadDigest string // "sha256:<hex>" of the body as received; "" for a 304 or when Reconstructed
	RemoteIP      string
	// Request and Response are the head blocks as sent and received (see
	// finarchive.Capture); nil when the fetch was not captured.
	Request, Response []byte
	// Body is the body as received; nil for a 304 and for a fetch that
	// brought the same payload as an earlier one (see PayloadDigest).
	Body            []byte
	ContentType     string // of Body
	ContentEncoding string // of Body: "" or "gzip"
	// Reconstructed marks a fetch archived before captures were kept:
	// Body is the page as stored then (content decoding undone by the
	// HTTP client), and there are no head blocks.
	Reconstructed bool
	// Records are the fetch's WARC records as the crawl kept them, given
	// (instead of Body) when ExportOptions.Records asks for them; nil for
	// a fetch without them.
	Records *WARCRecords
}

// WARCRecords are a fetch's request and response records as the crawl
// built them (see RecordEncoding), each a gzip member: what a WARC
// export writes for the fetch, copied.
type WARCRecords struct {
	ID                string // the response record's WARC-Record-ID, "urn:uuid:…" (in angle brackets in the record)
	Request, Response []byte
}

// ExportFetches is Export with each page's fetches, oldest first: fn gets
// the record and the fetches (bodies decompressed) of one page at a time.
// The fetches come from one query, read alongside the pages' (both in page
// id order), not from a query per page; fetches f is the outer loop (CROSS
// JOIN) so SQLite reads it in index order and sorts nothing. The slice is
// reused once fn returns.
func (db *DB) ExportFetches(ctx context.Context, opt ExportOptions, fn func(*ExportRecord, []Fetch) error) error {
	where, args := exportFilter(opt, "f.page_id")
	rows, err := db.r.QueryContext(ctx, `SELECT f.page_id, f.fetched_at, f.status, f.payload_digest, f.remote_ip, f.reconstructed,
		f.head_encoding, f.request, f.response,
		f.body, f.body_encoding, f.body_size, f.body_type, f.content_encoding,
		CASE WHEN r.fetch_id = f.id THEN r.data END, coalesce(r.encoding, ''), coalesce(r.size, 0),
		coalesce(r.content_type, ''), coalesce(r.content_encoding, ''), f.warc_id, f.warc_request
		FROM fetches f CROSS JOIN pages p ON p.id = f.page_id LEFT JOIN raw r ON r.page_id = f.page_id
		WHERE `+where+` ORDER BY f.page_id, f.id`, args...)
	if err != nil {
		return fmt.Errorf("store: export: fetches: %w", err)
	}
	defer rows.Close()
	var (
		fs      []Fetch
		pending Fetch // read ahead: the first fetch of a later page
		pendID  int64 // its page; 0 = none read
		done    bool
	)
	err = db.exportPages(ctx, opt, func(id int64, er *ExportRecord) error {
		fs = fs[:0]
		for !done {
			if pendID == 0 {
				if !rows.Next() {
					if err := rows.Err(); err != nil {
						return fmt.Errorf("store: export %q: fetches: %w", er.URL, err)
					}
					done = true
					break
				}
				var err error
				if pendID, pending, err = scanFetch(rows, opt.Records); err != nil {
					return fmt.Errorf("store: export %q: fetches: %w", er.URL, err)
				}
			}
			if pendID > id {
				break
			}
			if pendID == id {
				fs = append(fs, pending)
			}
			// (A fetch of a page the pages query does not show, written
			// between the two queries, is passed over.)
			pendID = 0
		}
		return fn(er, fs)
	})
	return err
}

// PageIDSpan returns the smallest and the largest page id (0 and 0 when
// there are no pages): the span an export read in id ranges
// (ExportFetchesIn) covers. Pages archived after it are not in it.
func (db *DB) PageIDSpan(ctx context.Context) (first, last int64, err error) {
	if err := db.r.QueryRowContext(ctx, "SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM pages").Scan(&first, &last); err != nil {
		return 0, 0, fmt.Errorf("store: page ids: %w", err)
	}
	return first, last, nil
}

// ExportFetchesIn is ExportFetches of the selected pages whose ids are from
// first to last (inclusive) only. Its queries hold read connections of
// their own, so the ranges of an export can be read at once (SQLite in WAL
// mode serves concurrent readers), up to ExportReaders calls at a time;
// each reads what the archive holds when it starts.
func (db *DB) ExportFetchesIn(ctx context.Context, opt ExportOptions, first, last int64, fn func(*ExportRecord, []Fetch) error) error {
	if last < first || last <= 0 {
		return nil
	}
	opt.fromID, opt.toID = first, last
	return db.ExportFetches(ctx, opt, fn)
}

// ExportReaders is how many ExportFetchesIn calls may run at once: each
// holds three read connections (pages, cards, fetches) until it returns,
// and more calls than the pool has room for would wait on each other.
func (db *DB) ExportReaders() int { return readConns / 3 }

// scanFetch reads a row of ExportFetches' query; with records, a body kept
// as WARC records comes as them (Fetch.Records), not decompressed.
func scanFetch(rows *sql.Rows, records bool) (int64, Fetch, error) {
	var (
		pageID                    int64
		f                         Fetch
		at, headEnc               string
		req, resp, body, rawData  sql.RawBytes // decompressed before the next row: not copied
		bodyEnc, rawEnc           string
		bodySize, rawSize         int
		bodyType, rawType, bodyCE string
		rawCE, warcID             string
		warcReq                   sql.RawBytes // copied only when used
	)
	if err := rows.Scan(&pageID, &at, &f.Status, &f.PayloadDigest, &f.RemoteIP, &f.Reconstructed, &headEnc, &req, &resp,
		&body, &bodyEnc, &bodySize, &bodyType, &bodyCE, &rawData, &rawEnc, &rawSize, &rawType, &rawCE, &warcID, &warcReq); err != nil {
		return 0, f, err
	}
	f.FetchedAt = parseTime(at)
	var err error
	if req != nil {
		if f.Request, err = decompressHead(req, headEnc); err != nil {
			return 0, f, fmt.Errorf("request head: %w", err)
		}
	}
	if resp != nil {
		if f.Response, err = decompressHead(resp, headEnc); err != nil {
			return 0, f, fmt.Errorf("response head: %w", err)
		}
	}
	if records && warcID != "" && warcReq != nil {
		data, enc := body, bodyEnc
		f.ContentType, f.ContentEncoding = bodyType, bodyCE
		if body == nil {
			data, enc = rawData, rawEnc
			f.ContentType, f.ContentEncoding = rawType, rawCE
		}
		if data != nil && enc == RecordEncoding {
			f.Records = &WARCRecords{ID: warcID, Request: bytes.Clone(warcReq), Response: bytes.Clone(data)}
			return pageID, f, nil
		}
	}
	switch {
	case body != nil:
		if f.Body, err = decompress(body, bodySize, bodyEnc); err != nil {
			return 0, f, fmt.Errorf("body: %w", err)
		}
		f.ContentType, f.ContentEncoding = bodyType, bodyCE
	case rawData != nil:
		if f.Body, err = decompress(rawData, rawSize, rawEnc); err != nil {
			return 0, f, fmt.Errorf("body: %w", err)
		}
		f.ContentType, f.ContentEncoding = rawType, rawCE
	}
	return pageID, f, nil
}

// decompressHead returns a head block stored in encoding.
func decompressHead(data []byte, encoding string) ([]byte, error) {
	if encoding != rawEncoding {
		return nil, fmt.Errorf("unknown encoding %q", encoding)
	}
	return decompressSnappy(data)
}

// decodeContent undoes the HTTP Content-Encoding of a stored body.
func decodeContent(body []byte, contentEncoding string) ([]byte, error) {
	switch contentEncoding {
	case "":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return io.ReadAll(zr)
	default:
		return nil, fmt.Errorf("unknown content encoding %q", contentEncoding)
	}
}

// SamePayload reports whether a revisit's payload digest (any algorithm
// MatchDigest knows) names the stored body whose SHA-256 digest is have;
// body gives that body as received, read only when digest is in another
// algorithm (Heritrix and wget write SHA-1). An unknown algorithm or no
// stored digest matches nothing.
func SamePayload(digest, have string, body func() ([]byte, error)) (bool, error) {
	switch {
	case have == "":
		return false, nil
	case strings.EqualFold(strings.TrimSpace(digest), have):
		return true, nil
	case strings.HasPrefix(strings.ToLower(strings.TrimSpace(digest)), "sha256:"):
		return false, nil
	}
	b, err := body()
	if err != nil {
		return false, fmt.Errorf("stored body: %w", err)
	}
	match, _ := MatchDigest(digest, b)
	return match, nil
}

// Revisited records a fetch of an archived page that brought nothing new,
// as an import of a WARC's revisit record does: a 304 (status 304), or a
// 200 whose payload digest is the stored body's. The fetch time and revisit
// schedule move as for a 304 in a crawl. It returns SaveUnchanged, or
// SaveNone when the page is not archived or (for a 200) its stored body has
// another digest.
func (db *DB) Revisited(ctx context.Context, runID int64, pageURL string, fetchedAt time.Time, status int, digest string, c *finarchive.Capture) (finarchive.SaveResult, error) {
	if db.w == nil {
		return finarchive.SaveNone, ErrReadOnly
	}
	cfg, err := db.runConfig(ctx, db.r, runID)
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("store: revisited %q: %w", pageURL, err)
	}
	fr := NewFetchRow(status, nil, c)
	fr.Digest = ""
	if status == http200 {
		fr.Digest = digest
	}
	result := finarchive.SaveNone
	err = db.write(ctx, func(tx *wtx) error {
		result = finarchive.SaveNone
		if status == http200 {
			var have string
			err := tx.QueryRowContext(ctx, `SELECT coalesce(f.payload_digest, '') FROM pages p JOIN raw r ON r.page_id = p.id
				LEFT JOIN fetches f ON f.id = r.fetch_id WHERE p.url = ?`, pageURL).Scan(&have)
			if err == sql.ErrNoRows {
				return nil
			}
			if err != nil {
				return fmt.Errorf("look up raw: %w", err)
			}
			same, err := SamePayload(digest, have, func() ([]byte, error) {
				var (
					data     []byte
					encoding string
					size     int
				)
				err := tx.QueryRowContext(ctx, "SELECT r.data, r.encoding, r.size FROM raw r JOIN pages p ON p.id = r.page_id WHERE p.url = ?",
					pageURL).Scan(&data, &encoding, &size)
				if err != nil {
					return nil, err
				}
				return decompress(data, size, encoding)
			})
			if err != nil || !same {
				return err
			}
			fr.Digest = have
		}
		ok, err := db.touchPage(ctx, tx, pageURL, fetchedAt, "", "", cfg, fr, runID)
		if err != nil || !ok {
			return err
		}
		result = finarchive.SaveUnchanged
		if status == http200 {
			if _, err := tx.ExecContext(ctx, "UPDATE raw SET fetched_at = ? WHERE page_id = (SELECT id FROM pages WHERE url = ?)",
				fmtTime(fetchedAt), pageURL); err != nil {
				return fmt.Errorf("touch raw: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return finarchive.SaveNone, fmt.Errorf("store: revisited %q: %w", pageURL, err)
	}
	return result, nil
}
