package synth

import "math"

// rng is a SplitMix64 generator: tiny, fast, value-typed (no allocation, no
// interface call) and good enough for simulation. Every enterprise draws
// from several independent streams, one per stage (core, names, health,
// loans, ...), each seeded from (Seed, index, stage); so a stage can be
// skipped (the calibration pilot skips names and facts) or changed without
// shifting the numbers every other stage sees.
type rng struct {
	s        uint64
	spare    float64
	hasSpare bool
}

// mix64 is the SplitMix64 finaliser, a bijective 64-bit hash.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// Streams of an enterprise's randomness.
const (
	stCore     uint64 = iota + 1 // industry, size, place, age, trajectory class
	stNames                      // names, people, addresses, capital
	stHealth                     // latent health path
	stLoans                      // loan schedule and terms
	stLoanRisk                   // loan default draws
	stMeasures                   // department measures
	stEvents                     // events
	stQuality                    // gaps, lags, corrections
)

func newRNG(seed uint64, i int, stream uint64) rng {
	return rng{s: mix64(seed ^ mix64(uint64(i)*0x9E3779B97F4A7C15+stream*0xD1B54A32D192ED03))}
}

func (r *rng) u64() uint64 {
	r.s += 0x9E3779B97F4A7C15
	return mix64(r.s)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) * (1.0 / (1 << 53)) }

// intn returns a uniform value in [0, n) for 0 < n < 2^32.
func (r *rng) intn(n int) int { return int((r.u64() >> 32) * uint64(n) >> 32) }

// between returns a uniform integer in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// uniform returns a uniform value in [lo, hi).
func (r *rng) uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

func (r *rng) bern(p float64) bool { return r.float() < p }

// norm returns a standard normal value (Marsaglia's polar method).
func (r *rng) norm() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	for {
		u := 2*r.float() - 1
		v := 2*r.float() - 1
		s := u*u + v*v
		if s > 0 && s < 1 {
			m := math.Sqrt(-2 * math.Log(s) / s)
			r.spare, r.hasSpare = v*m, true
			return u * m
		}
	}
}

// lnorm returns a log-normal factor with mean 1.
func (r *rng) lnorm(sigma float64) float64 { return math.Exp(sigma*r.norm() - sigma*sigma/2) }

// expo returns an exponential value with the given mean.
func (r *rng) expo(mean float64) float64 { return -mean * math.Log(1-r.float()) }

// pick returns an index drawn with the cumulative weights cum (last = total).
func (r *rng) pick(cum []float64) int {
	x := r.float() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// cumulative turns weights into cumulative weights.
func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		c[i] = s
	}
	return c
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

func clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}
