package synth

import (
	"math"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/industry"
)

// Size classes, as indexes.
const (
	micro = iota
	small
	medium
)

var sizeNames = [3]string{string(industry.Micro), string(industry.Small), string(industry.Medium)}

// Trajectories of the latent health path.
const (
	pathStable     = "stable"
	pathGrowth     = "growth"
	pathDecline    = "decline"
	pathDistressed = "distressed"
	pathDormant    = "dormant"
)

// Ways an enterprise leaves the market in the window.
const (
	exitNone         = iota
	exitDeregistered // 注销
	exitRevoked      // 吊销 after being unreachable
	exitAbandoned    // stops operating, stays registered (listed abnormal)
)

// firm is the working state of one enterprise while it is generated.
type firm struct {
	g *Generator
	i int
	n uint32 // the enterprise's number in the organisation-code space

	sec        *secInfo
	div        *divInfo
	place      *place
	size       int
	individual bool // 个体工商户
	dormant    bool
	founded    time.Time
	ageYears   float64
	fm         int // founding month (window index; negative before the window)

	employees int
	revenue   float64 // yuan per year at the start of the window
	assets    float64

	path     string
	h0       float64
	shockAt  int
	onset    float64 // month a decline starts
	health   []float64
	smooth   []float64 // exponentially smoothed health (staffing decisions)
	last     int       // last active month (Months-1 if none)
	exitKind int

	plans []loanPlan

	highTech    bool  // certified high-tech at some point (15 % CIT)
	taxPenalty  []int // months of tax penalties (tax credit grade)
	dishonestAt []int // months of dishonest-debtor listings
	events      []facts.Fact
}

func (f *firm) active(t int) bool { return t >= f.fm && t <= f.last }

// core draws the enterprise's industry, place, size, age and trajectory.
func (f *firm) core() {
	g := f.g
	m := staticModel()
	r := newRNG(g.seedKey, f.i, stCore)
	f.n = scramble(g.seedKey, uint32(f.i))
	f.sec = &m.secs[r.pick(m.secCum)]
	f.div = &f.sec.divs[r.pick(f.sec.divCum)]
	f.place = &g.places[r.pick(g.placeCum)]
	f.size = r.pick(f.sec.sizeCum)
	f.individual = len(f.div.shops) > 0 && f.size == micro && r.bern(0.3)

	// Age at the end of the window: roughly exponential (most firms are
	// young), larger firms older; capped at 40 years.
	mean := [3]float64{6.5, 10, 14}[f.size]
	if f.individual {
		mean = 5
	}
	age := r.expo(mean) + 0.05
	for age > 40 {
		age -= 15 + 10*r.float()
	}
	switch {
	case f.size == medium && age < 3:
		age = 3 + 4*r.float()
	case f.size == small && age < 1:
		age = 1 + 2*r.float()
	}
	f.ageYears = age
	end := g.month[g.cfg.Months]
	f.founded = end.AddDate(0, 0, -int(age*365.25)-1)
	f.fm = g.monthIndex(f.founded)
	f.dormant = !f.individual && f.size == micro && age > 1.2 && r.bern(0.18)
	f.sizeMeasures(&r)

	// Trajectory class.
	young := age < 2.5
	f.h0 = 0.25 + 0.55*r.norm() + [3]float64{0, 0.15, 0.3}[f.size]
	if young {
		f.h0 -= 0.3
	}
	pDistress := 0.045
	pDecline := 0.19 * (1 + 0.35*(f.sec.beta-1))
	if young {
		pDecline *= 1.4
		pDistress *= 1.4
	}
	if f.size == micro {
		pDecline *= 1.15
	} else {
		pDecline *= 0.8
		pDistress *= 0.6
	}
	u := r.float()
	switch {
	case f.dormant:
		f.path = pathDormant
		f.h0 = -0.4 + 0.3*r.norm()
	case u < pDistress:
		f.path = pathDistressed
		f.h0 -= 1.3
	case u < pDistress+pDecline:
		f.path = pathDecline
	case u < pDistress+pDecline+0.22:
		f.path = pathGrowth
	default:
		f.path = pathStable
	}
}

