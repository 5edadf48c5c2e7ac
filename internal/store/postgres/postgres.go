package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

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

// Store is the PostgreSQL store.Store (and store.StatsReporter).
type Store struct {
	*sqldb.Store
	pool *pgxpool.Pool
}

// Pool returns the connection pool, for raw baselines and tests.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Open connects to the database at url (a postgres:// URL or key=value
// DSN that pgx accepts; pool_max_conns and search_path work as query
// parameters). It does not migrate; see Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse URL: %w", err)
	}
	// JIT compilation off unless the URL asks for it (jit=on): the node's
	// statements are short index reads whose cost estimates still pass
	// jit_above_cost once the facts table is large (a list of 1,000
	// enterprises, a batch's history window), and compiling them took
	// longer than running them (7–18 ms of JIT for a 25 ms read of the
	// medium region; more as the table grows and optimisation and
	// inlining start).
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	e := &engine{pool: pool}
	return &Store{Store: sqldb.New(dialect(), e, ms[len(ms)-1].Version), pool: pool}, nil
}

// Migrate applies the pending migrations to the database (and search_path
// schema) at url and returns how many it applied. Each migration runs in
// its own transaction holding a transaction-scoped advisory lock keyed by
// the target schema, so concurrent migrators of one schema take turns and
// each re-checks what is applied once it holds the lock. It refuses a
// schema migrated by a newer binary.
func Migrate(ctx context.Context, url string) (applied int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, err
	}
	// Parsed as Open parses it, so that a URL that works for the node
	// (pool_max_conns and the other pool settings, which the server
	// does not know) works for its migrations too.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return 0, fmt.Errorf("postgres: parse URL: %w", err)
	}
	c, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return 0, fmt.Errorf("postgres: connect: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	latest := ms[len(ms)-1].Version
	for _, m := range ms {
		did, err := applyOne(ctx, c, m, latest)
		if err != nil {
			return applied, err
		}
		if did {
			applied++
		}
	}
	return applied, nil
}

