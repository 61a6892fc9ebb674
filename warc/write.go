// Package warc hands an archive to other web-archiving tools and takes
// theirs in: it writes the archive's fetches as a WARC 1.1 file (ISO 28500)
// or a WACZ 1.2.0 package, and imports the HTML responses of a WARC or WACZ
// made by another tool (wget, Browsertrix, Heritrix) as a run of its own.
// Records are built and parsed by github.com/nlnwa/gowarc/v3; this package
// decides what goes in them.
package warc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/finarchive/finarchive/store"
	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	gowarc "github.com/nlnwa/gowarc/v3"
)

// Content types of the records written.
const (
	typeResponse = "application/http;msgtype=response"
	typeRequest  = "application/http;msgtype=request"
	typeMetadata = "application/json"
)

// CaptureField is the WARC header field (an extension field, as the
// standard allows) that marks a record whose HTTP head was not captured
// but synthesised from the archive: fetches archived before finarchive kept
// captures, and requests whose headers were not recorded (an import from a
// WARC that has no request record).
const CaptureField = "Finarchive-Capture"

// Options select what Write writes.
type Options struct {
	store.ExportOptions
	Software string // the warcinfo record's "software" (finarchive and its version)
	Filename string // WARC-Filename of the warcinfo record ("" = none)
	TmpDir   string // where a record larger than 1 MiB is spooled ("" = the system's)
	// OnPage, when set, is called with each exported article after its
	// records are written (WACZ uses it for pages.jsonl).
	OnPage func(*store.ExportRecord) error
	Logger *slog.Logger
}

// Stats count what Write wrote.
type Stats struct {
	Pages         int   `json:"pages"`
	Responses     int   `json:"responses"`
	Revisits      int   `json:"revisits"`
	Requests      int   `json:"requests"`
	Metadata      int   `json:"metadata"`
	Reconstructed int   `json:"reconstructed"` // responses with a synthesised head
	Missing       int   `json:"missing"`       // fetches with neither a body nor an earlier payload to refer to (logged)
	Bytes         int64 `json:"bytes"`
}

// IndexEntry describes one response or revisit record as written, for a
// CDXJ index.
type IndexEntry struct {
	URL    string
	Date   time.Time
	Mime   string // payload type; "warc/revisit" for a revisit
	Status int
	Digest string // payload digest
	Offset int64  // of the record's gzip member in the file
	Length int64  // of the gzip member
}

// Write writes the selected articles of db to w as a WARC/1.1 file, one
// gzip member per record: a warcinfo record; for each fetch of each page a
// request record and a response record (the head as received and the body
// before content decoding) or a revisit record (server-not-modified for a
// 304, identical-payload-digest for a body seen before), with
// WARC-Block-Digest and WARC-Payload-Digest; and a metadata record holding
// the article's extracted record as JSON. With Since, fetches before it are
// left out. It streams: one page's fetches in memory at a time, and a few
// records on their way through gzip. index, when not nil, is told of each
// response and revisit record as it is written: from another goroutine,
// one entry at a time in file order, all before Write returns.
func Write(ctx context.Context, db store.Archive, w io.Writer, opt Options, index func(IndexEntry) error) (Stats, error) {
	ww := &writer{cw: &countWriter{w: w}, opt: opt, index: index, log: opt.Logger,
		marshaler: gowarc.NewMarshaler(), sha: sha256.New()}
	if ww.log == nil {
		ww.log = slog.New(slog.DiscardHandler)
	}
	ww.start(runtime.GOMAXPROCS(0))
	err := ww.warcinfo()
	if err == nil {
		err = db.ExportFetches(ctx, opt.ExportOptions, func(er *store.ExportRecord, fs []store.Fetch) error {
			if err := ww.page(er, fs); err != nil {
				return err
			}
			if opt.OnPage != nil {
				return opt.OnPage(er)
			}
			return nil
		})
	}
	if ferr := ww.finish(); err == nil {
		err = ferr
	}
	ww.st.Bytes = ww.cw.n
	return ww.st, err
}

// writer writes the records of an export. Each record is built and
// marshalled by gowarc in the caller's goroutine, gzipped (its own member)
// by one of a few workers, and written in order by one goroutine, which
// also counts offsets and tells index of each entry, so the cost of gzip,
// most of what is left, is spread over the machine's cores while the
// output stays as a serial writer would make it.
type writer struct {
	cw         *countWriter
	marshaler  gowarc.Marshaler
	sha        hash.Hash
	sum        []byte
	opt        Options
	index      func(IndexEntry) error
	log        *slog.Logger
	st         Stats
	warcinfoID string

	work, order chan *job     // to the workers; to the writer, in record order
	written     chan struct{} // closed when the writer is done
	mu          sync.Mutex
	err         error // the first error writing or indexing
}

