package warc

import (
	"archive/zip"
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/finarchive/finarchive/store"
	"github.com/klauspost/compress/flate"
)

// WACZ paths (WACZ 1.2.0).
const (
	waczWARC   = "archive/data.warc.gz"
	waczIndex  = "indexes/index.cdxj"
	waczPages  = "pages/pages.jsonl"
	waczData   = "datapackage.json"
	waczDigest = "datapackage-digest.json"
)

// Resource is one file of a WACZ as datapackage.json lists it.
type Resource struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	Hash  string `json:"hash"` // "sha256:<hex>"
	Bytes int64  `json:"bytes"`
}

// DataPackage is a WACZ's datapackage.json.
type DataPackage struct {
	Profile      string     `json:"profile"`
	WACZVersion  string     `json:"wacz_version"`
	Title        string     `json:"title,omitempty"`
	Software     string     `json:"software,omitempty"`
	Created      string     `json:"created"`
	MainPageURL  string     `json:"mainPageUrl,omitempty"`
	MainPageDate string     `json:"mainPageDate,omitempty"`
	Resources    []Resource `json:"resources"`
}

// WriteWACZ writes the selected articles of db to w as a WACZ 1.2.0 zip:
// the WARC Write makes (archive/data.warc.gz), its CDXJ index sorted by
// SURT and time, pages/pages.jsonl (url, ts, title, text), and
// datapackage.json with each file's SHA-256 and size. The WARC, already
// compressed, is stored in the zip without compression, as the spec asks.
// It streams with constant memory: the WARC is written once, straight into
// its zip entry, while the index lines and pages.jsonl are collected (the
// index in sorted runs) in temporary files in tmpDir ("" = the system's).
func WriteWACZ(ctx context.Context, db store.Archive, w io.Writer, opt Options, tmpDir string) (Stats, error) {
	pages, err := newDeflatedFile(tmpDir, "finarchive-*.pages.jsonl")
	if err != nil {
		return Stats{}, fmt.Errorf("wacz: pages: %w", err)
	}
	defer pages.remove()

	sorter := &lineSorter{dir: tmpDir, max: 50000}
	defer sorter.cleanup()
	if err := writeJSONLine(pages, map[string]string{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}); err != nil {
		return Stats{}, fmt.Errorf("wacz: pages: %w", err)
	}
	var first *store.ExportRecord
	o := opt
	o.Filename = "data.warc.gz"
	// Each page's line of pages.jsonl is made by the encoders and written,
	// deflated as it comes, by the writer, so none of it is left for the
	// end.
	hook := &pageHook{
		line: pageJSONLine,
		page: func(er *store.ExportRecord, line []byte) error {
			if first == nil && er != nil {
				c := *er
				first = &c
			}
			if _, err := pages.Write(line); err != nil {
				return fmt.Errorf("wacz: pages: %w", err)
			}
			return nil
		},
	}

	zw := zip.NewWriter(w)
	// The other members are deflated at the fastest level: they are
	// small beside the WARC, and the standard library's default level
	// costs most of their time.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	var res []Resource
	// The WARC goes straight into its zip entry, stored (it is gzip
	// already), its CRC and size in the data descriptor after it; the
	// CDXJ offsets are counted as it is written, from the entry's start.
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: waczWARC, Method: zip.Store, Modified: time.Now()})
	if err != nil {
		return Stats{}, fmt.Errorf("wacz: %w", err)
	}
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(zf, sum), 256<<10)
	st, err := write(ctx, db, bw, o, func(e IndexEntry) error { return sorter.add(cdxjLine(e, "data.warc.gz")) }, hook)
	if err != nil {
		return st, err
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("wacz: %w", err)
	}
	res = append(res, Resource{Name: "data.warc.gz", Path: waczWARC, Hash: "sha256:" + hex.EncodeToString(sum.Sum(nil)), Bytes: st.Bytes})

	r, err := addFile(zw, waczIndex, func(w io.Writer) error { return sorter.merge(w) })
	if err != nil {
		return st, err
	}
	res = append(res, r)
	r, err = pages.addTo(zw, waczPages)
	if err != nil {
		return st, fmt.Errorf("wacz: pages: %w", err)
	}
	res = append(res, r)

	dp := DataPackage{Profile: "data-package", WACZVersion: "1.2.0", Title: "finarchive export", Software: opt.Software,
		Created: time.Now().UTC().Format(time.RFC3339), Resources: res}
	if first != nil {
		dp.MainPageURL, dp.MainPageDate = first.URL, first.FetchedAt.UTC().Format(time.RFC3339)
	}
	dpJSON, err := json.MarshalIndent(dp, "", "  ")
	if err != nil {
		return st, fmt.Errorf("wacz: %w", err)
	}
	dpRes, err := addFile(zw, waczData, func(w io.Writer) error { _, err := w.Write(dpJSON); return err })
	if err != nil {
		return st, err
	}
	digest, _ := json.MarshalIndent(map[string]string{"path": waczData, "hash": dpRes.Hash}, "", "  ")
	if _, err := addFile(zw, waczDigest, func(w io.Writer) error { _, err := w.Write(digest); return err }); err != nil {
		return st, err
	}
	if err := zw.Close(); err != nil {
		return st, fmt.Errorf("wacz: %w", err)
	}
	return st, nil
}

