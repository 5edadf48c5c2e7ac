package quality

import (
	"slices"
	"strings"
	"time"
)

// Department is one department's line on the operator page: its items'
// mean collection rate, its newest period and receipt, its worst
// freshness and how many of the rules on its items fail.
type Department struct {
	Department   string    `json:"department"`
	Items        int       `json:"items"`
	Rate         float64   `json:"collection_rate"` // mean of its items' rates
	LastPeriod   time.Time `json:"last_period"`
	LastReceived time.Time `json:"last_received"`
	Freshness    string    `json:"freshness"` // the worst of its items'
	Rules        int       `json:"rules"`
	Failing      int       `json:"failing"`
}

var freshnessRank = map[string]int{NoSchedule: 0, OnTime: 1, Late: 2, Stale: 3}

// Departments summarises a run per department, ordered by department code.
func Departments(run Run) []Department {
	byDept := map[string]*Department{}
	get := func(code string) *Department {
		d, ok := byDept[code]
		if !ok {
			d = &Department{Department: code, Freshness: NoSchedule}
			byDept[code] = d
		}
		return d
	}
	for _, c := range run.Coverage {
		d := get(c.Department)
		d.Rate = (d.Rate*float64(d.Items) + c.Rate()) / float64(d.Items+1)
		d.Items++
		if c.LastPeriod.After(d.LastPeriod) {
			d.LastPeriod = c.LastPeriod
		}
		if c.LastReceived.After(d.LastReceived) {
			d.LastReceived = c.LastReceived
		}
		if freshnessRank[c.Freshness] > freshnessRank[d.Freshness] {
			d.Freshness = c.Freshness
		}
	}
	for _, r := range run.Results {
		d := get(r.Department)
		d.Rules++
		if r.Status == Fail {
			d.Failing++
		}
	}
	out := make([]Department, 0, len(byDept))
	for _, d := range byDept {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b Department) int { return strings.Compare(a.Department, b.Department) })
	return out
}