// job is one record on its way out.
type job struct {
	raw, out *bytes.Buffer // the record; its gzip member
	entry    *IndexEntry   // for index, offset and length filled in when written; nil = none
	done     chan struct{} // closed when out is ready
}

// bufs holds the buffers records and their gzip members pass through.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 4<<20 { // a rare large record's buffer is let go
		b.Reset()
		bufs.Put(b)
	}
}

// start starts n gzip workers and the writer. A few records per worker
// wait at most, so memory stays bounded.
func (ww *writer) start(n int) {
	n = max(n, 1)
	ww.work, ww.order = make(chan *job, 2*n), make(chan *job, 2*n)
	ww.written = make(chan struct{})
	for range n {
		go ww.compress()
	}
	go ww.write()
}

func (ww *writer) compress() {
	// The fastest level: a page is a few KB of HTML and every record is
	// its own gzip member, so higher levels buy little and cost the most.
	gz, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	for j := range ww.work {
		j.out = bufs.Get().(*bytes.Buffer)
		gz.Reset(j.out)
		gz.Write(j.raw.Bytes()) // into a bytes.Buffer: no error
		gz.Close()
		putBuf(j.raw)
		j.raw = nil
		close(j.done)
	}
}

func (ww *writer) write() {
	defer close(ww.written)
	for j := range ww.order {
		<-j.done
		if ww.failed() == nil {
			off := ww.cw.n
			_, err := ww.cw.Write(j.out.Bytes())
			if err != nil {
				ww.fail(fmt.Errorf("warc: write: %w", err))
			} else if j.entry != nil && ww.index != nil {
				j.entry.Offset, j.entry.Length = off, ww.cw.n-off
				if err := ww.index(*j.entry); err != nil {
					ww.fail(err)
				}
			}
		}
		putBuf(j.out)
	}
}

func (ww *writer) fail(err error) {
	ww.mu.Lock()
	defer ww.mu.Unlock()
	if ww.err == nil {
		ww.err = err
	}
}

func (ww *writer) failed() error {
	ww.mu.Lock()
	defer ww.mu.Unlock()
	return ww.err
}

// finish waits until every record is written and returns the first error
// writing or indexing.
func (ww *writer) finish() error {
	close(ww.work)
	close(ww.order)
	<-ww.written
	return ww.failed()
}

// ref is a response a revisit can refer to.
type ref struct {
	id   string // record id; "" when not in this file (before Since)
	date time.Time
}

func (ww *writer) warcinfo() error {
	ww.warcinfoID = newID()
	var fields gowarc.WarcFields
	fields.Add("software", ww.opt.Software)
	fields.Add("format", "WARC File Format 1.1")
	fields.Add("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/")
	fields.Add("description", "finarchive archive export: request and response records of each fetch, revisits, and a metadata record (application/json) with each article's extracted record")
	var block bytes.Buffer
	if _, err := fields.Write(&block); err != nil {
		return fmt.Errorf("warc: warcinfo: %w", err)
	}
	h := header{gowarc.WarcRecordID: ww.warcinfoID, gowarc.ContentType: gowarc.ApplicationWarcFields}
	if ww.opt.Filename != "" {
		h[gowarc.WarcFilename] = ww.opt.Filename
	}
	return ww.record(gowarc.Warcinfo, time.Now(), h, block.Bytes(), nil, nil)
}

// header is the WARC header fields of a record besides type, date,
// Content-Length and digests.
type header map[string]string

// maxMemBody is the size of a record's content above which gowarc's
// builder spools it to a temporary file instead of holding a copy in memory.
const maxMemBody = 1 << 20

