package sqldb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/monitor"
)

var (
	errAlertNotFound    = fault.New(fault.NotFound, "monitor.alert_not_found", "alert not found")
	errTargetNotFound   = fault.New(fault.NotFound, "monitor.target_not_found", "no such user, API key or organisation")
	errAlreadySuspended = fault.New(fault.Conflict, "monitor.already_suspended", "already suspended")
	errNotSuspended     = fault.New(fault.NotFound, "monitor.not_suspended", "not suspended")
)

const alertCols = `id, rule, severity, score, org_id, user_id, api_key_id, actor, observed, threshold, entries, detail, suspension_id, created_at`

func scanAlert(r scanner) (monitor.Alert, error) {
	var a monitor.Alert
	var entries string
	if err := r.Scan(&a.ID, &a.Rule, &a.Severity, &a.Score, &a.OrgID, &a.UserID, &a.APIKeyID, &a.Actor, &a.Observed, &a.Threshold,
		&entries, &a.Detail, &a.SuspensionID, scanTime(&a.CreatedAt)); err != nil {
		return a, err
	}
	if entries != "" && entries != "[]" {
		if err := json.Unmarshal([]byte(entries), &a.Entries); err != nil {
			return a, fmt.Errorf("decode entries of alert %d: %w", a.ID, err)
		}
	}
	return a, nil
}

// InsertAlert stores a and sets a.ID (and a.CreatedAt when zero).
func (s *Store) InsertAlert(ctx context.Context, a *monitor.Alert) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now()
	}
	a.CreatedAt = ts(a.CreatedAt)
	entries := "[]"
	if len(a.Entries) > 0 {
		b, err := json.Marshal(a.Entries)
		if err != nil {
			return fmt.Errorf("encode alert entries: %w", err)
		}
		entries = string(b)
	}
	err := s.w.QueryRow(ctx, `INSERT INTO monitor_alerts (rule, severity, score, org_id, user_id, api_key_id, actor, observed, threshold, entries, detail, suspension_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		a.Rule, a.Severity, a.Score, a.OrgID, a.UserID, a.APIKeyID, a.Actor, a.Observed, a.Threshold, entries, a.Detail, a.SuspensionID, a.CreatedAt).Scan(&a.ID)
	return s.dbErr("insert alert", err)
}

// SetAlertSuspension links an alert to the suspension it caused.
func (s *Store) SetAlertSuspension(ctx context.Context, alertID, suspensionID int64) error {
	n, err := s.w.Exec(ctx, `UPDATE monitor_alerts SET suspension_id = $2 WHERE id = $1`, alertID, suspensionID)
	return s.affected("link alert", n, err, errAlertNotFound)
}

// AlertByID returns one alert.
func (s *Store) AlertByID(ctx context.Context, id int64) (monitor.Alert, error) {
	a, err := scanAlert(s.r.QueryRow(ctx, `SELECT `+alertCols+` FROM monitor_alerts WHERE id = $1`, id))
	if errors.Is(err, ErrNoRows) {
		return a, errAlertNotFound
	}
	return a, s.dbErr("read alert", err)
}

// ListAlerts returns alerts newest first.
func (s *Store) ListAlerts(ctx context.Context, f monitor.AlertFilter) ([]monitor.Alert, error) {
	var a args
	var conds []string
	if f.OrgID != 0 {
		conds = append(conds, "org_id = "+a.add(f.OrgID))
	}
	if f.Rule != "" {
		conds = append(conds, "rule = "+a.add(f.Rule))
	}
	if f.After > 0 {
		conds = append(conds, "id < "+a.add(f.After))
	}
	q := `SELECT ` + alertCols + ` FROM monitor_alerts` + where(conds) + ` ORDER BY id DESC LIMIT ` + a.add(int64(pageLimit(f.Limit)))
	rows, err := s.r.Query(ctx, q, a...)
	if err != nil {
		return nil, s.dbErr("list alerts", err)
	}
	out, err := collect(rows, scanAlert)
	return out, s.dbErr("list alerts", err)
}

// SuspensionTarget resolves a user, an API key or an organisation.
func (s *Store) SuspensionTarget(ctx context.Context, kind monitor.Kind, id int64) (monitor.Target, error) {
	var q string
	switch kind {
	case monitor.KindUser:
		q = `SELECT org_id, username FROM users WHERE id = $1`
	case monitor.KindAPIKey:
		q = `SELECT org_id, prefix FROM api_keys WHERE id = $1`
	case monitor.KindOrg:
		q = `SELECT id, name FROM orgs WHERE id = $1`
	default:
		return monitor.Target{}, errTargetNotFound
	}
	var t monitor.Target
	err := s.r.QueryRow(ctx, q, id).Scan(&t.OrgID, &t.Name)
	if errors.Is(err, ErrNoRows) {
		return t, errTargetNotFound
	}
	return t, s.dbErr("resolve suspension target", err)
}

const suspensionCols = `id, kind, target_id, org_id, target, reason, alert_id, created_by, created_at, lifted_at, lifted_by, lift_reason`

func scanSuspension(r scanner) (monitor.Suspension, error) {
	var sp monitor.Suspension
	var kind string
	err := r.Scan(&sp.ID, &kind, &sp.TargetID, &sp.OrgID, &sp.Target, &sp.Reason, &sp.AlertID, &sp.By, scanTime(&sp.CreatedAt),
		scanTime(&sp.LiftedAt), &sp.LiftedBy, &sp.LiftReason)
	sp.Kind = monitor.Kind(kind)
	return sp, err
}

// InsertSuspension stores sp and sets sp.ID; a second suspension in force
// for the same target is fault.Conflict "monitor.already_suspended".
func (s *Store) InsertSuspension(ctx context.Context, sp *monitor.Suspension) error {
	if sp.CreatedAt.IsZero() {
		sp.CreatedAt = s.now()
	}
	sp.CreatedAt = ts(sp.CreatedAt)
	err := s.w.QueryRow(ctx, `INSERT INTO monitor_suspensions (kind, target_id, org_id, target, reason, alert_id, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		string(sp.Kind), sp.TargetID, sp.OrgID, sp.Target, sp.Reason, sp.AlertID, sp.By, sp.CreatedAt).Scan(&sp.ID)
	return s.dbErr("insert suspension", err, errAlreadySuspended)
}

