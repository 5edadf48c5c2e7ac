package sqldb

import (
	"context"
	"fmt"
	"strings"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
)

var (
	errEnterpriseNotFound = fault.New(fault.NotFound, "enterprise.not_found", "enterprise not found")
	errEnterpriseStale    = fault.New(fault.Conflict, "enterprise.stale", "enterprise was changed by someone else; reload and retry")
)

func errEnterpriseDuplicate(code string) *fault.Error {
	return fault.New(fault.Conflict, "enterprise.duplicate", "enterprise already registered").With("code", code)
}

const enterpriseCols = `id, code, name_zh, name_en, division, industry, size, status,
	registered_capital, founded_on, address, legal_rep_masked, legal_rep_sealed,
	created_at, updated_at, version`

func scanEnterprise(row scanner) (enterprise.Record, error) {
	var r enterprise.Record
	var status string
	err := row.Scan(&r.ID, &r.Code, &r.NameZH, &r.NameEN, &r.Division, &r.Industry, &r.Size, &status,
		&r.RegisteredCapital, scanTime(&r.FoundedOn), &r.Address, &r.LegalRepMasked, &r.LegalRepSealed,
		scanTime(&r.CreatedAt), scanTime(&r.UpdatedAt), &r.Version)
	if err != nil {
		return enterprise.Record{}, err
	}
	r.Status = enterprise.Status(status)
	if len(r.LegalRepSealed) == 0 {
		r.LegalRepSealed = nil // drivers differ on empty vs nil; nil is the one answer
	}
	return r, nil
}

