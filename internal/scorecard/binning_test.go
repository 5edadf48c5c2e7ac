package scorecard

import (
	"math"
	"strconv"
	"testing"
)

func numColumn(name string, raw ...string) Column {
	c := Column{Name: name, Kind: Numeric, Raw: raw, Num: make([]float64, len(raw))}
	for i, r := range raw {
		c.Num[i] = math.NaN()
		if f, err := strconv.ParseFloat(r, 64); err == nil {
			c.Num[i] = f
		}
	}
	return c
}

func uppers(v Variable) []string {
	var u []string
	for _, b := range v.Bins {
		if b.Kind != BinRange {
			continue
		}
		if b.Upper == nil {
			u = append(u, "inf")
		} else {
			u = append(u, strconv.FormatFloat(*b.Upper, 'g', -1, 64))
		}
	}
	return u
}

func TestBinNumericMonotonic(t *testing.T) {
	t.Parallel()
	// Bad rates by value 1..8: 0 0 1 0 1 1 0 1. Pooling adjacent
	// violators (ascending) gives {1} {2} {3,4} {5,6,7} {8} with rates
	// 0, 0, 1/2, 2/3, 1.
	x := numColumn("x", "1", "2", "3", "4", "5", "6", "7", "8")
	y := []int{0, 0, 1, 0, 1, 1, 0, 1}
	tests := []struct {
		name string
		o    Options
		want []string
	}{
		{"ascending", Options{MinShare: 1e-9, MaxBins: 10, Trend: TrendAscending}, []string{"1", "2", "4", "7", "inf"}},
		{"auto picks ascending", Options{MinShare: 1e-9, MaxBins: 10}, []string{"1", "2", "4", "7", "inf"}},
		// Descending pools 1..6 (rate 1/2) and 7..8 (rate 1/2): equal rates are allowed.
		{"descending", Options{MinShare: 1e-9, MaxBins: 10, Trend: TrendDescending}, []string{"6", "inf"}},
		{"none keeps fine classes", Options{MinShare: 1e-9, MaxBins: 10, Trend: TrendNone}, []string{"1", "2", "3", "4", "5", "6", "7", "inf"}},
		// At least 2 rows a bin: {1} joins {2}, then {8} joins {5,6,7}.
		{"min share", Options{MinShare: 0.25, MaxBins: 10, Trend: TrendAscending}, []string{"2", "4", "inf"}},
		// Two bins: the closest pair by chi-square merges first ({1},{2}: 0), then {3,4},{5,6,7} (chi2 0.05 < 0.83 of {1,2},{3,4} and 0.83 of {5,6,7},{8}).
		{"max bins", Options{MinShare: 1e-9, MaxBins: 3, Trend: TrendAscending}, []string{"2", "7", "inf"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := BinVariable(x, y, tc.o)
			got := uppers(v)
			if len(got) != len(tc.want) {
				t.Fatalf("upper bounds %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("upper bounds %v, want %v", got, tc.want)
				}
			}
			// Range bins partition the line and every row is counted once.
			n := 0
			for _, b := range v.Bins {
				n += b.Count
			}
			if n != len(y) {
				t.Errorf("counted %d rows, want %d", n, len(y))
			}
		})
	}
}

func TestBinQuantileFineClasses(t *testing.T) {
	t.Parallel()
	var raw []string
	var y []int
	for i := range 1000 {
		raw = append(raw, strconv.Itoa(i))
		y = append(y, i%2)
	}
	v := BinVariable(numColumn("x", raw...), y, Options{FineBins: 4, MinShare: 1e-9, MaxBins: 10, Trend: TrendNone})
	got := uppers(v)
	want := []string{"249", "499", "749", "inf"}
	if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("quartile classes %v, want %v", got, want)
	}
}

