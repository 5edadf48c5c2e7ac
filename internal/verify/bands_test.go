package verify

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
)

func TestBandScales(t *testing.T) {
	t.Parallel()
	cases := []struct {
		unit string
		x    float64
		want string
	}{
		{"yuan", 0, "<100k"}, {"yuan", 99_999.99, "<100k"}, {"yuan", 100_000, "100k-1M"}, {"yuan", 999_999, "100k-1M"},
		{"yuan", 1e6, "1M-10M"}, {"yuan", 5e7, "10M-100M"}, {"yuan", 1e8, ">=100M"}, {"yuan", -5, "<100k"},
		{"persons", 0, "0"}, {"persons", 1, "1-9"}, {"persons", 9, "1-9"}, {"persons", 10, "10-49"}, {"persons", 299, "50-299"},
		{"persons", 300, ">=300"},
		{"years", 0, "<1"}, {"years", 2, "1-3"}, {"years", 3, "3-5"}, {"years", 9, "5-10"}, {"years", 40, ">=10"},
	}
	for _, c := range cases {
		if got := Scales[c.unit].Label(c.x); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.unit, c.x, got, c.want)
		}
	}
	for unit, s := range Scales {
		if len(s.Labels) != len(s.Bounds)+1 || s.Unit != unit {
			t.Errorf("scale %s is malformed", unit)
		}
		for _, l := range s.Labels {
			if !IsBandLabel(l) || l == True || l == False || l == Unknown {
				t.Errorf("label %q", l)
			}
		}
	}
}

func TestCompileBand(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"band(tax_paid_12m)", "band( insured_headcount )", "band(years_since_founding)"} {
		q, err := Compile(text)
		if err != nil {
			t.Fatalf("Compile(%q): %v", text, err)
		}
		if q.Band() == nil || len(q.Vars) != 1 || len(q.Probes) != 2 || q.Probes[0].Item != q.Vars[0].Family() ||
			q.Probes[0].Value == q.Probes[1].Value {
			t.Fatalf("Compile(%q) = %+v", text, q)
		}
		if _, isNum := q.Probes[0].number(); isNum {
			t.Fatalf("a band probe must not count as a number for the narrowing check")
		}
	}
	for _, c := range []struct{ text, code string }{
		{"band(tax_credit_grade)", "verify.band_unsupported"},
		{"band(has_enforcement_case)", "verify.band_unsupported"},
		{"band(profit_12m)", "verify.unknown_variable"},
		{"band(tax_paid_12m) && has_enforcement_case", "verify.band_form"},
		{"band(tax_paid_12m, 5)", "verify.band_form"},
		{"band(tax_paid_12m) == \"<100k\"", "verify.band_form"},
	} {
		_, err := Compile(c.text)
		fe, ok := fault.As(err)
		if !ok || fe.Code != c.code {
			t.Errorf("Compile(%q): %v, want %s", c.text, err, c.code)
		}
	}
	// Not a band question: the yes/no language refuses band() elsewhere.
	if _, err := Compile("has_enforcement_case || band(tax_paid_12m)"); err == nil {
		t.Fatal("band() inside a condition was accepted")
	}
}

// A band costs two of the item's distinct thresholds: with a budget of 4,
// a band and two thresholds pass, a third threshold is refused; asking the
// band again costs nothing.
func TestBandCountsAsAThresholdPair(t *testing.T) {
	t.Parallel()
	l := Limits{Thresholds: 4, Window: 30 * 24 * time.Hour}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	band, _ := Compile("band(tax_paid_12m)")
	t1, _ := Compile("tax_paid_12m >= 1000000")
	t2, _ := Compile("tax_paid_12m >= 5000000")
	t3, _ := Compile("tax_paid_12m >= 9000000")
	var hist []Asked
	ask := func(q *Question) *Refusal {
		r := l.check(now, 0, time.Time{}, hist, 1, q.Probes)
		if r == nil {
			hist = append(hist, Asked{Probes: q.Probes, AskedAt: now})
		}
		return r
	}
	for i, q := range []*Question{band, t1, band, t2} {
		if r := ask(q); r != nil {
			t.Fatalf("question %d (%s) refused: %+v", i+1, q.Text, r)
		}
	}
	if r := ask(t3); r == nil || r.Code != "verify.limit_thresholds" {
		t.Fatalf("a fifth constant was not refused: %+v", r)
	}
}
