package testsite

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the extract package's testsite fixtures")

// fixtureDir is where the extract package reads its testsite fixtures.
const fixtureDir = "../extract/testdata/testsite"

// fixtureBase is the base URL the fixtures are rendered for.
const fixtureBase = "http://127.0.0.1:18080"

// renderFixture returns the raw page and the truth JSON of article i.
func renderFixture(t *testing.T, s *Site, i int) (page, truth []byte) {
	t.Helper()
	u := s.ArticleURL(fixtureBase, i)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d", u, rec.Code)
	}
	tr, err := json.MarshalIndent(s.TruthOf(fixtureBase, i), "", "  ")
	if err != nil {
		t.Fatalf("marshal truth: %v", err)
	}
	return rec.Body.Bytes(), append(tr, '\n')
}

// TestFixtures_Extract writes one page of each template and its truth into
// extract/testdata/testsite with -update, and otherwise checks that the
// stored fixtures (when present) still match what the site renders.
func TestFixtures_Extract(t *testing.T) {
	s := New(Options{})
	for tpl := Template(0); tpl < numTemplates; tpl++ {
		t.Run(tpl.String(), func(t *testing.T) {
			i := int(tpl) + 4 // index 4..7: one of each template, with neighbours on both sides
			if s.TemplateOf(i) != tpl {
				t.Fatalf("article %d has template %v, want %v", i, s.TemplateOf(i), tpl)
			}
			page, truth := renderFixture(t, s, i)
			htmlPath := filepath.Join(fixtureDir, tpl.String()+".html")
			truthPath := filepath.Join(fixtureDir, tpl.String()+".truth.json")
			if *update {
				if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
					t.Fatal(err)
				}
				for p, b := range map[string][]byte{htmlPath: page, truthPath: truth} {
					if err := os.WriteFile(p, b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			for p, want := range map[string][]byte{htmlPath: page, truthPath: truth} {
				got, err := os.ReadFile(p)
				if os.IsNotExist(err) {
					t.Skipf("%s missing; run go test ./testsite -run TestFixtures -update", p)
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s is stale; run go test ./testsite -run TestFixtures -update", p)
				}
			}
		})
	}
}