// Hand example: a 3 bad / 1 good, b 1 bad / 3 good (B = G = 4), no
// missing, no special value. WOE_a = ln(3.5/4) - ln(1.5/4) = ln(7/3),
// IV_a = (3/4 - 1/4) ln(7/3); b is the mirror image; the empty missing and
// special bins stay with WOE 0.
func TestCategoricalWOEAndIV(t *testing.T) {
	t.Parallel()
	c := Column{Name: "c", Kind: Categorical, Raw: []string{"a", "a", "a", "a", "b", "b", "b", "b"}}
	y := []int{1, 1, 1, 0, 1, 0, 0, 0}
	v := BinVariable(c, y, Options{MinShare: 1e-9, Specials: []string{"-1"}})
	if len(v.Bins) != 4 {
		t.Fatalf("bins = %v", v.Bins)
	}
	b, a, miss, sp := v.Bins[0], v.Bins[1], v.Bins[2], v.Bins[3]
	if b.Label != "b" || a.Label != "a" {
		t.Fatalf("categories ordered by bad rate: %v", v.Bins)
	}
	near(t, "WOE a", a.WOE, math.Log(7.0/3), 1e-12)
	near(t, "WOE b", b.WOE, -math.Log(7.0/3), 1e-12)
	near(t, "IV a", a.IV, 0.5*math.Log(7.0/3), 1e-12)
	near(t, "IV", v.IV, math.Log(7.0/3), 1e-12)
	if miss.Kind != BinMissing || miss.Count != 0 || miss.WOE != 0 || sp.Kind != BinSpecial || sp.Special != "-1" || sp.Count != 0 {
		t.Errorf("missing and special bins must be kept empty: %v %v", miss, sp)
	}
}

// A cell with no goods gets a finite WOE from the smoothing count.
func TestWOESmoothing(t *testing.T) {
	t.Parallel()
	c := Column{Name: "c", Kind: Categorical, Raw: []string{"a", "a", "b", "b", "b", "NA"}}
	y := []int{1, 1, 0, 0, 1, 1}
	v := BinVariable(c, y, Options{MinShare: 1e-9})
	// B = 4, G = 2. a: 2 bad 0 good -> ln(2.5/4) - ln(0.5/2). missing: 1 bad -> ln(1.5/4) - ln(0.5/2).
	for _, b := range v.Bins {
		switch b.Label {
		case "a":
			near(t, "WOE a", b.WOE, math.Log(2.5/4)-math.Log(0.5/2), 1e-12)
		case "missing":
			near(t, "WOE missing", b.WOE, math.Log(1.5/4)-math.Log(0.5/2), 1e-12)
			if b.Count != 1 || b.Bad != 1 {
				t.Errorf("missing bin counts %+v", b)
			}
		}
	}
}

func TestSpecialValuesNumeric(t *testing.T) {
	t.Parallel()
	x := numColumn("x", "1", "2", "-999", "-999.0", "3", "", "4", "5")
	y := []int{0, 0, 1, 1, 0, 1, 1, 1}
	v := BinVariable(x, y, Options{MinShare: 1e-9, Specials: []string{"-999"}, Trend: TrendAscending})
	var sp, miss Bin
	for _, b := range v.Bins {
		switch b.Kind {
		case BinSpecial:
			sp = b
		case BinMissing:
			miss = b
		}
	}
	if sp.Count != 2 || sp.Bad != 2 || miss.Count != 1 {
		t.Fatalf("special %+v missing %+v", sp, miss)
	}
	// "-999.0" locates to the special bin too; -1 to the first range.
	for raw, kind := range map[string]BinKind{"-999.0": BinSpecial, "-1": BinRange, "NA": BinMissing} {
		i, _, err := v.Locate(raw, DefaultMissing)
		if err != nil || v.Bins[i].Kind != kind {
			t.Errorf("Locate(%q) = bin %d (%v), want %s", raw, i, err, kind)
		}
	}
	if _, _, err := v.Locate("abc", DefaultMissing); err == nil {
		t.Error("a non-number on a numeric variable must be an error")
	}
}

// TestRangeLabelsMatchLocate: a value equal to a bin's upper bound falls in
// that bin, so the label closes the bound; the last bin is open at +inf.
func TestRangeLabelsMatchLocate(t *testing.T) {
	t.Parallel()
	one, five := 1.0, 5.0
	cases := []struct {
		name   string
		lo, hi *float64
		want   string
	}{
		{"first", nil, &one, "(-inf, 1]"},
		{"middle", &one, &five, "(1, 5]"},
		{"last", &five, nil, "(5, +inf)"},
	}
	for _, c := range cases {
		if got := rangeLabel(c.lo, c.hi); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	v := Variable{Name: "x", Kind: Numeric, Bins: []Bin{
		{Kind: BinRange, Upper: &one, Label: rangeLabel(nil, &one)},
		{Kind: BinRange, Lower: &one, Upper: &five, Label: rangeLabel(&one, &five)},
		{Kind: BinRange, Lower: &five, Label: rangeLabel(&five, nil)},
	}}
	for raw, want := range map[string]int{"1": 0, "1.0001": 1, "5": 1, "5.5": 2} {
		bin, _, err := v.Locate(raw, nil)
		if err != nil || bin != want {
			t.Errorf("Locate(%s) = %d, %v; want bin %d %s", raw, bin, err, want, v.Bins[want].Label)
		}
	}
}
