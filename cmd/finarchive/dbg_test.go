package main

import (
	"path/filepath"
	"testing"

	"github.com/finarchive/finarchive/testsite"
)

func BenchmarkDbgFA(b *testing.B) {
	site := testsite.New(testsite.Options{Articles: 3000})
	base, _ := site.Start()
	defer site.Close()
	fp, fd := finarchiveCrawl(b, base, filepath.Join(b.TempDir(), "fa.db"))
	b.Logf("%d pages %s %.0f/s", fp, fd, float64(fp)/fd.Seconds())
}
