package sqldb

import (
	"context"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/indicator"
)

var (
	errIndicatorVersionExists = fault.New(fault.Conflict, "indicator.version_exists", "an indicator system with this version label is already stored")
	errIndicatorNoActive      = fault.New(fault.NotFound, "indicator.no_active", "no indicator system is active")
	errIndicatorActivate      = fault.New(fault.Conflict, "indicator.activate_conflict", "another indicator system was activated at the same time")
)

func errIndicatorNotFound(id int64) *fault.Error {
	return fault.New(fault.NotFound, "indicator.not_found", "indicator system version not found").With("id", strconv.FormatInt(id, 10))
}

const indicatorCols = `id, version, digest, author_user_id, author_name, reason, created_at, active, activated_at, activated_by`

func scanIndicatorSystem(row scanner, withBody bool) (indicator.Record, error) {
	var (
		r      indicator.Record
		active int64
		body   string
	)
	dest := []any{&r.ID, &r.Version, &r.Digest, &r.AuthorUserID, &r.AuthorName, &r.Reason, scanTime(&r.CreatedAt), &active,
		scanTime(&r.ActivatedAt), &r.ActivatedBy}
	if withBody {
		dest = append(dest, &body)
	}
	if err := row.Scan(dest...); err != nil {
		return indicator.Record{}, err
	}
	r.Active = active != 0
	if withBody {
		r.Body = []byte(body)
	}
	return r, nil
}

// InsertIndicatorSystem stores r as a new, inactive version.
func (s *Store) InsertIndicatorSystem(ctx context.Context, r *indicator.Record) error {
	created := r.CreatedAt
	if created.IsZero() {
		created = s.stamp()
	}
	created = ts(created)
	err := s.w.QueryRow(ctx, `INSERT INTO indicator_systems (version, body, digest, author_user_id, author_name, reason, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		r.Version, string(r.Body), r.Digest, r.AuthorUserID, r.AuthorName, r.Reason, created).Scan(&r.ID)
	if err != nil {
		return s.dbErr("insert indicator system", err, errIndicatorVersionExists.With("version", r.Version))
	}
	r.CreatedAt, r.Active, r.ActivatedAt, r.ActivatedBy = created, false, time.Time{}, ""
	return nil
}

// IndicatorSystems returns every version, newest first, without bodies.
func (s *Store) IndicatorSystems(ctx context.Context) ([]indicator.Record, error) {
	rows, err := s.r.Query(ctx, `SELECT `+indicatorCols+` FROM indicator_systems ORDER BY id DESC`)
	if err != nil {
		return nil, s.dbErr("list indicator systems", err)
	}
	out, err := collect(rows, func(row scanner) (indicator.Record, error) { return scanIndicatorSystem(row, false) })
	return out, s.dbErr("list indicator systems", err)
}

// IndicatorSystem returns one version with its body.
func (s *Store) IndicatorSystem(ctx context.Context, id int64) (indicator.Record, error) {
	r, err := scanIndicatorSystem(s.r.QueryRow(ctx, `SELECT `+indicatorCols+`, body FROM indicator_systems WHERE id = $1`, id), true)
	return r, s.notFound("indicator system", err, errIndicatorNotFound(id))
}

// ActiveIndicatorSystem returns the active version with its body.
func (s *Store) ActiveIndicatorSystem(ctx context.Context) (indicator.Record, error) {
	r, err := scanIndicatorSystem(s.r.QueryRow(ctx, `SELECT `+indicatorCols+`, body FROM indicator_systems WHERE active = 1`), true)
	return r, s.notFound("active indicator system", err, errIndicatorNoActive)
}

// ActivateIndicatorSystem makes id the only active version. The partial
// unique index on active makes a concurrent activation that commits first
// a unique violation here (PostgreSQL), reported as
// "indicator.activate_conflict"; SQLite's single writer serialises them.
func (s *Store) ActivateIndicatorSystem(ctx context.Context, id int64, by string, at time.Time) error {
	return s.inTx(ctx, func(tx *Store) error {
		var one int64
		if err := tx.w.QueryRow(ctx, `SELECT 1 FROM indicator_systems WHERE id = $1`, id).Scan(&one); err != nil {
			return tx.notFound("indicator system", err, errIndicatorNotFound(id))
		}
		if _, err := tx.w.Exec(ctx, `UPDATE indicator_systems SET active = 0 WHERE active = 1 AND id <> $1`, id); err != nil {
			return tx.dbErr("deactivate indicator system", err)
		}
		_, err := tx.w.Exec(ctx, `UPDATE indicator_systems SET active = 1, activated_at = $2, activated_by = $3 WHERE id = $1`,
			id, ts(at), by)
		return tx.dbErr("activate indicator system", err, errIndicatorActivate)
	})
}
