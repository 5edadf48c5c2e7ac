package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestFeaturesPage: operators and auditors read the feature definitions in
// both languages, grouped by category, with the items each reads linked to
// the catalogue; a bank is refused and not offered the page.
func TestFeaturesPage(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)

	zh := s.browser(t, "zh-CN")
	zh.mustSignIn("admin")
	p := zh.get("/features")
	expect(t, "operator, Chinese", p, http.StatusOK, []string{
		"信用特征定义", "features/v1", "纳税", "近12个月增值税应税销售额", "vat_sales_12m",
		`href="/catalog/tax.vat_sales"`, "近若干月合计", "sum_months (months=12)", "金融机构回传的贷款",
		"评估时点已知", `id="cat-financing"`, `href="/features"`,
	}, []string{"{", "ui.features."})

	en := s.browser(t, "en")
	en.mustSignIn("auditor")
	p = en.get("/features")
	expect(t, "auditor, English", p, http.StatusOK, []string{
		"Credit feature definitions", "VAT taxable sales, 12 months", "Sum over the last months", "Numeric", "Categorical",
		"Tax credit grade", "Years since founding", "Registry record",
	}, []string{"ui.features."})

	bank := s.browser(t, "zh-CN")
	bank.mustSignIn("bank")
	p = bank.get("/features")
	expect(t, "bank", p, http.StatusForbidden, nil, []string{"vat_sales_12m"})
	if strings.Contains(bank.get("/enterprises").body, `href="/features"`) {
		t.Error("the bank's navigation offers the feature page")
	}
}
