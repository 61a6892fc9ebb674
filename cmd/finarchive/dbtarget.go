package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/finarchive/finarchive/store/backend"
)

// dbFlagHelp is the help text of every command's --db flag.
const dbFlagHelp = "the archive: a SQLite file, or a PostgreSQL database as postgres://USER@HOST/DB " +
	"(postgresql:// too; what the URL leaves out comes from the PG* environment variables, so postgres:// alone takes all of it from there)"

// dbName is how messages and logs name the archive target: a SQLite path
// as it is, a PostgreSQL URL without its password.
func dbName(target string) string { return backend.Name(target) }

// checkExists fails when target is a SQLite file that is not there, so a
// command that only reads does not create an empty archive or fail with
// SQLite's vaguer "unable to open database file". A PostgreSQL database is
// checked by connecting to it.
func checkExists(target string) error {
	if backend.IsPostgres(target) {
		return nil
	}
	if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("open archive %s: %w (crawl into it first, or check --db)", target, fs.ErrNotExist)
	} else if err != nil {
		return fmt.Errorf("open archive %s: %w", target, err)
	}
	return nil
}
