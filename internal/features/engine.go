package features

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// maxFacts bounds the one fact query of Compute. The medium synthetic
// region has a few hundred facts per enterprise over 36 months; an
// enterprise with more is refused rather than computed from a truncated
// history.
const maxFacts = 100_000

func (e Engine) compute(ctx context.Context, ent enterprise.Record, asOf time.Time) (Vector, error) {
	if e.Set == nil || e.Data == nil {
		return Vector{}, fmt.Errorf("features: engine without a set or a reader")
	}
	if asOf.IsZero() {
		return Vector{}, fault.New(fault.Invalid, "features.as_of", "features: the as-of instant is required")
	}
	asOf = asOf.UTC()
	v := Vector{EnterpriseID: ent.ID, AsOf: asOf, SetVersion: e.Set.Version,
		Num: map[string]float64{}, Cat: map[string]string{}}
	fs, err := e.Data.QueryFacts(ctx, facts.Query{EnterpriseID: ent.ID, To: asOf, KnownAt: asOf, Limit: maxFacts})
	if err != nil {
		return Vector{}, fmt.Errorf("features: facts of enterprise %d: %w", ent.ID, err)
	}
	if len(fs) >= maxFacts {
		return Vector{}, fault.Newf(fault.Invalid, "features.too_many_facts",
			"features: enterprise %d has %d or more facts known at %s; refusing a truncated history", ent.ID, maxFacts, asOf.Format(time.RFC3339))
	}
	var loans []facts.Loan
	if e.Set.readsLoans() {
		all, err := e.Data.LoansOf(ctx, ent.ID)
		if err != nil {
			return Vector{}, fmt.Errorf("features: loans of enterprise %d: %w", ent.ID, err)
		}
		loans = knownLoans(all, asOf)
	}
	x := newIndex(fs, loans, asOf)
	for _, d := range e.Set.Defs {
		x.eval(d, ent, &v)
	}
	v.Sources = x.sources()
	return v, nil
}

func (s *Set) readsLoans() bool {
	for _, d := range s.Defs {
		if ops[d.Op].loans {
			return true
		}
	}
	return false
}

// knownLoans returns the loan rows known at asOf: received by then, started
// by then. Loan rows are appended, never updated in place (facts.Store has
// no update): an institution that shares a later state of the same loan
// stores a new row, so of the rows of one (lender, contract) known at asOf
// the latest received is the state then known. A row's MaxDaysOverdue is
// as of its receipt, which is at or before asOf, so it is known; dates in a
// row (DefaultedOn, RepaidOn) are still compared with asOf so that a row
// reporting a future date does not count it early.
//
// What this means for the data institutions share today: the synthetic
// region (and the usual share-back) sends one row per loan, once, after
// its final state (repaid, defaulted, or current at the region's end), so
// as of an earlier date D a loan whose row arrived after D is not known at
// all, even if it started before D. That is the honest point-in-time view
// of such data; an institution that shares loans at disbursement and again
// at each change gives the features more to work with.
func knownLoans(all []facts.Loan, asOf time.Time) []facts.Loan {
	type key struct{ lender, contract string }
	latest := map[key]int{}
	var out []facts.Loan
	for _, l := range all {
		if l.ReceivedAt.After(asOf) || l.StartOn.After(asOf) {
			continue
		}
		if l.ContractNo == "" {
			out = append(out, l)
			continue
		}
		k := key{l.Lender, l.ContractNo}
		if i, ok := latest[k]; ok {
			if !l.ReceivedAt.Before(out[i].ReceivedAt) {
				out[i] = l
			}
			continue
		}
		latest[k] = len(out)
		out = append(out, l)
	}
	return out
}

// index is one enterprise's known facts arranged for the operators.
type index struct {
	asOf    time.Time
	ref     int // month key of the last complete month before asOf
	facts   []facts.Fact
	used    []bool
	months  map[string]map[int]int // measure item -> month key -> fact index
	events  map[string][]int       // event and attribute item -> fact indexes, by period
	loans   []facts.Loan
	usedLns []bool
}