// sizeMeasures draws employees, revenue and assets coherent with the size
// class: a candidate is classified with the regulation's thresholds
// (industry.Classify) and scaled until it lands in the drawn class.
func (f *firm) sizeMeasures(r *rng) {
	if f.dormant {
		f.employees = r.between(0, 1)
		f.revenue, f.assets = 0, 100e3*r.lnorm(0.8)
		return
	}
	prod := f.div.prod * r.lnorm(0.5)
	var emp float64
	switch f.size {
	case micro:
		emp = 1 + math.Floor(r.expo(3.5))
		if f.individual {
			emp = float64(r.between(1, 4))
		}
	case small:
		emp = math.Exp(r.uniform(math.Log(8), math.Log(120)))
	default:
		emp = math.Exp(r.uniform(math.Log(60), math.Log(700)))
	}
	rev := emp * prod
	assets := rev * f.sec.assets * r.lnorm(0.4)
	if f.individual {
		f.employees, f.revenue, f.assets = int(emp), rev, assets
		return
	}
	want := industry.Size(sizeNames[f.size])
	for k := 0; k < 60; k++ {
		got := industry.Classify(f.div.sector, int(math.Round(emp)), int64(rev), int64(assets))
		if got == want {
			break
		}
		s := 1.2
		if sizeRank(got) > f.size {
			s = 1 / s
		}
		emp, rev, assets = math.Max(1, emp*s), rev*s, assets*s
	}
	f.employees, f.revenue, f.assets = int(math.Round(emp)), rev, assets
	got := industry.Classify(f.div.sector, f.employees, int64(f.revenue), int64(f.assets))
	f.size = min(sizeRank(got), medium)
}

func sizeRank(s industry.Size) int {
	switch s {
	case industry.Micro:
		return micro
	case industry.Small:
		return small
	case industry.Medium:
		return medium
	}
	return medium + 1
}

// healthPath draws the latent monthly health: an AR(1) deviation around a
// level that carries the firm's trajectory (growth, decline from a random
// onset, persistent distress), an occasional one-off shock, the industry's
// exposure to the business cycle and the city's regional factor. Then it
// decides whether and when the firm leaves the market.
func (f *firm) healthPath() {
	g := f.g
	M := g.cfg.Months
	r := newRNG(g.seedKey, f.i, stHealth)
	f.health = make([]float64, 2*M)
	f.health, f.smooth = f.health[:M:M], f.health[M:]
	vol := [3]float64{0.11, 0.08, 0.06}[f.size]
	if f.ageYears < 2.5 {
		vol *= 1.25
	}
	const phi = 0.9
	ar := vol / math.Sqrt(1-phi*phi) * r.norm()
	var drift float64
	switch f.path {
	case pathGrowth:
		drift = r.uniform(0.01, 0.045)
	case pathDecline:
		drift = -r.uniform(0.03, 0.10)
		f.onset = r.uniform(-12, float64(M-4))
	case pathDistressed:
		drift = -r.uniform(0, 0.03)
	}
	f.shockAt = -1
	shock := 0.0
	if f.path != pathDormant && r.bern(0.12*float64(M)/36) {
		f.shockAt = r.intn(M)
		shock = r.uniform(0.8, 2.2)
	}
	reg := g.regional[f.place.city*M : (f.place.city+1)*M]
	s := 0.0
	for t := 0; t < M; t++ {
		ar = phi*ar + vol*r.norm()
		level := f.h0 + f.sec.beta*g.macro[t] + reg[t] + ar
		switch f.path {
		case pathGrowth:
			level += math.Min(drift*float64(t), 1.2)
		case pathDecline:
			if x := float64(t) - f.onset; x > 0 {
				level += math.Max(drift*x, -3.5)
			}
		case pathDistressed:
			level += drift * float64(t)
		}
		if f.shockAt >= 0 && t >= f.shockAt {
			level -= shock * (0.4 + 0.6*math.Pow(0.88, float64(t-f.shockAt)))
		}
		h := clamp(level, -3, 3)
		f.health[t] = h
		if t == 0 {
			s = h
		} else {
			s = 0.6*s + 0.4*h
		}
		f.smooth[t] = s
	}

	// Exit: persistent distress closes firms; dormant shells get cleaned
	// up; a few healthy firms close for their own reasons.
	f.last = M - 1
	start := max(f.fm, 0) + 2
	for t := start; t < M-1; t++ {
		h := f.health[t]
		p := 0.0008
		switch {
		case f.dormant:
			p = 0.004
		case h < -2 && f.health[t-1] < -2:
			p = 0.12
		case h < -1.5:
			p = 0.01
		}
		if r.bern(p) {
			f.last = t
			u := r.float()
			switch {
			case f.dormant || h > -1.5 || u < 0.45:
				f.exitKind = exitDeregistered
			case u < 0.7:
				f.exitKind = exitRevoked
			default:
				f.exitKind = exitAbandoned
			}
			break
		}
	}
}

// healthAt returns the health of month t, using the first month for t
// before the window.
func (f *firm) healthAt(t int) float64 {
	if t < 0 {
		return f.health[0]
	}
	if t >= len(f.health) {
		return f.health[len(f.health)-1]
	}
	return f.health[t]
}

// scramble maps an index in [0, 10^8) to a distinct number in [0, 10^8)
// with a four-round Feistel network on two halves in [0, 10^4): a
// bijection, so enterprises never share an organisation code, and
// consecutive indexes get unrelated codes.
func scramble(key uint64, i uint32) uint32 {
	const half = 10000
	l, r := i/half, i%half
	for k := uint64(0); k < 4; k++ {
		f := uint32(mix64(key^(k<<32)^uint64(r)) % half)
		l, r = r, (l+f)%half
	}
	return l*half + r
}
