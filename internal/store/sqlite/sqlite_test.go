package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/storetest"
)

// TestConformance runs the shared store suite on a fresh database file per
// case.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Name: "sqlite",
		Open: func(t *testing.T) store.Store {
			s, err := Open(t.Context(), filepath.Join(t.TempDir(), "creditbridge.db"))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			return s
		},
		Exec: func(t *testing.T, s store.Store, sql string, args ...any) {
			t.Helper()
			w, _ := s.(*Store).DBs()
			if _, err := w.ExecContext(t.Context(), sql, convert(args)...); err != nil {
				t.Fatalf("exec %q: %v", sql, err)
			}
		},
	})
}

func TestOpenCreatesParentDirectoriesAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "cb.db")
	applied, err := Migrate(t.Context(), path)
	if err != nil || applied != len(Versions()) {
		t.Fatalf("first Migrate = %d, %v; want %d applied", applied, err, len(Versions()))
	}
	applied, err = Migrate(t.Context(), path)
	if err != nil || applied != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0 applied", applied, err)
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Schema(t.Context())
	if err != nil || !st.Current() {
		t.Fatalf("Schema = %+v, %v; want current", st, err)
	}
}

func TestOpenRefusesInMemoryAndQueryStrings(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file::memory:?cache=shared", "x.db?mode=ro"} {
		if s, err := Open(t.Context(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", p)
		}
	}
}

func TestOpenRefusesADatabaseFromANewerBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cb.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := s.DBs()
	if _, err := w.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 'x')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("Open accepted a schema newer than the binary")
	}
}

func TestReaderPoolIsReadOnly(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "cb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, r := s.DBs()
	if _, err := r.ExecContext(t.Context(), `DELETE FROM enterprises`); err == nil {
		t.Fatal("the reader pool accepted a write")
	}
}
