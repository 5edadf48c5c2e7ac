package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// TestEnterpriseDataAPI reads shared items through GET
// /api/v1/enterprises/{code}/data as every kind of caller: the catalogue's
// grading decides, point-in-time reads see what was known then, and every
// read leaves evidence.
func TestEnterpriseDataAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	month := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := time.Date(2025, 2, 15, 8, 0, 0, 0, time.UTC)
	t2 := time.Date(2025, 3, 20, 8, 0, 0, 0, time.UTC)
	ent := w.ownEnt.ID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.n.Store.AppendFacts(ctx, []facts.Fact{
		{EnterpriseID: ent, Item: "tax.vat_sales", Shape: facts.Measure, Period: month, Num: 123_456_00, Source: "tax", Batch: "b1", SourceRow: 4, ReceivedAt: t1, Version: 1},
		{EnterpriseID: ent, Item: "tax.vat_sales", Shape: facts.Measure, Period: month, Num: 223_456_00, Source: "tax", Batch: "b2", SourceRow: 9, ReceivedAt: t2, Version: 2},
		{EnterpriseID: ent, Item: "penalty.administrative", Shape: facts.Event, Period: month.AddDate(0, 0, 9), Num: 5_000_00, Text: "警告", Ref: "苏市监罚〔2025〕12号",
			Detail: `{"authority":"某市市场监督管理局"}`, Source: "samr", Batch: "b3", ReceivedAt: t1, Version: 1},
	}))

	type value struct {
		Item       string    `json:"item"`
		Num        int64     `json:"num"`
		Version    int       `json:"version"`
		Batch      string    `json:"batch"`
		SourceRow  int64     `json:"source_row"`
		Via        string    `json:"via"`
		ReceivedAt time.Time `json:"received_at"`
	}
	type body struct {
		Code    string  `json:"credit_code"`
		Purpose string  `json:"purpose"`
		Values  []value `json:"values"`
	}
	read := func(who, code string, q url.Values, want int) body {
		t.Helper()
		rec := do(t, w.h, "GET", "/api/v1/enterprises/"+code+"/data?"+q.Encode(), w.actors[who], "", nil)
		if rec.Code != want {
			t.Fatalf("%s %s?%s = %d %s, want %d", who, code, q.Encode(), rec.Code, rec.Body, want)
		}
		var b body
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
			t.Fatalf("body %s: %v", rec.Body, err)
		}
		return b
	}
	items := func(b body) string {
		var s []string
		for _, v := range b.Values {
			s = append(s, v.Item)
		}
		return strings.Join(s, ",")
	}

	// The operator sees the current version with its provenance.
	b := read("operator_admin", huawei, url.Values{"items": {"tax.vat_sales"}}, 200)
	if len(b.Values) != 1 || b.Values[0].Num != 223_456_00 || b.Values[0].Version != 2 || b.Values[0].Batch != "b2" ||
		b.Values[0].SourceRow != 9 || b.Values[0].Via != "physical" || b.Purpose != "platform_operation" {
		t.Fatalf("operator read: %+v", b)
	}
	// What was known on 1 March 2025: the first version.
	b = read("operator_admin", huawei, url.Values{"items": {"tax."}, "known_at": {"2025-03-01"}}, 200)
	if len(b.Values) != 1 || b.Values[0].Num != 123_456_00 || b.Values[0].Version != 1 {
		t.Fatalf("point-in-time read: %+v", b)
	}
	// The history keeps the corrected version readable.
	if b = read("operator_admin", huawei, url.Values{"items": {"tax.vat_sales"}, "versions": {"all"}}, 200); len(b.Values) != 2 ||
		b.Values[0].Version != 1 || b.Values[1].Version != 2 || b.Values[0].Num != 123_456_00 {
		t.Fatalf("history read: %+v", b)
	}
	// Before anything arrived: nothing.
	if b = read("operator_admin", huawei, url.Values{"items": {"tax.vat_sales"}, "known_at": {"2025-02-01T00:00:00Z"}}, 200); len(b.Values) != 0 {
		t.Fatalf("read before arrival: %+v", b)
	}

	// The enterprise sees all of its own data; not another's.
	if b = read("enterprise_admin", huawei, url.Values{"items": {"tax.vat_sales,penalty."}}, 200); items(b) != "penalty.administrative,tax.vat_sales" {
		t.Fatalf("enterprise reads itself: %s", items(b))
	}
	read("enterprise_admin", xiaomi, url.Values{}, 403)

	// The bank (access tier 2) reads under huawei's authorization; it must
	// state a purpose; it sees the penalty (grade 2), never the tax
	// figures (grade 3, above its tier even when authorized).
	grant(t, w.h, w.actors["institution_officer"], w.actors["enterprise_admin"], grantBody("penalty.", "tax."))
	read("institution_officer", huawei, url.Values{"items": {"penalty.administrative"}}, 403)
	if b = read("institution_officer", huawei, url.Values{"items": {"penalty.administrative"}, "purpose": {"loan_application"}}, 200); items(b) != "penalty.administrative" {
		t.Fatalf("bank reads the penalty: %+v", b)
	}
	rec := do(t, w.h, "GET", "/api/v1/enterprises/"+huawei+"/data?items=tax.vat_sales&purpose=loan_application", w.actors["institution_officer"], "", map[string]string{"Accept-Language": "zh-CN"})
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "access.grade_above_tier") || !strings.Contains(rec.Body.String(), "访问等级") {
		t.Fatalf("bank reads VAT = %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "22345600") {
		t.Fatal("a denial leaked the value")
	}
	// Asking for everything gives the bank what it may see, and no more.
	b = read("institution_officer", huawei, url.Values{"purpose": {"loan_application"}}, 200)
	if items(b) != "penalty.administrative" {
		t.Fatalf("bank reads everything: %s", items(b))
	}
	read("apikey", huawei, url.Values{"items": {"penalty."}, "purpose": {"loan_application"}}, 200)
	read("apikey_noscope", huawei, url.Values{"items": {"penalty."}, "purpose": {"loan_application"}}, 403)

	// Bad input is refused clearly.
	read("operator_admin", badSum, url.Values{}, 400)
	read("operator_admin", huawei, url.Values{"items": {"tax.nope"}}, 400)
	read("operator_admin", huawei, url.Values{"from": {"2025-13"}}, 400)
	read("operator_admin", huawei, url.Values{"known_at": {"yesterday"}}, 400)

	// Every read, allowed or denied, is in the evidence log.
	es, err := w.n.Store.ListAudit(ctx, audit.Filter{Action: "data.read", Limit: 100})
	must(err)
	var ok, denied int
	for _, e := range es {
		switch e.Outcome {
		case audit.OK:
			ok++
		case audit.Denied:
			denied++
		}
	}
	if ok != 8 || denied != 4 {
		t.Fatalf("evidence: %d allowed, %d denied reads, want 8 and 4", ok, denied)
	}
}
