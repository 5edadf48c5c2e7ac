package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/creditbridge/creditbridge/internal/verify"
)

// LockVerifications upserts the organisation's lock row, which holds a
// row lock (PostgreSQL) or the writer (SQLite) until the transaction ends.
func (s *Store) LockVerifications(ctx context.Context, orgID int64) error {
	_, err := s.w.Exec(ctx, `INSERT INTO verification_locks (org_id, asked) VALUES ($1, 1)
		ON CONFLICT (org_id) DO UPDATE SET asked = verification_locks.asked + 1`, orgID)
	return s.dbErr("lock verifications", err)
}

// AppendVerifications inserts the questions in one transaction and sets
// their IDs.
func (s *Store) AppendVerifications(ctx context.Context, as []verify.Asked) error {
	if len(as) == 0 {
		return nil
	}
	ids := make([]int64, len(as))
	err := s.inTx(ctx, func(tx *Store) error {
		for i, a := range as {
			probes := a.Probes
			if probes == nil {
				probes = []verify.Probe{}
			}
			b, err := json.Marshal(probes)
			if err != nil {
				return fmt.Errorf("encode probes: %w", err)
			}
			if err := tx.w.QueryRow(ctx, `INSERT INTO verifications (org_id, enterprise_id, question, answer, attestation_id, probes, asked_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, a.OrgID, a.EnterpriseID, a.Question, a.Answer, a.AttestationID,
				string(b), ts(a.AskedAt)).Scan(&ids[i]); err != nil {
				return tx.dbErr("append verification", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range as {
		as[i].ID, as[i].AskedAt = ids[i], ts(as[i].AskedAt)
	}
	return nil
}

// VerificationsAbout returns the organisation's questions about the
// enterprise asked after since, oldest first.
func (s *Store) VerificationsAbout(ctx context.Context, orgID, enterpriseID int64, since time.Time) ([]verify.Asked, error) {
	rows, err := s.r.Query(ctx, `SELECT id, org_id, enterprise_id, question, answer, attestation_id, probes, asked_at FROM verifications
		WHERE org_id = $1 AND enterprise_id = $2 AND asked_at > $3 ORDER BY asked_at, id`, orgID, enterpriseID, ts(since))
	if err != nil {
		return nil, s.dbErr("list verifications", err)
	}
	out, err := collect(rows, func(r scanner) (verify.Asked, error) {
		var a verify.Asked
		var probes string
		if err := r.Scan(&a.ID, &a.OrgID, &a.EnterpriseID, &a.Question, &a.Answer, &a.AttestationID, &probes, scanTime(&a.AskedAt)); err != nil {
			return a, err
		}
		if probes == "[]" {
			return a, nil // most yes/no questions compare no constant
		}
		if err := json.Unmarshal([]byte(probes), &a.Probes); err != nil {
			return a, fmt.Errorf("decode probes of verification %d: %w", a.ID, err)
		}
		return a, nil
	})
	return out, s.dbErr("list verifications", err)
}

// CountVerifications counts the organisation's questions asked after
// since, at most limit of them (all when limit <= 0), with the oldest
// one's time: an index range of at most limit entries, however many the
// organisation has asked.
func (s *Store) CountVerifications(ctx context.Context, orgID int64, since time.Time, limit int) (int, time.Time, error) {
	if limit <= 0 {
		limit = 1 << 62
	}
	var n int
	var oldest time.Time
	err := s.r.QueryRow(ctx, `SELECT COUNT(*), MIN(asked_at) FROM (SELECT asked_at FROM verifications
		WHERE org_id = $1 AND asked_at > $2 ORDER BY asked_at LIMIT $3) AS v`,
		orgID, ts(since), int64(limit)).Scan(&n, scanTime(&oldest))
	return n, oldest, s.dbErr("count verifications", err)
}
