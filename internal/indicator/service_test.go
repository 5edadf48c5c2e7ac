package indicator_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

var admin = access.Principal{UserID: 3, Username: "admin", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}

func known(t *testing.T) map[string]bool {
	t.Helper()
	set, err := features.DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	k := map[string]bool{}
	for _, d := range set.Defs {
		k[d.Name] = true
	}
	return k
}

func service(st store.Store, known map[string]bool) *indicator.Service {
	return &indicator.Service{Repo: st, Known: known,
		InTx: func(ctx context.Context, fn func(indicator.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		}}
}

func version(t *testing.T, label string) []byte {
	t.Helper()
	sys, err := indicator.Default()
	if err != nil {
		t.Fatal(err)
	}
	sys.Version = label
	b, err := json.Marshal(sys)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func actions(t *testing.T, st store.Store) []string {
	t.Helper()
	es, err := st.ListAudit(context.Background(), audit.Filter{Action: "indicator.", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func TestLoadDefaultStoresAndActivatesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := scratch.Open(t, "sqlite")
	svc := service(st, known(t))
	for i, want := range []bool{true, false} {
		loaded, err := svc.LoadDefault(ctx)
		if err != nil || loaded != want {
			t.Fatalf("LoadDefault #%d = %v, %v; want %v", i+1, loaded, err, want)
		}
	}
	rec, err := st.ActiveIndicatorSystem(ctx)
	if err != nil || rec.ID != 1 || rec.AuthorName != "system" || rec.Digest != indicator.Digest(rec.Body) {
		t.Fatalf("active after LoadDefault: %+v, %v", rec, err)
	}
	if got := actions(t, st); len(got) != 1 || got[0] != indicator.ActionLoadDefault {
		t.Fatalf("evidence %v, want one %s", got, indicator.ActionLoadDefault)
	}
}

func TestLoadDefaultRefusesAFeatureSetWithoutItsFeatures(t *testing.T) {
	t.Parallel()
	st := scratch.Open(t, "sqlite")
	k := known(t)
	delete(k, "tax_credit_grade")
	_, err := service(st, k).LoadDefault(context.Background())
	if fe, ok := fault.As(err); !ok || fe.Code != "indicator.feature_unknown" || fe.Params["feature"] != "tax_credit_grade" {
		t.Fatalf("LoadDefault with tax_credit_grade unknown = %v, want indicator.feature_unknown", err)
	}
	if vs, _ := st.IndicatorSystems(context.Background()); len(vs) != 0 {
		t.Fatalf("%d versions stored", len(vs))
	}
}

func TestImportActivateAndActiveAcrossServices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := scratch.Open(t, "sqlite")
	a, b := service(st, known(t)), service(st, known(t)) // two nodes on one database
	if _, err := a.LoadDefault(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := b.Active(ctx)
	if err != nil || first.Version != "gbt23794-style/v1" {
		t.Fatalf("Active = %v, %v", first, err)
	}
	if again, _ := b.Active(ctx); again != first {
		t.Error("an unchanged active version is parsed again")
	}
	rec, err := a.Import(ctx, admin, version(t, "v2"), "new weights", true)
	if err != nil || !rec.Active {
		t.Fatalf("Import(activate) = %+v, %v", rec, err)
	}
	if got, err := b.Active(ctx); err != nil || got.Version != "v2" {
		t.Fatalf("the other node's Active after an activation = %v, %v; want v2", got, err)
	}
	// Activating the active version records nothing.
	if _, err := a.Activate(ctx, admin, rec.ID, "again"); err != nil {
		t.Fatal(err)
	}
	want := []string{indicator.ActionActivate, indicator.ActionImport, indicator.ActionLoadDefault}
	if got := actions(t, st); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("evidence %v, want %v", got, want)
	}
	// Concurrent readers share one parsed system.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if s, err := b.Active(ctx); err != nil || s.Version != "v2" {
				t.Errorf("concurrent Active = %v, %v", s, err)
			}
		})
	}
	wg.Wait()
}

func TestActivateRefusesAVersionTheFeatureSetNoLongerFits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := scratch.Open(t, "sqlite")
	old := service(st, known(t))
	if _, err := old.LoadDefault(ctx); err != nil {
		t.Fatal(err)
	}
	v2, err := old.Import(ctx, admin, version(t, "v2"), "stored while the feature existed", false)
	if err != nil {
		t.Fatal(err)
	}
	k := known(t)
	delete(k, "loan_defaults")
	now := service(st, k)
	if _, err := now.Activate(ctx, admin, v2.ID, "try"); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("Activate = %v, want Invalid (feature_unknown)", err)
	}
	if _, err := now.Active(ctx); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("Active with a feature gone = %v, want Invalid rather than scoring it as missing", err)
	}
	if rec, _ := st.ActiveIndicatorSystem(ctx); rec.Version != "gbt23794-style/v1" {
		t.Fatalf("active %s, want the default still", rec.Version)
	}
}

func TestOnlyOperatorStaffAndAuditorsSeeAndOnlyAdminsChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := scratch.Open(t, "sqlite")
	svc := service(st, known(t))
	if _, err := svc.LoadDefault(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p          access.Principal
		view, edit bool
	}{
		{admin, true, true},
		{access.Principal{UserID: 4, Username: "analyst", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAnalyst}, true, false},
		{access.Principal{UserID: 5, Username: "auditor", OrgID: 2, OrgKind: account.KindAuditor, Role: account.RoleAuditor}, true, false},
		{access.Principal{UserID: 6, Username: "bank", OrgID: 3, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer}, false, false},
		{access.Principal{OrgID: 3, OrgKind: account.KindInstitution, APIKeyID: 9, APIKeyPrefix: "cbk_1"}, false, false},
	} {
		_, err := svc.List(ctx, c.p)
		if (err == nil) != c.view || (err != nil && fault.KindOf(err) != fault.Forbidden) {
			t.Errorf("%s List: %v, want allowed %v", c.p.ActorName(), err, c.view)
		}
		_, err = svc.Import(ctx, c.p, version(t, "by-"+c.p.ActorName()), "r", false)
		if (err == nil) != c.edit || (err != nil && fault.KindOf(err) != fault.Forbidden) {
			t.Errorf("%s Import: %v, want allowed %v", c.p.ActorName(), err, c.edit)
		}
	}
}
