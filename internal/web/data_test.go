package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// TestSharedDataPage shows an enterprise's shared items as each role may
// see them: the operator sees everything with provenance, a point-in-time
// view shows the value known then, a bank sees only what the grading
// allows, and personal items are masked.
func TestSharedDataPage(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	month := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := time.Date(2025, 2, 15, 8, 0, 0, 0, time.UTC)
	t2 := time.Date(2025, 3, 20, 8, 0, 0, 0, time.UTC)
	e := s.huawei.ID
	err := s.st.AppendFacts(context.Background(), []facts.Fact{
		{EnterpriseID: e, Item: "tax.vat_sales", Shape: facts.Measure, Period: month, Num: 12_345_678_90, Source: "tax", Batch: "tax-b1", SourceRow: 4, ReceivedAt: t1, Version: 1},
		{EnterpriseID: e, Item: "tax.vat_sales", Shape: facts.Measure, Period: month, Num: 22_345_678_90, Source: "tax", Batch: "tax-b2", SourceRow: 7, ReceivedAt: t2, Version: 2},
		{EnterpriseID: e, Item: "si.insured_headcount", Shape: facts.Measure, Period: month, Num: 1234, Source: "hrss", Batch: "hrss-b1", ReceivedAt: t1, Version: 1},
		{EnterpriseID: e, Item: "penalty.administrative", Shape: facts.Event, Period: month.AddDate(0, 0, 9), Num: 5_000_00, Text: "警告",
			Ref: "深市监罚〔2025〕12号", Source: "samr", Batch: "samr-b1", ReceivedAt: t1, Version: 1},
		{EnterpriseID: e, Item: "registration.shareholders", Shape: facts.Attribute, Period: month, Num: 100_000_00, Text: "任正非",
			Detail: `{"id_number":"440301194410010011"}`, Source: "samr", Batch: "samr-b1", ReceivedAt: t1, Version: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	op := s.browser(t, "zh-CN")
	op.mustSignIn("admin")
	expect(t, "operator", op.get("/enterprises/"+huaweiCode+"/data"), http.StatusOK,
		[]string{"共享数据", "增值税应税销售额", "22,345,678.90 元", "tax-b2 #7", "1,234 人", "深市监罚〔2025〕12号", "任*", "已脱敏", "本次查询已记入存证日志"},
		[]string{"12,345,678.90", "任正非", "440301194410010011"})
	expect(t, "as known on 1 March", op.get("/enterprises/"+huaweiCode+"/data?category=tax&known_at=2025-03-01"), http.StatusOK,
		[]string{"12,345,678.90 元", "tax-b1 #4"}, []string{"22,345,678.90", "1,234 人"})
	expect(t, "bad date", op.get("/enterprises/"+huaweiCode+"/data?known_at=2025-13-01"), http.StatusBadRequest, []string{"不是有效日期"}, nil)

	bank := s.browser(t, "en")
	bank.mustSignIn("bank")
	// The bank reads under huawei's authorization of penalties and tax data
	// (approved; tax figures then come from the authorized range only).
	ctx := context.Background()
	officer, err := s.st.UserByUsername(ctx, "bank")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := s.st.CreateAuthorization(ctx, &authz.Authorization{ID: authz.NewID(), EnterpriseID: e, InstitutionID: officer.OrgID,
		Purpose: "loan_application", Items: []string{"penalty."}, DataFrom: month.AddDate(-1, 0, 0), DataTo: month.AddDate(1, 0, 0),
		ValidFrom: now.Add(-time.Hour), ValidUntil: now.AddDate(0, 1, 0), FetchType: authz.FetchPeriodic, Frequency: "monthly",
		Mode: authz.ModeView, Status: authz.StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	expect(t, "bank", bank.get("/enterprises/"+huaweiCode+"/data?purpose=loan_application"), http.StatusOK,
		[]string{"Shared data", "¥5,000", "Stated purpose: Loan application."},
		[]string{"22,345,678", "1,234 persons", "任"})

	own := s.browser(t, "zh-CN")
	own.mustSignIn("huawei")
	expect(t, "own page links its data", own.get("/my/enterprise"), http.StatusOK, []string{"/enterprises/" + huaweiCode + "/data"}, nil)
	expect(t, "own data", own.get("/enterprises/"+huaweiCode+"/data?category=tax"), http.StatusOK, []string{"22,345,678.90 元"}, nil)
	expect(t, "another's data", own.get("/enterprises/"+xiaomiCode+"/data"), http.StatusForbidden, nil, []string{"22,345,678"})
}
