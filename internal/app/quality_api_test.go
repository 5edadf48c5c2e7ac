package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/quality"
)

// TestQualityAPI walks the data-quality endpoints: nothing before a run,
// runs by the operator administrator only, the latest results for
// operators and auditors only (with a bilingual refusal for others), the
// rule set read and replaced with a base version.
func TestQualityAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	admin, analyst, auditor, bank := w.actors["operator_admin"], w.actors["operator_analyst"], w.actors["auditor"], w.actors["institution_officer"]
	send := func(method, path string, a actor, body string, hdr map[string]string, status int, contains ...string) string {
		t.Helper()
		rec := do(t, w.h, method, path, a, body, hdr)
		if rec.Code != status {
			t.Fatalf("%s %s = %d, want %d: %s", method, path, rec.Code, status, truncate(rec.Body.String()))
		}
		for _, c := range contains {
			if !strings.Contains(rec.Body.String(), c) {
				t.Fatalf("%s %s: body lacks %q: %s", method, path, c, truncate(rec.Body.String()))
			}
		}
		return rec.Body.String()
	}
	// Huawei paid more VAT than it declared sales in the last complete month.
	month := time.Date(time.Now().Year(), time.Now().Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -2, 0)
	if err := w.n.Store.AppendFacts(ctx, []facts.Fact{
		{EnterpriseID: w.ownEnt.ID, Item: "tax.vat_sales", Shape: facts.Measure, Period: month, Num: 100_00, Source: "tax", Version: 1},
		{EnterpriseID: w.ownEnt.ID, Item: "tax.vat_paid", Shape: facts.Measure, Period: month, Num: 900_00, Source: "tax", Version: 1},
	}); err != nil {
		t.Fatal(err)
	}

	send("GET", "/api/v1/quality", admin, "", nil, 404, "quality.no_run")
	send("GET", "/api/v1/quality", actor{}, "", nil, 401)
	send("POST", "/api/v1/quality/runs", analyst, "", nil, 403, "quality.run_forbidden")
	send("POST", "/api/v1/quality/runs", admin, "", nil, 201, `"trigger":"manual"`, `"actor_name":"operator_admin"`)
	body := send("GET", "/api/v1/quality", auditor, "", nil, 200, `"departments"`, `"collection_rate"`)
	var rep struct {
		Run         quality.Run          `json:"run"`
		Departments []quality.Department `json:"departments"`
		Coverage    []struct {
			Item string  `json:"item"`
			Rate float64 `json:"collection_rate"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	var le *quality.Result
	for i, r := range rep.Run.Results {
		if r.RuleID == "tax.vat_paid.le_vat_sales" {
			le = &rep.Run.Results[i]
		}
	}
	if le == nil || le.Status != quality.Fail || len(le.Examples) != 1 || le.Examples[0].Code != huawei || le.Examples[0].Value != 900_00 {
		t.Fatalf("VAT paid ≤ sales result = %+v, want a failure naming Huawei", le)
	}
	if len(rep.Departments) == 0 || len(rep.Coverage) == 0 {
		t.Fatalf("report without departments or coverage: %s", truncate(body))
	}
	send("GET", "/api/v1/quality", bank, "", map[string]string{"Accept-Language": "en"}, 403, "quality.forbidden", "Only operators and auditors")
	send("GET", "/api/v1/quality", bank, "", nil, 403, "只有平台运营人员和审计人员")
	send("GET", "/api/v1/quality", w.actors["apikey"], "", nil, 403, "quality.forbidden")
	es, err := w.n.Store.ListAudit(ctx, audit.Filter{Action: "quality.run", Limit: 10})
	if err != nil || len(es) != 1 || es[0].ActorName != "operator_admin" {
		t.Fatalf("quality.run evidence = %+v, %v", es, err)
	}
	// The administrator's run response and the auditor's read each read
	// the examples through the access decision point; the refusals read
	// nothing.
	reads, err := w.n.Store.ListAudit(ctx, audit.Filter{Action: "quality.read", Limit: 10})
	if err != nil || len(reads) != 2 || reads[0].ActorName != "auditor" || reads[1].ActorName != "operator_admin" {
		t.Fatalf("quality.read evidence = %+v, %v", reads, err)
	}

	var rs quality.RuleSet
	if err := json.Unmarshal([]byte(send("GET", "/api/v1/quality/rules", analyst, "", nil, 200)), &rs); err != nil {
		t.Fatal(err)
	}
	if rs.Version != 1 || len(rs.Rules) < 40 {
		t.Fatalf("rules: version %d, %d rules; want the stored defaults", rs.Version, len(rs.Rules))
	}
	put := func(rs quality.RuleSet, base int, reason string) string {
		b, err := json.Marshal(map[string]any{"rules": rs, "base_version": base, "reason": reason})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	fewer := rs
	fewer.Rules = rs.Rules[:10]
	send("PUT", "/api/v1/quality/rules", analyst, put(fewer, 1, "x"), nil, 403, "quality.run_forbidden")
	send("PUT", "/api/v1/quality/rules", admin, put(fewer, 1, "精简规则"), nil, 200, `"version":2`, `"reason":"精简规则"`)
	send("PUT", "/api/v1/quality/rules", admin, put(fewer, 1, "again"), nil, 409, "quality.rules_stale")
	broken := fewer
	broken.Rules = append([]quality.Rule{}, fewer.Rules...)
	broken.Rules[0].Item = "tax.nothing"
	send("PUT", "/api/v1/quality/rules", admin, put(broken, 2, "x"), map[string]string{"Accept-Language": "en"}, 400,
		`"field":"rules[0].item"`, "No catalogue item has the code")
	send("PUT", "/api/v1/quality/rules", admin, put(fewer, 2, " "), nil, 400, "quality.reason_required")
}
