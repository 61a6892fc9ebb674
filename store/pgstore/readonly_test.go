package pgstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store/pgstore"
)

// TestOpenReadOnly_serverRefusesWrites: a read-only DB's sessions are
// read-only on the server too, so no code path can write through it.
func TestOpenReadOnly_serverRefusesWrites(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	db, err := pgstore.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := pgstore.OpenReadOnly(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Pool().Exec(ctx, "CREATE TABLE x (id int)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25006" { // read_only_sql_transaction
		t.Fatalf("CREATE TABLE through a read-only DB: %v, want SQLSTATE 25006", err)
	}
	var n int
	if err := ro.Pool().QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
		t.Fatalf("read through a read-only DB: %d, %v", n, err)
	}
}

// TestOpenReadOnly_empty: a database without the archive's tables is not
// opened for reading (nothing is created in it).
func TestOpenReadOnly_empty(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	if db, err := pgstore.OpenReadOnly(ctx, u); err == nil {
		db.Close()
		t.Fatal("OpenReadOnly of an empty database succeeded")
	} else if !strings.Contains(err.Error(), "holds no archive yet") {
		t.Errorf("OpenReadOnly of an empty database: %v, want it to say there is no archive yet", err)
	}
	db, err := pgstore.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v == 0 {
		t.Fatalf("schema version %d, %v", v, err)
	}
}

// TestOpen_poolSize: a URL's pool_max_conns is kept, fewer than the
// default too (many workers sharing one server's connections).
func TestOpen_poolSize(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDB(t)
	with := func(n string) string {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		q := p.Query()
		q.Set("pool_max_conns", n)
		p.RawQuery = q.Encode()
		return p.String()
	}
	for _, tc := range []struct {
		url  string
		want int32
	}{
		{u, 8},
		{with("3"), 3},
		{with("20"), 20},
	} {
		db, err := pgstore.Open(ctx, tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := db.Pool().Config().MaxConns; got != tc.want {
			t.Errorf("%s: pool of %d, want %d", pgstore.Redact(tc.url), got, tc.want)
		}
		db.Close()
	}
}
