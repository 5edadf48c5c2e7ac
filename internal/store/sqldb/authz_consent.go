package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Consent invitations and webhook deliveries (migration 0017).

const invitationCols = `id, authorization_id, role, name_masked, name_hash, token_hash, status, failures, issuer_org_id, issued_by,
	issued_at, expires_at, opened_at, decided_at, consent_id, version`

var errInvitationStale = fault.New(fault.Conflict, "authz.invitation_stale", "the consent link was used meanwhile")

func errInvitationNotFound() *fault.Error {
	return fault.New(fault.NotFound, "authz.invitation_not_found", "no such consent invitation")
}

func scanInvitation(r scanner) (authz.Invitation, error) {
	var (
		inv authz.Invitation
		cid sql.NullInt64
	)
	err := r.Scan(&inv.ID, &inv.AuthorizationID, &inv.Role, &inv.NameMasked, &inv.NameHash, &inv.TokenHash, &inv.Status, &inv.Failures,
		&inv.IssuerOrgID, &inv.IssuedBy, scanTime(&inv.IssuedAt), scanTime(&inv.ExpiresAt), scanTime(&inv.OpenedAt), scanTime(&inv.DecidedAt),
		&cid, &inv.Version)
	inv.ConsentID = cid.Int64
	return inv, err
}

// AddInvitation inserts inv and sets inv.ID.
func (s *Store) AddInvitation(ctx context.Context, inv *authz.Invitation) error {
	inv.IssuedAt, inv.ExpiresAt = ts(inv.IssuedAt), ts(inv.ExpiresAt)
	if !inv.OpenedAt.IsZero() {
		inv.OpenedAt = ts(inv.OpenedAt)
	}
	if !inv.DecidedAt.IsZero() {
		inv.DecidedAt = ts(inv.DecidedAt)
	}
	err := s.w.QueryRow(ctx, `INSERT INTO consent_invitations (authorization_id, role, name_masked, name_hash, token_hash, status, failures,
		issuer_org_id, issued_by, issued_at, expires_at, opened_at, decided_at, consent_id, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		inv.AuthorizationID, inv.Role, inv.NameMasked, inv.NameHash, inv.TokenHash, string(inv.Status), inv.Failures, inv.IssuerOrgID,
		inv.IssuedBy, inv.IssuedAt, inv.ExpiresAt, nullTS(inv.OpenedAt), nullTS(inv.DecidedAt), nullID(inv.ConsentID), inv.Version).Scan(&inv.ID)
	return s.dbErr("add consent invitation", err)
}

// InvitationByToken reads one invitation by its token's hash (on the
// writer, so an answer reads what it then writes).
func (s *Store) InvitationByToken(ctx context.Context, tokenHash string) (authz.Invitation, error) {
	inv, err := scanInvitation(s.w.QueryRow(ctx, `SELECT `+invitationCols+` FROM consent_invitations WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return authz.Invitation{}, s.notFound("invitation by token", err, errInvitationNotFound())
	}
	return inv, nil
}

// UpdateInvitation writes inv over version inv.Version-1.
func (s *Store) UpdateInvitation(ctx context.Context, inv *authz.Invitation) error {
	if !inv.OpenedAt.IsZero() {
		inv.OpenedAt = ts(inv.OpenedAt)
	}
	if !inv.DecidedAt.IsZero() {
		inv.DecidedAt = ts(inv.DecidedAt)
	}
	n, err := s.w.Exec(ctx, `UPDATE consent_invitations SET status = $1, failures = $2, opened_at = $3, decided_at = $4, consent_id = $5,
		version = $6 WHERE id = $7 AND version = $8`,
		string(inv.Status), inv.Failures, nullTS(inv.OpenedAt), nullTS(inv.DecidedAt), nullID(inv.ConsentID), inv.Version, inv.ID, inv.Version-1)
	if err != nil {
		return s.dbErr("update consent invitation", err)
	}
	if n == 0 {
		var one int
		if err := s.w.QueryRow(ctx, `SELECT 1 FROM consent_invitations WHERE id = $1`, inv.ID).Scan(&one); err != nil {
			return s.notFound("update consent invitation", err, errInvitationNotFound())
		}
		return errInvitationStale
	}
	return nil
}

// Invitations lists an authorization's invitations, oldest first.
func (s *Store) Invitations(ctx context.Context, authorizationID string) ([]authz.Invitation, error) {
	rows, err := s.r.Query(ctx, `SELECT `+invitationCols+` FROM consent_invitations WHERE authorization_id = $1 ORDER BY issued_at, id`, authorizationID)
	if err != nil {
		return nil, s.dbErr("consent invitations", err)
	}
	out, err := collect(rows, scanInvitation)
	return out, s.dbErr("consent invitations", err)
}

const deliveryCols = `d.id, d.authorization_id, d.institution_id, d.event, d.url, d.body, d.status, d.attempts, d.replays, d.last_status_code,
	d.last_error, d.next_attempt_at, d.delivered_at, d.created_at, d.updated_at, d.version`

