package verify_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/mask"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/synth"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// now is the platform's clock in these tests: the synthetic region's
// data runs to October 2026.
var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

type region struct {
	st       store.Store
	svc      *verify.Service
	items    *catalog.Service
	signer   *verify.Signer
	bundles  []synth.Bundle
	bankT3   access.Principal    // institution, access tier 3
	bankT4   access.Principal    // institution, access tier 4
	bankT2   access.Principal    // institution, access tier 2
	empty    enterprise.View     // registered, no department data
	grants   map[[2]int64]string // authorization id by {bank org, enterprise}
	openedAt string
}

func openSQLite(t testing.TB) store.Store { return scratch.Open(t, "sqlite") }

// openPostgres skips the test when CREDITBRIDGE_TEST_POSTGRES_URL is not set.
func openPostgres(t testing.TB) store.Store { return scratch.Open(t, "postgres") }

// emptyCode is a valid code for an enterprise the generator does not make.
func emptyCode(t testing.TB) string {
	t.Helper()
	body := "MA1X2Y3W"
	c, err := creditcode.Complete("91320505" + body + string(creditcode.OrgCodeCheck(body)))
	if err != nil {
		t.Fatal(err)
	}
	return string(c)
}

func newRegion(t testing.TB, st store.Store) *region {
	t.Helper()
	ctx := context.Background()
	clock := func() time.Time { return now }
	items := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}, Now: clock}
	if _, err := items.LoadDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	dk := make([]byte, 32)
	_, _ = rand.Read(dk)
	sealer, err := keys.NewSealer(dk)
	if err != nil {
		t.Fatal(err)
	}
	ents := &enterprise.Service{Repo: st, Seal: sealer, InTx: func(ctx context.Context, fn func(enterprise.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	g, err := synth.New(synth.Config{Enterprises: 40, Seed: 5, Months: 24})
	if err != nil {
		t.Fatal(err)
	}
	r := &region{st: st, items: items}
	if err := g.Each(ctx, func(b synth.Bundle) error { r.bundles = append(r.bundles, b); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, g, seed.Options{Store: st, Enterprises: ents}); err != nil {
		t.Fatal(err)
	}
	r.empty, err = ents.Register(ctx, access.System, enterprise.Input{Code: emptyCode(t), NameZH: "无数据测试企业（模拟）", Industry: "C",
		Size: "micro", Status: "operating", FoundedOn: "2020-05-01", LegalRep: enterprise.LegalRep{Name: "测试", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatalf("register the empty enterprise: %v", err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	r.signer, err = verify.NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	bank := func(name string, tier int) access.Principal {
		o := &account.Org{Kind: account.KindInstitution, Name: name, AccessTier: tier}
		if err := st.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		return access.Principal{Username: "officer-" + name, OrgID: o.ID, OrgKind: account.KindInstitution, OrgName: name,
			Role: account.RoleInstitutionOfficer, AccessTier: tier}
	}
	r.bankT3, r.bankT4, r.bankT2 = bank("bank-t3", 3), bank("bank-t4", 4), bank("bank-t2", 2)
	r.grants = grantAll(t, st, items, r.bankT3, r.bankT4, r.bankT2)
	lim := verify.DefaultLimits()
	lim.PerEnterpriseDay = 1000
	lim.Thresholds = 1000
	lim.NarrowingFactor = 0
	r.svc = &verify.Service{Repo: st, InTx: func(ctx context.Context, fn func(verify.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}, Sharing: &sharing.Service{Repo: st, Items: items, Now: clock, Mask: platformMask(t)}, Seal: sealer, Signer: r.signer, Node: "test-node",
		Limits: lim, TTL: 24 * time.Hour, Now: clock}
	// As the platform wires it: the grants read with the enterprise.
	az := &authz.Service{Repo: st, Now: clock}
	r.svc.Grants, r.svc.SubjectGrants = az.Grants, az.SubjectGrants
	return r
}

// grantAll gives every bank a live authorization (loan application, every
// category, view mode, data of 2000 to 2026) from every enterprise of the
// region, as their approved requests would; it returns the ids by
// organisation and enterprise.
func grantAll(t testing.TB, st store.Store, items *catalog.Service, banks ...access.Principal) map[[2]int64]string {
	t.Helper()
	ctx := context.Background()
	cat, err := items.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cats []string
	for _, it := range cat.Items {
		c, _, _ := strings.Cut(it.Code, ".")
		c += "."
		if !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	ents, _, err := st.SearchEnterprises(ctx, enterprise.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[[2]int64]string{}
	err = st.InTx(ctx, func(tx store.Store) error {
		for _, b := range banks {
			for _, e := range ents {
				a := &authz.Authorization{ID: authz.NewID(), EnterpriseID: e.ID, InstitutionID: b.OrgID, Purpose: access.PurposeLoan, Items: cats,
					DataFrom: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), DataTo: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
					ValidFrom: now.AddDate(0, -1, 0), ValidUntil: now.AddDate(0, 6, 0), FetchType: authz.FetchPeriodic, Frequency: "monthly",
					Mode: authz.ModeView, Status: authz.StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now}
				if err := tx.CreateAuthorization(ctx, a); err != nil {
					return err
				}
				out[[2]int64{b.OrgID, e.ID}] = a.ID
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// latest keeps the highest version of each (item, period, ref), as the
// platform reads them.
func latest(fs []facts.Fact) map[string][]facts.Fact {
	best := map[string]facts.Fact{}
	for _, f := range fs {
		k := f.Item + "|" + f.Period.Format(time.DateOnly) + "|" + f.Ref
		if b, ok := best[k]; !ok || f.Version > b.Version {
			best[k] = f
		}
	}
	out := map[string][]facts.Fact{}
	for _, f := range best {
		out[f.Item] = append(out[f.Item], f)
	}
	return out
}

// expected computes the variables directly from the generated facts, by
// the rules the variables document (independently of the package).
type expected struct {
	taxPaid    *float64
	headcount  *float64
	enforced   bool
	grade      string // "" unknown
	years      int
	arrears    bool
	legalRepID string
}

func expect(b synth.Bundle, asOf, knownAt time.Time) expected {
	var known []facts.Fact
	for _, f := range b.Facts {
		if knownAt.IsZero() || !f.ReceivedAt.After(knownAt) {
			known = append(known, f)
		}
	}
	fs := latest(known)
	var e expected
	asOfMonth := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	var last time.Time
	for _, f := range fs["tax.paid_total"] {
		if f.Period.After(last) && !f.Period.After(asOf) {
			last = f.Period
		}
	}
	if !last.IsZero() && !last.Before(asOfMonth.AddDate(0, -3, 0)) {
		var sum int64
		months := 0
		for _, f := range fs["tax.paid_total"] {
			if !f.Period.Before(last.AddDate(0, -11, 0)) && !f.Period.After(last) {
				sum += f.Num
				months++
			}
		}
		if months == 12 {
			v := float64(sum) / 100
			e.taxPaid = &v
		}
	}
	var lastHC facts.Fact
	for _, f := range fs["si.insured_headcount"] {
		if !f.Period.After(asOf) && f.Period.After(lastHC.Period) {
			lastHC = f
		}
	}
	if !lastHC.Period.IsZero() && !lastHC.Period.Before(asOfMonth.AddDate(0, -3, 0)) {
		v := float64(lastHC.Num)
		e.headcount = &v
	}
	for _, f := range fs["judicial.enforcement"] {
		if !f.Period.After(asOf) && (f.EndsOn.IsZero() || f.EndsOn.After(asOf)) {
			e.enforced = true
		}
	}
	var g facts.Fact
	for _, f := range fs["tax.credit_grade"] {
		if !f.Period.After(asOf) && f.Period.After(g.Period) && f.Text != "" {
			g = f
		}
	}
	if !g.Period.IsZero() && !g.Period.Before(asOf.AddDate(-2, 0, 0)) {
		e.grade = g.Text
	}
	f := b.Profile.FoundedOn
	e.years = asOf.Year() - f.Year()
	if asOf.Month() < f.Month() || asOf.Month() == f.Month() && asOf.Day() < f.Day() {
		e.years--
	}
	for _, it := range []string{"tax.arrears", "si.arrears", "hf.arrears", "util.arrears"} {
		for _, f := range fs[it] {
			if !f.Period.Before(asOfMonth.AddDate(0, -11, 0)) && !f.Period.After(asOf) && f.Num > 0 {
				e.arrears = true
			}
		}
	}
	e.legalRepID = b.Profile.LegalRepID
	return e
}

func num(f float64) string { return fmt.Sprintf("%.2f", f) }

func tf(b bool) string {
	if b {
		return verify.True
	}
	return verify.False
}

// platformMask loads the platform's masking rules as the wiring does.
func platformMask(t testing.TB) *mask.Rules {
	t.Helper()
	rs, err := mask.Platform()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func backends(t *testing.T, run func(t *testing.T, r *region)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); run(t, newRegion(t, openSQLite(t))) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); run(t, newRegion(t, openPostgres(t))) })
}

// TestAnswersMatchTheFacts asks every variable about the region's
// enterprises and compares with values computed directly from the facts.
func TestAnswersMatchTheFacts(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, r *region) {
		ctx := context.Background()
		seen := map[string]int{}
		// Today (the latest data), then a past date for some enterprises:
		// what was known at its end.
		type round struct {
			asOf    time.Time
			param   string
			knownAt time.Time
			bundles []synth.Bundle
		}
		past := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
		for _, rd := range []round{{now.Truncate(24 * time.Hour), "", time.Time{}, r.bundles}, {past, "2026-06-30", past.AddDate(0, 0, 1).Add(-time.Nanosecond), r.bundles[:12]}} {
			for _, b := range rd.bundles {
				e := expect(b, rd.asOf, rd.knownAt)
				type qa struct{ q, want string }
				var qs []qa
				if e.taxPaid != nil {
					qs = append(qs, qa{"tax_paid_12m >= " + num(*e.taxPaid), verify.True}, qa{"tax_paid_12m > " + num(*e.taxPaid), verify.False})
				} else {
					qs = append(qs, qa{"tax_paid_12m >= 0", verify.Unknown}, qa{"tax_paid_12m >= 0 || has_enforcement_case == " + tf(!e.enforced), verify.Unknown})
				}
				if e.headcount != nil {
					qs = append(qs, qa{fmt.Sprintf("insured_headcount between %v and %v", *e.headcount, *e.headcount+5), verify.True},
						qa{fmt.Sprintf("insured_headcount < %v", *e.headcount), verify.False})
				} else {
					qs = append(qs, qa{"insured_headcount >= 0", verify.Unknown})
				}
				qs = append(qs, qa{"has_enforcement_case", tf(e.enforced)}, qa{"arrears_any_12m == false", tf(!e.arrears)})
				if e.years >= 0 {
					qs = append(qs, qa{fmt.Sprintf("years_since_founding >= %d && years_since_founding < %d", e.years, e.years+1), verify.True})
				} else { // founded after the as-of date
					qs = append(qs, qa{"years_since_founding >= 0", verify.Unknown})
				}
				if e.grade != "" {
					qs = append(qs, qa{fmt.Sprintf("tax_credit_grade in [%q]", e.grade), verify.True}, qa{fmt.Sprintf("tax_credit_grade != %q", e.grade), verify.False})
				} else {
					qs = append(qs, qa{`tax_credit_grade == "A"`, verify.Unknown})
				}
				var texts []string
				for _, x := range qs {
					texts = append(texts, x.q)
				}
				resp, err := r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: b.Profile.Code, Questions: texts, Purpose: access.PurposeLoan, AsOf: rd.param})
				if err != nil {
					t.Fatalf("%s: Ask: %v", b.Profile.Code, err)
				}
				if resp.AsOf != rd.asOf.Format(time.DateOnly) {
					t.Fatalf("as_of %s, want %s", resp.AsOf, rd.asOf.Format(time.DateOnly))
				}
				for i, a := range resp.Answers {
					if a.Answer != qs[i].want {
						t.Errorf("%s as of %s: %q = %s, want %s", b.Profile.Code, resp.AsOf, qs[i].q, a.Answer, qs[i].want)
					}
					seen[a.Answer]++
				}
			}
		}
		if seen[verify.True] == 0 || seen[verify.False] == 0 {
			t.Fatalf("answers seen %v: the region exercised too little", seen)
		}
		t.Logf("answers: %v", seen)
	})
}

// TestUnknownWithoutData: an enterprise with no department data gets
// unknown for every measured variable, never false.
func TestUnknownWithoutData(t *testing.T) {
	t.Parallel()
	r := newRegion(t, openSQLite(t))
	resp, err := r.svc.Ask(context.Background(), r.bankT3, verify.Request{CreditCode: r.empty.Code, Purpose: access.PurposeLoan,
		Questions: []string{"tax_paid_12m >= 0", "vat_sales_12m < 1", "insured_headcount >= 0", `tax_credit_grade in ["A","B","M","C","D"]`,
			"!(tax_paid_12m >= 0)", "has_enforcement_case == false", "tax_paid_12m >= 0 && has_enforcement_case"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"unknown", "unknown", "unknown", "unknown", "unknown", "true", "false"}
	for i, a := range resp.Answers {
		if a.Answer != want[i] {
			t.Errorf("%q = %s, want %s", a.Question, a.Answer, want[i])
		}
	}
	// Twelve months of taxes up to May 2026, received a month after each:
	// stale in November (more than 3 months old), known as of July 2026,
	// and unknown as of 20 May 2026 (May not yet received, so 11 months).
	ctx := context.Background()
	var fs []facts.Fact
	for m := 0; m < 12; m++ {
		p := time.Date(2025, 6+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		fs = append(fs, facts.Fact{EnterpriseID: r.empty.ID, Item: "tax.paid_total", Shape: facts.Measure, Period: p, Num: 10_000_00,
			Source: "tax", Batch: "late", ReceivedAt: p.AddDate(0, 1, 10), Version: 1})
	}
	if err := r.st.AppendFacts(ctx, fs); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ asOf, q, want string }{
		{"", "tax_paid_12m >= 0", "unknown"},
		{"2026-07-31", "tax_paid_12m == 120000", "true"},
		{"2026-07-31", "tax_paid_12m > 120000", "false"},
		{"2026-05-20", "tax_paid_12m >= 0", "unknown"},
	} {
		resp, err := r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: r.empty.Code, Purpose: access.PurposeLoan, AsOf: c.asOf, Questions: []string{c.q}})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Answers[0].Answer; got != c.want {
			t.Errorf("as of %q: %q = %s, want %s", c.asOf, c.q, got, c.want)
		}
	}
	_, err = r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: r.empty.Code, Purpose: access.PurposeLoan, AsOf: "2026-12-01", Questions: []string{"tax_paid_12m >= 0"}})
	wantFault(t, err, fault.Invalid, "verify.as_of_future")
}

// TestLegalRepresentativeMatch: a tier-4 institution can check the
// identity number's hash; a tier-3 one is refused (grade L4).
func TestLegalRepresentativeMatch(t *testing.T) {
	t.Parallel()
	r := newRegion(t, openSQLite(t))
	ctx := context.Background()
	b := r.bundles[3]
	other := r.bundles[4].Profile.LegalRepID
	resp, err := r.svc.Ask(ctx, r.bankT4, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan,
		Questions: []string{fmt.Sprintf("legal_rep_id_matches(%q)", verify.IDHash(b.Profile.LegalRepID)),
			fmt.Sprintf("legal_rep_id_matches(%q)", strings.ToUpper(verify.IDHash(strings.ToLower(b.Profile.LegalRepID)))),
			fmt.Sprintf("legal_rep_id_matches(%q)", verify.IDHash(other))}})
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{resp.Answers[0].Answer, resp.Answers[1].Answer, resp.Answers[2].Answer}; !slices.Equal(got, []string{"true", "true", "false"}) {
		t.Fatalf("answers %v, want true true false", got)
	}
	_, err = r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan,
		Questions: []string{fmt.Sprintf("legal_rep_id_matches(%q)", verify.IDHash(b.Profile.LegalRepID))}})
	wantFault(t, err, fault.Forbidden, "access.grade_above_tier")
}

func wantFault(t *testing.T, err error, kind fault.Kind, code string) *fault.Error {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Code != code {
		t.Fatalf("error = %v, want %v %s", err, kind, code)
	}
	return fe
}

func entries(t *testing.T, st store.Store, ent int64, action string) []audit.Entry {
	t.Helper()
	es, err := st.ListAudit(context.Background(), audit.Filter{EnterpriseID: ent, Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestAccessDenialsAreRecorded: above-tier and not-shared items are
// refused by the access decision point, with denied evidence entries.
func TestAccessDenialsAreRecorded(t *testing.T) {
	t.Parallel()
	r := newRegion(t, openSQLite(t))
	ctx := context.Background()
	b := r.bundles[0]
	_, err := r.svc.Ask(ctx, r.bankT2, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan, Questions: []string{"tax_paid_12m >= 1"}})
	wantFault(t, err, fault.Forbidden, "access.grade_above_tier")
	_, err = r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: b.Profile.Code, Questions: []string{"tax_paid_12m >= 1"}})
	wantFault(t, err, fault.Forbidden, "access.purpose_required")
	// The operator withdraws tax.paid_total from sharing.
	v, err := r.items.Get(ctx, "tax.paid_total")
	if err != nil {
		t.Fatal(err)
	}
	it := v.Item
	it.Sharing = catalog.NotShared
	admin := access.Principal{Username: "admin", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}
	if _, err := r.items.Save(ctx, admin, it, v.Version, "test: withdrawn from sharing"); err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan, Questions: []string{"tax_paid_12m >= 1"}})
	wantFault(t, err, fault.Forbidden, "access.not_shared")
	es := entries(t, r.st, 0, "verification.")
	var denied []string
	for _, e := range es {
		if e.Outcome == audit.Denied {
			denied = append(denied, e.Action)
		}
	}
	if len(denied) != 3 {
		t.Fatalf("denied verification entries %v, want 3", denied)
	}
	// A department may not ask at all.
	dept := access.Principal{Username: "tax-officer", OrgID: 99, OrgKind: account.KindDepartment, Department: "tax"}
	_, err = r.svc.Ask(ctx, dept, verify.Request{CreditCode: b.Profile.Code, Questions: []string{"tax_paid_12m >= 1"}})
	wantFault(t, err, fault.Forbidden, "verify.not_institution")
}

