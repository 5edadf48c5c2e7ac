package synth

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Enterprise generates enterprise i (0 ≤ i < Config.Enterprises). It is a
// pure function of the Config and i: every random draw comes from streams
// seeded by (Seed, i), so enterprises can be generated alone, in any order
// and in parallel. It panics if i is out of range.
//
// Facts come grouped: the monthly and quarterly measures department by
// department and item by item in month order (a corrected record right
// after the record it corrects), then the tax credit grades, then the
// events in date order.
func (g *Generator) Enterprise(i int) Bundle {
	if i < 0 || i >= g.cfg.Enterprises {
		panic("synth: enterprise index " + strconv.Itoa(i) + " out of range [0, " + strconv.Itoa(g.cfg.Enterprises) + ")")
	}
	return g.enterprise(i)
}

func (g *Generator) enterprise(i int) Bundle {
	f := firm{g: g, i: i}
	f.core()
	f.healthPath()
	f.loanPlans()
	var b Bundle
	f.profile(&b.Profile)
	f.credentials(b.Profile.Code)
	var w work
	f.simulate(&w)
	out := outcomes(f.plans, g.intercept, make([]outcome, 0, len(f.plans)))
	f.happenings(&b.Profile, out)
	slices.SortStableFunc(f.events, func(a, b facts.Fact) int {
		if c := a.Period.Compare(b.Period); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Item, b.Item); c != 0 {
			return c
		}
		return cmp.Compare(a.Version, b.Version)
	})

	n := 0
	for s := 0; s < nSeries; s++ {
		for _, v := range w.series[s*g.cfg.Months : (s+1)*g.cfg.Months] {
			if v > 0 || v == 0 && !seriesInfo[s].balance {
				n++
			}
		}
	}
	b.Facts = make([]facts.Fact, 0, n+n/32+8+len(f.events))
	b.Facts = f.emitMeasures(&w, b.Facts)
	b.Facts = f.grades(&w, b.Facts)
	b.Facts = append(b.Facts, f.events...)
	f.loans(out, &b)

	for t := 0; t < min(f.fm, len(f.health)); t++ {
		f.health[t] = 0 // before founding: no firm, no health
	}
	b.Hidden.Health = f.health
	b.Hidden.Trajectory = f.path
	b.Hidden.ShockMonth = f.shockAt
	b.Hidden.LastActiveMonth = f.last
	b.Hidden.Employees = f.employees
	b.Hidden.RevenueFen = fen(f.revenue)
	b.Hidden.AssetsFen = fen(f.assets)
	return b
}