func applyOne(ctx context.Context, c *pgx.Conn, m sqldb.Migration, latest int) (bool, error) {
	tx, err := c.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: migration %s: begin: %w", m.Name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
	var schema string
	if err := tx.QueryRow(ctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
		return false, fmt.Errorf("postgres: current schema: %w", err)
	}
	if schema == "" {
		return false, errors.New("postgres: no schema in search_path exists; create it first")
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('creditbridge.migrate:' || $1))`, schema); err != nil {
		return false, fmt.Errorf("postgres: migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL
	)`); err != nil {
		return false, fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	var highest, have int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0), COUNT(*) FILTER (WHERE version = $1)
		FROM schema_migrations`, m.Version).Scan(&highest, &have); err != nil {
		return false, fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	if highest > latest {
		return false, fmt.Errorf("postgres: schema %q is at version %d, newer than this binary's %d; use a newer binary", schema, highest, latest)
	}
	if have > 0 {
		return false, nil
	}
	// No arguments: pgx sends it with the simple protocol, which runs
	// every statement of the file.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("postgres: migration %s: %w", m.Name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		m.Version, time.Now().UTC()); err != nil {
		return false, fmt.Errorf("postgres: record migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("postgres: migration %s: commit: %w", m.Name, err)
	}
	return true, nil
}

// SQLSTATE codes of the constraint violations the store classifies.
const (
	notNullViolation    = "23502"
	foreignKeyViolation = "23503"
	uniqueViolation     = "23505"
	checkViolation      = "23514"
)

func classify(err error) sqldb.Violation {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return sqldb.NoViolation
	}
	switch pe.Code {
	case uniqueViolation:
		return sqldb.UniqueViolation
	case foreignKeyViolation:
		return sqldb.ForeignKeyViolation
	case checkViolation, notNullViolation:
		return sqldb.CheckViolation
	}
	return sqldb.NoViolation
}

func dialect() sqldb.Dialect {
	return sqldb.Dialect{
		Name:        "postgres",
		LockRow:     " FOR UPDATE",
		TableExists: `SELECT CASE WHEN to_regclass($1) IS NULL THEN 0 ELSE 1 END`,
		Classify:    classify,
		// One nextval per row of generate_series: safe beside concurrent
		// inserts, each call gets distinct values (not necessarily
		// consecutive ones).
		NextIDs: `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`,
	}
}

// pgQuerier is what *pgxpool.Pool and pgx.Tx have in common.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// conn adapts pgx to sqldb.Querier. pgx encodes time.Time natively.
type conn struct{ q pgQuerier }

func (c conn) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c conn) Query(ctx context.Context, sql string, args ...any) (sqldb.Rows, error) {
	r, err := c.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

func (c conn) QueryRow(ctx context.Context, sql string, args ...any) sqldb.Row {
	return row{c.q.QueryRow(ctx, sql, args...)}
}

// Batch sends qs as one pipelined batch (sqldb.Batcher) on the pool: one
// connection, one round trip; outside a transaction PostgreSQL runs them
// as one implicit transaction, in order.
func (c conn) Batch(ctx context.Context, qs []sqldb.Queued) error {
	sb, ok := c.q.(interface {
		SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	})
	if !ok {
		return fmt.Errorf("postgres: %T cannot send a batch", c.q)
	}
	b := &pgx.Batch{}
	queueAll(b, qs)
	return sb.SendBatch(ctx, b).Close()
}

// queueAll adds qs to b, each with its Rows function reading its result.
func queueAll(b *pgx.Batch, qs []sqldb.Queued) {
	for _, q := range qs {
		qq := b.Queue(q.SQL, q.Args...)
		if fn := q.Rows; fn != nil {
			qq.Query(func(r pgx.Rows) error { return fn(rows{r}) })
		}
	}
}

type rows struct{ pgx.Rows }

// Close releases the rows and reports the error that ended them, as
// database/sql's Close would.
func (r rows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqldb.ErrNoRows
	}
	return err
}

// tx is a transaction whose BEGIN travels with its first statement: the
// connection is held from Begin, and "begin" is sent in one pipelined batch
// with whatever runs first (PostgreSQL starts the transaction block there
// and keeps it past the batch's end). Most of the platform's transactions
// are a few short statements, so the round trip saved is a good share of
// each one's time.
//
// Statements deferred (sqldb.Deferrer) wait in later and go with the
// next round trip: in front of the next statement or batch, or in one
// batch with COMMIT.
type tx struct {
	c     *pgxpool.Conn
	begun bool
	done  bool
	later []sqldb.Queued
}

// Defer holds qs back until the transaction's next round trip.
func (t *tx) Defer(qs []sqldb.Queued) { t.later = append(t.later, qs...) }

// flush sends the deferred statements, for what cannot carry them.
func (t *tx) flush(ctx context.Context) error {
	if len(t.later) == 0 {
		return nil
	}
	return t.Batch(ctx, nil)
}

// begin sends BEGIN alone, for what cannot carry it (COPY).
func (t *tx) begin(ctx context.Context) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	if t.begun {
		return nil
	}
	t.begun = true
	_, err := t.c.Exec(ctx, "begin")
	return err
}

// first sends BEGIN and sql in one batch and returns the open results,
// positioned at sql's.
func (t *tx) first(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(sql, args...)
	t.begun = true
	br := t.c.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

func (t *tx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	if t.begun {
		return conn{t.c}.Exec(ctx, sql, args...)
	}
	br, err := t.first(ctx, sql, args)
	if err != nil {
		return 0, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (t *tx) Query(ctx context.Context, sql string, args ...any) (sqldb.Rows, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	if t.begun {
		return conn{t.c}.Query(ctx, sql, args...)
	}
	br, err := t.first(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	r, err := br.Query()
	if err != nil {
		r.Close()
		br.Close()
		return nil, err
	}
	return batchRows{rows{r}, br}, nil
}

func (t *tx) QueryRow(ctx context.Context, sql string, args ...any) sqldb.Row {
	if err := t.flush(ctx); err != nil {
		return firstRow{err: err}
	}
	if t.begun {
		return conn{t.c}.QueryRow(ctx, sql, args...)
	}
	rs, err := t.Query(ctx, sql, args...)
	return firstRow{rs, err}
}

// batchRows are the rows of a batch's last statement; closing them ends
// the batch.
type batchRows struct {
	rows
	br pgx.BatchResults
}

func (r batchRows) Close() error {
	return errors.Join(r.rows.Close(), r.br.Close())
}

// firstRow is QueryRow's result when the statement went with BEGIN.
type firstRow struct {
	rs  sqldb.Rows
	err error
}

func (r firstRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if !r.rs.Next() {
		if err := r.rs.Close(); err != nil {
			return err
		}
		return sqldb.ErrNoRows
	}
	err := r.rs.Scan(dest...)
	return errors.Join(err, r.rs.Close())
}

// Commit ends the transaction and returns the connection to the pool. A
// COMMIT that PostgreSQL answers with ROLLBACK (the transaction had
// failed) is an error, as in pgx.
func (t *tx) Commit(ctx context.Context) error {
	if t.done {
		return pgx.ErrTxClosed
	}
	t.done = true
	if len(t.later) > 0 {
		return t.commitLater(ctx)
	}
	if !t.begun {
		t.c.Release()
		return nil
	}
	tag, err := t.c.Exec(ctx, "commit")
	t.release(ctx, err)
	if err != nil {
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// commitLater sends the deferred statements and COMMIT in one batch. If
// one of them fails, PostgreSQL skips the rest of the batch and the
// transaction is left aborted: it is rolled back before the connection
// goes back to the pool.
func (t *tx) commitLater(ctx context.Context) error {
	b := t.queue(t.later)
	t.later = nil
	var tag string
	b.Queue("commit").Exec(func(ct pgconn.CommandTag) error {
		tag = ct.String()
		return nil
	})
	err := t.c.SendBatch(ctx, b).Close()
	if err != nil {
		_, rerr := t.c.Exec(context.WithoutCancel(ctx), "rollback")
		t.release(ctx, rerr)
		return err
	}
	t.release(ctx, nil)
	if tag == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// Rollback aborts the transaction and returns the connection to the pool.
func (t *tx) Rollback(ctx context.Context) error {
	if t.done {
		return pgx.ErrTxClosed
	}
	t.done = true
	t.later = nil
	if !t.begun {
		t.c.Release()
		return nil
	}
	_, err := t.c.Exec(ctx, "rollback")
	t.release(ctx, err)
	return err
}

// release returns the connection to the pool, closing it first if ending
// the transaction failed (its state is then unknown; the pool also
// discards a connection left inside a transaction).
func (t *tx) release(ctx context.Context, err error) {
	if err != nil {
		_ = t.c.Conn().Close(ctx)
	}
	t.c.Release()
}

// CopyFrom loads rows with COPY FROM STDIN in pgx's binary format
// (sqldb.Copier). pgx encodes each value by the column's type, so the
// Querier conventions hold: a "YYYY-MM-DD" string reaches a DATE column
// through pgx's text-to-binary fallback.
func (t *tx) CopyFrom(ctx context.Context, table string, columns []string, n int, fill func(i int, dst []any)) (int64, error) {
	if err := t.begin(ctx); err != nil {
		return 0, err
	}
	return t.c.CopyFrom(ctx, pgx.Identifier{table}, columns, &copySource{n: n, fill: fill, row: make([]any, len(columns))})
}

// Batch sends qs as one pipelined batch on the transaction's connection
// (sqldb.Batcher), BEGIN and the deferred statements first.
func (t *tx) Batch(ctx context.Context, qs []sqldb.Queued) error {
	later := t.later
	t.later = nil
	b := t.queue(append(later, qs...))
	return t.c.SendBatch(ctx, b).Close()
}

// queue is a batch of qs, BEGIN first if nothing has run yet.
func (t *tx) queue(qs []sqldb.Queued) *pgx.Batch {
	b := &pgx.Batch{}
	if !t.begun {
		b.Queue("begin")
		t.begun = true
	}
	queueAll(b, qs)
	return b
}

var (
	_ sqldb.Deferrer = (*tx)(nil)
	_ sqldb.Tx       = (*tx)(nil)
	_ sqldb.Copier   = (*tx)(nil)
	_ sqldb.Batcher  = (*tx)(nil)
)

// copySource feeds pgx one row at a time from fill, reusing one slice: pgx
// encodes a row's values before it asks for the next.
type copySource struct {
	n, i int
	fill func(int, []any)
	row  []any
}

func (s *copySource) Next() bool {
	if s.i >= s.n {
		return false
	}
	s.i++
	return true
}

func (s *copySource) Values() ([]any, error) {
	s.fill(s.i-1, s.row)
	return s.row, nil
}

func (s *copySource) Err() error { return nil }

type engine struct{ pool *pgxpool.Pool }

func (e *engine) Writer() sqldb.Querier { return conn{e.pool} }
func (e *engine) Reader() sqldb.Querier { return conn{e.pool} }

func (e *engine) Begin(ctx context.Context) (sqldb.Tx, error) {
	c, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &tx{c: c}, nil
}

func (e *engine) Ping(ctx context.Context) error { return e.pool.Ping(ctx) }

func (e *engine) Stats() map[string]store.PoolStats {
	s := e.pool.Stat()
	return map[string]store.PoolStats{"pool": {
		MaxOpen:      int(s.MaxConns()),
		Open:         int(s.TotalConns()),
		InUse:        int(s.AcquiredConns()),
		Idle:         int(s.IdleConns()),
		WaitCount:    s.EmptyAcquireCount(),
		WaitDuration: s.EmptyAcquireWaitTime().Seconds(),
	}}
}

func (e *engine) Close() error {
	e.pool.Close()
	return nil
}
