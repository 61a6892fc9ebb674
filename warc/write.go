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
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/internal/warcrec"
	"github.com/finarchive/finarchive/store"
	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	gowarc "github.com/nlnwa/gowarc/v3"
)

// Content types of the records written.
const (
	typeResponse = warcrec.TypeResponse
	typeRequest  = warcrec.TypeRequest
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
	// OnPage, when set, is called with each exported article after its
	// records are written, one call at a time, in file order, from the
	// goroutine that writes.
	OnPage func(*store.ExportRecord) error
	Logger *slog.Logger
	// Compression is the gzip level of the records' members: 1
	// (gzip.BestSpeed, the fastest that compresses, and the default, 0)
	// to 9 (gzip.BestCompression), or StoreOnly.
	Compression int
}

// StoreOnly is the Compression of members that hold their record
// uncompressed (deflate's stored blocks): still one gzip member per
// record, read by every WARC reader, written with no compressing (most of
// an export's work) but several times larger.
const StoreOnly = -1

// ErrCompression is returned for an Options.Compression out of range.
var ErrCompression = errors.New("warc: compression level: want 1 to 9, or StoreOnly")

// gzipLevel is the gzip package's level for c.
func gzipLevel(c int) (int, error) {
	switch {
	case c == 0:
		return gzip.BestSpeed, nil
	case c == StoreOnly:
		return gzip.NoCompression, nil
	case c >= gzip.BestSpeed && c <= gzip.BestCompression:
		return c, nil
	}
	return 0, fmt.Errorf("%w (got %d)", ErrCompression, c)
}

// Stats count what Write wrote.
type Stats struct {
	Pages         int `json:"pages"`
	Responses     int `json:"responses"`
	Revisits      int `json:"revisits"`
	Requests      int `json:"requests"`
	Metadata      int `json:"metadata"`
	Reconstructed int `json:"reconstructed"` // responses with a synthesised head
	Removals      int `json:"removals"`      // responses that are the 404 or 410 that found an article removed (in Responses)
	// Unarchived counts the responses (in Responses) of the pages fetched
	// but not archived as articles (list, home, search and error pages),
	// and Redirects those of redirects among them: what a replay needs to
	// walk from page to page as the site led.
	Unarchived int   `json:"unarchived"`
	Redirects  int   `json:"redirects"`
	Missing    int   `json:"missing"` // fetches with neither a body nor an earlier payload to refer to (logged)
	Bytes      int64 `json:"bytes"`
}

