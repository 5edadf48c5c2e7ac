package rights

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Limits of a filing.
const (
	// DefaultDeadline is how long the source department has to decide an
	// objection before it escalates (setting objection_deadline).
	DefaultDeadline = 15 * 24 * time.Hour
	// MaxAttachments and MaxAttachmentBytes bound the files of one
	// filing; the request body limit (max_body_bytes) bounds them too.
	MaxAttachments     = 5
	MaxAttachmentBytes = 1 << 20
	// MaxTextRunes bounds a reason or an evidence statement.
	MaxTextRunes = 2000
)

// Items is the catalogue as the service needs it.
type Items interface {
	Current(ctx context.Context) (*catalog.Snapshot, error)
}

// Service runs objections and credit repair.
type Service struct {
	Repo Repo
	// InTx runs fn in one transaction on a Repo bound to it.
	InTx  func(ctx context.Context, fn func(Repo) error) error
	Items Items
	// Deadline is the department's time to decide an objection
	// (DefaultDeadline when zero).
	Deadline time.Duration
	Now      func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) deadline() time.Duration {
	if s.Deadline > 0 {
		return s.Deadline
	}
	return DefaultDeadline
}

// AttachmentInput is a file as uploaded.
type AttachmentInput struct {
	Name        string
	ContentType string // as declared; the stored type is sniffed from the content when absent
	Data        []byte
}

// ObjectionInput is what an enterprise files to dispute a record.
type ObjectionInput struct {
	Code        string // the enterprise's unified social credit code
	Item        string
	Period      time.Time
	Ref         string
	Reason      string
	Attachments []AttachmentInput
}

// RepairInput is an application for credit repair.
type RepairInput struct {
	Code        string
	Item        string
	Period      time.Time
	Ref         string
	Evidence    string
	Attachments []AttachmentInput
}

// Decision actions.
const (
	ActionConfirm = "confirm" // objection: the record stands
	ActionCorrect = "correct" // objection: store a corrected version
	ActionReject  = "reject"  // objection or repair: refused with a reason
	ActionApprove = "approve" // repair: the record is repaired
)

// Decision is a department's or the operator's answer.
type Decision struct {
	Action string
	Reason string
	// Num and Text are the corrected value (ActionCorrect); nil keeps
	// the stored one, and at least one must change.
	Num  *int64
	Text *string
}

// Repairable reports whether an item's records may be repaired: the
// penalties and list entries (DOMAIN.md §6; 《失信行为纠正后的信用信息修复管理办法（试行）》).
func Repairable(it catalog.Item) bool {
	return it.Shape == facts.Event && (it.Category == catalog.CatPenalty || it.Category == catalog.CatList)
}

// ---- objections

// FileObjection files an objection for the principal's own enterprise.
func (s *Service) FileObjection(ctx context.Context, p access.Principal, in ObjectionInput) (Objection, error) {
	rec, it, f, err := s.target(ctx, p, in.Code, in.Item, in.Period, in.Ref)
	if err != nil {
		return Objection{}, err
	}
	reason, err := text("reason", in.Reason)
	if err != nil {
		return Objection{}, err
	}
	files, err := attachments(in.Attachments)
	if err != nil {
		return Objection{}, err
	}
	now := s.now()
	o := Objection{EnterpriseID: rec.ID, EnterpriseCode: rec.Code, EnterpriseName: rec.NameZH,
		Record: Record{Item: f.Item, Period: f.Period, Ref: f.Ref}, Department: it.Department,
		FactVersion: f.Version, ValueNum: f.Num, ValueText: f.Text, Reason: reason, Status: ObjectionOpen,
		FiledByUserID: p.UserID, FiledBy: p.ActorName(), FiledAt: now, DueAt: now.Add(s.deadline())}
	err = s.InTx(ctx, func(r Repo) error {
		if err := r.CreateObjection(ctx, &o); err != nil {
			return err
		}
		for i := range files {
			files[i].Owner, files[i].OwnerID = OwnerObjection, o.ID
		}
		if err := r.AddAttachments(ctx, files); err != nil {
			return err
		}
		return s.record(ctx, r, p, "objection.file", o.EnterpriseID, o.Item, "", detailOf(o.ID, o.Record, map[string]any{
			"version": o.FactVersion, "department": o.Department, "due_at": o.DueAt, "attachments": digests(files)}))
	})
	if err != nil {
		return Objection{}, err
	}
	o.Attachments = stripData(files)
	return o, nil
}

