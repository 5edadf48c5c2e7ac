package sqldb

import (
	"context"

	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/fault"
)

var errConnectorStale = fault.New(fault.Conflict, "connector.stale", "the connector was changed by someone else; reload and retry")

func errConnectorNotFound(name string) *fault.Error {
	return fault.New(fault.NotFound, "connector.not_found", "connector not found").With("name", name)
}

const connectorCols = `name, version, department, enabled, config, secret_sealed, author_user_id, author_name, reason, created_at`

func scanConnector(row scanner) (connector.Stored, error) {
	var (
		v       connector.Stored
		enabled int64
	)
	err := row.Scan(&v.Name, &v.Version, &v.Department, &enabled, &v.Config, &v.SealedSecret, &v.AuthorUserID, &v.AuthorName,
		&v.Reason, scanTime(&v.CreatedAt))
	if err != nil {
		return connector.Stored{}, err
	}
	v.Enabled = enabled != 0
	if len(v.SealedSecret) == 0 {
		v.SealedSecret = nil // drivers differ on empty vs nil; nil is the one answer
	}
	return v, nil
}

// PutConnectorVersion stores v as version base+1 of its name and sets
// Version and CreatedAt (the store's clock when zero). A base that is not
// the current version, or a concurrent writer that stored base+1 first, is
// fault.Conflict "connector.stale".
func (s *Store) PutConnectorVersion(ctx context.Context, v *connector.Stored, base int64) error {
	created := v.CreatedAt
	if created.IsZero() {
		created = s.stamp()
	}
	created = ts(created)
	enabled := int64(0)
	if v.Enabled {
		enabled = 1
	}
	err := s.inTx(ctx, func(tx *Store) error {
		var cur int64
		if err := tx.w.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM connector_versions WHERE name = $1`, v.Name).Scan(&cur); err != nil {
			return tx.dbErr("current connector version", err)
		}
		if cur != base {
			return errConnectorStale
		}
		_, err := tx.w.Exec(ctx, `INSERT INTO connector_versions (`+connectorCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			v.Name, base+1, v.Department, enabled, v.Config, sealedArg(v.SealedSecret), v.AuthorUserID, v.AuthorName, v.Reason, created)
		return tx.dbErr("put connector version", err, errConnectorStale)
	})
	if err != nil {
		return err
	}
	v.Version, v.CreatedAt = base+1, created
	return nil
}

// CurrentConnectors returns the highest version of every name, by name.
func (s *Store) CurrentConnectors(ctx context.Context) ([]connector.Stored, error) {
	rows, err := s.r.Query(ctx, `SELECT `+connectorCols+` FROM connector_versions v
		WHERE version = (SELECT MAX(version) FROM connector_versions c WHERE c.name = v.name) ORDER BY name`)
	if err != nil {
		return nil, s.dbErr("current connectors", err)
	}
	out, err := collect(rows, scanConnector)
	return out, s.dbErr("current connectors", err)
}

// ConnectorByName returns the current version of name, or fault.NotFound
// "connector.not_found".
func (s *Store) ConnectorByName(ctx context.Context, name string) (connector.Stored, error) {
	v, err := scanConnector(s.r.QueryRow(ctx, `SELECT `+connectorCols+` FROM connector_versions
		WHERE name = $1 ORDER BY version DESC LIMIT 1`, name))
	return v, s.notFound("connector", err, errConnectorNotFound(name))
}

// ConnectorVersions returns every version of name, oldest first, or
// fault.NotFound "connector.not_found".
func (s *Store) ConnectorVersions(ctx context.Context, name string) ([]connector.Stored, error) {
	rows, err := s.r.Query(ctx, `SELECT `+connectorCols+` FROM connector_versions WHERE name = $1 ORDER BY version`, name)
	if err != nil {
		return nil, s.dbErr("connector versions", err)
	}
	out, err := collect(rows, scanConnector)
	if err != nil {
		return nil, s.dbErr("connector versions", err)
	}
	if len(out) == 0 {
		return nil, errConnectorNotFound(name)
	}
	return out, nil
}
