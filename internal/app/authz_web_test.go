package app_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/server"
)

// TestAuthorizationThroughPages is the browser-free path of an
// authorization through the web pages of a real node: a bank asks, the
// enterprise approves in plain words, the bank then reads the data (a
// natural-person shareholder masked), the shareholder's separate consent
// unmasks it, every read is on the enterprise's "who accessed my data"
// page, and a revocation stops the very next read.
func TestAuthorizationThroughPages(t *testing.T) {
	ctx := context.Background()
	n, err := app.Open(ctx, ingestNodeConfig(t, "sqlite"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	h, err := n.Handler()
	if err != nil {
		t.Fatal(err)
	}
	ent, err := n.Enterprises.Register(ctx, access.System, enterprise.Input{Code: huawei, NameZH: "华为技术有限公司", Industry: "I",
		Size: "medium", FoundedOn: "2005-03-01", Address: "深圳市龙岗区", LegalRep: enterprise.LegalRep{Name: repName, IDNumber: repID}})
	if err != nil {
		t.Fatal(err)
	}
	const holderID = "320102199001011232" // a natural-person shareholder
	month := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := n.Store.AppendFacts(ctx, []facts.Fact{
		{EnterpriseID: ent.ID, Item: "tax.vat_sales", Shape: facts.Measure, Period: month, Num: 98_765_43, Source: "tax", Batch: "b1", ReceivedAt: month.AddDate(0, 1, 0), Version: 1},
		{EnterpriseID: ent.ID, Item: "registration.shareholders", Shape: facts.Attribute, Period: month, Num: 600_000_00, Text: "李四 " + holderID,
			Ref: "natural:" + holderID, Detail: `{"holder_type":"natural","share_bp":6000}`, Source: "samr", Batch: "b2", ReceivedAt: month, Version: 1},
	}); err != nil {
		t.Fatal(err)
	}
	actors := map[string]actor{}
	sys := account.SystemActor
	for _, o := range []struct {
		org  account.Org
		user string
		role account.Role
	}{
		{account.Org{Kind: account.KindInstitution, Name: "示范银行", AccessTier: 3}, "bank", account.RoleInstitutionOfficer},
		{account.Org{Kind: account.KindEnterprise, Name: "华为", EnterpriseID: ent.ID}, "ent", account.RoleEnterpriseAdmin},
	} {
		org, err := n.Accounts.CreateOrg(ctx, sys, o.org)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: org.ID, Username: o.user, Role: o.role, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		actors[o.user] = webSignIn(t, h, o.user)
	}
	get := func(who, path string, want int) string {
		t.Helper()
		rec := do(t, h, "GET", path, actors[who], "", map[string]string{"Accept-Language": "zh-CN"})
		if rec.Code != want {
			t.Fatalf("%s GET %s = %d, want %d\n%s", who, path, rec.Code, want, rec.Body)
		}
		return html.UnescapeString(rec.Body.String())
	}
	post := func(who, path string, form url.Values, want int) string {
		t.Helper()
		rec := do(t, h, "POST", path, actors[who], form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "zh-CN"})
		if rec.Code != want {
			t.Fatalf("%s POST %s = %d, want %d\n%s", who, path, rec.Code, want, rec.Body)
		}
		return rec.Header().Get("Location")
	}
	dataPage := "/enterprises/" + huawei + "/data?purpose=loan_application"
	api := "/api/v1/enterprises/" + huawei + "/data?purpose=loan_application&items=tax.vat_sales,registration.shareholders"

	// Before any authorization the bank sees neither figure.
	if body := get("bank", dataPage, 200); strings.Contains(body, "98,765.43") || strings.Contains(body, "李四") {
		t.Fatal("the bank saw data before any authorization")
	}

	// The bank asks through the form.
	through := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	loc := post("bank", "/authorizations/new", url.Values{"credit_code": {huawei}, "purpose": {"loan_application"},
		"items": {"tax.", "registration.shareholders"}, "data_from": {"2025-01-01"}, "data_to": {"2025-12-31"}, "valid_to": {through},
		"fetch_type": {"periodic"}, "frequency": {"monthly"}, "mode": {"view"}}, 303)
	m := regexp.MustCompile(`/authorizations/(az_[A-Za-z0-9]+)`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("request redirected to %q", loc)
	}
	id := m[1]

	// The enterprise reads it in plain words and approves.
	list := get("ent", "/authorizations", 200)
	if !strings.Contains(list, "示范银行请求查看贵企业 2025-01 至 2025-12 的数据（纳税、股东及出资信息），用于贷款申请审核，有效期至 "+through+"，每月定期查询。") {
		t.Fatalf("enterprise's list lacks the plain words:\n%s", list)
	}
	post("ent", "/authorizations/"+id+"/approve", url.Values{}, 303)

	// The bank now reads the data; the shareholder is masked.
	body := get("bank", dataPage, 200)
	if !strings.Contains(body, "98,765.43") || !strings.Contains(body, "李* 320102********1232") || strings.Contains(body, holderID) || strings.Contains(body, "李四") {
		t.Fatalf("the bank's page after approval:\n%s", body)
	}
	rec := do(t, h, "GET", api, actors["bank"], "", nil)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), holderID) || strings.Contains(rec.Body.String(), "李四") || !strings.Contains(rec.Body.String(), `"masked":true`) {
		t.Fatalf("API read without consent = %d %s", rec.Code, rec.Body)
	}

	// Only a registered shareholder can give a shareholder's consent.
	post("ent", "/authorizations/"+id+"/consent", url.Values{"role": {"shareholder"}, "name": {repName}, "id_number": {repID},
		"id_last6": {repID[12:]}, "agree": {"yes"}}, 422)
	// The shareholder consents separately; the bank then gets the clear form.
	post("ent", "/authorizations/"+id+"/consent", url.Values{"role": {"shareholder"}, "name": {"李四"}, "id_number": {holderID},
		"id_last6": {holderID[12:]}, "agree": {"yes"}}, 303)
	rec = do(t, h, "GET", api, actors["bank"], "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), holderID) || !strings.Contains(rec.Body.String(), "李四") {
		t.Fatalf("API read with consent = %d %s", rec.Code, rec.Body)
	}

	// Every read is on the enterprise's access log with the authorization.
	if log := get("ent", "/my/accesses", 200); !strings.Contains(log, "/authorizations/"+id) || !strings.Contains(log, "示范银行") {
		t.Fatalf("access log:\n%s", log)
	}

	// Revocation takes effect for the next read.
	post("ent", "/authorizations/"+id+"/revoke", url.Values{"reason": {"贷款已结清"}}, 303)
	if rec = do(t, h, "GET", api, actors["bank"], "", nil); rec.Code != 403 || !strings.Contains(rec.Body.String(), "access.authorization_revoked") {
		t.Fatalf("read after revocation = %d %s", rec.Code, rec.Body)
	}
}

// webSignIn signs user in through the API and returns the session.
func webSignIn(t *testing.T, h http.Handler, user string) actor {
	t.Helper()
	rec := do(t, h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"`+user+`","password":"correct horse battery"}`, nil)
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &me) != nil {
		t.Fatalf("sign in %s = %d %s", user, rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == server.SessionCookie {
			return actor{cookie: c.Value, csrf: me.CSRF}
		}
	}
	t.Fatalf("sign in %s: no session cookie", user)
	return actor{}
}
