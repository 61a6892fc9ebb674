package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/backend"
)

// existsMsg is export --format sqlite refusing to replace a file without
// --force (a usage error: exit 2).
func existsMsg(path string) string {
	return fmt.Sprintf("export: %s exists: pass --force to replace it", path)
}

// checkSQLiteExport checks export --format sqlite's flags and its target
// before the archive is opened.
func checkSQLiteExport(f *exportFlags) error {
	switch {
	case f.out == "":
		return &usageError{msg: "--format sqlite needs -o FILE"}
	case f.since != "" || f.site != "":
		return &usageError{msg: "--format sqlite copies the whole archive: --since and --site do not apply"}
	case backend.IsPostgres(f.out):
		return &usageError{msg: "--format sqlite: -o names the SQLite file to write, not a database URL"}
	}
	if st, err := os.Stat(f.out); err == nil {
		if !st.Mode().IsRegular() {
			// A rename would replace it (a device, a pipe: /dev/null).
			return &usageError{msg: fmt.Sprintf("--format sqlite: -o %s is not a regular file", f.out)}
		}
		if !f.force {
			return &usageError{msg: existsMsg(f.out)}
		}
		if !backend.IsPostgres(f.db) {
			if src, err := os.Stat(f.db); err == nil && os.SameFile(src, st) {
				return &usageError{msg: fmt.Sprintf("-o %s is the archive being exported", f.out)}
			}
		}
	}
	return nil
}

// exportSQLite copies the whole archive db into a new SQLite archive at
// f.out: written as a temporary file beside it (with its own -wal), closed,
// then renamed into place, so that a reader never sees half an archive and
// a failed copy leaves nothing behind.
func (a *app) exportSQLite(ctx context.Context, db store.Archive, f *exportFlags) error {
	src, ok := db.(store.Dumper)
	if !ok {
		return fmt.Errorf("export: %s cannot be copied (its back end has no dump)", db.Path())
	}
	dir := filepath.Dir(f.out)
	tmpf, err := os.CreateTemp(dir, "."+filepath.Base(f.out)+".tmp-*")
	if err != nil {
		return fmt.Errorf("export: create temp file for %s: %w", f.out, err)
	}
	tmp := tmpf.Name()
	tmpf.Close()
	os.Remove(tmp) // SQLite creates it, with the mode a new archive gets
	cleanup := func() {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(tmp + suffix)
		}
	}
	start := time.Now()
	dst, err := store.Open(ctx, tmp, store.WithLogger(a.log))
	if err != nil {
		cleanup()
		return fmt.Errorf("export: %w", err)
	}
	st, err := store.Copy(ctx, src, dst)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return fmt.Errorf("export: copy %s into %s: %w", db.Path(), f.out, err)
	}
	if st, err := os.Stat(tmp + "-wal"); err == nil && st.Size() > 0 {
		cleanup()
		return fmt.Errorf("export: %s: its WAL was not checkpointed on close", f.out)
	}
	if err := place(tmp, f.out, f.force); err != nil {
		cleanup()
		return err
	}
	cleanup() // a -wal or -shm Close left (none when it checkpointed)
	if err := syncDir(filepath.Dir(f.out)); err != nil {
		return fmt.Errorf("export: write %s: %w", f.out, err)
	}
	a.log.Info("exported", "format", "sqlite", "file", f.out, "pages", st.Pages, "revisions", st.Revisions,
		"fetches", st.Fetches, "unarchived", st.Unarchived, "runs", st.Runs, "bytes", st.Bytes,
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// place moves the finished archive tmp to path. Without force it never
// replaces a file (a hard link fails if path exists, even one made since
// the flags were checked); with force it does, and first removes the old
// archive's WAL and index, which SQLite would otherwise read into the new
// one.
func place(tmp, path string, force bool) error {
	if !force {
		err := os.Link(tmp, path)
		if errors.Is(err, os.ErrExist) {
			return &usageError{msg: existsMsg(path)}
		}
		if err != nil {
			return fmt.Errorf("export: write %s: %w", path, err)
		}
		return nil // cleanup removes tmp
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("export: replace %s: %w", path, err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("export: write %s: %w", path, err)
	}
	return nil
}

// syncDir makes a rename or link in dir durable (the file's own data was
// synced by SQLite's checkpoint on close).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
