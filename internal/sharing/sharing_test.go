package sharing_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/mask"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/sqlite"
)

// department answers interface calls the way a test needs: with facts,
// or with an error, counting the calls.
type department struct {
	calls int
	err   error
	facts []facts.Fact
}

func (d *department) Fetch(_ context.Context, req sharing.LiveRequest) (sharing.LiveResult, error) {
	d.calls++
	if d.err != nil {
		return sharing.LiveResult{Connector: "nr-api", Attempts: 3}, d.err
	}
	var out []facts.Fact
	for _, f := range d.facts {
		if f.Item == req.Item.Code {
			f.EnterpriseID = req.EnterpriseID
			out = append(out, f)
		}
	}
	return sharing.LiveResult{Facts: out, Connector: "nr-api", Attempts: 1}, nil
}

const code = "914403001922038216"

func setup(t *testing.T) (*sharing.Service, store.Store, *department) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	seal, err := keys.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	ents := &enterprise.Service{Repo: st, Seal: seal, InTx: func(ctx context.Context, fn func(enterprise.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if _, err := ents.Register(ctx, access.System, enterprise.Input{Code: code, NameZH: "华为技术有限公司", Industry: "I", Size: "large",
		FoundedOn: "1987-09-15", Address: "深圳", LegalRep: enterprise.LegalRep{Name: "张三丰", IDNumber: "11010519491231002X"}}); err != nil {
		t.Fatal(err)
	}
	items := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if _, err := items.LoadDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	dept := &department{}
	rules, err := mask.Platform()
	if err != nil {
		t.Fatal(err)
	}
	return &sharing.Service{Repo: st, Items: items, Live: dept, Mask: rules}, st, dept
}

var operator = access.Principal{UserID: 1, Username: "admin", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}

func TestInterfaceItemsAreFetchedLiveAndRecorded(t *testing.T) {
	svc, st, dept := setup(t)
	ctx := context.Background()
	dept.facts = []facts.Fact{{Item: "property.real_estate", Shape: facts.Event, Period: time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC),
		Num: 3_000_000_00, Text: "工业用地", Ref: "苏(2024)苏州市不动产权第0001号", Source: "nr", Batch: "live:nr-api", ReceivedAt: time.Now(), Version: 1}}
	res, err := svc.Read(ctx, operator, sharing.Query{Code: code, Items: []string{"property.real_estate"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Values) != 1 || res.Values[0].Via != catalog.ModeInterface || res.Values[0].Num != 3_000_000_00 || len(res.Calls) != 1 || dept.calls != 1 {
		t.Fatalf("read: %+v", res)
	}
	es, err := st.ListAudit(ctx, audit.Filter{Action: "interface.call", Limit: 10})
	if err != nil || len(es) != 1 || es[0].Outcome != audit.OK || !strings.Contains(es[0].Detail, `"connector":"nr-api"`) {
		t.Fatalf("evidence of the call: %+v %v", es, err)
	}

	// A past point in time cannot have known a live value: no call.
	res, err = svc.Read(ctx, operator, sharing.Query{Code: code, Items: []string{"property.real_estate"}, KnownAt: time.Now().AddDate(0, -1, 0)})
	if err != nil || len(res.Values) != 0 || dept.calls != 1 {
		t.Fatalf("past read: %+v calls %d err %v", res, dept.calls, err)
	}

	// A department that fails: the item asked for by name fails the read
	// with an error naming the department, and the failed call is evidence.
	dept.err = errors.New("connection refused")
	_, err = svc.Read(ctx, operator, sharing.Query{Code: code, Items: []string{"property.real_estate"}})
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.Unavailable || fe.Code != "sharing.department_down" || fe.Params["department"] != "nr" {
		t.Fatalf("department down: %v", err)
	}
	es, _ = st.ListAudit(ctx, audit.Filter{Action: "interface.call", Limit: 10})
	if len(es) != 2 || es[0].Outcome != audit.Failed {
		t.Fatalf("evidence of the failed call: %+v", es)
	}
	// Swept in by a category, the failure is reported and the rest served.
	res, err = svc.Read(ctx, operator, sharing.Query{Code: code, Items: []string{"property."}})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, c := range res.Calls {
		if c.Error != "" {
			failed++
		}
	}
	if failed == 0 {
		t.Fatalf("category read hid the failure: %+v", res.Calls)
	}
}

func TestInstitutionsGetWhatTheGradingAllows(t *testing.T) {
	svc, st, _ := setup(t)
	ctx := context.Background()
	rec, err := st.EnterpriseByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.AppendFacts(ctx, []facts.Fact{
		{EnterpriseID: rec.ID, Item: "tax.vat_sales", Shape: facts.Measure, Period: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Num: 100, Source: "tax", Batch: "b", ReceivedAt: now, Version: 1},
		{EnterpriseID: rec.ID, Item: "judicial.dishonest", Shape: facts.Event, Period: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), Ref: "(2025)苏05执1号", Source: "court", Batch: "b", ReceivedAt: now, Version: 1},
	}))
	bank := access.Principal{UserID: 2, Username: "bank", OrgID: 2, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer, AccessTier: 3}
	res, err := svc.Read(ctx, bank, sharing.Query{Code: code, Purpose: access.PurposeLoan})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Values) != 1 || res.Values[0].Item != "judicial.dishonest" {
		t.Fatalf("bank sees %+v", res.Values)
	}
	// The conditional tax item needs the enterprise's authorization, to
	// view it and to verify against it alike.
	for _, mode := range []string{access.ModeVerify, access.ModeView} {
		_, err = svc.Read(ctx, bank, sharing.Query{Code: code, Items: []string{"tax.vat_sales"}, Purpose: access.PurposeLoan, Mode: mode})
		if fe, ok := fault.As(err); !ok || fe.Code != "access.authorization_required" {
			t.Fatalf("%s read of a conditional item without authorization: %v", mode, err)
		}
	}
	// With a live authorization for tax data of 2025 H1, the item reads,
	// clipped to that range; revoked, it no longer does.
	org := &account.Org{Kind: account.KindInstitution, Name: "bank", AccessTier: 3}
	must(st.CreateOrg(ctx, org))
	bank.OrgID = org.ID
	must(st.AppendFacts(ctx, []facts.Fact{{EnterpriseID: rec.ID, Item: "tax.vat_sales", Shape: facts.Measure, Period: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC),
		Num: 900, Source: "tax", Batch: "b2", ReceivedAt: now, Version: 1}}))
	az := &authz.Authorization{ID: authz.NewID(), EnterpriseID: rec.ID, InstitutionID: org.ID, Purpose: access.PurposeLoan, Items: []string{"tax."},
		DataFrom: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), DataTo: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(24 * time.Hour), FetchType: authz.FetchPeriodic, Frequency: "monthly",
		Mode: authz.ModeView, Status: authz.StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now}
	must(st.CreateAuthorization(ctx, az))
	svc.Grants = (&authz.Service{Repo: st}).Grants
	for _, mode := range []string{access.ModeVerify, access.ModeView} {
		res, err = svc.Read(ctx, bank, sharing.Query{Code: code, Items: []string{"tax.vat_sales"}, Purpose: access.PurposeLoan, Mode: mode})
		if err != nil || len(res.Values) != 1 || res.Values[0].Num != 100 || res.Decision.AuthorizationID != az.ID {
			t.Fatalf("%s read under the authorization: %+v %v", mode, res, err)
		}
	}
	_, err = svc.Read(ctx, bank, sharing.Query{Code: code, Items: []string{"tax.vat_sales"}, Purpose: access.PurposeLoan,
		From: time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)})
	if fe, ok := fault.As(err); !ok || fe.Code != "access.authorization_dates" {
		t.Fatalf("read outside the authorized dates: %v", err)
	}
	es, _ := st.ListAudit(ctx, audit.Filter{Action: "data.read", Limit: 1})
	if len(es) != 1 || es[0].AuthorizationID != az.ID || es[0].Outcome != audit.Denied {
		t.Fatalf("evidence of the refused read: %+v", es)
	}
	az.Status, az.Version = authz.StatusRevoked, 2
	must(st.UpdateAuthorization(ctx, az))
	_, err = svc.Read(ctx, bank, sharing.Query{Code: code, Items: []string{"tax.vat_sales"}, Purpose: access.PurposeLoan})
	if fe, ok := fault.As(err); !ok || fe.Code != "access.authorization_revoked" {
		t.Fatalf("read after revocation: %v", err)
	}
}
