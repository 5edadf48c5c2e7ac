package indicator

import (
	"math"
	"reflect"
	"testing"

	"github.com/creditbridge/creditbridge/internal/features"
)

func cuts() []Cut {
	return []Cut{{"AAA", 90}, {"AA", 80}, {"A", 70}, {"BBB", 60}, {"BB", 50}, {"B", 40}, {"CCC", 30}, {"CC", 20}, {"C", 0}}
}

// small is a two-dimension system whose results are easy to work out by
// hand: scale (weight 60) = level x (piecewise 0→0 … 100→100, missing
// scores 40) and grade (A 100, B 50, other 0, missing dropped), half each;
// record (weight 40) = events n (50 less per event, missing dropped).
func small() *System {
	return &System{Format: Format, Version: "test/v1", NameZH: "测试", NameEN: "Test", Grades: cuts(),
		Dimensions: []Dimension{
			{Code: "scale", NameZH: "规模", NameEN: "Scale", Weight: 60, Indicators: []Indicator{
				{Code: "level", Feature: "x", NameZH: "水平", NameEN: "Level", ExplainZH: "说明", ExplainEN: "Explanation", Weight: 50,
					Score:   Function{Kind: KindPiecewise, Trend: Increasing, Points: []Point{{0, 0}, {100, 100}}},
					Missing: Missing{Policy: MissingScore, Score: ptr(40)}},
				{Code: "grade", Feature: "g", NameZH: "等级", NameEN: "Grade", ExplainZH: "说明", ExplainEN: "Explanation", Weight: 50,
					Score:   Function{Kind: KindCategorical, Map: map[string]float64{"A": 100, "B": 50}, Other: ptr(0)},
					Missing: Missing{Policy: MissingDrop}},
			}},
			{Code: "record", NameZH: "记录", NameEN: "Record", Weight: 40, Indicators: []Indicator{
				{Code: "events", Feature: "n", NameZH: "事件", NameEN: "Events", ExplainZH: "说明", ExplainEN: "Explanation", Weight: 100,
					Score:   Function{Kind: KindCountPenalty, PerEvent: 50},
					Missing: Missing{Policy: MissingDrop}},
			}},
		}}
}

func vec(num map[string]float64, cat map[string]string) features.Vector {
	return features.Vector{EnterpriseID: 7, SetVersion: "features/test", Num: num, Cat: cat}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestSmallSystemIsValid(t *testing.T) {
	t.Parallel()
	if err := small().Validate(map[string]bool{"x": true, "g": true, "n": true}); err != nil {
		t.Fatal(err)
	}
}

func TestEvaluateWeightsMissingPoliciesAndDimensionContributions(t *testing.T) {
	t.Parallel()
	type ind struct {
		status string
		score  float64
		eff    float64
		points float64
	}
	type dim struct {
		score, eff, points, share float64
		dropped                   bool
		inds                      []ind
	}
	cases := []struct {
		name     string
		v        features.Vector
		score    float64
		grade    string
		coverage float64
		dims     []dim
	}{
		{"everything present", vec(map[string]float64{"x": 80, "n": 1}, map[string]string{"g": "A"}), 74, "A", 1,
			[]dim{{90, 60, 54, 54.0 / 74, false, []ind{{StatusScored, 80, 50, 24}, {StatusScored, 100, 50, 30}}},
				{50, 40, 20, 20.0 / 74, false, []ind{{StatusScored, 50, 100, 20}}}}},
		{"a dropped indicator's weight goes to its dimension's others", vec(map[string]float64{"x": 80, "n": 1}, nil), 68, "BBB", 0.7,
			[]dim{{80, 60, 48, 48.0 / 68, false, []ind{{StatusScored, 80, 100, 48}, {StatusDropped, 0, 0, 0}}},
				{50, 40, 20, 20.0 / 68, false, []ind{{StatusScored, 50, 100, 20}}}}},
		{"a missing indicator with a score policy gets that score", vec(map[string]float64{"n": 1}, map[string]string{"g": "A"}), 62, "BBB", 0.7,
			[]dim{{70, 60, 42, 42.0 / 62, false, []ind{{StatusMissing, 40, 50, 12}, {StatusScored, 100, 50, 30}}},
				{50, 40, 20, 20.0 / 62, false, []ind{{StatusScored, 50, 100, 20}}}}},
		{"a dimension with every indicator dropped is left out", vec(map[string]float64{"x": 80}, map[string]string{"g": "A"}), 90, "AAA", 0.6,
			[]dim{{90, 100, 90, 1, false, []ind{{StatusScored, 80, 50, 40}, {StatusScored, 100, 50, 50}}},
				{0, 0, 0, 0, true, []ind{{StatusDropped, 0, 0, 0}}}}},
		{"NaN is missing, a number written as text is read", vec(map[string]float64{"x": math.NaN()}, map[string]string{"g": "B", "n": "2"}), 27, "CC", 0.7,
			[]dim{{45, 60, 27, 1, false, []ind{{StatusMissing, 40, 50, 12}, {StatusScored, 50, 50, 15}}},
				{0, 40, 0, 0, false, []ind{{StatusScored, 0, 100, 0}}}}},
		{"an unmapped category scores Other, a number is a category too", vec(map[string]float64{"x": 100, "g": 1, "n": 0}, nil), 70, "A", 1,
			[]dim{{50, 60, 30, 30.0 / 70, false, []ind{{StatusScored, 100, 50, 30}, {StatusScored, 0, 50, 0}}},
				{100, 40, 40, 40.0 / 70, false, []ind{{StatusScored, 100, 100, 40}}}}},
	}
	sys := small()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sys.Evaluate(c.v)
			if r.SystemVersion != "test/v1" || r.FeatureSet != "features/test" {
				t.Errorf("versions = %q, %q", r.SystemVersion, r.FeatureSet)
			}
			if !near(r.Score, c.score) || r.Grade != c.grade || !near(r.Coverage, c.coverage) {
				t.Fatalf("score %v grade %q coverage %v; want %v %q %v", r.Score, r.Grade, r.Coverage, c.score, c.grade, c.coverage)
			}
			var total float64
			for i, want := range c.dims {
				got := r.Dimensions[i]
				if !near(got.Score, want.score) || !near(got.EffectiveWeight, want.eff) || !near(got.Points, want.points) ||
					!near(got.Share, want.share) || got.Dropped != want.dropped {
					t.Errorf("dimension %s = score %v eff %v points %v share %v dropped %v; want %+v", got.Code, got.Score,
						got.EffectiveWeight, got.Points, got.Share, got.Dropped, want)
				}
				var sum float64
				for j, wi := range want.inds {
					gi := got.Indicators[j]
					if gi.Status != wi.status || !near(gi.Score, wi.score) || !near(gi.EffectiveWeight, wi.eff) || !near(gi.Points, wi.points) {
						t.Errorf("indicator %s = %s %v eff %v points %v; want %+v", gi.Code, gi.Status, gi.Score, gi.EffectiveWeight, gi.Points, wi)
					}
					sum += gi.Points
				}
				if !near(sum, got.Points) {
					t.Errorf("dimension %s: indicator points sum to %v, dimension points %v", got.Code, sum, got.Points)
				}
				total += got.Points
			}
			if !near(total, r.Score) {
				t.Errorf("dimension points sum to %v, score %v", total, r.Score)
			}
		})
	}
}

