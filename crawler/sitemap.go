package crawler

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	stdhtml "html"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/finarchive/finarchive"
	"github.com/gocolly/colly/v2"
)

// Bounds on sitemap reading, so a huge or hostile sitemap cannot stall a
// crawl or fill its memory.
const (
	maxSitemaps    = 50    // sitemap files read per host
	maxSitemapURLs = 50000 // <loc> entries read per file (the protocol's limit)
	maxLocLen      = 4096  // bytes of one <loc>; the protocol allows 2,048 characters
	sitemapBatch   = 1000
)

// get fetches a sitemap through the collector with the slot of its job of
// the frontier, so the host's gap and parallelism hold for it as for pages. The body is
// returned unpacked (see inflateTransport) and at most MaxBodySize+1 bytes
// long; over reports whether it was longer than MaxBodySize, cut there.
func (c *Crawler) get(u string, slot *Slot) (body []byte, over bool, err error) {
	cctx := colly.NewContext()
	cctx.Put(ctxRaw, "1")
	hdr := http.Header{}
	hdr.Set("User-Agent", c.cfg.UserAgent)
	id := c.slots.header(slot)
	hdr.Set(slotHeader, id)
	err = c.collector.Request(http.MethodGet, u, nil, cctx, hdr)
	c.slots.forget(id)
	resp, _ := cctx.GetAny(ctxResponse).(*colly.Response)
	if resp == nil {
		if err == nil {
			err = errors.New("no response")
		}
		return nil, false, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, &statusError{code: resp.StatusCode, retryAfter: resp.Headers.Get("Retry-After")}
	}
	if int64(len(resp.Body)) > int64(c.cfg.MaxBodySize) {
		return resp.Body[:c.cfg.MaxBodySize], true, nil
	}
	return resp.Body, false, nil
}

