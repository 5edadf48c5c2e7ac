package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
)

func objection(ent int64, item string, period time.Time, ref string, filed time.Time) *rights.Objection {
	return &rights.Objection{EnterpriseID: ent, Record: rights.Record{Item: item, Period: period, Ref: ref}, Department: "samr",
		FactVersion: 1, ValueNum: 500000, ValueText: "警告", Reason: "已整改", Status: rights.ObjectionOpen, FiledByUserID: 3,
		FiledBy: "ent", FiledAt: filed, DueAt: filed.Add(15 * 24 * time.Hour)}
}

var rightsCases = []testCase{
	{"Objections_round_trip_one_pending_per_record_conditional_update", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 11), "甲", "A", "320505"))
		b := create(t, s, record(code("320505", 12), "乙", "B", "320505"))
		t0 := utc(2026, 11, 1, 8, 0, 0, 123456)
		o1 := objection(a.ID, "penalty.administrative", day(2025, 1, 10), "苏罚〔2025〕1号", t0)
		must(t, s.CreateObjection(ctx(t), o1))
		if o1.ID == 0 {
			t.Fatal("ID not set")
		}
		got, err := s.ObjectionByID(ctx(t), o1.ID)
		must(t, err)
		want := *o1
		want.EnterpriseCode, want.EnterpriseName = a.Code, a.NameZH
		equal(t, "ObjectionByID", got, want)
		// A second pending objection on the same record collides; on
		// another record, or another enterprise, it does not.
		wantFault(t, s.CreateObjection(ctx(t), objection(a.ID, "penalty.administrative", day(2025, 1, 10), "苏罚〔2025〕1号", t0)),
			fault.Conflict, "rights.objection_pending")
		o2 := objection(a.ID, "penalty.administrative", day(2025, 1, 10), "苏罚〔2025〕2号", t0.Add(time.Hour))
		must(t, s.CreateObjection(ctx(t), o2))
		o3 := objection(b.ID, "tax.vat_sales", day(2025, 1, 1), "", t0.Add(2*time.Hour))
		o3.Department = "tax"
		must(t, s.CreateObjection(ctx(t), o3))
		wantFault(t, s.CreateObjection(ctx(t), objection(a.ID+b.ID+100, "x", day(2025, 1, 1), "", t0)), fault.Invalid, "store.reference")

		list, err := s.ListObjections(ctx(t), rights.Filter{EnterpriseID: a.ID})
		must(t, err)
		equal(t, "ListObjections(a)", ids(list, func(o rights.Objection) int64 { return o.ID }), []int64{o2.ID, o1.ID})
		list, err = s.ListObjections(ctx(t), rights.Filter{Department: "tax"})
		must(t, err)
		equal(t, "ListObjections(tax)", ids(list, func(o rights.Objection) int64 { return o.ID }), []int64{o3.ID})

		// Decide o1: only from a pending state.
		o1.Status, o1.DecidedBy, o1.DecidedByUserID, o1.DecidedAt, o1.DecisionReason = rights.ObjectionRejected, "samr", 9, t0.Add(48*time.Hour), "无依据"
		must(t, s.UpdateObjection(ctx(t), o1, rights.ObjectionOpen, rights.ObjectionEscalated))
		wantFault(t, s.UpdateObjection(ctx(t), o1, rights.ObjectionOpen), fault.Conflict, "rights.objection_closed")
		got, err = s.ObjectionByID(ctx(t), o1.ID)
		must(t, err)
		if got.Status != rights.ObjectionRejected || got.DecidedBy != "samr" || !got.DecidedAt.Equal(t0.Add(48*time.Hour)) || got.DecisionReason != "无依据" {
			t.Fatalf("after decision: %+v", got)
		}
		list, err = s.ListObjections(ctx(t), rights.Filter{Statuses: []string{"open", "escalated"}})
		must(t, err)
		equal(t, "pending", ids(list, func(o rights.Objection) int64 { return o.ID }), []int64{o3.ID, o2.ID})
		// Closed, the record can be disputed again.
		must(t, s.CreateObjection(ctx(t), objection(a.ID, "penalty.administrative", day(2025, 1, 10), "苏罚〔2025〕1号", t0.Add(72*time.Hour))))

		// Overdue: open ones due at or before now, oldest deadline first.
		due, err := s.OverdueObjections(ctx(t), t0.Add(15*24*time.Hour+time.Hour), 10)
		must(t, err)
		equal(t, "overdue", ids(due, func(o rights.Objection) int64 { return o.ID }), []int64{o2.ID})
		_, err = s.ObjectionByID(ctx(t), o1.ID+1000)
		wantFault(t, err, fault.NotFound, "rights.objection_not_found")
	}},
	{"Repairs_attachments_notifications_recompute_and_marks", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 21), "丙", "C", "320505"))
		t0 := utc(2026, 11, 2, 9, 0, 0, 5)
		rp := &rights.Repair{EnterpriseID: a.ID, Record: rights.Record{Item: "list.abnormal_operation", Period: day(2024, 6, 1), Ref: "R1"},
			Department: "samr", FactVersion: 2, Evidence: "已补报年报", Status: rights.RepairPending, FiledBy: "ent", FiledAt: t0}
		must(t, s.CreateRepair(ctx(t), rp))
		dup := *rp
		wantFault(t, s.CreateRepair(ctx(t), &dup), fault.Conflict, "rights.repair_exists")
		got, err := s.RepairByID(ctx(t), rp.ID)
		must(t, err)
		want := *rp
		want.EnterpriseCode, want.EnterpriseName = a.Code, a.NameZH
		equal(t, "RepairByID", got, want)

		files := []rights.Attachment{
			{Owner: rights.OwnerRepair, OwnerID: rp.ID, Name: "年报.pdf", ContentType: "application/pdf", SHA256: "ab", Data: []byte("%PDF-1.4 \x00\x01")},
			{Owner: rights.OwnerRepair, OwnerID: rp.ID, Name: "b.txt", ContentType: "text/plain", SHA256: "cd", Data: []byte("说明")},
		}
		must(t, s.AddAttachments(ctx(t), files))
		meta, err := s.AttachmentsOf(ctx(t), rights.OwnerRepair, rp.ID)
		must(t, err)
		if len(meta) != 2 || meta[0].Name != "年报.pdf" || meta[0].Size != 11 || meta[0].Data != nil || meta[1].ID != files[1].ID {
			t.Fatalf("AttachmentsOf = %+v", meta)
		}
		x, err := s.AttachmentByID(ctx(t), files[0].ID)
		must(t, err)
		if string(x.Data) != "%PDF-1.4 \x00\x01" || x.SHA256 != "ab" || !x.CreatedAt.Equal(files[0].CreatedAt) {
			t.Fatalf("AttachmentByID = %+v", x)
		}
		_, err = s.AttachmentByID(ctx(t), files[1].ID+100)
		wantFault(t, err, fault.NotFound, "rights.attachment_not_found")

		// Marks: nothing yet; a pending objection and an approved repair.
		marks, err := s.RecordMarks(ctx(t), a.ID)
		must(t, err)
		if len(marks) != 0 {
			t.Fatalf("marks before: %+v", marks)
		}
		o := objection(a.ID, "list.abnormal_operation", day(2024, 6, 1), "R1", t0)
		must(t, s.CreateObjection(ctx(t), o))
		rp.Status, rp.DecidedBy, rp.DecidedAt = rights.RepairApproved, "admin", t0.Add(time.Hour)
		must(t, s.UpdateRepair(ctx(t), rp))
		wantFault(t, s.UpdateRepair(ctx(t), rp), fault.Conflict, "rights.repair_closed")
		marks, err = s.RecordMarks(ctx(t), a.ID)
		must(t, err)
		equal(t, "marks", marks, []sharing.RecordMark{{Item: "list.abnormal_operation", Period: day(2024, 6, 1), Ref: "R1",
			Objection: &sharing.ObjectionMark{ID: o.ID, Status: "open"}, Repaired: true}})
		list, err := s.ListRepairs(ctx(t), rights.Filter{Statuses: []string{"approved"}})
		must(t, err)
		equal(t, "approved", ids(list, func(r rights.Repair) int64 { return r.ID }), []int64{rp.ID})

		n := &rights.Notification{EnterpriseID: a.ID, Kind: rights.OwnerRepair, RefID: rp.ID, Status: "approved", Item: rp.Item, CreatedAt: t0}
		must(t, s.AddNotification(ctx(t), n))
		ns, err := s.NotificationsOf(ctx(t), a.ID, 10)
		must(t, err)
		equal(t, "notifications", ns, []rights.Notification{*n})

		r := &rights.Recompute{EnterpriseID: a.ID, Reason: "repair 1", Since: day(2024, 6, 1), QueuedAt: t0}
		must(t, s.EnqueueRecompute(ctx(t), r))
		q, err := s.RecomputeQueue(ctx(t), 10)
		must(t, err)
		equal(t, "recompute queue", q, []rights.Recompute{*r})
	}},
	{"Rights_writes_roll_back_with_the_transaction", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 31), "丁", "D", "320505"))
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx store.Store) error {
			o := objection(a.ID, "penalty.tax", day(2025, 2, 1), "T1", utc(2026, 11, 3, 0, 0, 0, 0))
			if err := tx.CreateObjection(ctx(t), o); err != nil {
				return err
			}
			if err := tx.AddAttachments(ctx(t), []rights.Attachment{{Owner: rights.OwnerObjection, OwnerID: o.ID, Name: "a", ContentType: "text/plain", SHA256: "x", Data: []byte("a")}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		list, err := s.ListObjections(ctx(t), rights.Filter{EnterpriseID: a.ID})
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("objections after rollback: %+v", list)
		}
	}},
}