func (r *region) grantOf(t *testing.T, bank access.Principal, code string) string {
	t.Helper()
	rec, err := r.st.EnterpriseByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return r.grants[[2]int64{bank.OrgID, rec.ID}]
}

// TestAuthorizationGovernsVerification: an institution verifies only under
// a live authorization of the enterprise whose data range holds the as-of
// date; verify-only grants suffice; the attestation names the grant.
// It runs with the grants read together with the enterprise
// (SubjectGrants, as the platform does), and by the decision point.
func TestAuthorizationGovernsVerification(t *testing.T) {
	t.Parallel()
	for _, together := range []bool{false, true} {
		t.Run(fmt.Sprintf("together=%v", together), func(t *testing.T) {
			t.Parallel()
			r := newRegion(t, openSQLite(t))
			if !together {
				r.svc.SubjectGrants = nil
			}
			var reads atomic.Int64
			grants := r.svc.Grants
			r.svc.Grants = func(ctx context.Context, inst, ent int64) ([]access.Grant, error) {
				reads.Add(1)
				return grants(ctx, inst, ent)
			}
			authorizationGovernsVerification(t, r)
			// Read with the enterprise, the grants are not read again.
			if n := reads.Load(); together != (n == 0) {
				t.Fatalf("together=%v: the decision point read the grants %d times", together, n)
			}
		})
	}
}

