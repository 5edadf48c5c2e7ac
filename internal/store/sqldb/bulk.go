package sqldb

import (
	"context"
	"fmt"
	"strings"
)

// Bulk loading. The domain methods that take many rows (AppendFacts,
// AppendLoans, CreateEnterprises) run in one transaction (their own or the
// caller's) and hand their rows to bulkInsert, which picks the engine's
// fast path: a Copier's COPY on PostgreSQL, one statement prepared on the
// transaction's connection and run per row on SQLite, whose per-row cost
// is then only binding and stepping (no parsing, no planning, one journal
// commit for the whole load).

// bulkInsert inserts n rows into table's columns; fill(i, dst) writes row
// i's values into dst. tx must be bound to a transaction. Errors come back
// raw (the caller classifies them with dbErr).
func (tx *Store) bulkInsert(ctx context.Context, table string, cols []string, n int, fill func(i int, dst []any)) error {
	if n == 0 {
		return nil
	}
	if c, ok := tx.tx.(Copier); ok {
		_, err := c.CopyFrom(ctx, table, cols, n, fill)
		return err
	}
	st, err := tx.prepare(ctx, insertSQL(table, cols))
	if err != nil {
		return err
	}
	defer st.Close()
	row := make([]any, len(cols))
	for i := range n {
		fill(i, row)
		if _, err := st.Exec(ctx, row...); err != nil {
			return fmt.Errorf("%s row %d: %w", table, i, err)
		}
	}
	return nil
}

// prepare returns sql prepared on tx's transaction when the engine can,
// else a Stmt that runs the SQL text through the transaction each time.
func (tx *Store) prepare(ctx context.Context, sql string) (Stmt, error) {
	if p, ok := tx.tx.(Preparer); ok {
		return p.Prepare(ctx, sql)
	}
	return unprepared{tx.w, sql}, nil
}

// insertSQL is "INSERT INTO table (a, b) VALUES ($1, $2)".
func insertSQL(table string, cols []string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (")
	for i := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i+1)
	}
	b.WriteString(")")
	return b.String()
}

// unprepared is the Stmt of an engine without a Preparer.
type unprepared struct {
	q   Querier
	sql string
}

func (u unprepared) Exec(ctx context.Context, args ...any) (int64, error) {
	return u.q.Exec(ctx, u.sql, args...)
}

func (u unprepared) QueryRow(ctx context.Context, args ...any) Row {
	return u.q.QueryRow(ctx, u.sql, args...)
}

func (u unprepared) Close() error { return nil }

// deferred runs qs in order on tx's transaction with its next round trip,
// at the latest with its COMMIT, when the engine can hold them back
// (Deferrer); else now, as pipeline does. An error of theirs may then
// come from a later statement or from the commit.
func (tx *Store) deferred(ctx context.Context, qs ...Queued) error {
	if d, ok := tx.tx.(Deferrer); ok {
		d.Defer(qs)
		return nil
	}
	return tx.pipeline(ctx, qs...)
}

// readPipeline runs read statements qs in order: in the transaction s is
// bound to, or else on the reader, in one round trip where it batches.
func (s *Store) readPipeline(ctx context.Context, qs ...Queued) error {
	if s.tx != nil {
		return s.pipeline(ctx, qs...)
	}
	if b, ok := s.r.(Batcher); ok {
		return b.Batch(ctx, qs)
	}
	return runEach(ctx, s.r, qs)
}

// pipeline runs qs in order on tx's transaction: in one round trip when
// the engine batches (Batcher), else one statement after another.
func (tx *Store) pipeline(ctx context.Context, qs ...Queued) error {
	if b, ok := tx.tx.(Batcher); ok {
		return b.Batch(ctx, qs)
	}
	return runEach(ctx, tx.w, qs)
}

// runEach runs qs on q one statement after another, reading each one's
// rows with its Rows function (or running it for its effect).
func runEach(ctx context.Context, q Querier, qs []Queued) error {
	for _, st := range qs {
		if st.Rows == nil {
			if _, err := q.Exec(ctx, st.SQL, st.Args...); err != nil {
				return err
			}
			continue
		}
		rows, err := q.Query(ctx, st.SQL, st.Args...)
		if err != nil {
			return err
		}
		if err := st.Rows(rows); err != nil {
			rows.Close()
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}
