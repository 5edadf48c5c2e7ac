package authz_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

type fixture struct {
	st      store.Store
	sealer  *keys.Sealer
	svc     *authz.Service
	pub     ed25519.PublicKey
	clock   *clock
	bank    access.Principal // institution officer
	bankKey access.Principal // institution API key
	bank2   access.Principal // another institution
	admin   access.Principal // the enterprise's administrator
	other   access.Principal // another enterprise's administrator
	op      access.Principal
	auditor access.Principal
	dept    access.Principal
	code    string
	entID   int64
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func setup(t *testing.T, backendName string) *fixture {
	t.Helper()
	return setupOn(t, scratch.OpenWithCatalogue(t, backendName))
}

// setupOn builds the fixture on st (with the default catalogue loaded).
func setupOn(t *testing.T, st store.Store) *fixture {
	t.Helper()
	ctx := t.Context()
	dataKey := make([]byte, 32)
	if _, err := rand.Read(dataKey); err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(dataKey)
	if err != nil {
		t.Fatal(err)
	}
	// Every enterprise's legal representative is 张三丰 (legalRepID), sealed
	// as the registry keeps it, so separate consents can be checked.
	lr, err := json.Marshal(enterprise.LegalRep{Name: "张三丰", IDNumber: legalRepID(t)})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(code, name string) *enterprise.Record {
		sealed, err := sealer.Seal(lr, []byte("legal_rep:"+code))
		if err != nil {
			t.Fatal(err)
		}
		r := &enterprise.Record{Code: code, NameZH: name, NameEN: "X", Division: "320505", Industry: "C", Size: "small",
			Status: enterprise.StatusOperating, FoundedOn: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), LegalRepMasked: "张*", LegalRepSealed: sealed}
		if err := st.CreateEnterprise(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	e1 := mk(validCode(t, "MA1X2Y3W"), "苏州甲公司")
	e2 := mk(validCode(t, "MA1X2Y3Q"), "苏州乙公司")
	org := func(kind account.OrgKind, name string, ent int64) account.Org {
		o := account.Org{Kind: kind, Name: name, EnterpriseID: ent}
		if kind == account.KindInstitution {
			o.AccessTier = 3
		}
		if kind == account.KindDepartment {
			o.Department = "tax"
		}
		if err := st.CreateOrg(ctx, &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	b1, b2 := org(account.KindInstitution, "苏州银行", 0), org(account.KindInstitution, "另一银行", 0)
	o1, o2 := org(account.KindEnterprise, "苏州甲公司", e1.ID), org(account.KindEnterprise, "苏州乙公司", e2.ID)
	opo, au, dp := org(account.KindOperator, "运营", 0), org(account.KindAuditor, "审计", 0), org(account.KindDepartment, "税务", 0)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := authz.NewSigner(key, "node-test")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	svc := &authz.Service{Repo: st, InTx: func(ctx context.Context, fn func(authz.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}, Items: &catalog.Service{Repo: st}, Signer: sg, PersonKey: authz.DeriveKey(key.Seed(), "consent"), Now: c.now,
		Persons: authz.Persons{Enterprises: &enterprise.Service{Repo: st, Seal: sealer}}}
	inst := func(o account.Org, user string) access.Principal {
		return access.Principal{UserID: 1, Username: user, OrgID: o.ID, OrgKind: account.KindInstitution, OrgName: o.Name, Role: account.RoleInstitutionOfficer, AccessTier: 3}
	}
	ent := func(o account.Org, user string) access.Principal {
		return access.Principal{UserID: 2, Username: user, OrgID: o.ID, OrgKind: account.KindEnterprise, OrgName: o.Name, Role: account.RoleEnterpriseAdmin, EnterpriseID: o.EnterpriseID}
	}
	return &fixture{st: st, sealer: sealer, svc: svc, pub: key.Public().(ed25519.PublicKey), clock: c,
		bank: inst(b1, "officer"), bank2: inst(b2, "officer2"),
		bankKey: access.Principal{OrgID: b1.ID, OrgKind: account.KindInstitution, OrgName: b1.Name, APIKeyID: 5, APIKeyPrefix: "cbk_x",
			Scopes: []account.Scope{account.ScopeEnterpriseRead}, AccessTier: 3},
		admin: ent(o1, "admin"), other: ent(o2, "admin2"),
		op:      access.Principal{UserID: 3, Username: "op", OrgID: opo.ID, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin},
		auditor: access.Principal{UserID: 4, Username: "au", OrgID: au.ID, OrgKind: account.KindAuditor, Role: account.RoleAuditor},
		dept:    access.Principal{UserID: 5, Username: "tx", OrgID: dp.ID, OrgKind: account.KindDepartment, Role: account.RoleDepartmentOfficer, Department: "tax"},
		code:    e1.Code, entID: e1.ID}
}

// legalRepID is the fixture's legal representative's identity number.
func legalRepID(t *testing.T) string {
	t.Helper()
	idn, err := personid.Complete("440300" + "19800101001")
	if err != nil {
		t.Fatal(err)
	}
	return idn
}

// validCode completes a unified social credit code around an
// organisation-code body.
func validCode(t *testing.T, body string) string {
	t.Helper()
	c, err := creditcode.Complete("91320505" + body + string(creditcode.OrgCodeCheck(body)))
	if err != nil {
		t.Fatal(err)
	}
	return string(c)
}

func (f *fixture) input() authz.RequestInput {
	return authz.RequestInput{CreditCode: f.code, Purpose: access.PurposeLoan, Items: []string{"tax.", "si.contributions", "util."},
		DataFrom: "2025-01-01", DataTo: "2025-12-31", ValidUntil: "2027-02-01", FetchType: authz.FetchPeriodic, Frequency: "monthly",
		Mode: authz.ModeView}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, kind fault.Kind, code string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Code != code {
		t.Fatalf("err = %v, want %s %s", err, kind, code)
	}
}

func forEachBackend(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, b := range scratch.Backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, b))
		})
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a, err := f.svc.Request(ctx, f.bank, f.input())
		must(t, err)
		if !authz.ValidID(a.ID) || a.Status != authz.StatusPending || a.Version != 1 || a.EnterpriseID != f.entID || a.InstitutionName != "苏州银行" {
			t.Fatalf("requested = %+v", a)
		}
		if !a.ValidFrom.Equal(f.clock.now()) || !a.DataTo.Equal(time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("dates = %s %s", a.ValidFrom, a.DataTo)
		}
		art, err := authz.Verify(a.Signature, f.pub)
		must(t, err)
		if art.ID != a.ID || art.Status != authz.StatusPending || art.Subject != f.code || art.Version != 1 || art.Redelegation || art.Issuer != "node-test" {
			t.Fatalf("artefact = %+v", art)
		}
		// Nobody but the grantor decides.
		for name, p := range map[string]access.Principal{"bank": f.bank, "operator": f.op, "auditor": f.auditor} {
			_, err := f.svc.Approve(ctx, p, a.ID, nil)
			wantCode(t, err, fault.Forbidden, "authz.not_allowed")
			_ = name
		}
		_, err = f.svc.Approve(ctx, f.other, a.ID, nil) // cannot see it at all
		wantCode(t, err, fault.NotFound, "authz.not_found")
		_, err = f.svc.Pause(ctx, f.admin, a.ID, "")
		wantCode(t, err, fault.Conflict, "authz.bad_transition")

		// Approve, narrowing items and mode; widening is refused.
		_, err = f.svc.Approve(ctx, f.admin, a.ID, &authz.Narrowing{Items: []string{"tax.", "customs."}})
		wantCode(t, err, fault.Invalid, "authz.widening")
		_, err = f.svc.Approve(ctx, f.admin, a.ID, &authz.Narrowing{DataFrom: "2024-12-31"})
		wantCode(t, err, fault.Invalid, "authz.widening")
		_, err = f.svc.Approve(ctx, f.admin, a.ID, &authz.Narrowing{Mode: authz.ModeStore})
		wantCode(t, err, fault.Invalid, "authz.widening")
		_, err = f.svc.Approve(ctx, f.admin, a.ID, &authz.Narrowing{ValidUntil: "2027-03-01"})
		wantCode(t, err, fault.Invalid, "authz.widening")
		a, err = f.svc.Approve(ctx, f.admin, a.ID, &authz.Narrowing{Items: []string{"tax.vat_sales", "util."}, DataFrom: "2025-04-01", ValidUntil: "2027-01-01"})
		must(t, err)
		if a.Status != authz.StatusActive || a.Version != 2 || !slices.Equal(a.Items, []string{"tax.vat_sales", "util."}) || a.DecidedBy != "admin" ||
			a.DataFrom.Format(time.DateOnly) != "2025-04-01" || a.ValidUntil.Format(time.DateOnly) != "2027-01-01" {
			t.Fatalf("approved = %+v", a)
		}
		if art, err := authz.Verify(a.Signature, f.pub); err != nil || art.Version != 2 || art.Status != authz.StatusActive || len(art.Items) != 2 {
			t.Fatalf("approved artefact = %+v, %v", art, err)
		}
		gs, err := f.svc.Grants(ctx, f.bank.OrgID, f.entID)
		must(t, err)
		if len(gs) != 1 || gs[0].ID != a.ID || gs[0].Status != "active" || !gs[0].Covers("util.arrears") || gs[0].Covers("tax.arrears") {
			t.Fatalf("grants = %+v", gs)
		}
		if gs, _ := f.svc.Grants(ctx, f.bank2.OrgID, f.entID); len(gs) != 0 {
			t.Fatalf("another institution's grants = %+v", gs)
		}
		a, err = f.svc.Pause(ctx, f.admin, a.ID, "reviewing")
		must(t, err)
		_, err = f.svc.Pause(ctx, f.admin, a.ID, "")
		wantCode(t, err, fault.Conflict, "authz.bad_transition")
		a, err = f.svc.Resume(ctx, f.admin, a.ID, "")
		must(t, err)
		// The institution may give up its own grant; another may not touch it.
		_, err = f.svc.Revoke(ctx, f.bank2, a.ID, "")
		wantCode(t, err, fault.NotFound, "authz.not_found")
		a, err = f.svc.Revoke(ctx, f.bank, a.ID, "loan closed")
		must(t, err)
		if a.Status != authz.StatusRevoked || a.Version != 5 || a.Reason != "loan closed" {
			t.Fatalf("revoked = %+v", a)
		}
		_, err = f.svc.Resume(ctx, f.admin, a.ID, "")
		wantCode(t, err, fault.Conflict, "authz.bad_transition")

		// Every step is evidence, with the authorization's id.
		es, err := f.st.ListAudit(ctx, audit.Filter{Action: "authorization.", Limit: 50})
		must(t, err)
		var verbs []string
		for i := len(es) - 1; i >= 0; i-- {
			if es[i].AuthorizationID != a.ID || es[i].EnterpriseID != f.entID || es[i].Purpose != access.PurposeLoan {
				t.Fatalf("entry %+v", es[i])
			}
			verbs = append(verbs, strings.TrimPrefix(es[i].Action, "authorization."))
		}
		if !slices.Equal(verbs, []string{"request", "approve", "pause", "resume", "revoke"}) {
			t.Fatalf("evidence = %v", verbs)
		}
	})
}

