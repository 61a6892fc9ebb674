package warc

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
	gowarc "github.com/nlnwa/gowarc/v3"
)

// maxPayload bounds the payload of one imported response.
const maxPayload = 64 << 20

// ImportOptions configure Import.
type ImportOptions struct {
	Profiles *extract.Profiles // site profiles for extraction; nil = the built-in ones only
	Logger   *slog.Logger
}

// ImportStats count what an import read and did.
type ImportStats struct {
	Records     int            `json:"records"`
	Responses   int            `json:"responses"`
	Revisits    int            `json:"revisits"`
	New         int            `json:"new"`
	Changed     int            `json:"changed"`
	Unchanged   int            `json:"unchanged"`
	NotModified int            `json:"not_modified"`
	Removed     int            `json:"removed"`           // archived articles a 404 or 410 record found removed
	Gone        int            `json:"gone"`              // 404 and 410 responses (dead links, and the removals among them)
	GoneBy      map[string]int `json:"gone_by,omitempty"` // by status code: {"404": 10, "410": 2}
	Skipped     int            `json:"skipped"`
	SkippedBy   map[string]int `json:"skipped_by,omitempty"`
	Corrupt     int            `json:"corrupt"` // records that could not be read, reported and skipped
	Problems    []string       `json:"problems,omitempty"`
}

func (s *ImportStats) skip(reason string) {
	s.Skipped++
	if s.SkippedBy == nil {
		s.SkippedBy = map[string]int{}
	}
	s.SkippedBy[reason]++
}

// maxProblems bounds the problems an ImportStats lists (all are logged).
const maxProblems = 20

func (s *ImportStats) corrupt(log *slog.Logger, where string, err error) {
	s.Corrupt++
	msg := fmt.Sprintf("%s: %v", where, err)
	log.Warn("import: record skipped", "at", where, "err", err)
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, msg)
	}
}

// Import reads the WARC (.warc, .warc.gz) or WACZ file at path into db as
// a run of its own: each HTML response record is extracted and stored as if
// crawled (history, search, raw response and its capture), revisit records
// count as fetches of what is stored; no request is made. A record that
// cannot be read (truncated, corrupt, bad digest) is reported in the stats
// and skipped, and the rest imported. It returns the run's id.
func Import(ctx context.Context, db store.Archive, file string, opt ImportOptions) (int64, ImportStats, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, ImportStats{}, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	options, _ := json.Marshal(map[string]string{"import": file})
	runID, err := db.StartRun(ctx, store.RunSpec{Seeds: []string{}, Options: options})
	if err != nil {
		return 0, ImportStats{}, fmt.Errorf("import: %w", err)
	}
	im := &importer{db: db, runID: runID, opt: opt, log: log}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return runID, im.st, fmt.Errorf("import: %w", err)
	}
	if n == 4 && bytes.Equal(magic, []byte("PK\x03\x04")) {
		err = im.wacz(ctx, f)
	} else {
		err = im.stream(ctx, f, path.Base(file))
	}
	if err == nil {
		err = im.flush(ctx)
	}
	counts := finarchive.RunCounts{Fetched: im.st.Responses + im.st.Revisits, New: im.st.New, Changed: im.st.Changed,
		Unchanged: im.st.Unchanged, NotModified: im.st.NotModified, Skipped: im.st.Skipped, Failed: im.st.Corrupt,
		SkippedBy: im.st.SkippedBy}
	status, msg := finarchive.RunFinished, ""
	switch {
	case err != nil && ctx.Err() != nil:
		// Stopped (Ctrl-C): what was imported stays; importing the file
		// again finishes it.
		status, msg = finarchive.RunInterrupted, "interrupted"
		err = fmt.Errorf("import: interrupted: %w", ctx.Err())
	case err != nil:
		status, msg = finarchive.RunError, err.Error()
	case im.st.Corrupt > 0:
		status = finarchive.RunFailed
		counts.FailedBy = map[string]int{"corrupt-record": im.st.Corrupt}
	}
	if ferr := db.FinishRun(context.WithoutCancel(ctx), runID, status, counts, msg); ferr != nil && err == nil {
		err = fmt.Errorf("import: %w", ferr)
	}
	return runID, im.st, err
}

