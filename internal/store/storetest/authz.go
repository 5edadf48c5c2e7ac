package storetest

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

func grant(id string, ent, inst int64, created time.Time) *authz.Authorization {
	return &authz.Authorization{ID: id, EnterpriseID: ent, InstitutionID: inst, InstitutionName: "银行", Purpose: "loan_application",
		Items: []string{"tax.", "si.paid_months"}, DataFrom: day(2025, 1, 1), DataTo: day(2025, 12, 31),
		ValidFrom: created, ValidUntil: created.Add(90 * 24 * time.Hour), FetchType: authz.FetchPeriodic, Frequency: "monthly",
		Mode: authz.ModeView, Status: authz.StatusPending, CallbackURL: "https://bank.example/hook", RequestedBy: "officer",
		Version: 1, Signature: "sig-1", CreatedAt: created, UpdatedAt: created}
}

func authzPair(t *testing.T, s store.Store) (ent, ent2, inst, inst2 int64) {
	a := create(t, s, record(code("320505", 11), "甲", "A", "320505"))
	b := create(t, s, record(code("320505", 12), "乙", "B", "320505"))
	i1 := org(t, s, account.KindInstitution, "银行一")
	i2 := org(t, s, account.KindInstitution, "银行二")
	return a.ID, b.ID, i1.ID, i2.ID
}

// authzCases: authorizations and consents here, invitations and webhook
// deliveries in authz_consent.go.
var authzCases = append(authzBaseCases, authzConsentCases...)

