package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// factItemsCases cover facts.Query.Items: several exact items of one
// enterprise in one read.
var factItemsCases = []testCase{
	{"LatestPeriod_is_the_last_period_of_the_items_named_or_zero", func(t *testing.T, h Harness) {
		s := h.Open(t)
		lr, ok := s.(interface {
			LatestPeriod(ctx context.Context, items []string) (time.Time, error)
		})
		if !ok {
			t.Fatalf("%T has no LatestPeriod (ingestion's unit check needs it)", s)
		}
		ids := enterpriseIDs(t, s, 2)
		latest := func(items ...string) time.Time {
			t.Helper()
			p, err := lr.LatestPeriod(ctx(t), items)
			must(t, err)
			return p
		}
		if p := latest("tax.vat_sales", "tax.paid_total"); !p.IsZero() {
			t.Fatalf("LatestPeriod of an empty store = %s, want zero", p)
		}
		must(t, s.AppendFacts(ctx(t), []facts.Fact{
			measure(ids[0], "tax.vat_sales", month(2025, time.March), 1),
			measure(ids[1], "tax.vat_sales", month(2025, time.May), 2),
			measure(ids[0], "tax.paid_total", month(2025, time.July), 3),
			measure(ids[1], "tax.paid", month(2026, time.January), 4), // a prefix of tax.paid_total: not it
		}))
		for _, c := range []struct {
			items []string
			want  time.Time
		}{
			{[]string{"tax.vat_sales"}, month(2025, time.May)},
			{[]string{"tax.vat_sales", "tax.paid_total"}, month(2025, time.July)},
			{[]string{"tax.paid_total", "si.insured_headcount"}, month(2025, time.July)},
			{[]string{"si.insured_headcount"}, time.Time{}},
			{nil, time.Time{}},
		} {
			if got := latest(c.items...); !got.Equal(c.want) {
				t.Errorf("LatestPeriod(%v) = %s, want %s", c.items, got, c.want)
			}
		}
	}},
	{"QueryFacts_Items_keeps_exactly_the_items_named_in_order_with_Item_dates_and_limit", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ids := enterpriseIDs(t, s, 2)
		var fs []facts.Fact
		for _, item := range []string{"tax.paid_total", "tax.credit_grade", "tax.vat_sales", "tax.paid", "si.insured_headcount"} {
			for m := time.January; m <= time.April; m++ {
				fs = append(fs, measure(ids[0], item, month(2025, m), int64(m)))
				fs = append(fs, measure(ids[1], item, month(2025, m), int64(m)))
			}
		}
		must(t, s.AppendFacts(ctx(t), fs))
		items := func(got []facts.Fact) []string {
			var out []string
			for _, f := range got {
				if f.EnterpriseID != ids[0] {
					t.Fatalf("fact of enterprise %d in a query of %d", f.EnterpriseID, ids[0])
				}
				if len(out) == 0 || out[len(out)-1] != f.Item {
					out = append(out, f.Item)
				}
			}
			return out
		}
		// "tax.paid" is a prefix of "tax.paid_total" as text: exact
		// items must not match as prefixes.
		got := queryFacts(t, s, facts.Query{EnterpriseID: ids[0], Items: []string{"tax.paid_total", "si.insured_headcount", "tax.paid"}})
		equal(t, "items (ordered by item)", items(got), []string{"si.insured_headcount", "tax.paid", "tax.paid_total"})
		if len(got) != 12 {
			t.Fatalf("got %d facts, want 3 items x 4 months", len(got))
		}
		if !slices.IsSortedFunc(got, func(a, b facts.Fact) int {
			if a.Item != b.Item {
				return compareStrings(a.Item, b.Item)
			}
			return a.Period.Compare(b.Period)
		}) {
			t.Fatalf("not ordered by item, period: %v", keys(got))
		}
		got = queryFacts(t, s, facts.Query{EnterpriseID: ids[0], Item: "tax.", Items: []string{"tax.credit_grade", "si.insured_headcount"},
			From: month(2025, time.February), To: month(2025, time.March)})
		equal(t, "Item prefix and Items together, within the dates", keys(got),
			[]string{"tax.credit_grade 2025-02-01 v1", "tax.credit_grade 2025-03-01 v1"})
		got = queryFacts(t, s, facts.Query{EnterpriseID: ids[0], Items: []string{"tax.vat_sales", "tax.credit_grade"}, Limit: 5})
		equal(t, "limit", keys(got), []string{"tax.credit_grade 2025-01-01 v1", "tax.credit_grade 2025-02-01 v1", "tax.credit_grade 2025-03-01 v1",
			"tax.credit_grade 2025-04-01 v1", "tax.vat_sales 2025-01-01 v1"})
		got = queryFacts(t, s, facts.Query{EnterpriseID: ids[0], Items: []string{"judicial.dishonest"}})
		if len(got) != 0 {
			t.Fatalf("an item with no facts returned %v", keys(got))
		}
	}},
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