type importer struct {
	db    store.Archive
	runID int64
	opt   ImportOptions
	log   *slog.Logger
	st    ImportStats
	// the last request record, matched to the response that follows it
	reqURI  string
	reqHead []byte
	// the last response or revisit record, saved when the next record is
	// read: a request for it may follow it
	pending *pendingRecord
	// recent payloads, for revisits of another URL's
	payloads payloadCache
	// the gzip member being imported, read whole (see member)
	whole bytes.Buffer
}

// wacz imports every WARC under archive/ of a WACZ.
func (im *importer) wacz(ctx context.Context, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return fmt.Errorf("import: wacz: %w", err)
	}
	var names []string
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "archive/") && (strings.HasSuffix(zf.Name, ".warc.gz") || strings.HasSuffix(zf.Name, ".warc")) {
			names = append(names, zf.Name)
			files[zf.Name] = zf
		}
	}
	if len(names) == 0 {
		return errors.New("import: wacz: no archive/*.warc[.gz] in it")
	}
	slices.Sort(names)
	for _, name := range names {
		rc, err := files[name].Open()
		if err != nil {
			return fmt.Errorf("import: wacz %s: %w", name, err)
		}
		err = im.stream(ctx, rc, name)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// stream imports the records of one WARC file, gzipped (one member per
// record, as the standard recommends) or not. A member that does not
// decompress is skipped up to the next gzip header.
func (im *importer) stream(ctx context.Context, r io.Reader, name string) error {
	br := bufio.NewReaderSize(r, 256<<10)
	head, err := br.Peek(2)
	if err != nil {
		if err == io.EOF {
			return nil
		}
		return fmt.Errorf("import: %s: %w", name, err)
	}
	// Header fields are read as they are (gowarc's validation would blank a
	// WARC 1.0 "<uri>"); the block digest is checked here, in record.
	// gowarc reads the framing and header fields; the block is taken raw
	// (its HTTP block parser cut some chunked wget payloads short), its
	// digest checked and its HTTP parsed by net/http, in record. Its header
	// validation blanks a WARC 1.0 "<uri>": the target URI is read from the
	// record's first bytes (headTee) instead.
	un := gowarc.NewUnmarshaler(gowarc.WithSkipParseBlock(), gowarc.WithSpecViolationPolicy(gowarc.ErrWarn),
		gowarc.WithSyntaxErrorPolicy(gowarc.ErrWarn))
	if head[0] != 0x1f || head[1] != 0x8b {
		return im.plain(ctx, br, un, name)
	}
	var off int64 // of the current member, in the compressed stream
	cr := &countReader{r: br}
	cbr := bufio.NewReaderSize(cr, 64<<10)
	var zr *gzip.Reader
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		off = cr.n - int64(cbr.Buffered())
		if _, err := cbr.Peek(1); err == io.EOF {
			return nil
		}
		where := fmt.Sprintf("%s: record at byte %d", name, off)
		if zr == nil {
			zr, err = gzip.NewReader(cbr)
		} else {
			err = zr.Reset(cbr)
		}
		if err == nil {
			zr.Multistream(false)
			err = im.member(ctx, zr, un, where)
		}
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, errStore) {
				return err
			}
			im.st.corrupt(im.log, where, err)
			if errors.Is(err, gzip.ErrChecksum) {
				continue // read to its end, trailer and all: the next member follows
			}
			if !resync(cbr) {
				return nil
			}
		}
	}
}

// errStore marks a store failure, which stops an import.
var errStore = errors.New("store")

// storeErr marks err a store failure (errors.Is(err, errStore)); it reads
// as err does (the store's own words name it).
func storeErr(err error) error { return &storeError{err} }

type storeError struct{ err error }

func (e *storeError) Error() string   { return e.err.Error() }
func (e *storeError) Unwrap() []error { return []error{errStore, e.err} }

// wholeMember bounds the gzip member that member reads whole, through its
// CRC-32, before importing anything of it: any record of one member per
// record that could be imported (maxPayload, and its header fields). A
// larger member (a WARC gzipped whole) is read as a stream: its records
// are imported as they come, and a bad CRC at its end is reported after
// them.
const wholeMember = maxPayload + headMax