// LiftSuspension ends a suspension in force.
func (s *Store) LiftSuspension(ctx context.Context, id int64, by, reason string, at time.Time) (monitor.Suspension, error) {
	var out monitor.Suspension
	err := s.inTx(ctx, func(tx *Store) error {
		sp, err := scanSuspension(tx.w.QueryRow(ctx, `SELECT `+suspensionCols+` FROM monitor_suspensions
			WHERE id = $1 AND lifted_at IS NULL`, id))
		if errors.Is(err, ErrNoRows) {
			return errNotSuspended
		}
		if err != nil {
			return tx.dbErr("read suspension", err)
		}
		sp.LiftedAt, sp.LiftedBy, sp.LiftReason = ts(at), by, reason
		n, err := tx.w.Exec(ctx, `UPDATE monitor_suspensions SET lifted_at = $2, lifted_by = $3, lift_reason = $4 WHERE id = $1 AND lifted_at IS NULL`,
			sp.ID, sp.LiftedAt, by, reason)
		if err := tx.affected("lift suspension", n, err, errNotSuspended); err != nil {
			return err
		}
		out = sp
		return nil
	})
	return out, err
}

// ActiveSuspension returns the first suspension in force among an API key,
// a user and an organisation (in that order), in one statement: one probe
// of the in-force index per non-zero id, one round trip. The gate asks it
// on every request, so it is the whole cost of "a suspension blocks the
// next request on every instance".
func (s *Store) ActiveSuspension(ctx context.Context, userID, apiKeyID, orgID int64) (monitor.Suspension, bool, error) {
	if userID == 0 && apiKeyID == 0 && orgID == 0 {
		return monitor.Suspension{}, false, nil
	}
	sp, err := scanSuspension(s.r.QueryRow(ctx, activeSuspensionSQL, apiKeyID, userID, orgID))
	if errors.Is(err, ErrNoRows) {
		return monitor.Suspension{}, false, nil
	}
	if err != nil {
		return monitor.Suspension{}, false, s.dbErr("check suspension", err)
	}
	return sp, true, nil
}

