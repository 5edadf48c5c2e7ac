package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/i18n"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestCatalogComplete checks every message exists in both languages.
func TestCatalogComplete(t *testing.T) {
	t.Parallel()
	c, err := app.Catalog(i18n.ZH)
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Missing(); len(m) > 0 {
		t.Fatalf("messages missing a translation: %v", m)
	}
}

func TestCLIErrors(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"bad flag value", []string{"serve", "--listen", "nowhere", "--data-dir", dir}, 1, "listen"},
		{"unknown role", []string{"user", "create", "--data-dir", dir, "--org", "1", "--username", "bob", "--role", "king"}, 1, `Unknown role "king"`},
		{"unknown org", []string{"user", "create", "--data-dir", dir, "--org", "99", "--username", "bob", "--role", "auditor"}, 1, "Organisation not found"},
		{"org then user", []string{"org", "create", "--data-dir", dir, "--kind", "auditor", "--name", "审计组"}, 0, "organisation 1 created"},
		{"api key for an auditor org is refused", []string{"apikey", "create", "--data-dir", dir, "--org", "1", "--name", "k"}, 1, "institutions and departments"},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		code := app.Run(context.Background(), app.Env{Args: tc.args, Stdout: &out, Stderr: &out})
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%s: exit %d (want %d), output %q lacks %q", tc.name, code, tc.code, out.String(), tc.want)
		}
	}
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"user", "create", "--data-dir", dir, "--org", "1", "--username", "audrey", "--role", "auditor"},
		Stdout: &out, Stderr: &out})
	if code != 0 || !strings.Contains(out.String(), "password: ") {
		t.Fatalf("user create: %d %s", code, out.String())
	}
}

// TestServeRefusesStaleSchema checks that on PostgreSQL `serve` refuses an
// unmigrated database and `migrate` fixes it.
func TestServeRefusesStaleSchema(t *testing.T) {
	base := os.Getenv("CREDITBRIDGE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("CREDITBRIDGE_TEST_POSTGRES_URL not set: PostgreSQL stale-schema test SKIPPED")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	schema := "cbtest_app_" + strings.ToLower(rand.Text()[:10])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The test's connection is closed by now: drop with a fresh one.
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	dsn := base + sep + "search_path=" + schema
	dir := t.TempDir()
	var out bytes.Buffer
	code := app.Run(ctx, app.Env{Args: []string{"serve", "--db", dsn, "--data-dir", dir, "--listen", "127.0.0.1:0"}, Stdout: &out, Stderr: &out})
	if code == 0 || !strings.Contains(out.String(), "creditbridge migrate") {
		t.Fatalf("serve on an empty schema: exit %d, %s", code, out.String())
	}
	out.Reset()
	if code := app.Run(ctx, app.Env{Args: []string{"migrate", "--db", dsn, "--data-dir", dir}, Stdout: &out, Stderr: &out}); code != 0 {
		t.Fatalf("migrate: %d %s", code, out.String())
	}
	out.Reset()
	if code := app.Run(ctx, app.Env{Args: []string{"org", "create", "--db", dsn, "--data-dir", dir, "--kind", "operator", "--name", "运营"}, Stdout: &out, Stderr: &out}); code != 0 {
		t.Fatalf("org create after migrate: %d %s", code, out.String())
	}
	// Opening the node loaded the default catalogue, once: a second start
	// leaves it (and its single evidence entry) as it was.
	if code := app.Run(ctx, app.Env{Args: []string{"org", "create", "--db", dsn, "--data-dir", dir, "--kind", "auditor", "--name", "审计"}, Stdout: &out, Stderr: &out}); code != 0 {
		t.Fatalf("second start: %d %s", code, out.String())
	}
	var items, loads int
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM "+schema+".catalog_item_versions").Scan(&items); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM "+schema+".audit_log WHERE action = 'catalog.load_defaults'").Scan(&loads); err != nil {
		t.Fatal(err)
	}
	if items < 40 || loads != 1 {
		t.Fatalf("on PostgreSQL: %d catalogue versions and %d load entries, want at least 40 and 1", items, loads)
	}
}