// member imports the record of a gzip member (the standard's one record
// per member) or, in a WARC gzipped whole, its records one after the other,
// and reads the member to its end (which checks its CRC). A member of up to
// wholeMember bytes is read, and its CRC checked, before any of it is
// imported, so a member whose deflate data decodes to bytes other than
// those written (the CRC says so, and nothing else may) is skipped whole.
// A record after the first that cannot be imported is reported and
// skipped as in a plain WARC.
func (im *importer) member(ctx context.Context, zr *gzip.Reader, un gowarc.Unmarshaler, where string) error {
	im.whole.Reset()
	n, err := im.whole.ReadFrom(io.LimitReader(zr, wholeMember+1))
	if err != nil {
		return err // gzip.ErrChecksum, a flate.CorruptInputError, a cut
	}
	var src io.Reader = bytes.NewReader(im.whole.Bytes())
	if n > wholeMember {
		src = io.MultiReader(src, zr)
	}
	tee := &headTee{r: src}
	rb := bufio.NewReader(tee)
	for n := 1; ; n++ {
		at := where
		if n > 1 {
			if _, err := rb.Peek(1); err == io.EOF {
				return nil
			} else if err != nil {
				return fmt.Errorf("after the record: %w", err)
			}
			at = fmt.Sprintf("%s, its record %d", where, n)
			ahead, _ := rb.Peek(rb.Buffered())
			tee.buf = append(tee.buf[:0], ahead...)
		}
		rec, _, validation, err := un.Unmarshal(rb)
		if n > 1 && err == io.EOF {
			return nil // only the blank lines that end the last record
		}
		if err != nil {
			return err
		}
		im.st.Records++
		err = im.record(ctx, rec, validation, rawTarget(tee.buf), at)
		rec.Close()
		if err != nil {
			if n == 1 || errors.Is(err, context.Canceled) || errors.Is(err, errStore) {
				return err
			}
			im.st.corrupt(im.log, at, err)
		}
	}
}

// resync skips to the next gzip header (1f 8b 08) after the current byte;
// it reports false at the end of the stream.
func resync(br *bufio.Reader) bool {
	if _, err := br.ReadByte(); err != nil {
		return false
	}
	for {
		b, err := br.Peek(3)
		if len(b) < 3 || err != nil {
			return false
		}
		if b[0] == 0x1f && b[1] == 0x8b && b[2] == 0x08 {
			return true
		}
		br.ReadByte()
	}
}

// plain imports an uncompressed WARC.
func (im *importer) plain(ctx context.Context, br *bufio.Reader, un gowarc.Unmarshaler, name string) error {
	cr := &countReader{r: br}
	tee := &headTee{r: cr}
	rb := bufio.NewReaderSize(tee, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		off := cr.n - int64(rb.Buffered())
		where := fmt.Sprintf("%s: record at byte %d", name, off)
		ahead, _ := rb.Peek(rb.Buffered())
		tee.buf = append(tee.buf[:0], ahead...)
		rec, _, validation, err := un.Unmarshal(rb)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			im.st.corrupt(im.log, where, err)
			if cr.n-int64(rb.Buffered()) == off { // no progress: give up on the rest
				return nil
			}
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gowarc.ErrNoRecord) {
				return nil
			}
			continue
		}
		im.st.Records++
		err = im.record(ctx, rec, validation, rawTarget(tee.buf), where)
		rec.Close()
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, errStore) {
				return err
			}
			im.st.corrupt(im.log, where, err)
		}
	}
}

// record imports one WARC record.
func (im *importer) record(ctx context.Context, rec gowarc.WarcRecord, validation []error, target, where string) error {
	if err := im.fatal(validation, where); err != nil {
		return fmt.Errorf("invalid record: %w", err)
	}
	h := rec.WarcHeader()
	if target == "" {
		target = h.Get(gowarc.WarcTargetURI)
	}
	switch rec.Type() {
	case gowarc.Request, gowarc.Response, gowarc.Revisit:
	default:
		return nil
	}
	block, err := blockOf(rec)
	if err != nil {
		return err
	}
	if rec.Type() == gowarc.Request {
		i := bytes.Index(block, []byte("\r\n\r\n"))
		if p := im.pending; p != nil && p.reqHead == nil && p.target == target && i >= 0 {
			// The request written after its response (warcio,
			// Browsertrix, pywb): it goes with that response.
			p.reqHead = block[:i+4]
			return im.flush(ctx)
		}
		if err := im.flush(ctx); err != nil {
			return err
		}
		if i >= 0 {
			im.reqURI, im.reqHead = target, block[:i+4]
		}
		return nil
	}
	if err := im.flush(ctx); err != nil {
		return err
	}
	date, err := rec.Date()
	if err != nil {
		return fmt.Errorf("WARC-Date: %w", err)
	}
	canon, err := crawler.Normalize(target)
	if err != nil {
		im.log.Debug("import: bad target URI", "uri", target, "err", err)
		im.st.skip("bad-url")
		return nil
	}
	p := &pendingRecord{typ: rec.Type(), target: target, canon: canon, where: where, date: date, block: block,
		contentType: h.Get(gowarc.ContentType), remoteIP: h.Get(gowarc.WarcIPAddress), truncated: h.Get(gowarc.WarcTruncated),
		profile: h.Get(gowarc.WarcProfile), payloadDigest: h.Get(gowarc.WarcPayloadDigest),
		refersToTarget: h.Get(gowarc.WarcRefersToTargetURI)}
	if im.reqURI == target {
		p.reqHead = im.reqHead
	}
	im.reqURI, im.reqHead = "", nil
	if p.reqHead != nil {
		return im.save(ctx, p)
	}
	// Saved when the next record is read: it may be this one's request.
	im.pending = p
	return nil
}