func TestRejectAndVisibility(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a, err := f.svc.Request(ctx, f.bankKey, f.input())
		must(t, err)
		if a.RequestedBy != "apikey:cbk_x" {
			t.Fatalf("requested by %q", a.RequestedBy)
		}
		b, err := f.svc.Request(ctx, f.bank2, f.input())
		must(t, err)
		a, err = f.svc.Reject(ctx, f.admin, a.ID, "not now")
		must(t, err)
		if a.Status != authz.StatusRejected || a.Reason != "not now" {
			t.Fatalf("rejected = %+v", a)
		}
		_, err = f.svc.Approve(ctx, f.admin, a.ID, nil)
		wantCode(t, err, fault.Conflict, "authz.bad_transition")
		list := func(p access.Principal) []string {
			as, err := f.svc.List(ctx, p, authz.Filter{})
			must(t, err)
			var ids []string
			for _, x := range as {
				ids = append(ids, x.ID)
			}
			return ids
		}
		if got := list(f.bank); !slices.Equal(got, []string{a.ID}) {
			t.Fatalf("bank sees %v", got)
		}
		if got := list(f.bank2); !slices.Equal(got, []string{b.ID}) {
			t.Fatalf("bank2 sees %v", got)
		}
		if got := list(f.admin); len(got) != 2 {
			t.Fatalf("enterprise sees %v", got)
		}
		if got := list(f.other); len(got) != 0 {
			t.Fatalf("other enterprise sees %v", got)
		}
		if got := list(f.auditor); len(got) != 2 {
			t.Fatalf("auditor sees %v", got)
		}
		_, err = f.svc.List(ctx, f.dept, authz.Filter{})
		wantCode(t, err, fault.Forbidden, "authz.not_allowed")
		if got := list(access.System); len(got) != 2 {
			t.Fatalf("the platform sees %v", got)
		}
		if _, err := f.svc.Get(ctx, f.op, b.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Get(ctx, f.bank, b.ID)
		wantCode(t, err, fault.NotFound, "authz.not_found")
		_, err = f.svc.Get(ctx, f.bank, "az_../etc")
		wantCode(t, err, fault.NotFound, "authz.not_found")
		pend, err := f.svc.List(ctx, f.admin, authz.Filter{Status: authz.StatusPending})
		must(t, err)
		if len(pend) != 1 || pend[0].ID != b.ID {
			t.Fatalf("pending = %+v", pend)
		}
	})
}

