// Package sqldb is the one implementation of store.Store shared by the SQLite
// and PostgreSQL backends. It speaks SQL that both dialects accept ($N
// placeholders, RETURNING, CHECK constraints instead of enums, JSON text
// instead of arrays, integer fen) over a tiny adapter interface (Querier, Tx,
// Engine) that each backend implements once for its driver. Bulk loads use a
// transaction's optional fast path: a Copier (PostgreSQL COPY) or a
// Preparer (SQLite: one INSERT prepared on the transaction's connection),
// falling back to one INSERT per row through the Tx (see bulk.go).
//
// The few real differences between the dialects live in Dialect: how a
// constraint violation is recognised, how the audit head is locked and how a
// table's existence is checked. DDL differs too, but that lives in each
// backend's migrations, not here.
//
// Contracts every backend gets from this package:
//   - timestamps are written in UTC truncated to microseconds (audit.Precision)
//     and read back identically, so hashes over them survive a round trip;
//   - "no row" becomes fault.NotFound with the code named in the interface,
//     a unique violation fault.Conflict, a foreign-key violation fault.Invalid
//     "store.reference", a CHECK / NOT NULL violation fault.Invalid
//     "store.check"; every other database error is wrapped with %w and so
//     classifies as fault.Internal (or Canceled for a cancelled context);
//   - a nullable column is NULL only where the Go zero value means "absent"
//     (a zero time, a zero enterprise id) and reads back as that zero value.
//
// This package never imports a driver and never opens a connection itself.
package sqldb