// pendingRecord is a response or revisit record read and not yet saved:
// its request record may follow it.
type pendingRecord struct {
	typ                  gowarc.RecordType
	target, canon, where string
	date                 time.Time
	block, reqHead       []byte
	// header fields of the record
	contentType, remoteIP, truncated, profile, payloadDigest, refersToTarget string
}

// flush saves the pending record, if any. A record that cannot be saved
// is reported and skipped; a store failure or a cancellation is returned.
func (im *importer) flush(ctx context.Context) error {
	p := im.pending
	if p == nil {
		return nil
	}
	im.pending = nil
	err := im.save(ctx, p)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, errStore) {
		im.st.corrupt(im.log, p.where, err)
		return nil
	}
	return err
}

// save imports a response or revisit record with its request.
func (im *importer) save(ctx context.Context, p *pendingRecord) error {
	if older, err := im.older(ctx, p); err != nil || older {
		return err
	}
	if p.typ == gowarc.Revisit {
		im.st.Revisits++
		return im.revisit(ctx, p)
	}
	im.st.Responses++
	return im.response(ctx, p)
}

// response imports a response record (or a revisit made whole from the
// payload it refers to) with its request.
func (im *importer) response(ctx context.Context, p *pendingRecord) error {
	canon, date, block, reqHead, target, where := p.canon, p.date, p.block, p.reqHead, p.target, p.where
	if !strings.HasPrefix(strings.ToLower(p.contentType), "application/http") {
		im.st.skip("not-http")
		return nil
	}
	resp, head, err := readResponse(block)
	if err != nil {
		return fmt.Errorf("http response: %w", err)
	}
	if why := p.truncated; why != "" && resp.StatusCode == http.StatusOK {
		// Its writer kept only the start of the payload (a size or time
		// limit): half an article is not archived as the article, nor
		// lets it replace a whole one stored.
		im.log.Warn("import: response truncated by its writer, skipped", "at", where, "url", target, "truncated", why)
		im.st.skip("truncated")
		return nil
	}
	entity, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("http body: %w", err)
	}
	if len(resp.TransferEncoding) > 0 {
		head = crawler.ResponseHead(resp) // the body is kept without its chunked framing
	}
	capture := &finarchive.Capture{Request: reqHead, Response: head, RemoteIP: p.remoteIP}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		im.st.Revisits++
		im.st.Responses--
		return im.saveRevisit(ctx, canon, date, 304, "", capture)
	case http.StatusNotFound, http.StatusGone:
		// As in a crawl: an archived article that answers one is marked
		// removed, and this answer is kept as its fetch; a dead link is
		// passed over.
		body := decodedOrAsIs(entity, resp, capture)
		res, err := im.db.Complete(ctx, im.runID, &finarchive.Fetched{Item: finarchive.QueueItem{URL: canon}, StatusCode: resp.StatusCode,
			Gone: true, Raw: body, ContentType: resp.Header.Get("Content-Type"), FetchedAt: date, Capture: capture})
		if err != nil {
			return storeErr(err)
		}
		if res == finarchive.SaveRemoved {
			im.st.Removed++
		}
		im.st.Gone++ // counted as a crawl counts it: an answer, not a failure
		if im.st.GoneBy == nil {
			im.st.GoneBy = map[string]int{}
		}
		im.st.GoneBy[strconv.Itoa(resp.StatusCode)]++
		return nil
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// Kept as a crawl keeps one: a replay of a link to it leads on.
		return im.saveRedirect(ctx, canon, date, resp, entity, capture)
	default:
		im.st.skip("http-" + strconv.Itoa(resp.StatusCode))
		return nil
	}
	ct := resp.Header.Get("Content-Type")
	body := entity
	switch ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "gzip", "x-gzip", "deflate":
		if body, err = decodeBody(entity, ce); err != nil {
			return fmt.Errorf("content encoding %s: %w", ce, err)
		}
		capture.Body, capture.ContentEncoding = entity, ce
	default:
		im.st.skip("content-encoding-" + ce)
		return nil
	}
	if ct != "" && !isHTML(ct) || ct == "" && !strings.HasPrefix(http.DetectContentType(body), "text/html") ||
		ct != "" && extract.BinaryKind(body, ct) != "" { // served as HTML, but no text: as a crawl skips it
		im.st.skip("not-html")
		return nil
	}
	im.payloads.put(p.payloadDigest, entity, head)
	u, err := url.Parse(canon)
	if err != nil {
		im.st.skip("bad-url")
		return nil
	}
	doc, err := extract.Parse(body, ct)
	if err != nil {
		im.st.skip("parse")
		return nil
	}
	rec2 := extract.Extract(doc, u, extract.Options{FetchedAt: date, Profiles: im.opt.Profiles})
	if rec2.PageType != extract.PageArticle {
		im.st.skip(string(rec2.PageType) + "-page")
		if rec2.PageType == extract.PageBlocked {
			return nil
		}
		// Not archived, but kept as a crawl keeps it: reextract may find
		// an article in it, and a WARC export holds it for replay.
		_, err := im.db.Complete(ctx, im.runID, &finarchive.Fetched{Item: finarchive.QueueItem{URL: canon}, StatusCode: 200,
			Record: rec2, Raw: body, ContentType: ct, FetchedAt: date, Capture: capture, Skipped: string(rec2.PageType) + "-page"})
		if err != nil {
			return storeErr(err)
		}
		return nil
	}
	res, err := im.db.Complete(ctx, im.runID, &finarchive.Fetched{Item: finarchive.QueueItem{URL: canon}, StatusCode: 200,
		Record: rec2, Raw: body, ContentType: ct, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"),
		FetchedAt: date, Capture: capture})
	if err != nil {
		return storeErr(err)
	}
	im.count(res)
	return nil
}

