package indicator

import (
	"math"
	"slices"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// FuzzParse feeds the system loader arbitrary bytes. Whatever it accepts
// must evaluate any vector to a score in 0-100 with a grade of the scale
// (or none when everything is dropped), points that add up, and must
// survive a canonical round trip unchanged; whatever it refuses must be
// refused as Invalid, never with a panic. The default system (29 KB) is a
// seed, so give minimisation a bound:
//
//	go test ./internal/indicator -run XXX -fuzz FuzzParse -fuzzminimizetime 2s
func FuzzParse(f *testing.F) {
	f.Add(defaultJSON)
	if b, err := small().Canonical(); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"format":"creditbridge.indicator-system/v1"}`))
	f.Add([]byte(`{"dimensions":[{"indicators":[{"score":{"kind":"steps","steps":[{"from":1e308,"score":1}]}}]}]}`))
	f.Add([]byte(`[1,2]`))
	vectors := []struct {
		num map[string]float64
		cat map[string]string
	}{
		{nil, nil},
		{map[string]float64{"x": 50, "n": 2, "age_years": 3, "vat_sales_12m": 1e9, "loan_defaults": 0}, map[string]string{"g": "A", "tax_credit_grade": "B"}},
		{map[string]float64{"x": math.Inf(1), "n": math.Inf(-1), "age_years": math.NaN(), "g": -1e308}, map[string]string{"x": "text", "n": "yes"}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sys, err := Parse(data)
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("Parse refused with kind %v: %v", fault.KindOf(err), err)
			}
			return
		}
		for _, v := range vectors {
			r := sys.Evaluate(vec(v.num, v.cat))
			if !(r.Score >= 0 && r.Score <= 100) || !(r.Coverage >= 0 && r.Coverage <= 1) {
				t.Fatalf("score %v coverage %v out of range", r.Score, r.Coverage)
			}
			if r.Grade != "" && !slices.Contains(Grades, r.Grade) {
				t.Fatalf("grade %q is not on the scale", r.Grade)
			}
			var total float64
			for _, d := range r.Dimensions {
				total += d.Points
			}
			if math.Abs(total-r.Score) > 0.006 {
				t.Fatalf("dimension points sum to %v, score %v", total, r.Score)
			}
		}
		b1, err := sys.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(b1)
		if err != nil {
			t.Fatalf("canonical form of an accepted system is refused: %v", err)
		}
		b2, err := again.Canonical()
		if err != nil || string(b1) != string(b2) {
			t.Fatalf("canonical form changes on a round trip (%v)", err)
		}
	})
}