// record builds one record and sends it on to be gzipped, its own member,
// and written; entry, when not nil, goes to index once the member's offset
// and length are known.
//
// The header fields are this package's own, so gowarc is told not to
// re-validate them (parsing every URI again was most of an export's time)
// and not to parse the block; the digests, which gowarc would otherwise
// compute as it validates, are computed here and set: WARC-Block-Digest
// over head and body, and for a request WARC-Payload-Digest over body, the
// payload that follows the HTTP head (a response's comes set by page; a
// revisit keeps the payload digest it refers to, or none for a 304).
// gowarc still builds the record and writes it.
func (ww *writer) record(typ gowarc.RecordType, date time.Time, h header, head, body []byte, entry *IndexEntry) error {
	if err := ww.failed(); err != nil {
		return err
	}
	size := len(head) + len(body)
	rb := gowarc.NewRecordBuilder(typ, gowarc.WithSpecViolationPolicy(gowarc.ErrIgnore), gowarc.WithSkipParseBlock(),
		gowarc.WithBufferMaxMemBytes(int64(min(max(size, 1), maxMemBody))), gowarc.WithBufferTmpDir(ww.opt.TmpDir))
	rb.AddWarcHeaderTime(gowarc.WarcDate, date)
	if typ == gowarc.Request {
		h[gowarc.WarcPayloadDigest] = ww.digest(body)
	}
	for _, k := range []string{gowarc.WarcRecordID, gowarc.WarcTargetURI, gowarc.ContentType, gowarc.WarcConcurrentTo,
		gowarc.WarcRefersTo, gowarc.WarcProfile, gowarc.WarcRefersToTargetURI, gowarc.WarcRefersToDate,
		gowarc.WarcIPAddress, gowarc.WarcFilename, CaptureField} {
		if v, ok := h[k]; ok && v != "" {
			if k == gowarc.WarcRecordID {
				v = angle(v)
			}
			rb.AddWarcHeader(k, v)
		}
	}
	if ww.warcinfoID != "" && typ != gowarc.Warcinfo {
		rb.AddWarcHeader(gowarc.WarcWarcinfoID, angle(ww.warcinfoID))
	}
	rb.AddWarcHeaderInt(gowarc.ContentLength, size)
	rb.AddWarcHeader(gowarc.WarcBlockDigest, ww.digest(head, body))
	if v := h[gowarc.WarcPayloadDigest]; v != "" {
		rb.AddWarcHeader(gowarc.WarcPayloadDigest, v)
	}
	if _, err := rb.Write(head); err != nil {
		rb.Close()
		return fmt.Errorf("warc: build %s record: %w", typ, err)
	}
	if _, err := rb.Write(body); err != nil {
		rb.Close()
		return fmt.Errorf("warc: build %s record: %w", typ, err)
	}
	rec, _, err := rb.Build()
	if err != nil {
		return fmt.Errorf("warc: build %s record for %s: %w", typ, h[gowarc.WarcTargetURI], err)
	}
	j := &job{raw: bufs.Get().(*bytes.Buffer), entry: entry, done: make(chan struct{})}
	j.raw.Grow(size + 1024)
	_, _, err = ww.marshaler.Marshal(j.raw, rec, 0)
	rec.Close()
	if err != nil {
		putBuf(j.raw)
		return fmt.Errorf("warc: write %s record: %w", typ, err)
	}
	ww.order <- j
	ww.work <- j
	return nil
}

// digest is the WARC digest ("sha256:<hex>", as gowarc writes it) of the
// concatenation of parts.
func (ww *writer) digest(parts ...[]byte) string {
	ww.sha.Reset()
	for _, p := range parts {
		ww.sha.Write(p)
	}
	ww.sum = ww.sha.Sum(ww.sum[:0])
	return "sha256:" + hex.EncodeToString(ww.sum)
}

