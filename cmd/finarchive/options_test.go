package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLI_badOptionValues: a negative or meaningless value is a usage
// error (exit 2) naming the option, given to crawl, to schedule as a flag
// or in its config file, before any database is touched.
func TestCLI_badOptionValues(t *testing.T) {
	bad := []struct{ flag, value string }{
		{"delay", "-5s"},
		{"parallelism", "-3"},
		{"parallelism", "0"},
		{"max-depth", "-1"},
		{"timeout", "-1s"},
		{"timeout", "0"},
		{"retries", "-5"},
		{"max-pages", "-1"},
		{"backoff", "0"},
		{"backoff-max", "-1m"},
		{"random-delay", "-1s"},
		{"max-per-pattern", "-1"},
		{"max-body-size", "0"},
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	for _, b := range bad {
		name := b.flag + " " + b.value
		for _, tc := range []struct {
			how  string
			args []string
			want string
		}{
			{"crawl", []string{"crawl", "--db", db, "--" + b.flag + "=" + b.value, "http://127.0.0.1:1/"}, "--" + b.flag},
			{"schedule", []string{"schedule", "--db", db, "--every", "1h", "--" + b.flag + "=" + b.value, "http://127.0.0.1:1/"}, b.flag},
			{"schedule config defaults", []string{"schedule", "--config", writeConfigFile(t, dir,
				"defaults:\n  "+b.flag+": "+b.value+"\nsites:\n  - name: s\n    seeds: [http://127.0.0.1:1/]\n    db: "+db+"\n    every: 1h\n")}, b.flag},
			{"schedule config site", []string{"schedule", "--config", writeConfigFile(t, dir,
				"sites:\n  - name: s\n    seeds: [http://127.0.0.1:1/]\n    db: "+db+"\n    every: 1h\n    "+b.flag+": "+b.value+"\n")}, b.flag},
		} {
			t.Run(name+"/"+tc.how, func(t *testing.T) {
				_, stderr, code := runCLI(t, tc.args...)
				if code != exitUsage || !strings.Contains(stderr, tc.want) {
					t.Errorf("exit %d, stderr %q; want exit %d naming %q", code, stderr, exitUsage, tc.want)
				}
				if _, err := os.Stat(db); err == nil {
					t.Fatalf("the database was created before the usage error")
				}
			})
		}
	}

	archive := mustSearchArchive(t)
	for _, since := range []string{"-24h", "-1s", "2999-01-01"} {
		for _, cmd := range []string{"export", "search"} {
			t.Run(cmd+" --since "+since, func(t *testing.T) {
				args := []string{cmd, "--db", archive, "--since", since}
				if cmd == "search" {
					args = append(args, "逾期")
				}
				_, stderr, code := runCLI(t, args...)
				if code != exitUsage || !strings.Contains(stderr, "--since") || !strings.Contains(stderr, "future") {
					t.Errorf("exit %d, stderr %q; want exit %d: --since … in the future", code, stderr, exitUsage)
				}
			})
		}
	}
	for _, level := range []string{"-1", "10"} {
		t.Run("export --compress "+level, func(t *testing.T) {
			_, stderr, code := runCLI(t, "export", "--db", archive, "--format", "warc", "--compress", level)
			if code != exitUsage || !strings.Contains(stderr, "--compress") {
				t.Errorf("exit %d, stderr %q; want exit %d naming --compress", code, stderr, exitUsage)
			}
		})
	}
	// A flag that does not apply to the format is refused, not ignored.
	for _, args := range [][]string{
		{"--format", "jsonl", "--compress", "3"},
		{"--format", "warc", "--body", "markdown"},
		{"--format", "json", "--force"},
		{"--format", "sqlite", "-o", filepath.Join(t.TempDir(), "c.db"), "--history"},
	} {
		t.Run("export "+strings.Join(args, " "), func(t *testing.T) {
			_, stderr, code := runCLI(t, append([]string{"export", "--db", archive}, args...)...)
			if code != exitUsage || !strings.Contains(stderr, "applies to --format") {
				t.Errorf("exit %d, stderr %q; want exit %d: … applies to --format …", code, stderr, exitUsage)
			}
		})
	}
	if _, stderr, code := runCLI(t, "runs", "--db", archive, "--limit", "-1"); code != exitUsage || !strings.Contains(stderr, "--limit") {
		t.Errorf("runs --limit -1: exit %d, stderr %q; want exit %d naming --limit (it listed every run)", code, stderr, exitUsage)
	}
	if _, stderr, code := runCLI(t, "export", "--db", archive, "--since", "7d", "--format", "jsonl"); code != 0 {
		t.Errorf("export --since 7d: exit %d %s", code, stderr)
	}
}

// writeConfigFile writes a schedule config and returns its path.
func writeConfigFile(t *testing.T, dir, data string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "schedule-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return f.Name()
}
