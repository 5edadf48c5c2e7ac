// Package backend opens the store.Store a DSN names: PostgreSQL for a
// postgres:// or postgresql:// URL, SQLite for anything else (a file path,
// "sqlite:path" or "file:path"). It is the one place that knows both
// backends, so that app and cmd import neither directly.
package backend
