package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/scorecard"
	"github.com/creditbridge/creditbridge/internal/server"
)

// testArtefact fits a small real scorecard (two informative variables, one
// noise) and returns its JSON.
func testArtefact(t *testing.T, seed uint64) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 3))
	var b strings.Builder
	b.WriteString("x1,x2,noise,bad\n")
	for range 500 {
		x1, x2 := r.NormFloat64(), r.NormFloat64()
		y := 0
		if r.Float64() < 1/(1+math.Exp(-(-2+1.3*x1-0.7*x2))) {
			y = 1
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%.4f,%d\n", x1, x2, r.NormFloat64(), y)
	}
	tb, err := scorecard.ParseCSV([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	d, err := scorecard.NewDataset(tb, scorecard.Spec{Target: "bad", Bad: "1"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := scorecard.Fit(d, scorecard.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestModelRegistryScenarios walks the registry API and pages in order:
// who may register, see and promote, the one-champion rule and the
// evidence of each promotion.
func TestModelRegistryScenarios(t *testing.T) {
	w := newWorld(t)
	art1, art2 := testArtefact(t, 1), testArtefact(t, 2)
	zh := map[string]string{"Accept-Language": "zh-CN"}
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
		{name: "anonymous cannot list", method: "GET", path: "/api/v1/models", status: 401},
		{name: "empty registry", method: "GET", path: "/api/v1/models", as: "operator_analyst", status: 200, contains: []string{`"items":[]`}},
		{name: "analyst may not register", method: "POST", path: "/api/v1/models", as: "operator_analyst", body: `{"artefact":` + art1 + `}`, status: 403, contains: []string{"model.admin_only"}},
		{name: "institution may not register", method: "POST", path: "/api/v1/models", as: "institution_officer", body: `{"artefact":` + art1 + `}`, status: 403},
		{name: "artefact is checked", method: "POST", path: "/api/v1/models", as: "operator_admin", body: `{"artefact":{"schema":"creditbridge.scorecard/v1"}}`, hdr: zh,
			status: 400, contains: []string{"model.bad_artefact", "评分卡"}},
		{name: "artefact is required", method: "POST", path: "/api/v1/models", as: "operator_admin", body: `{"name":"sme-default"}`, status: 400, contains: []string{"model.bad_artefact"}},
		{name: "admin registers v1", method: "POST", path: "/api/v1/models", as: "operator_admin", body: `{"feature_set":"features/v1","artefact":` + art1 + `}`, status: 201,
			contains: []string{`"name":"sme-default"`, `"number":1`, `"status":"challenger"`, `"source":"file"`, `"kind":"file"`}, notContain: []string{`"artefact"`}},
		{name: "admin registers v2", method: "POST", path: "/api/v1/models", as: "operator_admin", body: `{"artefact":` + art2 + `}`, status: 201, contains: []string{`"number":2`}},
		{name: "auditor lists without artefacts", method: "GET", path: "/api/v1/models", as: "auditor", status: 200, contains: []string{`"number":2`, `"number":1`, `"auc"`}, notContain: []string{`"artefact"`, `"intercept"`}},
		{name: "institution may not list", method: "GET", path: "/api/v1/models", as: "institution_officer", status: 403, contains: []string{"model.operator_only"}},
		{name: "api key may not list", method: "GET", path: "/api/v1/models", as: "apikey", status: 403},
		{name: "enterprise may not read", method: "GET", path: "/api/v1/models/1", as: "enterprise_admin", status: 403},
		{name: "one version with its artefact", method: "GET", path: "/api/v1/models/1", as: "auditor", status: 200,
			contains: []string{`"artefact":{`, `"schema":"creditbridge.scorecard/v1"`, `"feature_set":"features/v1"`, `"data_fingerprint":"`}},
		{name: "unknown version", method: "GET", path: "/api/v1/models/99", as: "auditor", status: 404, contains: []string{"model.not_found"}},
		{name: "auditor may not promote", method: "POST", path: "/api/v1/models/1/promote", as: "auditor", body: `{"reason":"x"}`, status: 403, contains: []string{"model.admin_only"}},
		{name: "analyst may not promote", method: "POST", path: "/api/v1/models/1/promote", as: "operator_analyst", body: `{"reason":"x"}`, status: 403},
		{name: "a promotion needs a reason", method: "POST", path: "/api/v1/models/1/promote", as: "operator_admin", body: `{"reason":" "}`, hdr: zh, status: 400,
			contains: []string{"model.reason_required", "原因"}},
		{name: "admin promotes v1", method: "POST", path: "/api/v1/models/1/promote", as: "operator_admin", body: `{"reason":"首个经验证的模型"}`, status: 200,
			contains: []string{`"status":"champion"`, `"promoted_by":"operator_admin"`, "首个经验证的模型"}},
		{name: "admin promotes v2 over v1", method: "POST", path: "/api/v1/models/2/promote", as: "operator_admin", body: `{"reason":"better holdout AUC"}`, status: 200,
			contains: []string{`"status":"champion"`}},
		{name: "v1 is retired", method: "GET", path: "/api/v1/models/1", as: "operator_admin", status: 200, contains: []string{`"status":"retired"`, `"retired_at"`}},
		{name: "a retired version cannot be promoted", method: "POST", path: "/api/v1/models/1/promote", as: "operator_admin", body: `{"reason":"back"}`, status: 409,
			contains: []string{"model.not_challenger"}},
		{name: "the champion cannot be promoted again", method: "POST", path: "/api/v1/models/2/promote", as: "operator_admin", body: `{"reason":"again"}`, status: 409},
		{name: "promotions are evidence", method: "GET", path: "/api/v1/audit?action=model.promote", as: "auditor", status: 200,
			contains: []string{`"action":"model.promote"`, "better holdout AUC", "首个经验证的模型", `\"replaced_id\":1`}},
		{name: "registrations are evidence", method: "GET", path: "/api/v1/audit?action=model.register", as: "auditor", status: 200, contains: []string{`"action":"model.register"`}},
	}
	for _, c := range cases {
		rec := do(t, w.h, c.method, c.path, w.actors[c.as], c.body, c.hdr)
		body := rec.Body.String()
		if rec.Code != c.status {
			t.Fatalf("%s: %s %s as %q = %d, want %d: %s", c.name, c.method, c.path, c.as, rec.Code, c.status, truncate(body))
		}
		for _, s := range c.contains {
			if !strings.Contains(body, s) {
				t.Fatalf("%s: response lacks %q: %s", c.name, s, truncate(body))
			}
		}
		for _, s := range c.notContain {
			if strings.Contains(body, s) {
				t.Fatalf("%s: response must not contain %q: %s", c.name, s, truncate(body))
			}
		}
	}
	var champions int
	rec := do(t, w.h, "GET", "/api/v1/models", w.actors["auditor"], "", nil)
	champions = strings.Count(rec.Body.String(), `"status":"champion"`)
	if champions != 1 {
		t.Fatalf("%d champions listed, want 1: %s", champions, truncate(rec.Body.String()))
	}

	// The pages: the list and the report for staff and auditors, the
	// promote form only for operator administrators.
	page := func(as, path string) string {
		t.Helper()
		rec := do(t, w.h, "GET", path, w.actors[as], "", map[string]string{"Accept-Language": "en"})
		if rec.Code != 200 {
			t.Fatalf("GET %s as %s = %d: %s", path, as, rec.Code, truncate(rec.Body.String()))
		}
		return rec.Body.String()
	}
	list := page("auditor", "/models")
	for _, s := range []string{"sme-default v2", "sme-default v1", "Champion", "Retired"} {
		if !strings.Contains(list, s) {
			t.Fatalf("/models lacks %q", s)
		}
	}
	if strings.Contains(list, `action="/models/train"`) {
		t.Fatal("an auditor sees the train button")
	}
	if !strings.Contains(page("operator_admin", "/models"), `action="/models/train"`) {
		t.Fatal("the operator administrator does not see the train button")
	}
	detail := page("operator_analyst", "/models/1")
	for _, s := range []string{"Variables and bins", "x1", "Missing", "Calibration by PD decile"} {
		if !strings.Contains(detail, s) {
			t.Fatalf("/models/1 lacks %q", s)
		}
	}
	if rec := do(t, w.h, "GET", "/models/1", w.actors["institution_officer"], "", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("institution reads /models/1: %d", rec.Code)
	}

	// Promote through the form: register v3 and promote it as the admin.
	if rec := do(t, w.h, "POST", "/api/v1/models", w.actors["operator_admin"], `{"artefact":`+art1+`}`, nil); rec.Code != 201 {
		t.Fatalf("register v3: %d %s", rec.Code, truncate(rec.Body.String()))
	}
	if strings.Contains(page("operator_analyst", "/models/3"), `action="/models/3/promote"`) {
		t.Fatal("the analyst sees the promote form")
	}
	if !strings.Contains(page("operator_admin", "/models/3"), `action="/models/3/promote"`) {
		t.Fatal("the administrator does not see the promote form")
	}
	a := w.actors["operator_admin"]
	form := url.Values{"csrf_token": {a.csrf}, "reason": {"form promotion"}}
	req := httptest.NewRequest("POST", "/models/3/promote", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: a.cookie})
	prec := httptest.NewRecorder()
	w.h.ServeHTTP(prec, req)
	if prec.Code != http.StatusSeeOther || prec.Header().Get("Location") != "/models/3?done=promoted" {
		t.Fatalf("promote form = %d %s: %s", prec.Code, prec.Header().Get("Location"), truncate(prec.Body.String()))
	}
	if !strings.Contains(page("auditor", "/models/3"), "form promotion") {
		t.Fatal("the promotion reason is not shown")
	}
}

// TestModelRegistryCLI registers a file, lists, promotes and trains on a
// database without outcomes (a clear refusal, not a model).
func TestModelRegistryCLI(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/model.json"
	if err := os.WriteFile(file, []byte(testArtefact(t, 5)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		var out, errb strings.Builder
		code := app.Run(context.Background(), app.Env{Args: append(args, "--data-dir", dir), Stdout: &out, Stderr: &errb})
		return code, out.String() + errb.String()
	}
	if code, out := run("model", "register", "--file", file, "--feature-set", "features/v1"); code != 0 || !strings.Contains(out, `"model": "sme-default v1"`) || !strings.Contains(out, `"status": "challenger"`) {
		t.Fatalf("register = %d: %s", code, out)
	}
	if code, out := run("model", "register"); code != 2 || !strings.Contains(out, "--file is required") {
		t.Fatalf("register without a file = %d: %s", code, out)
	}
	if code, out := run("model", "promote", "--id", "1"); code != 2 {
		t.Fatalf("promote without a reason = %d: %s", code, out)
	}
	if code, out := run("model", "promote", "--id", "1", "--reason", "first"); code != 0 || !strings.Contains(out, `"status": "champion"`) {
		t.Fatalf("promote = %d: %s", code, out)
	}
	if code, out := run("model", "list"); code != 0 || !strings.Contains(out, `"reason": "first"`) || !strings.Contains(out, `"metrics_on": "training"`) {
		t.Fatalf("list = %d: %s", code, out)
	}
	if code, out := run("model", "train-platform"); code != 1 || !strings.Contains(out, "no loans have been shared back") {
		t.Fatalf("train-platform on an empty database = %d: %s", code, out)
	}
	if code, out := run("model", "train-platform", "--promote"); code != 2 || !strings.Contains(out, "--promote needs --reason") {
		t.Fatalf("train-platform --promote without a reason = %d: %s", code, out)
	}
}
