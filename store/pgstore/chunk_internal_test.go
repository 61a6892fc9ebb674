package pgstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/finarchive/finarchive/internal/archivecmp"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store"
)

func TestNextChunk(t *testing.T) {
	for _, tc := range []struct{ size, limit, bytes, want int }{
		{64, 64, 1 << 20, 64},           // small pages: the full chunk
		{64, 64, 64 << 20, 32},          // twice the bound: half
		{64, 64, 64 << 30, 1},           // huge pages: one at a time
		{1, 64, 1 << 10, 64},            // grows back
		{8, 64, 16 << 20, 16},           // half the bound: twice
		{64, 64, 0, 64},                 // nothing held
		{256, 256, chunkBytes, 256},     // at the bound: the same
		{256, 256, chunkBytes + 1, 255}, // just over: a little less
	} {
		if got := nextChunk(tc.size, tc.limit, tc.bytes); got != tc.want {
			t.Errorf("nextChunk(%d, %d, %d) = %d, want %d", tc.size, tc.limit, tc.bytes, got, tc.want)
		}
	}
}

// TestWalkPages_smallChunks: walks whose chunks shrink to a page or two
// (a tiny byte bound) give every page once, in order, as SQLite does.
func TestWalkPages_smallChunks(t *testing.T) {
	ctx := context.Background()
	defer func(b int) { chunkBytes = b }(chunkBytes)
	chunkBytes = 4 << 10
	clock := &archivecmp.Clock{}
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "src.db"), store.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := archivecmp.Fill(ctx, src, clock, 20); err != nil {
		t.Fatal(err)
	}
	pg, err := Open(ctx, pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := archivecmp.LoadPG(ctx, pg.Pool(), src); err != nil {
		t.Fatal(err)
	}
	want, err := archivecmp.Snapshot(ctx, src, archivecmp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := archivecmp.Snapshot(ctx, pg, archivecmp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := archivecmp.Diff(want, got); d != "" {
		t.Errorf("PostgreSQL reads differently in small chunks: %s", d)
	}
}