func TestEvaluateWithEverythingDroppedHasNoGrade(t *testing.T) {
	t.Parallel()
	sys := small()
	sys.Dimensions[0].Indicators[0].Missing = Missing{Policy: MissingDrop}
	r := sys.Evaluate(vec(nil, nil))
	if r.Score != 0 || r.Grade != "" || r.Coverage != 0 {
		t.Fatalf("score %v grade %q coverage %v; want 0, no grade, 0", r.Score, r.Grade, r.Coverage)
	}
	for _, d := range r.Dimensions {
		if !d.Dropped || d.Points != 0 || d.EffectiveWeight != 0 {
			t.Errorf("dimension %s = %+v; want dropped with no points", d.Code, d)
		}
	}
}

func TestEvaluateIsDeterministicAndLeavesTheVectorAlone(t *testing.T) {
	t.Parallel()
	sys := small()
	num := map[string]float64{"x": 33.3, "n": 1}
	cat := map[string]string{"g": "B"}
	a := sys.Evaluate(vec(num, cat))
	b := sys.Evaluate(vec(num, cat))
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two evaluations differ:\n%+v\n%+v", a, b)
	}
	if len(num) != 2 || len(cat) != 1 || num["x"] != 33.3 {
		t.Fatal("Evaluate changed the vector")
	}
}

func TestGradeCutOffs(t *testing.T) {
	t.Parallel()
	sys := small()
	cases := []struct {
		score float64
		want  string
	}{
		{100, "AAA"}, {90, "AAA"}, {89.99, "AA"}, {80, "AA"}, {79.99, "A"}, {70, "A"}, {69.99, "BBB"}, {60, "BBB"},
		{59.99, "BB"}, {50, "BB"}, {49.99, "B"}, {40, "B"}, {39.99, "CCC"}, {30, "CCC"}, {29.99, "CC"}, {20, "CC"},
		{19.99, "C"}, {0, "C"},
	}
	for _, c := range cases {
		if got := sys.Grade(c.score); got != c.want {
			t.Errorf("Grade(%v) = %q, want %q", c.score, got, c.want)
		}
	}
	// The score is rounded to 0.01 before grading: 89.996 is 90.00, AAA.
	sys.Dimensions = sys.Dimensions[:1]
	sys.Dimensions[0].Weight = 100
	sys.Dimensions[0].Indicators = sys.Dimensions[0].Indicators[:1]
	sys.Dimensions[0].Indicators[0].Weight = 100
	if r := sys.Evaluate(vec(map[string]float64{"x": 89.996}, nil)); r.Score != 90 || r.Grade != "AAA" {
		t.Errorf("x 89.996: score %v grade %q, want 90 AAA", r.Score, r.Grade)
	}
	if r := sys.Evaluate(vec(map[string]float64{"x": 89.994}, nil)); r.Score != 89.99 || r.Grade != "AA" {
		t.Errorf("x 89.994: score %v grade %q, want 89.99 AA", r.Score, r.Grade)
	}
}

