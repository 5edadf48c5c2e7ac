package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	vq "github.com/creditbridge/creditbridge/internal/verify"
)

// grantBody is an authorization request for huawei's data: items, the
// data of 2000 to the end of next year, valid 90 days, view mode.
func grantBody(items ...string) string {
	b, _ := json.Marshal(map[string]any{"credit_code": huawei, "purpose": "loan_application", "items": items,
		"data_from": "2000-01-01", "data_to": time.Date(time.Now().Year()+1, 12, 31, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
		"valid_until": time.Now().UTC().AddDate(0, 0, 90).Format(time.RFC3339), "fetch_type": "periodic", "frequency": "monthly", "mode": "view"})
	return string(b)
}

// grant has the institution request an authorization over the API and the
// enterprise's administrator approve it, as institutions must before they
// read anything above public L1 data; it returns the authorization's id.
func grant(t *testing.T, h http.Handler, bank, ent actor, body string) string {
	t.Helper()
	rec := do(t, h, "POST", "/api/v1/authorizations", bank, body, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("request an authorization = %d %s", rec.Code, rec.Body)
	}
	var a struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.Status != "pending" {
		t.Fatalf("requested %s: %v", rec.Body, err)
	}
	if rec := do(t, h, "POST", "/api/v1/authorizations/"+a.ID+"/approve", ent, "", nil); rec.Code != http.StatusOK {
		t.Fatalf("approve = %d %s", rec.Code, rec.Body)
	}
	return a.ID
}

// authzWorld is a node on one backend with huawei, its administrator, two
// banks (tier 3) with officers, an API key of the first, an operator, an
// auditor and a few stored records.
type authzWorld struct {
	n      *app.Node
	h      http.Handler
	ent    enterprise.View
	actors map[string]actor
}

func newAuthzWorld(t *testing.T, backendName string) *authzWorld {
	t.Helper()
	ctx := context.Background()
	n, err := app.Open(ctx, ingestNodeConfig(t, backendName), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	h, err := n.Handler()
	if err != nil {
		t.Fatal(err)
	}
	w := &authzWorld{n: n, h: h, actors: map[string]actor{}}
	w.ent, err = n.Enterprises.Register(ctx, access.System, enterprise.Input{Code: huawei, NameZH: "华为技术有限公司", Industry: "I",
		Size: "medium", FoundedOn: "2005-03-01", Address: "深圳市龙岗区", LegalRep: enterprise.LegalRep{Name: repName, IDNumber: repID}})
	if err != nil {
		t.Fatal(err)
	}
	sys := account.SystemActor
	org := func(o account.Org, user string, role account.Role) account.Org {
		o, err := n.Accounts.CreateOrg(ctx, sys, o)
		if err != nil {
			t.Fatalf("org %s: %v", o.Name, err)
		}
		if _, err := n.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: o.ID, Username: user, Role: role, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		return o
	}
	org(account.Org{Kind: account.KindOperator, Name: "运营中心"}, "admin", account.RoleOperatorAdmin)
	org(account.Org{Kind: account.KindAuditor, Name: "审计组"}, "auditor", account.RoleAuditor)
	bank := org(account.Org{Kind: account.KindInstitution, Name: "示范银行", AccessTier: 3}, "bank", account.RoleInstitutionOfficer)
	org(account.Org{Kind: account.KindInstitution, Name: "另一银行", AccessTier: 3}, "bank2", account.RoleInstitutionOfficer)
	org(account.Org{Kind: account.KindEnterprise, Name: "华为", EnterpriseID: w.ent.ID}, "ent", account.RoleEnterpriseAdmin)
	key, _, err := n.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: bank.ID, Name: "core banking", Scopes: []account.Scope{account.ScopeEnterpriseRead}})
	if err != nil {
		t.Fatal(err)
	}
	w.actors["bankkey"] = actor{key: key}
	for _, u := range []string{"admin", "auditor", "bank", "bank2", "ent"} {
		rec := do(t, h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"`+u+`","password":"correct horse battery"}`, nil)
		if rec.Code != 200 {
			t.Fatalf("sign in %s: %d %s", u, rec.Code, rec.Body)
		}
		var me struct {
			CSRF string `json:"csrf_token"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &me)
		for _, c := range rec.Result().Cookies() {
			if c.Name == server.SessionCookie {
				w.actors[u] = actor{cookie: c.Value, csrf: me.CSRF}
			}
		}
	}
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	if err := n.Store.AppendFacts(ctx, []facts.Fact{
		{EnterpriseID: w.ent.ID, Item: "tax.vat_sales", Shape: facts.Measure, Period: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			Num: 123_456_00, Source: "tax", Batch: "b-tax", SourceRow: 9, ReceivedAt: at, Version: 1},
		{EnterpriseID: w.ent.ID, Item: "tax.vat_sales", Shape: facts.Measure, Period: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC),
			Num: 987_654_00, Source: "tax", Batch: "b-tax", SourceRow: 10, ReceivedAt: at.AddDate(0, 8, 0), Version: 1},
		{EnterpriseID: w.ent.ID, Item: "tax.credit_grade", Shape: facts.Attribute, Period: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC),
			Num: 95, Text: "A", Source: "tax", Batch: "b-tax", SourceRow: 11, ReceivedAt: at.AddDate(0, 2, 0), Version: 1},
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *authzWorld) call(t *testing.T, who, method, path, body string, want int, out any) string {
	t.Helper()
	rec := do(t, w.h, method, path, w.actors[who], body, map[string]string{"Accept-Language": "en"})
	if rec.Code != want {
		t.Fatalf("%s %s %s = %d %s, want %d", who, method, path, rec.Code, rec.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, rec.Body)
		}
	}
	return rec.Body.String()
}

