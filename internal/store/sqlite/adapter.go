package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/creditbridge/creditbridge/internal/store/sqldb"
)

// The shared queries use $1-style placeholders. SQLite reads "$1" as a
// parameter named "$1", and modernc.org/sqlite binds a parameter named $N
// (or ?N) to the N-th argument, so the SQL needs no rewriting: a repeated
// $1 is one parameter, and order of appearance does not matter. The
// conformance suite exercises both.

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn adapts a database/sql handle to sqldb.Querier, converting time.Time
// arguments to the fixed-width UTC text the schema stores. It runs
// statements prepared once per pool: the driver would otherwise compile the
// SQL on every call.
//
// Inside a transaction (tx set) the writer's one connection is taken, so a
// statement cannot be prepared on the pool without deadlocking: the
// transaction uses the writer's cached statements (tx.StmtContext reuses a
// statement already prepared on its connection) and notes the ones it had
// to run unprepared, which are prepared once it ends (see tx).
type conn struct {
	q      queryer
	stmts  *stmtCache
	tx     *sql.Tx
	missed *[]string
}

// on returns what to run query on: a cached prepared statement when there
// is one, else the handle itself.
func (c conn) on(ctx context.Context, query string) queryer {
	if c.stmts == nil {
		return c.q
	}
	if c.tx == nil {
		if st := c.stmts.get(ctx, query); st != nil {
			return stmtQueryer{st}
		}
		return c.q
	}
	if st := c.stmts.peek(query); st != nil {
		return stmtQueryer{c.tx.StmtContext(ctx, st)}
	}
	*c.missed = append(*c.missed, query)
	return c.q
}

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.on(ctx, query).ExecContext(ctx, query, convert(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqldb.Rows, error) {
	rows, err := c.on(ctx, query).QueryContext(ctx, query, convert(args)...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqldb.Row {
	return row{c.on(ctx, query).QueryRowContext(ctx, query, convert(args)...)}
}

// stmtQueryer runs a prepared statement, ignoring the (identical) SQL.
type stmtQueryer struct{ st *sql.Stmt }

func (s stmtQueryer) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return s.st.ExecContext(ctx, args...)
}

func (s stmtQueryer) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return s.st.QueryContext(ctx, args...)
}

func (s stmtQueryer) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return s.st.QueryRowContext(ctx, args...)
}

// maxStmts bounds the cache; the store's SQL comes from a finite set of
// texts (a few dozen filter combinations), so it is never reached in
// practice, and past it statements simply run unprepared.
const maxStmts = 512

// stmtCache holds statements prepared on one *sql.DB, which re-prepares
// them on each pooled connection as needed.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

// get returns the prepared statement for query, preparing it on first use;
// nil when it cannot (the caller then runs the SQL directly, which reports
// any error in the SQL itself).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	st, n := c.m[query], len(c.m)
	c.mu.RUnlock()
	if st != nil || n >= maxStmts {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have := c.m[query]; have != nil {
		st.Close()
		return have
	}
	c.m[query] = st
	return st
}

// peek returns the statement for query if it is prepared, without
// preparing it.
func (c *stmtCache) peek(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqldb.ErrNoRows
	}
	return err
}

// convert returns args with every time.Time formatted as TimeLayout; it
// copies only when it must change something (args may be the caller's
// slice).
func convert(args []any) []any {
	var out []any
	for i, a := range args {
		t, ok := a.(time.Time)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = t.UTC().Format(sqldb.TimeLayout)
	}
	if out == nil {
		return args
	}
	return out
}

type tx struct {
	conn
	t *sql.Tx
}

// Commit ends the transaction, then prepares the statements it ran
// unprepared so the next transaction finds them.
func (t tx) Commit(ctx context.Context) error {
	err := t.t.Commit()
	t.warm(ctx)
	return err
}

func (t tx) Rollback(ctx context.Context) error {
	err := t.t.Rollback()
	t.warm(ctx)
	return err
}

// Prepare prepares query on the transaction's connection, for a bulk load
// that runs it once per row (sqldb.Preparer). The statement is closed by
// the caller, or at the latest when the transaction ends.
func (t tx) Prepare(ctx context.Context, query string) (sqldb.Stmt, error) {
	st, err := t.t.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt{st}, nil
}

// stmt adapts a prepared *sql.Stmt to sqldb.Stmt, converting times as conn
// does.
type stmt struct{ st *sql.Stmt }

func (s stmt) Exec(ctx context.Context, args ...any) (int64, error) {
	res, err := s.st.ExecContext(ctx, convert(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s stmt) QueryRow(ctx context.Context, args ...any) sqldb.Row {
	return row{s.st.QueryRowContext(ctx, convert(args)...)}
}

func (s stmt) Close() error { return s.st.Close() }

var _ sqldb.Preparer = tx{}

func (t tx) warm(ctx context.Context) {
	if t.stmts == nil || t.missed == nil {
		return
	}
	for _, q := range *t.missed {
		t.stmts.get(ctx, q)
	}
	*t.missed = nil
}

// classify recognises modernc's typed error by its extended result code.
func classify(err error) sqldb.Violation {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return sqldb.NoViolation
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqldb.UniqueViolation
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqldb.ForeignKeyViolation
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_DATATYPE:
		return sqldb.CheckViolation
	}
	return sqldb.NoViolation
}

// dialect is SQLite's part of the shared queries.
func dialect() sqldb.Dialect {
	return sqldb.Dialect{
		Name:        "sqlite",
		LockRow:     "", // the single writer connection serializes writers
		TableExists: `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`,
		Classify:    classify,
	}
}
