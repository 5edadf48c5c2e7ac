package seed_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/synth"
)

func service(t *testing.T, st store.Store) *enterprise.Service {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	s, err := keys.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	return &enterprise.Service{Repo: st, Seal: s}
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	st, err := backend.Open(context.Background(), filepath.Join(t.TempDir(), "seed.db"), backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openPostgres(t *testing.T) store.Store {
	t.Helper()
	base := os.Getenv("CREDITBRIDGE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("CREDITBRIDGE_TEST_POSTGRES_URL not set: PostgreSQL seed determinism test SKIPPED")
	}
	ctx := context.Background()
	schema := "cbtest_seed_" + strings.ToLower(rand.Text()[:10])
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
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	st, err := backend.Open(ctx, base+sep+"search_path="+schema, backend.Options{MigratePostgres: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(); exec("DROP SCHEMA " + schema + " CASCADE") })
	return st
}

func region(t *testing.T) *synth.Generator {
	t.Helper()
	g, err := synth.New(synth.Config{Enterprises: 120, Seed: 42, Months: 12})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestDeterministic seeds the same region twice, into two databases and
// two file directories, and checks identical digests and identical files.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	digests := map[string]bool{}
	var dirs []string
	for range 2 {
		st := openSQLite(t)
		dir := filepath.Join(t.TempDir(), "files")
		res, err := seed.Run(ctx, region(t), seed.Options{Store: st, Enterprises: service(t, st), FilesDir: dir, BatchSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		if res.Enterprises != 120 || res.Facts == 0 || res.Files == 0 {
			t.Fatalf("result = %+v", res)
		}
		n, err := st.CountFacts(ctx)
		if err != nil || n != res.Facts {
			t.Fatalf("stored facts %d, reported %d (%v)", n, res.Facts, err)
		}
		d, err := seed.Digest(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		digests[d] = true
		dirs = append(dirs, dir)
	}
	if len(digests) != 1 {
		t.Fatalf("two seeds gave different database digests: %v", digests)
	}
	compareTrees(t, dirs[0], dirs[1])
}

// TestSameDigestOnPostgres checks the PostgreSQL backend stores the same
// content as SQLite for the same region.
func TestSameDigestOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := openPostgres(t)
	lite := openSQLite(t)
	var ds []string
	for _, st := range []store.Store{pg, lite} {
		if _, err := seed.Run(ctx, region(t), seed.Options{Store: st, Enterprises: service(t, st), BatchSize: 50}); err != nil {
			t.Fatal(err)
		}
		d, err := seed.Digest(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	if ds[0] != ds[1] {
		t.Fatalf("PostgreSQL digest %s, SQLite digest %s", ds[0], ds[1])
	}
}

// TestSecondSeedFailsWhole checks that seeding the same region again into
// the same database fails and adds nothing.
func TestSecondSeedFailsWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openSQLite(t)
	svc := service(t, st)
	if _, err := seed.Run(ctx, region(t), seed.Options{Store: st, Enterprises: svc}); err != nil {
		t.Fatal(err)
	}
	before, _ := st.CountFacts(ctx)
	if _, err := seed.Run(ctx, region(t), seed.Options{Store: st, Enterprises: svc}); err == nil {
		t.Fatal("seeding the same region twice succeeded")
	}
	after, _ := st.CountFacts(ctx)
	if before != after {
		t.Fatalf("facts %d → %d after a failed seed", before, after)
	}
}

func compareTrees(t *testing.T, a, b string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(x, y) {
			t.Errorf("file %s differs between two runs", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d files written", n)
	}
	m := 0
	if err := filepath.WalkDir(b, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			m++
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if m != n {
		t.Fatalf("first run wrote %d files, second %d", n, m)
	}
}
