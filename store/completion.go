package store

import (
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/internal/warcrec"
)

// Completion is a fetched page sorted for saving: what every back end's
// Complete works out before its transaction, the same way.
type Completion struct {
	Canonical string    // the final URL (after redirects), else the item's
	FetchedAt time.Time // the fetch time, else the record's, else now
	// What the page is saved as: at most one is set. Article: f.Record is
	// saved as a page (with Raw, when the response had a body); Other: the
	// response of a page typed list, home, search or error is kept for
	// reextract; Rejected: a blocked page, which leaves the stored one as
	// it is. None of them (a 304, a failure, a gone page) saves no record.
	Article  bool
	Raw      *RawRow
	Other    *UnarchivedRow
	Rejected bool
	// NotModified is the fetch row of a 304 (nil otherwise).
	NotModified *FetchRow
	// Gone is the fetch row of a 404 or 410, with its body (nil
	// otherwise): kept if an archived article is what is gone, as the
	// fetch that found it removed.
	Gone *FetchRow
}

// RawRow is the raw response an article was extracted from, as the raw
// table keeps it.
type RawRow struct {
	Data        []byte    // the body as received, compressed (RawEncoding), or its WARC response record (RecordEncoding)
	ContentType string    // the response's Content-Type
	Size        int       // bytes before compression
	Encoding    string    // the body's HTTP Content-Encoding ("" = identity)
	Fetch       *FetchRow // the fetch that brought it
	// Compression is how Data holds the body: RawEncoding ("") or
	// RecordEncoding.
	Compression string
}

// RecordEncoding is the encoding of a body kept as the gzip member of the
// WARC response record the crawl built for its fetch (see
// migrations/0010_warc_records.sql): the body is the last Size bytes of
// the record's block.
const RecordEncoding = "warc"

// StoredEncoding is the encoding column's value for r.Data, in either back
// end: RawEncoding, or RecordEncoding.
func (r *RawRow) StoredEncoding() string {
	if r.Compression == "" {
		return rawEncoding
	}
	return r.Compression
}

// CompletionOptions say what NewCompletion prepares besides the rows every
// back end writes.
type CompletionOptions struct {
	// Records: an article's fetch that brought a body, with its request
	// and response captured, is kept as its WARC records (Raw.Data in
	// RecordEncoding, Raw.Fetch.WARCID and WARCRequest), which a WARC
	// export copies.
	Records bool
}

// NewCompletion sorts f for saving; now is the time a fetch without one
// gets. Its costs (compression, digests, the unarchived row) are paid here,
// outside the write transaction.
func NewCompletion(f *finarchive.Fetched, now time.Time, opt CompletionOptions) Completion {
	c := Completion{Canonical: f.FinalURL, FetchedAt: f.FetchedAt}
	if c.Canonical == "" {
		c.Canonical = f.Item.URL
	}
	if c.FetchedAt.IsZero() {
		if f.Record != nil && !f.Record.FetchedAt.IsZero() {
			c.FetchedAt = f.Record.FetchedAt
		} else {
			c.FetchedAt = now
		}
	}
	switch kind := KindOf(f.Record); {
	case f.NotModified:
		c.NotModified = NewFetchRow(http304, nil, f.Capture)
	case f.Gone:
		body, encoding := receivedBody(f)
		c.Gone = NewFetchRow(f.StatusCode, body, f.Capture)
		c.Gone.Body = &RawRow{Data: compress(body), ContentType: f.ContentType, Size: len(body), Encoding: encoding}
	case kind == KindRejected:
		c.Rejected = true
	case kind == KindOther:
		// Kept so that reextract can type it again: nothing is lost by a
		// wrong guess.
		c.Other = NewUnarchivedRow(c.Canonical, f)
	case kind == KindArticle:
		c.Article = true
		if len(f.Raw) > 0 {
			body, encoding := receivedBody(f)
			fr := NewFetchRow(http200, body, f.Capture)
			c.Raw = &RawRow{ContentType: f.ContentType, Size: len(body), Encoding: encoding, Fetch: fr}
			if cp := f.Capture; opt.Records && cp != nil && cp.Request != nil && cp.Response != nil {
				// The date as the fetches row keeps it (milliseconds),
				// so the record and the archive agree.
				r := warcrec.Build(warcrec.Exchange{Target: c.Canonical, Date: c.FetchedAt.Truncate(time.Millisecond), IP: cp.RemoteIP,
					Request: cp.Request, Response: cp.Response, Body: body, PayloadDigest: fr.Digest})
				c.Raw.Data, c.Raw.Compression = r.Response, RecordEncoding
				fr.WARCID, fr.WARCRequest = r.ID, r.Request
			} else {
				c.Raw.Data = compress(body)
			}
		}
	}
	return c
}

// receivedBody is f's body as received, and its Content-Encoding.
func receivedBody(f *finarchive.Fetched) ([]byte, string) {
	if f.Capture != nil && f.Capture.Body != nil {
		return f.Capture.Body, f.Capture.ContentEncoding
	}
	return f.Raw, ""
}

// Kind is how a back end saves an extracted record.
type Kind int

// The kinds of KindOf.
const (
	KindNone     Kind = iota // no record
	KindArticle              // a page with its history (PageType article, or untyped)
	KindOther                // list, home, search, error: kept for reextract only
	KindRejected             // a blocked page (captcha, rate limit): the stored page stays
)

// KindOf says how rec is saved; every back end's Complete and Reextracted
// ask it, so the rule is one.
func KindOf(rec *extract.Record) Kind {
	switch {
	case rec == nil:
		return KindNone
	case rec.PageType == extract.PageBlocked:
		return KindRejected
	case rec.PageType == extract.PageArticle || rec.PageType == "":
		return KindArticle
	}
	return KindOther
}
