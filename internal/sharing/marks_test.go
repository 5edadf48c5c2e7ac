package sharing_test

import (
	"context"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// TestRecordMarks: a record under objection is flagged for every reader;
// a repaired record is dropped for institutions and other departments and
// flagged for the subject, the operator, auditors and its source.
func TestRecordMarks(t *testing.T) {
	svc, st, _ := setup(t)
	svc.Marks = st
	ctx := context.Background()
	rec, err := st.EnterpriseByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	if err := st.AppendFacts(ctx, []facts.Fact{
		{EnterpriseID: rec.ID, Item: "list.abnormal_operation", Shape: facts.Event, Period: day(2025, 1, 10), Ref: "A1", Text: "未年报", Source: "samr", Batch: "b", ReceivedAt: now, Version: 1},
		{EnterpriseID: rec.ID, Item: "list.abnormal_operation", Shape: facts.Event, Period: day(2025, 3, 10), Ref: "A2", Text: "失联", Source: "samr", Batch: "b", ReceivedAt: now, Version: 1},
	}); err != nil {
		t.Fatal(err)
	}
	o := &rights.Objection{EnterpriseID: rec.ID, Record: rights.Record{Item: "list.abnormal_operation", Period: day(2025, 1, 10), Ref: "A1"},
		Department: "samr", FactVersion: 1, Reason: "x", Status: rights.ObjectionOpen, FiledAt: now, DueAt: now.Add(time.Hour)}
	if err := st.CreateObjection(ctx, o); err != nil {
		t.Fatal(err)
	}
	rp := &rights.Repair{EnterpriseID: rec.ID, Record: rights.Record{Item: "list.abnormal_operation", Period: day(2025, 3, 10), Ref: "A2"},
		Department: "samr", FactVersion: 1, Evidence: "y", Status: rights.RepairPending, FiledAt: now}
	if err := st.CreateRepair(ctx, rp); err != nil {
		t.Fatal(err)
	}
	rp.Status, rp.DecidedAt = rights.RepairApproved, now
	if err := st.UpdateRepair(ctx, rp); err != nil {
		t.Fatal(err)
	}
	who := map[string]access.Principal{
		"bank":    {UserID: 2, Username: "bank", OrgID: 2, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer, AccessTier: 3},
		"tax":     {UserID: 3, Username: "tax", OrgID: 3, OrgKind: account.KindDepartment, Role: account.RoleDepartmentOfficer, Department: "tax"},
		"samr":    {UserID: 4, Username: "samr", OrgID: 4, OrgKind: account.KindDepartment, Role: account.RoleDepartmentOfficer, Department: "samr"},
		"self":    {UserID: 5, Username: "ent", OrgID: 5, OrgKind: account.KindEnterprise, Role: account.RoleEnterpriseAdmin, EnterpriseID: rec.ID},
		"auditor": {UserID: 6, Username: "aud", OrgID: 6, OrgKind: account.KindAuditor, Role: account.RoleAuditor},
		"admin":   operator,
	}
	for name, p := range who {
		t.Run(name, func(t *testing.T) {
			res, err := svc.Read(ctx, p, sharing.Query{Code: code, Items: []string{"list.abnormal_operation"}, Purpose: purposeOf(p)})
			if err != nil {
				t.Fatal(err)
			}
			seesRepaired := name != "bank" && name != "tax"
			want := 1
			if seesRepaired {
				want = 2
			}
			if len(res.Values) != want {
				t.Fatalf("%d values, want %d: %+v", len(res.Values), want, res.Values)
			}
			v := res.Values[0]
			if v.Ref != "A1" || v.Objection == nil || v.Objection.ID != o.ID || v.Objection.Status != "open" || v.Repaired {
				t.Fatalf("record under objection: %+v", v)
			}
			if seesRepaired && (res.Values[1].Ref != "A2" || !res.Values[1].Repaired || res.Values[1].Objection != nil) {
				t.Fatalf("repaired record: %+v", res.Values[1])
			}
		})
	}
}

func purposeOf(p access.Principal) string {
	if p.OrgKind == account.KindInstitution {
		return access.PurposeLoan
	}
	return ""
}