// statusError is an answer other than 200 to a sitemap request.
type statusError struct {
	code       int
	retryAfter string // its Retry-After header, if any
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

// readSitemap reads one sitemap (or sitemap index) and enqueues the pages
// it lists at depth 1; it returns the sitemaps an index lists, and how
// many URLs were new. Every entry, page or child sitemap, must be on the
// sitemap's own host (sitemaps.org), and a page must be in the crawl's
// scope. Failures are logged, never fatal: sitemaps are a bonus. The
// error is the request's, for the caller to tell a host pushing back
// (429, 503) from the rest.
func (c *Crawler) readSitemap(ctx context.Context, runID int64, sm string, slot *Slot) (children []string, total int, err error) {
	var batch []finarchive.QueueItem
	flush := func() {
		if len(batch) == 0 {
			return
		}
		n, err := c.sink.Enqueue(ctx, runID, batch)
		if err != nil {
			c.log.Warn("sitemap enqueue", "err", err)
		}
		c.fr.enqueued(batch)
		total += n
		batch = batch[:0]
	}
	smURL, err := url.Parse(sm)
	if err != nil {
		return nil, 0, nil
	}
	body, over, err := c.get(sm, slot)
	if err != nil {
		c.log.Debug("sitemap", "url", sm, "err", err)
		return nil, 0, err
	}
	if over {
		c.log.Warn("sitemap larger than --max-body-size: only its beginning is read", "url", sm, "limit", c.cfg.MaxBodySize)
	}
	r := newSitemapReader(bytes.NewReader(body))
	for n := 0; ; n++ {
		loc, isSitemap, err := r.next()
		if err != nil {
			break
		}
		if n == maxSitemapURLs {
			c.log.Warn("sitemap lists more URLs than the protocol allows: the rest is ignored", "url", sm, "limit", maxSitemapURLs)
			break
		}
		canon, err := Normalize(loc)
		if err != nil {
			continue
		}
		u, _ := url.Parse(canon)
		if u.Host != smURL.Host {
			c.log.Debug("sitemap entry on another host ignored", "sitemap", sm, "url", canon)
			continue
		}
		if isSitemap {
			children = append(children, canon)
			continue
		}
		if item, ok := c.scoped(canon, 1); ok {
			batch = append(batch, item)
			if len(batch) >= sitemapBatch {
				flush()
			}
		}
	}
	flush()
	return children, total, nil
}

// sitemapReader reads the <loc> entries of a sitemap or sitemap index as a
// stream, in constant memory whatever the input. encoding/xml is not used:
// it keeps a stack entry per open element and allocates per attribute, so
// a 10 MiB file of unclosed tags took hundreds of MB, and a sitemap needs
// none of that. What is read: start and end tags by local name (<url>,
// <sitemap>, <loc>), the text and CDATA of a <loc>, the five XML entities
// and character references in it; comments, processing instructions and
// the DOCTYPE are skipped (its entities are never expanded).
type sitemapReader struct {
	r         *bufio.Reader
	inSitemap bool // inside <sitemap>: a <loc> names a sitemap
	loc       []byte
}

func newSitemapReader(r io.Reader) *sitemapReader {
	return &sitemapReader{r: bufio.NewReader(r), loc: make([]byte, 0, 256)}
}

// next returns the next <loc> value and whether it names a sitemap (a
// <loc> inside <sitemap>) rather than a page; its error is io.EOF at the
// end of the input.
func (s *sitemapReader) next() (loc string, isSitemap bool, err error) {
	for {
		if err := s.skipTo('<'); err != nil {
			return "", false, err
		}
		name, end, selfClosing, err := s.tag()
		if err != nil {
			return "", false, err
		}
		switch {
		case name == "sitemap":
			s.inSitemap = !end && !selfClosing
		case name == "url":
			s.inSitemap = false
		case name == "loc" && !end && !selfClosing:
			v, ok, err := s.locText()
			if err != nil {
				return "", false, err
			}
			if ok {
				return v, s.inSitemap, nil
			}
		}
	}
}

// tag reads a markup construct after its '<'. For a start or end tag it
// returns the local name when it is one the reader needs ("url",
// "sitemap", "loc", in any case; "" otherwise), whether it is an end tag
// and whether it closes itself;
// a comment, CDATA section, DOCTYPE or processing instruction is skipped
// and returns no name.
func (s *sitemapReader) tag() (name string, end, selfClosing bool, err error) {
	b, err := s.r.ReadByte()
	if err != nil {
		return "", false, false, err
	}
	switch b {
	case '!':
		return "", false, false, s.skipDecl()
	case '?':
		return "", false, false, s.skipPast("?>")
	case '/':
		end = true
		if b, err = s.r.ReadByte(); err != nil {
			return "", false, false, err
		}
	}
	var buf [16]byte
	n := 0
	for ; ; b, err = s.r.ReadByte() {
		if err != nil {
			return "", false, false, err
		}
		if b == ':' { // a prefix: the local name follows
			n = 0
			continue
		}
		if b == '>' || b == '/' || b == ' ' || b == '\t' || b == '\n' || b == '\r' {
			break
		}
		if n < len(buf) {
			buf[n] = b | 0x20 // ASCII lower case; other bytes match no name
		}
		n++
	}
	if n <= len(buf) {
		switch string(buf[:n]) { // compared, not allocated
		case "url":
			name = "url"
		case "sitemap":
			name = "sitemap"
		case "loc":
			name = "loc"
		}
	}
	// Attributes, skipped without being kept; '>' in a quoted value does
	// not end the tag.
	var quote byte
	prev := byte(0)
	for ; ; b, err = s.r.ReadByte() {
		if err != nil {
			return "", false, false, err
		}
		switch {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '>':
			return name, end, prev == '/', nil
		}
		prev = b
	}
}

// skipDecl skips what follows "<!": a comment, a CDATA section outside a
// <loc>, or a declaration such as the DOCTYPE with its internal subset.
func (s *sitemapReader) skipDecl() error {
	head, _ := s.r.Peek(7)
	switch {
	case bytes.HasPrefix(head, []byte("--")):
		return s.skipPast("-->")
	case bytes.HasPrefix(head, []byte("[CDATA[")):
		return s.skipPast("]]>")
	}
	depth := 0 // of [ ] around an internal subset
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		switch {
		case b == '[':
			depth++
		case b == ']' && depth > 0:
			depth--
		case b == '>' && depth == 0:
			return nil
		}
	}
}