var errDeliveryStale = fault.New(fault.Conflict, "authz.delivery_stale", "the webhook delivery changed meanwhile")

func errDeliveryNotFound(id int64) *fault.Error {
	return fault.New(fault.NotFound, "authz.delivery_not_found", "no such webhook delivery").With("id", fmt.Sprint(id))
}

func scanDelivery(r scanner) (authz.Delivery, error) {
	var d authz.Delivery
	err := r.Scan(&d.ID, &d.AuthorizationID, &d.InstitutionID, &d.Event, &d.URL, &d.Body, &d.Status, &d.Attempts, &d.Replays,
		&d.LastStatusCode, &d.LastError, scanTime(&d.NextAttemptAt), scanTime(&d.DeliveredAt), scanTime(&d.CreatedAt),
		scanTime(&d.UpdatedAt), &d.Version)
	return d, err
}

func normDelivery(d *authz.Delivery) {
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = ts(d.NextAttemptAt), ts(d.CreatedAt), ts(d.UpdatedAt)
	if !d.DeliveredAt.IsZero() {
		d.DeliveredAt = ts(d.DeliveredAt)
	}
}

// AddDelivery inserts d and sets d.ID.
func (s *Store) AddDelivery(ctx context.Context, d *authz.Delivery) error {
	normDelivery(d)
	err := s.w.QueryRow(ctx, `INSERT INTO webhook_deliveries (authorization_id, institution_id, event, url, body, status, attempts, replays,
		last_status_code, last_error, next_attempt_at, delivered_at, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		d.AuthorizationID, d.InstitutionID, d.Event, d.URL, d.Body, string(d.Status), d.Attempts, d.Replays, d.LastStatusCode, d.LastError,
		d.NextAttemptAt, nullTS(d.DeliveredAt), d.CreatedAt, d.UpdatedAt, d.Version).Scan(&d.ID)
	return s.dbErr("add webhook delivery", err)
}

// UpdateDelivery writes d over version d.Version-1.
func (s *Store) UpdateDelivery(ctx context.Context, d *authz.Delivery) error {
	normDelivery(d)
	n, err := s.w.Exec(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = $2, replays = $3, last_status_code = $4, last_error = $5,
		next_attempt_at = $6, delivered_at = $7, updated_at = $8, version = $9 WHERE id = $10 AND version = $11`,
		string(d.Status), d.Attempts, d.Replays, d.LastStatusCode, d.LastError, d.NextAttemptAt, nullTS(d.DeliveredAt), d.UpdatedAt,
		d.Version, d.ID, d.Version-1)
	if err != nil {
		return s.dbErr("update webhook delivery", err)
	}
	if n == 0 {
		var one int
		if err := s.w.QueryRow(ctx, `SELECT 1 FROM webhook_deliveries WHERE id = $1`, d.ID).Scan(&one); err != nil {
			return s.notFound("update webhook delivery", err, errDeliveryNotFound(d.ID))
		}
		return errDeliveryStale
	}
	return nil
}

// DeliveryByID reads one delivery (on the writer).
func (s *Store) DeliveryByID(ctx context.Context, id int64) (authz.Delivery, error) {
	d, err := scanDelivery(s.w.QueryRow(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d WHERE d.id = $1`, id))
	if err != nil {
		return authz.Delivery{}, s.notFound("webhook delivery by id", err, errDeliveryNotFound(id))
	}
	return d, nil
}

// DeliveriesDue returns pending deliveries due at now, earliest first
// (read on the writer: the sender claims what it reads).
func (s *Store) DeliveriesDue(ctx context.Context, now time.Time, limit int) ([]authz.Delivery, error) {
	rows, err := s.w.Query(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= $1
		ORDER BY d.next_attempt_at, d.id LIMIT $2`, ts(now), limit)
	if err != nil {
		return nil, s.dbErr("webhook deliveries due", err)
	}
	out, err := collect(rows, scanDelivery)
	return out, s.dbErr("webhook deliveries due", err)
}

// ListDeliveries returns one page, newest first.
func (s *Store) ListDeliveries(ctx context.Context, f authz.DeliveryFilter) ([]authz.Delivery, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.AuthorizationID != "" {
		add("d.authorization_id = $%d", f.AuthorizationID)
	}
	if f.InstitutionID != 0 {
		add("d.institution_id = $%d", f.InstitutionID)
	}
	if f.EnterpriseID != 0 {
		add("a.enterprise_id = $%d", f.EnterpriseID)
	}
	if f.Status != "" {
		add("d.status = $%d", string(f.Status))
	}
	q := `SELECT ` + deliveryCols + ` FROM webhook_deliveries d JOIN authorizations a ON a.id = d.authorization_id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit, max(f.Offset, 0))
	q += fmt.Sprintf(` ORDER BY d.created_at DESC, d.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	rows, err := s.r.Query(ctx, q, args...)
	if err != nil {
		return nil, s.dbErr("list webhook deliveries", err)
	}
	out, err := collect(rows, scanDelivery)
	return out, s.dbErr("list webhook deliveries", err)
}
