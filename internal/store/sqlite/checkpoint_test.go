package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCheckpointerCopiesTheWALBesideTheWriter: the writer checkpoints
// only at writerAutoCheckpoint pages, yet committed pages (far fewer)
// reach the main database file within moments.
func TestCheckpointerCopiesTheWALBesideTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cb.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	w, _ := s.DBs()
	var auto int
	if err := w.QueryRowContext(t.Context(), `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != writerAutoCheckpoint {
		t.Fatalf("writer's wal_autocheckpoint = %d, %v; want %d", auto, err, writerAutoCheckpoint)
	}
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// Let the checkpointer take in what migrations wrote, then note the
	// main file's size.
	time.Sleep(3 * checkpointEvery)
	before := size(path)
	if _, err := w.ExecContext(t.Context(), `CREATE TABLE cp_probe (id INTEGER PRIMARY KEY, pad TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 1000)
	for range 4 {
		tx, err := w.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for range 1000 {
			if _, err := tx.ExecContext(t.Context(), `INSERT INTO cp_probe (pad) VALUES ($1)`, pad); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// About 4 MB went into the WAL; nobody but the checkpointer copies it.
	deadline := time.Now().Add(10 * time.Second)
	for size(path) < before+3<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("main file %d bytes, %d before the writes: the checkpointer did not copy the WAL", size(path), before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWALStaysBoundedUnderSteadyWrites: commits that never pause (the
// checkpointer always finds new frames) still let the WAL start over, so
// the file stays bounded however much is written; and the checkpointer
// starts it over itself (holding the writer only for the last few pages),
// not only the writer's own checkpoint at its bound.
func TestWALStaysBoundedUnderSteadyWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cb.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	w, _ := s.DBs()
	var page int64
	if err := w.QueryRowContext(t.Context(), `PRAGMA page_size`).Scan(&page); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(t.Context(), `CREATE TABLE cp_probe (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	// A row of most of a page: three times writerAutoCheckpoint pages,
	// in small transactions, as fast as the writer takes them.
	pad := make([]byte, page*3/4)
	const perTx = 50
	var largest int64
	for range 3 * writerAutoCheckpoint / perTx {
		tx, err := w.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for range perTx {
			if _, err := tx.ExecContext(t.Context(), `INSERT INTO cp_probe (pad) VALUES ($1)`, pad); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, fi.Size())
		}
	}
	// The file restarts from its beginning and keeps its size; allow
	// the pages written while a checkpoint catches up (at this rate, a
	// bulk load's, the writer's own checkpoint also waits for the
	// checkpointer's rounds: 2,000-6,000 pages past its bound, seen here).
	if limit := int64(writerAutoCheckpoint+restartPages) * (page + 24); largest > limit {
		t.Fatalf("the WAL grew to %d bytes (%d pages) under steady writes, want at most %d", largest, largest/page, limit)
	}
	if n := s.cp.restarts.Load(); n == 0 {
		t.Fatalf("the checkpointer never started the WAL over (largest %d pages): the writer's own checkpoint did", largest/(page+24))
	}
	t.Logf("largest WAL: %d bytes (%d pages of %d); the checkpointer started it over %d times", largest, largest/(page+24), page, s.cp.restarts.Load())
}
