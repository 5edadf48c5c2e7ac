package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/storetest"
)

// envURL names the PostgreSQL server the tests use; CI always sets it.
const envURL = "CREDITBRIDGE_TEST_POSTGRES_URL"

// envMarker, when set, is a file the conformance test writes once the
// suite has run, so CI can prove PostgreSQL was really exercised.
const envMarker = "CREDITBRIDGE_TEST_POSTGRES_MARKER"

// Marker is the line TestConformance logs and writes to the marker file.
const Marker = "POSTGRES CONFORMANCE SUITE RAN"

// serverURL returns the server URL or skips the test, loudly: a skipped
// PostgreSQL run must never pass for a green one.
func serverURL(t *testing.T, what string) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		t.Skip(envURL + " not set: PostgreSQL " + what + " SKIPPED")
	}
	return u
}

// freshSchema creates schema cbtest_<random> on the server, returns a URL
// whose search_path points at it, and drops it (CASCADE) on cleanup.
func freshSchema(t *testing.T, server string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "cbtest_" + hex.EncodeToString(b[:])
	admin := func(sql string) {
		c, err := pgx.Connect(context.WithoutCancel(t.Context()), server)
		if err != nil {
			t.Fatalf("connect to %s: %v", envURL, err)
		}
		defer c.Close(context.WithoutCancel(t.Context()))
		if _, err := c.Exec(context.WithoutCancel(t.Context()), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	admin(`CREATE SCHEMA ` + pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() { admin(`DROP SCHEMA ` + pgx.Identifier{schema}.Sanitize() + ` CASCADE`) })
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", envURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	server := serverURL(t, "conformance suite")
	storetest.Run(t, storetest.Harness{
		Name: "postgres",
		Open: func(t *testing.T) store.Store {
			u := freshSchema(t, server)
			if _, err := Migrate(t.Context(), u); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			s, err := Open(t.Context(), u)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { s.Close() }) // registered last, so it runs before the schema is dropped
			return s
		},
		Exec: func(t *testing.T, s store.Store, sql string, args ...any) {
			t.Helper()
			if _, err := s.(*Store).Pool().Exec(t.Context(), sql, args...); err != nil {
				t.Fatalf("exec %q: %v", sql, err)
			}
		},
	})
	t.Log(Marker)
	if path := os.Getenv(envMarker); path != "" {
		status := "passed"
		if t.Failed() {
			status = "failed"
		}
		if err := os.WriteFile(path, []byte(Marker+" ("+status+")\n"), 0o644); err != nil {
			t.Fatalf("write marker %s: %v", path, err)
		}
	}
}

func TestMigrateAppliesOnceAndOpenDoesNotMigrate(t *testing.T) {
	u := freshSchema(t, serverURL(t, "migration test"))
	s, err := Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Schema(t.Context())
	if err != nil || st.Applied != 0 || st.Current() {
		t.Fatalf("Schema before Migrate = %+v, %v; want applied 0, not current", st, err)
	}
	applied, err := Migrate(t.Context(), u)
	if err != nil || applied != len(Versions()) {
		t.Fatalf("Migrate = %d, %v; want %d", applied, err, len(Versions()))
	}
	if applied, err := Migrate(t.Context(), u); err != nil || applied != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0", applied, err)
	}
	st, err = s.Schema(t.Context())
	if err != nil || !st.Current() {
		t.Fatalf("Schema after Migrate = %+v, %v; want current", st, err)
	}
}

// TestPoolSettingsInTheURLWorkForMigrateAndOpen: the pool's own settings
// (pool_max_conns), which the server would refuse as a run-time parameter,
// are taken by the pool and left out of the connection, for migrations as
// for the node.
func TestPoolSettingsInTheURLWorkForMigrateAndOpen(t *testing.T) {
	u, err := url.Parse(freshSchema(t, serverURL(t, "pool settings test")))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "3")
	u.RawQuery = q.Encode()
	if applied, err := Migrate(t.Context(), u.String()); err != nil || applied != len(Versions()) {
		t.Fatalf("Migrate with pool_max_conns in the URL = %d, %v; want %d", applied, err, len(Versions()))
	}
	s, err := Open(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Pool().Config().MaxConns; got != 3 {
		t.Errorf("pool MaxConns = %d with pool_max_conns=3, want 3", got)
	}
}

func TestConcurrentMigratorsTakeTurns(t *testing.T) {
	u := freshSchema(t, serverURL(t, "migration test"))
	const n = 4
	results := make(chan int, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			applied, err := Migrate(t.Context(), u)
			results <- applied
			errs <- err
		}()
	}
	total := 0
	for range n {
		total += <-results
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	if total != len(Versions()) {
		t.Fatalf("concurrent migrators applied %d migrations in all, want %d", total, len(Versions()))
	}
}

// TestJITIsOffUnlessTheURLAsks: the node's connections run without JIT
// compilation, and jit=on in the URL turns it back on.
func TestJITIsOffUnlessTheURLAsks(t *testing.T) {
	server := serverURL(t, "JIT setting test")
	jit := func(u string) string {
		s, err := Open(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var v string
		if err := s.Pool().QueryRow(t.Context(), `SHOW jit`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := jit(server); got != "off" {
		t.Errorf("jit = %q by default, want off", got)
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("jit", "on")
	u.RawQuery = q.Encode()
	if got := jit(u.String()); got != "on" {
		t.Errorf("jit = %q with jit=on in the URL, want on", got)
	}
}
