package features_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// register stores one enterprise founded on 10 March 2018 in section C.
func register(t *testing.T, st store.Store, i int) enterprise.Record {
	t.Helper()
	body := fmt.Sprintf("MA1FT%03d", i)
	code, err := creditcode.Complete("91320505" + body + string(creditcode.OrgCodeCheck(body)))
	if err != nil {
		t.Fatal(err)
	}
	r := enterprise.Record{Code: code.String(), NameZH: fmt.Sprintf("苏州特征测试%d有限公司", i), NameEN: "Feature Test Co",
		Division: "320505", Industry: "C", Size: "small", Status: enterprise.StatusOperating,
		RegisteredCapital: 100_000_000, FoundedOn: date(2018, 3, 10), Address: "苏州市"}
	if err := st.CreateEnterprise(t.Context(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// history is the enterprise's data up to mid-July 2025: 30 months of
// measures received on the 20th of the next month, attributes and events
// received a week after they happened, and two loans.
func history(id int64) ([]facts.Fact, []facts.Loan) {
	var fs []facts.Fact
	m := func(item string, per time.Time, num int64) {
		fs = append(fs, facts.Fact{EnterpriseID: id, Item: item, Shape: facts.Measure, Period: per, Num: num,
			Source: "tax", Batch: "b-" + per.Format("2006-01"), ReceivedAt: per.AddDate(0, 1, 19).Add(9 * time.Hour), Version: 1})
	}
	for k := 0; k < 30; k++ { // 2023-01 .. 2025-06
		per := date(2023, time.January, 1).AddDate(0, k, 0)
		m("tax.vat_sales", per, int64(1_000_000+10_000*k))
		m("tax.paid_total", per, int64(30_000+300*k))
		m("si.insured_headcount", per, int64(20+k/6))
		m("util.electricity_kwh", per, int64(5_000+100*k))
		if k >= 26 { // arrears in 2025-03 .. 2025-06
			m("tax.arrears", per, 50_000)
		}
	}
	ev := func(item string, per, ends time.Time, num int64, text, ref string) {
		fs = append(fs, facts.Fact{EnterpriseID: id, Item: item, Shape: facts.Event, Period: per, EndsOn: ends, Num: num,
			Text: text, Ref: ref, Source: "samr", Batch: "ev-" + per.Format("2006-01-02"), ReceivedAt: per.AddDate(0, 0, 7), Version: 1})
	}
	ev("penalty.administrative", date(2024, 5, 3), date(2025, 5, 3), 20_000, "虚假宣传", "苏市监罚〔2024〕1号")
	ev("judicial.enforcement", date(2024, 11, 12), time.Time{}, 300_000, "", "（2024）苏0505执1号")
	ev("list.abnormal_operation", date(2025, 2, 1), time.Time{}, 0, "未按期公示年报", "苏市监异〔2025〕7号")
	ev("licence.permit", date(2022, 6, 1), date(2027, 5, 31), 0, "食品经营许可证", "JY13205050000001")
	fs = append(fs, facts.Fact{EnterpriseID: id, Item: "tax.credit_grade", Shape: facts.Attribute, Period: date(2025, 4, 1),
		Num: 85, Text: "B", Source: "tax", Batch: "grade-2025", ReceivedAt: date(2025, 4, 2), Version: 1})
	loans := []facts.Loan{
		{EnterpriseID: id, Lender: "苏州银行吴中支行", ContractNo: "L-1", AmountFen: 50_000_000, RateBP: 420, TermMonths: 12,
			Guarantee: "credit", StartOn: date(2023, 3, 1), MaturityOn: date(2024, 3, 1), Status: facts.LoanRepaid,
			RepaidOn: date(2024, 3, 1), Source: "bank", Batch: "loans-1", ReceivedAt: date(2024, 3, 10)},
		{EnterpriseID: id, Lender: "苏州农商行", ContractNo: "L-2", AmountFen: 80_000_000, RateBP: 450, TermMonths: 12,
			Guarantee: "mortgage", StartOn: date(2025, 1, 15), MaturityOn: date(2026, 1, 15), Status: facts.LoanCurrent,
			Source: "bank", Batch: "loans-2", ReceivedAt: date(2025, 1, 20)},
	}
	return fs, loans
}

// later is what arrives after 20 July 2025: new months, a correction of
// an old month (version 2), a late-reported penalty dated before D, a new
// one after D, the abnormal-list removal (version 2), a grade change,
// and the default of loan L-2 on 15 July (before D) shared on 5 August.
func later(id int64) ([]facts.Fact, []facts.Loan) {
	recv := date(2025, 8, 10)
	fs := []facts.Fact{
		{EnterpriseID: id, Item: "tax.vat_sales", Shape: facts.Measure, Period: date(2025, 7, 1), Num: 2_000_000, Source: "tax", Batch: "late", ReceivedAt: recv, Version: 1},
		{EnterpriseID: id, Item: "tax.vat_sales", Shape: facts.Measure, Period: date(2025, 5, 1), Num: 1, Source: "tax", Batch: "late", ReceivedAt: recv, Version: 2},
		{EnterpriseID: id, Item: "tax.arrears", Shape: facts.Measure, Period: date(2025, 7, 1), Num: 900_000, Source: "tax", Batch: "late", ReceivedAt: recv, Version: 1},
		{EnterpriseID: id, Item: "si.insured_headcount", Shape: facts.Measure, Period: date(2025, 6, 1), Num: 3, Source: "hrss", Batch: "late", ReceivedAt: recv, Version: 2},
		{EnterpriseID: id, Item: "penalty.administrative", Shape: facts.Event, Period: date(2025, 7, 1), Num: 5_000, Ref: "苏市监罚〔2025〕9号", Source: "samr", Batch: "late", ReceivedAt: recv, Version: 1},
		{EnterpriseID: id, Item: "penalty.administrative", Shape: facts.Event, Period: date(2025, 8, 2), Num: 7_000, Ref: "苏市监罚〔2025〕12号", Source: "samr", Batch: "late", ReceivedAt: recv, Version: 1},
		{EnterpriseID: id, Item: "list.abnormal_operation", Shape: facts.Event, Period: date(2025, 2, 1), EndsOn: date(2025, 8, 1), Text: "未按期公示年报", Ref: "苏市监异〔2025〕7号", Source: "samr", Batch: "late", ReceivedAt: recv, Version: 2},
		{EnterpriseID: id, Item: "tax.credit_grade", Shape: facts.Attribute, Period: date(2025, 4, 1), Num: 60, Text: "C", Source: "tax", Batch: "late", ReceivedAt: recv, Version: 2},
	}
	loans := []facts.Loan{
		{EnterpriseID: id, Lender: "苏州农商行", ContractNo: "L-2", AmountFen: 80_000_000, RateBP: 450, TermMonths: 12,
			Guarantee: "mortgage", StartOn: date(2025, 1, 15), MaturityOn: date(2026, 1, 15), Status: facts.LoanDefaulted,
			DefaultedOn: date(2025, 7, 15), MaxDaysOverdue: 95, Source: "bank", Batch: "loans-3", ReceivedAt: date(2025, 8, 5)},
	}
	return fs, loans
}

// TestNoLookAhead is the feature-level leakage test: data received after
// D (new periods, corrections, late events, a default dated before D but
// shared after it) leaves the vector as of D identical, sources included,
// while the vector as of a later date sees it.
func TestNoLookAhead(t *testing.T) {
	t.Parallel()
	set, err := features.DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range scratch.Backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			st := scratch.Open(t, b)
			ctx := t.Context()
			ent := register(t, st, 1)
			fs, loans := history(ent.ID)
			if err := st.AppendFacts(ctx, fs); err != nil {
				t.Fatal(err)
			}
			if err := st.AppendLoans(ctx, loans); err != nil {
				t.Fatal(err)
			}
			eng := features.Engine{Set: set, Data: st}
			d := time.Date(2025, 7, 20, 12, 0, 0, 0, time.UTC)
			before, err := eng.Compute(ctx, ent, d)
			if err != nil {
				t.Fatal(err)
			}
			checkValues(t, before)

			fs2, loans2 := later(ent.ID)
			if err := st.AppendFacts(ctx, fs2); err != nil {
				t.Fatal(err)
			}
			if err := st.AppendLoans(ctx, loans2); err != nil {
				t.Fatal(err)
			}
			again, err := eng.Compute(ctx, ent, d)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(before, again) {
				t.Fatalf("vector as of D changed after data received later:\n before %+v\n after  %+v", before, again)
			}

			l := time.Date(2025, 9, 20, 12, 0, 0, 0, time.UTC)
			after, err := eng.Compute(ctx, ent, l)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name     string
				atD, atL string
			}{
				{"loan_defaults", "0", "1"},
				{"loans_outstanding", "80000000", "0"},
				{"loan_max_days_overdue_36m", "0", "95"},
				{"abnormal_list_active", "1", "0"},
				{"penalties_36m", "1", "3"},
				{"tax_credit_grade", "B", "C"},
				{"tax_arrears_max_3m", "50000", "900000"},
			} {
				if got := before.Raw(c.name); got != c.atD {
					t.Errorf("%s as of D = %q, want %q", c.name, got, c.atD)
				}
				if got := after.Raw(c.name); got != c.atL {
					t.Errorf("%s as of the later date = %q, want %q", c.name, got, c.atL)
				}
			}
			if reflect.DeepEqual(before.Sources, after.Sources) {
				t.Error("sources as of the later date equal those as of D")
			}
			for _, s := range before.Sources {
				if s.ReceivedAt.After(d) || s.Period.After(d) {
					t.Errorf("source %+v is after D", s)
				}
			}
		})
	}
}

