package pgstore_test

import (
	"strings"
	"testing"

	"github.com/finarchive/finarchive/store/pgstore"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:secret@db.example:5432/fa", "postgres://u:xxxxx@db.example:5432/fa"},
		{"postgresql://u@db/fa?sslmode=require", "postgresql://u@db/fa?sslmode=require"},
		{"postgres://db/fa?password=secret&sslmode=disable", "postgres://db/fa?password=xxxxx&sslmode=disable"},
		{"postgres://db/fa?PassWord=secret", "postgres://db/fa?PassWord=xxxxx"},
		{"postgres://", "postgres://"},
		{"/var/lib/finarchive/bank.db", "/var/lib/finarchive/bank.db"},
	} {
		if got := pgstore.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := pgstore.Redact("postgres://u:sec%ret@h/db"); strings.Contains(got, "sec") {
		t.Errorf("unparsable URL leaks its password: %q", got)
	}
}
