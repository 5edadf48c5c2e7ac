package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/api"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/web"
)

// The authorization matrix: every route that returns enterprise data ×
// every kind of caller × every state of the caller's authorization × item
// grades. The expected outcome comes from an oracle written here from
// DOMAIN.md §6 and the issue-5 design, not from access.Decide; each
// response is checked for its status and for the absence of every
// protected value the caller may not see (sentinels unique per item and
// enterprise, and the legal representative's identity number). Routes are
// taken from the route tables, and a route missing from routeClass fails
// the test, so a new route cannot escape classification.

// Route classes.
const (
	classData     = "data"     // catalogue item values of one enterprise: the full matrix
	classRegistry = "registry" // the registry record (public L1 + personal legal representative)
	classSweep    = "sweep"    // no item values by design: every caller, nothing protected may appear
	classWrite    = "write"    // changes state; reads nothing back but what was written
)

// routeClass classifies every API and web route ("METHOD path").
var routeClass = map[string]string{
	"GET /api/v1/enterprises/{code}/data":                  classData,
	"GET /enterprises/{code}/data":                         classData,
	"GET /api/v1/enterprises/{code}":                       classRegistry,
	"GET /api/v1/enterprises/{code}/history":               classRegistry,
	"GET /api/v1/enterprises":                              classRegistry,
	"GET /enterprises/{code}":                              classRegistry,
	"GET /enterprises":                                     classRegistry,
	"GET /my/enterprise":                                   classRegistry,
	"GET /api/v1/openapi.json":                             classSweep,
	"GET /api/v1/me":                                       classSweep,
	"GET /api/v1/catalog":                                  classSweep,
	"GET /api/v1/catalog/export":                           classSweep,
	"GET /api/v1/catalog/{code}":                           classSweep,
	"GET /api/v1/catalog/{code}/versions":                  classSweep,
	"GET /api/v1/connectors":                               classSweep,
	"GET /api/v1/connectors/{name}":                        classSweep,
	"GET /api/v1/connectors/{name}/versions":               classSweep,
	"GET /api/v1/quality":                                  classSweep,
	"GET /api/v1/quality/rules":                            classSweep,
	"GET /api/v1/features":                                 classSweep,
	"GET /api/v1/ingest/datasets":                          classSweep,
	"GET /api/v1/ingest/datasets/{name}":                   classSweep,
	"GET /api/v1/ingest/batches":                           classSweep,
	"GET /api/v1/ingest/batches/{id}":                      classSweep,
	"GET /api/v1/ingest/batches/{id}/errors.csv":           classSweep,
	"GET /api/v1/ingest/batches/{id}/errors.xlsx":          classSweep,
	"GET /api/v1/verifications/variables":                  classSweep,
	"GET /api/v1/authorizations":                           classSweep,
	"GET /api/v1/authorizations/{id}":                      classSweep,
	"GET /api/v1/authorizations/{id}/artefact":             classSweep,
	"GET /api/v1/authorizations/{id}/consents":             classSweep,
	"GET /.well-known/jwks.json":                           classSweep,
	"GET /api/v1/objections":                               classSweep,
	"GET /api/v1/objections/{id}":                          classSweep,
	"GET /api/v1/objections/{id}/attachments/{attachment}": classSweep,
	"GET /api/v1/repairs":                                  classSweep,
	"GET /api/v1/repairs/{id}":                             classSweep,
	"GET /api/v1/repairs/{id}/attachments/{attachment}":    classSweep,
	"GET /api/v1/notifications":                            classSweep,
	"GET /api/v1/orgs":                                     classSweep,
	"GET /api/v1/users":                                    classSweep,
	"GET /api/v1/orgs/{id}/api-keys":                       classSweep,
	"GET /api/v1/audit":                                    classSweep,
	"GET /api/v1/audit/verify":                             classSweep,
	"GET /api/v1/audit/export":                             classSweep,
	"GET /api/v1/monitor/alerts":                           classSweep,
	"GET /api/v1/monitor/alerts/{id}":                      classSweep,
	"GET /api/v1/monitor/suspensions":                      classSweep,
	"GET /{$}":                                             classSweep,
	"GET /sign-in":                                         classSweep,
	"GET /lang":                                            classSweep,
	"GET /orgs":                                            classSweep,
	"GET /users":                                           classSweep,
	"GET /audit":                                           classSweep,
	"GET /audit/export":                                    classSweep,
	"GET /catalog":                                         classSweep,
	"GET /catalog/{code}":                                  classSweep,
	"GET /catalog/new":                                     classSweep,
	"GET /catalog/import":                                  classSweep,
	"GET /catalog/{code}/edit":                             classSweep,
	"GET /quality":                                         classSweep,
	"GET /features":                                        classSweep,
	"GET /authorizations":                                  classSweep,
	"GET /authorizations/new":                              classSweep,
	"GET /authorizations/{id}":                             classSweep,
	"GET /my/accesses":                                     classSweep,
	"POST /api/v1/auth/sign-in":                            classWrite,
	"POST /api/v1/auth/sign-out":                           classWrite,
	"POST /api/v1/enterprises":                             classWrite,
	"PATCH /api/v1/enterprises/{code}":                     classWrite,
	"POST /api/v1/catalog/import":                          classWrite,
	"PUT /api/v1/catalog/{code}":                           classWrite,
	"PUT /api/v1/connectors/{name}":                        classWrite,
	"POST /api/v1/quality/runs":                            classWrite,
	"PUT /api/v1/quality/rules":                            classWrite,
	"PUT /api/v1/ingest/datasets/{name}":                   classWrite,
	"POST /api/v1/ingest/batches":                          classWrite,
	// Verification answers are true/false/unknown about the values, never
	// the values (internal/verify has its own tests).
	"POST /api/v1/verifications":                classWrite,
	"POST /api/v1/authorizations":               classWrite,
	"POST /api/v1/authorizations/{id}/approve":  classWrite,
	"POST /api/v1/authorizations/{id}/reject":   classWrite,
	"POST /api/v1/authorizations/{id}/pause":    classWrite,
	"POST /api/v1/authorizations/{id}/resume":   classWrite,
	"POST /api/v1/authorizations/{id}/revoke":   classWrite,
	"POST /api/v1/authorizations/{id}/consents": classWrite,
	"POST /api/v1/objections":                   classWrite,
	"POST /api/v1/objections/{id}/decision":     classWrite,
	"POST /api/v1/repairs":                      classWrite,
	"POST /api/v1/repairs/{id}/decision":        classWrite,
	"POST /api/v1/orgs":                         classWrite,
	"POST /api/v1/users":                        classWrite,
	"POST /api/v1/users/{id}/status":            classWrite,
	"POST /api/v1/orgs/{id}/api-keys":           classWrite,
	"DELETE /api/v1/api-keys/{id}":              classWrite,
	"POST /api/v1/monitor/suspensions":          classWrite,
	"DELETE /api/v1/monitor/suspensions/{id}":   classWrite,
	"POST /sign-in":                             classWrite,
	"POST /sign-out":                            classWrite,
	"POST /catalog/new":                         classWrite,
	"POST /catalog/import":                      classWrite,
	"POST /catalog/{code}/edit":                 classWrite,
	"POST /quality/runs":                        classWrite,
	"POST /authorizations/new":                  classWrite,
	"POST /authorizations/{id}/consent":         classWrite,
	"POST /authorizations/{id}/{verb}":          classWrite,
	"/":                                         classSweep, // the 404 page
	"GET /static/":                              classSweep,
	// Submissions (ingest batches) and connectors: metadata and problem
	// reports of a department's own uploads, no shared values.
	"GET /submissions":                  classSweep,
	"POST /submissions":                 classWrite,
	"GET /submissions/{id}":             classSweep,
	"GET /submissions/{id}/errors.csv":  classSweep,
	"GET /submissions/{id}/errors.xlsx": classSweep,
	"GET /connectors":                   classSweep,
	"GET /connectors/new":               classSweep,
	"POST /connectors/new":              classWrite,
	"GET /connectors/{name}":            classSweep,
	"GET /connectors/{name}/edit":       classSweep,
	"POST /connectors/{name}/edit":      classWrite,
	"GET /verify":                       classSweep,
	"POST /verify":                      classWrite, // answers, not values
	"POST /verify/attestation":          classWrite,
	// The subject's rights pages: an enterprise's own records (allowed to
	// itself), a department's queue of objections about its records.
	"GET /rights":                                          classSweep,
	"GET /rights/file":                                     classSweep,
	"POST /rights/objections":                              classWrite,
	"POST /rights/repairs":                                 classWrite,
	"POST /rights/objections/{id}/decision":                classWrite,
	"POST /rights/repairs/{id}/decision":                   classWrite,
	"GET /rights/objections/{id}/attachments/{attachment}": classSweep,
	"GET /rights/repairs/{id}/attachments/{attachment}":    classSweep,
	// Security monitoring: alerts cite evidence entries, not values.
	"GET /monitor":                             classSweep,
	"POST /monitor/suspensions":                classWrite,
	"POST /monitor/suspensions/{id}/reinstate": classWrite,
	// The indicator system describes the evaluation method; it holds no
	// enterprise data.
	"GET /api/v1/indicator-systems":                classSweep,
	"GET /api/v1/indicator-systems/{id}":           classSweep,
	"POST /api/v1/indicator-systems":               classWrite,
	"POST /api/v1/indicator-systems/{id}/activate": classWrite,
	"GET /indicators":                              classSweep,
	"POST /indicators/import":                      classWrite,
	"POST /indicators/{id}/activate":               classWrite,
	"GET /indicators/{id}/system.json":             classSweep,
	// Credit scores: the score is the catalogue item financing.credit_evaluation
	// (TestScoreAuthorizationMatrix runs these two for every caller);
	// runs name counts, not values.
	"GET /api/v1/enterprises/{code}/score": classData,
	"GET /enterprises/{code}/score":        classData,
	"GET /api/v1/scoring/runs":             classSweep,
	"GET /api/v1/scoring/runs/{id}":        classSweep,
	"POST /api/v1/scoring/runs":            classWrite,
	"GET /scores":                          classSweep,
	"POST /scores/runs":                    classWrite,
	// The model registry: artefacts and validation reports hold bin counts
	// and aggregate metrics over the training table, never one enterprise's
	// values (the table itself is not stored).
	"GET /api/v1/models":               classSweep,
	"GET /api/v1/models/{id}":          classSweep,
	"POST /api/v1/models":              classWrite,
	"POST /api/v1/models/{id}/promote": classWrite,
	"GET /models":                      classSweep,
	"GET /models/{id}":                 classSweep,
	"POST /models/train":               classWrite,
	"POST /models/{id}/promote":        classWrite,
	// The person's own consent (a one-time link; the public pages show the
	// authorization's terms, never item values) and the stored webhook
	// deliveries (status changes, no values).
	"GET /api/v1/authorizations/{id}/consent-invitations":  classSweep,
	"POST /api/v1/authorizations/{id}/consent-invitations": classWrite,
	"GET /api/v1/consent/{token}":                          classSweep,
	"POST /api/v1/consent/{token}":                         classWrite,
	"GET /api/v1/webhook-deliveries":                       classSweep,
	"POST /api/v1/webhook-deliveries/{id}/replay":          classWrite,
	"POST /authorizations/{id}/invite":                     classWrite,
	"POST /authorizations/{id}/webhooks/{delivery}/replay": classWrite,
	"GET /consent/{token}":                                 classSweep,
	"POST /consent/{token}":                                classWrite,
}

