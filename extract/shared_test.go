package extract

import (
	"os"
	"path/filepath"
)

// SharedDirForTest is the folder of shared test data (shared/datasets/…)
// for the tests of both packages: $FINARCHIVE_SHARED when set (an empty
// or missing folder then means none), else the nearest shared/ folder
// holding datasets/ beside the checkout or one of its parents (../shared
// for a plain clone, ../../shared for a worktree under wt/). It is "" when
// there is none: the tests that need it skip with a message.
func SharedDirForTest() string {
	if d, ok := os.LookupEnv("FINARCHIVE_SHARED"); ok {
		if isDir(filepath.Join(d, "datasets")) {
			return d
		}
		return ""
	}
	root, err := filepath.Abs("..") // the module root: tests run in extract/
	if err != nil {
		return ""
	}
	for dir := filepath.Dir(root); ; dir = filepath.Dir(dir) {
		if d := filepath.Join(dir, "shared"); isDir(filepath.Join(d, "datasets")) {
			return d
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
