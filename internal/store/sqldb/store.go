package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

// Store implements store.Store and store.StatsReporter over an Engine.
//
// A Store obtained from InTx is bound to that transaction: it runs every
// statement on it, must not be used concurrently from several goroutines,
// and must not be used after fn returns. Inside fn, use only that Store: on
// SQLite a write through the outer Store would wait for the writer
// connection the transaction holds.
type Store struct {
	d      Dialect
	e      Engine
	latest int // highest migration version embedded in the binary
	now    func() time.Time

	// w and r are where writes and reads go: the engine's writer and
	// reader outside a transaction, the transaction itself inside one.
	w, r Querier
	tx   Tx // non-nil inside InTx

	// head is, inside a transaction, the evidence log's head once this
	// transaction has read it locked (nil before): no other writer can
	// move it until the transaction ends, and every append of the
	// transaction advances it (audit_group.go), so later appends in the
	// same transaction chain onto it without reading the row again.
	head *audit.Head

	// group queues evidence appends made outside a transaction for group
	// commit (audit_group.go); nil on a Store bound to a transaction.
	group *auditGroup
}

// New returns the Store for an engine. latest is the highest migration
// version the backend embeds (reported by Schema).
func New(d Dialect, e Engine, latest int) *Store {
	return &Store{d: d, e: e, latest: latest, now: time.Now, w: e.Writer(), r: e.Reader(), group: &auditGroup{}}
}

var (
	_ store.Store         = (*Store)(nil)
	_ store.StatsReporter = (*Store)(nil)
)

// Backend names the backend ("sqlite" or "postgres").
func (s *Store) Backend() string { return s.d.Name }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.e.Ping(ctx); err != nil {
		return fault.New(fault.Unavailable, "store.unavailable", "database unavailable").Wrap(err)
	}
	return nil
}

// Stats reports the engine's pools.
func (s *Store) Stats() map[string]store.PoolStats { return s.e.Stats() }

// Close closes the engine. On a Store bound to a transaction it does
// nothing: the transaction ends when InTx returns.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	return s.e.Close()
}

// Schema reports the applied and the latest migration versions; a database
// never migrated reports Applied 0.
func (s *Store) Schema(ctx context.Context) (store.SchemaStatus, error) {
	st := store.SchemaStatus{Latest: s.latest}
	var exists int
	if err := s.r.QueryRow(ctx, s.d.TableExists, "schema_migrations").Scan(&exists); err != nil {
		return st, fmt.Errorf("check schema_migrations: %w", err)
	}
	if exists == 0 {
		return st, nil
	}
	if err := s.r.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&st.Applied); err != nil {
		return st, fmt.Errorf("read schema version: %w", err)
	}
	return st, nil
}

// InTx runs fn in one transaction. fn's Store runs everything on the
// transaction; calling InTx on it joins the same transaction (there are no
// savepoints: an inner error must be returned by the outer fn too, or the
// outer fn decides to commit what the inner one wrote). The transaction
// rolls back when fn returns an error or panics; the panic continues after
// the rollback.
func (s *Store) InTx(ctx context.Context, fn func(store.Store) error) error {
	return s.inTx(ctx, func(tx *Store) error { return fn(tx) })
}

func (s *Store) inTx(ctx context.Context, fn func(*Store) error) (err error) {
	if s.tx != nil {
		return fn(s)
	}
	tx, err := s.e.Begin(ctx)
	if err != nil {
		return s.dbErr("begin transaction", err)
	}
	done := false
	defer func() {
		if !done {
			// Without cancel: a cancelled ctx must not prevent the
			// rollback from being sent. A rollback error adds nothing
			// to the error (or panic) already on its way out.
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	bound := &Store{d: s.d, e: s.e, latest: s.latest, now: s.now, w: tx, r: tx, tx: tx}
	if err := fn(bound); err != nil {
		return err
	}
	done = true
	if err := tx.Commit(ctx); err != nil {
		return s.dbErr("commit", err)
	}
	return nil
}

// stamp is the time the store records for a row it creates or changes.
func (s *Store) stamp() time.Time { return ts(s.now()) }

// dbErr turns a database error into the error the Store returns: constraint
// violations become classified faults (unique uses onUnique when given),
// everything else is wrapped as an internal failure of op.
func (s *Store) dbErr(op string, err error, onUnique ...*fault.Error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	switch s.d.Classify(err) {
	case UniqueViolation:
		if len(onUnique) > 0 {
			return onUnique[0].Wrap(err)
		}
		return fault.New(fault.Conflict, "store.duplicate", "record already exists").Wrap(err)
	case ForeignKeyViolation:
		return fault.New(fault.Invalid, "store.reference", "refers to a record that does not exist").Wrap(err)
	case CheckViolation:
		return fault.New(fault.Invalid, "store.check", "value not allowed").Wrap(err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// notFound maps ErrNoRows to nf and other errors through dbErr.
func (s *Store) notFound(op string, err error, nf *fault.Error) error {
	if errors.Is(err, ErrNoRows) {
		return nf
	}
	return s.dbErr(op, err)
}
