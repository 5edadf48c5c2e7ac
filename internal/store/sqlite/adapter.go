package sqlite

import (
	"context"
	"database/sql"
	"errors"
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
// arguments to the fixed-width UTC text the schema stores.
type conn struct{ q queryer }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, query, convert(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqldb.Rows, error) {
	rows, err := c.q.QueryContext(ctx, query, convert(args)...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqldb.Row {
	return row{c.q.QueryRowContext(ctx, query, convert(args)...)}
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

func (t tx) Commit(context.Context) error   { return t.t.Commit() }
func (t tx) Rollback(context.Context) error { return t.t.Rollback() }

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
