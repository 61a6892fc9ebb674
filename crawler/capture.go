package crawler

import (
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/finarchive/finarchive"
)

// captureHeader carries a fetch's capture id from process to the capture
// transport, which removes it before the request leaves.
const captureHeader = "X-Finarchive-Capture"

// captureTransport keeps what a WARC record needs of a fetch (see
// finarchive.Capture): the header fields as the transport wrote them, the
// status line and header fields as received, and the body before content
// decoding. It asks for gzip itself, as net/http would, and decodes it for
// the layers above (colly then sees what it saw before, and its body limit
// still counts decoded bytes), keeping the encoded bytes for the record.
// Requests without a capture id (robots.txt, sitemaps) get the same
// decoding and nothing is kept.
type captureTransport struct {
	next  http.RoundTripper
	limit int64 // bytes of encoded body kept at most

	mu      sync.Mutex
	seq     uint64
	pending map[string]*capture
}

// capture is a fetch being captured.
type capture struct {
	mu       sync.Mutex
	request  []string // header lines as written
	proto    string
	remoteIP string
	c        finarchive.Capture
	body     bytes.Buffer // encoded body as read
}

func newCaptureTransport(next http.RoundTripper, limit int64) *captureTransport {
	return &captureTransport{next: next, limit: limit, pending: map[string]*capture{}}
}

// start registers a capture and returns the id to send in captureHeader.
func (t *captureTransport) start() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	id := strconv.FormatUint(t.seq, 10)
	t.pending[id] = &capture{}
	return id
}

// take ends the capture id and returns what was kept (nil when the request
// never reached the transport).
func (t *captureTransport) take(id string) *finarchive.Capture {
	t.mu.Lock()
	cp := t.pending[id]
	delete(t.pending, id)
	t.mu.Unlock()
	if cp == nil {
		return nil
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.c.Response == nil {
		return nil
	}
	if cp.c.ContentEncoding != "" {
		cp.c.Body = cp.body.Bytes()
	}
	return &cp.c
}

// RoundTrip implements http.RoundTripper.
func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	id := req.Header.Get(captureHeader)
	askGzip := req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" && req.Method != http.MethodHead
	if id == "" && !askGzip {
		return t.next.RoundTrip(req)
	}
	t.mu.Lock()
	cp := t.pending[id]
	t.mu.Unlock()
	ctx := req.Context()
	if cp != nil {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) {
				if a, ok := info.Conn.RemoteAddr().(*net.TCPAddr); ok {
					cp.mu.Lock()
					cp.remoteIP = a.IP.String()
					cp.mu.Unlock()
				}
			},
			WroteHeaderField: func(key string, values []string) {
				cp.mu.Lock()
				defer cp.mu.Unlock()
				if strings.HasPrefix(key, ":") { // HTTP/2 pseudo-header
					if key != ":authority" {
						return
					}
					key = "Host"
				}
				for _, v := range values {
					cp.request = append(cp.request, key+": "+v)
				}
			},
		})
	}
	req = req.Clone(ctx) // a RoundTripper must not change its request
	req.Header.Del(captureHeader)
	if askGzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	gz := askGzip && strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip")
	if cp != nil {
		cp.mu.Lock()
		cp.c.Request = requestHead(req, resp.Proto, cp.request)
		cp.c.Response = ResponseHead(resp)
		cp.c.RemoteIP = cp.remoteIP
		if gz {
			cp.c.ContentEncoding = "gzip"
		}
		cp.mu.Unlock()
	}
	if gz {
		var src io.ReadCloser = resp.Body
		if cp != nil {
			src = &teeBody{rc: resp.Body, cp: cp, limit: t.limit}
		}
		resp.Body = &gzipBody{src: src}
		resp.Header = resp.Header.Clone()
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp, nil
}

// requestHead is the request line and the header fields as written.
func requestHead(req *http.Request, proto string, fields []string) []byte {
	if proto == "" {
		proto = "HTTP/1.1"
	}
	var b bytes.Buffer
	b.WriteString(req.Method + " " + req.URL.RequestURI() + " " + proto + "\r\n")
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// ResponseHead is resp's status line and header fields as a WARC response
// record holds them: in name order (Go keeps no order), ending in a blank
// line; Transfer-Encoding is not among them (net/http moves it out), as the
// body is kept unchunked. The crawler's capture and the WARC import both use it.
func ResponseHead(resp *http.Response) []byte {
	var b bytes.Buffer
	status := resp.Status
	if status == "" {
		status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	b.WriteString(resp.Proto + " " + status + "\r\n")
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range resp.Header[k] {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// teeBody keeps up to limit bytes of what is read through it.
type teeBody struct {
	rc    io.ReadCloser
	cp    *capture
	limit int64
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 {
		t.cp.mu.Lock()
		if room := t.limit - int64(t.cp.body.Len()); room > 0 {
			t.cp.body.Write(p[:min(int64(n), room)])
		}
		t.cp.mu.Unlock()
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// gzipBody decodes src, opening the gzip stream at the first Read (as
// net/http's own gzip reader does).
type gzipBody struct {
	src io.ReadCloser
	zr  *gzip.Reader
	err error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		if g.zr, g.err = gzip.NewReader(g.src); g.err != nil {
			return 0, g.err
		}
	}
	return g.zr.Read(p)
}

func (g *gzipBody) Close() error { return g.src.Close() }
