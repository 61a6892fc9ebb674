// Package browsertest holds what the headless-Chromium tests share: where
// Debian's chromium is, the flags it runs with, and where screenshots go.
package browsertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package puts the browser.
const ChromiumPath = "/usr/bin/chromium"

// Options are the allocator options of a test's Chromium: headless, no
// sandbox (CI runs as root), no GPU, none of the browser's own network
// traffic (updates, sync, QUIC), a fresh profile in t's temporary
// directory and a 1280×900 window.
func Options(t testing.TB) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
}

// ArtifactsDir is where a test's screenshots go: $FINARCHIVE_ARTIFACTS/name
// when that is set (CI keeps it), else a temporary directory.
func ArtifactsDir(t testing.TB, name string) string {
	t.Helper()
	dir := t.TempDir()
	if env := os.Getenv("FINARCHIVE_ARTIFACTS"); env != "" {
		dir = filepath.Join(env, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}