// webRoutes reads the web UI's route patterns from internal/web/web.go
// (ServeMux cannot list them): the first argument of every
// mux.HandleFunc / mux.Handle call, with exported path constants
// resolved and loop variables kept as {name}.
func webRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../web/web.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	// String constants of package web (SubmitPath, RightsPath, ...).
	consts := map[string]string{}
	files, err := filepath.Glob("../web/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		cf, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range cf.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	if consts["SubmitPath"] != web.SubmitPath {
		t.Fatalf("constants of package web not read: %v", consts)
	}
	var out []string
	var eval func(e ast.Expr) string
	eval = func(e ast.Expr) string {
		switch x := e.(type) {
		case *ast.BasicLit:
			s, _ := strconv.Unquote(x.Value)
			return s
		case *ast.BinaryExpr:
			return eval(x.X) + eval(x.Y)
		case *ast.Ident:
			if v, ok := consts[x.Name]; ok {
				return v
			}
			if x.Obj != nil && x.Obj.Kind == ast.Var {
				return "{" + x.Name + "}"
			}
			t.Fatalf("web route uses %s: add it to webRoutes' constants", x.Name)
		}
		t.Fatalf("web route pattern %T not understood", e)
		return ""
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "mux" {
			return true
		}
		out = append(out, eval(call.Args[0]))
		return true
	})
	if len(out) < 10 {
		t.Fatalf("found only %d web routes", len(out))
	}
	return out
}

