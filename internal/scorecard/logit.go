package scorecard

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// FitLogistic fits ln(odds of y=1) = b0 + sum(b_j x_ij) by Newton-Raphson
// (IRLS) on the penalised log-likelihood
//
//	sum_i [y_i ln p_i + (1-y_i) ln(1-p_i)] - l2/2 * sum_j b_j^2,
//
// the intercept unpenalised. x is row-major, one row per observation. It
// stops when the largest Newton step is below 1e-9 (at most 100 steps);
// the objective is strictly concave for l2 > 0, so the optimum is unique.
func FitLogistic(x [][]float64, y []int, l2 float64) (b0 float64, b []float64, err error) {
	n := len(x)
	if n == 0 {
		return 0, nil, errors.New("logistic: no rows")
	}
	k := len(x[0])
	p := k + 1
	beta := make([]float64, p)
	var bad float64
	for _, v := range y {
		bad += float64(v)
	}
	if bad == 0 || bad == float64(n) {
		return 0, nil, errors.New("logistic: both classes are needed")
	}
	beta[0] = math.Log(bad / (float64(n) - bad))
	h := mat.NewSymDense(p, nil)
	g := mat.NewVecDense(p, nil)
	step := mat.NewVecDense(p, nil)
	row := make([]float64, p)
	row[0] = 1
	for iter := 0; iter < 100; iter++ {
		h.Zero()
		g.Zero()
		hd := h.RawSymmetric().Data
		for i := range x {
			copy(row[1:], x[i])
			z := 0.0
			for j, v := range row {
				z += beta[j] * v
			}
			pi := logistic(z)
			w := pi * (1 - pi)
			r := float64(y[i]) - pi
			for a := range p {
				g.SetVec(a, g.AtVec(a)+r*row[a])
				wa := w * row[a]
				for c := a; c < p; c++ {
					hd[a*p+c] += wa * row[c]
				}
			}
		}
		for a := 1; a < p; a++ {
			g.SetVec(a, g.AtVec(a)-l2*beta[a])
			hd[a*p+a] += l2
		}
		hd[0] += 1e-12
		var ch mat.Cholesky
		if !ch.Factorize(h) {
			return 0, nil, errors.New("logistic: the information matrix is singular (constant or duplicate variables?)")
		}
		if err := ch.SolveVecTo(step, g); err != nil {
			return 0, nil, err
		}
		big := 0.0
		for a := range p {
			beta[a] += step.AtVec(a)
			big = math.Max(big, math.Abs(step.AtVec(a)))
		}
		if !finite(beta...) {
			return 0, nil, errors.New("logistic: diverged")
		}
		if big < 1e-9 {
			break
		}
	}
	return beta[0], beta[1:], nil
}
