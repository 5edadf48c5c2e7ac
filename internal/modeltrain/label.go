package modeltrain

import (
	"slices"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// DefaultDays is the days overdue that count as a default when a loan
// carries no default date.
const DefaultDays = 90

// defaultDate is when a loan defaulted, if it did: its DefaultedOn, or,
// for a loan reported 90+ days overdue without a default date, the day it
// reached 90 days, estimated from the report (received at ReceivedAt,
// MaxDaysOverdue days overdue then) and never before StartOn + 90 days.
// The estimate is exact for a loan still overdue when reported and early
// for one repaid since, which can only move a default earlier, out of a
// window, never into a later one.
func defaultDate(l facts.Loan) (time.Time, bool) {
	if !l.DefaultedOn.IsZero() {
		return l.DefaultedOn, true
	}
	if l.MaxDaysOverdue < DefaultDays {
		return time.Time{}, false
	}
	d := l.ReceivedAt.AddDate(0, 0, -(l.MaxDaysOverdue - DefaultDays))
	if lo := l.StartOn.AddDate(0, 0, DefaultDays); d.Before(lo) {
		d = lo
	}
	return d, true
}

// Label decides an enterprise's row at observation date d from its loans:
// in reports whether it belongs to the population at d (it has a loan
// outstanding at d or disbursed in the horizon after d, and had not
// defaulted by d); bad whether a loan defaulted in (d, d+horizon months].
// Only outcomes after d enter the label: loans that ended before d and
// defaults on or before d exclude the row or leave it out of the window.
func Label(loans []facts.Loan, d time.Time, horizonMonths int) (in, bad bool) {
	end := d.AddDate(0, horizonMonths, 0)
	for _, l := range loans {
		if dd, ok := defaultDate(l); ok && !dd.After(d) {
			return false, false // already defaulted: not a borrower to rank any more
		}
	}
	for _, l := range loans {
		if l.StartOn.After(end) {
			continue
		}
		if !l.RepaidOn.IsZero() && !l.RepaidOn.After(d) {
			continue // repaid before d: no exposure in the window
		}
		in = true
		if dd, ok := defaultDate(l); ok && dd.After(d) && !dd.After(end) {
			bad = true
		}
	}
	return in, bad
}

// monthStart is the first instant of t's month (UTC).
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// observationDates returns up to max dates, step months apart, the last
// horizon months before cutoff's month (so that every label window has
// been observed by cutoff) and none before the first loan's start, oldest
// first.
func observationDates(cutoff, firstLoan time.Time, step, horizon, max int) []time.Time {
	var out []time.Time
	d := monthStart(cutoff).AddDate(0, -horizon, 0)
	for len(out) < max && !d.Before(firstLoan) {
		out = append(out, d)
		d = d.AddDate(0, -step, 0)
	}
	slices.Reverse(out)
	return out
}
