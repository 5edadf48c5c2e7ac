package store

import (
	"context"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
)

// Store is every domain's storage, plus transactions and lifecycle.
type Store interface {
	enterprise.Store
	account.Store
	audit.Store

	// InTx runs fn inside one transaction: every call on the Store passed
	// to fn commits together when fn returns nil and rolls back otherwise.
	// Calling InTx on that Store again joins the same transaction.
	InTx(ctx context.Context, fn func(Store) error) error
	// Ping checks the database answers (readiness).
	Ping(ctx context.Context) error
	// Schema reports the applied and the latest known migration versions.
	Schema(ctx context.Context) (SchemaStatus, error)
	// Backend names the backend: "sqlite" or "postgres".
	Backend() string
	Close() error
}

// SchemaStatus compares the database with the binary's migrations.
type SchemaStatus struct {
	Applied int // highest applied version, 0 for an empty database
	Latest  int // highest version embedded in the binary
}

// Current reports whether every embedded migration is applied.
func (s SchemaStatus) Current() bool { return s.Applied == s.Latest }

// PoolStats describes the connection pool for metrics.
type PoolStats struct {
	MaxOpen      int
	Open         int
	InUse        int
	Idle         int
	WaitCount    int64
	WaitDuration float64 // seconds, cumulative
}

// StatsReporter is implemented by every backend; Stats returns one entry per
// pool, keyed by a short name ("writer", "reader", "pool").
type StatsReporter interface {
	Stats() map[string]PoolStats
}
