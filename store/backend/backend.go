// Package backend opens the archive a --db value names: a PostgreSQL
// database for a postgres:// or postgresql:// URL (package store/pgstore),
// else a SQLite file (package store), the default. Commands open archives
// only through it, so every command works on both.
package backend

import (
	"context"

	"github.com/finarchive/finarchive/store"
	"github.com/finarchive/finarchive/store/pgstore"
)

// IsPostgres reports whether target names a PostgreSQL database.
func IsPostgres(target string) bool { return pgstore.IsURL(target) }

// Open opens (creating or migrating as needed) the archive target names.
func Open(ctx context.Context, target string, opts ...store.Option) (store.Archive, error) {
	if pgstore.IsURL(target) {
		db, err := pgstore.Open(ctx, target, opts...)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return db, nil
	}
	db, err := store.Open(ctx, target, opts...)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// OpenReadOnly opens the archive target names for reading only; its schema
// must be current.
func OpenReadOnly(ctx context.Context, target string, opts ...store.Option) (store.Archive, error) {
	if pgstore.IsURL(target) {
		db, err := pgstore.OpenReadOnly(ctx, target, opts...)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return db, nil
	}
	db, err := store.OpenReadOnly(ctx, target, opts...)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// Name returns target as messages and logs show it: a SQLite path as it
// is, a PostgreSQL URL without its password.
func Name(target string) string { return pgstore.Redact(target) }