func monthKey(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

func newIndex(fs []facts.Fact, loans []facts.Loan, asOf time.Time) *index {
	x := &index{asOf: asOf, ref: monthKey(asOf) - 1, facts: fs, used: make([]bool, len(fs)),
		months: map[string]map[int]int{}, events: map[string][]int{}, loans: loans, usedLns: make([]bool, len(loans))}
	for i, f := range fs {
		// The reader was asked for this already; a reader that ignores
		// the bounds must not leak the future into the vector.
		if f.ReceivedAt.After(asOf) || f.Period.After(asOf) {
			continue
		}
		if f.Shape == facts.Measure {
			m := x.months[f.Item]
			if m == nil {
				m = map[int]int{}
				x.months[f.Item] = m
			}
			// One value per month; should a measure carry refs, the
			// last in the reader's order wins (QueryFacts orders by ref).
			m[monthKey(f.Period)] = i
			continue
		}
		x.events[f.Item] = append(x.events[f.Item], i)
	}
	for _, is := range x.events {
		slices.SortStableFunc(is, func(a, b int) int { return fs[a].Period.Compare(fs[b].Period) })
	}
	return x
}

// month returns the value of a measure in month k and marks it used.
func (x *index) month(item string, k int) (float64, bool) {
	i, ok := x.months[item][k]
	if !ok {
		return 0, false
	}
	x.used[i] = true
	return float64(x.facts[i].Num), true
}

// span sums the values present in months [from, to] and counts them.
func (x *index) span(item string, from, to int) (sum float64, n int) {
	for k := from; k <= to; k++ {
		if v, ok := x.month(item, k); ok {
			sum += v
			n++
		}
	}
	return sum, n
}

// eventsIn returns the events of items with a period in (since, asOf]; a
// zero since is the whole history.
func (x *index) eventsIn(items []string, since time.Time) []int {
	var out []int
	for _, it := range items {
		for _, i := range x.events[it] {
			if since.IsZero() || x.facts[i].Period.After(since) {
				out = append(out, i)
			}
		}
	}
	return out
}

func (x *index) windowStart(months int) time.Time {
	if months == 0 {
		return time.Time{}
	}
	return x.asOf.AddDate(0, -months, 0)
}

func (x *index) eval(d Def, ent enterprise.Record, v *Vector) {
	p := d.Params
	set := func(val float64) { v.Num[d.Name] = val }
	absent := func() {
		if p.AbsentZero {
			set(0)
		}
	}
	n := p.Months
	switch d.Op {
	case "latest":
		it := d.Items[0]
		if _, measure := x.months[it]; measure || p.Months > 0 {
			for k := x.ref; k > x.ref-n; k-- {
				if val, ok := x.month(it, k); ok {
					set(val)
					return
				}
			}
			absent()
			return
		}
		is := x.events[it]
		if len(is) == 0 {
			return
		}
		i := is[len(is)-1]
		x.used[i] = true
		if p.Field == "text" {
			if t := x.facts[i].Text; t != "" {
				v.Cat[d.Name] = t
			}
			return
		}
		set(float64(x.facts[i].Num))
	case "sum_months":
		if sum, c := x.span(d.Items[0], x.ref-n+1, x.ref); c > 0 {
			set(sum)
		} else {
			absent()
		}
	case "mean_months":
		if sum, c := x.span(d.Items[0], x.ref-n+1, x.ref); c > 0 {
			set(sum / float64(c))
		}
	case "max_months":
		best, found := math.Inf(-1), false
		for k := x.ref - n + 1; k <= x.ref; k++ {
			if val, ok := x.month(d.Items[0], k); ok {
				best, found = math.Max(best, val), true
			}
		}
		if found {
			set(best)
		} else {
			absent()
		}
	case "count_months":
		c, found := 0, false
		for k := x.ref - n + 1; k <= x.ref; k++ {
			if val, ok := x.month(d.Items[0], k); ok {
				found = true
				if p.Cmp == "positive" && val > 0 || p.Cmp == "zero" && val == 0 {
					c++
				}
			}
		}
		if found {
			set(float64(c))
		} else {
			absent()
		}
	case "trend_months":
		rs, rn := x.span(d.Items[0], x.ref-n+1, x.ref)
		es, en := x.span(d.Items[0], x.ref-2*n+1, x.ref-n)
		if rn > 0 && en > 0 && es > 0 {
			set((rs/float64(rn))/(es/float64(en)) - 1)
		}
	case "yoy_ratio":
		var recent, before float64
		pairs := 0
		for k := x.ref - n + 1; k <= x.ref; k++ {
			a, okA := x.months[d.Items[0]][k]
			b, okB := x.months[d.Items[0]][k-12]
			if okA && okB {
				x.used[a], x.used[b] = true, true
				recent += float64(x.facts[a].Num)
				before += float64(x.facts[b].Num)
				pairs++
			}
		}
		if pairs > 0 && before > 0 {
			set(recent/before - 1)
		}
	case "change_months":
		for k := x.ref; k > x.ref-n; k-- {
			if _, ok := x.months[d.Items[0]][k]; !ok {
				continue
			}
			if before, ok := x.month(d.Items[0], k-n); ok {
				now, _ := x.month(d.Items[0], k)
				set(now - before)
			}
			return
		}
	case "ratio_months":
		as, an := x.span(d.Items[0], x.ref-n+1, x.ref)
		bs, bn := x.span(d.Items[1], x.ref-n+1, x.ref)
		if an > 0 && bn > 0 && bs > 0 {
			set(as / bs)
		}
	case "count_events", "sum_events":
		total := 0.0
		for _, i := range x.eventsIn(d.Items, x.windowStart(p.WindowMonths)) {
			x.used[i] = true
			if d.Op == "count_events" {
				total++
			} else {
				total += float64(x.facts[i].Num)
			}
		}
		set(total)
	case "days_since_last_event":
		var last time.Time
		for _, i := range x.eventsIn(d.Items, time.Time{}) {
			if per := x.facts[i].Period; per.After(last) {
				last = per
			}
		}
		if last.IsZero() {
			return
		}
		for _, i := range x.eventsIn(d.Items, time.Time{}) {
			if x.facts[i].Period.Equal(last) {
				x.used[i] = true
			}
		}
		set(math.Floor(x.asOf.Sub(last).Hours() / 24))
	case "active_at":
		c := 0
		for _, i := range x.eventsIn(d.Items, time.Time{}) {
			f := x.facts[i]
			x.used[i] = true
			if f.EndsOn.IsZero() || f.EndsOn.After(x.asOf) {
				c++
			}
		}
		set(float64(c))
	case "age_years":
		if !ent.FoundedOn.IsZero() && !ent.FoundedOn.After(x.asOf) {
			set(math.Round(x.asOf.Sub(ent.FoundedOn).Hours()/24/365.25*100) / 100)
		}
	case "registry":
		if ent.Industry != "" {
			v.Cat[d.Name] = ent.Industry
		}
	case "loan_count", "loan_defaults", "loan_max_days_overdue", "loan_lenders", "loan_outstanding":
		x.evalLoans(d, set)
	}
}

// evalLoans computes the loan operators over the known loans (knownLoans).
func (x *index) evalLoans(d Def, set func(float64)) {
	since := x.windowStart(d.Params.WindowMonths)
	done := func(t time.Time) bool { return !t.IsZero() && !t.After(x.asOf) }
	var total float64
	lenders := map[string]bool{}
	found := false
	for i, l := range x.loans {
		switch d.Op {
		case "loan_outstanding":
			if done(l.RepaidOn) || done(l.DefaultedOn) {
				continue
			}
			total += float64(l.AmountFen)
		case "loan_defaults":
			if !done(l.DefaultedOn) || !since.IsZero() && !l.DefaultedOn.After(since) {
				continue
			}
			total++
		default:
			if !since.IsZero() && !l.StartOn.After(since) {
				continue
			}
			switch d.Op {
			case "loan_count":
				total++
			case "loan_max_days_overdue":
				total = math.Max(total, float64(l.MaxDaysOverdue))
			case "loan_lenders":
				lenders[l.Lender] = true
				total = float64(len(lenders))
			}
		}
		found = true
		x.usedLns[i] = true
	}
	if d.Op == "loan_max_days_overdue" && !found {
		return // no loan in the window: unknown, not zero days
	}
	set(total)
}

// sources lists the facts and loans marked used, ordered.
func (x *index) sources() []Source {
	var out []Source
	for i, u := range x.used {
		if u {
			f := x.facts[i]
			out = append(out, Source{Item: f.Item, Period: f.Period, Version: f.Version, Batch: f.Batch, ReceivedAt: f.ReceivedAt})
		}
	}
	for i, u := range x.usedLns {
		if u {
			l := x.loans[i]
			out = append(out, Source{Item: ItemLoan, Period: l.StartOn, Version: 1, Batch: l.Batch, ReceivedAt: l.ReceivedAt})
		}
	}
	slices.SortStableFunc(out, func(a, b Source) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), a.Period.Compare(b.Period), cmp.Compare(a.Version, b.Version),
			cmp.Compare(a.Batch, b.Batch), a.ReceivedAt.Compare(b.ReceivedAt))
	})
	return out
}
