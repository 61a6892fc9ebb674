package extract_test

import (
	"testing"

	"github.com/finarchive/finarchive/extract"
)

// TestBinaryKind: text in any charset passes, a stray control byte
// included; signatures, NUL bytes and control-byte noise do not, unless a
// UTF-16 charset is declared (its NULs are text).
func TestBinaryKind(t *testing.T) {
	noise := make([]byte, 1024)
	for i := range noise {
		noise[i] = byte(1 + i%30) // control bytes, no NUL
	}
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		binary            bool
	}{
		{"html", "text/html", []byte("<!DOCTYPE html><html><title>t</title>"), false},
		{"gbk text with a stray control byte", "", []byte("\xd0\xc5\xd3\xc3\xbf\xa8\x01\xd3\xe2\xc6\xda <p>"), false},
		{"empty", "text/html", nil, false},
		{"png", "text/html", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), true},
		{"pdf", "text/html", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), true},
		{"gzip", "", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), true},
		{"html with a stray NUL", "text/html", []byte("<p>a\x00b</p>"), false},
		{"nul bytes", "text/html", []byte("ab\x00cd\x00ef"), true},
		{"control noise", "text/html", noise, true},
		{"utf-16 declared", "text/html; charset=UTF-16LE", []byte("<\x00p\x00>\x00a\x00"), false},
		{"utf-16 with a BOM", "", []byte("\xff\xfe<\x00p\x00>\x00"), false},
	} {
		if got := extract.BinaryKind(tc.body, tc.contentType); (got != "") != tc.binary {
			t.Errorf("%s: BinaryKind = %q, want binary %v", tc.name, got, tc.binary)
		}
	}
}
