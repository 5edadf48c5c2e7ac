package storetest

import (
	"testing"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/store"
)

func ptr(n int64) *int64 { return &n }

// qualityFacts registers four enterprises (the last one revoked) and
// stores a small history: VAT sales and VAT paid for two months, one
// negative amount corrected by a later version, one VAT paid above sales,
// and two penalties, one of which ends before it starts and has no
// decision number.
func qualityFacts(t *testing.T, s store.Store) ([]int64, []string) {
	t.Helper()
	rs := records("320505", 1, 4)
	rs[3].Status = enterprise.StatusRevoked
	must(t, s.CreateEnterprises(ctx(t), rs))
	id := ids(rs, func(r *enterprise.Record) int64 { return r.ID })
	codes := []string{rs[0].Code, rs[1].Code, rs[2].Code, rs[3].Code}
	sep, oct := month(2026, 9), month(2026, 10)
	fs := []facts.Fact{
		// September: everyone reported.
		measure(id[0], "tax.vat_sales", sep, 1000), measure(id[1], "tax.vat_sales", sep, 2000),
		measure(id[2], "tax.vat_sales", sep, 3000), measure(id[3], "tax.vat_sales", sep, 4000),
		// October: enterprise 2 is missing; enterprise 1 sent -5 first,
		// then corrected it; enterprise 0 sent -7 (uncorrected).
		measure(id[0], "tax.vat_sales", oct, -7), measure(id[1], "tax.vat_sales", oct, -5),
		measure(id[3], "tax.vat_sales", oct, 100),
		measure(id[0], "tax.vat_paid", oct, 5), measure(id[1], "tax.vat_paid", oct, 10), measure(id[3], "tax.vat_paid", oct, 101),
	}
	fix := measure(id[1], "tax.vat_sales", oct, 500)
	fix.Version, fix.ReceivedAt = 2, utc(2026, 11, 20, 10, 0, 0, 0)
	fs = append(fs, fix)
	p1 := facts.Fact{EnterpriseID: id[0], Item: "penalty.administrative", Shape: facts.Event, Period: day(2025, 3, 1),
		EndsOn: day(2025, 1, 1), Num: 100, Source: "samr", ReceivedAt: utc(2025, 3, 2, 0, 0, 0, 0), Version: 1}
	p2 := facts.Fact{EnterpriseID: id[1], Item: "penalty.administrative", Shape: facts.Event, Period: day(2025, 3, 1),
		EndsOn: day(2026, 3, 1), Ref: "苏市监罚〔2025〕1号", Num: 100, Source: "samr", ReceivedAt: utc(2025, 3, 2, 0, 0, 0, 0), Version: 1}
	fs = append(fs, p1, p2)
	must(t, s.AppendFacts(ctx(t), fs))
	return id, codes
}

func qualityRun(rulesVersion int64) *quality.Run {
	return &quality.Run{Trigger: quality.TriggerManual, RulesVersion: rulesVersion, AsOf: utc(2026, 12, 1, 0, 0, 0, 1),
		StartedAt: utc(2026, 12, 1, 0, 0, 1, 2), FinishedAt: utc(2026, 12, 1, 0, 0, 2, 3), ActorName: "admin", Rules: 2, Failing: 1,
		Coverage: []quality.Coverage{{Item: "tax.vat_sales", Department: "tax", Frequency: "monthly", Expected: month(2026, 10),
			LastPeriod: month(2026, 10), LastReceived: utc(2026, 11, 20, 10, 0, 0, 0), Reporters: 2, Active: 3, Freshness: quality.OnTime},
			{Item: "util.gas_m3", Department: "gas", Frequency: "monthly", Expected: month(2026, 10), Active: 3, Freshness: quality.Stale}},
		Results: []quality.Result{
			{RuleID: "tax.vat_sales.non_negative", Kind: quality.KindRange, Item: "tax.vat_sales", Department: "tax", Status: quality.Fail,
				Checked: 7, Failed: 1, Examples: []quality.Example{{Code: "91320505MA0000001X", Period: month(2026, 10), Value: -7}}},
			{RuleID: "hf.headcount.le_insured", Kind: quality.KindConsistency, Item: "hf.headcount", Other: "si.insured_headcount",
				Department: "hf", Status: quality.Pass, Checked: 0, Failed: 0, Examples: []quality.Example{}},
		}}
}

