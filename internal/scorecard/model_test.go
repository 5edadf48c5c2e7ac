package scorecard

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// One binary predictor without penalty: the MLE is closed form. x = 0: 1
// bad in 4, x = 1: 3 bad in 4, so b0 = ln(1/3) and b1 = ln 3 - ln(1/3).
func TestFitLogisticClosedForm(t *testing.T) {
	t.Parallel()
	x := [][]float64{{0}, {0}, {0}, {0}, {1}, {1}, {1}, {1}}
	y := []int{1, 0, 0, 0, 1, 1, 1, 0}
	b0, b, err := FitLogistic(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "b0", b0, -math.Log(3), 1e-8)
	near(t, "b1", b[0], 2*math.Log(3), 1e-8)
	// The ridge penalty shrinks the slope, not the intercept's role.
	_, br, err := FitLogistic(x, y, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !(br[0] > 0 && br[0] < b[0]) {
		t.Errorf("penalised slope %v, want in (0, %v)", br[0], b[0])
	}
}

const toyCSV = `id,age,region,status
1,22,north,bad
2,25,north,bad
3,31,south,good
4,35,south,good
5,41,north,good
6,23,east,bad
7,52,south,good
8,,east,good
9,29,north,bad
10,60,south,good
11,45,east,good
12,27,north,bad
13,38,south,good
14,33,east,bad
15,48,north,good
16,26,south,good
`

func toyModel(t *testing.T, o Options) (*Model, *Table) {
	t.Helper()
	tb, err := ParseCSV([]byte(toyCSV))
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDataset(tb, Spec{Target: "status", Bad: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.col("age").Kind != Numeric || d.col("region").Kind != Categorical || d.col("id") != nil {
		t.Fatalf("typing: %+v", d.Vars)
	}
	if o.MinShare == 0 {
		o.MinShare = 0.1
	}
	m, err := Fit(d, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, tb
}

func TestScalingAndPoints(t *testing.T) {
	t.Parallel()
	m, tb := toyModel(t, Options{})
	f := 20 / math.Ln2
	near(t, "factor", m.Scaling.Factor, f, 1e-12)
	near(t, "offset", m.Scaling.Offset, 600-f*math.Log(50), 1e-9)
	res, err := m.ScoreTable(tb, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		// Score is the sum of points and equals Offset + Factor ln(odds of good).
		sum := m.Scaling.BasePoints
		for _, c := range r.Contributions {
			sum += c.Points
		}
		near(t, "score = base + points", r.Score, sum, 1e-9)
		near(t, "score from PD", r.Score, m.Scaling.Offset+f*math.Log((1-r.PD)/r.PD), 1e-6)
		if i == 0 && r.Grade == "" {
			t.Error("no grade")
		}
	}
	// Twice the odds of good is PDO more points.
	p1 := 1 / (1 + 50.0) // odds 50:1 at the base score
	near(t, "base odds", m.Scaling.Offset+f*math.Log((1-p1)/p1), 600, 1e-9)
	near(t, "double odds", m.Scaling.Offset+f*math.Log(100), 620, 1e-9)
}

func TestReasonCodes(t *testing.T) {
	t.Parallel()
	m, _ := toyModel(t, Options{})
	for _, v := range m.Variables {
		if v.Coefficient <= 0 {
			t.Fatalf("variable %s: coefficient %v", v.Name, v.Coefficient)
		}
	}
	r, err := m.Score(func(c string) string { return map[string]string{"age": "22", "region": "north"}[c] }, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Contributions {
		best := math.Inf(-1)
		for _, v := range m.Variables {
			if v.Name == c.Variable {
				for _, b := range v.Bins {
					if b.Count > 0 {
						best = math.Max(best, b.Points)
					}
				}
			}
		}
		near(t, "lost "+c.Variable, c.Lost, best-c.Points, 1e-9)
	}
	if !slices.IsSortedFunc(r.Reasons, func(a, b Contribution) int { return -cmpF(a.Lost, b.Lost) }) {
		t.Errorf("reasons not by points lost: %+v", r.Reasons)
	}
	if len(r.Reasons) == 0 {
		t.Fatal("a young applicant from the north must lose points somewhere")
	}
	// The best applicant has no reasons.
	best, err := m.Score(func(c string) string { return map[string]string{"age": "60", "region": "south"}[c] }, 5)
	if err != nil {
		t.Fatal(err)
	}
	if best.Score <= r.Score || len(best.Reasons) != 0 {
		t.Errorf("best applicant score %v reasons %+v (other %v)", best.Score, best.Reasons, r.Score)
	}
	// An unseen category scores as missing and says so.
	u, err := m.Score(func(c string) string { return map[string]string{"age": "30", "region": "west"}[c] }, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range u.Contributions {
		if c.Variable == "region" && (!c.Unseen || c.Bin != "missing") {
			t.Errorf("unseen category: %+v", c)
		}
	}
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// The artefact scores the same after a JSON round trip, and Load refuses
// what it cannot score.
func TestArtefactRoundTrip(t *testing.T) {
	t.Parallel()
	for _, cal := range []string{"none", "platt", "isotonic"} {
		t.Run(cal, func(t *testing.T) {
			m, tb := toyModel(t, Options{Calibration: cal, Holdout: 0.3, Seed: 3})
			var buf bytes.Buffer
			if err := m.Write(&buf); err != nil {
				t.Fatal(err)
			}
			l, err := Load(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			a, _ := m.ScoreTable(tb, 3)
			b, err := l.ScoreTable(tb, 3)
			if err != nil {
				t.Fatal(err)
			}
			for i := range a {
				if a[i].Score != b[i].Score || a[i].PD != b[i].PD || len(a[i].Reasons) != len(b[i].Reasons) {
					t.Fatalf("row %d: %+v vs %+v", i, a[i], b[i])
				}
			}
			if l.Training.SHA256 != tb.SHA256 || len(tb.SHA256) != 64 || l.Calibration.Method != cal {
				t.Errorf("fingerprint %q calibration %q", l.Training.SHA256, l.Calibration.Method)
			}
			if cal != "none" && (l.Metrics.Holdout == nil || l.Calibration.Holdout == 0) {
				t.Error("calibrated model without holdout figures")
			}
		})
	}
	m, _ := toyModel(t, Options{})
	var buf bytes.Buffer
	_ = m.Write(&buf)
	good := buf.String()
	bad := map[string]string{
		"schema":      strings.Replace(good, Schema, "creditbridge.scorecard/v0", 1),
		"calibration": strings.Replace(good, `"method": "none"`, `"method": "magic"`, 1),
		"no missing":  strings.Replace(good, `"kind": "missing"`, `"kind": "categories"`, -1),
		"truncated":   good[:len(good)/2],
	}
	for name, s := range bad {
		if _, err := Load(strings.NewReader(s)); err == nil {
			t.Errorf("%s: Load accepted a broken artefact", name)
		}
	}
}

func TestScoreTableNeedsColumns(t *testing.T) {
	t.Parallel()
	m, _ := toyModel(t, Options{})
	tb, _ := ParseCSV([]byte("id,other\n1,2\n"))
	if _, err := m.ScoreTable(tb, 3); err == nil {
		t.Error("scoring data without the model's columns must fail")
	}
	tb, _ = ParseCSV([]byte("age,region\nold,north\n"))
	if _, err := m.ScoreTable(tb, 3); err == nil || !strings.Contains(err.Error(), "row 2") {
		t.Errorf("a non-number in a numeric column: %v", err)
	}
}

func TestStratifiedFolds(t *testing.T) {
	t.Parallel()
	y := make([]int, 103)
	for i := range 31 {
		y[i*3] = 1
	}
	a, err := StratifiedFolds(y, 10, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := StratifiedFolds(y, 10, 7)
	c, _ := StratifiedFolds(y, 10, 8)
	if !slices.Equal(a, b) {
		t.Error("the same seed must give the same folds")
	}
	if slices.Equal(a, c) {
		t.Error("another seed should give other folds")
	}
	bad, all := make([]int, 10), make([]int, 10)
	for i, f := range a {
		all[f]++
		bad[f] += y[i]
	}
	if slices.Max(bad)-slices.Min(bad) > 1 || slices.Max(all)-slices.Min(all) > 1 {
		t.Errorf("folds not stratified: bad %v all %v", bad, all)
	}
	if _, err := StratifiedFolds([]int{1, 0, 0}, 2, 1); err == nil {
		t.Error("a class smaller than the fold count must be refused")
	}
}

func TestSelection(t *testing.T) {
	t.Parallel()
	// age2 duplicates age: the correlation filter drops one; noise has no IV.
	var b strings.Builder
	b.WriteString("age,age2,noise,y\n")
	for i := range 400 {
		age := 20 + i%50
		bad := 0
		if (i*7919)%100 < 70-age {
			bad = 1
		}
		b.WriteString(strings.Join([]string{itoa(age), itoa(age * 2), itoa(i % 2), itoa(bad)}, ",") + "\n")
	}
	tb, _ := ParseCSV([]byte(b.String()))
	d, err := NewDataset(tb, Spec{Target: "y", Bad: "1"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Fit(d, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	why := map[string]string{}
	for _, c := range m.Candidates {
		why[c.Name] = c.Dropped
	}
	if len(m.Variables) != 1 || !strings.Contains(why["age2"]+why["age"], "correlation") || !strings.Contains(why["noise"], "IV") {
		t.Errorf("selection: %+v", m.Candidates)
	}
	// A later sample whose age moved is unstable.
	var l strings.Builder
	l.WriteString("age,age2,noise,y\n")
	for i := range 400 {
		age := 60 + i%10
		l.WriteString(strings.Join([]string{itoa(age), itoa(age * 2), itoa(i % 2), "0"}, ",") + "\n")
	}
	lt, _ := ParseCSV([]byte(l.String()))
	later := &Dataset{}
	for _, name := range []string{"age", "age2", "noise"} {
		i := lt.Col(name)
		c := Column{Name: name}
		for _, r := range lt.Rows {
			c.Raw = append(c.Raw, r[i])
		}
		later.Vars = append(later.Vars, c)
	}
	if _, err := Fit(d, Options{}, later); err == nil || !strings.Contains(err.Error(), "no variable") {
		t.Errorf("every informative variable moved: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestValidatePSI(t *testing.T) {
	t.Parallel()
	m, tb := toyModel(t, Options{})
	v, err := m.Validate(tb)
	if err != nil {
		t.Fatal(err)
	}
	// The training population against itself: no shift, and the in-sample report.
	near(t, "score PSI", v.ScorePSI, 0, 1e-12)
	for name, p := range v.VariablePSI {
		near(t, "PSI "+name, p, 0, 1e-12)
	}
	if v.Performance == nil || v.Performance.AUC != m.Metrics.Training.AUC {
		t.Errorf("performance %+v, training %+v", v.Performance, m.Metrics.Training)
	}
	// Everyone old and from the south: the population moved.
	shifted, _ := ParseCSV([]byte("age,region\n70,south\n71,south\n72,south\n"))
	v, err = m.Validate(shifted)
	if err != nil {
		t.Fatal(err)
	}
	if v.ScorePSI < 0.25 || v.Performance != nil {
		t.Errorf("shifted population: %+v", v)
	}
}

// Platt scaling recovers a known distortion: outcomes follow logit z, the
// model says 2z - 1, so PD = logistic(A * (2z - 1) + B) needs A = 1/2 and
// B = 1/2. Isotonic steps are non-decreasing and strictly inside (0, 1).
func TestCalibrationFits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	n := 20000
	res := make([]Result, n)
	y := make([]int, n)
	for i := range n {
		z := rng.NormFloat64() * 1.5
		res[i].LogOdds = 2*z - 1
		if rng.Float64() < logistic(z) {
			y[i] = 1
		}
	}
	var m Model
	if err := m.calibrate("platt", res, y); err != nil {
		t.Fatal(err)
	}
	near(t, "Platt A", m.Calibration.A, 0.5, 0.03)
	near(t, "Platt B", m.Calibration.B, 0.5, 0.05)
	platt := m.Calibration
	if err := m.calibrate("isotonic", res, y); err != nil {
		t.Fatal(err)
	}
	c := m.Calibration
	if len(c.X) < 5 || !slices.IsSorted(c.X) || !slices.IsSorted(c.Y) || c.Y[0] <= 0 || c.Y[len(c.Y)-1] >= 1 {
		t.Fatalf("isotonic steps x %v y %v", c.X, c.Y)
	}
	// The calibrated PD tracks the true probability.
	for _, z := range []float64{-2, 0, 2} {
		near(t, "isotonic PD", c.apply(2*z-1), logistic(z), 0.06)
		near(t, "Platt PD", platt.apply(2*z-1), logistic(z), 0.06)
	}
}
