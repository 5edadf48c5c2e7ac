package quality

import "time"

// ExpectedPeriod is the latest period of an item with the given update
// frequency that its department should have delivered by now: the latest
// period that ended at least grace days before now. Periods are months
// (first day) for monthly items, quarters (their first month) for
// quarterly, years (1 January) for yearly, days for daily and real-time
// items. Events have no schedule: the zero time.
func ExpectedPeriod(frequency string, now time.Time, grace int) time.Time {
	now = now.UTC()
	var p time.Time
	switch frequency {
	case "monthly":
		p = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "quarterly":
		q := (int(now.Month()) - 1) / 3 * 3
		p = time.Date(now.Year(), time.Month(q+1), 1, 0, 0, 0, 0, time.UTC)
	case "yearly":
		p = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	case "daily", "realtime":
		p = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	default:
		return time.Time{}
	}
	// Step back from the current (unfinished) period until one has ended
	// grace days ago.
	for {
		p = PreviousPeriod(frequency, p)
		if !NextPeriod(frequency, p).AddDate(0, 0, grace).After(now) {
			return p
		}
	}
}

// PreviousPeriod is the period before p; the zero time for events.
func PreviousPeriod(frequency string, p time.Time) time.Time {
	return step(frequency, p, -1)
}

// NextPeriod is the period after p (the day p ends); the zero time for
// events.
func NextPeriod(frequency string, p time.Time) time.Time {
	return step(frequency, p, 1)
}

func step(frequency string, p time.Time, n int) time.Time {
	switch frequency {
	case "monthly":
		return p.AddDate(0, n, 0)
	case "quarterly":
		return p.AddDate(0, 3*n, 0)
	case "yearly":
		return p.AddDate(n, 0, 0)
	case "daily", "realtime":
		return p.AddDate(0, 0, n)
	}
	return time.Time{}
}

// Freshness compares an item's latest stored period with the expected
// one: on time when it reached it, late when it is one period behind,
// stale when further behind or when nothing is stored.
func Freshness(frequency string, expected, last time.Time) string {
	switch {
	case expected.IsZero():
		return NoSchedule
	case last.IsZero():
		return Stale
	case !last.Before(expected):
		return OnTime
	case !last.Before(PreviousPeriod(frequency, expected)):
		return Late
	}
	return Stale
}