// sealedArg keeps legal_rep_sealed NOT NULL: drivers send a nil slice as
// NULL, so nil goes as an empty value.
func sealedArg(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// CreateEnterprise inserts r and sets ID, CreatedAt, UpdatedAt, Version (1)
// and normalises FoundedOn to its calendar date; a registered code is
// fault.Conflict "enterprise.duplicate".
func (s *Store) CreateEnterprise(ctx context.Context, r *enterprise.Record) error {
	now := s.stamp()
	founded := dateOf(r.FoundedOn)
	var id int64
	err := s.w.QueryRow(ctx, `INSERT INTO enterprises (code, name_zh, name_en, division, industry, size, status,
		registered_capital, founded_on, address, legal_rep_masked, legal_rep_sealed, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1) RETURNING id`,
		r.Code, r.NameZH, r.NameEN, r.Division, r.Industry, r.Size, string(r.Status),
		r.RegisteredCapital, nullDate(founded), r.Address, r.LegalRepMasked, sealedArg(r.LegalRepSealed), now,
	).Scan(&id)
	if err != nil {
		return s.dbErr("create enterprise", err, errEnterpriseDuplicate(r.Code))
	}
	r.ID, r.CreatedAt, r.UpdatedAt, r.Version, r.FoundedOn = id, now, now, 1, founded
	return nil
}

// EnterpriseByCode returns fault.NotFound "enterprise.not_found" if the
// code is unknown.
func (s *Store) EnterpriseByCode(ctx context.Context, code string) (enterprise.Record, error) {
	r, err := scanEnterprise(s.r.QueryRow(ctx, `SELECT `+enterpriseCols+` FROM enterprises WHERE code = $1`, code))
	return r, s.notFound("enterprise by code", err, errEnterpriseNotFound)
}

// EnterpriseByID returns fault.NotFound "enterprise.not_found" if the id is
// unknown.
func (s *Store) EnterpriseByID(ctx context.Context, id int64) (enterprise.Record, error) {
	r, err := scanEnterprise(s.r.QueryRow(ctx, `SELECT `+enterpriseCols+` FROM enterprises WHERE id = $1`, id))
	return r, s.notFound("enterprise by id", err, errEnterpriseNotFound)
}

// UpdateEnterprise writes every attribute of r (not CreatedAt) if the stored
// version equals r.Version, records changes (setting their ID, EnterpriseID
// and, when zero, ChangedAt), then increments r.Version and sets
// r.UpdatedAt. A version mismatch is fault.Conflict "enterprise.stale"; an
// unknown id is fault.NotFound "enterprise.not_found". All of it is one
// transaction (or part of the caller's).
func (s *Store) UpdateEnterprise(ctx context.Context, r *enterprise.Record, changes []enterprise.Change) error {
	now := s.stamp()
	founded := dateOf(r.FoundedOn)
	err := s.inTx(ctx, func(tx *Store) error {
		n, err := tx.w.Exec(ctx, `UPDATE enterprises SET code = $1, name_zh = $2, name_en = $3, division = $4,
			industry = $5, size = $6, status = $7, registered_capital = $8, founded_on = $9, address = $10,
			legal_rep_masked = $11, legal_rep_sealed = $12, updated_at = $13, version = version + 1
			WHERE id = $14 AND version = $15`,
			r.Code, r.NameZH, r.NameEN, r.Division, r.Industry, r.Size, string(r.Status), r.RegisteredCapital,
			nullDate(founded), r.Address, r.LegalRepMasked, sealedArg(r.LegalRepSealed), now, r.ID, r.Version)
		if err != nil {
			return tx.dbErr("update enterprise", err, errEnterpriseDuplicate(r.Code))
		}
		if n == 0 {
			var one int
			err := tx.w.QueryRow(ctx, `SELECT 1 FROM enterprises WHERE id = $1`, r.ID).Scan(&one)
			if err != nil {
				return tx.notFound("update enterprise", err, errEnterpriseNotFound)
			}
			return errEnterpriseStale
		}
		for i := range changes {
			c := &changes[i]
			c.EnterpriseID = r.ID
			if c.ChangedAt.IsZero() {
				c.ChangedAt = now
			}
			c.ChangedAt = ts(c.ChangedAt)
			err := tx.w.QueryRow(ctx, `INSERT INTO enterprise_changes
				(enterprise_id, field, old_value, new_value, changed_at, actor_user_id, reason)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				c.EnterpriseID, c.Field, c.OldValue, c.NewValue, c.ChangedAt, c.ActorUserID, c.Reason).Scan(&c.ID)
			if err != nil {
				return tx.dbErr("record enterprise change", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.Version++
	r.UpdatedAt, r.FoundedOn = now, founded
	return nil
}

// SearchEnterprises returns one page ordered by ID and the total count.
// Text matches a case-insensitive (for Latin letters) substring of either
// name, or a code prefix; LIKE metacharacters in it match literally.
// Division is a prefix of the division code.
func (s *Store) SearchEnterprises(ctx context.Context, q enterprise.Query) ([]enterprise.Record, int, error) {
	var a args
	var conds []string
	if text := strings.TrimSpace(q.Text); text != "" {
		p := a.add(escapeLike(text))
		conds = append(conds, fmt.Sprintf(`(lower(name_zh) LIKE '%%' || lower(%[1]s) || '%%' ESCAPE '\'
			OR lower(name_en) LIKE '%%' || lower(%[1]s) || '%%' ESCAPE '\'
			OR code LIKE upper(%[1]s) || '%%' ESCAPE '\')`, p))
	}
	if d := strings.TrimSpace(q.Division); d != "" {
		if allDigits(d) {
			// A range rather than LIKE so both backends use the
			// division index whatever the collation.
			conds = append(conds, "division >= "+a.add(d))
			if next, ok := nextPrefix(d); ok {
				conds = append(conds, "division < "+a.add(next))
			}
		} else {
			conds = append(conds, `division LIKE `+a.add(escapeLike(d))+` || '%' ESCAPE '\'`)
		}
	}
	if q.Industry != "" {
		conds = append(conds, "industry = "+a.add(q.Industry))
	}
	if q.Status != "" {
		conds = append(conds, "status = "+a.add(string(q.Status)))
	}
	w := where(conds)

	var total int
	if err := s.r.QueryRow(ctx, `SELECT COUNT(*) FROM enterprises`+w, a...).Scan(&total); err != nil {
		return nil, 0, s.dbErr("count enterprises", err)
	}
	offset := max(q.Offset, 0)
	if total == 0 || offset >= total {
		return nil, total, nil
	}
	sql := `SELECT ` + enterpriseCols + ` FROM enterprises` + w +
		` ORDER BY id LIMIT ` + a.add(pageLimit(q.Limit)) + ` OFFSET ` + a.add(offset)
	rows, err := s.r.Query(ctx, sql, a...)
	if err != nil {
		return nil, 0, s.dbErr("search enterprises", err)
	}
	out, err := collect(rows, scanEnterprise)
	if err != nil {
		return nil, 0, s.dbErr("search enterprises", err)
	}
	return out, total, nil
}

// EnterpriseChanges lists an enterprise's history, oldest first.
func (s *Store) EnterpriseChanges(ctx context.Context, enterpriseID int64) ([]enterprise.Change, error) {
	rows, err := s.r.Query(ctx, `SELECT id, enterprise_id, field, old_value, new_value, changed_at, actor_user_id, reason
		FROM enterprise_changes WHERE enterprise_id = $1 ORDER BY changed_at, id`, enterpriseID)
	if err != nil {
		return nil, s.dbErr("enterprise changes", err)
	}
	out, err := collect(rows, func(row scanner) (enterprise.Change, error) {
		var c enterprise.Change
		err := row.Scan(&c.ID, &c.EnterpriseID, &c.Field, &c.OldValue, &c.NewValue, scanTime(&c.ChangedAt), &c.ActorUserID, &c.Reason)
		return c, err
	})
	return out, s.dbErr("enterprise changes", err)
}

// CountEnterprises returns the number of registered enterprises.
func (s *Store) CountEnterprises(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRow(ctx, `SELECT COUNT(*) FROM enterprises`).Scan(&n)
	return n, s.dbErr("count enterprises", err)
}

// collect reads every row with scan and closes rows.
func collect[T any](rows Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}