func TestRequestValidation(t *testing.T) {
	t.Parallel()
	f := setup(t, "sqlite")
	ctx := t.Context()
	cases := []struct {
		name string
		edit func(*authz.RequestInput)
		code string
	}{
		{"bad purpose", func(r *authz.RequestInput) { r.Purpose = "audit" }, "authz.bad_purpose"},
		{"no items", func(r *authz.RequestInput) { r.Items = nil }, "authz.no_items"},
		{"unknown item", func(r *authz.RequestInput) { r.Items = []string{"tax.nope"} }, "authz.unknown_item"},
		{"unknown category", func(r *authz.RequestInput) { r.Items = []string{"nope."} }, "authz.unknown_item"},
		{"bad date", func(r *authz.RequestInput) { r.DataFrom = "2025-13-01" }, "authz.bad_date"},
		{"range reversed", func(r *authz.RequestInput) { r.DataFrom, r.DataTo = "2025-12-31", "2025-01-01" }, "authz.bad_range"},
		{"validity in the past", func(r *authz.RequestInput) { r.ValidUntil = "2026-11-01" }, "authz.bad_validity"},
		{"validity too long", func(r *authz.RequestInput) { r.ValidUntil = "2028-01-01" }, "authz.validity_too_long"},
		{"one-time too long", func(r *authz.RequestInput) { r.FetchType, r.Frequency = authz.FetchOneTime, "" }, "authz.validity_too_long"},
		{"one-time with a frequency", func(r *authz.RequestInput) { r.FetchType, r.ValidUntil = authz.FetchOneTime, "2026-12-01" }, "authz.bad_frequency"},
		{"periodic without frequency", func(r *authz.RequestInput) { r.Frequency = "" }, "authz.bad_frequency"},
		{"bad fetch type", func(r *authz.RequestInput) { r.FetchType = "stream" }, "authz.bad_fetch_type"},
		{"bad mode", func(r *authz.RequestInput) { r.Mode = "copy" }, "authz.bad_mode"},
		{"plain http callback", func(r *authz.RequestInput) { r.CallbackURL = "http://bank.example/hook" }, "authz.bad_callback"},
		{"bad credit code", func(r *authz.RequestInput) { r.CreditCode = "123" }, ""},
	}
	for _, tc := range cases {
		r := f.input()
		tc.edit(&r)
		_, err := f.svc.Request(ctx, f.bank, r)
		if !fault.Is(err, fault.Invalid) {
			t.Fatalf("%s: err = %v, want invalid", tc.name, err)
		}
		if fe, _ := fault.As(err); tc.code != "" && fe.Code != tc.code {
			t.Fatalf("%s: code = %s, want %s (%v)", tc.name, fe.Code, tc.code, err)
		}
	}
	r := f.input()
	r.CreditCode = validCode(t, "MA1X2Y3R")
	if _, err := f.svc.Request(ctx, f.bank, r); !fault.Is(err, fault.NotFound) && !fault.Is(err, fault.Invalid) {
		t.Fatalf("unknown enterprise: %v", err)
	}
	for _, p := range []access.Principal{f.admin, f.op, f.dept, {OrgID: f.bank.OrgID, OrgKind: account.KindInstitution, APIKeyID: 9, APIKeyPrefix: "cbk_w", Scopes: []account.Scope{account.ScopeDataWrite}}} {
		_, err := f.svc.Request(ctx, p, f.input())
		wantCode(t, err, fault.Forbidden, "authz.not_institution")
	}
	if as, _ := f.svc.List(ctx, f.op, authz.Filter{}); len(as) != 0 {
		t.Fatalf("refused requests stored: %+v", as)
	}
	ok := f.input()
	ok.FetchType, ok.Frequency, ok.ValidUntil, ok.CallbackURL = authz.FetchOneTime, "", "2026-12-15", "http://127.0.0.1:9/hook"
	if _, err := f.svc.Request(ctx, f.bank, ok); err != nil {
		t.Fatal(err)
	}
}