// allRoutes lists "METHOD path" for the API and the web UI.
func allRoutes(t *testing.T) []string {
	var out []string
	for _, r := range api.New(api.Deps{}).Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return append(out, webRoutes(t)...)
}

func TestEveryRouteIsClassified(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range allRoutes(t) {
		seen[r] = true
		if _, ok := routeClass[r]; !ok {
			t.Errorf("route %q is not classified in routeClass (authz_matrix_test.go): say whether it returns enterprise data", r)
		}
	}
	for r := range routeClass {
		if !seen[r] {
			t.Errorf("routeClass names %q, which no longer exists", r)
		}
	}
}

// matrixItem is one item of the grades dimension.
type matrixItem struct {
	code     string
	dept     string
	grade    int
	shared   bool // sharing is not not_shared
	public   bool // grade 1 and disclosure public: no authorization needed
	personal bool
	shape    facts.Shape
	category string
	custom   *catalog.Item // added to the catalogue by the test
}

var matrixItems = []matrixItem{
	{code: "judicial.dishonest", dept: "court", grade: 1, shared: true, public: true, shape: facts.Event, category: "judicial"},
	{code: "penalty.tax", dept: "tax", grade: 2, shared: true, shape: facts.Event, category: "penalty"},
	{code: "tax.credit_grade", dept: "tax", grade: 2, shared: true, shape: facts.Attribute, category: "tax"},
	{code: "tax.paid_total", dept: "tax", grade: 3, shared: true, shape: facts.Measure, category: "tax"},
	{code: "registration.shareholders", dept: "samr", grade: 3, shared: true, personal: true, shape: facts.Attribute, category: "registration"},
	{code: "tax.matrix_l4", dept: "tax", grade: 4, shared: true, shape: facts.Measure, category: "tax", custom: &catalog.Item{
		Code: "tax.matrix_l4", NameZH: "矩阵测试四级项（模拟）", NameEN: "Matrix test L4 item (synthetic)", Category: "tax", Department: "tax",
		Shape: facts.Measure, Unit: "fen", Frequency: "monthly", Modes: []catalog.Mode{"physical"}, Sharing: "conditional", Disclosure: "not_public",
		Grade: 4, LegalBasis: "《中华人民共和国税收征收管理法》第八条", EffectiveFrom: "2022-01-01"}},
	{code: "tax.matrix_internal", dept: "tax", grade: 2, shared: false, shape: facts.Measure, category: "tax", custom: &catalog.Item{
		Code: "tax.matrix_internal", NameZH: "矩阵测试不共享项（模拟）", NameEN: "Matrix test unshared item (synthetic)", Category: "tax", Department: "tax",
		Shape: facts.Measure, Unit: "fen", Frequency: "monthly", Modes: []catalog.Mode{"physical"}, Sharing: "not_shared", Disclosure: "not_public",
		Grade: 2, LegalBasis: "《中华人民共和国税收征收管理法》第八条", EffectiveFrom: "2022-01-01"}},
}

