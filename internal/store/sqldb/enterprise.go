package sqldb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
)

var (
	errEnterpriseNotFound = fault.New(fault.NotFound, "enterprise.not_found", "enterprise not found")
	errEnterpriseStale    = fault.New(fault.Conflict, "enterprise.stale", "enterprise was changed by someone else; reload and retry")
)

// errEnterpriseDuplicate is the conflict for code; an empty code (not
// known) leaves the parameter out.
func errEnterpriseDuplicate(code string) *fault.Error {
	e := fault.New(fault.Conflict, "enterprise.duplicate", "enterprise already registered")
	if code == "" {
		return e
	}
	return e.With("code", code)
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

// enterpriseInsertCols are the columns a new enterprise is written with;
// created_at and updated_at take the same value.
var enterpriseInsertCols = []string{"code", "name_zh", "name_en", "division", "industry", "size", "status",
	"registered_capital", "founded_on", "address", "legal_rep_masked", "legal_rep_sealed",
	"created_at", "updated_at", "version"}

func fillEnterprise(v []any, r *enterprise.Record, now time.Time) {
	v[0], v[1], v[2], v[3], v[4], v[5], v[6] = r.Code, r.NameZH, r.NameEN, r.Division, r.Industry, r.Size, string(r.Status)
	v[7], v[8], v[9], v[10], v[11] = r.RegisteredCapital, dateArg(r.FoundedOn), r.Address, r.LegalRepMasked, sealedArg(r.LegalRepSealed)
	v[12], v[13], v[14] = now, now, int64(1)
}

// CreateEnterprises inserts rs in one transaction (its own or the
// caller's) with the engine's bulk path, then sets each record's ID,
// CreatedAt, UpdatedAt, Version (1) and FoundedOn (its calendar date), as
// CreateEnterprise does; on error it sets nothing and stores nothing. A
// code twice in rs, or one already registered, is fault.Conflict
// "enterprise.duplicate" with the code when it can be told.
//
// PostgreSQL reserves the ids from the identity sequence (Dialect.NextIDs)
// and COPYs the rows with them. The alternative, COPY then SELECT id, code
// WHERE code = ANY(codes), sends every code twice and probes the unique
// index once more per row to recover ids the database could have handed
// out up front. Reserved ids are sorted, so they ascend in the order of rs
// as single inserts' would; a rollback leaves a gap in the sequence, as a
// failed single insert does. SQLite runs one prepared INSERT ... RETURNING
// id per record.
func (s *Store) CreateEnterprises(ctx context.Context, rs []*enterprise.Record) error {
	if len(rs) == 0 {
		return nil
	}
	seen := make(map[string]struct{}, len(rs))
	for _, r := range rs {
		if _, dup := seen[r.Code]; dup {
			return errEnterpriseDuplicate(r.Code)
		}
		seen[r.Code] = struct{}{}
	}
	now := s.stamp()
	ids := make([]int64, len(rs))
	err := s.inTx(ctx, func(tx *Store) error {
		if c, ok := tx.tx.(Copier); ok && tx.d.NextIDs != "" {
			return tx.copyEnterprises(ctx, c, rs, now, ids)
		}
		return tx.insertEnterprises(ctx, rs, now, ids)
	})
	if err != nil {
		return err
	}
	for i, r := range rs {
		r.ID, r.CreatedAt, r.UpdatedAt, r.Version, r.FoundedOn = ids[i], now, now, 1, dateOf(r.FoundedOn)
	}
	return nil
}

// copyEnterprises is CreateEnterprises over a Copier: reserve len(rs) ids,
// then COPY the rows with them.
func (tx *Store) copyEnterprises(ctx context.Context, c Copier, rs []*enterprise.Record, now time.Time, ids []int64) error {
	rows, err := tx.w.Query(ctx, tx.d.NextIDs, "enterprises", len(rs))
	if err != nil {
		return tx.dbErr("reserve enterprise ids", err)
	}
	reserved, err := collect(rows, func(row scanner) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	})
	if err != nil {
		return tx.dbErr("reserve enterprise ids", err)
	}
	if len(reserved) != len(rs) {
		return fmt.Errorf("reserve enterprise ids: got %d, want %d", len(reserved), len(rs))
	}
	slices.Sort(reserved)
	copy(ids, reserved)
	cols := append([]string{"id"}, enterpriseInsertCols...)
	_, err = c.CopyFrom(ctx, "enterprises", cols, len(rs), func(i int, v []any) {
		v[0] = ids[i]
		fillEnterprise(v[1:], rs[i], now)
	})
	if err != nil && tx.d.Classify(err) == UniqueViolation {
		// COPY does not say which row collided. The duplicates within rs
		// were ruled out before, so it is a registered code: look it up
		// outside this (now failed) transaction. A code inserted earlier
		// in the caller's uncommitted transaction is not visible there, and
		// the error then carries no code.
		return errEnterpriseDuplicate(tx.registeredCode(ctx, rs)).Wrap(err)
	}
	return tx.dbErr("create enterprises", err)
}

// registeredCode returns the first code of rs that is already committed to
// the registry, or "" if none is (or the lookup fails: it only improves an
// error message).
func (s *Store) registeredCode(ctx context.Context, rs []*enterprise.Record) string {
	const chunk = 500
	r := s.e.Reader()
	for start := 0; start < len(rs); start += chunk {
		part := rs[start:min(start+chunk, len(rs))]
		var a args
		ph := make([]string, len(part))
		for i, rec := range part {
			ph[i] = a.add(rec.Code)
		}
		var code string
		err := r.QueryRow(ctx, `SELECT code FROM enterprises WHERE code IN (`+strings.Join(ph, ", ")+`) LIMIT 1`, a...).Scan(&code)
		if err == nil {
			return code
		}
		if !errors.Is(err, ErrNoRows) {
			return ""
		}
	}
	return ""
}

// insertEnterprises is CreateEnterprises with one prepared INSERT ...
// RETURNING id per record.
func (tx *Store) insertEnterprises(ctx context.Context, rs []*enterprise.Record, now time.Time, ids []int64) error {
	st, err := tx.prepare(ctx, insertSQL("enterprises", enterpriseInsertCols)+" RETURNING id")
	if err != nil {
		return tx.dbErr("create enterprises", err)
	}
	defer st.Close()
	v := make([]any, len(enterpriseInsertCols))
	for i, r := range rs {
		fillEnterprise(v, r, now)
		if err := st.QueryRow(ctx, v...).Scan(&ids[i]); err != nil {
			return tx.dbErr("create enterprises", err, errEnterpriseDuplicate(r.Code))
		}
	}
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
