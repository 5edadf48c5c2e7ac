// Package scratch gives tests a fresh, migrated database on either
// backend: a SQLite file in the test's temporary directory, or a new
// PostgreSQL schema (under CREDITBRIDGE_TEST_POSTGRES_URL) dropped when
// the test ends. It is test support: only _test files import it.
package scratch

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
)

// EnvPostgres names the PostgreSQL server tests may use.
const EnvPostgres = "CREDITBRIDGE_TEST_POSTGRES_URL"

// Backends are the backends a test should run on: SQLite always,
// PostgreSQL when EnvPostgres is set (and it says loudly when it is not).
func Backends(t testing.TB) []string {
	if os.Getenv(EnvPostgres) == "" {
		t.Logf("%s is not set: PostgreSQL cases SKIPPED, SQLite only", EnvPostgres)
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// DSN returns a fresh database for backendName ("sqlite" or "postgres"):
// a file path, or a URL whose search_path is a new, migrated schema that
// is dropped when the test ends. "postgres" without EnvPostgres skips the
// test.
func DSN(t testing.TB, backendName string) string {
	t.Helper()
	if backendName == "sqlite" {
		return filepath.Join(t.TempDir(), "scratch.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("%s is not set: PostgreSQL case SKIPPED", EnvPostgres)
	}
	ctx := context.Background()
	schema := "cbtest_" + strings.ToLower(rand.Text()[:12])
	exec := func(sql string) {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE SCHEMA " + schema)
	t.Cleanup(func() { exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	dsn := base + sep + "search_path=" + schema
	if _, err := backend.Migrate(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// Open opens a store on a fresh database, closed when the test ends.
func Open(t testing.TB, backendName string) store.Store {
	t.Helper()
	st, err := backend.Open(context.Background(), DSN(t, backendName), backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// OpenWithCatalogue is Open with the default catalogue loaded, as a node
// has it after its first start (reads of enterprise data pass the access
// decision point, which knows items from it).
func OpenWithCatalogue(t testing.TB, backendName string) store.Store {
	t.Helper()
	st := Open(t, backendName)
	if err := LoadCatalogue(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

// LoadCatalogue loads the default catalogue into an empty store.
func LoadCatalogue(ctx context.Context, st store.Store) error {
	items := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	_, err := items.LoadDefaults(ctx)
	return err
}