// GetObjection returns one objection with its attachments' metadata, to
// those who may see it (others get fault.NotFound), and records the read.
func (s *Service) GetObjection(ctx context.Context, p access.Principal, id int64) (Objection, error) {
	o, err := s.Repo.ObjectionByID(ctx, id)
	if err != nil {
		return Objection{}, err
	}
	if err := s.visible(ctx, p, o.EnterpriseID, o.Department, o.Item); err != nil {
		return Objection{}, fault.New(fault.NotFound, "rights.objection_not_found", "no such objection").Wrap(err)
	}
	if o.Attachments, err = s.Repo.AttachmentsOf(ctx, OwnerObjection, o.ID); err != nil {
		return Objection{}, err
	}
	if err := s.record(ctx, s.Repo, p, "objection.read", o.EnterpriseID, o.Item, "", detailOf(o.ID, o.Record, nil)); err != nil {
		return Objection{}, err
	}
	return o, nil
}

// Queue names a list of objections.
const (
	QueueAll       = ""          // everything the principal may see
	QueueEscalated = "escalated" // the operator's queue of overdue objections
	QueuePending   = "pending"   // open and escalated
)

// ListObjections lists what p may see (with their attachments'
// metadata): an enterprise its own, a department its queue, operators and
// auditors everything; queue narrows it. The list is one evidence entry.
func (s *Service) ListObjections(ctx context.Context, p access.Principal, queue string, limit int) ([]Objection, error) {
	f, err := s.scope(p, queue, limit)
	if err != nil {
		return nil, err
	}
	all, err := s.Repo.ListObjections(ctx, f)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		// The scope already narrows the rows; the decision point has the
		// last word on each.
		if s.visible(ctx, p, o.EnterpriseID, o.Department, o.Item) != nil {
			continue
		}
		if o.Attachments, err = s.Repo.AttachmentsOf(ctx, OwnerObjection, o.ID); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, s.record(ctx, s.Repo, p, "objection.list", f.EnterpriseID, "", "", fmt.Sprintf(`{"queue":%q,"count":%d}`, queue, len(out)))
}

