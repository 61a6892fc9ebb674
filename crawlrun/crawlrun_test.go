package crawlrun_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/crawlrun"
	"github.com/finarchive/finarchive/store"
)

// TestLastResumable_SkipsImports: an import's run (no seeds) that was
// interrupted or failed is no crawl to resume: crawl --resume takes the
// interrupted crawl run before it (it took the import's, and ended it with
// "no valid seed URL"), and with only imports there is nothing to resume,
// said so.
func TestLastResumable_SkipsImports(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run := func(seeds []string, status string) int64 {
		t.Helper()
		id, err := db.StartRun(ctx, store.RunSpec{Seeds: seeds, Options: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, id, status, finarchive.RunCounts{}, status); err != nil {
			t.Fatal(err)
		}
		return id
	}
	imported := run([]string{}, finarchive.RunInterrupted)
	if _, err := crawlrun.LastResumable(ctx, db, nil); !errors.Is(err, crawlrun.ErrNothingToResume) || !strings.Contains(err.Error(), "no crawl run") {
		t.Errorf("only an import: %v; want nothing to resume, no crawl run", err)
	}
	crawl := run([]string{"https://www.example.com/"}, finarchive.RunInterrupted)
	run([]string{}, finarchive.RunError)
	r, err := crawlrun.LastResumable(ctx, db, nil)
	if err != nil || r.ID != crawl {
		t.Errorf("LastResumable = run %d, %v; want the crawl's run %d (not import %d or the later one)", r.ID, err, crawl, imported)
	}
}
