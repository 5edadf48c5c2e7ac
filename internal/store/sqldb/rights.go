package sqldb

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

func rightsLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

// rightsFilter builds the WHERE conditions of a list; alias is the filed
// table's alias.
func rightsFilter(a *args, f rights.Filter, alias string) []string {
	var conds []string
	if f.EnterpriseID != 0 {
		conds = append(conds, alias+".enterprise_id = "+a.add(f.EnterpriseID))
	}
	if f.Department != "" {
		conds = append(conds, alias+".department = "+a.add(f.Department))
	}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ph[i] = a.add(st)
		}
		conds = append(conds, alias+".status IN ("+strings.Join(ph, ", ")+")")
	}
	return conds
}

const objectionCols = `o.id, o.enterprise_id, e.code, e.name_zh, o.item, o.period, o.ref, o.department, o.fact_version,
	o.value_num, o.value_text, o.reason, o.status, o.filed_by_user_id, o.filed_by, o.filed_at, o.due_at, o.escalated_at,
	o.decided_by_user_id, o.decided_by, o.decided_at, o.decision_reason, o.corrected_version`

func scanObjection(row scanner) (rights.Objection, error) {
	var o rights.Objection
	var status string
	err := row.Scan(&o.ID, &o.EnterpriseID, &o.EnterpriseCode, &o.EnterpriseName, &o.Item, scanTime(&o.Period), &o.Ref,
		&o.Department, &o.FactVersion, &o.ValueNum, &o.ValueText, &o.Reason, &status, &o.FiledByUserID, &o.FiledBy,
		scanTime(&o.FiledAt), scanTime(&o.DueAt), scanTime(&o.EscalatedAt), &o.DecidedByUserID, &o.DecidedBy,
		scanTime(&o.DecidedAt), &o.DecisionReason, &o.CorrectedVersion)
	o.Status = rights.ObjectionStatus(status)
	return o, err
}