// readResponse parses the HTTP response of a response record's block and
// returns it with its header as received. Where net/http refuses the
// header, it parses a mended copy, since other tools' WARCs keep what
// servers sent and some of them wrote (a header line without a colon, a
// control byte in a value, a lower-case or HTTP/2 status line, two
// Content-Lengths or a bad one, bare LF line ends): the record bounds the
// body, not the HTTP framing.
func readResponse(block []byte) (*http.Response, []byte, error) {
	end, sep := bytes.Index(block, []byte("\r\n\r\n")), 4
	if lf := bytes.Index(block, []byte("\n\n")); lf >= 0 && (end < 0 || lf < end) {
		end, sep = lf, 2
	}
	if end < 0 {
		return nil, nil, errors.New("no end of header")
	}
	head, body := block[:end+sep], block[end+sep:]
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(block)), nil)
	if err == nil {
		return resp, head, nil
	}
	mended, ok := mendHead(head)
	if !ok {
		return nil, nil, err
	}
	resp, err2 := http.ReadResponse(bufio.NewReader(io.MultiReader(bytes.NewReader(mended), bytes.NewReader(body))), nil)
	if err2 != nil {
		return nil, nil, err // the first word on it
	}
	return resp, head, nil
}

// statusLine is an HTTP status line in any case and version ("HTTP/2 200",
// "http/1.1 200 OK").
var statusLine = regexp.MustCompile(`(?i)^HTTP/[0-9.]+[ \t]+([0-9]{3})(?:[ \t]+(.*))?$`)

