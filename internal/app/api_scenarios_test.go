package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/server"
)

const (
	huawei  = "914403001922038216"
	xiaomi  = "91110108551385082Q"
	badSum  = "91110108551385083Q" // Xiaomi's code with a wrong check character
	repID   = "11010519491231002X" // the GB 11643 standard's sample number
	repName = "张三丰"
)

type actor struct {
	cookie string
	csrf   string
	key    string
}

type world struct {
	n       *app.Node
	h       http.Handler
	actors  map[string]actor
	ownEnt  enterprise.View
	keyNone string
}

// newWorld builds a node with one account per role and two enterprises,
// and signs each user in through the API.
func newWorld(t *testing.T) *world {
	t.Helper()
	n, h := newNode(t)
	ctx := context.Background()
	w := &world{n: n, h: h, actors: map[string]actor{}}
	reg := func(code, zh, en string) enterprise.View {
		v, err := n.Enterprises.Register(ctx, access.System, enterprise.Input{Code: code, NameZH: zh, NameEN: en, Industry: "I",
			Size: "medium", FoundedOn: "2005-03-01", Address: "深圳市龙岗区", LegalRep: enterprise.LegalRep{Name: repName, IDNumber: repID}})
		if err != nil {
			t.Fatalf("register %s: %v", code, err)
		}
		return v
	}
	w.ownEnt = reg(huawei, "华为技术有限公司", "Huawei Technologies Co., Ltd.")
	reg(xiaomi, "北京小米科技有限责任公司", "Beijing Xiaomi Technology Co., Ltd.")
	sys := account.SystemActor
	mk := func(kind account.OrgKind, name string, entID int64, users ...account.Role) account.Org {
		o, err := n.Accounts.CreateOrg(ctx, sys, account.Org{Kind: kind, Name: name, EnterpriseID: entID, AccessTier: 2})
		if err != nil {
			t.Fatalf("org %s: %v", name, err)
		}
		for _, r := range users {
			if _, err := n.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: o.ID, Username: string(r), Role: r, Password: "correct horse battery"}); err != nil {
				t.Fatalf("user %s: %v", r, err)
			}
		}
		return o
	}
	mk(account.KindOperator, "运营中心", 0, account.RoleOperatorAdmin, account.RoleOperatorAnalyst)
	bank := mk(account.KindInstitution, "示范银行", 0, account.RoleInstitutionOfficer)
	mk(account.KindEnterprise, "华为", w.ownEnt.ID, account.RoleEnterpriseAdmin)
	mk(account.KindAuditor, "审计组", 0, account.RoleAuditor)
	for _, r := range []account.Role{account.RoleOperatorAdmin, account.RoleOperatorAnalyst, account.RoleInstitutionOfficer, account.RoleEnterpriseAdmin, account.RoleAuditor} {
		rec := do(t, h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"`+string(r)+`","password":"correct horse battery"}`, nil)
		if rec.Code != 200 {
			t.Fatalf("sign-in %s = %d %s", r, rec.Code, rec.Body)
		}
		var me struct {
			CSRF string `json:"csrf_token"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &me); err != nil || me.CSRF == "" {
			t.Fatalf("sign-in body %s: %v", rec.Body, err)
		}
		var cookie string
		for _, c := range rec.Result().Cookies() {
			if c.Name == server.SessionCookie {
				cookie = c.Value
				if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
					t.Fatalf("session cookie lacks HttpOnly/Secure/SameSite: %+v", c)
				}
			}
		}
		w.actors[string(r)] = actor{cookie: cookie, csrf: me.CSRF}
	}
	secret, _, err := n.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: bank.ID, Name: "core banking", Scopes: []account.Scope{account.ScopeEnterpriseRead}})
	if err != nil {
		t.Fatal(err)
	}
	w.actors["apikey"] = actor{key: secret}
	none, _, err := n.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: bank.ID, Name: "uploads", Scopes: []account.Scope{account.ScopeDataWrite}})
	if err != nil {
		t.Fatal(err)
	}
	w.actors["apikey_noscope"] = actor{key: none}
	revoked, k, err := n.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: bank.ID, Name: "old", Scopes: []account.Scope{account.ScopeEnterpriseRead}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Accounts.RevokeAPIKey(ctx, sys, k.ID); err != nil {
		t.Fatal(err)
	}
	w.actors["apikey_revoked"] = actor{key: revoked}
	w.actors["bogus_session"] = actor{cookie: "not-a-session", csrf: "x"}
	return w
}