// sentinel is the protected text of item i of enterprise e (1 or 2).
func sentinel(e, i int) string { return fmt.Sprintf("SNTL%dQ%02dZ", e, i) }

// sentinelNum is the protected number of item i of enterprise e.
func sentinelNum(e, i int) int64 { return 7_310_000_000 + int64(e)*1000 + int64(i)*10 }

const matrixRepID = "11010519491231002X"

// Authorization states of an institution caller.
var authStates = []string{"none", "pending", "active", "paused", "revoked", "expired", "wrong_purpose", "wrong_items", "other_enterprise", "out_of_range_dates"}

type caller struct {
	name    string
	kind    string // anon, operator, auditor, department, self, other_enterprise, institution, apikey_noscope
	dept    string
	tier    int
	state   string // for institutions
	a       actor
	session bool // a web session (not an API key)
}

type matrixWorld struct {
	n       *app.Node
	h       http.Handler
	e1, e2  enterprise.View
	callers []caller
}

func newMatrixWorld(t *testing.T, be string, tiers []int, states []string) *matrixWorld {
	t.Helper()
	ctx := context.Background()
	cfg := ingestNodeConfig(t, be)
	// One test caller reads hundreds of times in a burst: the limits and
	// the misuse detector's suspensions would rightly stop it.
	cfg.RateKeyPerMinute, cfg.RateUserPerMinute, cfg.RateOrgPerMinute, cfg.RateAnonPerMinute = 0, 0, 0, 0
	cfg.MonitorAutoSuspend = false
	n, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	h, err := n.Handler()
	if err != nil {
		t.Fatal(err)
	}
	w := &matrixWorld{n: n, h: h}
	sys := account.SystemActor
	reg := func(code, name, rep string) enterprise.View {
		v, err := n.Enterprises.Register(ctx, access.System, enterprise.Input{Code: code, NameZH: name, Industry: "I", Size: "small",
			FoundedOn: "2010-01-01", Address: "苏州市工业园区", LegalRep: enterprise.LegalRep{Name: "李四", IDNumber: rep}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	w.e1 = reg(huawei, "矩阵测试甲公司（模拟）", matrixRepID)
	w.e2 = reg(xiaomi, "矩阵测试乙公司（模拟）", "320506198001010013")

	opOrg, err := n.Accounts.CreateOrg(ctx, sys, account.Org{Kind: account.KindOperator, Name: "运营中心（模拟）"})
	if err != nil {
		t.Fatal(err)
	}
	operator := access.Principal{Username: "matrix-admin", OrgID: opOrg.ID, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}
	for _, it := range matrixItems {
		if it.custom != nil {
			if _, err := n.Items.Save(ctx, operator, *it.custom, 0, "authorization matrix test item"); err != nil {
				t.Fatalf("catalogue item %s: %v", it.code, err)
			}
		}
	}
	var fs []facts.Fact
	now := time.Now().UTC()
	for e, ent := range []enterprise.View{w.e1, w.e2} {
		for i, it := range matrixItems {
			f := facts.Fact{EnterpriseID: ent.ID, Item: it.code, Shape: it.shape, Period: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
				Num: sentinelNum(e+1, i), Text: sentinel(e+1, i), Source: it.dept, Batch: "matrix", ReceivedAt: now, Version: 1}
			if it.shape == facts.Event {
				f.Ref = fmt.Sprintf("REF-%d-%d", e+1, i)
			}
			if it.personal {
				f.Detail = `{"holder_type":"natural","share_bp":6000}`
			}
			fs = append(fs, f)
		}
	}
	if err := n.Store.AppendFacts(ctx, fs); err != nil {
		t.Fatal(err)
	}

	signIn := func(user string) actor {
		rec := do(t, h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"`+user+`","password":"correct horse battery"}`, nil)
		if rec.Code != 200 {
			t.Fatalf("sign in %s: %d %s", user, rec.Code, rec.Body)
		}
		var me struct {
			CSRF string `json:"csrf_token"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &me)
		for _, c := range rec.Result().Cookies() {
			if c.Name == server.SessionCookie {
				return actor{cookie: c.Value, csrf: me.CSRF}
			}
		}
		t.Fatalf("no session for %s", user)
		return actor{}
	}
	user := func(org account.Org, name string, role account.Role) actor {
		if _, err := n.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: org.ID, Username: name, Role: role, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		return signIn(name)
	}
	org := func(o account.Org) account.Org {
		o, err := n.Accounts.CreateOrg(ctx, sys, o)
		if err != nil {
			t.Fatalf("org %s: %v", o.Name, err)
		}
		return o
	}
	key := func(o account.Org, scopes ...account.Scope) actor {
		secret, _, err := n.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: o.ID, Name: "matrix", Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		return actor{key: secret}
	}
	add := func(c caller) { w.callers = append(w.callers, c) }
	add(caller{name: "anonymous", kind: "anon"})
	add(caller{name: "operator_admin", kind: "operator", a: user(opOrg, "m_admin", account.RoleOperatorAdmin), session: true})
	add(caller{name: "operator_analyst", kind: "operator", a: user(opOrg, "m_analyst", account.RoleOperatorAnalyst), session: true})
	add(caller{name: "auditor", kind: "auditor", a: user(org(account.Org{Kind: account.KindAuditor, Name: "审计组（模拟）"}), "m_auditor", account.RoleAuditor), session: true})
	for _, d := range []string{"tax", "hrss"} {
		o := org(account.Org{Kind: account.KindDepartment, Name: d + " 部门（模拟）", Department: d})
		add(caller{name: "department_" + d, kind: "department", dept: d, a: user(o, "m_"+d, account.RoleDepartmentOfficer), session: true})
	}
	for i, ent := range []enterprise.View{w.e1, w.e2} {
		o := org(account.Org{Kind: account.KindEnterprise, Name: ent.NameZH + " 账户", EnterpriseID: ent.ID})
		kind := "self"
		if i == 1 {
			kind = "other_enterprise"
		}
		add(caller{name: "enterprise_" + kind, kind: kind, a: user(o, fmt.Sprintf("m_ent%d", i+1), account.RoleEnterpriseAdmin), session: true})
	}

	// Institutions: one organisation per tier and authorization state.
	owner := func(ent enterprise.View) access.Principal {
		return access.Principal{Username: "owner", OrgKind: account.KindEnterprise, EnterpriseID: ent.ID, Role: account.RoleEnterpriseAdmin}
	}
	today := time.Now().UTC()
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	grant := func(bank access.Principal, st string) {
		in := authz.RequestInput{CreditCode: w.e1.Code, Purpose: access.PurposeLoan, Items: []string{"tax.", "judicial.", "penalty.", "registration.", "financing."},
			DataFrom: "2020-01-01", DataTo: day(today), ValidUntil: day(today.AddDate(0, 3, 0)), FetchType: "periodic", Frequency: "monthly", Mode: "view"}
		ent := w.e1
		switch st {
		case "none":
			return
		case "wrong_purpose":
			in.Purpose = access.PurposeMonitoring
		case "wrong_items":
			in.Items = []string{"si."}
		case "other_enterprise":
			in.CreditCode, ent = w.e2.Code, w.e2
		case "out_of_range_dates":
			in.DataFrom, in.DataTo = "2019-01-01", "2019-12-31"
		case "expired":
			past := today.AddDate(0, -2, 0)
			n.Authz.Now = func() time.Time { return past }
			defer func() { n.Authz.Now = nil }()
			in.ValidUntil = day(past.AddDate(0, 0, 10))
		}
		a, err := n.Authz.Request(ctx, bank, in)
		if err != nil {
			t.Fatalf("request (%s): %v", st, err)
		}
		if st == "pending" {
			return
		}
		if _, err := n.Authz.Approve(ctx, owner(ent), a.ID, nil); err != nil {
			t.Fatalf("approve (%s): %v", st, err)
		}
		switch st {
		case "paused":
			_, err = n.Authz.Pause(ctx, owner(ent), a.ID, "matrix")
		case "revoked":
			_, err = n.Authz.Revoke(ctx, owner(ent), a.ID, "matrix")
		}
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	for _, tier := range tiers {
		for _, st := range states {
			o := org(account.Org{Kind: account.KindInstitution, Name: fmt.Sprintf("矩阵银行 T%d %s（模拟）", tier, st), AccessTier: tier})
			bank := access.Principal{Username: "m_bank", OrgID: o.ID, OrgKind: account.KindInstitution, OrgName: o.Name, AccessTier: tier,
				Role: account.RoleInstitutionOfficer}
			grant(bank, st)
			add(caller{name: fmt.Sprintf("institution_t%d_%s_apikey", tier, st), kind: "institution", tier: tier, state: st,
				a: key(o, account.ScopeEnterpriseRead)})
			if tier == 3 && (st == "active" || st == "none") {
				add(caller{name: fmt.Sprintf("institution_t%d_%s_user", tier, st), kind: "institution", tier: tier, state: st,
					a: user(o, fmt.Sprintf("m_bank_t%d_%s", tier, st), account.RoleInstitutionOfficer), session: true})
			}
			if tier == 3 && st == "active" {
				add(caller{name: "apikey_without_scope", kind: "apikey_noscope", tier: tier, state: st, a: key(o, account.ScopeDataWrite)})
			}
		}
	}
	return w
}

// expectation is the oracle's answer for one item read.
type expectation struct {
	status  int
	visible bool // the item's sentinel must be in the body
	masked  bool // read, with the personal text masked (its number may show)
}

// expect applies DOMAIN.md §6 and the issue-5 design to one caller
// reading item it of enterprise 1 under loan_application; dated says the
// read names a data date range (2025), otherwise the grant's range applies.
func expect(c caller, it matrixItem, dated bool) expectation {
	deny := expectation{status: http.StatusForbidden}
	allow := func(masked bool) expectation {
		return expectation{status: 200, visible: !(it.personal && masked), masked: it.personal && masked}
	}
	switch c.kind {
	case "anon":
		return expectation{status: http.StatusUnauthorized}
	case "apikey_noscope", "other_enterprise":
		return deny
	case "operator", "auditor":
		return allow(true)
	case "self":
		return allow(false)
	case "department":
		if it.dept == c.dept || it.public {
			return allow(true)
		}
		return deny
	case "institution":
		if !it.shared || it.grade > max(1, c.tier) {
			return deny
		}
		if it.public {
			return allow(true)
		}
		switch c.state {
		case "active":
			return allow(true) // no separate consent: personal data masked
		case "out_of_range_dates":
			if dated {
				return deny
			}
			// Allowed, clipped to 2019: the 2025 value is not returned.
			return expectation{status: 200}
		}
		return deny
	}
	panic("unknown caller kind " + c.kind)
}

// protected lists every sentinel in the world with whether the caller may
// see it in this response: only visible ones of the item asked for.
func checkBody(t *testing.T, label, body string, visible map[string]bool) {
	t.Helper()
	checkBodyAllowing(t, label, body, visible, nil)
}

// checkBodyAllowing is checkBody where the sentinels in allowed may, but
// need not, appear.
func checkBodyAllowing(t *testing.T, label, body string, visible, allowed map[string]bool) {
	t.Helper()
	for e := 1; e <= 2; e++ {
		for i := range matrixItems {
			s := sentinel(e, i)
			num := strconv.FormatInt(sentinelNum(e, i), 10)
			// A masked personal value keeps its number (a share, an
			// amount); only its text is personal.
			has := strings.Contains(body, s) || strings.Contains(body, num) && !allowed["num:"+s]
			switch {
			case visible[s] && !strings.Contains(body, s):
				t.Errorf("%s: %s should be visible but is missing", label, s)
			case !visible[s] && !allowed[s] && has:
				t.Errorf("LEAK %s: %s (item %s of enterprise %d) in the body", label, s, matrixItems[i].code, e)
			}
		}
	}
	if !visible[matrixRepID] && !allowed[matrixRepID] && strings.Contains(body, matrixRepID) {
		t.Errorf("LEAK %s: the legal representative's identity number in the body", label)
	}
}

type matrixCounts struct{ cases, leaksChecked int }

// runDataMatrix runs the API data route and, for web sessions, the web
// data page, for every caller × item × date variant.
func runDataMatrix(t *testing.T, w *matrixWorld, webToo bool) matrixCounts {
	var mc matrixCounts
	for _, c := range w.callers {
		for i, it := range matrixItems {
			for _, dated := range []bool{false, true} {
				want := expect(c, it, dated)
				q := url.Values{"items": {it.code}}
				if c.kind == "institution" || c.kind == "apikey_noscope" {
					q.Set("purpose", access.PurposeLoan)
				}
				if dated {
					q.Set("from", "2025-01")
					q.Set("to", "2025-12")
				}
				path := "/api/v1/enterprises/" + w.e1.Code + "/data?" + q.Encode()
				label := fmt.Sprintf("%s GET %s", c.name, path)
				rec := do(t, w.h, "GET", path, c.a, "", nil)
				mc.cases++
				if rec.Code != want.status {
					t.Errorf("%s: status %d, want %d: %.300s", label, rec.Code, want.status, rec.Body)
				}
				checkBodyAllowing(t, label, rec.Body.String(), map[string]bool{sentinel(1, i): want.visible},
					map[string]bool{"num:" + sentinel(1, i): want.masked})
				mc.leaksChecked++
			}
		}
		if !webToo || (!c.session && c.kind != "anon") {
			continue
		}
		// The web page reads a whole category; each item in it is judged
		// by the oracle on its own (items the caller may not see are left
		// out of the page, which is still shown).
		for _, cat := range []string{"tax", "judicial", "penalty", "registration"} {
			path := "/enterprises/" + w.e1.Code + "/data?" + url.Values{"category": {cat}, "purpose": {access.PurposeLoan}}.Encode()
			label := fmt.Sprintf("%s GET %s", c.name, path)
			rec := do(t, w.h, "GET", path, c.a, "", nil)
			mc.cases++
			visible, numOK := map[string]bool{}, map[string]bool{}
			anyAllowed := false
			for i, it := range matrixItems {
				if it.category != cat {
					continue
				}
				e := expect(c, it, false)
				visible[sentinel(1, i)] = e.visible
				numOK["num:"+sentinel(1, i)] = e.masked
				anyAllowed = anyAllowed || e.status == 200
			}
			switch {
			case c.kind == "anon":
				if rec.Code == 200 {
					t.Errorf("%s: anonymous got the page", label)
				}
			case rec.Code >= 500:
				t.Errorf("%s: status %d", label, rec.Code)
			case anyAllowed && rec.Code != 200:
				t.Errorf("%s: status %d, want 200", label, rec.Code)
			case !anyAllowed && rec.Code == 200 && c.kind != "institution" && c.kind != "department":
				t.Errorf("%s: status 200, want a refusal", label)
			}
			checkBodyAllowing(t, label, rec.Body.String(), visible, numOK)
			mc.leaksChecked++
		}
	}
	return mc
}

// runRegistryAndSweep reads every registry and sweep route as every
// caller: no item sentinel may appear (item values only come from the
// data routes), and the legal representative's identity number only for
// the enterprise itself. Path parameters get real values where it matters.
func runRegistryAndSweep(t *testing.T, w *matrixWorld) matrixCounts {
	var mc matrixCounts
	ctx := context.Background()
	azs, err := w.n.Authz.List(ctx, access.Principal{Username: "matrix", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin},
		authz.Filter{Limit: 1})
	if err != nil || len(azs) == 0 {
		t.Fatalf("no authorization to sweep with: %v", err)
	}
	sub := strings.NewReplacer("{code}", w.e1.Code, "{id}", "1", "{name}", "tax", "{attachment}", "1", "{$}", "")
	for _, r := range allRoutes(t) {
		class := routeClass[r]
		if class != classRegistry && class != classSweep {
			continue
		}
		method, path, ok := strings.Cut(r, " ")
		if !ok {
			continue // the catch-all "/"
		}
		if strings.HasPrefix(path, "/api/v1/authorizations/{id}") || strings.HasPrefix(path, "/authorizations/{id}") {
			path = strings.Replace(path, "{id}", azs[0].ID, 1)
		}
		path = sub.Replace(path)
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "purpose=" + access.PurposeLoan
		if strings.HasSuffix(strings.Split(path, "?")[0], "/audit/export") {
			path += "&enterprise=" + strconv.FormatInt(w.e1.ID, 10)
		}
		for _, c := range w.callers {
			if c.kind == "institution" && c.tier != 3 && !(c.tier == 1 && c.state == "active") {
				continue // the tier matters to item reads only; tier 3 covers every state here
			}
			if !c.session && c.kind != "anon" && !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/.well-known") {
				continue // API keys are for the API
			}
			rec := do(t, w.h, method, path, c.a, "", nil)
			mc.cases++
			label := fmt.Sprintf("%s %s %s", c.name, method, path)
			if rec.Code >= 500 {
				t.Errorf("%s: status %d: %.200s", label, rec.Code, rec.Body)
			}
			if class == classRegistry && c.kind == "anon" && rec.Code == 200 && strings.HasPrefix(path, "/api/") {
				t.Errorf("%s: anonymous read the registry", label)
			}
			// The enterprise itself may see its own values and its legal
			// representative anywhere; nobody else sees a value outside the
			// data routes.
			var own map[string]bool
			if c.kind == "self" {
				own = map[string]bool{matrixRepID: true}
				for i := range matrixItems {
					own[sentinel(1, i)] = true
				}
			}
			checkBodyAllowing(t, label, rec.Body.String(), nil, own)
			mc.leaksChecked++
		}
	}
	return mc
}

// TestAuthorizationMatrix is the generated matrix on SQLite: every caller
// kind, institution tiers 1-4 × every authorization state, every item
// grade, both data routes, and every other read route swept.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	start := time.Now()
	w := newMatrixWorld(t, "sqlite", []int{1, 2, 3, 4}, authStates)
	built := time.Since(start)
	data := runDataMatrix(t, w, true)
	matrix := time.Since(start) - built
	sweep := runRegistryAndSweep(t, w)
	t.Logf("set-up %s, data routes %s, sweep %s", built.Round(time.Millisecond), matrix.Round(time.Millisecond),
		(time.Since(start) - built - matrix).Round(time.Millisecond))
	t.Logf("authorization matrix (sqlite): %d callers, %d items; %d data-route cases, %d registry/sweep cases, %d bodies checked for leaks",
		len(w.callers), len(matrixItems), data.cases, sweep.cases, data.leaksChecked+sweep.leaksChecked)
	if !slices.ContainsFunc(w.callers, func(c caller) bool { return c.kind == "institution" && c.state == "out_of_range_dates" }) {
		t.Fatal("matrix lost its institutions")
	}
}

// TestAuthorizationMatrixPostgres runs the data-route part on PostgreSQL
// for tier-3 institutions in every state and every other caller kind.
func TestAuthorizationMatrixPostgres(t *testing.T) {
	t.Parallel()
	if !slices.Contains(scratch.Backends(t), "postgres") {
		t.Skipf("%s is not set: the PostgreSQL matrix is SKIPPED", scratch.EnvPostgres)
	}
	w := newMatrixWorld(t, "postgres", []int{3}, authStates)
	data := runDataMatrix(t, w, false)
	t.Logf("authorization matrix (postgres subset): %d callers, %d data-route cases", len(w.callers), data.cases)
}