func TestExpirySweep(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		in := f.input()
		in.ValidUntil = "2026-12-01"
		a, err := f.svc.Request(ctx, f.bank, in)
		must(t, err)
		_, err = f.svc.Approve(ctx, f.admin, a.ID, nil)
		must(t, err)
		in.ValidUntil = "2027-06-01"
		b, err := f.svc.Request(ctx, f.bank, in)
		must(t, err)
		if n, err := f.svc.Expire(ctx, 0); err != nil || n != 0 {
			t.Fatalf("early sweep = %d, %v", n, err)
		}
		f.clock.add(11 * 24 * time.Hour)
		// Before the sweep it already reads as expired, and cannot change.
		got, err := f.svc.Get(ctx, f.admin, a.ID)
		must(t, err)
		if got.Status != authz.StatusExpired {
			t.Fatalf("status before sweep = %s", got.Status)
		}
		_, err = f.svc.Pause(ctx, f.admin, a.ID, "")
		wantCode(t, err, fault.Conflict, "authz.expired")
		if n, err := f.svc.Expire(ctx, 0); err != nil || n != 1 {
			t.Fatalf("sweep = %d, %v", n, err)
		}
		got, err = f.st.AuthorizationByID(ctx, a.ID)
		must(t, err)
		if got.Status != authz.StatusExpired || got.Version != 3 {
			t.Fatalf("after sweep %+v", got)
		}
		if got, _ := f.st.AuthorizationByID(ctx, b.ID); got.Status != authz.StatusPending {
			t.Fatalf("the other one = %s", got.Status)
		}
		es, err := f.st.ListAudit(ctx, audit.Filter{Action: "authorization.expire"})
		must(t, err)
		if len(es) != 1 || es[0].AuthorizationID != a.ID || es[0].ActorName != "system" {
			t.Fatalf("expiry evidence = %+v", es)
		}
	})
}

