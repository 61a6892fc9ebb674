package main

import (
	"os"
	"testing"

	"github.com/finarchive/finarchive/internal/pgtest"
)

// TestMain stops the throw-away PostgreSQL cluster that the tests on a
// postgres:// archive start (internal/pgtest), if any did.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