// mendHead rewrites an HTTP response header that net/http refuses into one
// it reads: an HTTP/1.1 status line, CRLF line ends, the lines without a
// colon dropped, control bytes in values made spaces, and Content-Length
// dropped when it is not one number (the record frames the body). It
// reports false when the first line is no status line.
func mendHead(head []byte) ([]byte, bool) {
	lines := strings.Split(strings.ReplaceAll(strings.TrimRight(string(head), "\r\n"), "\r\n", "\n"), "\n")
	m := statusLine.FindStringSubmatch(strings.TrimSpace(lines[0]))
	if m == nil {
		return nil, false
	}
	clean := func(v string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' || r == 0x7f {
				return ' '
			}
			return r
		}, strings.TrimSpace(v))
	}
	var fields [][2]string
	var lengths []string
	for _, line := range lines[1:] {
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if len(fields) > 0 { // an obsolete folded line continues the field before it
				fields[len(fields)-1][1] += " " + clean(line)
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			continue
		}
		if strings.EqualFold(name, "Content-Length") {
			lengths = append(lengths, strings.TrimSpace(value))
			continue
		}
		fields = append(fields, [2]string{name, clean(value)})
	}
	if len(lengths) > 0 && len(slices.Compact(lengths)) == 1 {
		if _, err := strconv.ParseUint(lengths[0], 10, 63); err == nil {
			fields = append(fields, [2]string{"Content-Length", lengths[0]})
		}
	}
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + m[1] + " " + m[2] + "\r\n")
	for _, f := range fields {
		b.WriteString(f[0] + ": " + f[1] + "\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String()), true
}

// blockOf reads a record's content block and checks it against its
// WARC-Content-Length and WARC-Block-Digest. (Payload digests are not
// checked: tools disagree on what a chunked payload's digest covers.)
func blockOf(rec gowarc.WarcRecord) ([]byte, error) {
	r, err := rec.Block().RawBytes()
	if err != nil {
		return nil, fmt.Errorf("block: %w", err)
	}
	block, err := io.ReadAll(io.LimitReader(r, maxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("block: %w", err)
	}
	if len(block) > maxPayload {
		return nil, fmt.Errorf("block over %d bytes", maxPayload)
	}
	if n, err := rec.ContentLength(); err == nil && n != int64(len(block)) {
		return nil, fmt.Errorf("block: %d bytes, Content-Length says %d", len(block), n)
	}
	return block, checkDigest(rec.WarcHeader().Get(gowarc.WarcBlockDigest), block)
}

// checkDigest compares data with a WARC digest ("sha1:BASE32", "sha256:hex" …).
func checkDigest(want string, data []byte) error {
	if match, known := store.MatchDigest(want, data); match || !known {
		return nil // an algorithm we do not know: nothing to check against
	}
	return &DigestError{Field: gowarc.WarcBlockDigest, Want: want}
}

// DigestError is a record whose content does not match its digest.
type DigestError struct {
	Field string // the WARC header field
	Want  string // its value
}

func (e *DigestError) Error() string {
	return fmt.Sprintf("%s %s does not match the content", e.Field, e.Want)
}

// fatal returns the validation findings that make a record unreadable:
// wrong digests and lengths, and anything unknown. Findings about the form
// of header fields and lines (which other tools' writers differ on, such as
// WARC 1.0's <> around a URI) are logged and let through.
func (im *importer) fatal(validation []error, where string) error {
	var bad []error
	for _, v := range validation {
		var hf *gowarc.HeaderFieldError
		var se *gowarc.SyntaxError
		if errors.As(v, &hf) || errors.As(v, &se) {
			im.log.Debug("import: record not to the letter of the standard", "at", where, "err", v)
			continue
		}
		bad = append(bad, v)
	}
	return errors.Join(bad...)
}

// older reports (and counts as skipped) a record older than the archive's
// last fetch of its URL (an old WARC imported after a newer crawl, a WACZ
// whose WARCs are not in time order): the archive's record is its newest
// capture, and saving the older one would make it the current record with
// the newer one as its history.
func (im *importer) older(ctx context.Context, p *pendingRecord) (bool, error) {
	info, err := im.db.Info(ctx, p.canon)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, storeErr(err)
	}
	if !p.date.Before(info.FetchedAt) {
		return false, nil
	}
	if p.typ == gowarc.Revisit {
		im.st.Revisits++
	} else {
		im.st.Responses++
	}
	im.log.Debug("import: record older than the archive's last fetch of its URL, skipped", "at", p.where, "url", p.target,
		"date", p.date, "archived", info.FetchedAt)
	im.st.skip("older-than-archived")
	return true, nil
}

// revisit imports a revisit record: a fetch of what is stored.
func (im *importer) revisit(ctx context.Context, p *pendingRecord) error {
	capture := &finarchive.Capture{Request: p.reqHead, RemoteIP: p.remoteIP}
	if i := bytes.Index(p.block, []byte("\r\n\r\n")); i >= 0 {
		capture.Response = p.block[:i+4]
	}
	switch p.profile {
	case gowarc.ProfileServerNotModifiedV1_1, gowarc.ProfileServerNotModifiedV1_0:
		return im.saveRevisit(ctx, p.canon, p.date, 304, "", capture)
	case gowarc.ProfileIdenticalPayloadDigestV1_1, gowarc.ProfileIdenticalPayloadDigestV1_0:
		whole, entity, cached := im.payloads.whole(p)
		if cached && im.refersElsewhere(p) {
			// Another URL's payload (Heritrix's digest-based dedup is
			// URL-agnostic): this URL's capture, made whole from it.
			return im.response(ctx, whole)
		}
		digest := p.payloadDigest
		if cached {
			// The store knows a payload by its SHA-256; Heritrix and
			// wget write SHA-1.
			digest = store.PayloadDigest(entity)
		}
		res, err := im.db.Revisited(ctx, im.runID, p.canon, p.date, 200, digest, capture)
		if err != nil {
			return storeErr(err)
		}
		if res == finarchive.SaveNone {
			if cached {
				// Not archived with that payload (its capture was
				// skipped, or the record changed since), but the
				// payload was read: this URL's capture, made whole.
				return im.response(ctx, whole)
			}
			im.st.skip("revisit-of-unknown")
			return nil
		}
		im.st.Unchanged++
		return nil
	default:
		im.st.skip("revisit-profile")
		return nil
	}
}

// refersElsewhere reports whether revisit p refers to the capture of
// another URL than its own.
func (im *importer) refersElsewhere(p *pendingRecord) bool {
	ref := strings.Trim(strings.TrimSpace(p.refersToTarget), "<>")
	if ref == "" {
		return false
	}
	canon, err := crawler.Normalize(ref)
	return err == nil && canon != p.canon
}

// payloadCache keeps the payloads (bodies as transferred) of the latest
// HTML responses an import read, up to maxCachedPayloads bytes, by their
// WARC-Payload-Digest, so that an identical-payload revisit of another URL
// can be imported as that URL's capture. Older payloads are dropped first.
type payloadCache struct {
	byDigest map[string]cachedPayload
	order    []string // digests, oldest first
	bytes    int
}

type cachedPayload struct {
	entity, head []byte // the body as transferred; the response head it came with
}

// maxCachedPayloads bounds a payloadCache: a revisit refers to a capture
// made shortly before it in the same crawl, and a few thousand pages'
// bodies fit.
const maxCachedPayloads = 64 << 20

func (c *payloadCache) put(digest string, entity, head []byte) {
	key := strings.ToLower(strings.TrimSpace(digest))
	if key == "" || len(entity) > maxCachedPayloads/4 {
		return
	}
	if c.byDigest == nil {
		c.byDigest = map[string]cachedPayload{}
	}
	if _, ok := c.byDigest[key]; ok {
		return
	}
	c.byDigest[key] = cachedPayload{entity: entity, head: bytes.Clone(head)}
	c.order = append(c.order, key)
	c.bytes += len(entity)
	for c.bytes > maxCachedPayloads && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.bytes -= len(c.byDigest[old].entity)
		delete(c.byDigest, old)
	}
}