func authorizationGovernsVerification(t *testing.T, r *region) {
	ctx := context.Background()
	b := r.bundles[2]
	id := r.grantOf(t, r.bankT3, b.Profile.Code)
	a, err := r.st.AuthorizationByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ask := func(asOf, under string) error {
		_, err := r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan, AsOf: asOf,
			AuthorizationID: under, Questions: []string{"tax_paid_12m >= 1"}})
		return err
	}
	a.Mode, a.Version, a.DataTo = authz.ModeVerify, 2, time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	if err := r.st.UpdateAuthorization(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if err := ask("2026-06-30", id); err != nil {
		t.Fatalf("verify-only grant, as of inside its range: %v", err)
	}
	wantFault(t, ask("", ""), fault.Forbidden, "access.authorization_dates") // today is past its range
	wantFault(t, ask("2026-06-30", "az_"+strings.Repeat("a", 26)), fault.Forbidden, "access.authorization_required")
	a.Status, a.Version = authz.StatusPaused, 3
	if err := r.st.UpdateAuthorization(ctx, &a); err != nil {
		t.Fatal(err)
	}
	wantFault(t, ask("2026-06-30", ""), fault.Forbidden, "access.authorization_paused")
	// Without any grant of its own, another institution is refused.
	other := r.bankT3
	other.OrgID += 1000
	_, err = r.svc.Ask(ctx, other, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan, Questions: []string{"tax_paid_12m >= 1"}})
	wantFault(t, err, fault.Forbidden, "access.authorization_required")
}

