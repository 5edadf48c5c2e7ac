package store

import (
	"context"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// Store is every domain's storage, plus transactions and lifecycle.
type Store interface {
	enterprise.Store
	account.Store
	audit.Store
	facts.Store
	facts.BatchStore
	catalog.Store
	connector.Store
	ingestjob.Store
	quality.Store
	verify.Store
	monitor.Store
	rights.Store
	authz.Store
	indicator.Store
	modelreg.Store // the model registry (versions, champion)
	scoring.Store  // stored credit scores and rescoring runs

	// InTx runs fn inside one transaction: every call on the Store passed
	// to fn commits together when fn returns nil and rolls back otherwise.
	// Calling InTx on that Store again joins the same transaction. The
	// transaction's Store must not be shared between goroutines, and fn must
	// not write through the outer Store (on SQLite that waits for the one
	// writer this transaction holds). AppendAudit holds the chain head until
	// commit, so append evidence last.
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

// Messages are the texts of the codes the backends return.
var Messages = map[string][2]string{
	"store.check":            {"A value is outside what the database accepts.", "有数据超出了数据库允许的范围。"},
	"store.duplicate":        {"This record already exists.", "该记录已存在。"},
	"store.reference":        {"The record refers to something that does not exist.", "该记录引用了不存在的数据。"},
	"ingest.batch_exists":    {"This batch (its id or its file content) is already loaded.", "该批次（批次号或文件内容相同）已经导入。"},
	"ingest.batch_not_found": {"No such batch.", "未找到该批次。"},
	"store.unavailable":      {"The database is unavailable; please try again shortly.", "数据库暂时不可用，请稍后重试。"},
}
