package synth

import (
	"runtime"
	"sync"
)

// pilotSize is the number of enterprises (indexes 0..pilotSize-1, whatever
// Config.Enterprises is) whose loans calibrate the default hazard.
const pilotSize = 12000

// fallbackIntercept is used when the window is too short to observe 12
// months after any disbursement.
const fallbackIntercept = -5.0

type calKey struct {
	seed     uint64
	months   int
	province string
	end      int64
	rate     float64
}

var calCache sync.Map // calKey → float64

// calibrated returns the hazard intercept that makes the share of
// borrowers defaulting within 12 months of a disbursement (among those
// whose 12 months lie inside the window) equal Config.DefaultRate on the
// pilot. The search moves only the intercept; every random draw is kept,
// so the pilot's default rate is a step function of the intercept and a
// bisection finds it exactly.
func calibrated(g *Generator) float64 {
	key := calKey{g.cfg.Seed, g.cfg.Months, g.cfg.Province, g.cfg.EndMonth.Unix(), g.cfg.DefaultRate}
	if v, ok := calCache.Load(key); ok {
		return v.(float64)
	}
	a := calibrate(g)
	calCache.Store(key, a)
	return a
}

func calibrate(g *Generator) float64 {
	if g.cfg.Months < 13 {
		return fallbackIntercept
	}
	plans := make([][]loanPlan, pilotSize)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < pilotSize; i += workers {
				f := firm{g: g, i: i}
				f.core()
				f.healthPath()
				f.loanPlans()
				plans[i] = f.plans
			}
		}()
	}
	wg.Wait()
	out := make([]outcome, 0, 8)
	rate := func(a float64) float64 {
		var n, d int
		for _, ps := range plans {
			if len(ps) == 0 {
				continue
			}
			out = outcomes(ps, a, out)
			b, def := observedBorrower(ps, out, g.cfg.Months)
			if b {
				n++
				if def {
					d++
				}
			}
		}
		if n == 0 {
			return 0
		}
		return float64(d) / float64(n)
	}
	lo, hi := -20.0, 10.0
	if rate(hi) < g.cfg.DefaultRate || rate(lo) > g.cfg.DefaultRate {
		return fallbackIntercept
	}
	for k := 0; k < 50; k++ {
		mid := (lo + hi) / 2
		if rate(mid) < g.cfg.DefaultRate {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