// TestAttestationsVerifyAndTamperingFails checks signatures, claims,
// tampering, another key and expiry.
func TestAttestationsVerifyAndTamperingFails(t *testing.T) {
	t.Parallel()
	r := newRegion(t, openSQLite(t))
	ctx := context.Background()
	b := r.bundles[1]
	resp, err := r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan,
		Questions: []string{"tax_paid_12m >= 1000000", "has_enforcement_case == false"}})
	if err != nil {
		t.Fatal(err)
	}
	set := r.signer.JWKS()
	raw, _ := json.Marshal(set)
	set, err = verify.ParseJWKS(raw) // as a verifier would, from the published document
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range resp.Answers {
		c, err := verify.Verify(a.Attestation, set, now)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if c.Subject != b.Profile.Code || c.Question != a.Question || c.Answer != a.Answer || c.Issuer != "test-node" ||
			c.AsOf != "2026-11-20" || c.Requester.OrgID != r.bankT3.OrgID || c.Purpose != access.PurposeLoan || c.ID != a.ID ||
			c.KeyID != r.signer.KeyID() || c.Expiry-c.IssuedAt != 86400 || len(c.Sources) == 0 || c.Sources[0].Department == "" ||
			c.AuthorizationID == "" || c.AuthorizationID != r.grantOf(t, r.bankT3, b.Profile.Code) {
			t.Fatalf("claims %+v do not match the answer %+v", c, a)
		}
	}
	tok := resp.Answers[0].Attestation
	parts := strings.Split(tok, ".")
	// Flip the answer inside the signed payload.
	c, _ := verify.Verify(tok, set, now)
	c.Answer = map[string]string{"true": "false", "false": "true", "unknown": "true"}[c.Answer]
	body, _ := json.Marshal(c)
	forged := parts[0] + "." + b64(body) + "." + parts[2]
	_, err = verify.Verify(forged, set, now)
	wantFault(t, err, fault.Invalid, "verify.attestation_bad_signature")
	// Another node's key with the same kid.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := verify.NewSigner(priv)
	otherSet := other.JWKS()
	otherSet.Keys[0].KeyID = r.signer.KeyID()
	_, err = verify.Verify(tok, otherSet, now)
	wantFault(t, err, fault.Invalid, "verify.attestation_bad_signature")
	_, err = verify.Verify(tok, other.JWKS(), now)
	wantFault(t, err, fault.Invalid, "verify.attestation_unknown_key")
	_, err = verify.Verify("not.a.token", set, now)
	wantFault(t, err, fault.Invalid, "verify.attestation_malformed")
	_, err = verify.Verify(tok, set, now.Add(25*time.Hour))
	if !errorsIs(err, verify.ErrExpired) {
		t.Fatalf("Verify after expiry = %v, want ErrExpired", err)
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// TestExtractionIsRefusedAndHonestUsePasses runs the default limits on a
// real store: a bisection over one item is refused within three
// questions, with a denied evidence entry naming the limit; an honest
// sequence of different questions passes; evidence of each answer exists.
func TestExtractionIsRefusedAndHonestUsePasses(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, r *region) {
		ctx := context.Background()
		r.svc.Limits = verify.DefaultLimits()
		b := r.bundles[2]
		ask := func(p access.Principal, q string) error {
			_, err := r.svc.Ask(ctx, p, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan, Questions: []string{q}})
			return err
		}
		honest := []string{"tax_paid_12m >= 1000000", "vat_sales_12m between 5000000 and 20000000", "insured_headcount between 10 and 50",
			"has_enforcement_case == false", `tax_credit_grade in ["A", "B"]`, "tax_paid_12m >= 1000000"}
		for _, q := range honest {
			if err := ask(r.bankT4, q); err != nil {
				t.Fatalf("honest question %q refused: %v", q, err)
			}
		}
		search := []string{"tax_paid_12m >= 50000000", "tax_paid_12m >= 25000000", "tax_paid_12m >= 12500000"}
		var err error
		for i, q := range search {
			if err = ask(r.bankT3, q); err != nil {
				if i < 2 {
					t.Fatalf("question %d %q refused too early: %v", i+1, q, err)
				}
				break
			}
		}
		fe := wantFault(t, err, fault.TooMany, "verify.limit_narrowing")
		if fe.Params["resets_at"] == "" || fe.Params["item"] != "tax.paid_total" {
			t.Fatalf("refusal params %v: want item and resets_at", fe.Params)
		}
		rec, err := r.st.EnterpriseByCode(ctx, b.Profile.Code)
		if err != nil {
			t.Fatal(err)
		}
		es := entries(t, r.st, rec.ID, "verification.")
		count := map[string]int{}
		for _, e := range es {
			count[e.Action+"/"+string(e.Outcome)]++
			if e.Action == "verification.ask" && !strings.Contains(e.Detail, "verify.limit_narrowing") {
				t.Fatalf("denied entry detail %q does not name the limit", e.Detail)
			}
			if e.Action == "verification.answer" && strings.Contains(e.Detail, "num") {
				t.Fatalf("evidence detail %q carries values", e.Detail)
			}
		}
		// 6 honest + 2 allowed search questions answered; one refused.
		if count["verification.answer/ok"] != 8 || count["verification.read/ok"] < 8 || count["verification.ask/denied"] != 1 {
			t.Fatalf("evidence entries %v", count)
		}
	})
}

