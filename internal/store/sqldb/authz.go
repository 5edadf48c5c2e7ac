package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
)

const authzCols = `a.id, a.enterprise_id, e.code, e.name_zh, a.institution_id, a.institution_name, a.purpose, a.items, a.data_from, a.data_to,
	a.valid_from, a.valid_until, a.fetch_type, a.frequency, a.mode, a.status, a.personal_consent, a.callback_url, a.requested_by,
	a.decided_by, a.reason, a.version, a.signature, a.created_at, a.updated_at`

const authzFrom = ` FROM authorizations a JOIN enterprises e ON e.id = a.enterprise_id`

var errAuthzStale = fault.New(fault.Conflict, "authz.stale", "the authorization was changed meanwhile; reload it and try again")

func errAuthzNotFound(id string) *fault.Error {
	return fault.New(fault.NotFound, "authz.not_found", "no such authorization").With("id", id)
}

func scanAuthz(r scanner) (authz.Authorization, error) {
	var (
		a       authz.Authorization
		items   string
		consent int64
	)
	err := r.Scan(&a.ID, &a.EnterpriseID, &a.EnterpriseCode, &a.EnterpriseName, &a.InstitutionID, &a.InstitutionName, &a.Purpose, &items,
		scanTime(&a.DataFrom), scanTime(&a.DataTo), scanTime(&a.ValidFrom), scanTime(&a.ValidUntil), &a.FetchType, &a.Frequency,
		&a.Mode, &a.Status, &consent, &a.CallbackURL, &a.RequestedBy, &a.DecidedBy, &a.Reason, &a.Version, &a.Signature,
		scanTime(&a.CreatedAt), scanTime(&a.UpdatedAt))
	if err != nil {
		return a, err
	}
	a.PersonalConsent = consent != 0
	if err := json.Unmarshal([]byte(items), &a.Items); err != nil {
		return a, fmt.Errorf("decode items of authorization %s: %w", a.ID, err)
	}
	return a, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CreateAuthorization inserts a; times are stored at the log's precision
// and written back so a reads as stored.
func (s *Store) CreateAuthorization(ctx context.Context, a *authz.Authorization) error {
	items, err := jsonList(a.Items)
	if err != nil {
		return err
	}
	a.ValidFrom, a.ValidUntil, a.CreatedAt, a.UpdatedAt = ts(a.ValidFrom), ts(a.ValidUntil), ts(a.CreatedAt), ts(a.UpdatedAt)
	a.DataFrom, a.DataTo = dateOf(a.DataFrom), dateOf(a.DataTo)
	_, err = s.w.Exec(ctx, `INSERT INTO authorizations (id, enterprise_id, institution_id, institution_name, purpose, items, data_from, data_to,
		valid_from, valid_until, fetch_type, frequency, mode, status, personal_consent, callback_url, requested_by, decided_by, reason,
		version, signature, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
		a.ID, a.EnterpriseID, a.InstitutionID, a.InstitutionName, a.Purpose, items, nullDate(a.DataFrom), nullDate(a.DataTo),
		a.ValidFrom, a.ValidUntil, a.FetchType, a.Frequency, a.Mode, string(a.Status), boolInt(a.PersonalConsent), a.CallbackURL,
		a.RequestedBy, a.DecidedBy, a.Reason, a.Version, a.Signature, a.CreatedAt, a.UpdatedAt)
	return s.dbErr("create authorization", err)
}

// UpdateAuthorization writes a over version a.Version-1.
func (s *Store) UpdateAuthorization(ctx context.Context, a *authz.Authorization) error {
	items, err := jsonList(a.Items)
	if err != nil {
		return err
	}
	a.ValidFrom, a.ValidUntil, a.UpdatedAt = ts(a.ValidFrom), ts(a.ValidUntil), ts(a.UpdatedAt)
	a.DataFrom, a.DataTo = dateOf(a.DataFrom), dateOf(a.DataTo)
	n, err := s.w.Exec(ctx, `UPDATE authorizations SET items = $1, data_from = $2, data_to = $3, valid_from = $4, valid_until = $5,
		mode = $6, status = $7, personal_consent = $8, decided_by = $9, reason = $10, version = $11, signature = $12, updated_at = $13
		WHERE id = $14 AND version = $15`,
		items, nullDate(a.DataFrom), nullDate(a.DataTo), a.ValidFrom, a.ValidUntil, a.Mode, string(a.Status), boolInt(a.PersonalConsent),
		a.DecidedBy, a.Reason, a.Version, a.Signature, a.UpdatedAt, a.ID, a.Version-1)
	if err != nil {
		return s.dbErr("update authorization", err)
	}
	if n == 0 {
		var one int
		err := s.w.QueryRow(ctx, `SELECT 1 FROM authorizations WHERE id = $1`, a.ID).Scan(&one)
		if err != nil {
			return s.notFound("update authorization", err, errAuthzNotFound(a.ID))
		}
		return errAuthzStale
	}
	return nil
}

// AuthorizationByID reads one authorization (on the writer inside a
// transaction, so a transition reads what it then writes).
func (s *Store) AuthorizationByID(ctx context.Context, id string) (authz.Authorization, error) {
	a, err := scanAuthz(s.w.QueryRow(ctx, `SELECT `+authzCols+authzFrom+` WHERE a.id = $1`, id))
	if err != nil {
		return authz.Authorization{}, s.notFound("authorization by id", err, errAuthzNotFound(id))
	}
	return a, nil
}

// ListAuthorizations returns one page, newest first.
func (s *Store) ListAuthorizations(ctx context.Context, f authz.Filter) ([]authz.Authorization, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("a.status = $%d", string(f.Status))
	}
	if f.EnterpriseID != 0 {
		add("a.enterprise_id = $%d", f.EnterpriseID)
	}
	if f.InstitutionID != 0 {
		add("a.institution_id = $%d", f.InstitutionID)
	}
	q := `SELECT ` + authzCols + authzFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit, max(f.Offset, 0))
	q += fmt.Sprintf(` ORDER BY a.created_at DESC, a.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	rows, err := s.r.Query(ctx, q, args...)
	if err != nil {
		return nil, s.dbErr("list authorizations", err)
	}
	out, err := collect(rows, scanAuthz)
	return out, s.dbErr("list authorizations", err)
}

// AuthorizationsBetween returns every authorization one institution holds
// from one enterprise, newest first.
func (s *Store) AuthorizationsBetween(ctx context.Context, institutionID, enterpriseID int64) ([]authz.Authorization, error) {
	rows, err := s.r.Query(ctx, `SELECT `+authzCols+authzFrom+` WHERE a.institution_id = $1 AND a.enterprise_id = $2
		ORDER BY a.created_at DESC, a.id DESC`, institutionID, enterpriseID)
	if err != nil {
		return nil, s.dbErr("authorizations between", err)
	}
	out, err := collect(rows, scanAuthz)
	return out, s.dbErr("authorizations between", err)
}

// EnterpriseAndAuthorizations reads the enterprise with code and every
// authorization the institution holds from it, newest first, together:
// one round trip where the engine batches. An unknown code is
// fault.NotFound "enterprise.not_found".
func (s *Store) EnterpriseAndAuthorizations(ctx context.Context, code string, institutionID int64) (enterprise.Record, []authz.Authorization, error) {
	var rec enterprise.Record
	found := false
	var as []authz.Authorization
	err := s.readPipeline(ctx,
		Queued{SQL: `SELECT ` + enterpriseCols + ` FROM enterprises WHERE code = $1`, Args: []any{code}, Rows: func(r Rows) error {
			if r.Next() {
				var err error
				if rec, err = scanEnterprise(r); err != nil {
					return err
				}
				found = true
			}
			return r.Err()
		}},
		Queued{SQL: `SELECT ` + authzCols + authzFrom + ` WHERE a.institution_id = $1 AND e.code = $2
			ORDER BY a.created_at DESC, a.id DESC`, Args: []any{institutionID, code}, Rows: func(r Rows) error {
			for r.Next() {
				a, err := scanAuthz(r)
				if err != nil {
					return err
				}
				as = append(as, a)
			}
			return r.Err()
		}})
	if err != nil {
		return rec, nil, s.dbErr("enterprise and authorizations", err)
	}
	if !found {
		return rec, nil, errEnterpriseNotFound
	}
	return rec, as, nil
}

// AuthorizationsDue returns live authorizations whose validity ended.
func (s *Store) AuthorizationsDue(ctx context.Context, now time.Time, limit int) ([]authz.Authorization, error) {
	rows, err := s.r.Query(ctx, `SELECT `+authzCols+authzFrom+` WHERE a.status IN ('pending', 'active', 'paused') AND a.valid_until <= $1
		ORDER BY a.valid_until, a.id LIMIT $2`, ts(now), limit)
	if err != nil {
		return nil, s.dbErr("authorizations due", err)
	}
	out, err := collect(rows, scanAuthz)
	return out, s.dbErr("authorizations due", err)
}

var errConsentExists = fault.New(fault.Conflict, "authz.consent_exists", "this person has already consented under this authorization")

// AddConsent inserts c and sets c.ID.
func (s *Store) AddConsent(ctx context.Context, c *authz.Consent) error {
	c.GivenAt = ts(c.GivenAt)
	err := s.w.QueryRow(ctx, `INSERT INTO authorization_consents (authorization_id, role, name_masked, person_hash, channel, given_by, given_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.AuthorizationID, c.Role, c.NameMasked, c.PersonHash, c.Channel, c.GivenBy, c.GivenAt).Scan(&c.ID)
	return s.dbErr("add consent", err, errConsentExists)
}

// Consents lists an authorization's consents, oldest first.
func (s *Store) Consents(ctx context.Context, authorizationID string) ([]authz.Consent, error) {
	rows, err := s.r.Query(ctx, `SELECT id, authorization_id, role, name_masked, person_hash, channel, given_by, given_at FROM authorization_consents
		WHERE authorization_id = $1 ORDER BY given_at, id`, authorizationID)
	if err != nil {
		return nil, s.dbErr("consents", err)
	}
	out, err := collect(rows, func(r scanner) (authz.Consent, error) {
		var c authz.Consent
		err := r.Scan(&c.ID, &c.AuthorizationID, &c.Role, &c.NameMasked, &c.PersonHash, &c.Channel, &c.GivenBy, scanTime(&c.GivenAt))
		return c, err
	})
	return out, s.dbErr("consents", err)
}