// whole returns revisit p made into the response record it stands for
// (and the payload):
// its own HTTP head (the original's when it has none), the
// Transfer-Encoding the payload no longer has taken out and its length
// set, followed by the cached payload of its digest.
func (c *payloadCache) whole(p *pendingRecord) (whole *pendingRecord, entity []byte, ok bool) {
	cp, ok := c.byDigest[strings.ToLower(strings.TrimSpace(p.payloadDigest))]
	if !ok {
		return nil, nil, false
	}
	head := cp.head
	if i := bytes.Index(p.block, []byte("\r\n\r\n")); i >= 0 {
		head = p.block[:i+4]
	}
	resp, _, err := readResponse(head)
	if err != nil || resp.StatusCode != http.StatusOK {
		if resp, _, err = readResponse(cp.head); err != nil {
			return nil, nil, false
		}
	}
	resp.TransferEncoding = nil
	resp.Header.Del("Transfer-Encoding")
	resp.Header.Set("Content-Length", strconv.Itoa(len(cp.entity)))
	w := *p
	w.typ = gowarc.Response
	w.contentType = "application/http; msgtype=response"
	w.block = append(crawler.ResponseHead(resp), cp.entity...)
	w.truncated = ""
	return &w, cp.entity, true
}

func (im *importer) saveRevisit(ctx context.Context, canon string, date time.Time, status int, digest string, c *finarchive.Capture) error {
	if c.Response == nil {
		c = nil
	}
	res, err := im.db.Revisited(ctx, im.runID, canon, date, status, digest, c)
	if err != nil {
		return storeErr(err)
	}
	if res == finarchive.SaveNone {
		im.st.skip("revisit-of-unknown")
		return nil
	}
	if status == 304 {
		im.st.NotModified++
	} else {
		im.st.Unchanged++
	}
	return nil
}