// askAtOnce runs ask(0..n-1) concurrently and counts the requests
// answered and those refused by a limit; any other error fails the test.
func askAtOnce(t *testing.T, n int, ask func(i int) error) (ok, refused int) {
	t.Helper()
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- ask(i) }()
	}
	for range n {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case fault.Is(err, fault.TooMany):
			refused++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return ok, refused
}

// TestObserveAccountsForEachAnsweredRequest: every answered request (and
// no refused one) reports its phases; none is negative, each request's
// group commit wrote at least it, and the phases fit in the time the
// caller waited.
func TestObserveAccountsForEachAnsweredRequest(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, r *region) {
		ctx := context.Background()
		r.svc.Limits = verify.DefaultLimits()
		r.svc.Limits.PerEnterpriseDay = 5
		var mu sync.Mutex
		var seen []verify.Timing
		r.svc.Observe = func(tm verify.Timing) {
			mu.Lock()
			seen = append(seen, tm)
			mu.Unlock()
		}
		b := r.bundles[7]
		const n = 8
		walls := make([]time.Duration, n)
		ok, refused := askAtOnce(t, n, func(i int) error {
			start := time.Now()
			_, err := r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan,
				Questions: []string{"has_enforcement_case == false"}})
			walls[i] = time.Since(start)
			return err
		})
		if ok != 5 || refused != n-5 {
			t.Fatalf("%d answered, %d refused; want 5 and %d", ok, refused, n-5)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != ok {
			t.Fatalf("%d timings for %d answered requests", len(seen), ok)
		}
		longest := slices.Max(walls)
		for _, tm := range seen {
			sum := tm.Read + tm.Wait + tm.Tx + tm.Wake + tm.Sign
			if tm.Read <= 0 || tm.Tx <= 0 || tm.Wait < 0 || tm.Wake < 0 || tm.Sign < 0 || tm.Batch < 1 || sum > longest {
				t.Errorf("timing %+v (sum %v, longest request %v)", tm, sum, longest)
			}
		}
	})
}

