package monitor

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Policy holds the detector's thresholds. Counts are per actor (one API key
// or one user) within Window; a medium threshold raises an alert for the
// operators, a high one also suspends the actor when AutoSuspend is set.
type Policy struct {
	Window time.Duration
	// Distinct enterprises read without an authorization or application
	// behind them.
	BreadthMedium, BreadthHigh int
	// Denied reads.
	DeniedMedium, DeniedHigh int
	// Length of a run of reads whose credit codes ascend (or descend).
	SequenceMedium, SequenceHigh int
	// Reads outside business hours.
	NightMedium, NightHigh int
	// Look-ups of well-formed credit codes that are not registered.
	MissMedium, MissHigh int
	// Business hours, as minutes after midnight in Location, [start, end).
	BusinessStart, BusinessEnd int
	Location                   *time.Location
	// Baselines: an organisation's hours with activity over the past
	// BaselineDays; at least BaselineMinHours of them before the rule
	// applies; an hour is abnormal above median + BaselineK·σ (σ from the
	// median absolute deviation, never below the Poisson √median) and
	// above the floor.
	BaselineDays      int
	BaselineMinHours  int
	BaselineK         float64
	BaselineReadFloor int64
	ExportFloor       int64
	// AutoSuspend suspends the API key or user behind a high-severity
	// alert at once.
	AutoSuspend bool
	// Cooldown is how long an actor's alert for one rule silences repeats
	// of the same severity.
	Cooldown time.Duration
}

// Shanghai is Asia/Shanghai (China Standard Time, UTC+8 without daylight
// saving), fixed so the node does not depend on the host's tz database.
var Shanghai = time.FixedZone("CST", 8*3600)

// DefaultPolicy returns thresholds that let an institution's honest traffic
// through (a few reads a minute of its own customers in office hours) and
// catch a harvester within a few dozen requests.
func DefaultPolicy() Policy {
	return Policy{
		Window:        10 * time.Minute,
		BreadthMedium: 20, BreadthHigh: 40,
		DeniedMedium: 10, DeniedHigh: 20,
		SequenceMedium: 12, SequenceHigh: 20,
		NightMedium: 30, NightHigh: 60,
		MissMedium: 10, MissHigh: 25,
		BusinessStart: 8 * 60, BusinessEnd: 20 * 60, Location: Shanghai,
		BaselineDays: 14, BaselineMinHours: 24, BaselineK: 6, BaselineReadFloor: 100, ExportFloor: 5,
		AutoSuspend: true,
		Cooldown:    time.Hour,
	}
}

// ParseBusinessHours reads "08:00-20:00" into minutes after midnight.
func ParseBusinessHours(s string) (start, end int, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		return 0, 0, false
	}
	pm := func(x string) (int, bool) {
		t, err := time.Parse("15:04", strings.TrimSpace(x))
		if err != nil {
			return 0, false
		}
		return t.Hour()*60 + t.Minute(), true
	}
	start, ok1 := pm(a)
	end, ok2 := pm(b)
	if strings.TrimSpace(b) == "24:00" {
		end, ok2 = 24*60, true
	}
	if !ok1 || !ok2 || start >= end {
		return 0, 0, false
	}
	return start, end, true
}

// Night reports whether t is outside business hours.
func (p Policy) Night(t time.Time) bool {
	loc := p.Location
	if loc == nil {
		loc = Shanghai
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	return m < p.BusinessStart || m >= p.BusinessEnd
}

// SequenceKey orders unified social credit codes the way an enumerator
// walks them. A code is registration authority (1), entity type (2),
// division (3-8), organisation code body (9-16) and two check characters
// (17: the organisation code's, 18: the whole code's). Codes issued by one
// authority to one entity type form a series (class, positions 1-2);
// within it, the division and the organisation code body (positions 3-16,
// digits and upper-case letters, whose ASCII order is the code's own
// order) give the position in the sequence. The check characters are left
// out: they follow from the rest and carry no order.
func SequenceKey(code string) (class, key string, ok bool) {
	if len(code) != 18 {
		return "", "", false
	}
	return code[:2], code[2:16], true
}

// Baseline is the threshold above which an hour's count is abnormal for an
// organisation, from its past hours with activity; ok is false when there
// is too little history.
func Baseline(history []int64, minHours int, k float64, floor int64) (threshold float64, ok bool) {
	if len(history) < max(minHours, 1) {
		return 0, false
	}
	med := median(history)
	dev := make([]float64, len(history))
	for i, x := range history {
		dev[i] = math.Abs(float64(x) - med)
	}
	sort.Float64s(dev)
	mad := medianF(dev)
	sigma := math.Max(1.4826*mad, math.Sqrt(math.Max(med, 1)))
	return math.Max(med+k*sigma, float64(floor)), true
}

func median(xs []int64) float64 {
	f := make([]float64, len(xs))
	for i, x := range xs {
		f[i] = float64(x)
	}
	sort.Float64s(f)
	return medianF(f)
}

func medianF(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
