package scorecard

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// StratifiedFolds assigns each row a fold in [0, k): each class is
// shuffled with a PCG generator seeded by seed and dealt round-robin, so
// every fold holds the class mix of the whole and the same seed gives the
// same folds on any machine.
func StratifiedFolds(y []int, k int, seed uint64) ([]int, error) {
	if k < 2 {
		return nil, errors.New("folds: at least 2")
	}
	fold := make([]int, len(y))
	rng := rand.New(rand.NewPCG(seed, 0x5bd1e995))
	next := 0
	for class := 0; class <= 1; class++ {
		var idx []int
		for i, v := range y {
			if v == class {
				idx = append(idx, i)
			}
		}
		if len(idx) < k {
			return nil, fmt.Errorf("folds: class %d has %d rows, fewer than %d folds", class, len(idx), k)
		}
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for _, i := range idx {
			fold[i] = next % k
			next++
		}
	}
	return fold, nil
}

// FoldResult is one held-out fold.
type FoldResult struct {
	Fold       int     `json:"fold"`
	Rows       int     `json:"rows"`
	Bad        int     `json:"bad"`
	Variables  int     `json:"variables"`
	AUC        float64 `json:"auc"`
	KS         float64 `json:"ks"`
	Gini       float64 `json:"gini"`
	Brier      float64 `json:"brier"`
	ECE        float64 `json:"ece"`
	FitSeconds float64 `json:"fit_seconds"`
}

// Stat is a mean and sample standard deviation over folds.
type Stat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// CVResult summarises a cross-validation.
type CVResult struct {
	Folds int    `json:"folds"`
	Seed  uint64 `json:"seed"`
	Rows  int    `json:"rows"`
	Bad   int    `json:"bad"`
	AUC   Stat   `json:"auc"`
	KS    Stat   `json:"ks"`
	Gini  Stat   `json:"gini"`
	Brier Stat   `json:"brier"`
	ECE   Stat   `json:"ece"`
	// Pooled is the report on all out-of-fold predictions together (its
	// AUC interval is DeLong's on the pooled predictions).
	Pooled     Report       `json:"pooled"`
	PerFold    []FoldResult `json:"per_fold"`
	FitSeconds float64      `json:"fit_seconds_total"`
}

// CrossValidate fits the whole pipeline (binning, selection, regression,
// calibration) on each training part and evaluates it on the held-out
// fold, so nothing of a test fold is seen in training. fold assigns rows
// to folds 0..k-1 (StratifiedFolds).
func CrossValidate(d *Dataset, o Options, fold []int, k int, seed uint64) (*CVResult, error) {
	if len(fold) != d.Rows() {
		return nil, errors.New("cross-validation: one fold per row is needed")
	}
	out := &CVResult{Folds: k, Seed: seed, Rows: d.Rows(), Bad: d.bad()}
	oof := make([]float64, d.Rows())
	var aucs, kss, ginis, briers, eces []float64
	for f := range k {
		var tr, te []int
		for i, v := range fold {
			if v == f {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		test := d.Subset(te)
		start := time.Now()
		m, err := Fit(d.Subset(tr), o, nil)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", f+1, err)
		}
		fit := time.Since(start).Seconds()
		res, err := m.scoreDataset(test)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", f+1, err)
		}
		pd := make([]float64, len(res))
		for i, r := range res {
			pd[i] = r.PD
			oof[te[i]] = r.PD
		}
		rep := Evaluate(test.Y, pd)
		out.PerFold = append(out.PerFold, FoldResult{Fold: f + 1, Rows: rep.Rows, Bad: rep.Bad, Variables: len(m.Variables), AUC: rep.AUC,
			KS: rep.KS, Gini: rep.Gini, Brier: rep.Brier, ECE: rep.ECE, FitSeconds: fit})
		out.FitSeconds += fit
		aucs, kss, ginis = append(aucs, rep.AUC), append(kss, rep.KS), append(ginis, rep.Gini)
		briers, eces = append(briers, rep.Brier), append(eces, rep.ECE)
	}
	out.AUC, out.KS, out.Gini, out.Brier, out.ECE = stat(aucs), stat(kss), stat(ginis), stat(briers), stat(eces)
	out.Pooled = Evaluate(d.Y, oof)
	return out, nil
}

func stat(x []float64) Stat {
	var s Stat
	for _, v := range x {
		s.Mean += v
	}
	s.Mean /= float64(len(x))
	if len(x) > 1 {
		for _, v := range x {
			s.Std += (v - s.Mean) * (v - s.Mean)
		}
		s.Std = math.Sqrt(s.Std / float64(len(x)-1))
	}
	return s
}
