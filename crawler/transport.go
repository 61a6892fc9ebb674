package crawler

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
)

// inflateTransport unpacks the gzip bodies colly would otherwise unpack
// itself after its size check (a URL ending in .xml.gz, a gzip
// Content-Type, a Content-Encoding the Go transport left alone), so that
// colly's body limit (Config.MaxBodySize) counts unpacked bytes, read as a
// stream: a 300 KB response that unpacks to 300 MB is cut off at the limit
// instead of being unpacked whole into memory. It marks such a response
// Uncompressed, which is what tells colly not to unpack it again.
//
// The Go transport's own transparent gzip (Content-Encoding: gzip in answer
// to the Accept-Encoding it adds) is already a stream under colly's limit;
// a gzip file inside it (a .xml.gz sent with Content-Encoding: gzip) is
// unpacked here too, one layer, under the same limit.
type inflateTransport struct {
	rt http.RoundTripper
}

func (t *inflateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err != nil || resp.Body == nil || !unpackedByColly(req, resp) {
		return resp, err
	}
	// From here colly must not unpack: it would do so after its limit.
	resp.Uncompressed = true
	raw := resp.Body
	br := bufio.NewReader(raw)
	body := &readCloser{Reader: br, close: raw.Close}
	resp.Body = body
	if magic, _ := br.Peek(2); len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return resp, nil // labelled gzip but not: hand it on as it is
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return resp, nil // a broken gzip header: the parser will say so
	}
	body.Reader = zr
	body.close = func() error {
		zr.Close()
		return raw.Close()
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	return resp, nil
}

// unpackedByColly reports whether colly would unpack resp's body itself (its
// httpBackend.Do rules), or it is a gzip file inside a transfer encoding
// the Go transport already undid.
func unpackedByColly(req *http.Request, resp *http.Response) bool {
	ce := strings.ToLower(resp.Header.Get("Content-Encoding"))
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	path := req.URL.Path
	if resp.Request != nil && resp.Request.URL != nil {
		path = resp.Request.URL.Path
	}
	file := strings.HasSuffix(strings.ToLower(path), ".xml.gz") || strings.Contains(ct, "gzip")
	if resp.Uncompressed {
		return file
	}
	return strings.Contains(ce, "gzip") || file
}

// readCloser is a reader with its own Close.
type readCloser struct {
	io.Reader
	close func() error
}

func (r *readCloser) Close() error { return r.close() }
