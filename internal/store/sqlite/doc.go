// Package sqlite is the SQLite backend of store.Store (modernc.org/sqlite,
// no cgo): one writer connection, so writers serialize without lock
// errors, plus a read-only pool, both in WAL mode so readers never block
// the writer. The queries are shared with PostgreSQL in store/sqldb; this
// package holds the SQLite migrations, the connection setup and the
// database/sql adapter.
//
// It never accepts an in-memory database: the writer and the reader pool
// must see the same file.
package sqlite
