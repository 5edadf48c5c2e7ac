package scorecard

import (
	"bytes"
	"math"
	"path/filepath"
	"testing"
)

func fp(x float64) *float64 { return &x }

// handModel is written by hand, not fitted: scoring reads nothing but the
// artefact. ln(odds of bad) = -1 + 0.5 WOE(age) + 1.0 WOE(region); 600
// points at 50:1, 20 to double the odds; points = -factor * coef * WOE.
func handModel() *Model {
	f := 20 / math.Ln2
	off := 600 - f*math.Log(50)
	return &Model{
		Schema: Schema, Target: "y", Bad: "1", Missing: DefaultMissing, Intercept: -1,
		Scaling:     Scaling{BaseScore: 600, BaseOdds: 50, PDO: 20, Factor: f, Offset: off, BasePoints: off + f},
		Calibration: Calibration{Method: "none"}, Grades: DefaultGrades,
		Variables: []Variable{
			{Name: "age", Kind: Numeric, Coefficient: 0.5, Bins: []Bin{
				{Kind: BinRange, Upper: fp(30), Count: 10, WOE: 0.8, Points: -f * 0.5 * 0.8},
				{Kind: BinRange, Lower: fp(30), Count: 10, WOE: -0.4, Points: f * 0.5 * 0.4},
				{Kind: BinMissing, Label: "missing"},
			}},
			{Name: "region", Kind: Categorical, Coefficient: 1, Bins: []Bin{
				{Kind: BinCategories, Categories: []string{"north"}, Count: 10, WOE: 0.5, Points: -f * 0.5},
				{Kind: BinCategories, Categories: []string{"south", "east"}, Count: 10, WOE: -0.25, Points: f * 0.25},
				{Kind: BinMissing, Label: "missing"},
			}},
		},
	}
}

// Age 25 from the north: ln odds = -1 + 0.4 + 0.5 = -0.1, PD =
// logistic(-0.1), score = offset + 0.1 * factor; against the best bins it
// loses 0.6 * factor on age and 0.75 * factor on region (first).
func TestHandWrittenArtefact(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := handModel().Write(&buf); err != nil {
		t.Fatal(err)
	}
	m, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	f := 20 / math.Ln2
	r, err := m.Score(func(c string) string { return map[string]string{"age": "25", "region": "north"}[c] }, 3)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "log odds", r.LogOdds, -0.1, 1e-12)
	near(t, "PD", r.PD, 1/(1+math.Exp(0.1)), 1e-12)
	near(t, "score", r.Score, m.Scaling.Offset+0.1*f, 1e-9)
	if r.Grade != "CC" { // 0.35 < PD 0.475 <= 0.55
		t.Errorf("grade %s, want CC", r.Grade)
	}
	if len(r.Reasons) != 2 || r.Reasons[0].Variable != "region" || r.Reasons[1].Variable != "age" {
		t.Fatalf("reasons %+v", r.Reasons)
	}
	near(t, "region lost", r.Reasons[0].Lost, 0.75*f, 1e-9)
	near(t, "age lost", r.Reasons[1].Lost, 0.6*f, 1e-9)
	// Missing values take the (empty) missing bins: 0 points, the base score.
	r, err = m.Score(func(string) string { return "" }, 3)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "all missing", r.Score, m.Scaling.BasePoints, 1e-9)
	// Age 30 is in the first bin: bins are (lower, upper].
	r, _ = m.Score(func(c string) string { return map[string]string{"age": "30", "region": "east"}[c] }, 3)
	near(t, "age 30 east", r.Score, m.Scaling.BasePoints-0.4*f+0.25*f, 1e-9)
}

func TestCheckRejectsBrokenBins(t *testing.T) {
	t.Parallel()
	for name, mutate := range map[string]func(m *Model){
		"gap in ranges":       func(m *Model) { m.Variables[0].Bins[1].Lower = fp(31) },
		"no upper end":        func(m *Model) { m.Variables[0].Bins[1].Upper = fp(99) },
		"range on category":   func(m *Model) { m.Variables[1].Bins[0].Kind = BinRange },
		"two missing bins":    func(m *Model) { m.Variables[1].Bins[0].Kind = BinMissing },
		"infinite points":     func(m *Model) { m.Variables[0].Bins[0].Points = math.Inf(1) },
		"zero factor":         func(m *Model) { m.Scaling.Factor = 0 },
		"grades out of order": func(m *Model) { m.Grades = []GradeBand{{"A", 0.5}, {"B", 0.1}} },
		"unknown bin kind":    func(m *Model) { m.Variables[0].Bins[2].Kind = "other" },
	} {
		m := handModel()
		mutate(m)
		if err := m.Check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := handModel().Check(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkScore times one scored row with reason codes on a model
// fitted to the German credit file (12 variables).
func BenchmarkScore(b *testing.B) {
	ds := filepath.Join("..", "..", "..", "shared", "datasets", "german-credit", "germancredit.csv")
	tb, err := ReadFile(ds)
	if err != nil {
		b.Skipf("SKIPPED: %v", err)
	}
	d, _ := NewDataset(tb, Spec{Target: "creditability", Bad: "bad"})
	m, err := Fit(d, Options{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	row := tb.Rows[1]
	get := func(c string) string { return row[tb.Col(c)] }
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Score(get, 3); err != nil {
			b.Fatal(err)
		}
	}
}
