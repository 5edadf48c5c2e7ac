package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// qualityNow is the stack's data-quality clock: October 2026 is then the
// latest period monthly items are expected for.
var qualityNow = time.Date(2026, 12, 16, 10, 0, 0, 0, time.UTC)

var october = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// TestQualityPage runs the checks from the page as an operator
// administrator and reads the results in both languages: a negative VAT
// amount of Huawei's fails the range rule with Huawei as the example,
// linked to its registry page; tax is on time, the utilities are stale.
// An auditor reads without the run button; a bank is refused.
func TestQualityPage(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	ctx := context.Background()
	var fs []facts.Fact
	for _, id := range []int64{s.huawei.ID, s.xiaomi.ID} {
		for _, item := range []string{"tax.vat_sales", "tax.vat_paid", "tax.paid_total"} {
			fs = append(fs, facts.Fact{EnterpriseID: id, Item: item, Shape: facts.Measure, Period: october, Num: 500_00, Source: "tax", Version: 1})
		}
	}
	fs[0].Num = -77_00 // Huawei's VAT sales
	if err := s.st.AppendFacts(ctx, fs); err != nil {
		t.Fatal(err)
	}

	admin := s.browser(t, "zh-CN")
	admin.mustSignIn("admin")
	p := admin.get("/quality")
	expect(t, "before any run", p, http.StatusOK, []string{"尚未运行数据质量检查。", `action="/quality/runs"`, `href="/quality"`}, nil)
	csrf := admin.csrf()
	p = admin.do(http.MethodPost, "/quality/runs", url.Values{"csrf_token": {"forged"}})
	expect(t, "forged run", p, http.StatusForbidden, nil, nil)
	p = admin.do(http.MethodPost, "/quality/runs", url.Values{"csrf_token": {csrf}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/quality?started=1" {
		t.Fatalf("start a run: %d → %q", p.status, p.header.Get("Location"))
	}
	p = admin.get("/quality?started=1")
	expect(t, "after the run", p, http.StatusOK, []string{
		"检查已完成", "税务局", "增值税应税销售额", "tax.vat_sales.non_negative", "金额不能为负",
		`href="/enterprises/` + huaweiCode + `"`, "-7,700", "100.0%", "按时", "严重滞后", "2026-10", "人民法院", "不定期",
	}, []string{xiaomiCode, "0001-01", "{"})
	es, err := s.st.ListAudit(ctx, audit.Filter{Action: "quality.", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Newest first: the read of the results, the run, the default rules
	// the first run stored.
	if len(es) != 3 || es[0].Action != "quality.read" || es[1].Action != "quality.run" || es[2].Action != "quality.rules" {
		t.Fatalf("evidence: %+v; want the default rules, the run and one read of its results", es)
	}

	en := s.browser(t, "en")
	en.mustSignIn("auditor")
	p = en.get("/quality")
	expect(t, "auditor, English", p, http.StatusOK, []string{"Data quality", "Tax bureau", "VAT taxable sales", "On time", "Stale",
		"Amounts are not negative", `href="/enterprises/` + huaweiCode + `"`}, []string{`action="/quality/runs"`})
	p = en.do(http.MethodPost, "/quality/runs", url.Values{"csrf_token": {en.csrf()}})
	expect(t, "auditor starts a run", p, http.StatusForbidden, []string{"Only an operator administrator may start a data-quality run"}, nil)

	bank := s.browser(t, "zh-CN")
	bank.mustSignIn("bank")
	p = bank.get("/quality")
	expect(t, "bank", p, http.StatusForbidden, []string{"只有平台运营人员和审计人员可以查看数据质量结果。"}, []string{huaweiCode})
	if strings.Contains(bank.get("/enterprises").body, `href="/quality"`) {
		t.Error("the bank's navigation offers the data-quality page")
	}
}
