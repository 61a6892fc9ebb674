package store

import (
	"context"
	"fmt"
	"strings"
)

// ApplicationID is the archive's PRAGMA application_id (the SQLite header's
// bytes 68–71), "FinA" in ASCII: set when an archive is created, checked on
// every open, so that --db pointing at some other program's SQLite file (a
// browser's history, say) is refused instead of being given our tables.
const ApplicationID = 0x46696e41

// ourTables are tables every finarchive archive has had since schema 1: an
// archive made before the application_id was set is told by them.
var ourTables = []string{"pages", "revisions", "runs", "frontier", "crawl_lock"}

// ForeignDatabaseError is returned by Open and OpenReadOnly for an SQLite
// file that is not a finarchive archive: another application_id, or none
// with tables that are not ours. Nothing is written to it.
type ForeignDatabaseError struct {
	Path          string
	ApplicationID int32    // the file's; 0 when unset
	Tables        []string // a few of its tables, for the message
}

func (e *ForeignDatabaseError) Error() string {
	what := "tables " + strings.Join(e.Tables, ", ")
	if len(e.Tables) == 0 {
		what = "no tables"
	}
	if e.ApplicationID != 0 {
		what = fmt.Sprintf("application_id %#x, %s", uint32(e.ApplicationID), what)
	}
	return fmt.Sprintf("store: %s is not a finarchive archive (%s); refusing to use it: pass a new file or an archive to --db", e.Path, what)
}

// checkApplicationID says whether the file at q is an archive (nil error):
// adopt is true when it lacks the id (a new file, or an archive made before
// the id existed). A foreign file gets *ForeignDatabaseError.
func checkApplicationID(ctx context.Context, q querier, path string) (adopt bool, err error) {
	var id int32
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		return false, fmt.Errorf("store: open %s: %w", path, err)
	}
	if id == ApplicationID {
		return false, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
	if err != nil {
		return false, fmt.Errorf("store: open %s: %w", path, err)
	}
	defer rows.Close()
	var tables []string
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return false, fmt.Errorf("store: open %s: %w", path, err)
		}
		tables = append(tables, name)
		have[name] = true
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("store: open %s: %w", path, err)
	}
	var version int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return false, fmt.Errorf("store: open %s: %w", path, err)
	}
	ours := version > 0
	for _, t := range ourTables {
		ours = ours && have[t]
	}
	switch {
	case id == 0 && len(tables) == 0 && version == 0:
		return true, nil // a new (or empty) file: it becomes an archive
	case id == 0 && ours:
		return true, nil // an archive from before the id
	}
	if len(tables) > 5 {
		tables = append(tables[:5:5], "…")
	}
	return false, &ForeignDatabaseError{Path: path, ApplicationID: id, Tables: tables}
}