// TestConcurrentRequestsShareTheLimits fires many requests of one
// institution at once: whatever batches their writes are committed in,
// exactly the allowed number is answered and the rest refused, each
// refusal on record.
func TestConcurrentRequestsShareTheLimits(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, r *region) {
		ctx := context.Background()
		r.svc.Limits = verify.DefaultLimits()
		r.svc.Limits.PerEnterpriseDay = 5
		b := r.bundles[5]
		const n = 12
		ok, refused := askAtOnce(t, n, func(i int) error {
			_, err := r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeLoan,
				Questions: []string{[]string{"has_enforcement_case == false", "arrears_any_12m", "!has_enforcement_case"}[i%3]}})
			return err
		})
		if ok != 5 || refused != n-5 {
			t.Fatalf("%d answered, %d refused; want 5 and %d", ok, refused, n-5)
		}
		rec, err := r.st.EnterpriseByCode(ctx, b.Profile.Code)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, e := range entries(t, r.st, rec.ID, "verification.") {
			count[e.Action+"/"+string(e.Outcome)]++
		}
		if count["verification.answer/ok"] != 5 || count["verification.read/ok"] != 5 || count["verification.ask/denied"] != n-5 {
			t.Fatalf("evidence %v", count)
		}
	})
}

// TestConcurrentRequestsShareTheDailyLimit: many requests of one
// institution about different enterprises at once; the questions a group
// commit has accepted but not yet stored count against the daily limit
// of those after them, so exactly the limit is answered.
func TestConcurrentRequestsShareTheDailyLimit(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, r *region) {
		ctx := context.Background()
		r.svc.Limits.PerDay = 7
		const n = 16
		ok, refused := askAtOnce(t, n, func(i int) error {
			_, err := r.svc.Ask(ctx, r.bankT4, verify.Request{CreditCode: r.bundles[i].Profile.Code, Purpose: access.PurposeLoan,
				Questions: []string{"has_enforcement_case == false"}})
			return err
		})
		if ok != 7 || refused != n-7 {
			t.Fatalf("%d answered, %d refused; want 7 and %d", ok, refused, n-7)
		}
		stored, _, err := r.st.CountVerifications(ctx, r.bankT4.OrgID, now.Add(-time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		if stored != 7 {
			t.Fatalf("%d questions stored, want 7", stored)
		}
	})
}

