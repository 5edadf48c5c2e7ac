package access

import (
	"testing"

	"github.com/creditbridge/creditbridge/internal/account"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	op := Principal{UserID: 1, Username: "a", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}
	bank := Principal{UserID: 2, Username: "b", OrgID: 2, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer}
	ent := Principal{UserID: 3, Username: "e", OrgID: 3, OrgKind: account.KindEnterprise, Role: account.RoleEnterpriseAdmin, EnterpriseID: 7}
	key := Principal{OrgID: 2, OrgKind: account.KindInstitution, APIKeyID: 9, APIKeyPrefix: "cbk_1", Scopes: []account.Scope{account.ScopeDataWrite}}
	items := []string{ItemRegistration}
	cases := []struct {
		name    string
		req     Request
		allow   bool
		reason  string
		purpose string
	}{
		{"operator defaults to operation", Request{Principal: op, EnterpriseID: 7, Items: items}, true, "access.allowed", PurposeOperation},
		{"institution without purpose", Request{Principal: bank, EnterpriseID: 7, Items: items}, false, "access.purpose_required", ""},
		{"institution with purpose", Request{Principal: bank, EnterpriseID: 7, Items: items, Purpose: PurposeLoan}, true, "access.allowed", PurposeLoan},
		{"institution with made-up purpose", Request{Principal: bank, EnterpriseID: 7, Items: items, Purpose: "curiosity"}, false, "access.unknown_purpose", "curiosity"},
		{"institution claiming an audit", Request{Principal: bank, EnterpriseID: 7, Items: items, Purpose: PurposeAudit}, false, "access.purpose_not_allowed", ""},
		{"operator auditing", Request{Principal: op, EnterpriseID: 7, Items: items, Purpose: PurposeAudit}, true, "access.allowed", PurposeAudit},
		{"enterprise reads itself", Request{Principal: ent, EnterpriseID: 7, Items: items}, true, "access.allowed", PurposeSelf},
		{"enterprise reads another", Request{Principal: ent, EnterpriseID: 8, Items: items}, false, "access.not_own_enterprise", ""},
		{"enterprise searches", Request{Principal: ent, Items: items}, false, "access.enterprise_search_denied", ""},
		{"key without scope", Request{Principal: key, EnterpriseID: 7, Items: items, Purpose: PurposeLoan}, false, "access.scope_missing", PurposeLoan},
		{"unknown item", Request{Principal: op, EnterpriseID: 7, Items: []string{"tax.monthly"}}, false, "access.unknown_item", ""},
		{"anonymous", Request{Principal: Principal{}, EnterpriseID: 7, Items: items}, false, "access.no_identity", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.req)
			if d.Allow != tc.allow || d.Reason != tc.reason {
				t.Fatalf("Decide = allow %v %q, want %v %q", d.Allow, d.Reason, tc.allow, tc.reason)
			}
			if tc.allow && d.Purpose != tc.purpose {
				t.Fatalf("purpose = %q, want %q", d.Purpose, tc.purpose)
			}
			if tc.allow && d.Mask.PersonalData == (tc.req.Principal.OrgKind == account.KindEnterprise) {
				t.Fatal("personal data must be masked for everyone but the enterprise itself until consent exists")
			}
		})
	}
}

func TestDecideItemGrades(t *testing.T) {
	t.Parallel()
	tax := ItemPolicy{Code: "tax.vat_sales", Known: true, Department: "tax", Grade: 3, Sharing: "conditional", Disclosure: "not_public"}
	pub := ItemPolicy{Code: "penalty.administrative", Known: true, Department: "samr", Grade: 1, Sharing: "unconditional", Disclosure: "public"}
	secret := ItemPolicy{Code: "x.secret", Known: true, Department: "tax", Grade: 2, Sharing: "not_shared", Disclosure: "not_public"}
	bank := Principal{UserID: 2, Username: "b", OrgID: 2, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer, AccessTier: 3}
	lowBank := bank
	lowBank.AccessTier = 2
	taxDept := Principal{UserID: 4, Username: "t", OrgID: 4, OrgKind: account.KindDepartment, Role: account.RoleDepartmentOfficer, Department: "tax"}
	gridDept := taxDept
	gridDept.Department = "grid"
	ent := Principal{UserID: 3, Username: "e", OrgID: 3, OrgKind: account.KindEnterprise, Role: account.RoleEnterpriseAdmin, EnterpriseID: 7}
	req := func(p Principal, mode, purpose string, pols ...ItemPolicy) Request {
		r := Request{Principal: p, EnterpriseID: 7, Purpose: purpose, Mode: mode, Policies: pols}
		for _, x := range pols {
			r.Items = append(r.Items, x.Code)
		}
		return r
	}
	cases := []struct {
		name   string
		req    Request
		reason string
	}{
		{"bank views public item", req(bank, ModeView, PurposeLoan, pub), "access.allowed"},
		{"bank views conditional item without authorization", req(bank, ModeView, PurposeLoan, tax), "access.authorization_required"},
		{"bank verifies conditional item without authorization", req(bank, ModeVerify, PurposeLoan, tax), "access.authorization_required"},
		{"bank below the grade", req(lowBank, ModeVerify, PurposeLoan, tax), "access.grade_above_tier"},
		{"bank asks for a not-shared item", req(bank, ModeVerify, PurposeLoan, secret), "access.not_shared"},
		{"one bad item spoils the request", req(bank, ModeVerify, PurposeLoan, pub, secret), "access.not_shared"},
		{"department reads its own item", req(taxDept, ModeView, "", tax), "access.allowed"},
		{"department reads another's item", req(gridDept, ModeView, "", tax), "access.other_department"},
		{"department reads public registry data", req(gridDept, ModeView, "", pub), "access.allowed"},
		{"enterprise reads its own tax data", req(ent, ModeView, "", tax, secret), "access.allowed"},
		{"unknown mode", req(bank, "copy", PurposeLoan, pub), "access.unknown_mode"},
		{"unknown item", req(bank, ModeView, PurposeLoan, ItemPolicy{Code: "nope"}), "access.unknown_item"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.req)
			if d.Reason != tc.reason || d.Allow != (tc.reason == "access.allowed") {
				t.Fatalf("Decide = allow %v %q, want %q", d.Allow, d.Reason, tc.reason)
			}
		})
	}
}