// addFile adds a deflated file to zw and returns its resource entry.
func addFile(zw *zip.Writer, path string, write func(io.Writer) error) (Resource, error) {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return Resource{}, fmt.Errorf("wacz: %s: %w", path, err)
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	if err := write(cw); err != nil {
		return Resource{}, fmt.Errorf("wacz: %s: %w", path, err)
	}
	return Resource{Name: path[strings.LastIndexByte(path, '/')+1:], Path: path, Hash: sumOf(h), Bytes: cw.n}, nil
}

func sumOf(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// pageLine is a page's line in pages.jsonl (its fields in name order, as
// a map of them was written before).
type pageLine struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Title string `json:"title"`
	TS    string `json:"ts"`
	URL   string `json:"url"`
}

// pageJSONLine is the line of pages.jsonl for a page: json.Marshal of its
// pageLine and a newline. meta is the page's extracted record as
// encoding/json wrote it for the metadata record; its url, title and body
// values, escaped already, go in the line as they are (the same bytes
// Marshal would write for them), so the body, most of the line, is not
// encoded twice. A meta that does not begin with them is not used.
func pageJSONLine(er *store.ExportRecord, meta []byte) ([]byte, error) {
	id, ts := pageID(er.URL), er.FetchedAt.UTC().Format(time.RFC3339)
	u, title, body, ok := leadingStrings(meta)
	if !ok {
		b, err := json.Marshal(pageLine{ID: id, Text: er.Body, Title: er.Title, TS: ts, URL: er.URL})
		return append(b, '\n'), err
	}
	line := make([]byte, 0, len(body)+len(title)+len(u)+len(id)+len(ts)+48)
	line = append(append(append(line, `{"id":"`...), id...), `","text":`...)
	line = append(append(append(line, body...), `,"title":`...), title...)
	line = append(append(append(line, `,"ts":"`...), ts...), `","url":`...)
	return append(append(line, u...), "}\n"...), nil
}

// leadingStrings returns the url, title and body values of a record's
// JSON, still encoded (quotes and all), when it begins with them (as
// encoding/json writes an extract.Record, in field order).
func leadingStrings(js []byte) (u, title, body []byte, ok bool) {
	rest := js
	for _, f := range []struct {
		name string
		v    *[]byte
	}{{`{"url":`, &u}, {`,"title":`, &title}, {`,"body":`, &body}} {
		if rest, ok = bytes.CutPrefix(rest, []byte(f.name)); !ok {
			return nil, nil, nil, false
		}
		if *f.v, rest, ok = jsonString(rest); !ok {
			return nil, nil, nil, false
		}
	}
	return u, title, body, true
}

// jsonString splits the JSON string at the start of b (its quotes
// included) from the rest.
func jsonString(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	for i := 1; ; {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return nil, nil, false
		}
		q += i
		// A quote after an odd number of backslashes is escaped.
		k := q
		for k > 1 && b[k-1] == '\\' {
			k--
		}
		if (q-k)%2 == 0 {
			return b[:q+1], b[q+1:], true
		}
		i = q + 1
	}
}

// deflatedFile is a zip member deflated into a temporary file as it is
// written, then copied into the zip as it is: the deflating is done while
// the export runs, not after it.
type deflatedFile struct {
	f   *os.File
	bw  *bufio.Writer
	fw  *flate.Writer
	crc hash.Hash32
	sum hash.Hash
	n   int64
}

func newDeflatedFile(dir, pattern string) (*deflatedFile, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	d := &deflatedFile{f: f, bw: bufio.NewWriterSize(f, 64<<10), crc: crc32.NewIEEE(), sum: sha256.New()}
	d.fw, _ = flate.NewWriter(d.bw, flate.BestSpeed) // a valid level: no error
	return d, nil
}

func (d *deflatedFile) Write(p []byte) (int, error) {
	d.crc.Write(p)
	d.sum.Write(p)
	d.n += int64(len(p))
	return d.fw.Write(p)
}

