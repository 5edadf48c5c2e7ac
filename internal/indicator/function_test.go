package indicator

import (
	"math"
	"testing"
)

func ptr(x float64) *float64 { return &x }

func TestPiecewiseScoresBreakpointsInterpolatesAndHoldsEnds(t *testing.T) {
	t.Parallel()
	f := Function{Kind: KindPiecewise, Points: []Point{{0, 20}, {1, 40}, {3, 60}, {10, 100}}}
	cases := []struct {
		name string
		x    float64
		want float64
	}{
		{"below the first breakpoint holds its score", -5, 20},
		{"minus infinity holds the first score", math.Inf(-1), 20},
		{"at the first breakpoint", 0, 20},
		{"half way in the first segment", 0.5, 30},
		{"at an inner breakpoint", 1, 40},
		{"just above an inner breakpoint", 1.0000001, 40.00001},
		{"a quarter into the second segment", 1.5, 45},
		{"at the last breakpoint", 10, 100},
		{"above the last breakpoint holds its score", 1e9, 100},
		{"plus infinity holds the last score", math.Inf(1), 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := f.scoreNum(c.x); math.Abs(got-c.want) > 1e-4 {
				t.Fatalf("score(%v) = %v, want %v", c.x, got, c.want)
			}
		})
	}
}

func TestStepsScoresTheLastThresholdReached(t *testing.T) {
	t.Parallel()
	f := Function{Kind: KindSteps, Below: ptr(100), Steps: []Step{{0, 100}, {1, 60}, {3, 30}, {6, 0}}}
	cases := []struct {
		name string
		x    float64
		want float64
	}{
		{"below the first threshold scores Below", -1, 100},
		{"at 0", 0, 100},
		{"just under 1", 0.999, 100},
		{"at 1 (boundary belongs to the step)", 1, 60},
		{"at 2", 2, 60},
		{"at 3", 3, 30},
		{"just under 6", 5.999, 30},
		{"at 6", 6, 0},
		{"far above", 120, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := f.scoreNum(c.x); got != c.want {
				t.Fatalf("score(%v) = %v, want %v", c.x, got, c.want)
			}
		})
	}
}

func TestCategoricalMapsAndScoresOtherValues(t *testing.T) {
	t.Parallel()
	f := Function{Kind: KindCategorical, Map: map[string]float64{"A": 100, "B": 80, "M": 60, "C": 30, "D": 0}, Other: ptr(50)}
	for c, want := range map[string]float64{"A": 100, "B": 80, "M": 60, "C": 30, "D": 0, "N": 50, "a": 50, "": 50} {
		if got := f.scoreCat(c); got != want {
			t.Errorf("score(%q) = %v, want %v", c, got, want)
		}
	}
}

func TestCountPenaltyStartsAt100AndStopsAtTheFloor(t *testing.T) {
	t.Parallel()
	f := Function{Kind: KindCountPenalty, PerEvent: 25, Floor: 10}
	cases := []struct {
		n, want float64
	}{{0, 100}, {-2, 100}, {1, 75}, {2, 50}, {3, 25}, {4, 10}, {40, 10}, {math.Inf(1), 10}}
	for _, c := range cases {
		if got := f.scoreNum(c.n); got != c.want {
			t.Errorf("score(%v events) = %v, want %v", c.n, got, c.want)
		}
	}
}

func TestBooleanScoresYesAndNo(t *testing.T) {
	t.Parallel()
	f := Function{Kind: KindBoolean, True: ptr(100), False: ptr(40)}
	for x, want := range map[float64]float64{1: 100, 0: 40, -1: 100, 0.5: 100} {
		if got := f.scoreNum(x); got != want {
			t.Errorf("score(%v) = %v, want %v", x, got, want)
		}
	}
	for s, want := range map[string]bool{"true": true, "YES": true, "1": true, "是": true, "false": false, "no": false, "0": false, "否": false} {
		if got, ok := boolText(s); !ok || got != want {
			t.Errorf("boolText(%q) = %v, %v; want %v, true", s, got, ok, want)
		}
	}
	if _, ok := boolText("maybe"); ok {
		t.Error(`boolText("maybe") is read; want not readable`)
	}
}