var qualityCases = []testCase{
	{"QualityRules_round_trip_versions_and_stale_base_is_Conflict", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.CurrentQualityRules(ctx(t))
		wantFault(t, err, fault.NotFound, "quality.no_rules")
		rs := quality.RuleSet{WindowMonths: 3, Examples: 5, AuthorName: "system", Reason: "defaults", CreatedAt: utc(2026, 11, 1, 8, 0, 0, 5),
			Rules: []quality.Rule{{ID: "tax.vat_sales.non_negative", Kind: quality.KindRange, Item: "tax.vat_sales", Min: ptr(0)}}}
		must(t, s.PutQualityRules(ctx(t), &rs, 0))
		got, err := s.CurrentQualityRules(ctx(t))
		must(t, err)
		equal(t, "CurrentQualityRules", got, rs)
		wantFault(t, s.PutQualityRules(ctx(t), &quality.RuleSet{Reason: "late", Rules: rs.Rules}, 0), fault.Conflict, "quality.rules_stale")
		rs2 := rs
		rs2.Rules = append([]quality.Rule{}, rs.Rules...)
		rs2.Rules[0].Max = ptr(10)
		rs2.AuthorUserID, rs2.Reason = 7, "upper bound"
		must(t, s.PutQualityRules(ctx(t), &rs2, 1))
		got, err = s.CurrentQualityRules(ctx(t))
		must(t, err)
		if got.Version != 2 || got.Rules[0].Max == nil || *got.Rules[0].Max != 10 || got.AuthorUserID != 7 {
			t.Fatalf("current after second put = %+v, want version 2 with max 10 by user 7", got)
		}
	}},
	{"CountOperating_and_QualityCoverage_count_operating_reporters", func(t *testing.T, h Harness) {
		s := h.Open(t)
		qualityFacts(t, s)
		n, err := s.CountOperating(ctx(t))
		must(t, err)
		if n != 3 {
			t.Fatalf("CountOperating = %d, want 3", n)
		}
		c, err := s.QualityCoverage(ctx(t), quality.CoverageQuery{Item: "tax.vat_sales", Period: month(2026, 10), Since: month(2026, 9)})
		must(t, err)
		// Enterprises 0 and 1 reported October (1 twice); 3 did too but is revoked.
		equal(t, "coverage", c, quality.ItemCoverage{Reporters: 2, LastPeriod: month(2026, 10), LastReceived: utc(2026, 11, 20, 10, 0, 0, 0)})
		c, err = s.QualityCoverage(ctx(t), quality.CoverageQuery{Item: "util.gas_m3", Period: month(2026, 10), Since: month(2026, 9)})
		must(t, err)
		equal(t, "coverage of an item never reported", c, quality.ItemCoverage{})
	}},
	{"QualityCheck_counts_current_versions_and_names_examples", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, codes := qualityFacts(t, s)
		check := func(c quality.Check) quality.Outcome {
			t.Helper()
			out, err := s.QualityCheck(ctx(t), c)
			must(t, err)
			return out
		}
		// Range: 7 current October+September values; only -7 fails (the
		// -5 was corrected to 500).
		got := check(quality.Check{Kind: "range", Item: "tax.vat_sales", From: month(2026, 9), Min: ptr(0), Examples: 5})
		equal(t, "range", got, quality.Outcome{Checked: 7, Failed: 1,
			Examples: []quality.Example{{Code: codes[0], Period: month(2026, 10), Value: -7}}})
		got = check(quality.Check{Kind: "range", Item: "tax.vat_sales", From: month(2026, 10), Max: ptr(1000), Examples: 5})
		equal(t, "range within the window", got, quality.Outcome{Checked: 3})
		// VAT paid ≤ sales: 5 > -7 and 101 > 100 fail; 10 ≤ 500 passes.
		got = check(quality.Check{Kind: "le", Item: "tax.vat_paid", Other: "tax.vat_sales", From: month(2026, 9), Examples: 5})
		equal(t, "le", got, quality.Outcome{Checked: 3, Failed: 2, Examples: []quality.Example{
			{Code: codes[0], Period: month(2026, 10), Value: 5, Other: -7}, {Code: codes[3], Period: month(2026, 10), Value: 101, Other: 100}}})
		got = check(quality.Check{Kind: "le", Item: "tax.vat_paid", Other: "tax.vat_sales", From: month(2026, 9), Tolerance: 1, Examples: 1})
		equal(t, "le with tolerance and one example", got, quality.Outcome{Checked: 3, Failed: 1, Examples: []quality.Example{
			{Code: codes[0], Period: month(2026, 10), Value: 5, Other: -7}}})
		got = check(quality.Check{Kind: "ends_after_start", Item: "penalty.administrative", Examples: 5})
		equal(t, "ends_after_start", got, quality.Outcome{Checked: 2, Failed: 1, Examples: []quality.Example{
			{Code: codes[0], Period: day(2025, 3, 1), Value: 100, EndsOn: day(2025, 1, 1)}}})
		got = check(quality.Check{Kind: "required", Item: "penalty.administrative", Fields: []string{"ref"}, Examples: 5})
		equal(t, "required", got, quality.Outcome{Checked: 2, Failed: 1, Examples: []quality.Example{
			{Code: codes[0], Period: day(2025, 3, 1), Value: 100, EndsOn: day(2025, 1, 1)}}})
		got = check(quality.Check{Kind: "missing", Item: "tax.vat_sales", Previous: month(2026, 9), Period: month(2026, 10), Examples: 5})
		equal(t, "missing", got, quality.Outcome{Examples: []quality.Example{{Code: codes[2], Period: month(2026, 10)}}})
		_, err := s.QualityCheck(ctx(t), quality.Check{Kind: "nonsense", Item: "tax.vat_sales"})
		wantFault(t, err, fault.Invalid, "quality.check")
	}},
	{"CreateQualityRun_round_trips_and_LatestQualityRuns_keeps_the_newest_per_scope", func(t *testing.T, h Harness) {
		s := h.Open(t)
		runs, err := s.LatestQualityRuns(ctx(t))
		must(t, err)
		if len(runs) != 0 {
			t.Fatalf("LatestQualityRuns on an empty store = %+v", runs)
		}
		first := qualityRun(1)
		must(t, s.CreateQualityRun(ctx(t), first))
		second := qualityRun(1)
		second.Failing = 0
		second.Results[0].Status = quality.Pass
		must(t, s.CreateQualityRun(ctx(t), second))
		dept := qualityRun(1)
		dept.Scope, dept.Trigger, dept.Dataset = "tax", quality.TriggerBatch, "tax/纳税人申报信息"
		dept.Coverage, dept.Results = dept.Coverage[:1], dept.Results[:1]
		must(t, s.CreateQualityRun(ctx(t), dept))
		if first.ID == 0 || second.ID <= first.ID || dept.ID <= second.ID {
			t.Fatalf("run ids %d, %d, %d: want increasing", first.ID, second.ID, dept.ID)
		}
		runs, err = s.LatestQualityRuns(ctx(t))
		must(t, err)
		equal(t, "LatestQualityRuns", runs, []quality.Run{*dept, *second})
	}},
	{"CreateQualityRun_rolls_back_with_its_transaction", func(t *testing.T, h Harness) {
		s := h.Open(t)
		err := s.InTx(ctx(t), func(tx store.Store) error {
			must(t, tx.CreateQualityRun(ctx(t), qualityRun(1)))
			return errStop
		})
		if err != errStop {
			t.Fatalf("InTx = %v, want errStop", err)
		}
		runs, err := s.LatestQualityRuns(ctx(t))
		must(t, err)
		if len(runs) != 0 {
			t.Fatalf("a rolled-back run is visible: %+v", runs)
		}
	}},
}
