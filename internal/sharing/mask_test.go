package sharing_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// Personal values as a department would send them.
const (
	holderID    = "320102199001011237"
	holderPhone = "13812345678"
	repIDLive   = "11010519491231002X"
)

// TestPersonalDataIsMaskedByItemRules reads personal items (a stored
// natural-person shareholder and the live legal representative) as readers
// the decision point masks for and as the enterprise itself: the masked
// JSON holds none of the clear values, the clear one holds them, and the
// sealed blob of a shareholder never leaves.
func TestPersonalDataIsMaskedByItemRules(t *testing.T) {
	svc, st, dept := setup(t)
	ctx := context.Background()
	rec, err := st.EnterpriseByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	month := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := st.AppendFacts(ctx, []facts.Fact{{EnterpriseID: rec.ID, Item: "registration.shareholders", Shape: facts.Attribute, Period: month,
		Num: 600_000_00, Text: "李四 " + holderID, Ref: "natural:" + holderID,
		Detail: `{"holder_type":"natural","share_bp":6000,"phone":"` + holderPhone + `","sealed":"c2VhbGVkIGJsb2I="}`,
		Source: "samr", Batch: "b1", ReceivedAt: month, Version: 1}}); err != nil {
		t.Fatal(err)
	}
	dept.facts = []facts.Fact{{Item: "registration.legal_representative", Shape: facts.Attribute, Period: month, Text: "张三丰",
		Detail: `{"name":"张三丰","id_number":"` + repIDLive + `","synthetic":true}`, Source: "samr", Batch: "live:samr", ReceivedAt: time.Now(), Version: 1}}
	self := access.Principal{UserID: 9, Username: "ent", OrgID: 9, OrgKind: account.KindEnterprise, Role: account.RoleEnterpriseAdmin, EnterpriseID: rec.ID}
	items := []string{"registration.shareholders", "registration.legal_representative"}
	read := func(p access.Principal) (sharing.Result, string) {
		t.Helper()
		res, err := svc.Read(ctx, p, sharing.Query{Code: code, Items: items})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	clear := []string{holderID, holderPhone, "李四", repIDLive, "张三丰"}

	res, body := read(operator)
	for _, s := range clear {
		if strings.Contains(body, s) {
			t.Errorf("masked read holds %q: %s", s, body)
		}
	}
	for _, s := range []string{"李* 320102********1237", "natural:320102********1237", "138****5678", "张**", "110105********002X", `"masked":true`} {
		if !strings.Contains(body, s) {
			t.Errorf("masked read lacks %q: %s", s, body)
		}
	}
	if len(res.Values) != 2 {
		t.Fatalf("masked read: %d values", len(res.Values))
	}

	// An institution under an active authorization: masked without the
	// persons' separate consent, clear with it.
	bank := access.Principal{UserID: 7, Username: "bank", OrgID: 7, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer, AccessTier: 4}
	grant := access.Grant{ID: "az_TESTMASKINGGRANT0000000000", Status: "active", Purpose: access.PurposeLoan, Items: items,
		DataFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), DataTo: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(24 * time.Hour), Mode: access.GrantView, FetchType: "periodic"}
	svc.Grants = func(_ context.Context, inst, ent int64) ([]access.Grant, error) {
		if inst != bank.OrgID || ent != rec.ID {
			return nil, nil
		}
		return []access.Grant{grant}, nil
	}
	readBank := func() string {
		t.Helper()
		res, err := svc.Read(ctx, bank, sharing.Query{Code: code, Items: items, Purpose: access.PurposeLoan})
		if err != nil {
			t.Fatal(err)
		}
		if res.Decision.AuthorizationID != grant.ID || len(res.Values) != 2 {
			t.Fatalf("bank read: %+v", res)
		}
		b, _ := json.Marshal(res)
		return string(b)
	}
	body = readBank()
	for _, s := range clear {
		if strings.Contains(body, s) {
			t.Errorf("the bank without consent got %q: %s", s, body)
		}
	}
	if !strings.Contains(body, "李* 320102********1237") || !strings.Contains(body, `"masked":true`) {
		t.Errorf("the bank without consent lacks the masked forms: %s", body)
	}
	grant.PersonalConsent = true
	body = readBank()
	for _, s := range clear {
		if !strings.Contains(body, s) {
			t.Errorf("the bank with consent lacks %q: %s", s, body)
		}
	}
	if strings.Contains(body, "c2VhbGVk") || strings.Contains(body, `"masked":true`) {
		t.Errorf("the bank with consent: %s", body)
	}

	_, body = read(self)
	for _, s := range clear {
		if !strings.Contains(body, s) {
			t.Errorf("the enterprise's own read lacks %q: %s", s, body)
		}
	}
	for _, body := range []string{body} {
		if strings.Contains(body, "sealed") || strings.Contains(body, "c2VhbGVk") {
			t.Errorf("a sealed blob left the platform: %s", body)
		}
	}
}
