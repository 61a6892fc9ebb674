package warc_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/finarchive/finarchive/warc"
)

// TestCheck: a WARC, a gzipped WARC and a WACZ pass by their first bytes
// (however broken after them: Import reports that); another file or an
// empty one is a *NotArchiveError naming it.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, data string
		ok         bool
	}{
		{"plain.warc", "WARC/1.1\r\nWARC-Type: warcinfo\r\n", true},
		{"cut.warc.gz", "\x1f\x8b\x08", true},
		{"a.wacz", "PK\x03\x04rest", true},
		{"passwd", "root:x:0:0:root:/root:/bin/bash\n", false},
		{"page.html", "<!DOCTYPE html><html>", false},
		{"empty.warc", "", false},
		{"short", "W", false},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
			t.Fatal(err)
		}
		err := warc.Check(path)
		var nw *warc.NotArchiveError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v, want nil", tc.name, err)
		case !tc.ok && !errors.As(err, &nw):
			t.Errorf("%s: %v, want a *NotArchiveError", tc.name, err)
		case !tc.ok && nw.File != path:
			t.Errorf("%s: the error names %q", tc.name, nw.File)
		}
	}
	if err := warc.Check(filepath.Join(dir, "missing.warc")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want a not-exist error", err)
	}
}
