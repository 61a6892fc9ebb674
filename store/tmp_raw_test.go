package store_test

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"testing"
)

func TestTmpRawSize(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	f := synthFetched(r, 5, synthArticle(r, 5))
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write(f.Raw)
	w.Close()
	t.Logf("raw %d compressed %d body %d", len(f.Raw), buf.Len(), len(f.Record.Body))
}
