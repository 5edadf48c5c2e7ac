package sqldb

import (
	"context"
	"errors"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/modelreg"
)

var (
	errModelNotFound   = fault.New(fault.NotFound, "model.not_found", "model version not found")
	errNoChampion      = fault.New(fault.NotFound, "model.no_champion", "no champion model")
	errChampionExists  = fault.New(fault.Conflict, "model.champion_exists", "another version is the champion")
	errModelStatusMove = fault.New(fault.Conflict, "model.status_changed", "the version's status changed")
)

const modelListCols = `id, name, number, status, source, feature_set, data_fingerprint, validation, created_by, created_at,
	promoted_by, promoted_at, reason, retired_at`

const modelCols = modelListCols + `, artefact`

func scanModelVersion(r scanner, withArtefact bool) (modelreg.Version, error) {
	var v modelreg.Version
	var val, art string
	dest := []any{&v.ID, &v.Name, &v.Number, &v.Status, &v.Source, &v.FeatureSet, &v.DataFingerprint, &val, &v.CreatedBy,
		scanTime(&v.CreatedAt), &v.PromotedBy, scanTime(&v.PromotedAt), &v.Reason, scanTime(&v.RetiredAt)}
	if withArtefact {
		dest = append(dest, &art)
	}
	if err := r.Scan(dest...); err != nil {
		return v, err
	}
	if val != "" {
		v.Validation = []byte(val)
	}
	if withArtefact {
		v.Artefact = []byte(art)
	}
	return v, nil
}

// InsertModelVersion stores v as the next number of its name.
func (s *Store) InsertModelVersion(ctx context.Context, v *modelreg.Version) error {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.now()
	}
	v.CreatedAt = ts(v.CreatedAt)
	if !v.PromotedAt.IsZero() {
		v.PromotedAt = ts(v.PromotedAt)
	}
	if !v.RetiredAt.IsZero() {
		v.RetiredAt = ts(v.RetiredAt)
	}
	val := string(v.Validation)
	if val == "" {
		val = "{}"
	}
	src := v.Source
	if src == "" {
		src = modelreg.SourceFile
	}
	err := s.inTx(ctx, func(tx *Store) error {
		// The number is read and used in one transaction; two concurrent
		// registrations of a name on PostgreSQL collide on UNIQUE (name,
		// number) and the loser gets store.duplicate, not a wrong number.
		var n int
		if err := tx.w.QueryRow(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM model_versions WHERE name = $1`, v.Name).Scan(&n); err != nil {
			return tx.dbErr("next model number", err)
		}
		err := tx.w.QueryRow(ctx, `INSERT INTO model_versions (name, number, status, source, feature_set, artefact, data_fingerprint,
			validation, created_by, created_at, promoted_by, promoted_at, reason, retired_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			v.Name, n, v.Status, src, v.FeatureSet, string(v.Artefact), v.DataFingerprint, val, v.CreatedBy, v.CreatedAt,
			v.PromotedBy, nullTS(v.PromotedAt), v.Reason, nullTS(v.RetiredAt)).Scan(&v.ID)
		if err != nil {
			if v.Status == modelreg.StatusChampion && tx.d.Classify(err) == UniqueViolation {
				return errChampionExists.Wrap(err)
			}
			return tx.dbErr("insert model version", err)
		}
		v.Number, v.Source = n, src
		return nil
	})
	return err
}

// ModelVersion returns one version with its artefact.
func (s *Store) ModelVersion(ctx context.Context, id int64) (modelreg.Version, error) {
	v, err := scanModelVersion(s.r.QueryRow(ctx, `SELECT `+modelCols+` FROM model_versions WHERE id = $1`, id), true)
	return v, s.notFound("read model version", err, errModelNotFound)
}

// ListModelVersions returns versions newest first, without artefacts.
func (s *Store) ListModelVersions(ctx context.Context, f modelreg.Filter) ([]modelreg.Version, error) {
	var a args
	var conds []string
	if f.Name != "" {
		conds = append(conds, "name = "+a.add(f.Name))
	}
	rows, err := s.r.Query(ctx, `SELECT `+modelListCols+` FROM model_versions`+where(conds)+
		` ORDER BY name, number DESC LIMIT `+a.add(pageLimit(f.Limit)), a...)
	if err != nil {
		return nil, s.dbErr("list model versions", err)
	}
	defer rows.Close()
	var out []modelreg.Version
	for rows.Next() {
		v, err := scanModelVersion(rows, false)
		if err != nil {
			return nil, s.dbErr("list model versions", err)
		}
		out = append(out, v)
	}
	return out, s.dbErr("list model versions", rows.Err())
}

// ChampionModel returns the champion of name with its artefact.
func (s *Store) ChampionModel(ctx context.Context, name string) (modelreg.Version, error) {
	v, err := scanModelVersion(s.r.QueryRow(ctx, `SELECT `+modelCols+` FROM model_versions WHERE name = $1 AND status = 'champion'`, name), true)
	return v, s.notFound("read champion model", err, errNoChampion)
}

// SetModelStatus moves a version from c.From to c.To.
func (s *Store) SetModelStatus(ctx context.Context, c modelreg.StatusChange) error {
	var q string
	var params []any
	switch c.To {
	case modelreg.StatusChampion:
		q = `UPDATE model_versions SET status = $3, promoted_by = $4, promoted_at = $5, reason = $6 WHERE id = $1 AND status = $2`
		params = []any{c.ID, c.From, c.To, c.By, ts(c.At), c.Reason}
	case modelreg.StatusRetired:
		q = `UPDATE model_versions SET status = $3, retired_at = $4 WHERE id = $1 AND status = $2`
		params = []any{c.ID, c.From, c.To, ts(c.At)}
	default:
		q = `UPDATE model_versions SET status = $3 WHERE id = $1 AND status = $2`
		params = []any{c.ID, c.From, c.To}
	}
	return s.inTx(ctx, func(tx *Store) error {
		n, err := tx.w.Exec(ctx, q, params...)
		if err != nil {
			if tx.d.Classify(err) == UniqueViolation {
				return errChampionExists.Wrap(err)
			}
			return tx.dbErr("change model status", err)
		}
		if n == 1 {
			return nil
		}
		var status string
		err = tx.w.QueryRow(ctx, `SELECT status FROM model_versions WHERE id = $1`, c.ID).Scan(&status)
		if errors.Is(err, ErrNoRows) {
			return errModelNotFound
		}
		if err != nil {
			return tx.dbErr("change model status", err)
		}
		return errModelStatusMove.With("status", status)
	})
}