// activeSuspensionSQL takes the API key ($1), user ($2) and organisation
// ($3) ids; a zero id matches nothing.
const activeSuspensionSQL = `SELECT ` + suspensionCols + ` FROM (
	SELECT 0 AS pick, ` + suspensionCols + ` FROM monitor_suspensions
		WHERE kind = 'api_key' AND target_id = $1 AND $1 > 0 AND lifted_at IS NULL
	UNION ALL
	SELECT 1 AS pick, ` + suspensionCols + ` FROM monitor_suspensions
		WHERE kind = 'user' AND target_id = $2 AND $2 > 0 AND lifted_at IS NULL
	UNION ALL
	SELECT 2 AS pick, ` + suspensionCols + ` FROM monitor_suspensions
		WHERE kind = 'org' AND target_id = $3 AND $3 > 0 AND lifted_at IS NULL
) AS found ORDER BY pick LIMIT 1`

// ListSuspensions returns suspensions newest first.
func (s *Store) ListSuspensions(ctx context.Context, activeOnly bool, limit int) ([]monitor.Suspension, error) {
	q := `SELECT ` + suspensionCols + ` FROM monitor_suspensions`
	if activeOnly {
		q += ` WHERE lifted_at IS NULL`
	}
	rows, err := s.r.Query(ctx, q+` ORDER BY id DESC LIMIT $1`, int64(pageLimit(limit)))
	if err != nil {
		return nil, s.dbErr("list suspensions", err)
	}
	out, err := collect(rows, scanSuspension)
	return out, s.dbErr("list suspensions", err)
}

// AddHourCounts adds counts to the stored hours.
func (s *Store) AddHourCounts(ctx context.Context, cs []monitor.HourCount) error {
	if len(cs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *Store) error {
		for _, c := range cs {
			if _, err := tx.w.Exec(ctx, `INSERT INTO monitor_hours (org_id, hour, reads, denied, exports) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (org_id, hour) DO UPDATE SET reads = monitor_hours.reads + excluded.reads,
				denied = monitor_hours.denied + excluded.denied, exports = monitor_hours.exports + excluded.exports`,
				c.OrgID, ts(c.Hour.Truncate(time.Hour)), c.Reads, c.Denied, c.Exports); err != nil {
				return tx.dbErr("add hour counts", err)
			}
		}
		return nil
	})
}

// HourCounts returns an organisation's stored hours in [from, to).
func (s *Store) HourCounts(ctx context.Context, orgID int64, from, to time.Time) ([]monitor.HourCount, error) {
	rows, err := s.r.Query(ctx, `SELECT org_id, hour, reads, denied, exports FROM monitor_hours
		WHERE org_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`, orgID, ts(from), ts(to))
	if err != nil {
		return nil, s.dbErr("read hour counts", err)
	}
	out, err := collect(rows, func(r scanner) (monitor.HourCount, error) {
		var c monitor.HourCount
		err := r.Scan(&c.OrgID, scanTime(&c.Hour), &c.Reads, &c.Denied, &c.Exports)
		return c, err
	})
	return out, s.dbErr("read hour counts", err)
}

// MonitorPosition returns a detector's last consumed sequence number.
func (s *Store) MonitorPosition(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := s.r.QueryRow(ctx, `SELECT seq FROM monitor_positions WHERE name = $1`, name).Scan(&seq)
	if errors.Is(err, ErrNoRows) {
		return 0, nil
	}
	return seq, s.dbErr("read monitor position", err)
}

// SetMonitorPosition records a detector's position.
func (s *Store) SetMonitorPosition(ctx context.Context, name string, seq int64) error {
	_, err := s.w.Exec(ctx, `INSERT INTO monitor_positions (name, seq) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET seq = excluded.seq`, name, seq)
	return s.dbErr("set monitor position", err)
}
