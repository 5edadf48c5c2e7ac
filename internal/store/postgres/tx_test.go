package postgres

import (
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/creditbridge/creditbridge/internal/store/sqldb"
)

// TestTxSendsBeginWithItsFirstStatement: whatever a transaction runs first
// (Exec, Query, QueryRow, a batch, COPY) starts it; what it wrote is seen
// only after Commit, gone after Rollback; a failing first statement leaves
// a transaction that rolls back, and the pooled connection is clean after
// each.
func TestTxSendsBeginWithItsFirstStatement(t *testing.T) {
	pool, e := txTestPool(t, "transaction test")
	ctx := t.Context()
	count := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	inTx := func(t *testing.T, first func(sqldb.Tx) error, commit bool) error {
		t.Helper()
		tx, err := e.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ferr := first(tx)
		if ferr == nil {
			// A second statement inside the same transaction.
			_, ferr = tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (1000 + (SELECT COUNT(*) FROM t), 'second')`)
		}
		if ferr != nil || !commit {
			if err := tx.Rollback(ctx); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			return ferr
		}
		return tx.Commit(ctx)
	}
	firsts := map[string]func(sqldb.Tx) error{
		"exec": func(tx sqldb.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (1, 'a')`)
			return err
		},
		"query": func(tx sqldb.Tx) error {
			rs, err := tx.Query(ctx, `INSERT INTO t (id, v) VALUES (2, 'b') RETURNING id`)
			if err != nil {
				return err
			}
			for rs.Next() {
			}
			return rs.Close()
		},
		"query_row": func(tx sqldb.Tx) error {
			var id int64
			return tx.QueryRow(ctx, `INSERT INTO t (id, v) VALUES (3, 'c') RETURNING id`).Scan(&id)
		},
		"batch": func(tx sqldb.Tx) error {
			return tx.(sqldb.Batcher).Batch(ctx, []sqldb.Queued{{SQL: `INSERT INTO t (id, v) VALUES (4, 'd')`}})
		},
		"copy": func(tx sqldb.Tx) error {
			_, err := tx.(sqldb.Copier).CopyFrom(ctx, "t", []string{"id", "v"}, 1, func(_ int, dst []any) { dst[0], dst[1] = int64(5), "e" })
			return err
		},
	}
	for name, first := range firsts {
		t.Run(name, func(t *testing.T) {
			before := count()
			if err := inTx(t, first, false); err != nil {
				t.Fatalf("rolled-back run: %v", err)
			}
			if got := count(); got != before {
				t.Fatalf("after rollback: %d rows, want %d", got, before)
			}
			if err := inTx(t, first, true); err != nil {
				t.Fatalf("committed run: %v", err)
			}
			if got := count(); got != before+2 {
				t.Fatalf("after commit: %d rows, want %d", got, before+2)
			}
		})
	}
	t.Run("no_rows_then_more", func(t *testing.T) {
		tx, err := e.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := tx.QueryRow(ctx, `SELECT v FROM t WHERE id = -1`).Scan(&v); !errors.Is(err, sqldb.ErrNoRows) {
			t.Fatalf("first QueryRow: %v, want ErrNoRows", err)
		}
		if err := tx.QueryRow(ctx, `SELECT v FROM t WHERE id = 1`).Scan(&v); err != nil || v != "a" {
			t.Fatalf("second QueryRow: %q, %v", v, err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("failing_first_statement", func(t *testing.T) {
		before := count()
		err := inTx(t, func(tx sqldb.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (1, 'duplicate')`)
			return err
		}, true)
		if err == nil {
			t.Fatal("a duplicate key was accepted")
		}
		if got := count(); got != before {
			t.Fatalf("%d rows after a failed transaction, want %d", got, before)
		}
	})
	t.Run("commit_of_a_failed_transaction_is_an_error", func(t *testing.T) {
		tx, err := e.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (900, 'x')`); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (1, 'duplicate')`); err == nil {
			t.Fatal("a duplicate key was accepted")
		}
		if err := tx.Commit(ctx); !errors.Is(err, pgx.ErrTxCommitRollback) {
			t.Fatalf("commit = %v, want %v", err, pgx.ErrTxCommitRollback)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT COUNT(*) FROM t WHERE id = 900`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("row 900: %d, %v", n, err)
		}
	})
	t.Run("empty_transaction", func(t *testing.T) {
		tx, err := e.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); !errors.Is(err, pgx.ErrTxClosed) {
			t.Fatalf("rollback after commit = %v", err)
		}
	})
	// The pooled connection comes back idle, outside any transaction.
	assertIdle(t, pool)
}

// txTestPool is a one-connection pool on a fresh schema holding table t,
// and the engine on it.
func txTestPool(t *testing.T, what string) (*pgxpool.Pool, *engine) {
	t.Helper()
	u := freshSchema(t, serverURL(t, what))
	pool, err := pgxpool.New(t.Context(), u+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(t.Context(), `CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return pool, &engine{pool: pool}
}

// assertIdle fails t unless the pooled connection is idle, outside any
// transaction.
func assertIdle(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	c, err := pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if st := c.Conn().PgConn().TxStatus(); st != 'I' {
		t.Fatalf("the pooled connection's transaction status is %q, want 'I'", st)
	}
}

// TestTxSendsDeferredStatementsWithItsNextRoundTrip: statements a
// transaction defers run, in order and with their Rows functions, before
// its next statement or with its COMMIT; a deferred statement that fails
// fails the commit and nothing of the transaction stays; a rollback drops
// them; the pooled connection comes back idle after each.
func TestTxSendsDeferredStatementsWithItsNextRoundTrip(t *testing.T) {
	pool, e := txTestPool(t, "deferred statements test")
	ctx := t.Context()
	ids := func() []int64 {
		rs, err := pool.Query(ctx, `SELECT id FROM t ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rs, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	insert := func(id int64, got *int64) sqldb.Queued {
		q := sqldb.Queued{SQL: `INSERT INTO t (id, v) VALUES ($1, 'x') RETURNING id`, Args: []any{id}}
		if got != nil {
			q.Rows = func(r sqldb.Rows) error {
				if r.Next() {
					return r.Scan(got)
				}
				return errors.New("no row returned")
			}
		}
		return q
	}
	begin := func(t *testing.T) sqldb.Tx {
		t.Helper()
		tx, err := e.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}

	t.Run("with_the_commit", func(t *testing.T) {
		tx := begin(t)
		var got int64
		tx.(sqldb.Deferrer).Defer([]sqldb.Queued{insert(1, nil), insert(2, &got)})
		if got != 0 {
			t.Fatal("a deferred statement ran before the transaction's next round trip")
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got != 2 {
			t.Fatalf("the Rows function read %d, want 2", got)
		}
		if got := ids(); !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("rows %v after commit", got)
		}
		assertIdle(t, pool)
	})
	t.Run("before_the_next_statement", func(t *testing.T) {
		tx := begin(t)
		if _, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (3, 'x')`); err != nil {
			t.Fatal(err)
		}
		tx.(sqldb.Deferrer).Defer([]sqldb.Queued{insert(4, nil)})
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM t WHERE id IN (3, 4)`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("the next statement saw %d rows (%v), want 2", n, err)
		}
		tx.(sqldb.Deferrer).Defer([]sqldb.Queued{insert(5, nil)})
		if err := tx.(sqldb.Batcher).Batch(ctx, []sqldb.Queued{{SQL: `UPDATE t SET v = 'seen' WHERE id = 5`}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := pool.QueryRow(ctx, `SELECT v FROM t WHERE id = 5`).Scan(&v); err != nil || v != "seen" {
			t.Fatalf("row 5: %q, %v; the batch ran before the statement deferred ahead of it", v, err)
		}
		assertIdle(t, pool)
	})
	t.Run("failing_at_the_commit", func(t *testing.T) {
		before := ids()
		tx := begin(t)
		if _, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (10, 'x')`); err != nil {
			t.Fatal(err)
		}
		tx.(sqldb.Deferrer).Defer([]sqldb.Queued{insert(11, nil), insert(1, nil), insert(12, nil)})
		err := tx.Commit(ctx)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23505" {
			t.Fatalf("commit = %v, want the duplicate key's error", err)
		}
		if got := ids(); !slices.Equal(got, before) {
			t.Fatalf("rows %v after a failed commit, want %v", got, before)
		}
		if err := tx.Rollback(ctx); !errors.Is(err, pgx.ErrTxClosed) {
			t.Fatalf("rollback after the failed commit = %v", err)
		}
		assertIdle(t, pool)
	})
	t.Run("only_deferred_then_rollback", func(t *testing.T) {
		before := ids()
		tx := begin(t)
		tx.(sqldb.Deferrer).Defer([]sqldb.Queued{insert(20, nil)})
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if got := ids(); !slices.Equal(got, before) {
			t.Fatalf("rows %v after rollback, want %v", got, before)
		}
		assertIdle(t, pool)
	})
}
