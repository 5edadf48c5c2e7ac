package backend

import (
	"context"
	"strings"

	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/postgres"
	"github.com/creditbridge/creditbridge/internal/store/sqlite"
)

// Options tune Open.
type Options struct {
	// MigratePostgres applies pending PostgreSQL migrations before opening.
	// Off by default: production servers expect `creditbridge migrate` to
	// have run and refuse a stale schema. SQLite always migrates on open.
	MigratePostgres bool
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	d := strings.ToLower(strings.TrimSpace(dsn))
	return strings.HasPrefix(d, "postgres://") || strings.HasPrefix(d, "postgresql://")
}

// SQLitePath returns the file path a SQLite DSN names: the DSN without a
// "sqlite:" or "file:" scheme. Query parameters are not supported (the
// backend sets its own).
func SQLitePath(dsn string) string {
	p := strings.TrimSpace(dsn)
	for _, scheme := range []string{"sqlite://", "sqlite:", "file://", "file:"} {
		if strings.HasPrefix(p, scheme) {
			return p[len(scheme):]
		}
	}
	return p
}

// Open opens the store dsn names.
func Open(ctx context.Context, dsn string, opt Options) (store.Store, error) {
	if IsPostgres(dsn) {
		if opt.MigratePostgres {
			if _, err := postgres.Migrate(ctx, dsn); err != nil {
				return nil, err
			}
		}
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, SQLitePath(dsn))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Migrate applies pending migrations to the database dsn names and returns
// how many it applied.
func Migrate(ctx context.Context, dsn string) (applied int, err error) {
	if IsPostgres(dsn) {
		return postgres.Migrate(ctx, dsn)
	}
	return sqlite.Migrate(ctx, SQLitePath(dsn))
}
