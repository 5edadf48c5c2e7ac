package scorecard

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Report is the discrimination and calibration of probabilities pd
// against outcomes y (1 = bad).
type Report struct {
	Rows int `json:"rows"`
	Bad  int `json:"bad"`
	// AUC is the probability that a random bad has a higher PD than a
	// random good (ties count one half); AUCLow/AUCHigh the 95% interval
	// from DeLong's variance (normal approximation, clipped to [0, 1]).
	AUC       float64 `json:"auc"`
	AUCStdErr float64 `json:"auc_std_err"`
	AUCLow    float64 `json:"auc_ci_low"`
	AUCHigh   float64 `json:"auc_ci_high"`
	KS        float64 `json:"ks"`
	Gini      float64 `json:"gini"`
	Brier     float64 `json:"brier"`
	// ECE is the expected calibration error over the Calibration deciles:
	// sum over deciles of rows/N * |bad rate - mean PD|.
	ECE         float64          `json:"ece"`
	Calibration []CalibrationRow `json:"calibration"`
}

// CalibrationRow is one decile of PD (sorted ascending, equal counts).
type CalibrationRow struct {
	Rows    int     `json:"rows"`
	MeanPD  float64 `json:"mean_pd"`
	BadRate float64 `json:"bad_rate"`
}

// Evaluate computes the report. y and pd have the same length and both
// classes occur (else AUC-based fields are NaN-free zeros).
func Evaluate(y []int, pd []float64) Report {
	r := Report{Rows: len(y)}
	for i, v := range y {
		r.Bad += v
		d := pd[i] - float64(v)
		r.Brier += d * d
	}
	if len(y) > 0 {
		r.Brier /= float64(len(y))
	}
	if r.Bad > 0 && r.Bad < len(y) {
		r.AUC, r.AUCStdErr = DeLong(y, pd)
		z := distuv.UnitNormal.Quantile(0.975)
		r.AUCLow = math.Max(0, r.AUC-z*r.AUCStdErr)
		r.AUCHigh = math.Min(1, r.AUC+z*r.AUCStdErr)
		r.Gini = 2*r.AUC - 1
		r.KS = KS(y, pd)
	}
	r.Calibration, r.ECE = CalibrationTable(y, pd, 10)
	return r
}

// midranks returns 1-based ranks of x, ties getting their average rank.
func midranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1 .. j
		for k := i; k < j; k++ {
			r[idx[k]] = avg
		}
		i = j
	}
	return r
}

// DeLong returns the AUC of scores s for outcomes y (1 = positive, scored
// high) and its standard error by DeLong, DeLong and Clarke-Pearson
// (1988), computed from midranks (Sun and Xu, 2014): with m positives X
// and n negatives Y, V10_i = (rank of X_i among all - rank among X) / n,
// V01_j = 1 - (rank of Y_j among all - rank among Y) / m, AUC = mean V10,
// Var = S10/m + S01/n with S the sample variances (denominator m-1, n-1).
func DeLong(y []int, s []float64) (auc, se float64) {
	var xs, ys []float64
	for i, v := range y {
		if v == 1 {
			xs = append(xs, s[i])
		} else {
			ys = append(ys, s[i])
		}
	}
	m, n := len(xs), len(ys)
	if m == 0 || n == 0 {
		return math.NaN(), math.NaN()
	}
	all := midranks(append(append([]float64{}, xs...), ys...))
	rx, ry := midranks(xs), midranks(ys)
	v10 := make([]float64, m)
	v01 := make([]float64, n)
	for i := range xs {
		v10[i] = (all[i] - rx[i]) / float64(n)
		auc += v10[i]
	}
	auc /= float64(m)
	for j := range ys {
		v01[j] = 1 - (all[m+j]-ry[j])/float64(m)
	}
	var s10, s01 float64
	for _, v := range v10 {
		s10 += (v - auc) * (v - auc)
	}
	for _, v := range v01 {
		s01 += (v - auc) * (v - auc)
	}
	if m > 1 {
		s10 /= float64(m - 1)
	}
	if n > 1 {
		s01 /= float64(n - 1)
	}
	return auc, math.Sqrt(s10/float64(m) + s01/float64(n))
}

// KS is the Kolmogorov-Smirnov statistic: the largest distance between
// the cumulative score distributions of positives and negatives,
// evaluated between distinct score values.
func KS(y []int, s []float64) float64 {
	idx := make([]int, len(s))
	var P, N float64
	for i := range idx {
		idx[i] = i
		if y[i] == 1 {
			P++
		} else {
			N++
		}
	}
	if P == 0 || N == 0 {
		return 0
	}
	sort.Slice(idx, func(a, b int) bool { return s[idx[a]] < s[idx[b]] })
	var cp, cn, ks float64
	for k, i := range idx {
		if y[i] == 1 {
			cp++
		} else {
			cn++
		}
		if k == len(idx)-1 || s[idx[k+1]] != s[i] {
			ks = math.Max(ks, math.Abs(cp/P-cn/N))
		}
	}
	return ks
}

// CalibrationTable sorts by pd, splits into groups of equal count (the
// first len%groups groups one larger) and returns each group's mean PD
// and bad rate, and the expected calibration error.
func CalibrationTable(y []int, pd []float64, groups int) ([]CalibrationRow, float64) {
	n := len(y)
	if n == 0 {
		return nil, 0
	}
	groups = min(groups, n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return pd[idx[a]] < pd[idx[b]] })
	rows := make([]CalibrationRow, 0, groups)
	ece, at := 0.0, 0
	for g := range groups {
		size := n / groups
		if g < n%groups {
			size++
		}
		var sp, sb float64
		for _, i := range idx[at : at+size] {
			sp += pd[i]
			sb += float64(y[i])
		}
		at += size
		row := CalibrationRow{Rows: size, MeanPD: sp / float64(size), BadRate: sb / float64(size)}
		ece += float64(size) / float64(n) * math.Abs(row.BadRate-row.MeanPD)
		rows = append(rows, row)
	}
	return rows, ece
}

// psiFloor replaces an empty share so that PSI stays finite.
const psiFloor = 1e-4

// PSI is the population stability index of actual shares against
// expected shares over the same bands: sum (a - e) * ln(a / e), shares
// below 1e-4 read as 1e-4.
func PSI(expected, actual []float64) float64 {
	p := 0.0
	for i := range expected {
		e, a := math.Max(expected[i], psiFloor), math.Max(actual[i], psiFloor)
		p += (a - e) * math.Log(a/e)
	}
	return p
}

// decileEdges returns the distinct inner decile boundaries of x.
func decileEdges(x []float64) []float64 {
	s := append([]float64{}, x...)
	sort.Float64s(s)
	var edges []float64
	for k := 1; k < 10; k++ {
		e := s[max(k*len(s)/10-1, 0)]
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	return edges
}

// bandShares returns the share of x in each band: band k holds values <=
// edges[k] (and above the previous edge), the last band the rest.
func bandShares(x []float64, edges []float64) []float64 {
	sh := make([]float64, len(edges)+1)
	for _, v := range x {
		sh[sort.SearchFloat64s(edges, v)]++
	}
	for i := range sh {
		sh[i] /= float64(max(len(x), 1))
	}
	return sh
}