// knownFeatures is the feature set's names: the default system must refer
// to features that exist.
func knownFeatures(t testing.TB) map[string]bool {
	t.Helper()
	set, err := features.DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, d := range set.Defs {
		known[d.Name] = true
	}
	return known
}

func TestDefaultSystemFitsTheFeatureSet(t *testing.T) {
	t.Parallel()
	sys, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.Validate(knownFeatures(t)); err != nil {
		t.Fatalf("the default system does not fit the default feature set: %v", err)
	}
	set, err := features.DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	if sys.FeatureSet != set.Version {
		t.Errorf("default system written for %q, the feature set is %q", sys.FeatureSet, set.Version)
	}
	var codes []string
	for _, d := range sys.Dimensions {
		codes = append(codes, d.Code)
	}
	if want := []string{"identity", "operating", "compliance", "innovation", "financing"}; !reflect.DeepEqual(codes, want) {
		t.Errorf("dimensions %v, want %v", codes, want)
	}
}

func TestDefaultSystemOrdersAStrongFirmAboveAWeakOne(t *testing.T) {
	t.Parallel()
	sys, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	strong := vec(map[string]float64{"age_years": 12, "registration_changes_36m": 0, "exit_events": 0, "vat_sales_12m": 3e9,
		"vat_sales_trend_6m": 0.15, "vat_zero_months_12m": 0, "tax_paid_12m": 2e8, "si_headcount": 80, "si_headcount_trend_6m": 0.05,
		"hf_headcount": 60, "electricity_yoy_3m": 0.1, "water_yoy_3m": 0.05, "tax_arrears_months_12m": 0, "si_arrears_months_12m": 0,
		"hf_arrears_months_12m": 0, "util_arrears_months_12m": 0, "penalties_36m": 0, "judgments_36m": 0, "enforcements_open": 0,
		"dishonest_active": 0, "abnormal_list_active": 0, "serious_list_active": 0, "honours_active": 1, "licences_active": 3,
		"loan_defaults": 0, "loan_max_days_overdue_36m": 0, "loans_36m": 2, "lenders_36m": 1},
		map[string]string{"tax_credit_grade": "A"})
	weak := vec(map[string]float64{"age_years": 0.5, "registration_changes_36m": 5, "exit_events": 0, "vat_sales_12m": 1e6,
		"vat_sales_trend_6m": -0.6, "vat_zero_months_12m": 7, "tax_paid_12m": 0, "si_headcount": 1, "si_headcount_trend_6m": -0.5,
		"electricity_yoy_3m": -0.6, "tax_arrears_months_12m": 5, "si_arrears_months_12m": 4, "util_arrears_months_12m": 2,
		"penalties_36m": 3, "days_since_penalty": 40, "judgments_36m": 2, "enforcements_open": 1, "dishonest_active": 1,
		"abnormal_list_active": 1, "serious_list_active": 0, "honours_active": 0, "licences_active": 0,
		"loan_defaults": 1, "loan_max_days_overdue_36m": 200, "loans_36m": 3, "lenders_36m": 4},
		map[string]string{"tax_credit_grade": "D"})
	rs, rw := sys.Evaluate(strong), sys.Evaluate(weak)
	if rs.Grade != "AAA" && rs.Grade != "AA" {
		t.Errorf("strong firm: %v %s, want AAA or AA", rs.Score, rs.Grade)
	}
	if rw.Score >= 30 {
		t.Errorf("weak firm: %v %s, want below 30 (CC or C)", rw.Score, rw.Grade)
	}
	// days_since_penalty is missing (never penalised) and scored 100 by
	// its policy: 5 % of compliance's 30 % is not from present data.
	if !near(rs.Coverage, 1-0.05*0.30) {
		t.Errorf("strong firm coverage %v, want 0.985", rs.Coverage)
	}
	// A firm with no data at all still gets a result, from the missing
	// policies alone, with no weight from present data.
	empty := sys.Evaluate(vec(nil, nil))
	if empty.Coverage != 0 || empty.Grade == "" {
		t.Errorf("empty vector: coverage %v grade %q; want 0 and a grade from the missing policies", empty.Coverage, empty.Grade)
	}
	for _, d := range empty.Dimensions {
		if d.Code == "financing" && !d.Dropped {
			t.Error("empty vector: financing behaviour is not dropped (every financing indicator drops when missing)")
		}
	}
}

func BenchmarkEvaluateDefault(b *testing.B) {
	sys, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	v := vec(map[string]float64{"age_years": 6, "vat_sales_12m": 4e8, "tax_paid_12m": 3e7, "si_headcount": 12, "penalties_36m": 1,
		"loan_defaults": 0, "loan_max_days_overdue_36m": 12}, map[string]string{"tax_credit_grade": "B"})
	b.ReportAllocs()
	for b.Loop() {
		_ = sys.Evaluate(v)
	}
}
