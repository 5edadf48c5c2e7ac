package demo_test

import (
	"context"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/demo"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

// TestSeedAuthorizations: the demo's bank holds an approved authorization
// of the demo enterprise and the guarantor's request waits for it.
func TestSeedAuthorizations(t *testing.T) {
	ctx := context.Background()
	st := scratch.OpenWithCatalogue(t, "sqlite")
	ks, err := keys.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	acc := &account.Service{Repo: st, InTx: func(ctx context.Context, fn func(account.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	ents := &enterprise.Service{Repo: st, Seal: ks.Data, InTx: func(ctx context.Context, fn func(enterprise.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	sg, err := authz.NewSigner(ks.Node, "demo")
	if err != nil {
		t.Fatal(err)
	}
	az := &authz.Service{Repo: st, InTx: func(ctx context.Context, fn func(authz.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}, Items: &catalog.Service{Repo: st}, Signer: sg, PersonKey: authz.DeriveKey(ks.Node.Seed(), "consent-person")}
	if _, err := demo.Seed(ctx, st, acc, ents, t.TempDir(), demo.Options{Enterprises: 5, Authz: az}); err != nil {
		t.Fatal(err)
	}
	as, err := az.List(ctx, access.Principal{Username: "op", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}, authz.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 {
		t.Fatalf("%d demo authorizations, want 2", len(as))
	}
	byStatus := map[authz.Status]authz.Authorization{}
	for _, a := range as {
		byStatus[a.Status] = a
		if _, err := authz.Verify(a.Signature, ks.Public()); err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
	}
	loan, pending := byStatus[authz.StatusActive], byStatus[authz.StatusPending]
	if loan.Purpose != access.PurposeLoan || len(loan.Items) != 3 || loan.Mode != authz.ModeView || loan.DecidedBy != "enterprise" {
		t.Fatalf("the bank's authorization %+v", loan)
	}
	if pending.Purpose != access.PurposeGuarantee || pending.Mode != authz.ModeVerify || pending.InstitutionID == loan.InstitutionID {
		t.Fatalf("the guarantor's request %+v", pending)
	}
	gs, err := az.Grants(ctx, loan.InstitutionID, loan.EnterpriseID)
	if err != nil || len(gs) != 1 || !gs[0].Covers("tax.vat_sales") {
		t.Fatalf("grants %+v %v", gs, err)
	}
}
