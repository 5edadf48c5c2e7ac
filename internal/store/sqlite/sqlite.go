package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

func migrations() ([]sqldb.Migration, error) { return sqldb.LoadMigrations(migrationFS, "migrations") }

// Versions lists the migration versions embedded in the binary, ascending.
// It panics if the embedded files are malformed, which a test rules out.
func Versions() []int {
	ms, err := migrations()
	if err != nil {
		panic(err)
	}
	return sqldb.Versions(ms)
}

// Store is the SQLite store.Store (and store.StatsReporter).
type Store struct {
	*sqldb.Store
	w, r *sql.DB
	cp   *checkpointer
}

// DBs returns the writer (one connection) and the read-only reader pool,
// for raw baselines and tests. Writes through the writer wait for any open
// transaction of the Store.
func (s *Store) DBs() (writer, reader *sql.DB) { return s.w, s.r }

// Pragmas every connection gets. WAL lets readers run beside the writer;
// synchronous=NORMAL is durable across application crashes in WAL mode (a
// power loss may lose the last commits, never corrupt); busy_timeout covers
// another process holding the file; foreign keys are off by default in
// SQLite and the schema relies on them.
const pragmas = "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"

func checkPath(path string) error {
	switch {
	case path == "", path == ":memory:", strings.HasPrefix(path, "file::memory:"):
		return fmt.Errorf("sqlite: a database file path is required (in-memory databases are not supported), got %q", path)
	case strings.ContainsAny(path, "?#"):
		return fmt.Errorf("sqlite: database path %q must not contain '?' or '#'", path)
	}
	return nil
}

// writerPragmas are the writer's own: temp_store=MEMORY keeps statement
// journals (written by every INSERT into a table with several indexes, so
// that a failing row can be undone without the whole transaction) and
// temporary B-trees off disk; it doubles bulk enterprise registration and
// costs at most a few pages per statement, since the writer runs only
// point writes and one enterprise's reads.
const writerPragmas = "&_pragma=temp_store(MEMORY)"

// openWriter opens the single writer connection, creating the file and its
// parent directories. _txlock=immediate makes every transaction take the
// write lock at BEGIN.
func openWriter(ctx context.Context, path, extra string) (*sql.DB, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory for %s: %w", path, err)
		}
	}
	w, err := sql.Open("sqlite", path+"?"+pragmas+writerPragmas+extra+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return w, nil
}

// Open opens (creating if needed) the database at path and applies every
// pending migration. It refuses a database migrated by a newer binary.
func Open(ctx context.Context, path string) (*Store, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	// The node's writer leaves most of checkpointing to the checkpointer
	// (checkpoint.go).
	w, err := openWriter(ctx, path, fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerAutoCheckpoint))
	if err != nil {
		return nil, err
	}
	if _, err := migrate(ctx, w, ms); err != nil {
		w.Close()
		return nil, err
	}
	cp, err := startCheckpointer(ctx, path, w)
	if err != nil {
		w.Close()
		return nil, err
	}
	readers := max(4, runtime.NumCPU())
	r, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		cp.close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open reader pool for %s: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(5 * time.Minute)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		cp.close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open reader pool for %s: %w", path, err)
	}
	e := &engine{w: w, r: r, ws: newStmtCache(w), rs: newStmtCache(r), cp: cp}
	return &Store{Store: sqldb.New(dialect(), e, ms[len(ms)-1].Version), w: w, r: r, cp: cp}, nil
}

// Migrate applies pending migrations to the database at path (creating
// it) and returns how many it applied. Open does the same; this is for the
// `migrate` command.
func Migrate(ctx context.Context, path string) (applied int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, err
	}
	w, err := openWriter(ctx, path, "")
	if err != nil {
		return 0, err
	}
	defer w.Close()
	return migrate(ctx, w, ms)
}

// migrate applies each pending migration in its own transaction, recording
// it in schema_migrations. BEGIN IMMEDIATE serializes concurrent migrators
// (other processes wait up to busy_timeout); each re-checks what is applied
// inside its transaction.
func migrate(ctx context.Context, w *sql.DB, ms []sqldb.Migration) (int, error) {
	applied := 0
	latest := ms[len(ms)-1].Version
	for _, m := range ms {
		did, err := applyOne(ctx, w, m, latest)
		if err != nil {
			return applied, err
		}
		if did {
			applied++
		}
	}
	return applied, nil
}

func applyOne(ctx context.Context, w *sql.DB, m sqldb.Migration, latest int) (bool, error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: migration %s: begin: %w", m.Name, err)
	}
	defer tx.Rollback() // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
		return false, fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	var highest, have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0), COUNT(CASE WHEN version = $1 THEN 1 END)
		FROM schema_migrations`, m.Version).Scan(&highest, &have); err != nil {
		return false, fmt.Errorf("sqlite: read schema_migrations: %w", err)
	}
	if highest > latest {
		return false, fmt.Errorf("sqlite: database schema version %d is newer than this binary's %d; use a newer binary", highest, latest)
	}
	if have > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		m.Version, time.Now().UTC().Format(sqldb.TimeLayout)); err != nil {
		return false, fmt.Errorf("sqlite: record migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: commit: %w", m.Name, err)
	}
	return true, nil
}

// engine is the writer connection plus the reader pool, each with its
// cache of prepared statements.
type engine struct {
	w, r   *sql.DB
	ws, rs *stmtCache
	cp     *checkpointer
}

func (e *engine) Writer() sqldb.Querier { return conn{q: e.w, stmts: e.ws} }
func (e *engine) Reader() sqldb.Querier { return conn{q: e.r, stmts: e.rs} }

func (e *engine) Begin(ctx context.Context) (sqldb.Tx, error) {
	t, err := e.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return tx{conn{q: t, stmts: e.ws, tx: t, missed: new([]string)}, t}, nil
}

func (e *engine) Ping(ctx context.Context) error {
	return errors.Join(e.w.PingContext(ctx), e.r.PingContext(ctx))
}

func (e *engine) Stats() map[string]store.PoolStats {
	return map[string]store.PoolStats{"writer": poolStats(e.w.Stats()), "reader": poolStats(e.r.Stats())}
}

func poolStats(s sql.DBStats) store.PoolStats {
	return store.PoolStats{MaxOpen: s.MaxOpenConnections, Open: s.OpenConnections, InUse: s.InUse, Idle: s.Idle,
		WaitCount: s.WaitCount, WaitDuration: s.WaitDuration.Seconds()}
}

// Close stops the checkpointer and closes the reader pool, then the writer
// (whose close checkpoints the WAL into the main file).
func (e *engine) Close() error {
	return errors.Join(e.cp.close(), e.rs.close(), e.ws.close(), e.r.Close(), e.w.Close())
}
