package sqldb

import (
	"context"
	"strings"

	"github.com/creditbridge/creditbridge/internal/audit"
)

const auditCols = `seq, occurred_at, actor_user_id, actor_name, org_id, action, enterprise_id, items,
	purpose, authorization_id, outcome, detail, remote_addr, prev_hash, hash`

func scanEntry(row scanner) (audit.Entry, error) {
	var e audit.Entry
	var items, outcome string
	if err := row.Scan(&e.Seq, scanTime(&e.Time), &e.ActorUserID, &e.ActorName, &e.OrgID, &e.Action, &e.EnterpriseID,
		&items, &e.Purpose, &e.AuthorizationID, &outcome, &e.Detail, &e.RemoteAddr, &e.PrevHash, &e.Hash); err != nil {
		return audit.Entry{}, err
	}
	e.Outcome = audit.Outcome(outcome)
	var err error
	e.Items, err = parseList[string](items)
	return e, err
}

// AppendAudit links e to the head and appends it: read the head row (locked
// on PostgreSQL; SQLite's single writer serializes), audit.Seal, insert,
// advance the head. Inside the caller's transaction it joins it, and the
// head stays locked until that transaction ends, so callers append their
// evidence last. Outside one, concurrent appends are committed together
// (group commit, audit_group.go); it returns once e is committed. On error
// e may already carry the Seq and Hash it was sealed with; they mean
// nothing.
func (s *Store) AppendAudit(ctx context.Context, e *audit.Entry) error {
	if s.tx == nil && s.group != nil {
		return s.appendGrouped(ctx, e)
	}
	return s.inTx(ctx, func(tx *Store) error { return tx.appendAudit(ctx, []*audit.Entry{e}) })
}

// auditHeadSQL reads the evidence log's head; writers append the
// dialect's LockRow to hold it until their transaction ends.
const auditHeadSQL = `SELECT seq, hash FROM audit_head WHERE id = 1`

// AuditHead returns the current head (zero Head for an empty log).
func (s *Store) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	err := s.r.QueryRow(ctx, auditHeadSQL).Scan(&h.Seq, &h.Hash)
	return h, s.dbErr("read audit head", err)
}

// ListAudit returns entries newest first. Action is exact, or a prefix when
// it ends in "." (matched literally: "auth.sign_" does not treat "_" as a
// wildcard).
func (s *Store) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var a args
	var conds []string
	if f.EnterpriseID != 0 {
		conds = append(conds, "enterprise_id = "+a.add(f.EnterpriseID))
	}
	if f.ActorUserID != 0 {
		conds = append(conds, "actor_user_id = "+a.add(f.ActorUserID))
	}
	if f.OrgID != 0 {
		conds = append(conds, "org_id = "+a.add(f.OrgID))
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			conds = append(conds, `action LIKE `+a.add(escapeLike(f.Action)+"%")+` ESCAPE '\'`)
		} else {
			conds = append(conds, "action = "+a.add(f.Action))
		}
	}
	if f.BeforeSeq > 0 {
		conds = append(conds, "seq < "+a.add(f.BeforeSeq))
	}
	rows, err := s.r.Query(ctx, `SELECT `+auditCols+` FROM audit_log`+where(conds)+
		` ORDER BY seq DESC LIMIT `+a.add(pageLimit(f.Limit)), a...)
	if err != nil {
		return nil, s.dbErr("list audit", err)
	}
	out, err := collect(rows, scanEntry)
	return out, s.dbErr("list audit", err)
}

// scanBatch is how many entries ScanAudit reads per query. Reading in
// keyset batches bounds memory, and no result set is open while fn runs,
// so fn may itself use the Store (a pgx transaction cannot run a query
// while another one's rows are open).
const scanBatch = 500

// ScanAudit calls fn for every entry with Seq > after in ascending Seq
// order and stops at fn's first error, which it returns.
func (s *Store) ScanAudit(ctx context.Context, after int64, fn func(audit.Entry) error) error {
	for {
		rows, err := s.r.Query(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, scanBatch)
		if err != nil {
			return s.dbErr("scan audit", err)
		}
		batch, err := collect(rows, scanEntry)
		if err != nil {
			return s.dbErr("scan audit", err)
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < scanBatch {
			return nil
		}
		after = batch[len(batch)-1].Seq
	}
}

// InsertCheckpoint stores c and sets c.ID; c.Time is stored truncated to
// microseconds, as SigningBytes uses it.
func (s *Store) InsertCheckpoint(ctx context.Context, c *audit.Checkpoint) error {
	at := ts(c.Time)
	var id int64
	err := s.w.QueryRow(ctx, `INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, c.Seq, c.Hash, at, c.KeyID, c.Signature).Scan(&id)
	if err != nil {
		return s.dbErr("insert audit checkpoint", err)
	}
	c.ID, c.Time = id, at
	return nil
}

// ListCheckpoints returns every checkpoint, oldest first.
func (s *Store) ListCheckpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	rows, err := s.r.Query(ctx, `SELECT id, seq, hash, signed_at, key_id, signature FROM audit_checkpoints ORDER BY id`)
	if err != nil {
		return nil, s.dbErr("list audit checkpoints", err)
	}
	out, err := collect(rows, func(row scanner) (audit.Checkpoint, error) {
		var c audit.Checkpoint
		err := row.Scan(&c.ID, &c.Seq, &c.Hash, scanTime(&c.Time), &c.KeyID, &c.Signature)
		return c, err
	})
	return out, s.dbErr("list audit checkpoints", err)
}