// TestDailyLimitCountsTheLast24Hours: the institution's daily limit
// counts exactly the questions of the last 24 hours, although the hourly
// counts that bound it cheaply also hold older questions of the first
// hour; a refusal says when the oldest counted question leaves the day.
func TestDailyLimitCountsTheLast24Hours(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, r *region) {
		ctx := context.Background()
		var at time.Time
		r.svc.Now = func() time.Time { return at }
		r.svc.Limits.PerDay = 3
		ask := func(when time.Time, k int) error {
			at = when
			_, err := r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: r.bundles[k].Profile.Code, Purpose: access.PurposeLoan,
				Questions: []string{"has_enforcement_case == false"}})
			return err
		}
		refusedUntil := func(err error, want time.Time) {
			t.Helper()
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.TooMany || fe.Code != "verify.limit_institution_day" {
				t.Fatalf("err = %v, want the daily limit", err)
			}
			if got := fe.Params["resets_at"]; got != want.Format("2006-01-02 15:04 UTC") {
				t.Fatalf("resets_at = %s, want %s", got, want)
			}
		}
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		q1, q2, q3 := day.Add(10*time.Hour+30*time.Minute), day.Add(10*time.Hour+40*time.Minute), day.Add(11*time.Hour)
		for i, when := range []time.Time{q1, q2, q3} {
			if err := ask(when, i); err != nil {
				t.Fatalf("question %d: %v", i+1, err)
			}
		}
		refusedUntil(ask(day.Add(11*time.Hour+10*time.Minute), 3), q1.Add(24*time.Hour))
		// A day and five minutes after q1: its hour still holds q1 and q2,
		// but only q2 and q3 are within 24 hours.
		next := q1.Add(24*time.Hour + 5*time.Minute)
		if err := ask(next, 4); err != nil {
			t.Fatalf("after q1 left the day: %v", err)
		}
		refusedUntil(ask(next.Add(time.Minute), 5), q2.Add(24*time.Hour))
	})
}