// locText reads the content of a <loc> up to the next end tag: text with
// its entities decoded, and CDATA as is; a comment is skipped, any other
// tag inside is ignored. ok is false when the value is empty or longer
// than maxLocLen bytes (the rest is read and dropped).
func (s *sitemapReader) locText() (v string, ok bool, err error) {
	s.loc = s.loc[:0]
	long := false
	add := func(b []byte) {
		if len(s.loc)+len(b) > maxLocLen {
			long = true
			return
		}
		s.loc = append(s.loc, b...)
	}
	var text []byte // the current run of text, for entity decoding
	flushText := func() {
		if len(text) > 0 {
			add([]byte(stdhtml.UnescapeString(string(text))))
			text = text[:0]
		}
	}
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return "", false, err
		}
		if b != '<' {
			if len(text) <= maxLocLen {
				text = append(text, b)
			} else {
				long = true
			}
			continue
		}
		flushText()
		head, _ := s.r.Peek(8)
		switch {
		case bytes.HasPrefix(head, []byte("![CDATA[")):
			s.r.Discard(8)
			cdata, err := s.readUntil("]]>")
			if err != nil {
				return "", false, err
			}
			add(cdata)
		case bytes.HasPrefix(head, []byte("!--")):
			s.r.Discard(3)
			if err := s.skipPast("-->"); err != nil {
				return "", false, err
			}
		default:
			name, end, _, err := s.tag()
			if err != nil {
				return "", false, err
			}
			if end || name == "url" || name == "sitemap" {
				v := strings.TrimSpace(string(s.loc))
				if name == "sitemap" && !end {
					s.inSitemap = true
				}
				return v, v != "" && !long, nil
			}
		}
	}
}

// readUntil returns the bytes before delim (at most maxLocLen+1 of them
// kept) and consumes delim.
func (s *sitemapReader) readUntil(delim string) ([]byte, error) {
	var out []byte
	var w window
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if len(out) <= maxLocLen+len(delim) {
			out = append(out, b)
		}
		if w.push(b, delim) {
			return out[:max(0, len(out)-len(delim))], nil
		}
	}
}

// skipPast consumes the input up to and including delim.
func (s *sitemapReader) skipPast(delim string) error {
	var w window
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		if w.push(b, delim) {
			return nil
		}
	}
}

// window holds the last bytes read, to find a delimiter of up to 4 bytes.
type window struct {
	buf [4]byte
	n   int
}

// push adds b and reports whether the bytes read now end with delim.
func (w *window) push(b byte, delim string) bool {
	copy(w.buf[:], w.buf[1:])
	w.buf[len(w.buf)-1] = b
	w.n = min(w.n+1, len(w.buf))
	return w.n >= len(delim) && string(w.buf[len(w.buf)-len(delim):]) == delim
}

// skipTo consumes the input up to and including the byte b.
func (s *sitemapReader) skipTo(b byte) error {
	_, err := s.r.ReadSlice(b)
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = s.r.ReadSlice(b)
	}
	return err
}

// inScopeHost reports whether a canonical URL's host is in scope.
func (c *Crawler) inScopeHost(canon string) bool {
	u, err := url.Parse(canon)
	if err != nil {
		return false
	}
	c.scopeMu.Lock()
	defer c.scopeMu.Unlock()
	return c.scope.InHost(u)
}

// scoped turns a raw URL into a frontier item when it is in scope.
func (c *Crawler) scoped(raw string, depth int) (finarchive.QueueItem, bool) {
	canon, err := Normalize(raw)
	if err != nil {
		return finarchive.QueueItem{}, false
	}
	u, _ := url.Parse(canon)
	c.scopeMu.Lock()
	ok, _ := c.scope.Allow(u, canon)
	c.scopeMu.Unlock()
	return finarchive.QueueItem{URL: canon, Depth: depth}, ok
}
