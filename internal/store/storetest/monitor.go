package storetest

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/store"
)

var monitorCases = []testCase{
	{"Alerts_round_trip_newest_first_with_filters_entries_and_suspension_link", func(t *testing.T, h Harness) {
		s := h.Open(t)
		t0 := utc(2026, 11, 27, 9, 30, 0, 123456)
		a := &monitor.Alert{Rule: monitor.RuleDeniedBurst, Severity: monitor.SeverityHigh, Score: 1.5, OrgID: 7, APIKeyID: 3, Actor: "apikey:cbk_1",
			Observed: 30, Threshold: 20, Entries: []int64{4, 9, 12}, Detail: "30 denied reads", CreatedAt: t0}
		b := &monitor.Alert{Rule: monitor.RuleVolumeBaseline, Severity: monitor.SeverityMedium, Score: 1.1, OrgID: 8, Actor: "org:8", CreatedAt: t0.Add(time.Minute)}
		must(t, s.InsertAlert(ctx(t), a))
		must(t, s.InsertAlert(ctx(t), b))
		if a.ID == 0 || b.ID <= a.ID {
			t.Fatalf("ids %d, %d: want increasing ids", a.ID, b.ID)
		}
		got, err := s.AlertByID(ctx(t), a.ID)
		must(t, err)
		equal(t, "AlertByID", got, *a)
		all, err := s.ListAlerts(ctx(t), monitor.AlertFilter{})
		must(t, err)
		equal(t, "ListAlerts ids", ids(all, func(x monitor.Alert) int64 { return x.ID }), []int64{b.ID, a.ID})
		if all[0].Entries != nil {
			t.Fatalf("alert without entries reads back %v, want nil", all[0].Entries)
		}
		for _, c := range []struct {
			name string
			f    monitor.AlertFilter
			want []int64
		}{
			{"org", monitor.AlertFilter{OrgID: 7}, []int64{a.ID}},
			{"rule", monitor.AlertFilter{Rule: monitor.RuleVolumeBaseline}, []int64{b.ID}},
			{"keyset", monitor.AlertFilter{After: b.ID}, []int64{a.ID}},
			{"limit", monitor.AlertFilter{Limit: 1}, []int64{b.ID}},
		} {
			got, err := s.ListAlerts(ctx(t), c.f)
			must(t, err)
			equal(t, "ListAlerts "+c.name, ids(got, func(x monitor.Alert) int64 { return x.ID }), c.want)
		}
		must(t, s.SetAlertSuspension(ctx(t), a.ID, 42))
		got, err = s.AlertByID(ctx(t), a.ID)
		must(t, err)
		if got.SuspensionID != 42 {
			t.Fatalf("SuspensionID = %d, want 42", got.SuspensionID)
		}
		wantFault(t, s.SetAlertSuspension(ctx(t), 9999, 1), fault.NotFound, "monitor.alert_not_found")
		_, err = s.AlertByID(ctx(t), 9999)
		wantFault(t, err, fault.NotFound, "monitor.alert_not_found")
	}},
	{"Suspensions_one_in_force_per_target_lift_and_check_by_user_key_or_org", func(t *testing.T, h Harness) {
		s := h.Open(t)
		bank := org(t, s, account.KindInstitution, "银行")
		u := user(t, s, bank.ID, "officer", account.RoleInstitutionOfficer)
		k := &account.APIKey{OrgID: bank.ID, Prefix: "cbk_0000beef", SecretHash: "h", Name: "core", Scopes: []account.Scope{account.ScopeEnterpriseRead}}
		must(t, s.CreateAPIKey(ctx(t), k))
		for _, c := range []struct {
			kind monitor.Kind
			id   int64
			want monitor.Target
		}{
			{monitor.KindUser, u.ID, monitor.Target{OrgID: bank.ID, Name: "officer"}},
			{monitor.KindAPIKey, k.ID, monitor.Target{OrgID: bank.ID, Name: "cbk_0000beef"}},
			{monitor.KindOrg, bank.ID, monitor.Target{OrgID: bank.ID, Name: "银行"}},
		} {
			got, err := s.SuspensionTarget(ctx(t), c.kind, c.id)
			must(t, err)
			equal(t, "SuspensionTarget "+string(c.kind), got, c.want)
			_, err = s.SuspensionTarget(ctx(t), c.kind, 99999)
			wantFault(t, err, fault.NotFound, "monitor.target_not_found")
		}
		_, ok, err := s.ActiveSuspension(ctx(t), u.ID, k.ID, bank.ID)
		must(t, err)
		if ok {
			t.Fatal("ActiveSuspension before any suspension = true")
		}
		t0 := utc(2026, 11, 27, 10, 0, 0, 5)
		sp := &monitor.Suspension{Kind: monitor.KindAPIKey, TargetID: k.ID, OrgID: bank.ID, Target: k.Prefix, Reason: "harvesting", AlertID: 3, By: "monitor", CreatedAt: t0}
		must(t, s.InsertSuspension(ctx(t), sp))
		if sp.ID == 0 {
			t.Fatal("suspension ID not set")
		}
		wantFault(t, s.InsertSuspension(ctx(t), &monitor.Suspension{Kind: monitor.KindAPIKey, TargetID: k.ID, Reason: "again", By: "x", CreatedAt: t0}),
			fault.Conflict, "monitor.already_suspended")
		got, ok, err := s.ActiveSuspension(ctx(t), 0, k.ID, bank.ID)
		must(t, err)
		if !ok {
			t.Fatal("the key's suspension is not in force")
		}
		equal(t, "ActiveSuspension", got, *sp)
		// The user of the same organisation is not suspended by the key's suspension.
		_, ok, err = s.ActiveSuspension(ctx(t), u.ID, 0, 0)
		must(t, err)
		if ok {
			t.Fatal("a key's suspension blocks a user")
		}
		t1 := t0.Add(time.Hour)
		lifted, err := s.LiftSuspension(ctx(t), sp.ID, "admin", "false alarm", t1)
		must(t, err)
		if lifted.ID != sp.ID || !lifted.LiftedAt.Equal(t1) || lifted.LiftedBy != "admin" || lifted.LiftReason != "false alarm" || lifted.Active() {
			t.Fatalf("lifted = %+v", lifted)
		}
		_, err = s.LiftSuspension(ctx(t), sp.ID, "admin", "", t1)
		wantFault(t, err, fault.NotFound, "monitor.not_suspended")
		_, ok, err = s.ActiveSuspension(ctx(t), 0, k.ID, bank.ID)
		must(t, err)
		if ok {
			t.Fatal("a lifted suspension is still in force")
		}
		// The target may be suspended again; the organisation too.
		must(t, s.InsertSuspension(ctx(t), &monitor.Suspension{Kind: monitor.KindAPIKey, TargetID: k.ID, Reason: "again", By: "x", CreatedAt: t1}))
		orgSp := &monitor.Suspension{Kind: monitor.KindOrg, TargetID: bank.ID, OrgID: bank.ID, Reason: "org", By: "x", CreatedAt: t1.Add(time.Second)}
		must(t, s.InsertSuspension(ctx(t), orgSp))
		got, ok, err = s.ActiveSuspension(ctx(t), u.ID, 0, bank.ID)
		must(t, err)
		if !ok || got.ID != orgSp.ID {
			t.Fatalf("user of a suspended organisation: %+v %v, want the organisation's suspension", got, ok)
		}
		all, err := s.ListSuspensions(ctx(t), false, 0)
		must(t, err)
		if len(all) != 3 || all[0].ID != orgSp.ID || all[2].ID != sp.ID {
			t.Fatalf("ListSuspensions(all) = %+v", all)
		}
		active, err := s.ListSuspensions(ctx(t), true, 0)
		must(t, err)
		if len(active) != 2 {
			t.Fatalf("ListSuspensions(active) = %d, want 2", len(active))
		}
	}},
	{"HourCounts_add_up_and_read_back_by_range", func(t *testing.T, h Harness) {
		s := h.Open(t)
		h0 := utc(2026, 11, 27, 1, 0, 0, 0)
		must(t, s.AddHourCounts(ctx(t), []monitor.HourCount{{OrgID: 5, Hour: h0, Reads: 3, Denied: 1}, {OrgID: 5, Hour: h0.Add(time.Hour), Reads: 2, Exports: 1}, {OrgID: 6, Hour: h0, Reads: 9}}))
		inTx(t, s, func(tx store.Store) error {
			return tx.AddHourCounts(ctx(t), []monitor.HourCount{{OrgID: 5, Hour: h0.Add(25 * time.Minute), Reads: 4, Denied: 2, Exports: 3}})
		})
		got, err := s.HourCounts(ctx(t), 5, h0, h0.Add(2*time.Hour))
		must(t, err)
		equal(t, "HourCounts", got, []monitor.HourCount{{OrgID: 5, Hour: h0, Reads: 7, Denied: 3, Exports: 3}, {OrgID: 5, Hour: h0.Add(time.Hour), Reads: 2, Exports: 1}})
		got, err = s.HourCounts(ctx(t), 5, h0.Add(time.Hour), h0.Add(2*time.Hour))
		must(t, err)
		if len(got) != 1 || got[0].Reads != 2 {
			t.Fatalf("HourCounts of the second hour = %+v", got)
		}
	}},
	{"MonitorPosition_starts_at_zero_and_is_kept_per_name", func(t *testing.T, h Harness) {
		s := h.Open(t)
		p, err := s.MonitorPosition(ctx(t), "detector")
		must(t, err)
		if p != 0 {
			t.Fatalf("initial position %d", p)
		}
		must(t, s.SetMonitorPosition(ctx(t), "detector", 41))
		must(t, s.SetMonitorPosition(ctx(t), "detector", 57))
		must(t, s.SetMonitorPosition(ctx(t), "other", 3))
		p, err = s.MonitorPosition(ctx(t), "detector")
		must(t, err)
		if p != 57 {
			t.Fatalf("position %d, want 57", p)
		}
	}},
}
