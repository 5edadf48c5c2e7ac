// Package postgres is the PostgreSQL backend of store.Store (pgx v5, a
// pgxpool pool). The queries are shared with SQLite in store/sqldb; this
// package holds the PostgreSQL migrations, the pgx adapter and Migrate.
//
// Open never changes the schema: migrations are applied by Migrate (the
// `migrate` command), so that several servers starting at once do not race
// to alter a shared database, and `serve` can refuse a stale schema by
// comparing Schema().Applied with Latest.
//
// A search_path given in the URL (postgres://...?search_path=tenant_a) is
// sent as a run-time parameter: every table is created and found in that
// schema, which must already exist.
package postgres