// saveRedirect keeps a 3xx response as a crawl keeps one, among the
// pages not archived as articles (page type redirect), counted as skipped
// "redirect" as a crawl counts it.
func (im *importer) saveRedirect(ctx context.Context, canon string, date time.Time, resp *http.Response, entity []byte, capture *finarchive.Capture) error {
	im.st.skip("redirect")
	body := decodedOrAsIs(entity, resp, capture)
	rec := &extract.Record{URL: canon, PageType: extract.PageRedirect, FetchedAt: date,
		Breadcrumb: []string{}, Keywords: []string{}, Cards: []extract.Card{}}
	_, err := im.db.Complete(ctx, im.runID, &finarchive.Fetched{Item: finarchive.QueueItem{URL: canon}, StatusCode: resp.StatusCode,
		Record: rec, Raw: body, ContentType: resp.Header.Get("Content-Type"), FetchedAt: date, Capture: capture,
		Skipped: "redirect to " + resp.Header.Get("Location")})
	if err != nil {
		return storeErr(err)
	}
	return nil
}

// decodedOrAsIs returns the body of an error page or a redirect,
// entity, with its content encoding undone (and entity kept as received
// in capture), or as it is when that fails: such a body is kept, not
// read, and a broken one is no reason to lose the answer.
func decodedOrAsIs(entity []byte, resp *http.Response, capture *finarchive.Capture) []byte {
	ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	if ce == "" || ce == "identity" {
		return entity
	}
	decoded, err := decodeBody(entity, ce)
	if err != nil {
		return entity
	}
	capture.Body, capture.ContentEncoding = entity, ce
	return decoded
}

func (im *importer) count(res finarchive.SaveResult) {
	switch res {
	case finarchive.SaveNew:
		im.st.New++
	case finarchive.SaveChanged:
		im.st.Changed++
	case finarchive.SaveUnchanged:
		im.st.Unchanged++
	default:
		im.st.skip("not-saved")
	}
}

func isHTML(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	mt = strings.TrimSpace(mt)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// decodeBody undoes a Content-Encoding.
func decodeBody(b []byte, ce string) ([]byte, error) {
	var r io.Reader
	switch ce {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		r = zr
	case "deflate":
		// zlib-wrapped per RFC 9110, but raw DEFLATE is common too.
		r = flate.NewReader(bytes.NewReader(skipZlibHeader(b)))
	}
	return io.ReadAll(io.LimitReader(r, maxPayload))
}

func skipZlibHeader(b []byte) []byte {
	if len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0 {
		return b[2:]
	}
	return b
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// headTee keeps the first bytes read through it (up to headMax), where a
// record's header is.
type headTee struct {
	r   io.Reader
	buf []byte
}

const headMax = 64 << 10

func (t *headTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if room := headMax - len(t.buf); room > 0 && n > 0 {
		t.buf = append(t.buf, p[:min(n, room)]...)
	}
	return n, err
}

// rawTarget is the WARC-Target-URI of the record whose bytes start b, as
// written: WARC 1.0 (wget) puts it in <>, which WARC 1.1 dropped.
func rawTarget(b []byte) string {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		b = b[:i]
	}
	for _, line := range bytes.Split(b, []byte("\r\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(k), []byte(gowarc.WarcTargetURI)) {
			v = bytes.TrimSpace(v)
			v = bytes.TrimSuffix(bytes.TrimPrefix(v, []byte("<")), []byte(">"))
			return string(v)
		}
	}
	return ""
}
