package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/server"
)

// rightsWorld is a node on one backend with an enterprise (and its user),
// a bank, the market regulator and the tax bureau (departments), an
// operator administrator and an auditor, and a few stored records of the
// enterprise: a list entry, a penalty and a tax figure.
type rightsWorld struct {
	n      *app.Node
	h      http.Handler
	ent    enterprise.View
	actors map[string]actor
}

func newRightsWorld(t *testing.T, backendName string) *rightsWorld {
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
	w := &rightsWorld{n: n, h: h, actors: map[string]actor{}}
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
	org(account.Org{Kind: account.KindInstitution, Name: "示范银行", AccessTier: 2}, "bank", account.RoleInstitutionOfficer)
	org(account.Org{Kind: account.KindEnterprise, Name: "华为", EnterpriseID: w.ent.ID}, "ent", account.RoleEnterpriseAdmin)
	samr := org(account.Org{Kind: account.KindDepartment, Name: "市场监管局", Department: "samr"}, "samr", account.RoleDepartmentOfficer)
	key, _, err := n.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: samr.ID, Name: "samr-system", Scopes: []account.Scope{account.ScopeEnterpriseRead, account.ScopeDataWrite}})
	if err != nil {
		t.Fatal(err)
	}
	w.actors["samrkey"] = actor{key: key}
	org(account.Org{Kind: account.KindDepartment, Name: "税务局", Department: "tax"}, "tax", account.RoleDepartmentOfficer)
	for _, u := range []string{"admin", "auditor", "bank", "ent", "samr", "tax"} {
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
		{EnterpriseID: w.ent.ID, Item: "list.abnormal_operation", Shape: facts.Event, Period: time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC),
			Text: "未按规定期限公示年度报告", Ref: "深市监异〔2025〕7号", Source: "samr", Batch: "b-samr", SourceRow: 3, ReceivedAt: at, Version: 1},
		{EnterpriseID: w.ent.ID, Item: "list.serious_dishonesty", Shape: facts.Event, Period: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
			Text: "提交虚假材料", Ref: "深市监严〔2024〕2号", Source: "samr", Batch: "b-samr", SourceRow: 4, ReceivedAt: at, Version: 1},
		{EnterpriseID: w.ent.ID, Item: "tax.vat_sales", Shape: facts.Measure, Period: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			Num: 123_456_00, Source: "tax", Batch: "b-tax", SourceRow: 9, ReceivedAt: at, Version: 1},
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// call sends a JSON request and decodes the answer into out (when not nil).
func (w *rightsWorld) call(t *testing.T, who, method, path, body string, want int, out any) string {
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

type sharedValue struct {
	Item      string `json:"item"`
	Period    string `json:"period"`
	Text      string `json:"text"`
	Ref       string `json:"ref"`
	Version   int    `json:"version"`
	Batch     string `json:"batch"`
	Repaired  bool   `json:"repaired"`
	Objection *struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	} `json:"objection"`
}

func (w *rightsWorld) read(t *testing.T, who, items, extra string) []sharedValue {
	t.Helper()
	q := "items=" + items + extra
	if who == "bank" {
		q += "&purpose=loan_application"
	}
	var b struct {
		Values []sharedValue `json:"values"`
	}
	w.call(t, who, "GET", "/api/v1/enterprises/"+huawei+"/data?"+q, "", 200, &b)
	return b.Values
}

type objectionBody struct {
	ID               int64  `json:"id"`
	Status           string `json:"status"`
	Department       string `json:"department"`
	Version          int    `json:"version"`
	CorrectedVersion int    `json:"corrected_version"`
	DecisionReason   string `json:"decision_reason"`
	DueAt            time.Time
	Attachments      []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
		URL    string `json:"url"`
	} `json:"attachments"`
}