// page writes the records of one article.
func (ww *writer) page(er *store.ExportRecord, fs []store.Fetch) error {
	u := er.URL
	var (
		last     ref                // the latest 200, for a 304
		byDigest = map[string]ref{} // responses by payload digest, for identical payloads
		lastResp string             // id of the latest response written, for the metadata record
	)
	for _, f := range fs {
		if f.FetchedAt.Before(ww.opt.Since) {
			// Not written, but a later revisit may refer to it.
			if f.Status == 200 {
				last = ref{date: f.FetchedAt}
				if f.PayloadDigest != "" {
					byDigest[f.PayloadDigest] = last
				}
			}
			continue
		}
		respID, reqID := newID(), newID()
		h := header{gowarc.WarcRecordID: respID, gowarc.WarcTargetURI: u, gowarc.ContentType: typeResponse,
			gowarc.WarcIPAddress: f.RemoteIP}
		head := f.Response
		typ := gowarc.Response
		var body []byte
		switch {
		case f.Status == 304:
			typ = gowarc.Revisit
			h[gowarc.WarcProfile] = gowarc.ProfileServerNotModifiedV1_1
			h[gowarc.WarcRefersTo], h[gowarc.WarcRefersToTargetURI] = angle(last.id), u
			if !last.date.IsZero() {
				h[gowarc.WarcRefersToDate] = last.date.UTC().Format(time.RFC3339Nano)
			}
			if head == nil {
				head = []byte("HTTP/1.1 304 Not Modified\r\n\r\n")
				h[CaptureField] = "synthesised: status line only"
			}
		case f.Body == nil:
			r, ok := byDigest[f.PayloadDigest]
			if !ok || f.PayloadDigest == "" {
				ww.st.Missing++
				ww.log.Warn("warc: fetch with no body to write, left out", "url", u, "fetched_at", f.FetchedAt)
				continue
			}
			typ = gowarc.Revisit
			h[gowarc.WarcProfile] = gowarc.ProfileIdenticalPayloadDigestV1_1
			h[gowarc.WarcRefersTo], h[gowarc.WarcRefersToTargetURI] = angle(r.id), u
			h[gowarc.WarcRefersToDate] = r.date.UTC().Format(time.RFC3339Nano)
			h[gowarc.WarcPayloadDigest] = f.PayloadDigest
			if head == nil {
				head = []byte("HTTP/1.1 200 OK\r\n\r\n")
				h[CaptureField] = "synthesised: status line only"
			}
		default:
			body = f.Body
			if head == nil {
				head = synthHead(f)
				ww.st.Reconstructed++
				if f.Reconstructed {
					h[CaptureField] = "synthesised: archived before captures were kept; status line and headers made from the archive, body as stored (after content decoding)"
				} else {
					h[CaptureField] = "synthesised: status line and headers made from the archive, body as stored"
				}
			}
		}
		reqHead := f.Request
		reqHeader := header{gowarc.WarcRecordID: reqID, gowarc.WarcTargetURI: u, gowarc.ContentType: typeRequest,
			gowarc.WarcConcurrentTo: angle(respID), gowarc.WarcIPAddress: f.RemoteIP}
		if reqHead == nil {
			reqHead = synthRequest(u)
			reqHeader[CaptureField] = "synthesised: request line and Host only"
		}
		if err := ww.record(gowarc.Request, f.FetchedAt, reqHeader, reqHead, nil, nil); err != nil {
			return err
		}
		ww.st.Requests++
		if typ == gowarc.Response {
			h[gowarc.WarcPayloadDigest] = ww.digest(body)
		}
		entry := &IndexEntry{URL: u, Date: f.FetchedAt, Status: f.Status, Digest: h[gowarc.WarcPayloadDigest]}
		if typ == gowarc.Revisit {
			entry.Mime = "warc/revisit"
		} else {
			entry.Mime = mimeOf(head, f.ContentType)
		}
		if ww.index == nil {
			entry = nil
		}
		if err := ww.record(typ, f.FetchedAt, h, head, body, entry); err != nil {
			return err
		}
		if typ == gowarc.Revisit {
			ww.st.Revisits++
		} else {
			ww.st.Responses++
			last = ref{id: respID, date: f.FetchedAt}
			byDigest[h[gowarc.WarcPayloadDigest]] = last
			if f.PayloadDigest != "" {
				byDigest[f.PayloadDigest] = last
			}
			lastResp = respID
		}
		if f.Status == 200 && typ == gowarc.Revisit {
			last = ref{id: byDigest[f.PayloadDigest].id, date: byDigest[f.PayloadDigest].date}
		}
	}
	js, err := json.Marshal(er)
	if err != nil {
		return fmt.Errorf("warc: encode %q: %w", u, err)
	}
	mh := header{gowarc.WarcRecordID: newID(), gowarc.WarcTargetURI: u, gowarc.ContentType: typeMetadata,
		gowarc.WarcRefersTo: angle(lastResp)}
	if err := ww.record(gowarc.Metadata, er.FetchedAt, mh, js, nil, nil); err != nil {
		return err
	}
	ww.st.Metadata++
	ww.st.Pages++
	return nil
}

// synthHead is the head of a fetch archived without one.
func synthHead(f store.Fetch) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	if f.ContentType != "" {
		b.WriteString("Content-Type: " + f.ContentType + "\r\n")
	}
	if f.ContentEncoding != "" {
		b.WriteString("Content-Encoding: " + f.ContentEncoding + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(f.Body)) + "\r\n\r\n")
	return b.Bytes()
}

// synthRequest is a GET of u with its Host, for a fetch whose request
// headers were not kept.
func synthRequest(u string) []byte {
	pu, err := url.Parse(u)
	if err != nil {
		return []byte("GET " + u + " HTTP/1.1\r\n\r\n")
	}
	return []byte("GET " + pu.RequestURI() + " HTTP/1.1\r\nHost: " + pu.Host + "\r\n\r\n")
}

// mimeOf is the media type of a response head's Content-Type, else ct's.
func mimeOf(head []byte, ct string) string {
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("Content-Type")) {
			ct = string(bytes.TrimSpace(v))
			break
		}
	}
	mt, _, _ := bytes.Cut([]byte(ct), []byte(";"))
	return string(bytes.ToLower(bytes.TrimSpace(mt)))
}

func newID() string { return "urn:uuid:" + uuid.NewString() }

// angle wraps a record id in <>, as WARC-Refers-To and WARC-Concurrent-To
// want it; "" stays "".
func angle(id string) string {
	if id == "" {
		return ""
	}
	return "<" + id + ">"
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
