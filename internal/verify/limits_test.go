package verify

import (
	"testing"
	"time"
)

// ask runs questions one after another through Limits.check, recording
// each allowed one, and returns the index of the first refusal (-1 if
// none) and its code.
func ask(t *testing.T, l Limits, texts ...string) (int, string) {
	t.Helper()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var hist []Asked
	for i, text := range texts {
		q, err := Compile(text)
		if err != nil {
			t.Fatalf("Compile(%q): %v", text, err)
		}
		if r := l.check(now, len(hist), now, hist, 1, q.Probes); r != nil {
			if r.ResetsAt.Before(now) {
				t.Fatalf("refusal %s resets at %s, before now", r.Code, r.ResetsAt)
			}
			return i, r.Code
		}
		hist = append(hist, Asked{Question: text, Probes: q.Probes, AskedAt: now})
		now = now.Add(time.Minute)
	}
	return -1, ""
}

func TestLimitsRefuseSearchesAndPassHonestUse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		texts  []string
		at     int // index refused, -1 none
		reason string
	}{
		{"honest_different_questions", []string{"tax_paid_12m >= 1000000", "vat_sales_12m between 5000000 and 20000000",
			"insured_headcount between 10 and 50", "has_enforcement_case == false", `tax_credit_grade in ["A", "B"]`, "years_since_founding >= 3"}, -1, ""},
		{"same_question_again", []string{"tax_paid_12m >= 1000000", "tax_paid_12m >= 1000000", "tax_paid_12m >= 1000000", "tax_paid_12m >= 1000000", "tax_paid_12m >= 1000000"}, -1, ""},
		{"evenly_spaced_thresholds", []string{"tax_paid_12m >= 1000000", "tax_paid_12m >= 2000000", "tax_paid_12m >= 3000000"}, -1, ""},
		{"bisection_down", []string{"tax_paid_12m >= 50000000", "tax_paid_12m >= 25000000", "tax_paid_12m >= 12500000", "tax_paid_12m >= 6250000"}, 2, "verify.limit_narrowing"},
		{"bisection_alternating", []string{"insured_headcount >= 100", "insured_headcount >= 50", "insured_headcount >= 75"}, 2, "verify.limit_narrowing"},
		{"range_then_inside", []string{"vat_sales_12m between 5000000 and 20000000", "vat_sales_12m >= 10000000"}, 1, "verify.limit_narrowing"},
		{"too_many_thresholds", []string{"tax_paid_12m >= 1000000", "tax_paid_12m >= 2000000", "tax_paid_12m >= 3000000", "tax_paid_12m >= 4000000", "tax_paid_12m >= 5000000"}, 4, "verify.limit_thresholds"},
		{"guessing_exact_values", []string{"insured_headcount == 10", "insured_headcount == 20", "insured_headcount == 30", "insured_headcount == 40", "insured_headcount == 50"}, 4, "verify.limit_thresholds"},
		{"guessing_grades", []string{`tax_credit_grade == "A"`, `tax_credit_grade == "B"`, `tax_credit_grade == "M"`, `tax_credit_grade == "C"`, `tax_credit_grade == "D"`}, 4, "verify.limit_thresholds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			at, code := ask(t, DefaultLimits(), c.texts...)
			if at != c.at || code != c.reason {
				t.Fatalf("refused at %d (%q), want %d (%q)", at, code, c.at, c.reason)
			}
		})
	}
}

func TestLimitsPerDayAndWindow(t *testing.T) {
	t.Parallel()
	l := DefaultLimits()
	l.PerEnterpriseDay = 3
	at, code := ask(t, l, "has_enforcement_case == false", "arrears_any_12m == false", "years_since_founding >= 3", "has_enforcement_case")
	if at != 3 || code != "verify.limit_enterprise_day" {
		t.Fatalf("refused at %d (%q), want 3 verify.limit_enterprise_day", at, code)
	}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if r := l.check(now, l.PerDay, now.Add(-time.Hour), nil, 1, nil); r == nil || r.Code != "verify.limit_institution_day" ||
		!r.ResetsAt.Equal(now.Add(23*time.Hour)) {
		t.Fatalf("institution day limit: %+v", r)
	}
	// Thresholds asked before the window no longer count.
	old := []Asked{}
	for _, v := range []string{"1", "2", "3", "4"} {
		old = append(old, Asked{Probes: []Probe{{Item: "tax.paid_total", Variable: "tax_paid_12m", Value: v + "000000"}}, AskedAt: now.Add(-l.Window - time.Hour)})
	}
	q, _ := Compile("tax_paid_12m >= 9000000")
	if r := l.check(now, 0, time.Time{}, old, 1, q.Probes); r != nil {
		t.Fatalf("old thresholds still counted: %+v", r)
	}
}