func do(t *testing.T, h http.Handler, method, path string, a actor, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.10:5555"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.cookie != "" {
		req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: a.cookie})
		if method != "GET" {
			req.Header.Set(server.CSRFHeader, a.csrf)
		}
	}
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestAPIScenarios(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	newEnt := `{"code":"91320506MA1MDEM014","name_zh":"苏州测试精密机械有限公司","legal_representative":{"name":"李四"}}`
	cases := []struct {
		name       string
		method     string
		path       string
		as         string
		body       string
		hdr        map[string]string
		status     int
		contains   []string
		notContain []string
	}{
		{name: "anonymous is asked to sign in", method: "GET", path: "/api/v1/enterprises", status: 401, contains: []string{`"code":"auth.required"`}},
		{name: "bogus session says it ended", method: "GET", path: "/api/v1/enterprises", as: "bogus_session", status: 401, contains: []string{"auth.session_expired"}},
		{name: "operator searches Chinese substring", method: "GET", path: "/api/v1/enterprises?q=" + "小米", as: "operator_admin", status: 200,
			contains: []string{"北京小米科技有限责任公司", `"total":1`}, notContain: []string{"华为技术"}},
		{name: "operator searches English name", method: "GET", path: "/api/v1/enterprises?q=huawei", as: "operator_admin", status: 200, contains: []string{"华为技术有限公司"}},
		{name: "operator reads a record, legal representative masked", method: "GET", path: "/api/v1/enterprises/" + huawei, as: "operator_admin", status: 200,
			contains: []string{`"region_zh":"广东省深圳市"`, "张**"}, notContain: []string{repID, repName}},
		{name: "check character error in English", method: "GET", path: "/api/v1/enterprises/" + badSum, as: "operator_admin", hdr: map[string]string{"Accept-Language": "en"},
			status: 400, contains: []string{"check character should be U", `"code":"creditcode.check_char"`}},
		{name: "check character error in Chinese", method: "GET", path: "/api/v1/enterprises/" + badSum, as: "operator_admin", hdr: map[string]string{"Accept-Language": "zh-CN,zh;q=0.9"},
			status: 400, contains: []string{"校验"}},
		{name: "unknown enterprise", method: "GET", path: "/api/v1/enterprises/91320000MA1MDEM0AF", as: "operator_admin", status: 404},
		{name: "institution must state a purpose", method: "GET", path: "/api/v1/enterprises/" + huawei, as: "institution_officer", status: 403, contains: []string{"access.purpose_required"}},
		{name: "institution with a purpose", method: "GET", path: "/api/v1/enterprises/" + huawei + "?purpose=loan_application", as: "institution_officer", status: 200, notContain: []string{repID}},
		{name: "enterprise reads itself", method: "GET", path: "/api/v1/enterprises/" + huawei, as: "enterprise_admin", status: 200},
		{name: "enterprise cannot read another", method: "GET", path: "/api/v1/enterprises/" + xiaomi, as: "enterprise_admin", status: 403, contains: []string{"access.not_own_enterprise"}},
		{name: "api key with scope", method: "GET", path: "/api/v1/enterprises/" + xiaomi + "?purpose=loan_application", as: "apikey", status: 200},
		{name: "api key without scope", method: "GET", path: "/api/v1/enterprises/" + xiaomi + "?purpose=loan_application", as: "apikey_noscope", status: 403, contains: []string{"access.scope_missing"}},
		{name: "revoked api key", method: "GET", path: "/api/v1/enterprises/" + xiaomi, as: "apikey_revoked", status: 401, contains: []string{"auth.bad_api_key"}},
		{name: "malformed api key header", method: "GET", path: "/api/v1/me", hdr: map[string]string{"Authorization": "Basic abc"}, status: 401},
		{name: "register with a bad credit code", method: "POST", path: "/api/v1/enterprises", as: "operator_admin",
			body: `{"code":"91320506MA1MDEM015","name_zh":"坏代码公司","legal_representative":{"name":"李四"}}`, status: 400, contains: []string{"creditcode.check_char", `"field":"code"`}},
		{name: "register", method: "POST", path: "/api/v1/enterprises", as: "operator_admin", body: newEnt, status: 201, contains: []string{"苏州测试精密机械有限公司", "江苏省苏州市"}},
		{name: "duplicate registration", method: "POST", path: "/api/v1/enterprises", as: "operator_admin", body: newEnt, status: 409, contains: []string{"enterprise.duplicate"}},
		{name: "update an attribute", method: "PATCH", path: "/api/v1/enterprises/91320506MA1MDEM014", as: "operator_admin",
			body:   `{"version":1,"reason":"住所变更登记","record":{"code":"91320506MA1MDEM014","name_zh":"苏州测试精密机械有限公司","address":"苏州市吴中区东吴北路1号","legal_representative":{"name":"李四"}}}`,
			status: 200, contains: []string{"东吴北路1号", `"version":2`}},
		{name: "stale update", method: "PATCH", path: "/api/v1/enterprises/91320506MA1MDEM014", as: "operator_admin",
			body:   `{"version":1,"reason":"again","record":{"code":"91320506MA1MDEM014","name_zh":"改名","legal_representative":{"name":"李四"}}}`,
			status: 409, contains: []string{"enterprise.stale"}},
		{name: "analyst may not update", method: "PATCH", path: "/api/v1/enterprises/91320506MA1MDEM014", as: "institution_officer",
			body: `{"version":2,"reason":"x","record":{"code":"91320506MA1MDEM014","name_zh":"改名","legal_representative":{"name":"李四"}}}`, status: 403},
		{name: "history shows the change", method: "GET", path: "/api/v1/enterprises/91320506MA1MDEM014/history", as: "operator_admin", status: 200,
			contains: []string{`"field":"address"`, "住所变更登记", "东吴北路1号"}},
		{name: "wrong CSRF token", method: "POST", path: "/api/v1/enterprises", as: "operator_admin", body: newEnt, hdr: map[string]string{server.CSRFHeader: "forged"}, status: 403, contains: []string{"request.csrf"}},
		{name: "malformed JSON", method: "POST", path: "/api/v1/enterprises", as: "operator_admin", body: `{"code": "9132`, status: 400, contains: []string{"request.bad_json"}},
		{name: "unknown JSON field", method: "POST", path: "/api/v1/enterprises", as: "operator_admin", body: `{"kode":"x"}`, status: 400, contains: []string{"request.bad_json", "kode"}},
		{name: "oversize body", method: "POST", path: "/api/v1/enterprises", as: "operator_admin", body: `{"name_zh":"` + strings.Repeat("长", 400000) + `"}`, status: 413, contains: []string{"request.too_large"}},
		{name: "unknown role", method: "POST", path: "/api/v1/users", as: "operator_admin", body: `{"org_id":1,"username":"newbie","role":"superuser","password":"long enough pw"}`,
			status: 400, contains: []string{"account.unknown_role", "superuser"}},
		{name: "institution cannot create users", method: "POST", path: "/api/v1/users", as: "institution_officer", body: `{"org_id":1,"username":"newbie","role":"auditor","password":"long enough pw"}`, status: 403},
		{name: "auditor lists the evidence log", method: "GET", path: "/api/v1/audit?action=enterprise.read", as: "auditor", status: 200, contains: []string{`"action":"enterprise.read"`}},
		{name: "auditor verifies the log", method: "GET", path: "/api/v1/audit/verify", as: "auditor", status: 200, contains: []string{`"ok":true`}},
		{name: "institution cannot verify", method: "GET", path: "/api/v1/audit/verify", as: "institution_officer", status: 403},
		{name: "every signed-in principal reads the catalogue", method: "GET", path: "/api/v1/catalog", as: "institution_officer", status: 200,
			contains: []string{`"code":"registration.legal_representative"`, `"grade":4`, "《企业信息公示暂行条例》"}},
		{name: "catalogue item by code", method: "GET", path: "/api/v1/catalog/tax.credit_grade", as: "enterprise_admin", status: 200, contains: []string{"纳税信用等级", `"version":1`}},
		{name: "anonymous cannot read the catalogue", method: "GET", path: "/api/v1/catalog", status: 401},
		{name: "analyst cannot edit the catalogue", method: "PUT", path: "/api/v1/catalog/tax.credit_grade", as: "operator_analyst",
			body: `{"item":{"code":"tax.credit_grade"},"base_version":1,"reason":"x"}`, status: 403, contains: []string{"catalog.edit_forbidden"}},
		{name: "catalogue edit with a bad grade names the field", method: "PUT", path: "/api/v1/catalog/tax.credit_grade", as: "operator_admin",
			body:   `{"item":{"code":"tax.credit_grade","name_zh":"纳税信用等级","name_en":"Tax credit grade","category":"tax","department":"tax","shape":"attribute","unit":"points","frequency":"yearly","modes":["interface"],"sharing":"conditional","disclosure":"on_application","grade":0,"legal_basis":"《纳税信用管理办法》","effective_from":"2022-01-01"},"base_version":1,"reason":"x"}`,
			status: 400, contains: []string{`"field":"grade"`, "catalog.grade"}},
		{name: "unknown API path", method: "GET", path: "/api/v1/nope", as: "operator_admin", status: 404, contains: []string{"request.not_found"}},
		{name: "openapi is public", method: "GET", path: "/api/v1/openapi.json", status: 200, contains: []string{`"openapi": "3.1.0"`}},
		{name: "health", method: "GET", path: "/healthz", status: 200},
		{name: "readiness checks the database", method: "GET", path: "/readyz", status: 200, contains: []string{"ready"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, w.h, tc.method, tc.path, w.actors[tc.as], tc.body, tc.hdr)
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.status, truncate(body))
			}
			if rec.Code >= 400 && strings.HasPrefix(tc.path, "/api/") && rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("error content type = %q", rec.Header().Get("Content-Type"))
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q: %s", s, truncate(body))
				}
			}
			for _, s := range tc.notContain {
				if strings.Contains(body, s) {
					t.Errorf("body must not contain %q: %s", s, truncate(body))
				}
			}
		})
	}
	// Metrics record requests by route pattern, and pool gauges exist.
	rec := do(t, w.h, "GET", "/metrics", actor{}, "", nil)
	for _, s := range []string{`creditbridge_http_requests_total{method="GET",route="GET /api/v1/enterprises/{code}"`, "creditbridge_db_connections_open"} {
		if !strings.Contains(rec.Body.String(), s) {
			t.Errorf("metrics lack %q", s)
		}
	}
}

