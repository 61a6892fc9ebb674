package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCrawl_UsageErrorsUpFront: a seed with an impossible port and a
// User-Agent with a CR/LF are usage errors (exit 2, naming the seed or the
// flag), found before the database is touched.
func TestCrawl_UsageErrorsUpFront(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"port 99999", []string{"http://127.0.0.1:99999/"}, `seed "http://127.0.0.1:99999/"`},
		{"malformed", []string{"ht!tp://bad url", "http://127.0.0.1:8080/"}, `seed "ht!tp://bad url"`},
		{"port 0", []string{"http://127.0.0.1:8080/", "http://127.0.0.1:0/x"}, `seed "http://127.0.0.1:0/x"`},
		{"CRLF in the User-Agent", []string{"--user-agent", "finarchive\r\nX-Injected: 1", "http://127.0.0.1:8080/"}, "--user-agent"},
		{"LF in the User-Agent", []string{"--user-agent", "finarchive\nx", "http://127.0.0.1:8080/"}, "--user-agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "a.db")
			args := append([]string{"crawl", "--db", db, "--retries", "0", "--timeout", "1s", "-q"}, tt.args...)
			_, errOut, code := runCLI(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (usage)\n%s", code, exitUsage, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q does not name %s", errOut, tt.want)
			}
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Errorf("the database was created (%v): usage errors must come first", err)
			}
		})
	}
}