// DecideObjection confirms, corrects or rejects a pending objection: the
// source department on its queue, or an operator administrator once the
// objection has escalated. A correction stores the record's next version
// (provenance "objection <id>") in the same transaction as the decision,
// the enterprise's notification and the evidence entry.
func (s *Service) DecideObjection(ctx context.Context, p access.Principal, id int64, d Decision) (Objection, error) {
	o, err := s.Repo.ObjectionByID(ctx, id)
	if err != nil {
		return Objection{}, err
	}
	if err := s.visible(ctx, p, o.EnterpriseID, o.Department, o.Item); err != nil {
		return Objection{}, fault.New(fault.NotFound, "rights.objection_not_found", "no such objection").Wrap(err)
	}
	if err := person(p); err != nil {
		return Objection{}, err
	}
	switch {
	case p.OrgKind == account.KindDepartment && p.Department == o.Department:
	case p.IsOperator() && p.IsAdmin():
		if o.Status != ObjectionEscalated {
			return Objection{}, fault.New(fault.Forbidden, "rights.not_escalated", "the operator decides only escalated objections").
				With("id", strconv.FormatInt(o.ID, 10))
		}
	default:
		return Objection{}, fault.New(fault.Forbidden, "rights.not_decider", "only the source department (or the operator, once escalated) decides an objection")
	}
	if !o.Status.Pending() {
		return Objection{}, fault.New(fault.Conflict, "rights.objection_closed", "the objection is no longer in a state that allows this").
			With("id", strconv.FormatInt(o.ID, 10))
	}
	reason := strings.TrimSpace(d.Reason)
	if utf8.RuneCountInString(reason) > MaxTextRunes {
		return Objection{}, fault.New(fault.Invalid, "rights.text_too_long", "text too long").With("field", "reason").With("max", strconv.Itoa(MaxTextRunes))
	}
	from := o.Status
	now := s.now()
	var correction *facts.Fact
	switch d.Action {
	case ActionConfirm:
		o.Status = ObjectionConfirmed
	case ActionReject:
		if reason == "" {
			return Objection{}, fault.New(fault.Invalid, "rights.reason_required", "a reason is required").With("field", "reason")
		}
		o.Status = ObjectionRejected
	case ActionCorrect:
		cur, err := s.current(ctx, s.Repo, o.EnterpriseID, o.Record)
		if err != nil {
			return Objection{}, err
		}
		next := cur
		if d.Num != nil {
			next.Num = *d.Num
		}
		if d.Text != nil {
			t := strings.TrimSpace(*d.Text)
			if utf8.RuneCountInString(t) > MaxTextRunes {
				return Objection{}, fault.New(fault.Invalid, "rights.text_too_long", "text too long").With("field", "text").With("max", strconv.Itoa(MaxTextRunes))
			}
			next.Text = t
		}
		if next.Num == cur.Num && next.Text == cur.Text {
			return Objection{}, fault.New(fault.Invalid, "rights.correction_unchanged", "a correction must change the value")
		}
		next.ID, next.Version, next.ReceivedAt = 0, cur.Version+1, now
		next.Batch, next.SourceRow = "objection "+strconv.FormatInt(o.ID, 10), 0
		correction = &next
		o.Status, o.CorrectedVersion = ObjectionCorrected, next.Version
	default:
		return Objection{}, fault.New(fault.Invalid, "rights.bad_action", "unknown decision").With("action", d.Action)
	}
	o.DecidedByUserID, o.DecidedBy, o.DecidedAt, o.DecisionReason = p.UserID, p.ActorName(), now, reason
	err = s.InTx(ctx, func(r Repo) error {
		if err := r.UpdateObjection(ctx, &o, from); err != nil {
			return err
		}
		extra := map[string]any{"decision": d.Action, "reason": reason}
		if correction != nil {
			if err := r.AppendFacts(ctx, []facts.Fact{*correction}); err != nil {
				return err
			}
			// What was derived from the old version (the enterprise's
			// score) is recomputed, as after any new data.
			if err := r.EnqueueRecompute(ctx, &Recompute{EnterpriseID: o.EnterpriseID, Since: correction.Period, QueuedAt: now,
				Reason: "objection " + strconv.FormatInt(o.ID, 10) + ": " + o.Item}); err != nil {
				return err
			}
			extra["version"], extra["num"], extra["text"] = correction.Version, correction.Num, correction.Text
		}
		if err := r.AddNotification(ctx, &Notification{EnterpriseID: o.EnterpriseID, Kind: OwnerObjection, RefID: o.ID,
			Status: string(o.Status), Item: o.Item, Reason: reason, CreatedAt: now}); err != nil {
			return err
		}
		return s.record(ctx, r, p, "objection."+d.Action, o.EnterpriseID, o.Item, "", detailOf(o.ID, o.Record, extra))
	})
	if err != nil {
		return Objection{}, err
	}
	return o, nil
}

// Escalate moves open objections past their deadline to the escalated
// state (the operator's queue), each with a notification and an evidence
// entry in its own transaction. It returns how many it escalated.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	for {
		due, err := s.Repo.OverdueObjections(ctx, now, 100)
		if err != nil {
			return n, err
		}
		if len(due) == 0 {
			return n, nil
		}
		for _, o := range due {
			o.Status, o.EscalatedAt = ObjectionEscalated, now
			err := s.InTx(ctx, func(r Repo) error {
				if err := r.UpdateObjection(ctx, &o, ObjectionOpen); err != nil {
					return err
				}
				if err := r.AddNotification(ctx, &Notification{EnterpriseID: o.EnterpriseID, Kind: OwnerObjection, RefID: o.ID,
					Status: string(o.Status), Item: o.Item, CreatedAt: now}); err != nil {
					return err
				}
				return s.record(ctx, r, access.System, "objection.escalate", o.EnterpriseID, o.Item, "",
					detailOf(o.ID, o.Record, map[string]any{"department": o.Department, "due_at": o.DueAt}))
			})
			if fault.Is(err, fault.Conflict) {
				continue // decided meanwhile
			}
			if err != nil {
				return n, err
			}
			n++
		}
		if len(due) < 100 {
			return n, nil
		}
	}
}