func truncate(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// TestFailedWritesLeaveNothing checks that refused requests store nothing:
// neither the record nor an evidence entry for it.
func TestFailedWritesLeaveNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	before, err := w.n.Store.CountEnterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, err := w.n.Store.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bad := []string{
		`{"code":"91320506MA1MDEM015","name_zh":"坏代码公司","legal_representative":{"name":"李四"}}`,
		`{"code":"91320506MA1MDEM014","name_zh":"","legal_representative":{"name":"李四"}}`,
		`{"code":"91320506MA1MDEM014","name_zh":"x","founded_on":"2099-01-01","legal_representative":{"name":"李四"}}`,
		`{"code":"91320506MA1MDEM014","name_zh":"x","legal_representative":{"name":"李四","id_number":"110105194912310021"}}`,
		`{"code":"` + huawei + `","name_zh":"重复","legal_representative":{"name":"李四"}}`,
		`{"code":`,
	}
	for _, b := range bad {
		rec := do(t, w.h, "POST", "/api/v1/enterprises", w.actors["operator_admin"], b, nil)
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("POST %s = %d, want a 4xx", b, rec.Code)
		}
	}
	after, err := w.n.Store.CountEnterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("enterprises %d → %d after refused registrations", before, after)
	}
	es, err := w.n.Store.ListAudit(ctx, audit.Filter{Action: "enterprise.register", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Seq > head.Seq {
			t.Fatalf("a refused registration left evidence entry %d", e.Seq)
		}
	}
}