type hook struct {
	mu     sync.Mutex
	events []authz.Event
	bad    int
}

// TestAuthorizationLifecycleAPI runs an authorization's whole life over
// HTTP on each backend: the institution requests it, the enterprise
// narrows and approves it, reads are clipped to it, verification names it,
// pausing and revocation take effect on the next read, the artefact
// verifies with the node key and the institution's webhook hears every
// change, signed.
func TestAuthorizationLifecycleAPI(t *testing.T) {
	for _, b := range scratch.Backends(t) {
		t.Run(b, func(t *testing.T) {
			w := newAuthzWorld(t, b)
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan struct{})
			go func() { w.n.Authz.Webhooks.Run(ctx, 1); close(stopped) }()
			t.Cleanup(func() { cancel(); <-stopped })
			hk := &hook{}
			pub := w.n.Keys.Public()
			srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				hk.mu.Lock()
				defer hk.mu.Unlock()
				if authz.VerifyBody(r.Header.Get(authz.SignatureHeader), body, pub) != nil {
					hk.bad++
					return
				}
				var ev authz.Event
				_ = json.Unmarshal(body, &ev)
				hk.events = append(hk.events, ev)
			}))
			defer srv.Close()

			read := func(who, query string, want int) string {
				t.Helper()
				return w.call(t, who, "GET", "/api/v1/enterprises/"+huawei+"/data?"+query, "", want, nil)
			}
			const q = "items=tax.vat_sales&purpose=loan_application"
			if body := read("bank", q, 403); !strings.Contains(body, "access.authorization_required") {
				t.Fatalf("no authorization: %s", body)
			}
			// The bank requests (through its API key), with a webhook.
			var req map[string]any
			_ = json.Unmarshal([]byte(grantBody("tax.")), &req)
			req["callback_url"] = srv.URL + "/hooks/cb"
			raw, _ := json.Marshal(req)
			var a authz.Authorization
			w.call(t, "bankkey", "POST", "/api/v1/authorizations", string(raw), 201, &a)
			if a.Status != authz.StatusPending || a.RequestedBy == "" || a.EnterpriseCode != huawei {
				t.Fatalf("requested %+v", a)
			}
			path := "/api/v1/authorizations/" + a.ID
			if body := read("bank", q, 403); !strings.Contains(body, "access.authorization_pending") {
				t.Fatalf("pending: %s", body)
			}
			w.call(t, "bank", "POST", "/api/v1/authorizations", `{"credit_code":"`+huawei+`","purpose":"audit","items":["tax."]}`, 400, nil)
			var list struct {
				Items []authz.Authorization `json:"items"`
			}
			w.call(t, "ent", "GET", "/api/v1/authorizations?status=pending", "", 200, &list)
			if len(list.Items) != 1 || list.Items[0].ID != a.ID {
				t.Fatalf("enterprise's pending list %+v", list.Items)
			}
			w.call(t, "bank2", "GET", path, "", 404, nil)
			w.call(t, "bank2", "GET", "/api/v1/authorizations", "", 200, &list)
			if len(list.Items) != 0 {
				t.Fatalf("another bank lists %+v", list.Items)
			}
			w.call(t, "auditor", "GET", path, "", 200, nil)
			w.call(t, "bank", "POST", path+"/approve", "", 403, nil)
			w.call(t, "ent", "POST", path+"/approve", `{"items":["tax.","customs."]}`, 400, nil)
			// Approved, narrowed to the first half of 2025.
			w.call(t, "ent", "POST", path+"/approve", `{"data_from":"2025-01-01","data_to":"2025-06-30"}`, 200, &a)
			if a.Status != authz.StatusActive || a.Version != 2 || a.DataTo.Format(time.DateOnly) != "2025-06-30" {
				t.Fatalf("approved %+v", a)
			}
			// Reads are clipped to the authorized dates, and name the grant.
			body := read("bank", q, 200)
			if !strings.Contains(body, "12345600") || strings.Contains(body, "98765400") {
				t.Fatalf("read under the authorization is not clipped: %s", body)
			}
			read("bank", q+"&authorization="+a.ID, 200)
			read("bank", q+"&from=2025-08", 403)
			es, err := w.n.Store.ListAudit(context.Background(), audit.Filter{Action: "data.read", Limit: 3})
			if err != nil || len(es) != 3 || es[1].AuthorizationID != a.ID || es[1].Outcome != audit.OK || es[0].Outcome != audit.Denied || es[0].AuthorizationID != a.ID {
				t.Fatalf("evidence %+v %v", es, err)
			}
			// Another bank holds nothing and reads nothing.
			read("bank2", q, 403)
			// The artefact is signed by the node.
			rec := do(t, w.h, "GET", path+"/artefact", w.actors["bank"], "", nil)
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/jose" {
				t.Fatalf("artefact %d %s", rec.Code, rec.Header())
			}
			art, err := authz.Verify(rec.Body.String(), pub)
			if err != nil || art.ID != a.ID || art.Version != 2 || art.Status != authz.StatusActive || art.DataTo != "2025-06-30" {
				t.Fatalf("artefact %+v %v", art, err)
			}
			// A verification as of a date inside the range names the grant.
			var vr vq.Response
			w.call(t, "bank", "POST", "/api/v1/verifications", `{"credit_code":"`+huawei+`","purpose":"loan_application","as_of":"2025-06-30","questions":["tax_credit_grade == \"A\""]}`, 200, &vr)
			c, err := vq.Verify(vr.Answers[0].Attestation, w.n.Verify.Signer.JWKS(), time.Now())
			if err != nil || c.AuthorizationID != a.ID || c.Answer != vq.True {
				t.Fatalf("attestation %+v %v", c, err)
			}
			w.call(t, "bank", "POST", "/api/v1/verifications", `{"credit_code":"`+huawei+`","purpose":"loan_application","questions":["tax_credit_grade == \"A\""]}`, 403, nil)
			// Paused, resumed, revoked: each holds from the next read.
			w.call(t, "ent", "POST", path+"/pause", `{"reason":"reviewing"}`, 200, nil)
			if body := read("bank", q, 403); !strings.Contains(body, "access.authorization_paused") {
				t.Fatalf("paused: %s", body)
			}
			w.call(t, "ent", "POST", path+"/resume", "", 200, nil)
			read("bank", q, 200)
			w.call(t, "ent", "POST", path+"/revoke", `{"reason":"loan declined"}`, 200, &a)
			if body := read("bank", q, 403); !strings.Contains(body, "access.authorization_revoked") {
				t.Fatalf("revoked: %s", body)
			}
			w.call(t, "ent", "POST", path+"/resume", "", 409, nil)
			if a.Status != authz.StatusRevoked || a.Version != 5 || a.Reason != "loan declined" {
				t.Fatalf("revoked %+v", a)
			}
			// Every transition is evidence.
			es, err = w.n.Store.ListAudit(context.Background(), audit.Filter{Action: "authorization.", Limit: 10})
			if err != nil || len(es) != 5 {
				t.Fatalf("transition evidence %d %v", len(es), err)
			}
			// The webhook heard all five changes, signed.
			deadline := time.Now().Add(15 * time.Second)
			for {
				hk.mu.Lock()
				n, bad := len(hk.events), hk.bad
				hk.mu.Unlock()
				if n == 5 || time.Now().After(deadline) {
					if n != 5 || bad != 0 {
						t.Fatalf("webhook got %d events (%d badly signed), want 5", n, bad)
					}
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			hk.mu.Lock()
			defer hk.mu.Unlock()
			seen := map[authz.Status]int{}
			for _, ev := range hk.events {
				if ev.ID != a.ID {
					t.Fatalf("event %+v", ev)
				}
				seen[ev.Status]++
			}
			if seen[authz.StatusPending] != 1 || seen[authz.StatusActive] != 2 || seen[authz.StatusPaused] != 1 || seen[authz.StatusRevoked] != 1 {
				t.Fatalf("events %+v", hk.events)
			}
		})
	}
}
