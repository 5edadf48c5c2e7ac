package sqldb

import (
	"context"
	"errors"

	"github.com/creditbridge/creditbridge/internal/store"
)

// ErrNoRows is what Row.Scan returns when the query matched nothing. Each
// adapter translates its driver's own sentinel (sql.ErrNoRows,
// pgx.ErrNoRows) into this one so the shared code checks a single value.
var ErrNoRows = errors.New("sqldb: no rows in result set")

// Querier runs statements. SQL uses $1, $2, ... placeholders; a placeholder
// may repeat and appear in any order. Arguments are int64, int, string,
// []byte, nil or time.Time; a time.Time is a UTC timestamp and the adapter
// stores it in its dialect's timestamp representation.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Query runs a statement that returns rows; the caller closes them.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// QueryRow runs a statement expected to return at most one row; any
	// error is reported by Row.Scan.
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Rows is an open result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	// Err reports the error, if any, that ended iteration.
	Err() error
	// Close releases the result set and reports a deferred error.
	Close() error
}

// Row is the result of QueryRow. Scan returns ErrNoRows when nothing
// matched.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a database transaction. It is used by one goroutine at a time.
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Copier is implemented by a Tx whose engine has a bulk-load protocol
// (PostgreSQL: COPY FROM STDIN in binary). sqldb's bulk methods use it when
// the transaction offers it and fall back to a prepared INSERT per row
// otherwise.
type Copier interface {
	// CopyFrom inserts n rows into table's columns and returns how many it
	// inserted. fill(i, dst) writes row i's values into dst (one per
	// column, Querier's argument conventions; a DATE column takes
	// "YYYY-MM-DD" text); dst is reused for the next row once its values
	// are consumed. A constraint violation fails the whole copy.
	CopyFrom(ctx context.Context, table string, columns []string, n int, fill func(i int, dst []any)) (int64, error)
}

// Batcher is implemented by a Tx, or a Reader, that can send several
// statements in one round trip (PostgreSQL: a pipelined batch; outside a
// transaction it runs as one implicit transaction). The statements run in
// order, each seeing what those before it did, and the first error stops
// the batch; without a Batcher, they run one by one.
type Batcher interface {
	Batch(ctx context.Context, qs []Queued) error
}

// Deferrer is implemented by a Tx that can hold statements back and send
// them with its next round trip: the transaction's next statement or
// batch, or its COMMIT (PostgreSQL: one pipelined batch). Their Rows
// functions run then, and a deferred statement's error is the error of
// that round trip: it fails the transaction, and Commit returns it.
type Deferrer interface {
	Defer(qs []Queued)
}

// Queued is one statement of a batch. Rows, when set, reads its result
// (the rows are closed after it returns); without it the statement is run
// for its effect.
type Queued struct {
	SQL  string
	Args []any
	Rows func(Rows) error
}

// Preparer is implemented by a Tx that can prepare a statement on its own
// connection for the rest of the transaction (SQLite: the one writer
// connection, which the statement cache cannot prepare on while a
// transaction holds it). Bulk methods prepare their INSERT once and run it
// per row; without a Preparer they run the same SQL through the Tx.
type Preparer interface {
	Prepare(ctx context.Context, sql string) (Stmt, error)
}

// Stmt is a statement prepared by a Preparer, valid until Close or the end
// of its transaction, whichever comes first.
type Stmt interface {
	Exec(ctx context.Context, args ...any) (int64, error)
	QueryRow(ctx context.Context, args ...any) Row
	Close() error
}

// Engine is what a backend provides: where reads and writes go outside a
// transaction, how a transaction starts, and the lifecycle of the pools.
type Engine interface {
	// Writer runs writes outside a transaction. On SQLite it is the single
	// writer connection, so writers serialize there.
	Writer() Querier
	// Reader runs reads outside a transaction (SQLite: the read-only pool;
	// PostgreSQL: the same pool as Writer).
	Reader() Querier
	// Begin starts a read-write transaction. On SQLite it takes the write
	// lock at once (BEGIN IMMEDIATE) so a transaction never fails half-way
	// on a lock upgrade.
	Begin(ctx context.Context) (Tx, error)
	Ping(ctx context.Context) error
	Stats() map[string]store.PoolStats
	Close() error
}

// Violation classifies a constraint error raised by the database.
type Violation int

// Violations a Dialect recognises.
const (
	NoViolation Violation = iota
	UniqueViolation
	ForeignKeyViolation
	CheckViolation // CHECK or NOT NULL
)

// Dialect holds what the shared queries cannot express identically.
type Dialect struct {
	// Name is the backend's name as reported by Store.Backend.
	Name string
	// LockRow is appended to a SELECT that reads a row the transaction is
	// about to update, so that concurrent transactions serialize on it
	// (" FOR UPDATE" on PostgreSQL; empty on SQLite, where the single
	// writer connection and BEGIN IMMEDIATE already serialize writers).
	LockRow string
	// TableExists is a query taking the table name as $1 and returning one
	// row with one integer column, non-zero when the table exists in the
	// schema the connection uses.
	TableExists string
	// Classify recognises the driver's typed constraint errors; it must
	// not inspect message text.
	Classify func(error) Violation
	// NextIDs, where the engine has sequences, is a query taking a table
	// name ($1) and a count ($2) and returning that many unused values of
	// the table's id sequence, one per row. A bulk insert that must hand
	// ids back and loads with a Copier reserves them with it first; empty
	// on SQLite, whose bulk path reads each id back with RETURNING.
	NextIDs string
}
