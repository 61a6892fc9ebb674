package pgstore

import (
	"net/url"
	"strings"
)

// Redact returns a PostgreSQL URL fit for messages and logs: its password,
// in the user info (postgres://user:secret@host/db) or in a password=
// parameter, replaced by xxxxx. A value that is not a URL is returned as
// it is (a SQLite path), one that does not parse as a placeholder.
func Redact(connString string) string {
	if !IsURL(connString) {
		return connString
	}
	u, err := url.Parse(connString)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	changed := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
		changed = true
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") {
				q[k] = []string{"xxxxx"}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return connString // as given: url.URL would write postgres:// as postgres:
	}
	return u.String()
}

func redact(connString string) string { return Redact(connString) }

// hasParam reports whether the URL connString sets the query parameter name.
func hasParam(connString, name string) bool {
	u, err := url.Parse(connString)
	return err == nil && u.Query().Has(name)
}
