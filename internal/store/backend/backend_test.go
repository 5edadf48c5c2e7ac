package backend

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/creditbridge/creditbridge/internal/store/postgres"
	"github.com/creditbridge/creditbridge/internal/store/sqlite"
)

// Both dialects must embed the same migration versions: a version present
// in one only would leave the schemas out of step.
func TestBothDialectsEmbedTheSameMigrationVersions(t *testing.T) {
	lite, pg := sqlite.Versions(), postgres.Versions()
	if len(lite) == 0 {
		t.Fatal("no migrations embedded")
	}
	if !reflect.DeepEqual(lite, pg) {
		t.Fatalf("migration versions differ: sqlite %v, postgres %v", lite, pg)
	}
}

func TestIsPostgresAndSQLitePath(t *testing.T) {
	tests := []struct {
		dsn      string
		postgres bool
		path     string
	}{
		{"postgres://u@h/db", true, ""},
		{"postgresql://u@h/db?sslmode=disable", true, ""},
		{"  POSTGRES://u@h/db", true, ""},
		{"data/creditbridge.db", false, "data/creditbridge.db"},
		{"sqlite:data/cb.db", false, "data/cb.db"},
		{"sqlite:///var/lib/cb.db", false, "/var/lib/cb.db"},
		{"file:/tmp/cb.db", false, "/tmp/cb.db"},
		{"postgres.db", false, "postgres.db"},
	}
	for _, tc := range tests {
		if got := IsPostgres(tc.dsn); got != tc.postgres {
			t.Errorf("IsPostgres(%q) = %v, want %v", tc.dsn, got, tc.postgres)
		}
		if !tc.postgres {
			if got := SQLitePath(tc.dsn); got != tc.path {
				t.Errorf("SQLitePath(%q) = %q, want %q", tc.dsn, got, tc.path)
			}
		}
	}
}

func TestOpenAndMigrateSQLiteByDSN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x", "cb.db")
	applied, err := Migrate(t.Context(), "sqlite:"+path)
	if err != nil || applied != len(sqlite.Versions()) {
		t.Fatalf("Migrate = %d, %v", applied, err)
	}
	s, err := Open(t.Context(), "file:"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Backend() != "sqlite" {
		t.Fatalf("Backend() = %q", s.Backend())
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not at %s: %v", path, err)
	}
}

func TestOpenFailureReturnsANilStore(t *testing.T) {
	s, err := Open(t.Context(), ":memory:", Options{})
	if err == nil || s != nil {
		t.Fatalf("Open(:memory:) = %v, %v; want nil store and an error", s, err)
	}
}
