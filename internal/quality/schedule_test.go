package quality

import (
	"strings"
	"testing"
	"time"
)

func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

func TestExpectedPeriod(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, freq string
		now        time.Time
		grace      int
		want       time.Time
	}{
		{"monthly before the grace ends", "monthly", d(2026, 11, 20), 25, d(2026, 9, 1)},
		{"monthly on the day the grace ends", "monthly", d(2026, 11, 26), 25, d(2026, 10, 1)},
		{"monthly across a year", "monthly", d(2027, 1, 10), 5, d(2026, 12, 1)},
		{"quarterly", "quarterly", d(2026, 11, 15), 40, d(2026, 7, 1)},
		{"quarterly before the grace ends", "quarterly", d(2026, 11, 5), 40, d(2026, 4, 1)},
		{"yearly", "yearly", d(2026, 6, 1), 120, d(2025, 1, 1)},
		{"daily", "daily", d(2026, 6, 10).Add(3 * time.Hour), 1, d(2026, 6, 8)},
		{"events have no schedule", "event", d(2026, 6, 10), 30, time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ExpectedPeriod(c.freq, c.now, c.grace); !got.Equal(c.want) {
				t.Fatalf("ExpectedPeriod(%s, %v, %d) = %v, want %v", c.freq, c.now, c.grace, got, c.want)
			}
		})
	}
}

func TestFreshness(t *testing.T) {
	t.Parallel()
	exp := d(2026, 10, 1)
	for _, c := range []struct {
		last time.Time
		want string
	}{
		{d(2026, 10, 1), OnTime}, {d(2026, 11, 1), OnTime}, {d(2026, 9, 1), Late}, {d(2026, 8, 1), Stale}, {time.Time{}, Stale},
	} {
		if got := Freshness("monthly", exp, c.last); got != c.want {
			t.Errorf("Freshness(monthly, %v, %v) = %s, want %s", exp, c.last, got, c.want)
		}
	}
	if got := Freshness("event", time.Time{}, d(2026, 1, 1)); got != NoSchedule {
		t.Errorf("Freshness of an event = %s, want %s", got, NoSchedule)
	}
}

func TestSchedulerNext(t *testing.T) {
	t.Parallel()
	s := &Scheduler{At: 2 * time.Hour} // 02:00 Beijing = 18:00 UTC the day before
	for _, c := range []struct{ now, want time.Time }{
		{d(2026, 11, 27).Add(10 * time.Hour), d(2026, 11, 27).Add(18 * time.Hour)},
		{d(2026, 11, 27).Add(18 * time.Hour), d(2026, 11, 28).Add(18 * time.Hour)},
		{d(2026, 11, 27).Add(19 * time.Hour), d(2026, 11, 28).Add(18 * time.Hour)},
	} {
		if got := s.Next(c.now); !got.Equal(c.want) {
			t.Errorf("Next(%v) = %v, want %v", c.now, got, c.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	items := map[string]string{"tax.vat_sales": "measure", "penalty.administrative": "event"}
	min, max := int64(5), int64(1)
	rs := RuleSet{Rules: []Rule{
		{ID: "a", Kind: KindRange, Item: "tax.vat_sales", Min: &min, Max: &max},
		{ID: "b.ok", Kind: "nonsense", Item: "tax.vat_sales"},
		{ID: "b.ok", Kind: KindCompleteness, Item: "penalty.administrative", MinRate: 2},
		{ID: "c", Kind: KindConsistency, Item: "tax.vat_sales", Check: CheckLE, Other: "tax.unknown"},
		{ID: "d", Kind: KindRequired, Item: "nope", Fields: []string{"colour"}},
	}}
	_, err := Validate(rs, items)
	if err == nil {
		t.Fatal("Validate accepted a broken rule set")
	}
	for _, want := range []string{"rules[0].id", "rules[0].max", "rules[1].kind", "rules[2].id", "rules[2].min_rate", "rules[2].item",
		"rules[3].other", "rules[4].item", "rules[4].fields"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error does not name %s: %v", want, err)
		}
	}
	good, err := Validate(RuleSet{Rules: []Rule{{ID: "tax.vat_sales.non_negative", Kind: KindRange, Item: "tax.vat_sales", Min: &max}}}, items)
	if err != nil || good.WindowMonths != 3 || good.Examples != 5 {
		t.Fatalf("Validate(good) = %+v, %v; want defaults window 3, examples 5", good, err)
	}
	def, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	if len(def.Rules) < 40 {
		t.Fatalf("the default rule set has %d rules", len(def.Rules))
	}
}
