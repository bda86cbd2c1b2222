// Package storetest opens isolated, migrated stores for tests: a fresh SQLite
// file always, and a fresh PostgreSQL schema when ICPDESK_TEST_POSTGRES_URL is
// set. With CI=true a missing PostgreSQL URL fails the test instead of
// skipping it, so CI can never pass without having run against PostgreSQL.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"example.com/icpdesk/store"
)

// EnvPostgres names the variable holding the PostgreSQL test database URL.
const EnvPostgres = "ICPDESK_TEST_POSTGRES_URL"

// PostgresURL returns the test database URL, skipping the test (or failing it
// in CI) when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvPostgres)
	if u == "" {
		msg := EnvPostgres + " is not set: to run this test against PostgreSQL, set it, e.g. " +
			EnvPostgres + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable (bash .ci/run does this)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// Dialects lists the dialects every store test runs on.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Each runs fn once per dialect as subtests named "sqlite" and "postgres",
// each with its own freshly migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store), opts ...store.Option) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d, opts...))
		})
	}
}

// Open returns a migrated store of dialect d, closed and removed at the end of the test.
func Open(t testing.TB, d store.Dialect, opts ...store.Option) *store.Store {
	t.Helper()
	u := URL(t, d)
	ctx := context.Background()
	s, err := store.Open(ctx, u, opts...)
	if err != nil {
		t.Fatalf("open %s store: %v", d, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s store: %v", d, err)
	}
	return s
}

// URL returns the URL of a fresh, empty database of dialect d: a new SQLite
// file, or a new PostgreSQL schema dropped when the test ends. Several
// stores opened with the same URL share the database (as replicas do).
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	switch d {
	case store.SQLite:
		return "sqlite://" + filepath.Join(t.TempDir(), "icpdesk-test.db")
	case store.Postgres:
		return postgresSchemaURL(t, PostgresURL(t))
	}
	t.Fatalf("unknown dialect %q", d)
	return ""
}

func postgresSchemaURL(t testing.TB, base string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "icpdesk_test_" + hex.EncodeToString(b[:])
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema (is %s right?): %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	// lib/pq sends unknown parameters as run-time parameters.
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
