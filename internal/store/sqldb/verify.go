package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// LockVerifications takes, for each request in order, the
// organisation's lock and reads what the limits need under it: the day's
// bound and the history about the enterprise. On PostgreSQL the lock is
// an upsert of the organisation's row in verification_locks, a row lock
// held until the transaction ends, taken once per organisation of the
// call; on SQLite (no LockRow) the transaction already holds the single
// writer, so there is nothing more to lock. All the statements go in one
// round trip where the engine batches; each runs after the one before it,
// so every read sees every transaction that held the lock before this
// one. The same round trip takes the evidence log's head, locked, for the
// answers' evidence the transaction writes next (RecordVerifications),
// unless the transaction holds it already: the verification locks come
// first, then the head, as in every transaction that takes both.
func (s *Store) LockVerifications(ctx context.Context, reqs []verify.LockRequest) ([]verify.Locked, error) {
	out := make([]verify.Locked, len(reqs))
	err := s.inTx(ctx, func(tx *Store) error {
		qs := make([]Queued, 0, 3*len(reqs)+1)
		locked := map[int64]bool{}
		for i, r := range reqs {
			l := &out[i]
			if tx.d.LockRow != "" && !locked[r.OrgID] {
				locked[r.OrgID] = true
				qs = append(qs, Queued{SQL: `INSERT INTO verification_locks (org_id, asked) VALUES ($1, 1)
					ON CONFLICT (org_id) DO UPDATE SET asked = verification_locks.asked + 1`, Args: []any{r.OrgID}})
			}
			qs = append(qs, Queued{SQL: verificationBoundSQL, Args: []any{r.OrgID, ts(r.DaySince.UTC().Truncate(time.Hour))}, Rows: func(rs Rows) error {
				var bound int64
				if rs.Next() {
					if err := rs.Scan(&bound); err != nil {
						return err
					}
				}
				l.DayBound = int(bound)
				return rs.Err()
			}},
				Queued{SQL: verificationsAboutSQL, Args: []any{r.OrgID, r.EnterpriseID, ts(r.WindowSince), ts(r.DaySince)}, Rows: func(rs Rows) error {
					for rs.Next() {
						a, err := scanAsked(rs)
						if err != nil {
							return err
						}
						l.History = append(l.History, a)
					}
					return rs.Err()
				}})
		}
		held := tx.head != nil
		var head audit.Head
		read := false
		if !held {
			qs = append(qs, tx.headQueued(&head, &read))
		}
		if err := tx.pipeline(ctx, qs...); err != nil {
			return err
		}
		if held {
			return nil
		}
		if !read {
			return fmt.Errorf("lock verifications: the evidence log has no head row")
		}
		tx.holdHead(head)
		return nil
	})
	if err != nil {
		return nil, s.dbErr("lock verifications", err)
	}
	return out, nil
}

// RecordVerifications stores answered questions and appends their
// evidence in one transaction (its own or the caller's), chained onto the
// log's head the transaction holds (LockVerifications took it; else it is
// read, locked, first). Everything goes with the transaction's next round
// trip where the engine can hold statements back (on PostgreSQL: with its
// COMMIT), and the questions' IDs and any error come with it. It sets the
// questions' IDs. An unknown enterprise is fault.Invalid
// "store.reference" and nothing is stored.
func (s *Store) RecordVerifications(ctx context.Context, as []verify.Asked, es []*audit.Entry) error {
	for i := range as {
		as[i].AskedAt = ts(as[i].AskedAt)
	}
	return s.inTx(ctx, func(tx *Store) error {
		qs := make([]Queued, 0, len(as)+3)
		for i, a := range as {
			args, err := verificationArgs(a)
			if err != nil {
				return err
			}
			qs = append(qs, Queued{SQL: insertVerificationSQL, Args: args, Rows: func(r Rows) error {
				if r.Next() {
					if err := r.Scan(&as[i].ID); err != nil {
						return err
					}
				}
				return r.Err()
			}})
		}
		if len(es) == 0 {
			return tx.dbErr("record verifications", tx.deferred(ctx, qs...))
		}
		head, err := tx.lockedHead(ctx)
		if err != nil {
			return err
		}
		aq, next, err := auditQueued(head, es)
		if err != nil {
			return err
		}
		if err := tx.deferred(ctx, append(qs, aq...)...); err != nil {
			return tx.dbErr("record verifications", err)
		}
		tx.holdHead(next)
		return nil
	})
}

const insertVerificationSQL = `INSERT INTO verifications (org_id, enterprise_id, question, answer, attestation_id, probes, asked_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`

func verificationArgs(a verify.Asked) ([]any, error) {
	probes := a.Probes
	if probes == nil {
		probes = []verify.Probe{}
	}
	b, err := json.Marshal(probes)
	if err != nil {
		return nil, fmt.Errorf("encode probes: %w", err)
	}
	return []any{a.OrgID, a.EnterpriseID, a.Question, a.Answer, a.AttestationID, string(b), ts(a.AskedAt)}, nil
}

// verificationsAboutSQL reads what the limits need of an organisation's
// questions about an enterprise: those of the day ($4 on), which the
// enterprise's daily limit counts, and those of the window ($3 on) that
// compared a constant, which the threshold and narrowing limits count.
// A question of an earlier day that compared none counts for nothing, so
// it is not read: an institution that asks about its borrower daily would
// otherwise have a month of them read and decoded under the lock on every
// answer.
const verificationsAboutSQL = `SELECT id, org_id, enterprise_id, question, answer, attestation_id, probes, asked_at FROM verifications
	WHERE org_id = $1 AND enterprise_id = $2 AND asked_at > $3 AND (asked_at > $4 OR probes <> '[]') ORDER BY asked_at, id`

func scanAsked(r scanner) (verify.Asked, error) {
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
}

const verificationBoundSQL = `SELECT CAST(COALESCE(SUM(asked), 0) AS BIGINT) FROM verification_counts
	WHERE org_id = $1 AND hour >= $2`

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