// TestReadsLeaveEvidence checks that allowed and denied reads both leave an
// entry naming actor, subject, items and purpose.
func TestReadsLeaveEvidence(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	do(t, w.h, "GET", "/api/v1/enterprises/"+huawei+"?purpose=loan_application", w.actors["institution_officer"], "", nil)
	do(t, w.h, "GET", "/api/v1/enterprises/"+xiaomi, w.actors["enterprise_admin"], "", nil)
	es, err := w.n.Store.ListAudit(ctx, audit.Filter{Action: "enterprise.read", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Fatalf("got %d enterprise.read entries, want 2", len(es))
	}
	denied, allowed := es[0], es[1]
	if denied.Outcome != audit.Denied || denied.ActorName != "enterprise_admin" || denied.Detail != "access.not_own_enterprise" {
		t.Errorf("denied entry = %+v", denied)
	}
	if allowed.Outcome != audit.OK || allowed.ActorName != "institution_officer" || allowed.Purpose != "loan_application" ||
		allowed.EnterpriseID != w.ownEnt.ID || len(allowed.Items) == 0 || allowed.RemoteAddr != "192.0.2.10" {
		t.Errorf("allowed entry = %+v", allowed)
	}
}

// TestExpiredSession checks that a session past its expiry is refused with
// a clear reason and removed.
func TestExpiredSession(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u, err := w.n.Store.UserByUsername(ctx, "auditor")
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour).UTC()
	if err := w.n.Store.CreateSession(ctx, account.Session{TokenHash: account.Digest("old-token"), UserID: u.ID, CSRFToken: "c",
		CreatedAt: past.Add(-time.Hour), ExpiresAt: past, LastSeenAt: past}); err != nil {
		t.Fatal(err)
	}
	rec := do(t, w.h, "GET", "/api/v1/me", actor{cookie: "old-token"}, "", map[string]string{"Accept-Language": "en"})
	if rec.Code != 401 || !bytes.Contains(rec.Body.Bytes(), []byte("auth.session_expired")) {
		t.Fatalf("expired session = %d %s", rec.Code, rec.Body)
	}
	if _, err := w.n.Store.SessionByHash(ctx, account.Digest("old-token")); err == nil {
		t.Fatal("expired session was not removed")
	}
}

// TestSignInThrottle checks that repeated wrong passwords lock the account
// for a while, even for the right password.
func TestSignInThrottle(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 5; i++ {
		rec := do(t, w.h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"auditor","password":"wrong password!"}`, nil)
		if rec.Code != 401 {
			t.Fatalf("attempt %d = %d", i, rec.Code)
		}
	}
	rec := do(t, w.h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"auditor","password":"correct horse battery"}`, map[string]string{"Accept-Language": "en"})
	if rec.Code != 429 || !strings.Contains(rec.Body.String(), "Too many failed sign-ins") {
		t.Fatalf("after 5 failures = %d %s", rec.Code, rec.Body)
	}
}