func TestConsent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a, err := f.svc.Request(ctx, f.bank, f.input())
		must(t, err)
		idn := legalRepID(t)
		person := authz.ConsentInput{Role: authz.ConsentLegalRep, Name: "张三丰", IDNumber: idn}
		// Someone the registry does not name as the legal representative
		// cannot consent in that role.
		wantCode(t, f.svc.GiveConsent(ctx, f.admin, a.ID, authz.ConsentInput{Role: authz.ConsentLegalRep, Name: "李四", IDNumber: idn}), fault.Invalid, "authz.consent_mismatch")
		wantCode(t, f.svc.GiveConsent(ctx, f.bank, a.ID, person), fault.Forbidden, "authz.not_allowed")
		wantCode(t, f.svc.GiveConsent(ctx, f.admin, a.ID, authz.ConsentInput{Role: "friend", Name: "x", IDNumber: idn}), fault.Invalid, "authz.bad_consent_role")
		if err := f.svc.GiveConsent(ctx, f.admin, a.ID, authz.ConsentInput{Role: authz.ConsentLegalRep, Name: "张三丰", IDNumber: "123"}); !fault.Is(err, fault.Invalid) {
			t.Fatalf("bad id number: %v", err)
		}
		must(t, f.svc.GiveConsent(ctx, f.admin, a.ID, person))
		wantCode(t, f.svc.GiveConsent(ctx, f.admin, a.ID, person), fault.Conflict, "authz.consent_exists")
		got, err := f.svc.Get(ctx, f.bank, a.ID)
		must(t, err)
		if !got.PersonalConsent || got.Version != 2 {
			t.Fatalf("after consent %+v", got)
		}
		cs, err := f.svc.Consents(ctx, f.admin, a.ID)
		must(t, err)
		if len(cs) != 1 || cs[0].NameMasked == "张三丰" || strings.Contains(cs[0].PersonHash, idn) || len(cs[0].PersonHash) != 64 ||
			cs[0].Channel != authz.ChannelAdminAttestation {
			t.Fatalf("consents = %+v", cs)
		}
		es, err := f.st.ListAudit(ctx, audit.Filter{Action: "authorization.consent"})
		must(t, err)
		if len(es) != 1 || strings.Contains(es[0].Detail, "张三丰") || strings.Contains(es[0].Detail, idn) {
			t.Fatalf("consent evidence = %+v", es)
		}
		gs, _ := f.svc.Grants(ctx, f.bank.OrgID, f.entID)
		if len(gs) != 1 || !gs[0].PersonalConsent {
			t.Fatalf("grants = %+v", gs)
		}
	})
}

func TestVerifyRefusesTampering(t *testing.T) {
	t.Parallel()
	f := setup(t, "sqlite")
	a, err := f.svc.Request(t.Context(), f.bank, f.input())
	must(t, err)
	parts := strings.Split(a.Signature, ".")
	other, err := authz.NewSigner(ed25519.NewKeyFromSeed(make([]byte, 32)), "evil")
	must(t, err)
	forged, err := other.Sign(a)
	must(t, err)
	for name, tok := range map[string]string{
		"garbage":      "abc",
		"other key":    forged,
		"payload swap": parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2],
	} {
		if _, err := authz.Verify(tok, f.pub); !fault.Is(err, fault.Invalid) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
