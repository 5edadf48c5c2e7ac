package access

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestDecideInstitutionGrants runs every institution rule of the decision
// point and every denial reason it can give.
func TestDecideInstitutionGrants(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tax := ItemPolicy{Code: "tax.vat_sales", Known: true, Department: "tax", Grade: 3, Sharing: "conditional", Disclosure: "not_public"}
	si := ItemPolicy{Code: "si.paid_months", Known: true, Department: "hrss", Grade: 2, Sharing: "unconditional", Disclosure: "on_application"}
	pub := ItemPolicy{Code: "penalty.administrative", Known: true, Department: "samr", Grade: 1, Sharing: "unconditional", Disclosure: "public"}
	l4 := ItemPolicy{Code: "tax.arrears_detail", Known: true, Department: "tax", Grade: 4, Sharing: "conditional", Disclosure: "not_public", Personal: true}
	rep := ItemPolicy{Code: "registration.legal_representative", Known: true, Department: "samr", Grade: 3, Sharing: "conditional", Disclosure: "not_public", Personal: true}
	secret := ItemPolicy{Code: "tax.secret", Known: true, Department: "tax", Grade: 2, Sharing: "not_shared", Disclosure: "not_public"}
	bank := Principal{UserID: 2, Username: "b", OrgID: 2, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer, AccessTier: 3}
	tier4 := bank
	tier4.AccessTier = 4
	tier0 := bank
	tier0.AccessTier = 0
	suspended := bank
	suspended.Suspended = true
	live := Grant{ID: "az_live", Status: "active", Purpose: PurposeLoan, Items: []string{"tax.", "si.paid_months", "registration.legal_representative"},
		DataFrom: day(2025, 1, 1), DataTo: day(2025, 12, 31), ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(24 * time.Hour), Mode: GrantView}
	with := func(g Grant, f func(*Grant)) Grant { f(&g); return g }
	req := func(p Principal, mode string, grants []Grant, pols ...ItemPolicy) Request {
		r := Request{Principal: p, EnterpriseID: 7, Purpose: PurposeLoan, Mode: mode, Policies: pols, Now: now, Grants: grants, GrantsLoaded: true}
		for _, x := range pols {
			r.Items = append(r.Items, x.Code)
		}
		return r
	}
	dated := func(r Request, from, to time.Time) Request { r.From, r.To = from, to; return r }
	named := func(r Request, id string) Request { r.AuthorizationID = id; return r }
	purpose := func(r Request, p string) Request { r.Purpose = p; return r }
	one := func(g Grant) []Grant { return []Grant{g} }
	cases := []struct {
		name   string
		req    Request
		reason string
		grant  string // the authorization id the decision carries
		masked bool   // for allows: personal data masked
	}{
		{"public item needs no grant", req(bank, ModeView, nil, pub), "access.allowed", "", true},
		{"public item for a tier-0 institution", req(tier0, ModeView, nil, pub), "access.allowed", "", true},
		{"not shared, even with a grant", req(bank, ModeView, one(live), secret), "access.not_shared", "", false},
		{"grade above tier, even with a grant", req(bank, ModeView, one(with(live, func(g *Grant) { g.Items = []string{"tax."} })), l4), "access.grade_above_tier", "", false},
		{"L2 item above a tier-0 institution", req(tier0, ModeView, one(live), si), "access.grade_above_tier", "", false},
		{"no grant at all", req(bank, ModeView, nil, tax), "access.authorization_required", "", false},
		{"no grant: verification refused too", req(bank, ModeVerify, nil, tax), "access.authorization_required", "", false},
		{"unconditional L2 item still needs a grant", req(bank, ModeView, nil, si), "access.authorization_required", "", false},
		{"active grant covers by prefix", req(bank, ModeView, one(live), tax), "access.allowed", "az_live", true},
		{"active grant covers an exact code", req(bank, ModeView, one(live), si, pub), "access.allowed", "az_live", true},
		{"tier 4 with a grant reads L4", req(tier4, ModeView, one(live), l4), "access.allowed", "az_live", true},
		{"pending", req(bank, ModeView, one(with(live, func(g *Grant) { g.Status = "pending" })), tax), "access.authorization_pending", "az_live", false},
		{"paused", req(bank, ModeView, one(with(live, func(g *Grant) { g.Status = "paused" })), tax), "access.authorization_paused", "az_live", false},
		{"revoked", req(bank, ModeView, one(with(live, func(g *Grant) { g.Status = "revoked" })), tax), "access.authorization_revoked", "az_live", false},
		{"rejected", req(bank, ModeView, one(with(live, func(g *Grant) { g.Status = "rejected" })), tax), "access.authorization_rejected", "az_live", false},
		{"expired status", req(bank, ModeView, one(with(live, func(g *Grant) { g.Status = "expired" })), tax), "access.authorization_expired", "az_live", false},
		{"active but past its validity", req(bank, ModeView, one(with(live, func(g *Grant) { g.ValidUntil = now })), tax), "access.authorization_expired", "az_live", false},
		{"active but not started", req(bank, ModeView, one(with(live, func(g *Grant) { g.ValidFrom = now.Add(time.Second) })), tax), "access.authorization_not_started", "az_live", false},
		{"wrong purpose", purpose(req(bank, ModeView, one(live), tax), PurposeMonitoring), "access.authorization_purpose", "az_live", false},
		{"wrong items", req(bank, ModeView, one(with(live, func(g *Grant) { g.Items = []string{"si.paid_months"} })), tax), "access.authorization_items", "az_live", false},
		{"prefix is not a bare prefix match", req(bank, ModeView, one(with(live, func(g *Grant) { g.Items = []string{"tax"} })), tax), "access.authorization_items", "az_live", false},
		{"one uncovered item spoils the read", req(bank, ModeView, one(with(live, func(g *Grant) { g.Items = []string{"tax."} })), tax, si), "access.authorization_items", "az_live", false},
		{"dates inside", dated(req(bank, ModeView, one(live), tax), day(2025, 3, 1), day(2025, 6, 30)), "access.allowed", "az_live", true},
		{"dates exactly the range", dated(req(bank, ModeView, one(live), tax), day(2025, 1, 1), day(2025, 12, 31)), "access.allowed", "az_live", true},
		{"from before the range", dated(req(bank, ModeView, one(live), tax), day(2024, 12, 31), day(2025, 6, 30)), "access.authorization_dates", "az_live", false},
		{"to after the range", dated(req(bank, ModeView, one(live), tax), time.Time{}, day(2026, 1, 1)), "access.authorization_dates", "az_live", false},
		{"from after the range", dated(req(bank, ModeView, one(live), tax), day(2026, 2, 1), time.Time{}), "access.authorization_dates", "az_live", false},
		{"verification checks only the as-of date", dated(req(bank, ModeVerify, one(live), tax), day(2024, 1, 1), day(2025, 12, 31)), "access.allowed", "az_live", true},
		{"verification as of a date past the range", dated(req(bank, ModeVerify, one(live), tax), time.Time{}, day(2026, 6, 1)), "access.authorization_dates", "az_live", false},
		{"verify grant refuses a view", req(bank, ModeView, one(with(live, func(g *Grant) { g.Mode = GrantVerify })), tax), "access.authorization_mode", "az_live", false},
		{"verify grant allows a verification", req(bank, ModeVerify, one(with(live, func(g *Grant) { g.Mode = GrantVerify })), tax), "access.allowed", "az_live", true},
		{"view grant allows a verification", req(bank, ModeVerify, one(live), tax), "access.allowed", "az_live", true},
		{"store grant allows a view", req(bank, ModeView, one(with(live, func(g *Grant) { g.Mode = GrantStore })), tax), "access.allowed", "az_live", true},
		{"default mode is view", req(bank, "", one(with(live, func(g *Grant) { g.Mode = GrantVerify })), tax), "access.authorization_mode", "az_live", false},
		{"consent unmasks personal data", req(bank, ModeView, one(with(live, func(g *Grant) { g.PersonalConsent = true })), rep), "access.allowed", "az_live", false},
		{"without consent personal data is masked", req(bank, ModeView, one(live), rep), "access.allowed", "az_live", true},
		{"the live grant among dead ones is chosen", req(bank, ModeView, []Grant{with(live, func(g *Grant) { g.ID, g.Status = "az_old", "revoked" }), live}, tax), "access.allowed", "az_live", true},
		{"the furthest grant names the reason", req(bank, ModeView, []Grant{
			with(live, func(g *Grant) { g.ID, g.Purpose = "az_other", PurposeMonitoring }),
			with(live, func(g *Grant) { g.ID, g.Status = "az_paused", "paused" })}, tax), "access.authorization_paused", "az_paused", false},
		{"a named grant is the only one considered", named(req(bank, ModeView, []Grant{live, with(live, func(g *Grant) { g.ID, g.Status = "az_rev", "revoked" })}, tax), "az_rev"), "access.authorization_revoked", "az_rev", false},
		{"a named grant that is not the institution's", named(req(bank, ModeView, one(live), tax), "az_nope"), "access.authorization_required", "", false},
		{"a named grant for a public item is checked too", named(req(bank, ModeView, one(with(live, func(g *Grant) { g.Status = "revoked" })), pub), "az_live"), "access.authorization_revoked", "az_live", false},
		{"suspended principal", req(suspended, ModeView, one(live), pub), "access.suspended", "", false},
		{"purpose still required", purpose(req(bank, ModeView, one(live), tax), ""), "access.purpose_required", "", false},
		{"guarantee is an institution purpose", purpose(req(bank, ModeView, one(with(live, func(g *Grant) { g.Purpose = PurposeGuarantee })), tax), PurposeGuarantee), "access.allowed", "az_live", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := Decide(tc.req)
			if d.Reason != tc.reason || d.Allow != (tc.reason == "access.allowed") {
				t.Fatalf("Decide = allow %v %q, want %q", d.Allow, d.Reason, tc.reason)
			}
			if d.AuthorizationID != tc.grant {
				t.Fatalf("AuthorizationID = %q, want %q", d.AuthorizationID, tc.grant)
			}
			if d.Allow {
				if d.Mask.PersonalData != tc.masked {
					t.Fatalf("masked = %v, want %v", d.Mask.PersonalData, tc.masked)
				}
				if (d.Grant != nil) != (tc.grant != "") || d.Grant != nil && d.Grant.ID != tc.grant {
					t.Fatalf("Grant = %+v, want id %q", d.Grant, tc.grant)
				}
			}
			if _, ok := Messages[d.Reason]; !ok {
				t.Fatalf("no message for %q", d.Reason)
			}
		})
	}
}