// TestBandAnswers asks band questions and compares the labels with the
// bands of the values computed from the facts; the attestations verify and
// carry the scale; the stored answer is true (a band was given) or unknown.
func TestBandAnswers(t *testing.T) {
	t.Parallel()
	r := newRegion(t, openSQLite(t))
	ctx := context.Background()
	set, err := verify.ParseJWKS(mustJSON(t, r.signer.JWKS()))
	if err != nil {
		t.Fatal(err)
	}
	// The operator asks (for its own operation): institutions' reads also
	// need the enterprise's authorization, which is not what this tests.
	o := &account.Org{Kind: account.KindOperator, Name: "operator"}
	if err := r.st.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	op := access.Principal{Username: "op", OrgID: o.ID, OrgKind: account.KindOperator, OrgName: o.Name, Role: account.RoleOperatorAdmin}
	seen := map[string]int{}
	for _, b := range r.bundles[:15] {
		e := expect(b, now.Truncate(24*time.Hour), time.Time{})
		resp, err := r.svc.Ask(ctx, op, verify.Request{CreditCode: b.Profile.Code, Purpose: access.PurposeOperation,
			Questions: []string{"band(tax_paid_12m)", "band(insured_headcount)", "band(years_since_founding)"}})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{verify.Unknown, verify.Unknown, verify.Scales["years"].Label(float64(e.years))}
		if e.taxPaid != nil {
			want[0] = verify.Scales["yuan"].Label(*e.taxPaid)
		}
		if e.headcount != nil {
			want[1] = verify.Scales["persons"].Label(*e.headcount)
		}
		for i, a := range resp.Answers {
			if a.Answer != want[i] {
				t.Errorf("%s: %s = %s, want %s", b.Profile.Code, a.Question, a.Answer, want[i])
			}
			c, err := verify.Verify(a.Attestation, set, now)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Answer != a.Answer || c.Band != []string{"yuan", "persons", "years"}[i] || a.Band != c.Band {
				t.Fatalf("claims %+v for answer %+v", c, a)
			}
			seen[a.Answer]++
		}
	}
	if len(seen) < 4 {
		t.Fatalf("labels seen %v: the region exercised too little", seen)
	}
	// The evidence entry carries the label; the table the limits read
	// keeps true/false/unknown.
	b := r.bundles[0]
	var found bool
	for _, e := range entries(t, r.st, enterpriseID(t, r, b.Profile.Code), "verification.answer") {
		found = found || strings.Contains(e.Detail, `"band(years_since_founding)"`)
	}
	if !found {
		t.Fatal("no verification.answer evidence for the band question")
	}
	t.Logf("labels: %v", seen)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func enterpriseID(t *testing.T, r *region, code string) int64 {
	t.Helper()
	rec, err := r.st.EnterpriseByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return rec.ID
}
