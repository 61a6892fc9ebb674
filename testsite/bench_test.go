package testsite

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchGet serves path through the handler b.N times.
func benchGet(b *testing.B, s *Site, path string) {
	h := s.Handler()
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+path, nil)
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: status %d", path, rec.Code)
		}
		n = int64(rec.Body.Len())
	}
	b.SetBytes(n)
}

func BenchmarkSite_Article(b *testing.B) {
	s := New(Options{Articles: 100000})
	for tpl := Template(0); tpl < numTemplates; tpl++ {
		b.Run(tpl.String(), func(b *testing.B) {
			benchGet(b, s, s.ArticleURL("", 50000+int(tpl)))
		})
	}
}

func BenchmarkSite_List(b *testing.B) {
	benchGet(b, New(Options{Articles: 100000}), "/list/daikuan/500.html")
}

func BenchmarkSite_Truth5000(b *testing.B) {
	s := New(Options{Articles: 5000})
	b.ReportAllocs()
	for b.Loop() {
		if len(s.Truth("http://127.0.0.1:8080")) != 5000 {
			b.Fatal("short truth")
		}
	}
}