// Sweep runs Escalate every interval until ctx ends (and once at start).
func (s *Service) Sweep(ctx context.Context, interval time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Escalate(ctx); err != nil && !fault.Is(err, fault.Canceled) && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ---- credit repair

// FileRepair applies for the repair of a penalty or list entry of the
// principal's own enterprise.
func (s *Service) FileRepair(ctx context.Context, p access.Principal, in RepairInput) (Repair, error) {
	rec, it, f, err := s.target(ctx, p, in.Code, in.Item, in.Period, in.Ref)
	if err != nil {
		return Repair{}, err
	}
	if !Repairable(it) {
		return Repair{}, fault.New(fault.Invalid, "rights.not_repairable", "only penalties and list entries can be repaired").With("item", it.Code)
	}
	evidence, err := text("evidence", in.Evidence)
	if err != nil {
		return Repair{}, err
	}
	files, err := attachments(in.Attachments)
	if err != nil {
		return Repair{}, err
	}
	rp := Repair{EnterpriseID: rec.ID, EnterpriseCode: rec.Code, EnterpriseName: rec.NameZH,
		Record: Record{Item: f.Item, Period: f.Period, Ref: f.Ref}, Department: it.Department, FactVersion: f.Version,
		Evidence: evidence, Status: RepairPending, FiledByUserID: p.UserID, FiledBy: p.ActorName(), FiledAt: s.now()}
	err = s.InTx(ctx, func(r Repo) error {
		if err := r.CreateRepair(ctx, &rp); err != nil {
			return err
		}
		for i := range files {
			files[i].Owner, files[i].OwnerID = OwnerRepair, rp.ID
		}
		if err := r.AddAttachments(ctx, files); err != nil {
			return err
		}
		return s.record(ctx, r, p, "repair.file", rp.EnterpriseID, rp.Item, "", detailOf(rp.ID, rp.Record, map[string]any{
			"version": rp.FactVersion, "attachments": digests(files)}))
	})
	if err != nil {
		return Repair{}, err
	}
	rp.Attachments = stripData(files)
	return rp, nil
}

// GetRepair returns one application to those who may see it.
func (s *Service) GetRepair(ctx context.Context, p access.Principal, id int64) (Repair, error) {
	rp, err := s.Repo.RepairByID(ctx, id)
	if err != nil {
		return Repair{}, err
	}
	if err := s.visibleRepair(ctx, p, rp); err != nil {
		return Repair{}, fault.New(fault.NotFound, "rights.repair_not_found", "no such repair application").Wrap(err)
	}
	if rp.Attachments, err = s.Repo.AttachmentsOf(ctx, OwnerRepair, rp.ID); err != nil {
		return Repair{}, err
	}
	if err := s.record(ctx, s.Repo, p, "repair.read", rp.EnterpriseID, rp.Item, "", detailOf(rp.ID, rp.Record, nil)); err != nil {
		return Repair{}, err
	}
	return rp, nil
}

// ListRepairs lists what p may see: an enterprise its own applications,
// operators and auditors all; queue "pending" narrows to undecided ones.
func (s *Service) ListRepairs(ctx context.Context, p access.Principal, queue string, limit int) ([]Repair, error) {
	f := Filter{Limit: limit}
	if p.APIKeyID != 0 && !p.HasScope(account.ScopeEnterpriseRead) {
		return nil, fault.New(fault.Forbidden, "access.scope_missing", "the API key lacks the enterprise:read scope")
	}
	switch {
	case p.OrgKind == account.KindEnterprise && p.EnterpriseID != 0:
		f.EnterpriseID = p.EnterpriseID
	case p.IsOperator(), p.OrgKind == account.KindAuditor:
	default:
		return nil, fault.New(fault.Forbidden, "rights.repairs_forbidden", "repair applications are seen by the enterprise, the operator and auditors")
	}
	switch queue {
	case QueueAll:
	case QueuePending:
		f.Statuses = []string{string(RepairPending)}
	default:
		return nil, fault.New(fault.Invalid, "rights.bad_queue", "unknown queue").With("queue", queue)
	}
	all, err := s.Repo.ListRepairs(ctx, f)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, rp := range all {
		if s.visibleRepair(ctx, p, rp) != nil {
			continue
		}
		if rp.Attachments, err = s.Repo.AttachmentsOf(ctx, OwnerRepair, rp.ID); err != nil {
			return nil, err
		}
		out = append(out, rp)
	}
	return out, s.record(ctx, s.Repo, p, "repair.list", f.EnterpriseID, "", "", fmt.Sprintf(`{"queue":%q,"count":%d}`, queue, len(out)))
}

// DecideRepair approves or rejects a pending application (operator
// administrators). Approval marks the record repaired and queues the
// enterprise for recomputation of what derives from it, in the same
// transaction as the notification and the evidence entry.
func (s *Service) DecideRepair(ctx context.Context, p access.Principal, id int64, d Decision) (Repair, error) {
	if err := person(p); err != nil {
		return Repair{}, err
	}
	if !p.IsOperator() || !p.IsAdmin() {
		return Repair{}, fault.New(fault.Forbidden, "rights.not_decider_repair", "only an operator administrator decides a repair application")
	}
	rp, err := s.Repo.RepairByID(ctx, id)
	if err != nil {
		return Repair{}, err
	}
	if rp.Status != RepairPending {
		return Repair{}, fault.New(fault.Conflict, "rights.repair_closed", "the repair application was already decided").
			With("id", strconv.FormatInt(rp.ID, 10))
	}
	reason := strings.TrimSpace(d.Reason)
	if utf8.RuneCountInString(reason) > MaxTextRunes {
		return Repair{}, fault.New(fault.Invalid, "rights.text_too_long", "text too long").With("field", "reason").With("max", strconv.Itoa(MaxTextRunes))
	}
	switch d.Action {
	case ActionApprove:
		rp.Status = RepairApproved
	case ActionReject:
		if reason == "" {
			return Repair{}, fault.New(fault.Invalid, "rights.reason_required", "a reason is required").With("field", "reason")
		}
		rp.Status = RepairRejected
	default:
		return Repair{}, fault.New(fault.Invalid, "rights.bad_action", "unknown decision").With("action", d.Action)
	}
	now := s.now()
	rp.DecidedByUserID, rp.DecidedBy, rp.DecidedAt, rp.DecisionReason = p.UserID, p.ActorName(), now, reason
	err = s.InTx(ctx, func(r Repo) error {
		if err := r.UpdateRepair(ctx, &rp); err != nil {
			return err
		}
		if rp.Status == RepairApproved {
			if err := r.EnqueueRecompute(ctx, &Recompute{EnterpriseID: rp.EnterpriseID, Since: rp.Period, QueuedAt: now,
				Reason: "repair " + strconv.FormatInt(rp.ID, 10) + ": " + rp.Item}); err != nil {
				return err
			}
		}
		if err := r.AddNotification(ctx, &Notification{EnterpriseID: rp.EnterpriseID, Kind: OwnerRepair, RefID: rp.ID,
			Status: string(rp.Status), Item: rp.Item, Reason: reason, CreatedAt: now}); err != nil {
			return err
		}
		return s.record(ctx, r, p, "repair."+d.Action, rp.EnterpriseID, rp.Item, "", detailOf(rp.ID, rp.Record, map[string]any{
			"decision": d.Action, "reason": reason}))
	})
	if err != nil {
		return Repair{}, err
	}
	return rp, nil
}

// ---- attachments and notifications

// Attachment returns a file of an objection or repair that p may see and
// records the download.
func (s *Service) Attachment(ctx context.Context, p access.Principal, owner string, ownerID, id int64) (Attachment, error) {
	nf := fault.New(fault.NotFound, "rights.attachment_not_found", "no such attachment")
	var ent int64
	var item string
	var rec Record
	switch owner {
	case OwnerObjection:
		o, err := s.Repo.ObjectionByID(ctx, ownerID)
		if err != nil {
			return Attachment{}, err
		}
		if err := s.visible(ctx, p, o.EnterpriseID, o.Department, o.Item); err != nil {
			return Attachment{}, nf.Wrap(err)
		}
		ent, item, rec = o.EnterpriseID, o.Item, o.Record
	case OwnerRepair:
		rp, err := s.Repo.RepairByID(ctx, ownerID)
		if err != nil {
			return Attachment{}, err
		}
		if err := s.visibleRepair(ctx, p, rp); err != nil {
			return Attachment{}, nf.Wrap(err)
		}
		ent, item, rec = rp.EnterpriseID, rp.Item, rp.Record
	default:
		return Attachment{}, nf
	}
	x, err := s.Repo.AttachmentByID(ctx, id)
	if err != nil {
		return Attachment{}, err
	}
	if x.Owner != owner || x.OwnerID != ownerID {
		return Attachment{}, nf
	}
	err = s.record(ctx, s.Repo, p, owner+".attachment", ent, item, "", detailOf(ownerID, rec, map[string]any{"attachment": x.ID, "sha256": x.SHA256}))
	return x, err
}

// Notifications returns the principal's enterprise's notifications.
func (s *Service) Notifications(ctx context.Context, p access.Principal, limit int) ([]Notification, error) {
	if p.OrgKind != account.KindEnterprise || p.EnterpriseID == 0 {
		return nil, fault.New(fault.Forbidden, "rights.enterprise_only", "only an enterprise files objections and repairs")
	}
	return s.Repo.NotificationsOf(ctx, p.EnterpriseID, limit)
}

// ---- helpers

// target resolves what an enterprise files about: its own enterprise, a
// catalogue item and the record's current version.
func (s *Service) target(ctx context.Context, p access.Principal, code, item string, period time.Time, ref string) (enterprise.Record, catalog.Item, facts.Fact, error) {
	var zr enterprise.Record
	var zi catalog.Item
	var zf facts.Fact
	if p.OrgKind != account.KindEnterprise || p.EnterpriseID == 0 {
		return zr, zi, zf, fault.New(fault.Forbidden, "rights.enterprise_only", "only an enterprise files objections and repairs")
	}
	if err := person(p); err != nil {
		return zr, zi, zf, err
	}
	c, err := creditcode.Parse(code)
	if err != nil {
		return zr, zi, zf, err
	}
	rec, err := s.Repo.EnterpriseByCode(ctx, string(c))
	if err != nil {
		return zr, zi, zf, err
	}
	if rec.ID != p.EnterpriseID {
		return zr, zi, zf, fault.New(fault.Forbidden, "rights.not_own", "an enterprise files only about its own records")
	}
	cat, err := s.Items.Current(ctx)
	if err != nil {
		return zr, zi, zf, err
	}
	it, ok := cat.ByCode[strings.TrimSpace(item)]
	if !ok {
		return zr, zi, zf, fault.New(fault.Invalid, "rights.unknown_item", "no such catalogue item").With("item", item)
	}
	if period.IsZero() {
		return zr, zi, zf, fault.New(fault.Invalid, "rights.period_required", "the record's period is required")
	}
	f, err := s.current(ctx, s.Repo, rec.ID, Record{Item: it.Code, Period: period, Ref: strings.TrimSpace(ref)})
	if err != nil {
		return zr, zi, zf, err
	}
	return rec, it, f, nil
}

// current returns the latest stored version of a record.
func (s *Service) current(ctx context.Context, r Repo, enterpriseID int64, rc Record) (facts.Fact, error) {
	fs, err := r.QueryFacts(ctx, facts.Query{EnterpriseID: enterpriseID, Item: rc.Item, From: rc.Period, To: rc.Period, Limit: 10_000})
	if err != nil {
		return facts.Fact{}, err
	}
	for _, f := range fs {
		if f.Ref == rc.Ref {
			return f, nil
		}
	}
	return facts.Fact{}, fault.New(fault.NotFound, "rights.record_not_found", "no such stored record").
		With("item", rc.Item).With("period", rc.Period.Format(time.DateOnly))
}

// person refuses API keys: filing and deciding are acts of a named,
// signed-in person, whom the evidence entry names.
func person(p access.Principal) error {
	if p.APIKeyID != 0 || p.UserID == 0 {
		return fault.New(fault.Forbidden, "rights.user_required", "objections and repairs are filed and decided by a signed-in person")
	}
	return nil
}

// scope turns a principal and a queue into a list filter.
func (s *Service) scope(p access.Principal, queue string, limit int) (Filter, error) {
	f := Filter{Limit: limit}
	if p.APIKeyID != 0 && !p.HasScope(account.ScopeEnterpriseRead) {
		return f, fault.New(fault.Forbidden, "access.scope_missing", "the API key lacks the enterprise:read scope")
	}
	switch {
	case p.OrgKind == account.KindEnterprise && p.EnterpriseID != 0:
		f.EnterpriseID = p.EnterpriseID
	case p.OrgKind == account.KindDepartment && p.Department != "":
		f.Department = p.Department
	case p.IsOperator(), p.OrgKind == account.KindAuditor:
	default:
		return f, fault.New(fault.Forbidden, "rights.objections_forbidden", "objections are seen by the enterprise, the source department, the operator and auditors")
	}
	switch queue {
	case QueueAll:
	case QueuePending:
		f.Statuses = []string{string(ObjectionOpen), string(ObjectionEscalated)}
	case QueueEscalated:
		f.Statuses = []string{string(ObjectionEscalated)}
	default:
		return f, fault.New(fault.Invalid, "rights.bad_queue", "unknown queue").With("queue", queue)
	}
	return f, nil
}

// visible decides whether p may see a filing about enterprise's item:
// the role's scope (the subject, the source department, operators,
// auditors), then the access decision point itself, which must allow p
// to view the item of that enterprise.
func (s *Service) visible(ctx context.Context, p access.Principal, enterpriseID int64, department, item string) error {
	switch {
	case p.OrgKind == account.KindEnterprise && p.EnterpriseID == enterpriseID:
	case p.OrgKind == account.KindDepartment && p.Department != "" && p.Department == department:
	case p.IsOperator(), p.OrgKind == account.KindAuditor:
	default:
		return fault.New(fault.Forbidden, "rights.objections_forbidden", "not visible to this principal")
	}
	cat, err := s.Items.Current(ctx)
	if err != nil {
		return err
	}
	it, ok := cat.ByCode[item]
	if !ok {
		// An item withdrawn from the catalogue: its department still
		// sees the filings of its queue.
		it = catalog.Item{Code: item, Department: department, Grade: 4, Sharing: "not_shared", Disclosure: "not_public"}
	}
	d := access.Decide(access.Request{Principal: p, Action: "objection.read", EnterpriseID: enterpriseID, Items: []string{item},
		Policies: []access.ItemPolicy{knownPolicy(it)}, Mode: access.ModeView, Now: s.now()})
	if !d.Allow {
		return fault.New(fault.Forbidden, d.Reason, "access denied: "+d.Reason)
	}
	return nil
}

func knownPolicy(it catalog.Item) access.ItemPolicy {
	pol := it.Policy()
	pol.Known = true
	return pol
}

func (s *Service) visibleRepair(ctx context.Context, p access.Principal, rp Repair) error {
	if p.OrgKind == account.KindDepartment {
		return fault.New(fault.Forbidden, "rights.repairs_forbidden", "repair applications are seen by the enterprise, the operator and auditors")
	}
	return s.visible(ctx, p, rp.EnterpriseID, rp.Department, rp.Item)
}

// record appends an evidence entry (last in the transaction it joins).
func (s *Service) record(ctx context.Context, r Repo, p access.Principal, action string, enterpriseID int64, item, purpose, detail string) error {
	e := audit.Entry{Time: s.now(), ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: action,
		EnterpriseID: enterpriseID, Purpose: purpose, Outcome: audit.OK, Detail: detail, RemoteAddr: p.RemoteAddr}
	if item != "" {
		e.Items = []string{item}
	}
	return r.AppendAudit(ctx, &e)
}

func detailOf(id int64, rc Record, extra map[string]any) string {
	m := map[string]any{"id": id, "period": rc.Period.Format(time.DateOnly)}
	if rc.Ref != "" {
		m["ref"] = rc.Ref
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// text validates a required free text.
func text(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fault.New(fault.Invalid, "rights.reason_required", "a reason is required").With("field", field)
	}
	if n := utf8.RuneCountInString(s); n > MaxTextRunes {
		return "", fault.New(fault.Invalid, "rights.text_too_long", "text too long").With("field", field).With("max", strconv.Itoa(MaxTextRunes))
	}
	return s, nil
}

// attachments checks the files and computes their digests; the content
// type stored is the one sniffed from the content when none is declared,
// and application/octet-stream when the declared one does not parse.
func attachments(in []AttachmentInput) ([]Attachment, error) {
	if len(in) > MaxAttachments {
		return nil, fault.New(fault.Invalid, "rights.too_many_attachments", "too many attachments").With("max", strconv.Itoa(MaxAttachments))
	}
	out := make([]Attachment, 0, len(in))
	for i, a := range in {
		name := cleanName(a.Name)
		if name == "" {
			name = "attachment-" + strconv.Itoa(i+1)
		}
		if len(a.Data) == 0 {
			return nil, fault.New(fault.Invalid, "rights.attachment_empty", "empty attachment").With("name", name)
		}
		if len(a.Data) > MaxAttachmentBytes {
			return nil, fault.New(fault.TooLarge, "rights.attachment_too_large", "attachment too large").With("name", name).
				With("max", strconv.Itoa(MaxAttachmentBytes>>10)+" KiB")
		}
		ct := a.ContentType
		if mt, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
			ct = http.DetectContentType(a.Data)
		} else {
			ct = mt
		}
		sum := sha256.Sum256(a.Data)
		out = append(out, Attachment{Name: name, ContentType: ct, Size: int64(len(a.Data)), SHA256: hex.EncodeToString(sum[:]), Data: a.Data})
	}
	return out, nil
}

// cleanName keeps the base name of an uploaded file without control
// characters, at most 200 characters.
func cleanName(s string) string {
	s = path.Base(strings.ReplaceAll(strings.TrimSpace(s), `\`, "/"))
	if s == "." || s == "/" {
		return ""
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200])
	}
	return s
}

func digests(as []Attachment) []map[string]any {
	out := make([]map[string]any, len(as))
	for i, a := range as {
		out[i] = map[string]any{"name": a.Name, "size": a.Size, "sha256": a.SHA256}
	}
	return out
}

func stripData(as []Attachment) []Attachment {
	for i := range as {
		as[i].Data = nil
	}
	return as
}

// Messages are the user-facing texts of this package's codes.
var Messages = map[string][2]string{
	"rights.enterprise_only":      {"Only an enterprise's own users file objections and repair applications.", "只有企业本身的用户可以提出异议或申请信用修复。"},
	"rights.not_own":              {"An enterprise can file only about its own records.", "企业只能就本企业的记录提出申请。"},
	"rights.unknown_item":         {"No catalogue item {item}.", "共享清单中没有数据项 {item}。"},
	"rights.period_required":      {"Give the record's period (YYYY-MM-DD).", "请填写记录的期间或日期（YYYY-MM-DD）。"},
	"rights.record_not_found":     {"No stored record of {item} for {period}.", "未找到数据项 {item} 在 {period} 的记录。"},
	"rights.reason_required":      {"Please give the {field}.", "请填写理由或说明（{field}）。"},
	"rights.text_too_long":        {"The {field} is longer than {max} characters.", "{field} 超过 {max} 个字符。"},
	"rights.too_many_attachments": {"At most {max} attachments per filing.", "每次申请最多 {max} 个附件。"},
	"rights.attachment_empty":     {"The attachment {name} is empty.", "附件 {name} 为空文件。"},
	"rights.attachment_too_large": {"The attachment {name} is larger than {max}.", "附件 {name} 超过 {max}。"},
	"rights.objection_pending":    {"An objection to this record of {item} is already pending.", "该 {item} 记录已有待处理的异议。"},
	"rights.objection_not_found":  {"No such objection.", "未找到该异议。"},
	"rights.objection_closed":     {"Objection {id} has already been decided.", "异议 {id} 已处理完毕。"},
	"rights.objections_forbidden": {"Objections are seen by the enterprise, the source department, the operator and auditors.", "异议仅对企业本身、数据来源部门、平台运营方和审计人员可见。"},
	"rights.not_decider":          {"Only the source department (or the operator, once the objection is overdue) decides an objection.", "异议由数据来源部门处理；逾期后由平台运营方处理。"},
	"rights.not_escalated":        {"Objection {id} is still within the department's deadline; the operator decides only overdue objections.", "异议 {id} 仍在部门处理期限内，运营方只处理逾期的异议。"},
	"rights.bad_action":           {"Unknown decision {action}.", "未知的处理方式 {action}。"},
	"rights.bad_queue":            {"Unknown queue {queue}.", "未知的队列 {queue}。"},
	"rights.correction_unchanged": {"A correction must change the value.", "更正必须修改数值或内容。"},
	"rights.not_repairable":       {"Only penalties and list entries can be repaired; {item} is neither.", "只有行政处罚和名单类信息可以申请信用修复，{item} 不属于此类。"},
	"rights.repair_exists":        {"This record of {item} already has a pending or approved repair application.", "该 {item} 记录已有待审核或已通过的信用修复申请。"},
	"rights.repair_not_found":     {"No such repair application.", "未找到该信用修复申请。"},
	"rights.repair_closed":        {"Repair application {id} has already been decided.", "信用修复申请 {id} 已处理完毕。"},
	"rights.repairs_forbidden":    {"Repair applications are seen by the enterprise, the operator and auditors.", "信用修复申请仅对企业本身、平台运营方和审计人员可见。"},
	"rights.not_decider_repair":   {"Only an operator administrator decides a repair application.", "信用修复申请由平台运营管理员审核。"},
	"rights.user_required":        {"Objections and repair applications are filed and decided by a signed-in person, not by an API key.", "异议和信用修复申请须由登录的工作人员提出和处理，不能使用 API 密钥。"},
	"rights.attachment_not_found": {"No such attachment.", "未找到该附件。"},
}