func TestGrantClip(t *testing.T) {
	t.Parallel()
	g := Grant{DataFrom: day(2025, 1, 1), DataTo: day(2025, 12, 31)}
	cases := []struct{ from, to, wantFrom, wantTo time.Time }{
		{time.Time{}, time.Time{}, day(2025, 1, 1), day(2025, 12, 31)},
		{day(2024, 1, 1), day(2026, 1, 1), day(2025, 1, 1), day(2025, 12, 31)},
		{day(2025, 3, 1), day(2025, 4, 1), day(2025, 3, 1), day(2025, 4, 1)},
	}
	for _, c := range cases {
		f, to := g.Clip(c.from, c.to)
		if !f.Equal(c.wantFrom) || !to.Equal(c.wantTo) {
			t.Errorf("Clip(%s, %s) = %s, %s", c.from, c.to, f, to)
		}
	}
}

type memLog struct{ entries []audit.Entry }

func (m *memLog) AppendAudit(_ context.Context, e *audit.Entry) error {
	m.entries = append(m.entries, *e)
	return nil
}

// TestGuardFillsGrants checks that the Guard asks its grant source for an
// institution reading one enterprise, records the authorization id on
// allows and denials, and refuses items needing a grant when it has no
// source at all.
func TestGuardFillsGrants(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tax := ItemPolicy{Code: "tax.vat_sales", Known: true, Department: "tax", Grade: 3, Sharing: "conditional", Disclosure: "not_public"}
	bank := Principal{UserID: 2, Username: "b", OrgID: 2, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer, AccessTier: 3}
	g := Grant{ID: "az_live", Status: "active", Purpose: PurposeLoan, Items: []string{"tax."}, DataFrom: day(2025, 1, 1), DataTo: day(2025, 12, 31),
		ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(time.Hour), Mode: GrantView}
	var asked [][2]int64
	src := func(_ context.Context, inst, ent int64) ([]Grant, error) {
		asked = append(asked, [2]int64{inst, ent})
		if ent == 7 {
			return []Grant{g}, nil
		}
		return nil, nil
	}
	log := &memLog{}
	guard := Guard{Log: log, Now: func() time.Time { return now }, Grants: src}
	r := Request{Principal: bank, Action: "data.read", EnterpriseID: 7, Items: []string{tax.Code}, Policies: []ItemPolicy{tax}, Purpose: PurposeLoan}
	d, err := guard.Read(t.Context(), r, func(d Decision) (any, error) {
		if d.Grant == nil || d.Grant.ID != "az_live" {
			t.Fatalf("read sees grant %+v", d.Grant)
		}
		return nil, nil
	})
	if err != nil || !d.Allow {
		t.Fatalf("Read = %+v, %v", d, err)
	}
	r.EnterpriseID = 8
	_, err = guard.Read(t.Context(), r, func(Decision) (any, error) { t.Fatal("read called on a denial"); return nil, nil })
	if fe, ok := fault.As(err); !ok || fe.Code != "access.authorization_required" {
		t.Fatalf("other enterprise: %v", err)
	}
	if len(asked) != 2 || asked[0] != [2]int64{2, 7} || asked[1] != [2]int64{2, 8} {
		t.Fatalf("grant source asked %v", asked)
	}
	if len(log.entries) != 2 || log.entries[0].AuthorizationID != "az_live" || log.entries[0].Outcome != audit.OK || log.entries[1].Outcome != audit.Denied {
		t.Fatalf("evidence = %+v", log.entries)
	}
	// Without a grant source, nothing needing a grant is readable.
	bare := Guard{Log: log, Now: func() time.Time { return now }}
	r.EnterpriseID = 7
	if _, err := bare.Read(t.Context(), r, func(Decision) (any, error) { return nil, nil }); !fault.Is(err, fault.Forbidden) {
		t.Fatalf("no grant source: %v", err)
	}
	// A failing grant source fails the read (no evidence of a decision not made).
	boom := Guard{Log: log, Grants: func(context.Context, int64, int64) ([]Grant, error) { return nil, errors.New("db down") }}
	n := len(log.entries)
	if _, err := boom.Read(t.Context(), r, func(Decision) (any, error) { return nil, nil }); err == nil || fault.Is(err, fault.Forbidden) {
		t.Fatalf("failing source: %v", err)
	}
	if len(log.entries) != n {
		t.Fatal("a failed grant lookup left evidence")
	}
}