// addTo finishes the deflated stream and adds it to zw as path.
func (d *deflatedFile) addTo(zw *zip.Writer, path string) (Resource, error) {
	if err := d.fw.Close(); err != nil {
		return Resource{}, err
	}
	if err := d.bw.Flush(); err != nil {
		return Resource{}, err
	}
	size, err := d.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return Resource{}, err
	}
	if _, err := d.f.Seek(0, io.SeekStart); err != nil {
		return Resource{}, err
	}
	fh := &zip.FileHeader{Name: path, Method: zip.Deflate, CRC32: d.crc.Sum32(), CompressedSize64: uint64(size),
		UncompressedSize64: uint64(d.n)}
	// CreateRaw writes the header as given and, unlike CreateHeader, does
	// not turn Modified into the MS-DOS fields, which SetModTime sets.
	fh.SetModTime(time.Now()) //nolint:staticcheck // see above
	zf, err := zw.CreateRaw(fh)
	if err != nil {
		return Resource{}, err
	}
	if _, err := io.Copy(zf, d.f); err != nil {
		return Resource{}, err
	}
	return Resource{Name: path[strings.LastIndexByte(path, '/')+1:], Path: path, Hash: sumOf(d.sum), Bytes: d.n}, nil
}

func (d *deflatedFile) remove() {
	d.f.Close()
	os.Remove(d.f.Name())
}

// pageID is a stable id of a page in pages.jsonl.
func pageID(u string) string {
	s := sha256.Sum256([]byte(u))
	return hex.EncodeToString(s[:8])
}

// cdxjLine is a record's line in the CDXJ index: SURT, 14-digit
// timestamp, and a JSON block.
func cdxjLine(e IndexEntry, filename string) string {
	b, _ := json.Marshal(cdxjFields{Digest: e.Digest, Filename: filename, Length: strconv.FormatInt(e.Length, 10), Mime: e.Mime,
		Offset: strconv.FormatInt(e.Offset, 10), Status: strconv.Itoa(e.Status), URL: e.URL})
	return SURT(e.URL) + " " + e.Date.UTC().Format("20060102150405") + " " + string(b)
}

// cdxjFields is the JSON block of a CDXJ line (its fields in name order,
// as a map of them was written before).
type cdxjFields struct {
	Digest   string `json:"digest"`
	Filename string `json:"filename"`
	Length   string `json:"length"`
	Mime     string `json:"mime"`
	Offset   string `json:"offset"`
	Status   string `json:"status"`
	URL      string `json:"url"`
}

// SURT is the sort-friendly form of a URL the CDXJ index is keyed by, as
// pywb and ReplayWeb.page compute it: lower case, "www." dropped, host
// labels reversed and comma-separated, the port after them, ")" then the
// path and the query with its parameters sorted.
func SURT(raw string) string {
	u, err := url.Parse(strings.ToLower(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return raw
	}
	host := u.Hostname()
	if strings.HasPrefix(host, "www") {
		if i := strings.IndexByte(host, '.'); i >= 3 && strings.Trim(host[3:i], "0123456789") == "" {
			host = host[i+1:]
		}
	}
	labels := strings.Split(host, ".")
	slices.Reverse(labels)
	s := strings.Join(labels, ",")
	if p := u.Port(); p != "" {
		s += ":" + p
	}
	s += ")" + u.EscapedPath()
	if u.EscapedPath() == "" {
		s += "/"
	}
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		slices.Sort(params)
		s += "?" + strings.Join(params, "&")
	}
	return s
}

// lineSorter sorts more lines than fit in memory: runs of max lines are
// sorted and written to temporary files, then merged.
type lineSorter struct {
	dir   string
	max   int
	buf   []string
	files []*os.File
}

func (s *lineSorter) add(line string) error {
	s.buf = append(s.buf, line)
	if len(s.buf) >= s.max {
		return s.spill()
	}
	return nil
}

func (s *lineSorter) spill() error {
	slices.Sort(s.buf)
	f, err := os.CreateTemp(s.dir, "finarchive-*.cdxj")
	if err != nil {
		return fmt.Errorf("wacz: index: %w", err)
	}
	s.files = append(s.files, f)
	bw := bufio.NewWriter(f)
	for _, l := range s.buf {
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("wacz: index: %w", err)
	}
	s.buf = s.buf[:0]
	return nil
}

// merge writes all lines, sorted, to w.
func (s *lineSorter) merge(w io.Writer) error {
	if len(s.files) == 0 {
		slices.Sort(s.buf)
		for _, l := range s.buf {
			if _, err := io.WriteString(w, l+"\n"); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.buf) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	h := &runHeap{}
	for _, f := range s.files {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		if sc.Scan() {
			heap.Push(h, &run{sc: sc, line: sc.Text()})
		} else if err := sc.Err(); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(w)
	for h.Len() > 0 {
		r := (*h)[0]
		bw.WriteString(r.line)
		bw.WriteByte('\n')
		if r.sc.Scan() {
			r.line = r.sc.Text()
			heap.Fix(h, 0)
		} else {
			if err := r.sc.Err(); err != nil {
				return err
			}
			heap.Pop(h)
		}
	}
	return bw.Flush()
}

func (s *lineSorter) cleanup() {
	for _, f := range s.files {
		f.Close()
		os.Remove(f.Name())
	}
}

type run struct {
	sc   *bufio.Scanner
	line string
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return h[i].line < h[j].line }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}
