package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestExport_fileMode: export -o creates its file as a plain create would
// (0666 less the umask: 0644 under 022, 0600 under 077), and replacing a
// file keeps that file's mode.
func TestExport_fileMode(t *testing.T) {
	db := mustSearchArchive(t)
	dir := t.TempDir()
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, tc := range []struct {
		name  string
		umask int
		prev  os.FileMode // mode of a file already there; 0 = none
		want  os.FileMode
	}{
		{"umask 022", 0o022, 0, 0o644},
		{"umask 077", 0o077, 0, 0o600},
		{"umask 002", 0o002, 0, 0o664},
		{"replaces a 0640 file", 0o022, 0o640, 0o640},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".jsonl")
			if tc.prev != 0 {
				if err := os.WriteFile(out, []byte("old\n"), tc.prev); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(out, tc.prev); err != nil {
					t.Fatal(err)
				}
			}
			syscall.Umask(tc.umask)
			_, e, code := runCLI(t, "export", "--db", db, "--format", "jsonl", "-o", out)
			syscall.Umask(0o022)
			if code != 0 {
				t.Fatalf("export: exit %d: %s", code, e)
			}
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != tc.want {
				t.Errorf("mode %#o, want %#o", got, tc.want)
			}
			left, _ := filepath.Glob(filepath.Join(dir, ".*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// TestExport_dashIsStdout: -o - writes to standard output (it made a file
// named "-"), for the formats that can stream; wacz and sqlite, which need
// a file, say so.
func TestExport_dashIsStdout(t *testing.T) {
	db := mustSearchArchive(t)
	t.Chdir(t.TempDir())
	want, _, code := runCLI(t, "export", "--db", db, "--format", "jsonl")
	if code != 0 || want == "" {
		t.Fatalf("export to stdout: exit %d, %d bytes", code, len(want))
	}
	for _, format := range []string{"jsonl", "json", "warc"} {
		out, e, code := runCLI(t, "export", "--db", db, "--format", format, "-o", "-")
		if code != 0 {
			t.Fatalf("%s -o -: exit %d: %s", format, code, e)
		}
		if out == "" {
			t.Errorf("%s -o -: nothing on standard output", format)
		}
		if format == "jsonl" && out != want {
			t.Errorf("jsonl -o - differs from no -o")
		}
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`a file named "-" was written`)
	}
	for _, format := range []string{"wacz", "sqlite"} {
		_, e, code := runCLI(t, "export", "--db", db, "--format", format, "-o", "-")
		if code != 2 || !strings.Contains(e, "needs -o FILE") {
			t.Errorf("%s -o -: exit %d, %q; want a usage error saying it needs a file", format, code, e)
		}
	}
}

// TestExport_OntoItsArchive: -o naming the archive being exported (by
// another spelling, or a link to it, too) is a usage error for every
// format, and the archive is left as it was; a JSON Lines export replaced
// it, exit 0, and the archive was lost.
func TestExport_OntoItsArchive(t *testing.T) {
	archive := mustSearchArchive(t)
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(archive, link); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--format", "jsonl", "-o", archive},
		{"--format", "json", "-o", filepath.Join(filepath.Dir(archive), ".", filepath.Base(archive))},
		{"--format", "warc", "-o", link},
		{"--format", "wacz", "-o", archive},
		{"--format", "sqlite", "--force", "-o", archive},
	} {
		_, stderr, code := runCLI(t, append([]string{"export", "--db", archive}, args...)...)
		if code != exitUsage || !strings.Contains(stderr, "is the archive being exported") {
			t.Errorf("export %s: exit %d, stderr %q; want exit %d: … is the archive being exported", strings.Join(args, " "), code, stderr, exitUsage)
		}
		if after, err := os.ReadFile(archive); err != nil || !bytes.Equal(after, before) {
			t.Fatalf("export %s changed the archive (%v)", strings.Join(args, " "), err)
		}
	}
	if _, stderr, code := runCLI(t, "runs", "--db", archive); code != 0 {
		t.Errorf("runs on the archive after: exit %d %s", code, stderr)
	}
}
