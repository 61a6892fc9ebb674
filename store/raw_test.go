package store

import (
	"bytes"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
)

// TestDecompress reads raw responses in both encodings an archive may
// hold: snappy (written now) and deflate (written before), and names what
// is wrong with a bad blob.
func TestDecompress(t *testing.T) {
	page := []byte(strings.Repeat("<p>信用卡逾期了怎么办</p>\n", 200))
	var deflated bytes.Buffer
	fw, err := flate.NewWriter(&deflated, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(page)
	fw.Close()
	tests := []struct {
		name, encoding string
		data           []byte
		size           int
		err            string
	}{
		{"snappy", "snappy", compress(page), len(page), ""},
		{"deflate", "deflate", deflated.Bytes(), len(page), ""},
		{"snappy wrong size", "snappy", compress(page), len(page) - 1, "want"},
		{"snappy corrupt", "snappy", []byte{0xff, 0xff, 0xff}, 3, "snappy"},
		{"deflate corrupt", "deflate", []byte{0xff, 0xff, 0xff}, 3, "deflate"},
		{"unknown", "lz4", compress(page), len(page), `unknown encoding "lz4"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decompress(tt.data, tt.size, tt.encoding)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one naming %q", err, tt.err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, page) {
				t.Fatalf("got %d bytes, %v", len(got), err)
			}
		})
	}
	if c := compress(page); len(c) >= len(page)/2 {
		t.Errorf("snappy kept %d of %d bytes", len(c), len(page))
	}
}