// CreateObjection inserts o (times stored in UTC to the microsecond, the
// period as its date) and sets o.ID.
func (s *Store) CreateObjection(ctx context.Context, o *rights.Objection) error {
	o.FiledAt, o.DueAt, o.Period = ts(o.FiledAt), ts(o.DueAt), dateOf(o.Period)
	var id int64
	err := s.w.QueryRow(ctx, `INSERT INTO objections (enterprise_id, item, period, ref, department, fact_version, value_num,
		value_text, reason, status, filed_by_user_id, filed_by, filed_at, due_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		o.EnterpriseID, o.Item, dateArg(o.Period), o.Ref, o.Department, o.FactVersion, o.ValueNum, o.ValueText, o.Reason,
		string(o.Status), o.FiledByUserID, o.FiledBy, o.FiledAt, o.DueAt).Scan(&id)
	if err != nil {
		return s.dbErr("create objection", err, fault.New(fault.Conflict, "rights.objection_pending",
			"an objection to this record is already pending").With("item", o.Item))
	}
	o.ID = id
	return nil
}

// ObjectionByID returns fault.NotFound "rights.objection_not_found" if unknown.
func (s *Store) ObjectionByID(ctx context.Context, id int64) (rights.Objection, error) {
	o, err := scanObjection(s.r.QueryRow(ctx, `SELECT `+objectionCols+` FROM objections o
		JOIN enterprises e ON e.id = o.enterprise_id WHERE o.id = $1`, id))
	return o, s.notFound("objection by id", err, fault.New(fault.NotFound, "rights.objection_not_found", "no such objection"))
}

// ListObjections returns the objections matching f, newest first.
func (s *Store) ListObjections(ctx context.Context, f rights.Filter) ([]rights.Objection, error) {
	var a args
	conds := rightsFilter(&a, f, "o")
	rows, err := s.r.Query(ctx, `SELECT `+objectionCols+` FROM objections o JOIN enterprises e ON e.id = o.enterprise_id`+
		where(conds)+` ORDER BY o.id DESC LIMIT `+a.add(rightsLimit(f.Limit)), a...)
	if err != nil {
		return nil, s.dbErr("list objections", err)
	}
	out, err := collect(rows, scanObjection)
	return out, s.dbErr("list objections", err)
}

// UpdateObjection writes the mutable fields of o when its stored status
// is one of from.
func (s *Store) UpdateObjection(ctx context.Context, o *rights.Objection, from ...rights.ObjectionStatus) error {
	var a args
	set := []string{
		"status = " + a.add(string(o.Status)),
		"escalated_at = " + a.add(nullTS(o.EscalatedAt)),
		"decided_by_user_id = " + a.add(o.DecidedByUserID),
		"decided_by = " + a.add(o.DecidedBy),
		"decided_at = " + a.add(nullTS(o.DecidedAt)),
		"decision_reason = " + a.add(o.DecisionReason),
		"corrected_version = " + a.add(o.CorrectedVersion),
	}
	ph := make([]string, len(from))
	for i, st := range from {
		ph[i] = a.add(string(st))
	}
	if len(ph) == 0 {
		return fault.New(fault.Invalid, "store.check", "no status to update from")
	}
	n, err := s.w.Exec(ctx, `UPDATE objections SET `+strings.Join(set, ", ")+` WHERE id = `+a.add(o.ID)+
		` AND status IN (`+strings.Join(ph, ", ")+`)`, a...)
	if err != nil {
		return s.dbErr("update objection", err)
	}
	if n == 0 {
		return fault.New(fault.Conflict, "rights.objection_closed", "the objection is no longer in a state that allows this").
			With("id", strconv.FormatInt(o.ID, 10))
	}
	if !o.EscalatedAt.IsZero() {
		o.EscalatedAt = ts(o.EscalatedAt)
	}
	if !o.DecidedAt.IsZero() {
		o.DecidedAt = ts(o.DecidedAt)
	}
	return nil
}

// OverdueObjections returns open objections due at or before now.
func (s *Store) OverdueObjections(ctx context.Context, now time.Time, limit int) ([]rights.Objection, error) {
	rows, err := s.r.Query(ctx, `SELECT `+objectionCols+` FROM objections o JOIN enterprises e ON e.id = o.enterprise_id
		WHERE o.status = 'open' AND o.due_at <= $1 ORDER BY o.due_at, o.id LIMIT $2`, ts(now), rightsLimit(limit))
	if err != nil {
		return nil, s.dbErr("overdue objections", err)
	}
	out, err := collect(rows, scanObjection)
	return out, s.dbErr("overdue objections", err)
}

const repairCols = `r.id, r.enterprise_id, e.code, e.name_zh, r.item, r.period, r.ref, r.department, r.fact_version,
	r.evidence, r.status, r.filed_by_user_id, r.filed_by, r.filed_at, r.decided_by_user_id, r.decided_by, r.decided_at,
	r.decision_reason`

func scanRepair(row scanner) (rights.Repair, error) {
	var r rights.Repair
	var status string
	err := row.Scan(&r.ID, &r.EnterpriseID, &r.EnterpriseCode, &r.EnterpriseName, &r.Item, scanTime(&r.Period), &r.Ref,
		&r.Department, &r.FactVersion, &r.Evidence, &status, &r.FiledByUserID, &r.FiledBy, scanTime(&r.FiledAt),
		&r.DecidedByUserID, &r.DecidedBy, scanTime(&r.DecidedAt), &r.DecisionReason)
	r.Status = rights.RepairStatus(status)
	return r, err
}

// CreateRepair inserts r and sets r.ID.
func (s *Store) CreateRepair(ctx context.Context, r *rights.Repair) error {
	r.FiledAt, r.Period = ts(r.FiledAt), dateOf(r.Period)
	var id int64
	err := s.w.QueryRow(ctx, `INSERT INTO repairs (enterprise_id, item, period, ref, department, fact_version, evidence,
		status, filed_by_user_id, filed_by, filed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		r.EnterpriseID, r.Item, dateArg(r.Period), r.Ref, r.Department, r.FactVersion, r.Evidence, string(r.Status),
		r.FiledByUserID, r.FiledBy, r.FiledAt).Scan(&id)
	if err != nil {
		return s.dbErr("create repair", err, fault.New(fault.Conflict, "rights.repair_exists",
			"this record already has a pending or approved repair").With("item", r.Item))
	}
	r.ID = id
	return nil
}

// RepairByID returns fault.NotFound "rights.repair_not_found" if unknown.
func (s *Store) RepairByID(ctx context.Context, id int64) (rights.Repair, error) {
	r, err := scanRepair(s.r.QueryRow(ctx, `SELECT `+repairCols+` FROM repairs r
		JOIN enterprises e ON e.id = r.enterprise_id WHERE r.id = $1`, id))
	return r, s.notFound("repair by id", err, fault.New(fault.NotFound, "rights.repair_not_found", "no such repair application"))
}

// ListRepairs returns the repairs matching f, newest first.
func (s *Store) ListRepairs(ctx context.Context, f rights.Filter) ([]rights.Repair, error) {
	var a args
	conds := rightsFilter(&a, f, "r")
	rows, err := s.r.Query(ctx, `SELECT `+repairCols+` FROM repairs r JOIN enterprises e ON e.id = r.enterprise_id`+
		where(conds)+` ORDER BY r.id DESC LIMIT `+a.add(rightsLimit(f.Limit)), a...)
	if err != nil {
		return nil, s.dbErr("list repairs", err)
	}
	out, err := collect(rows, scanRepair)
	return out, s.dbErr("list repairs", err)
}

// UpdateRepair writes r's decision when it is still pending.
func (s *Store) UpdateRepair(ctx context.Context, r *rights.Repair) error {
	r.DecidedAt = ts(r.DecidedAt)
	n, err := s.w.Exec(ctx, `UPDATE repairs SET status = $1, decided_by_user_id = $2, decided_by = $3, decided_at = $4,
		decision_reason = $5 WHERE id = $6 AND status = 'pending'`,
		string(r.Status), r.DecidedByUserID, r.DecidedBy, r.DecidedAt, r.DecisionReason, r.ID)
	if err != nil {
		return s.dbErr("update repair", err)
	}
	if n == 0 {
		return fault.New(fault.Conflict, "rights.repair_closed", "the repair application was already decided").With("id", strconv.FormatInt(r.ID, 10))
	}
	return nil
}

// AddAttachments inserts the files and sets their IDs and CreatedAt.
func (s *Store) AddAttachments(ctx context.Context, as []rights.Attachment) error {
	if len(as) == 0 {
		return nil
	}
	now := s.stamp()
	return s.inTx(ctx, func(tx *Store) error {
		for i := range as {
			x := &as[i]
			data := x.Data
			if data == nil {
				data = []byte{}
			}
			if err := tx.w.QueryRow(ctx, `INSERT INTO rights_attachments (owner, owner_id, name, content_type, size, sha256, data, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, x.Owner, x.OwnerID, x.Name, x.ContentType, int64(len(data)),
				x.SHA256, data, now).Scan(&x.ID); err != nil {
				return tx.dbErr("add attachment", err)
			}
			x.Size, x.CreatedAt = int64(len(data)), now
		}
		return nil
	})
}

const attachmentMeta = `id, owner, owner_id, name, content_type, size, sha256, created_at`

func scanAttachmentMeta(row scanner) (rights.Attachment, error) {
	var x rights.Attachment
	err := row.Scan(&x.ID, &x.Owner, &x.OwnerID, &x.Name, &x.ContentType, &x.Size, &x.SHA256, scanTime(&x.CreatedAt))
	return x, err
}

// AttachmentsOf returns an owner's files without their content.
func (s *Store) AttachmentsOf(ctx context.Context, owner string, ownerID int64) ([]rights.Attachment, error) {
	rows, err := s.r.Query(ctx, `SELECT `+attachmentMeta+` FROM rights_attachments WHERE owner = $1 AND owner_id = $2 ORDER BY id`, owner, ownerID)
	if err != nil {
		return nil, s.dbErr("list attachments", err)
	}
	out, err := collect(rows, scanAttachmentMeta)
	return out, s.dbErr("list attachments", err)
}

// AttachmentByID returns a file with its content, or fault.NotFound
// "rights.attachment_not_found".
func (s *Store) AttachmentByID(ctx context.Context, id int64) (rights.Attachment, error) {
	var x rights.Attachment
	err := s.r.QueryRow(ctx, `SELECT `+attachmentMeta+`, data FROM rights_attachments WHERE id = $1`, id).Scan(
		&x.ID, &x.Owner, &x.OwnerID, &x.Name, &x.ContentType, &x.Size, &x.SHA256, scanTime(&x.CreatedAt), &x.Data)
	return x, s.notFound("attachment by id", err, fault.New(fault.NotFound, "rights.attachment_not_found", "no such attachment"))
}

// AddNotification inserts n and sets n.ID and n.CreatedAt (the call's
// time when zero).
func (s *Store) AddNotification(ctx context.Context, n *rights.Notification) error {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.stamp()
	}
	n.CreatedAt = ts(n.CreatedAt)
	err := s.w.QueryRow(ctx, `INSERT INTO rights_notifications (enterprise_id, kind, ref_id, status, item, reason, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, n.EnterpriseID, n.Kind, n.RefID, n.Status, n.Item, n.Reason,
		n.CreatedAt).Scan(&n.ID)
	return s.dbErr("add notification", err)
}

// NotificationsOf returns an enterprise's notifications, newest first.
func (s *Store) NotificationsOf(ctx context.Context, enterpriseID int64, limit int) ([]rights.Notification, error) {
	rows, err := s.r.Query(ctx, `SELECT id, enterprise_id, kind, ref_id, status, item, reason, created_at FROM rights_notifications
		WHERE enterprise_id = $1 ORDER BY id DESC LIMIT $2`, enterpriseID, rightsLimit(limit))
	if err != nil {
		return nil, s.dbErr("list notifications", err)
	}
	out, err := collect(rows, func(r scanner) (rights.Notification, error) {
		var n rights.Notification
		err := r.Scan(&n.ID, &n.EnterpriseID, &n.Kind, &n.RefID, &n.Status, &n.Item, &n.Reason, scanTime(&n.CreatedAt))
		return n, err
	})
	return out, s.dbErr("list notifications", err)
}

// EnqueueRecompute inserts r and sets r.ID and r.QueuedAt (the call's
// time when zero).
func (s *Store) EnqueueRecompute(ctx context.Context, r *rights.Recompute) error {
	if r.QueuedAt.IsZero() {
		r.QueuedAt = s.stamp()
	}
	r.QueuedAt, r.Since = ts(r.QueuedAt), dateOf(r.Since)
	err := s.w.QueryRow(ctx, `INSERT INTO recompute_queue (enterprise_id, reason, since, queued_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		r.EnterpriseID, r.Reason, dateArg(r.Since), r.QueuedAt).Scan(&r.ID)
	return s.dbErr("enqueue recompute", err)
}

// RecomputeQueue returns queued requests, oldest first.
func (s *Store) RecomputeQueue(ctx context.Context, limit int) ([]rights.Recompute, error) {
	rows, err := s.r.Query(ctx, `SELECT id, enterprise_id, reason, since, queued_at FROM recompute_queue ORDER BY id LIMIT $1`, rightsLimit(limit))
	if err != nil {
		return nil, s.dbErr("recompute queue", err)
	}
	out, err := collect(rows, func(r scanner) (rights.Recompute, error) {
		var x rights.Recompute
		err := r.Scan(&x.ID, &x.EnterpriseID, &x.Reason, scanTime(&x.Since), scanTime(&x.QueuedAt))
		return x, err
	})
	return out, s.dbErr("recompute queue", err)
}

// RecordMarks returns the enterprise's records under a pending objection
// or with an approved repair (one mark per record key).
func (s *Store) RecordMarks(ctx context.Context, enterpriseID int64) ([]sharing.RecordMark, error) {
	rows, err := s.r.Query(ctx, `SELECT item, period, ref, id, status, 'objection' FROM objections
		WHERE enterprise_id = $1 AND status IN ('open', 'escalated')
		UNION ALL
		SELECT item, period, ref, id, status, 'repair' FROM repairs WHERE enterprise_id = $1 AND status = 'approved'
		ORDER BY 1, 2, 3`, enterpriseID)
	if err != nil {
		return nil, s.dbErr("record marks", err)
	}
	type row struct {
		m    sharing.RecordMark
		id   int64
		st   string
		kind string
	}
	got, err := collect(rows, func(r scanner) (row, error) {
		var x row
		err := r.Scan(&x.m.Item, scanTime(&x.m.Period), &x.m.Ref, &x.id, &x.st, &x.kind)
		return x, err
	})
	if err != nil {
		return nil, s.dbErr("record marks", err)
	}
	var out []sharing.RecordMark
	for _, x := range got {
		n := len(out)
		if n == 0 || out[n-1].Item != x.m.Item || !out[n-1].Period.Equal(x.m.Period) || out[n-1].Ref != x.m.Ref {
			out = append(out, x.m)
			n++
		}
		if x.kind == "objection" {
			out[n-1].Objection = &sharing.ObjectionMark{ID: x.id, Status: x.st}
		} else {
			out[n-1].Repaired = true
		}
	}
	return out, nil
}

var _ rights.Store = (*Store)(nil)
