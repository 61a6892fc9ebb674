package warc

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// NotArchiveError is Check's answer for a file that is none of what Import
// reads: it names the file and how it starts.
type NotArchiveError struct {
	File  string
	Start []byte // its first bytes (up to 8)
}

func (e *NotArchiveError) Error() string {
	if len(e.Start) == 0 {
		return fmt.Sprintf("%s is empty: not a WARC or WACZ file", e.File)
	}
	return fmt.Sprintf("%s is not a WARC (WARC/1.x), a gzipped WARC or a WACZ (zip): it starts with %q", e.File, e.Start)
}

// Check tells whether file is one Import reads, by its first bytes: a WARC
// record header, a gzip member or a zip (WACZ). A truncated or corrupt
// archive passes (Import reports its bad records); another file, say a
// mistyped path to a log or an HTML page, is a *NotArchiveError, before an
// archive is touched.
func Check(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	start := make([]byte, 8)
	n, err := io.ReadFull(f, start)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fmt.Errorf("import: %s: %w", file, err)
	}
	start = start[:n]
	for _, magic := range [][]byte{[]byte("WARC/"), {0x1f, 0x8b}, []byte("PK\x03\x04")} {
		if bytes.HasPrefix(start, magic) {
			return nil
		}
	}
	return &NotArchiveError{File: file, Start: start}
}
