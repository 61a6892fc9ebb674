package main

import (
	"bufio"
	"database/sql"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/testsite"
)

// readOnlyMount is a shell prefix that makes dir read-only for the command
// that follows, in a mount namespace of its own (root ignores file
// permissions, so a chmod would prove nothing). It skips the test when
// this machine cannot do it.
func readOnlyMount(t *testing.T, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare(1) to mount a directory read-only:", err)
	}
	q := shellQuote(dir)
	prefix := "mount --bind " + q + " " + q + " && mount -o remount,ro,bind " + q + " " + q + " && "
	probe := exec.Command("unshare", "-m", "sh", "-c", prefix+"! touch "+shellQuote(filepath.Join(dir, "probe"))+" 2>/dev/null")
	if out, err := probe.CombinedOutput(); err != nil {
		t.Skipf("cannot mount %s read-only in a mount namespace (needs root or user namespaces): %v %s", dir, err, out)
	}
	return prefix
}

// onReadOnly runs the binary with args in a namespace where dir is
// read-only.
func onReadOnly(t *testing.T, dir, bin string, args ...string) *exec.Cmd {
	t.Helper()
	script := readOnlyMount(t, dir) + "exec " + shellQuote(bin)
	for _, a := range args {
		script += " " + shellQuote(a)
	}
	return exec.Command("unshare", "-m", "sh", "-c", script)
}

// TestCLI_readOnlyMedia: an archive on read-only media (a directory SQLite
// cannot create its -shm in) can be read by runs, search, export and
// serve: closed cleanly (no -wal), left with a -wal and -shm by a crash
// (the WAL's changes are seen), and with a -wal alone (read without it,
// with a warning).
func TestCLI_readOnlyMedia(t *testing.T) {
	bin := MustBuild(t)
	_, base := MustStartSite(t, testsite.Options{Articles: 12})
	root := t.TempDir()
	src := filepath.Join(root, "src.db")
	if _, e, code := runCLI(t, append(fastCrawl(src), base+"/")...); code != 0 && code != exitPartial {
		t.Fatalf("crawl: exit %d: %s", code, e)
	}
	clean := filepath.Join(root, "clean")
	withWAL := filepath.Join(root, "wal")
	walOnly := filepath.Join(root, "walonly")
	for _, d := range []string{clean, withWAL, walOnly} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, src, filepath.Join(clean, "a.db"))
	// A crash's leftovers: a second run committed to the WAL only.
	conn, err := sql.Open("sqlite3", "file:"+src+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"PRAGMA wal_autocheckpoint = 0",
		`INSERT INTO runs (seeds, options, started_at, status) VALUES ('["https://wal.example/"]', '{}', '2026-01-01T00:00:00.000Z', 'interrupted')`} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, ext := range []string{"", "-wal", "-shm"} {
		copyFile(t, src+ext, filepath.Join(withWAL, "a.db"+ext))
	}
	copyFile(t, src, filepath.Join(walOnly, "a.db"))
	copyFile(t, src+"-wal", filepath.Join(walOnly, "a.db-wal"))

	for _, tc := range []struct {
		dir      string
		walRun   bool // the run only in the WAL is seen
		wantWarn bool
	}{
		{clean, false, false},
		{withWAL, true, false},
		{walOnly, false, true},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			db := filepath.Join(tc.dir, "a.db")
			out, err := onReadOnly(t, tc.dir, bin, "runs", "--json", "--db", db).CombinedOutput()
			if err != nil {
				t.Fatalf("runs: %v\n%s", err, out)
			}
			if got := strings.Contains(string(out), "wal.example"); got != tc.walRun {
				t.Errorf("runs: the WAL's run shown = %v, want %v\n%s", got, tc.walRun, out)
			}
			if got := strings.Contains(string(out), "not visible"); got != tc.wantWarn {
				t.Errorf("runs: warning about the WAL = %v, want %v\n%s", got, tc.wantWarn, out)
			}
			out, err = onReadOnly(t, tc.dir, bin, "search", "-q", "--db", db, "信用卡").CombinedOutput()
			if err != nil || !strings.Contains(string(out), base) {
				t.Errorf("search: %v\n%s", err, out)
			}
			out, err = onReadOnly(t, tc.dir, bin, "export", "-q", "--db", db, "--format", "jsonl").Output()
			if n := strings.Count(string(out), "\n"); err != nil || n != 12 {
				t.Errorf("export: %v, %d records, want 12", err, n)
			}

			srv := onReadOnly(t, tc.dir, bin, "serve", "-q", "--db", db, "--addr", "127.0.0.1:0")
			stdout, err := srv.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			srv.Stderr = &stderr
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			i := strings.Index(line, "http://")
			if err != nil || i < 0 {
				t.Fatalf("serve: %v %q\n%s", err, line, stderr.String())
			}
			url := strings.Fields(line[i:])[0]
			client := &http.Client{Timeout: 10 * time.Second}
			resp, err := client.Get(url + "search?q=" + "%E4%BF%A1%E7%94%A8%E5%8D%A1")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), `id="results"`) {
				t.Errorf("serve /search: %d\n%.500s\n%s", resp.StatusCode, body, stderr.String())
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