// checkValues checks the vector as of 20 July 2025 against the history by
// hand: the last complete month is June 2025 (k = 29).
func checkValues(t *testing.T, v features.Vector) {
	t.Helper()
	sum := 0
	for k := 18; k <= 29; k++ {
		sum += 1_000_000 + 10_000*k
	}
	want := map[string]string{
		"vat_sales_12m":           fmt.Sprint(sum),
		"age_years":               "7.36",
		"industry":                "C",
		"si_headcount":            "24",
		"si_headcount_change_12m": "2",
		"tax_arrears_months_12m":  "4",
		"tax_credit_grade":        "B",
		"tax_credit_score":        "85",
		"enforcements_open":       "1",
		"licences_active":         "1",
		"loans_36m":               "2",
		"lenders_36m":             "2",
		"days_since_penalty":      "443",
		"hf_arrears_months_12m":   "0",
		"hf_headcount":            "",
		"invoice_amount_12m":      "",
	}
	for name, w := range want {
		if got := v.Raw(name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	near := map[string]float64{
		// Same months a year earlier: (k 27..29) over (k 15..17).
		"vat_sales_yoy_3m": float64(3_000_000+10_000*(27+28+29))/float64(3_000_000+10_000*(15+16+17)) - 1,
		// Mean of k 24..29 over the mean of k 18..23.
		"vat_sales_trend_6m": 1_265_000.0/1_205_000 - 1,
		// Tax paid is 3 % of sales every month.
		"tax_burden_12m":    0.03,
		"penalty_fines_36m": 20_000,
	}
	for name, w := range near {
		if got, ok := v.Num[name]; !ok || got < w-1e-9 || got > w+1e-9 {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, w)
		}
	}
	if v.SetVersion != "features/v1" || v.EnterpriseID == 0 || len(v.Sources) == 0 {
		t.Errorf("vector header %s %d with %d sources", v.SetVersion, v.EnterpriseID, len(v.Sources))
	}
}

// factsQuery is the query Compute issues.
func factsQuery(id int64, asOf time.Time) facts.Query {
	return facts.Query{EnterpriseID: id, To: asOf, KnownAt: asOf, Limit: 100_000}
}