// A function declared increasing (decreasing) never scores a larger value
// lower (higher), on a dense grid across and beyond its breakpoints; the
// default system's functions are checked the same way.
func TestDeclaredTrendsHoldEverywhere(t *testing.T) {
	t.Parallel()
	fns := map[string]Function{
		"piecewise increasing": {Kind: KindPiecewise, Trend: Increasing, Points: []Point{{-0.5, 10}, {-0.2, 40}, {0, 65}, {0.2, 85}, {0.5, 100}}},
		"piecewise decreasing": {Kind: KindPiecewise, Trend: Decreasing, Points: []Point{{0, 100}, {10, 100}, {30, 20}}},
		"steps decreasing":     {Kind: KindSteps, Trend: Decreasing, Below: ptr(100), Steps: []Step{{0, 100}, {1, 60}, {3, 30}, {6, 0}}},
		"count penalty":        {Kind: KindCountPenalty, Trend: Decreasing, PerEvent: 30},
	}
	sys, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range sys.Dimensions {
		for _, in := range d.Indicators {
			if in.Score.Trend != "" {
				fns["default "+in.Code] = in.Score
			}
			if in.Score.Kind == KindCountPenalty {
				f := in.Score
				f.Trend = Decreasing // a count penalty always decreases
				fns["default "+in.Code] = f
			}
		}
	}
	for name, f := range fns {
		t.Run(name, func(t *testing.T) {
			lo, hi := -1.0, 1.0
			for _, p := range f.Points {
				lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
			}
			for _, s := range f.Steps {
				lo, hi = math.Min(lo, s.From), math.Max(hi, s.From)
			}
			if f.Kind == KindCountPenalty {
				lo, hi = 0, 20
			}
			span := hi - lo
			lo, hi = lo-span/2, hi+span/2
			prev := f.scoreNum(lo)
			for i := 1; i <= 4000; i++ {
				x := lo + (hi-lo)*float64(i)/4000
				s := f.scoreNum(x)
				if s < 0 || s > 100 {
					t.Fatalf("score(%v) = %v, outside 0-100", x, s)
				}
				if (f.Trend == Increasing && s < prev) || (f.Trend == Decreasing && s > prev) {
					t.Fatalf("score(%v) = %v after %v: breaks the %s trend", x, s, prev, f.Trend)
				}
				prev = s
			}
		})
	}
}

func TestDescribeSaysTheFunctionInBothLanguages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f      Function
		wantEN string
		wantZH string
	}{
		{Function{Kind: KindPiecewise, Points: []Point{{0, 20}, {50000000, 40}}}, "linear between 0 → 20, 50000000 → 40; the end scores beyond the ends", "分段线性：0 → 20，50000000 → 40；两端之外取端点分"},
		{Function{Kind: KindSteps, Below: ptr(100), Steps: []Step{{0, 100}, {1, 60}}}, "thresholds: below 0: 100; ≥ 0: 100; ≥ 1: 60", "分档：低于 0：100；≥ 0：100；≥ 1：60"},
		{Function{Kind: KindCategorical, Map: map[string]float64{"B": 80, "A": 100}, Other: ptr(50)}, "A → 100, B → 80; any other value → 50", "A → 100，B → 80；其他取值 → 50"},
		{Function{Kind: KindCountPenalty, PerEvent: 25}, "none → 100; 25 less per event, not below 0", "无记录 → 100；每条扣 25 分，最低 0"},
		{Function{Kind: KindBoolean, True: ptr(100), False: ptr(40)}, "yes → 100, no → 40", "是 → 100，否 → 40"},
	}
	for _, c := range cases {
		en, zh := c.f.Describe()
		if en != c.wantEN || zh != c.wantZH {
			t.Errorf("%s: Describe() = %q, %q; want %q, %q", c.f.Kind, en, zh, c.wantEN, c.wantZH)
		}
	}
}
