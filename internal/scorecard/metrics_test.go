package scorecard

import (
	"math"
	"testing"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.10g, want %.10g (±%g)", name, got, want, tol)
	}
}

// The worked example, by hand. Positives X = {0.9, 0.8, 0.4}, negatives
// Y = {0.7, 0.4, 0.2, 0.1}. psi(X_i, Y_j) gives V10 = {1, 1, 2.5/4} and
// V01 = {2/3, 5/6, 1, 1}, so AUC = 2.625/3 = 7/8. S10 = (2*(1/8)^2 +
// (1/4)^2)/2 = 3/64; S01 = (25+1+9+9)/576/3 = 11/432; Var = S10/3 +
// S01/4 = 1/64 + 11/1728 = 19/864.
func TestDeLongWorkedExample(t *testing.T) {
	t.Parallel()
	y := []int{1, 1, 1, 0, 0, 0, 0}
	s := []float64{0.9, 0.8, 0.4, 0.7, 0.4, 0.2, 0.1}
	auc, se := DeLong(y, s)
	near(t, "AUC", auc, 7.0/8, 1e-12)
	near(t, "variance", se*se, 19.0/864, 1e-12)
	// The O(mn) definition agrees.
	var sum float64
	for i := range y {
		for j := range y {
			if y[i] == 1 && y[j] == 0 {
				switch {
				case s[i] > s[j]:
					sum++
				case s[i] == s[j]:
					sum += 0.5
				}
			}
		}
	}
	near(t, "AUC by pairs", sum/12, auc, 1e-12)
	r := Evaluate(y, s)
	near(t, "Gini", r.Gini, 0.75, 1e-12)
	z := 1.959963984540054
	near(t, "CI low", r.AUCLow, 7.0/8-z*math.Sqrt(19.0/864), 1e-9)
	near(t, "CI high", r.AUCHigh, 1, 0) // clipped
}

// Cumulative shares after each distinct score (ascending): negatives
// 1/4, 2/4, 3/4, 1, 1, 1; positives 0, 0, 1/3, 1/3, 2/3, 1; the largest
// gap is 2/3 after 0.7.
func TestKS(t *testing.T) {
	t.Parallel()
	y := []int{1, 1, 1, 0, 0, 0, 0}
	s := []float64{0.9, 0.8, 0.4, 0.7, 0.4, 0.2, 0.1}
	near(t, "KS", KS(y, s), 2.0/3, 1e-12)
	near(t, "KS perfect", KS([]int{0, 0, 1}, []float64{1, 2, 3}), 1, 0)
	near(t, "KS all tied", KS([]int{0, 1, 0, 1}, []float64{5, 5, 5, 5}), 0, 0)
}

func TestPSI(t *testing.T) {
	t.Parallel()
	// (0.25-0.5) ln(0.5) + (0.75-0.5) ln(1.5) = 0.25 ln 3.
	near(t, "PSI", PSI([]float64{0.5, 0.5}, []float64{0.25, 0.75}), 0.25*math.Log(3), 1e-12)
	near(t, "PSI same", PSI([]float64{0.2, 0.8}, []float64{0.2, 0.8}), 0, 0)
	// An empty band reads as 1e-4: (1e-4 - 0.5) ln(1e-4/0.5) + (1 - 0.5) ln 2.
	near(t, "PSI empty band", PSI([]float64{0.5, 0.5}, []float64{0, 1}), (1e-4-0.5)*math.Log(1e-4/0.5)+0.5*math.Log(2), 1e-12)
}

func TestBrierAndCalibration(t *testing.T) {
	t.Parallel()
	r := Evaluate([]int{1, 0}, []float64{0.8, 0.3})
	near(t, "Brier", r.Brier, (0.04+0.09)/2, 1e-12)
	rows, ece := CalibrationTable([]int{1, 1, 0, 1}, []float64{0.9, 0.2, 0.1, 0.6}, 2)
	if len(rows) != 2 || rows[0].Rows != 2 || rows[1].Rows != 2 {
		t.Fatalf("groups = %+v", rows)
	}
	near(t, "group 1 mean PD", rows[0].MeanPD, 0.15, 1e-12)
	near(t, "group 1 bad rate", rows[0].BadRate, 0.5, 1e-12)
	near(t, "group 2 mean PD", rows[1].MeanPD, 0.75, 1e-12)
	near(t, "group 2 bad rate", rows[1].BadRate, 1, 1e-12)
	near(t, "ECE", ece, 0.5*0.35+0.5*0.25, 1e-12)
	rows, _ = CalibrationTable(make([]int, 23), make([]float64, 23), 10)
	n := 0
	for _, r := range rows {
		n += r.Rows
	}
	if len(rows) != 10 || n != 23 || rows[0].Rows != 3 || rows[9].Rows != 2 {
		t.Errorf("23 rows in 10 groups: %+v", rows)
	}
}

func TestBandShares(t *testing.T) {
	t.Parallel()
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	e := decileEdges(x)
	if len(e) != 9 || e[0] != 1 || e[8] != 9 {
		t.Fatalf("edges = %v", e)
	}
	if sh := bandShares(x, e); sh[0] != 0.1 || sh[9] != 0.1 {
		t.Errorf("training shares = %v", sh)
	}
	sh := bandShares([]float64{0, 2, 2.5, 11}, e)
	if sh[0] != 0.25 || sh[1] != 0.25 || sh[2] != 0.25 || sh[9] != 0.25 {
		t.Errorf("shares = %v", sh)
	}
}