var authzBaseCases = []testCase{
	{"CreateAuthorization_round_trips_with_the_enterprise_named", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, _, inst, _ := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 123456)
		a := grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0)
		must(t, s.CreateAuthorization(ctx(t), a))
		got, err := s.AuthorizationByID(ctx(t), a.ID)
		must(t, err)
		want := *a
		want.EnterpriseCode, want.EnterpriseName = code("320505", 11), "甲"
		equal(t, "AuthorizationByID", got, want)
		_, err = s.AuthorizationByID(ctx(t), "az_bbbbbbbbbbbbbbbbbbbbbbbbbb")
		wantFault(t, err, fault.NotFound, "authz.not_found")
		wantFault(t, s.CreateAuthorization(ctx(t), grant(a.ID, ent, inst, t0)), fault.Conflict, "store.duplicate")
		wantFault(t, s.CreateAuthorization(ctx(t), grant("az_cccccccccccccccccccccccccc", ent+1000, inst, t0)), fault.Invalid, "store.reference")
	}},
	{"UpdateAuthorization_is_optimistic", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, _, inst, _ := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		a := grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0)
		must(t, s.CreateAuthorization(ctx(t), a))
		next := *a
		next.Status, next.Version, next.UpdatedAt, next.DecidedBy = authz.StatusActive, 2, t0.Add(time.Hour), "admin"
		next.Items, next.DataTo, next.Mode, next.PersonalConsent, next.Signature = []string{"tax."}, day(2025, 6, 30), authz.ModeVerify, true, "sig-2"
		must(t, s.UpdateAuthorization(ctx(t), &next))
		got, err := s.AuthorizationByID(ctx(t), a.ID)
		must(t, err)
		next.EnterpriseCode, next.EnterpriseName = got.EnterpriseCode, got.EnterpriseName
		equal(t, "after update", got, next)
		stale := *a // version 1 again: stale
		stale.Version = 2
		stale.Status = authz.StatusRejected
		wantFault(t, s.UpdateAuthorization(ctx(t), &stale), fault.Conflict, "authz.stale")
		ghost := grant("az_zzzzzzzzzzzzzzzzzzzzzzzzzz", ent, inst, t0)
		ghost.Version = 2
		wantFault(t, s.UpdateAuthorization(ctx(t), ghost), fault.NotFound, "authz.not_found")
	}},
	{"EnterpriseAndAuthorizations_reads_what_the_two_reads_would", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, ent2, inst, inst2 := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		for _, a := range []*authz.Authorization{
			grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0),
			grant("az_bbbbbbbbbbbbbbbbbbbbbbbbbb", ent, inst, t0.Add(time.Hour)),
			grant("az_cccccccccccccccccccccccccc", ent2, inst, t0.Add(2*time.Hour)),
			grant("az_dddddddddddddddddddddddddd", ent, inst2, t0.Add(3*time.Hour)),
		} {
			must(t, s.CreateAuthorization(ctx(t), a))
		}
		check := func(t *testing.T, s store.Store, c string, entID, instID int64) {
			t.Helper()
			rec, as, err := s.EnterpriseAndAuthorizations(ctx(t), c, instID)
			must(t, err)
			wantRec, err := s.EnterpriseByCode(ctx(t), c)
			must(t, err)
			wantAs, err := s.AuthorizationsBetween(ctx(t), instID, entID)
			must(t, err)
			equal(t, "record", rec, wantRec)
			if len(wantAs) == 0 {
				equal(t, "no authorizations", len(as), 0)
				return
			}
			equal(t, "authorizations", as, wantAs)
		}
		check(t, s, code("320505", 11), ent, inst)  // two, newest first
		check(t, s, code("320505", 11), ent, inst2) // one
		check(t, s, code("320505", 12), ent2, inst2)
		// Inside a transaction, as part of it.
		must(t, s.InTx(ctx(t), func(tx store.Store) error {
			check(t, tx, code("320505", 11), ent, inst)
			return nil
		}))
		_, _, err := s.EnterpriseAndAuthorizations(ctx(t), code("320505", 13), inst)
		wantFault(t, err, fault.NotFound, "enterprise.not_found")
	}},
	{"ListAuthorizations_and_AuthorizationsBetween_filter_and_order_newest_first", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, ent2, inst, inst2 := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		as := []*authz.Authorization{
			grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0),
			grant("az_bbbbbbbbbbbbbbbbbbbbbbbbbb", ent, inst, t0.Add(time.Hour)),
			grant("az_cccccccccccccccccccccccccc", ent2, inst, t0.Add(2*time.Hour)),
			grant("az_dddddddddddddddddddddddddd", ent, inst2, t0.Add(3*time.Hour)),
		}
		as[1].Status = authz.StatusActive
		for _, a := range as {
			must(t, s.CreateAuthorization(ctx(t), a))
		}
		idsOf := func(xs []authz.Authorization) []string {
			out := []string{}
			for _, x := range xs {
				out = append(out, x.ID)
			}
			return out
		}
		got, err := s.AuthorizationsBetween(ctx(t), inst, ent)
		must(t, err)
		equal(t, "between(inst, ent)", idsOf(got), []string{as[1].ID, as[0].ID})
		got, err = s.AuthorizationsBetween(ctx(t), inst2, ent2)
		must(t, err)
		equal(t, "between(inst2, ent2)", idsOf(got), []string{})
		got, err = s.ListAuthorizations(ctx(t), authz.Filter{})
		must(t, err)
		equal(t, "list all", idsOf(got), []string{as[3].ID, as[2].ID, as[1].ID, as[0].ID})
		got, err = s.ListAuthorizations(ctx(t), authz.Filter{EnterpriseID: ent, Limit: 2})
		must(t, err)
		equal(t, "list ent limit 2", idsOf(got), []string{as[3].ID, as[1].ID})
		got, err = s.ListAuthorizations(ctx(t), authz.Filter{EnterpriseID: ent, Limit: 2, Offset: 2})
		must(t, err)
		equal(t, "list ent offset 2", idsOf(got), []string{as[0].ID})
		got, err = s.ListAuthorizations(ctx(t), authz.Filter{InstitutionID: inst, Status: authz.StatusPending})
		must(t, err)
		equal(t, "list inst pending", idsOf(got), []string{as[2].ID, as[0].ID})
	}},
	{"AuthorizationsDue_lists_live_ones_past_their_validity", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, _, inst, _ := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		as := []*authz.Authorization{
			grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0),
			grant("az_bbbbbbbbbbbbbbbbbbbbbbbbbb", ent, inst, t0),
			grant("az_cccccccccccccccccccccccccc", ent, inst, t0),
			grant("az_dddddddddddddddddddddddddd", ent, inst, t0),
		}
		as[0].ValidUntil = t0.Add(2 * time.Hour)
		as[1].ValidUntil, as[1].Status = t0.Add(time.Hour), authz.StatusActive
		as[2].ValidUntil, as[2].Status = t0.Add(time.Hour), authz.StatusRevoked // final: not due
		as[3].ValidUntil = t0.Add(5 * time.Hour)                                // not yet
		for _, a := range as {
			must(t, s.CreateAuthorization(ctx(t), a))
		}
		got, err := s.AuthorizationsDue(ctx(t), t0.Add(2*time.Hour), 10)
		must(t, err)
		if len(got) != 2 {
			t.Fatalf("due = %d authorizations, want 2", len(got))
		}
		equal(t, "due", []string{got[0].ID, got[1].ID}, []string{as[1].ID, as[0].ID})
		got, err = s.AuthorizationsDue(ctx(t), t0.Add(2*time.Hour), 1)
		must(t, err)
		if len(got) != 1 || got[0].ID != as[1].ID {
			t.Fatalf("due limit 1 = %+v", got)
		}
	}},
	{"AddConsent_round_trips_and_refuses_the_same_person_twice", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, _, inst, _ := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		a := grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0)
		must(t, s.CreateAuthorization(ctx(t), a))
		c1 := &authz.Consent{AuthorizationID: a.ID, Role: authz.ConsentLegalRep, NameMasked: "张*", PersonHash: "h1", Channel: authz.ChannelAdminAttestation, GivenBy: "admin", GivenAt: t0}
		c2 := &authz.Consent{AuthorizationID: a.ID, Role: authz.ConsentShareholder, NameMasked: "李*", PersonHash: "h2", Channel: authz.ChannelPersonLink, GivenBy: "consent-link:1", GivenAt: t0.Add(time.Minute)}
		must(t, s.AddConsent(ctx(t), c1))
		must(t, s.AddConsent(ctx(t), c2))
		if c1.ID == 0 || c2.ID == 0 {
			t.Fatal("consent ID not set")
		}
		wantFault(t, s.AddConsent(ctx(t), &authz.Consent{AuthorizationID: a.ID, Role: authz.ConsentLegalRep, NameMasked: "张*", PersonHash: "h1", Channel: authz.ChannelPersonLink, GivenBy: "admin", GivenAt: t0}),
			fault.Conflict, "authz.consent_exists")
		got, err := s.Consents(ctx(t), a.ID)
		must(t, err)
		equal(t, "consents", got, []authz.Consent{*c1, *c2})
	}},
	{"Authorization_transition_and_its_evidence_roll_back_together", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, _, inst, _ := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		a := grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0)
		must(t, s.CreateAuthorization(ctx(t), a))
		err := s.InTx(ctx(t), func(tx store.Store) error {
			next := *a
			next.Status, next.Version = authz.StatusActive, 2
			if err := tx.UpdateAuthorization(ctx(t), &next); err != nil {
				return err
			}
			return fault.New(fault.Invalid, "test.abort", "abort")
		})
		wantFault(t, err, fault.Invalid, "test.abort")
		got, err := s.AuthorizationByID(ctx(t), a.ID)
		must(t, err)
		if got.Status != authz.StatusPending || got.Version != 1 {
			t.Fatalf("after rollback: %s v%d, want pending v1", got.Status, got.Version)
		}
	}},
}