// IndexEntry describes one response or revisit record as written, for a
// CDXJ index.
type IndexEntry struct {
	URL    string
	Date   time.Time
	Mime   string // payload type; "warc/revisit" for a revisit
	Status int    // the HTTP status; a revisit's is that of the 200 it refers to
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
// the article's extracted record as JSON; then, for each page fetched but
// not archived as an article (list, home, search and error pages, and
// redirects: the pages a replay walks through to reach the articles), the
// request and response records of its latest fetch. A fetch the crawl
// kept as its request and response records (store.WARCRecords) has them
// copied as they are, with the record IDs they got then; the others are
// built now. No record names the warcinfo record (WARC-Warcinfo-ID is
// optional): the kept ones were written before this file was. With Since,
// fetches before it are left out; with Site, other hosts' pages. It
// streams: a few pages in memory at a time. index, when not
// nil, is told of each response and revisit record, and Options.OnPage of
// each page, as they are written: from another goroutine, one call at a
// time in file order, all before Write returns.
func Write(ctx context.Context, db store.Archive, w io.Writer, opt Options, index func(IndexEntry) error) (Stats, error) {
	return write(ctx, db, w, opt, index, nil)
}

// pageHook is what WriteWACZ adds to Write: line makes a line from each
// page (and its metadata record's JSON) in an encoder, and page is given
// it in file order by the writer, so the encoding is spread over the cores
// too; page's record is nil but for the first page of each part.
type pageHook struct {
	line func(er *store.ExportRecord, meta []byte) ([]byte, error)
	page func(*store.ExportRecord, []byte) error
}

// rangeReader is an archive that can read the pages of an export in id
// ranges, several at once (*store.DB): each encoder then reads the pages
// it writes, and the reading is spread over the cores too.
type rangeReader interface {
	PageIDSpan(ctx context.Context) (first, last int64, err error)
	ExportFetchesIn(ctx context.Context, opt store.ExportOptions, first, last int64, fn func(*store.ExportRecord, []store.Fetch) error) error
	ExportReaders() int
}

// The sizes of the pieces an export is cut into: a chunk is read and
// encoded by one encoder (rangeSize page ids, or chunkPages pages read by
// Write's goroutine); its records reach the writer in parts of at most
// about partBytes or partPages pages, so memory stays bounded however
// large the pages.
const (
	rangeSize  = 512
	chunkPages = 64
	partBytes  = 1 << 20
	partPages  = 256
)

func write(ctx context.Context, db store.Archive, w io.Writer, opt Options, index func(IndexEntry) error, hook *pageHook) (Stats, error) {
	level, err := gzipLevel(opt.Compression)
	if err != nil {
		return Stats{}, err
	}
	// Fetches the crawl kept as their WARC records (built at gzip's
	// fastest level, the default) come as them, copied; another level
	// builds them again.
	opt.Records = level == gzip.BestSpeed
	ww := &writer{ctx: ctx, cw: &countWriter{w: w}, opt: opt, level: level, index: index, hook: hook, log: opt.Logger, warcinfoID: newID()}
	if ww.log == nil {
		ww.log = slog.New(slog.DiscardHandler)
	}
	ww.keepPages = hook != nil || opt.OnPage != nil
	n := runtime.GOMAXPROCS(0)
	if rr, ok := db.(rangeReader); ok {
		ww.rr = rr
		n = min(n, rr.ExportReaders())
	}
	ww.start(n)
	err = ww.queue(&chunk{info: true})
	if err == nil {
		if ww.rr != nil {
			err = ww.queueRanges()
		} else {
			err = ww.queuePages(db)
		}
	}
	if d, ok := db.(store.Dumper); ok && err == nil {
		err = ww.queueUnarchived(d)
	}
	if ferr := ww.finish(); err == nil {
		err = ferr
	}
	ww.st.Bytes = ww.cw.n
	return ww.st, err
}

// queueRanges queues the archive's page ids, rangeSize at a time, each
// range for an encoder to read and encode.
func (ww *writer) queueRanges() error {
	first, last, err := ww.rr.PageIDSpan(ww.ctx)
	if err != nil {
		return err
	}
	for lo := max(first, 1); lo <= last; lo += rangeSize {
		if err := ww.queue(&chunk{first: lo, last: min(lo+rangeSize-1, last)}); err != nil {
			return err
		}
	}
	return nil
}

// queuePages reads the pages (an archive that cannot be read in ranges)
// and queues them, chunkPages at a time, for the encoders.
func (ww *writer) queuePages(db store.Archive) error {
	c := &chunk{}
	size := 0
	err := db.ExportFetches(ww.ctx, ww.opt.ExportOptions, func(er *store.ExportRecord, fs []store.Fetch) error {
		// fs is reused once this returns; the fetches it holds are not.
		c.pages = append(c.pages, pageFetches{er, slices.Clone(fs)})
		for _, f := range fs {
			size += len(f.Body)
		}
		if len(c.pages) < chunkPages && size < partBytes {
			return nil
		}
		err := ww.queue(c)
		c, size = &chunk{}, 0
		return err
	})
	if err == nil && len(c.pages) > 0 {
		err = ww.queue(c)
	}
	return err
}

// queueUnarchived reads the pages not archived as articles that the export
// selects and queues them, chunkPages at a time (or about partBytes of
// bodies), for the encoders: they are a large part of a real crawl's
// fetches (list and search pages), so their records are built on every
// core too.
func (ww *writer) queueUnarchived(d store.Dumper) error {
	c := &chunk{}
	size := 0
	opt := ww.opt
	err := d.DumpUnarchived(ww.ctx, func(u *store.UnarchivedDump) error {
		if u.FetchedAt.Before(opt.Since) || opt.Site != "" && finarchive.URLHost(u.URL) != opt.Site {
			return nil
		}
		c.unarchived = append(c.unarchived, u)
		size += len(u.Data)
		if len(c.unarchived) < chunkPages && size < partBytes {
			return nil
		}
		err := ww.queue(c)
		c, size = &chunk{}, 0
		return err
	})
	if err == nil && len(c.unarchived) > 0 {
		err = ww.queue(c)
	}
	return err
}

// writer writes the records of an export. The export is cut into chunks
// (ranges of page ids, or runs of pages read by Write's goroutine when the
// archive cannot be read in ranges), each read and encoded by one of a few
// encoders, one per core: the encoder builds the records of its pages
// (headers in gowarc's model), digests and gzips them (each its own
// member) into parts, and one goroutine writes the parts in order,
// counting offsets and telling index and OnPage, so reading, building and
// compressing records, all of an export's cost, is spread over the
// machine's cores while the output stays as a serial writer would make it.
type writer struct {
	ctx        context.Context
	rr         rangeReader // nil: Write's goroutine reads
	cw         *countWriter
	opt        Options
	level      int // gzip's
	index      func(IndexEntry) error
	hook       *pageHook
	keepPages  bool // the pages go with their parts (for hook and OnPage)
	log        *slog.Logger
	st         Stats  // summed by the writing goroutine
	warcinfoID string // set before the encoders start

	work, order chan *chunk        // to the encoders; to the writer, in file order
	written     chan struct{}      // closed when the writer is done
	free        chan *bytes.Buffer // parts' buffers for reuse
	mu          sync.Mutex
	err         error // the first error reading, building, writing or indexing
}

// chunk is a piece of the export for one encoder: the warcinfo record, a
// range of page ids, or pages read already.
type chunk struct {
	info        bool                    // the warcinfo record
	first, last int64                   // the page ids to read
	pages       []pageFetches           // or the pages
	unarchived  []*store.UnarchivedDump // or pages not archived as articles, read already
	parts       chan *part              // its records, in order; closed after the last
}

// pageFetches is a page with its fetches.
type pageFetches struct {
	er *store.ExportRecord
	fs []store.Fetch
}

// part is the records of a run of pages of a chunk on their way out.
type part struct {
	out     *bytes.Buffer // the records' gzip members, one after another
	entries []IndexEntry  // for index; Offset from the start of out until written
	pages   []keptPage    // the pages, when kept (keepPages)
	st      Stats         // what the part's records count
	err     error         // the chunk failed here: its last part
}

// keptPage is a page written in a part, with its pageHook line; er is
// nil but for the part's first page, unless there is an OnPage.
type keptPage struct {
	er   *store.ExportRecord
	line []byte
}

// getBuf returns an empty buffer for a part: one the writer is done with,
// else a new one with room for a part (a free list, not a sync.Pool,
// which every collection empties: they come often, and a buffer growing
// to a part's size again each time cost more than the rest of the
// buffers' handling).
func (ww *writer) getBuf() *bytes.Buffer {
	select {
	case b := <-ww.free:
		return b
	default:
		b := new(bytes.Buffer)
		b.Grow(partBytes + partBytes/4)
		return b
	}
}

// putBuf keeps b for a later part, unless enough are kept or it grew
// large for a rare large record.
func (ww *writer) putBuf(b *bytes.Buffer) {
	if b.Cap() > 4*partBytes {
		return
	}
	b.Reset()
	select {
	case ww.free <- b:
	default:
	}
}

// start starts n encoders and the writer. A few chunks per encoder wait at
// most, each with at most a few parts, so memory stays bounded.
func (ww *writer) start(n int) {
	n = max(n, 1)
	ww.work, ww.order = make(chan *chunk, n), make(chan *chunk, 2*n)
	ww.written = make(chan struct{})
	ww.free = make(chan *bytes.Buffer, 4*n)
	for range n {
		go ww.encode()
	}
	go ww.write()
}

// queue sends c on to be read, encoded and written, unless an earlier
// chunk failed. The encoders take chunks in the order they are queued, so
// the chunk the writer waits for is always in an encoder's hands.
func (ww *writer) queue(c *chunk) error {
	if err := ww.failed(); err != nil {
		return err
	}
	c.parts = make(chan *part, 2)
	ww.order <- c
	ww.work <- c
	return nil
}

func (ww *writer) encode() {
	// The fastest level by default: a page is a few KB of HTML and every
	// record is its own gzip member, so higher levels buy little and cost
	// the most.
	gz, _ := gzip.NewWriterLevel(nil, ww.level) // a valid level: no error
	e := &encoder{ww: ww, gz: gz, sha: sha256.New(), js: new(bytes.Buffer), fields: map[uint32]*gowarc.WarcFields{}}
	e.jsEnc = json.NewEncoder(e.js)
	for c := range ww.work {
		e.chunk(c)
	}
}

// chunk reads (for a range) and encodes the pages of c, and sends their
// records to the writer in parts.
func (e *encoder) chunk(c *chunk) {
	defer close(c.parts)
	e.c, e.p = c, e.newPart()
	var err error
	switch {
	case c.info:
		err = e.warcinfo()
	case c.pages != nil:
		for _, pf := range c.pages {
			if err = e.onePage(pf.er, pf.fs); err != nil {
				break
			}
		}
	case c.unarchived != nil:
		for _, u := range c.unarchived {
			if err = e.oneUnarchived(u); err != nil {
				break
			}
		}
	default:
		err = e.ww.rr.ExportFetchesIn(e.ww.ctx, e.ww.opt.ExportOptions, c.first, c.last, e.onePage)
	}
	e.p.err = err
	c.parts <- e.p
	e.c, e.p = nil, nil
}

func (e *encoder) newPart() *part { return &part{out: e.ww.getBuf()} }

// onePage encodes the records of a page into the current part, and sends
// the part on when it is full.
func (e *encoder) onePage(er *store.ExportRecord, fs []store.Fetch) error {
	if err := e.ww.failed(); err != nil {
		return err
	}
	if err := e.page(er, fs); err != nil {
		return err
	}
	p := e.p
	if e.ww.keepPages {
		// The record goes with the part for OnPage; else the first one
		// only, for the pageHook (the others would hold their bodies in
		// memory for nothing).
		pl := keptPage{}
		if e.ww.opt.OnPage != nil || len(p.pages) == 0 {
			pl.er = er
		}
		if e.ww.hook != nil {
			var err error
			if pl.line, err = e.ww.hook.line(er, e.meta); err != nil {
				return err
			}
		}
		p.pages = append(p.pages, pl)
	}
	if p.out.Len() >= partBytes || len(p.entries) >= partPages || len(p.pages) >= partPages {
		e.c.parts <- p
		e.p = e.newPart()
	}
	return nil
}

// oneUnarchived encodes the request and response records of a page not
// archived as an article (its latest fetch) into the current part, and
// sends the part on when it is full.
func (e *encoder) oneUnarchived(u *store.UnarchivedDump) error {
	if err := e.ww.failed(); err != nil {
		return err
	}
	f, err := u.Fetch()
	if err != nil {
		return fmt.Errorf("warc: export: %w", err)
	}
	st := &e.p.st
	respID, reqID := newID(), newID()
	h := header{id: respID, target: u.URL, contentType: typeResponse, ip: f.RemoteIP, payloadDigest: f.PayloadDigest}
	head := f.Response
	if head == nil {
		head = synthHead(f)
		st.Reconstructed++
		h.capture = "synthesised: status line and headers made from the archive, body as stored"
	}
	if h.payloadDigest == "" {
		h.payloadDigest = e.digest(f.Body)
	}
	reqHead := f.Request
	reqHeader := header{id: reqID, target: u.URL, contentType: typeRequest, concurrentTo: angle(respID), ip: f.RemoteIP}
	if reqHead == nil {
		reqHead = synthRequest(u.URL)
		reqHeader.capture = "synthesised: request line and Host only"
	}
	e.record(gowarc.Request, f.FetchedAt, &reqHeader, reqHead, nil, nil)
	var entry *IndexEntry
	if e.ww.index != nil {
		entry = &IndexEntry{URL: u.URL, Date: f.FetchedAt, Status: f.Status, Digest: h.payloadDigest, Mime: mimeOf(head, f.ContentType)}
	}
	e.record(gowarc.Response, f.FetchedAt, &h, head, f.Body, entry)
	st.Requests++
	st.Responses++
	st.Unarchived++
	if u.PageType == string(extract.PageRedirect) {
		st.Redirects++
	}
	if p := e.p; p.out.Len() >= partBytes || len(p.entries) >= partPages {
		e.c.parts <- p
		e.p = e.newPart()
	}
	return nil
}

func (ww *writer) write() {
	defer close(ww.written)
	for c := range ww.order {
		for p := range c.parts {
			if p.err != nil {
				ww.fail(p.err)
			}
			if ww.failed() == nil {
				if err := ww.flush(p); err != nil {
					ww.fail(err)
				}
			}
			ww.putBuf(p.out)
		}
	}
}

// flush writes the records of p and tells index and OnPage of them.
func (ww *writer) flush(p *part) error {
	base := ww.cw.n
	if _, err := ww.cw.Write(p.out.Bytes()); err != nil {
		return fmt.Errorf("warc: write: %w", err)
	}
	if ww.index != nil {
		for _, e := range p.entries {
			e.Offset += base
			if err := ww.index(e); err != nil {
				return err
			}
		}
	}
	st := &ww.st
	st.Pages += p.st.Pages
	st.Responses += p.st.Responses
	st.Revisits += p.st.Revisits
	st.Requests += p.st.Requests
	st.Metadata += p.st.Metadata
	st.Reconstructed += p.st.Reconstructed
	st.Removals += p.st.Removals
	st.Unarchived += p.st.Unarchived
	st.Redirects += p.st.Redirects
	st.Missing += p.st.Missing
	for _, pl := range p.pages {
		if ww.hook != nil {
			if err := ww.hook.page(pl.er, pl.line); err != nil {
				return err
			}
		}
		if ww.opt.OnPage != nil {
			if err := ww.opt.OnPage(pl.er); err != nil {
				return err
			}
		}
	}
	return nil
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
// reading, building, writing or indexing.
func (ww *writer) finish() error {
	close(ww.work)
	close(ww.order)
	<-ww.written
	return ww.failed()
}

// encoder reads, builds, digests and gzips the records of one chunk at a
// time.
type encoder struct {
	ww     *writer
	c      *chunk // being encoded
	p      *part  // of c, being filled
	gz     *gzip.Writer
	sha    hash.Hash
	sum    []byte
	fields map[uint32]*gowarc.WarcFields // by the set of fields present: see fieldsFor
	raw    bytes.Buffer                  // a record's version line and header, before gzip
	js     *bytes.Buffer                 // a metadata record's JSON
	meta   []byte                        // the latest page's, in js until the next
	jsEnc  *json.Encoder                 // into js
}

// ref is a response a revisit can refer to.
type ref struct {
	id   string // record id; "" when not in this file (before Since)
	date time.Time
}

func (e *encoder) warcinfo() error {
	var fields gowarc.WarcFields
	fields.Add("software", e.ww.opt.Software)
	fields.Add("format", "WARC File Format 1.1")
	fields.Add("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/")
	fields.Add("description", "finarchive archive export: request and response records of each fetch, revisits, and a metadata record (application/json) with each article's extracted record")
	var block bytes.Buffer
	if _, err := fields.Write(&block); err != nil {
		return fmt.Errorf("warc: warcinfo: %w", err)
	}
	h := header{id: e.ww.warcinfoID, contentType: gowarc.ApplicationWarcFields, filename: e.ww.opt.Filename}
	e.record(gowarc.Warcinfo, time.Now(), &h, block.Bytes(), nil, nil)
	return nil
}

// header is the WARC header fields of a record besides type, date,
// Content-Length and block digest; "" = none.
type header struct {
	id, target, contentType, concurrentTo, refersTo, profile, refersToTarget, refersToDate string
	ip, filename, capture, payloadDigest                                                   string
}

// emptyDigest is the WARC digest of no bytes: a request's payload.
var emptyDigest = warcrec.EmptyDigest

// record writes one record, gzipped, its own member, onto the part's
// output; entry, when not nil, goes to index with the member's offset and
// length.
//
// The record is written through gowarc's lower-level API, not its record
// builder and marshaller: the header is a gowarc.WarcFields (gowarc's
// header model, which puts each field name in its canonical form, and
// writes the fields) between the gowarc.V1_1 version line and the block,
// as gowarc's marshaller frames a record. The builder and marshaller cost
// most of an export's time beside gzip — the builder copies the block
// into a buffer of its own and the marshaller digests it again as it
// copies it out — and this package already gave them finished records:
// its own header fields, which they were told not to validate, and its
// own digests. The bytes are the ones they write for the same record
// (the tests rebuild every record of their exports with gowarc's builder,
// validating it, and compare: checkGowarcBuilds). The digests are computed here:
// WARC-Block-Digest over head and body, and for a request
// WARC-Payload-Digest over body, the payload that follows the HTTP head (a
// response's comes set by page; a revisit keeps the payload digest it
// refers to, or none for a 304).
func (e *encoder) record(typ gowarc.RecordType, date time.Time, h *header, head, body []byte, entry *IndexEntry) {
	if typ == gowarc.Request {
		h.payloadDigest = emptyDigest
		if len(body) > 0 {
			h.payloadDigest = e.digest(body)
		}
	}
	// The values of the fields by position ("" = not in the record); the
	// date as gowarc's AddTimeNano writes it.
	var v [numFields]string
	v[fType], v[fDate] = typ.String(), date.UTC().Format(time.RFC3339Nano)
	v[fID], v[fTarget], v[fContentType] = angle(h.id), h.target, h.contentType
	v[fConcurrentTo], v[fRefersTo], v[fProfile] = h.concurrentTo, h.refersTo, h.profile
	v[fRefersToTarget], v[fRefersToDate], v[fIP] = h.refersToTarget, h.refersToDate, h.ip
	v[fFilename], v[fCapture] = h.filename, h.capture
	v[fLength], v[fBlockDigest], v[fPayloadDigest] = strconv.Itoa(len(head)+len(body)), e.digest(head, body), h.payloadDigest
	f := e.fieldsFor(&v)
	// The version line and header go through a buffer: they are written
	// in many small pieces, each of which would cost gzip a call.
	e.raw.Reset()
	e.raw.WriteString(gowarc.V1_1.String())
	e.raw.WriteString("\r\n")
	f.Write(&e.raw) // into a bytes.Buffer: no error
	e.raw.WriteString("\r\n")
	out := e.p.out
	off := out.Len()
	warcrec.Member(e.gz, out, e.raw.Bytes(), head, body)
	if entry != nil {
		entry.Offset, entry.Length = int64(off), int64(out.Len()-off)
		e.p.entries = append(e.p.entries, *entry)
	}
}

// copyRecord appends a record the crawl built (one gzip member, see
// store.WARCRecords) to the current part, and its index entry, if any.
func (e *encoder) copyRecord(member []byte, entry *IndexEntry) {
	out := e.p.out
	off := out.Len()
	out.Write(member) // into a bytes.Buffer: no error
	if entry != nil {
		entry.Offset, entry.Length = int64(off), int64(len(member))
		e.p.entries = append(e.p.entries, *entry)
	}
}

// The header fields a record may have, in the order they are written.
const (
	fType = iota
	fDate
	fID
	fTarget
	fContentType
	fConcurrentTo
	fRefersTo
	fProfile
	fRefersToTarget
	fRefersToDate
	fIP
	fFilename
	fCapture
	fLength
	fBlockDigest
	fPayloadDigest
	numFields
)

// fieldNames are the names of the fields by their position above.
var fieldNames = [numFields]string{gowarc.WarcType, gowarc.WarcDate, gowarc.WarcRecordID, gowarc.WarcTargetURI,
	gowarc.ContentType, gowarc.WarcConcurrentTo, gowarc.WarcRefersTo, gowarc.WarcProfile, gowarc.WarcRefersToTargetURI,
	gowarc.WarcRefersToDate, gowarc.WarcIPAddress, gowarc.WarcFilename, CaptureField,
	gowarc.ContentLength, gowarc.WarcBlockDigest, gowarc.WarcPayloadDigest}

// fieldsFor returns the header fields with values v (those not "", in
// order). The fields of a record of each set of names present are made
// once, by gowarc's WarcFields.Add, and their values replaced for each
// later record with the same names: Add puts the name in its canonical
// form, which allocated and cost, for every field of every record, about
// as much as the rest of the header.
func (e *encoder) fieldsFor(v *[numFields]string) *gowarc.WarcFields {
	var set uint32
	for i, s := range v {
		if s != "" {
			set |= 1 << i
		}
	}
	f := e.fields[set]
	if f == nil {
		f = new(gowarc.WarcFields)
		for i, s := range v {
			if s != "" {
				f.Add(fieldNames[i], s)
			}
		}
		e.fields[set] = f
		return f
	}
	k := 0
	for _, s := range v {
		if s != "" {
			(*f)[k].Value = s
			k++
		}
	}
	return f
}

// digest is the WARC digest ("sha256:<hex>", as gowarc writes it) of the
// concatenation of parts.
func (e *encoder) digest(parts ...[]byte) string {
	e.sha.Reset()
	for _, p := range parts {
		e.sha.Write(p)
	}
	e.sum = e.sha.Sum(e.sum[:0])
	return "sha256:" + hex.EncodeToString(e.sum)
}

// page writes the records of one article.
func (e *encoder) page(er *store.ExportRecord, fs []store.Fetch) error {
	u := er.URL
	st := &e.p.st
	var (
		last     ref                // the latest 200, for a 304
		byDigest = map[string]ref{} // responses by payload digest, for identical payloads
		lastResp string             // id of the latest response written, for the metadata record
	)
	for _, f := range fs {
		if f.FetchedAt.Before(e.ww.opt.Since) {
			// Not written, but a later revisit may refer to it (by its
			// record ID when the crawl kept its records: they are in an
			// earlier export).
			if f.Status == 200 {
				last = ref{date: f.FetchedAt}
				if f.Records != nil {
					last.id = f.Records.ID
				}
				if f.PayloadDigest != "" {
					byDigest[f.PayloadDigest] = last
				}
			}
			continue
		}
		if r := f.Records; r != nil && f.Status == 200 {
			// Kept as its records by the crawl: copied.
			e.copyRecord(r.Request, nil)
			var entry *IndexEntry
			if e.ww.index != nil {
				entry = &IndexEntry{URL: u, Date: f.FetchedAt, Status: f.Status, Digest: f.PayloadDigest, Mime: mimeOf(f.Response, f.ContentType)}
			}
			e.copyRecord(r.Response, entry)
			st.Requests++
			st.Responses++
			last = ref{id: r.ID, date: f.FetchedAt}
			if f.PayloadDigest != "" {
				byDigest[f.PayloadDigest] = last
			}
			lastResp = r.ID
			continue
		}
		respID, reqID := newID(), newID()
		h := header{id: respID, target: u, contentType: typeResponse, ip: f.RemoteIP}
		head := f.Response
		typ := gowarc.Response
		var body []byte
		switch {
		case f.Status == 304:
			typ = gowarc.Revisit
			h.profile = gowarc.ProfileServerNotModifiedV1_1
			h.refersTo, h.refersToTarget = angle(last.id), u
			if !last.date.IsZero() {
				h.refersToDate = last.date.UTC().Format(time.RFC3339Nano)
			}
			if head == nil {
				head = []byte("HTTP/1.1 304 Not Modified\r\n\r\n")
				h.capture = "synthesised: status line only"
			}
		case f.Status != 200:
			// The 404 or 410 that found the page removed: a response
			// record of what the site answered then.
			body = f.Body
			if head == nil {
				head = []byte(fmt.Sprintf("HTTP/1.1 %d %s\r\n\r\n", f.Status, http.StatusText(f.Status)))
				h.capture = "synthesised: status line only"
			}
		case f.Body == nil:
			r, ok := byDigest[f.PayloadDigest]
			if !ok || f.PayloadDigest == "" {
				st.Missing++
				e.ww.log.Warn("warc: fetch with no body to write, left out", "url", u, "fetched_at", f.FetchedAt)
				continue
			}
			typ = gowarc.Revisit
			h.profile = gowarc.ProfileIdenticalPayloadDigestV1_1
			h.refersTo, h.refersToTarget = angle(r.id), u
			h.refersToDate = r.date.UTC().Format(time.RFC3339Nano)
			h.payloadDigest = f.PayloadDigest
			if head == nil {
				head = []byte("HTTP/1.1 200 OK\r\n\r\n")
				h.capture = "synthesised: status line only"
			}
		default:
			body = f.Body
			if head == nil {
				head = synthHead(f)
				st.Reconstructed++
				if f.Reconstructed {
					h.capture = "synthesised: archived before captures were kept; status line and headers made from the archive, body as stored (after content decoding)"
				} else {
					h.capture = "synthesised: status line and headers made from the archive, body as stored"
				}
			}
		}
		reqHead := f.Request
		reqHeader := header{id: reqID, target: u, contentType: typeRequest, concurrentTo: angle(respID), ip: f.RemoteIP}
		if reqHead == nil {
			reqHead = synthRequest(u)
			reqHeader.capture = "synthesised: request line and Host only"
		}
		e.record(gowarc.Request, f.FetchedAt, &reqHeader, reqHead, nil, nil)
		st.Requests++
		if typ == gowarc.Response {
			// The store keeps the payload digest of a body as received
			// (the body written here); one archived before that is
			// digested now.
			h.payloadDigest = f.PayloadDigest
			if h.payloadDigest == "" || f.Reconstructed {
				h.payloadDigest = e.digest(body)
			}
		}
		var entry *IndexEntry
		if e.ww.index != nil {
			entry = &IndexEntry{URL: u, Date: f.FetchedAt, Status: f.Status, Digest: h.payloadDigest}
			if typ == gowarc.Revisit {
				entry.Mime = "warc/revisit"
				// A 304's revisit stands for the 200 it refers to, and
				// is indexed with its status: ReplayWeb.page answers
				// an entry indexed 304 with an empty body, without
				// resolving the revisit to the page.
				entry.Status = http.StatusOK
			} else {
				entry.Mime = mimeOf(head, f.ContentType)
			}
		}
		e.record(typ, f.FetchedAt, &h, head, body, entry)
		switch {
		case typ == gowarc.Revisit:
			st.Revisits++
		case f.Status != 200:
			st.Responses++
			st.Removals++ // not what a revisit refers to, nor the record's source
		default:
			st.Responses++
			last = ref{id: respID, date: f.FetchedAt}
			byDigest[h.payloadDigest] = last
			if f.PayloadDigest != "" {
				byDigest[f.PayloadDigest] = last
			}
			lastResp = respID
		}
		if f.Status == 200 && typ == gowarc.Revisit {
			last = ref{id: byDigest[f.PayloadDigest].id, date: byDigest[f.PayloadDigest].date}
		}
	}
	// Encoded into the encoder's own buffer (json.Marshal would copy it
	// out); the bytes are Marshal's, the encoder's newline left off.
	e.js.Reset()
	if err := e.jsEnc.Encode(er); err != nil {
		return fmt.Errorf("warc: encode %q: %w", u, err)
	}
	js := bytes.TrimSuffix(e.js.Bytes(), []byte("\n"))
	e.meta = js
	mh := header{id: newID(), target: u, contentType: typeMetadata, refersTo: angle(lastResp)}
	e.record(gowarc.Metadata, er.FetchedAt, &mh, js, nil, nil)
	if e.js.Cap() > 4<<20 { // a rare large record's buffer is let go
		e.js = new(bytes.Buffer)
		e.jsEnc = json.NewEncoder(e.js)
	}
	st.Metadata++
	st.Pages++
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
