package verify

import (
	"math"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Limits bound what one institution may ask, so that a value cannot be
// extracted by repeated questions (binary search over thresholds).
type Limits struct {
	// PerDay is the most questions one institution may ask in 24 hours.
	PerDay int
	// PerEnterpriseDay is the most questions one institution may ask about
	// one enterprise in 24 hours.
	PerEnterpriseDay int
	// Thresholds is the most distinct constants one institution may
	// compare one enterprise's item with within Window.
	Thresholds int
	// Window is the period over which thresholds and narrowing are counted.
	Window time.Duration
	// NarrowingFactor: a new threshold whose distance to the nearest
	// earlier one is at most the last step between earlier thresholds
	// divided by this factor is a narrowing (bisection) step; narrowing
	// steps are refused. 0 turns the check off.
	NarrowingFactor float64
}

// DefaultLimits are sane defaults: honest use (a few different questions
// about a borrower, a range asked once) passes; three steps of a search
// over one item do not.
func DefaultLimits() Limits {
	return Limits{PerDay: 2000, PerEnterpriseDay: 30, Thresholds: 4, Window: 30 * 24 * time.Hour, NarrowingFactor: 2}
}

// Asked is one answered question on record, the history the limits read.
type Asked struct {
	ID            int64
	OrgID         int64
	EnterpriseID  int64
	Question      string
	Answer        string
	AttestationID string // the attestation's jti
	Probes        []Probe
	AskedAt       time.Time
}

// Refusal is a limit that stops a question: the code names the limit
// ("verify.limit_..."), Params fill its message, ResetsAt says when
// asking again can succeed.
type Refusal struct {
	Code     string
	Params   map[string]string
	ResetsAt time.Time
}

// Fault is the refusal as the error returned to the caller.
func (r *Refusal) Fault() *fault.Error {
	e := fault.New(fault.TooMany, r.Code, "verification limit reached: "+r.Code)
	for k, v := range r.Params {
		e = e.With(k, v)
	}
	return e.With("resets_at", r.ResetsAt.UTC().Format("2006-01-02 15:04 UTC"))
}

// check applies the limits to new probes (one request's questions) given
// the institution's questions in the last day (count and oldest) and its
// history about the enterprise within Window (oldest first).
func (l Limits) check(now time.Time, dayCount int, dayOldest time.Time, history []Asked, questions int, probes []Probe) *Refusal {
	day := now.Add(-24 * time.Hour)
	if l.PerDay > 0 && dayCount+questions > l.PerDay {
		return &Refusal{Code: "verify.limit_institution_day", Params: map[string]string{"limit": strconv.Itoa(l.PerDay)},
			ResetsAt: dayOldest.Add(24 * time.Hour)}
	}
	var entDay []time.Time
	for _, a := range history {
		if a.AskedAt.After(day) {
			entDay = append(entDay, a.AskedAt)
		}
	}
	if l.PerEnterpriseDay > 0 && len(entDay)+questions > l.PerEnterpriseDay {
		return &Refusal{Code: "verify.limit_enterprise_day", Params: map[string]string{"limit": strconv.Itoa(l.PerEnterpriseDay)},
			ResetsAt: entDay[0].Add(24 * time.Hour)}
	}
	type seen struct {
		value string
		num   float64
		isNum bool
		last  time.Time // last asked
	}
	// Distinct earlier constants per item, in order of first asking.
	earlier := map[string][]*seen{}
	for _, a := range history {
		if !a.AskedAt.After(now.Add(-l.Window)) {
			continue
		}
		for _, p := range a.Probes {
			found := false
			for _, s := range earlier[p.Item] {
				if s.value == p.Value {
					s.last, found = a.AskedAt, true
				}
			}
			if !found {
				n, ok := p.number()
				earlier[p.Item] = append(earlier[p.Item], &seen{value: p.Value, num: n, isNum: ok, last: a.AskedAt})
			}
		}
	}
	added := map[string][]string{}
	for _, p := range probes {
		prev := earlier[p.Item]
		known := false
		for _, s := range prev {
			known = known || s.value == p.Value
		}
		if known || contains(added[p.Item], p.Value) {
			continue
		}
		added[p.Item] = append(added[p.Item], p.Value)
		if l.Thresholds > 0 && len(prev)+len(added[p.Item]) > l.Thresholds {
			// One slot frees when the least recently asked constant leaves the window.
			oldest := now
			for _, s := range prev {
				if s.last.Before(oldest) {
					oldest = s.last
				}
			}
			return &Refusal{Code: "verify.limit_thresholds", Params: map[string]string{"limit": strconv.Itoa(l.Thresholds), "item": p.Item,
				"days": strconv.Itoa(int(l.Window.Hours() / 24))}, ResetsAt: oldest.Add(l.Window)}
		}
		v, isNum := p.number()
		if l.NarrowingFactor <= 0 || !isNum {
			continue
		}
		var nums []*seen
		for _, s := range prev {
			if s.isNum {
				nums = append(nums, s)
			}
		}
		if len(nums) < 2 {
			continue
		}
		step := math.Abs(nums[len(nums)-1].num - nums[len(nums)-2].num)
		nearest := math.Inf(1)
		for _, s := range nums {
			nearest = math.Min(nearest, math.Abs(v-s.num))
		}
		if step > 0 && nearest <= step/l.NarrowingFactor {
			latest := nums[0].last
			for _, s := range nums {
				if s.last.After(latest) {
					latest = s.last
				}
			}
			return &Refusal{Code: "verify.limit_narrowing", Params: map[string]string{"item": p.Item, "variable": p.Variable,
				"days": strconv.Itoa(int(l.Window.Hours() / 24))}, ResetsAt: latest.Add(l.Window)}
		}
	}
	return nil
}