func (w *rightsWorld) evidence(t *testing.T, action string) []audit.Entry {
	t.Helper()
	es, err := w.n.Store.ListAudit(context.Background(), audit.Filter{EnterpriseID: w.ent.ID, Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestObjectionFlowAPI(t *testing.T) {
	t.Parallel()
	for _, b := range ingestBackends(t) {
		t.Run(b, func(t *testing.T) {
			w := newRightsWorld(t, b)
			const item = "list.abnormal_operation"
			// Before any objection, the bank sees the list entry unflagged.
			vs := w.read(t, "bank", item, "")
			if len(vs) != 1 || vs[0].Objection != nil {
				t.Fatalf("bank before objection: %+v", vs)
			}
			// Only the enterprise itself files, about its own records.
			pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 年报已按期公示的回执"))
			body := `{"credit_code":"` + huawei + `","item":"` + item + `","period":"2025-01-10","ref":"深市监异〔2025〕7号",
				"reason":"年度报告已于2024年6月按期公示，附回执","attachments":[{"name":"回执.pdf","content_type":"application/pdf","content":"` + pdf + `"}]}`
			w.call(t, "bank", "POST", "/api/v1/objections", body, 403, nil)
			w.call(t, "samr", "POST", "/api/v1/objections", body, 403, nil)
			w.call(t, "ent", "POST", "/api/v1/objections", strings.Replace(body, "2025-01-10", "2025-01-11", 1), 404, nil)
			if s := w.call(t, "ent", "POST", "/api/v1/objections", strings.Replace(body, `"reason":"年度报告已于2024年6月按期公示，附回执"`, `"reason":"  "`, 1), 400, nil); !strings.Contains(s, "rights.reason_required") {
				t.Fatalf("blank reason: %s", s)
			}
			var o objectionBody
			w.call(t, "ent", "POST", "/api/v1/objections", body, 201, &o)
			if o.Status != "open" || o.Department != "samr" || o.Version != 1 || len(o.Attachments) != 1 || o.Attachments[0].Name != "回执.pdf" {
				t.Fatalf("filed: %+v", o)
			}
			w.call(t, "ent", "POST", "/api/v1/objections", body, 409, nil) // one pending objection per record
			oid := strconv.FormatInt(o.ID, 10)

			// Under objection: flagged for every reader, the bank included.
			for _, who := range []string{"bank", "ent", "auditor", "admin", "samr"} {
				vs := w.read(t, who, item, "")
				if len(vs) != 1 || vs[0].Objection == nil || vs[0].Objection.ID != o.ID || vs[0].Objection.Status != "open" {
					t.Fatalf("%s reads during the objection: %+v", who, vs)
				}
			}
			// The queue is the source department's: samr sees it, tax does
			// not, the bank cannot list or read objections at all.
			var list struct {
				Items []objectionBody `json:"items"`
			}
			w.call(t, "samr", "GET", "/api/v1/objections?queue=pending", "", 200, &list)
			if len(list.Items) != 1 || list.Items[0].ID != o.ID {
				t.Fatalf("samr queue: %+v", list)
			}
			w.call(t, "tax", "GET", "/api/v1/objections", "", 200, &list)
			if len(list.Items) != 0 {
				t.Fatalf("tax sees another department's objection: %+v", list)
			}
			w.call(t, "tax", "GET", "/api/v1/objections/"+oid, "", 404, nil)
			w.call(t, "bank", "GET", "/api/v1/objections", "", 403, nil)
			w.call(t, "bank", "GET", "/api/v1/objections/"+oid, "", 404, nil)
			w.call(t, "auditor", "GET", "/api/v1/objections/"+oid, "", 200, nil)
			// The attachment downloads intact to those who may see it.
			rec := do(t, w.h, "GET", o.Attachments[0].URL, w.actors["samr"], "", nil)
			if raw, _ := base64.StdEncoding.DecodeString(pdf); rec.Code != 200 || rec.Body.String() != string(raw) ||
				!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
				t.Fatalf("attachment download = %d %q %v", rec.Code, rec.Body, rec.Header())
			}
			if rec := do(t, w.h, "GET", o.Attachments[0].URL, w.actors["tax"], "", nil); rec.Code != 404 {
				t.Fatalf("tax downloads samr's attachment: %d", rec.Code)
			}
			// Deciding: not the enterprise, not another department, not
			// the operator before the deadline.
			dec := `{"decision":"correct","reason":"核实后更正列入事由","text":"通过登记的住所或者经营场所无法联系"}`
			w.call(t, "ent", "POST", "/api/v1/objections/"+oid+"/decision", dec, 403, nil)
			w.call(t, "tax", "POST", "/api/v1/objections/"+oid+"/decision", dec, 404, nil)
			w.call(t, "admin", "POST", "/api/v1/objections/"+oid+"/decision", dec, 403, nil)
			w.call(t, "samr", "POST", "/api/v1/objections/"+oid+"/decision", `{"decision":"correct"}`, 400, nil)
			if s := w.call(t, "samrkey", "POST", "/api/v1/objections/"+oid+"/decision", dec, 403, nil); !strings.Contains(s, "rights.user_required") {
				t.Fatalf("deciding with an API key: %s", s)
			}
			w.call(t, "samrkey", "GET", "/api/v1/objections?queue=pending", "", 200, nil) // a department's system may read its queue
			w.call(t, "samr", "POST", "/api/v1/objections/"+oid+"/decision", dec, 200, &o)
			if o.Status != "corrected" || o.CorrectedVersion != 2 {
				t.Fatalf("corrected: %+v", o)
			}
			w.call(t, "samr", "POST", "/api/v1/objections/"+oid+"/decision", dec, 409, nil)
			// The enterprise's score is queued for recomputation with the
			// correction (in the same transaction).
			rq, err := w.n.Store.RecomputeQueue(context.Background(), 100)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(rq, func(r rights.Recompute) bool {
				return r.EnterpriseID == w.ent.ID && r.Reason == "objection "+oid+": "+item
			}) {
				t.Fatalf("no recompute for the correction: %+v", rq)
			}

			// The new version is what everyone sees, unflagged; the old
			// one stays in the history.
			vs = w.read(t, "bank", item, "")
			if len(vs) != 1 || vs[0].Version != 2 || vs[0].Text != "通过登记的住所或者经营场所无法联系" || vs[0].Objection != nil ||
				vs[0].Batch != "objection "+oid {
				t.Fatalf("bank after correction: %+v", vs)
			}
			vs = w.read(t, "ent", item, "&versions=all")
			if len(vs) != 2 || vs[0].Version != 1 || vs[0].Text != "未按规定期限公示年度报告" || vs[1].Version != 2 {
				t.Fatalf("history after correction: %+v", vs)
			}
			// The enterprise is notified; the evidence log has every step.
			var ns struct {
				Items []struct {
					Kind   string `json:"kind"`
					RefID  int64  `json:"ref_id"`
					Status string `json:"status"`
					Reason string `json:"reason"`
				} `json:"items"`
			}
			w.call(t, "ent", "GET", "/api/v1/notifications", "", 200, &ns)
			if len(ns.Items) != 1 || ns.Items[0].RefID != o.ID || ns.Items[0].Status != "corrected" || ns.Items[0].Reason != "核实后更正列入事由" {
				t.Fatalf("notifications: %+v", ns)
			}
			w.call(t, "bank", "GET", "/api/v1/notifications", "", 403, nil)
			for _, a := range []string{"objection.file", "objection.read", "objection.attachment", "objection.correct"} {
				if len(w.evidence(t, a)) == 0 {
					t.Errorf("no %s evidence entry", a)
				}
			}
			if c := w.evidence(t, "objection.correct"); len(c) != 1 || c[0].ActorName != "samr" || !strings.Contains(c[0].Detail, `"version":2`) {
				t.Fatalf("correction evidence: %+v", c)
			}

			// The reject path: a reason is required, the record stands,
			// the flag goes.
			var o2 objectionBody
			w.call(t, "ent", "POST", "/api/v1/objections", `{"credit_code":"`+huawei+`","item":"tax.vat_sales","period":"2025-01","reason":"销售额应为 12,345.60 元"}`, 201, &o2)
			if o2.Department != "tax" {
				t.Fatalf("tax objection routed to %q", o2.Department)
			}
			id2 := strconv.FormatInt(o2.ID, 10)
			if vs := w.read(t, "tax", "tax.vat_sales", ""); len(vs) != 1 || vs[0].Objection == nil || vs[0].Objection.ID != o2.ID {
				t.Fatalf("tax reads its flagged figure: %+v", vs)
			}
			if s := w.call(t, "tax", "POST", "/api/v1/objections/"+id2+"/decision", `{"decision":"reject"}`, 400, nil); !strings.Contains(s, "rights.reason_required") {
				t.Fatalf("reject without reason: %s", s)
			}
			w.call(t, "tax", "POST", "/api/v1/objections/"+id2+"/decision", `{"decision":"reject","reason":"与申报表一致"}`, 200, &o2)
			if o2.Status != "rejected" || o2.DecisionReason != "与申报表一致" {
				t.Fatalf("rejected: %+v", o2)
			}
			if vs := w.read(t, "ent", "tax.vat_sales", ""); len(vs) != 1 || vs[0].Version != 1 || vs[0].Objection != nil {
				t.Fatalf("after rejection: %+v", vs)
			}
			if len(w.evidence(t, "objection.reject")) != 1 {
				t.Fatal("no objection.reject evidence")
			}
		})
	}
}

func TestObjectionEscalation(t *testing.T) {
	t.Parallel()
	for _, b := range ingestBackends(t) {
		t.Run(b, func(t *testing.T) {
			w := newRightsWorld(t, b)
			now := time.Now().UTC()
			w.n.Rights.Now = func() time.Time { return now }
			var o objectionBody
			w.call(t, "ent", "POST", "/api/v1/objections", `{"credit_code":"`+huawei+`","item":"list.serious_dishonesty","period":"2024-06-01","ref":"深市监严〔2024〕2号","reason":"已撤销"}`, 201, &o)
			oid := strconv.FormatInt(o.ID, 10)
			// Within the deadline nothing escalates.
			now = now.Add(w.n.Config.ObjectionDeadline - time.Minute)
			if n, err := w.n.Rights.Escalate(context.Background()); err != nil || n != 0 {
				t.Fatalf("escalate before the deadline = %d, %v", n, err)
			}
			var list struct {
				Items []objectionBody `json:"items"`
			}
			w.call(t, "admin", "GET", "/api/v1/objections?queue=escalated", "", 200, &list)
			if len(list.Items) != 0 {
				t.Fatalf("escalated before the deadline: %+v", list)
			}
			now = now.Add(2 * time.Minute)
			if n, err := w.n.Rights.Escalate(context.Background()); err != nil || n != 1 {
				t.Fatalf("escalate after the deadline = %d, %v", n, err)
			}
			w.call(t, "admin", "GET", "/api/v1/objections?queue=escalated", "", 200, &list)
			if len(list.Items) != 1 || list.Items[0].ID != o.ID || list.Items[0].Status != "escalated" {
				t.Fatalf("operator's escalated queue: %+v", list)
			}
			if vs := w.read(t, "bank", "list.serious_dishonesty", ""); len(vs) != 1 || vs[0].Objection == nil || vs[0].Objection.Status != "escalated" {
				t.Fatalf("bank reads the escalated record: %+v", vs)
			}
			if e := w.evidence(t, "objection.escalate"); len(e) != 1 || e[0].ActorName != "system" {
				t.Fatalf("escalation evidence: %+v", e)
			}
			// A second sweep changes nothing; the operator now decides.
			if n, err := w.n.Rights.Escalate(context.Background()); err != nil || n != 0 {
				t.Fatalf("second sweep = %d, %v", n, err)
			}
			w.call(t, "admin", "POST", "/api/v1/objections/"+oid+"/decision", `{"decision":"confirm","reason":"经核实，记录无误"}`, 200, &o)
			if o.Status != "confirmed" {
				t.Fatalf("operator's decision: %+v", o)
			}
			if vs := w.read(t, "bank", "list.serious_dishonesty", ""); len(vs) != 1 || vs[0].Objection != nil || vs[0].Version != 1 {
				t.Fatalf("after confirmation: %+v", vs)
			}
		})
	}
}

func TestCreditRepairAPI(t *testing.T) {
	t.Parallel()
	for _, b := range ingestBackends(t) {
		t.Run(b, func(t *testing.T) {
			w := newRightsWorld(t, b)
			const item = "list.serious_dishonesty"
			if vs := w.read(t, "bank", item, ""); len(vs) != 1 {
				t.Fatalf("bank before repair: %+v", vs)
			}
			// Only penalties and list entries are repairable.
			rec := do(t, w.h, "POST", "/api/v1/repairs", w.actors["ent"], `{"credit_code":"`+huawei+`","item":"tax.vat_sales","period":"2025-01-01","evidence":"x"}`,
				map[string]string{"Accept-Language": "zh-CN"})
			if rec.Code != 400 || !strings.Contains(rec.Body.String(), "rights.not_repairable") || !strings.Contains(rec.Body.String(), "只有行政处罚和名单类信息可以申请信用修复") {
				t.Fatalf("repair of a tax figure: %d %s", rec.Code, rec.Body)
			}
			var rp struct {
				ID             int64  `json:"id"`
				Status         string `json:"status"`
				DecisionReason string `json:"decision_reason"`
			}
			body := `{"credit_code":"` + huawei + `","item":"` + item + `","period":"2024-06-01","ref":"深市监严〔2024〕2号",
				"evidence":"已履行行政处罚决定并完成信用承诺","attachments":[{"name":"承诺书.txt","content":"` + base64.StdEncoding.EncodeToString([]byte("信用承诺书")) + `"}]}`
			w.call(t, "bank", "POST", "/api/v1/repairs", body, 403, nil)
			w.call(t, "ent", "POST", "/api/v1/repairs", body, 201, &rp)
			w.call(t, "ent", "POST", "/api/v1/repairs", body, 409, nil)
			rid := strconv.FormatInt(rp.ID, 10)
			// Pending: still shared.
			if vs := w.read(t, "bank", item, ""); len(vs) != 1 {
				t.Fatalf("bank during the application: %+v", vs)
			}
			w.call(t, "samr", "POST", "/api/v1/repairs/"+rid+"/decision", `{"decision":"approve"}`, 403, nil)
			w.call(t, "ent", "POST", "/api/v1/repairs/"+rid+"/decision", `{"decision":"approve"}`, 403, nil)
			w.call(t, "samr", "GET", "/api/v1/repairs/"+rid, "", 404, nil)
			var pending struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
			}
			w.call(t, "admin", "GET", "/api/v1/repairs?queue=pending", "", 200, &pending)
			if len(pending.Items) != 1 || pending.Items[0].ID != rp.ID {
				t.Fatalf("operator's pending repairs: %+v", pending)
			}
			w.call(t, "admin", "POST", "/api/v1/repairs/"+rid+"/decision", `{"decision":"approve","reason":"符合修复条件"}`, 200, &rp)
			if rp.Status != "approved" {
				t.Fatalf("approved: %+v", rp)
			}
			w.call(t, "admin", "POST", "/api/v1/repairs/"+rid+"/decision", `{"decision":"reject","reason":"x"}`, 409, nil)

			// Repaired: the bank no longer sees it (neither by name nor in
			// its category); the enterprise, the auditor, the operator and
			// the source department still do, marked repaired.
			if vs := w.read(t, "bank", item, ""); len(vs) != 0 {
				t.Fatalf("bank sees the repaired record: %+v", vs)
			}
			if vs := w.read(t, "bank", "list.", ""); len(vs) != 1 || vs[0].Item != "list.abnormal_operation" {
				t.Fatalf("bank reads the list category: %+v", vs)
			}
			rec = do(t, w.h, "GET", "/api/v1/enterprises/"+huawei+"/data?purpose=loan_application", w.actors["bank"], "", nil)
			if rec.Code != 200 || strings.Contains(rec.Body.String(), "深市监严") || strings.Contains(rec.Body.String(), "提交虚假材料") {
				t.Fatalf("bank reads everything: %d %s", rec.Code, rec.Body)
			}
			for _, who := range []string{"ent", "auditor", "admin", "samr"} {
				if vs := w.read(t, who, item, ""); len(vs) != 1 || !vs[0].Repaired {
					t.Fatalf("%s after repair: %+v", who, vs)
				}
			}
			// Anything derived is queued for recomputation.
			q, err := w.n.Store.RecomputeQueue(context.Background(), 10)
			if err != nil {
				t.Fatal(err)
			}
			var mine []rights.Recompute
			for _, r := range q {
				if strings.HasPrefix(r.Reason, "repair ") {
					mine = append(mine, r)
				}
			}
			if len(mine) != 1 || mine[0].EnterpriseID != w.ent.ID || mine[0].Since.Format(time.DateOnly) != "2024-06-01" || !strings.Contains(mine[0].Reason, rid) {
				t.Fatalf("recompute queue: %+v", q)
			}
			var ns struct {
				Items []struct {
					Kind   string `json:"kind"`
					Status string `json:"status"`
				} `json:"items"`
			}
			w.call(t, "ent", "GET", "/api/v1/notifications", "", 200, &ns)
			if len(ns.Items) != 1 || ns.Items[0].Kind != "repair" || ns.Items[0].Status != "approved" {
				t.Fatalf("notifications: %+v", ns)
			}
			for _, a := range []string{"repair.file", "repair.approve"} {
				if len(w.evidence(t, a)) != 1 {
					t.Errorf("want one %s evidence entry", a)
				}
			}

			// The reject path: a reason, nothing hidden, nothing queued.
			var rp2 struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			}
			w.call(t, "ent", "POST", "/api/v1/repairs", `{"credit_code":"`+huawei+`","item":"list.abnormal_operation","period":"2025-01-10","ref":"深市监异〔2025〕7号","evidence":"已补报"}`, 201, &rp2)
			id2 := strconv.FormatInt(rp2.ID, 10)
			w.call(t, "admin", "POST", "/api/v1/repairs/"+id2+"/decision", `{"decision":"reject"}`, 400, nil)
			w.call(t, "admin", "POST", "/api/v1/repairs/"+id2+"/decision", `{"decision":"reject","reason":"未满最短公示期"}`, 200, &rp2)
			if vs := w.read(t, "bank", "list.abnormal_operation", ""); len(vs) != 1 || vs[0].Repaired {
				t.Fatalf("bank after a rejected repair: %+v", vs)
			}
			if q, _ := w.n.Store.RecomputeQueue(context.Background(), 10); len(q) != 1 {
				t.Fatalf("a rejected repair queued a recomputation: %+v", q)
			}
		})
	}
}
