// Package warcrec builds the WARC/1.1 records of a fetch as the crawl
// stores them: its request and its response, each a gzip member of its
// own, with record IDs, the dates and digests fixed when the page was
// fetched. Heritrix and Browsertrix write their WARC records while they
// crawl for the same reasons: the capture is kept in the form archives
// exchange, a capture has one record ID however often it is exported, and
// an export copies the members instead of building and compressing them
// again (the most of its work).
//
// The records are the ones package warc builds at export for a fetch the
// crawl kept none of, field for field in the same order. Neither has a
// WARC-Warcinfo-ID (optional in WARC 1.1): it names the warcinfo record of
// one file, which cannot be known before the file is written.
package warcrec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	gowarc "github.com/nlnwa/gowarc/v3"
)

// Exchange is what a fetch's records are built from.
type Exchange struct {
	Target        string    // the URL fetched
	Date          time.Time // the fetch time, as the archive keeps it
	IP            string    // the server's address, "" when unknown
	Request       []byte    // request line and header fields as sent
	Response      []byte    // status line and header fields as received
	Body          []byte    // the body as received (before content decoding)
	PayloadDigest string    // WARC digest of Body ("sha256:<hex>")
}

// Records are the gzip members of a fetch's request and response
// records, and the response's record ID ("urn:uuid:…"; WARC-Refers-To and
// WARC-Concurrent-To name it in angle brackets).
type Records struct {
	ID       string
	Request  []byte
	Response []byte
}

// The content types of the blocks of response and request records.
const (
	TypeResponse = "application/http;msgtype=response"
	TypeRequest  = "application/http;msgtype=request"
)

// EmptyDigest is the WARC digest of no bytes: a request's payload.
var EmptyDigest = digestOf(sha256.New())

var endOfRecord = []byte("\r\n\r\n")

// builder holds what building one record needs, reused across records.
type builder struct {
	gz  *gzip.Writer
	sha hash.Hash
	hdr bytes.Buffer
}

var builders = sync.Pool{New: func() any {
	gz, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a valid level: no error
	return &builder{gz: gz, sha: sha256.New()}
}}

// Build returns the request and response records of x. Both are built
// with gzip's fastest level, as an export's default.
func Build(x Exchange) Records {
	b := builders.Get().(*builder)
	defer builders.Put(b)
	id := "urn:uuid:" + uuid.NewString()
	respID := "<" + id + ">"
	date := x.Date.UTC().Format(time.RFC3339Nano)
	var resp, req bytes.Buffer
	resp.Grow(len(x.Body)/2 + 1024)
	req.Grow(512)
	b.member(&resp, []field{
		{gowarc.WarcType, gowarc.Response.String()},
		{gowarc.WarcDate, date},
		{gowarc.WarcRecordID, respID},
		{gowarc.WarcTargetURI, x.Target},
		{gowarc.ContentType, TypeResponse},
		{gowarc.WarcIPAddress, x.IP},
		{gowarc.ContentLength, strconv.Itoa(len(x.Response) + len(x.Body))},
		{gowarc.WarcBlockDigest, b.digest(x.Response, x.Body)},
		{gowarc.WarcPayloadDigest, x.PayloadDigest},
	}, x.Response, x.Body)
	b.member(&req, []field{
		{gowarc.WarcType, gowarc.Request.String()},
		{gowarc.WarcDate, date},
		{gowarc.WarcRecordID, "<urn:uuid:" + uuid.NewString() + ">"},
		{gowarc.WarcTargetURI, x.Target},
		{gowarc.ContentType, TypeRequest},
		{gowarc.WarcConcurrentTo, respID},
		{gowarc.WarcIPAddress, x.IP},
		{gowarc.ContentLength, strconv.Itoa(len(x.Request))},
		{gowarc.WarcBlockDigest, b.digest(x.Request, nil)},
		{gowarc.WarcPayloadDigest, EmptyDigest},
	}, x.Request, nil)
	return Records{ID: id, Request: req.Bytes(), Response: resp.Bytes()}
}

type field struct{ name, value string }

// member writes one record, as one gzip member, to out; fields with no
// value are left out.
func (b *builder) member(out *bytes.Buffer, fields []field, head, body []byte) {
	b.hdr.Reset()
	b.hdr.WriteString(gowarc.V1_1.String())
	b.hdr.WriteString("\r\n")
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		b.hdr.WriteString(f.name)
		b.hdr.WriteString(": ")
		b.hdr.WriteString(f.value)
		b.hdr.WriteString("\r\n")
	}
	b.hdr.WriteString("\r\n")
	Member(b.gz, out, b.hdr.Bytes(), head, body)
}

// Member writes a record as one gzip member to out, with gz (reset onto
// out): its version line and header fields (header, ending in the empty
// line), the block (head, then body) and the two CRLFs that end it. out is
// a bytes.Buffer: there is no write error.
func Member(gz *gzip.Writer, out *bytes.Buffer, header, head, body []byte) {
	gz.Reset(out)
	gz.Write(header)
	gz.Write(head)
	gz.Write(body)
	gz.Write(endOfRecord)
	gz.Close()
}

func (b *builder) digest(head, body []byte) string {
	b.sha.Reset()
	b.sha.Write(head)
	b.sha.Write(body)
	return digestOf(b.sha)
}

func digestOf(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

// ErrNotRecord is returned by Body for data that is not a record's gzip
// member ending in a block of the size asked for.
var ErrNotRecord = errors.New("warcrec: not a stored record")

// Body returns the last size bytes of the block of the record that the
// gzip member data holds: the body of a response record built by Build.
func Body(data []byte, size int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotRecord, err)
	}
	zr.Multistream(false)
	plain := bytes.NewBuffer(make([]byte, 0, size+1024))
	if _, err := io.Copy(plain, zr); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotRecord, err)
	}
	p := plain.Bytes()
	if size < 0 || len(p) < size+len(endOfRecord) || !bytes.HasSuffix(p, endOfRecord) {
		return nil, fmt.Errorf("%w: %d bytes, want a block ending in %d", ErrNotRecord, len(p), size)
	}
	return p[len(p)-len(endOfRecord)-size : len(p)-len(endOfRecord)], nil
}
