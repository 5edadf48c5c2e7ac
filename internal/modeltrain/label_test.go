package modeltrain

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLabelUsesOnlyOutcomesAfterTheDate(t *testing.T) {
	t.Parallel()
	d := day("2025-01-01")
	loan := func(start, repaid, defaulted string, overdue int, received string) facts.Loan {
		l := facts.Loan{StartOn: day(start), MaxDaysOverdue: overdue, ReceivedAt: day(received)}
		if repaid != "" {
			l.RepaidOn = day(repaid)
		}
		if defaulted != "" {
			l.DefaultedOn = day(defaulted)
		}
		return l
	}
	for _, c := range []struct {
		name    string
		loans   []facts.Loan
		in, bad bool
	}{
		{"no loans", nil, false, false},
		{"outstanding, repaid after the date: good", []facts.Loan{loan("2024-06-01", "2025-06-01", "", 0, "2025-06-10")}, true, false},
		{"repaid before the date: no exposure", []facts.Loan{loan("2024-01-01", "2024-12-01", "", 0, "2024-12-05")}, false, false},
		{"defaulted inside the horizon: bad", []facts.Loan{loan("2024-06-01", "", "2025-09-15", 120, "2025-09-20")}, true, true},
		{"defaulted on the date itself: already defaulted, out", []facts.Loan{loan("2024-06-01", "", "2025-01-01", 120, "2025-01-05")}, false, false},
		{"defaulted before the date: out", []facts.Loan{loan("2024-01-01", "", "2024-11-01", 100, "2024-11-05"), loan("2024-12-01", "2025-12-01", "", 0, "2025-12-05")}, false, false},
		{"defaulted after the horizon: good", []facts.Loan{loan("2024-06-01", "", "2026-02-01", 100, "2026-02-05")}, true, false},
		{"loan disbursed inside the horizon and defaulted: bad", []facts.Loan{loan("2025-03-01", "", "2025-11-01", 95, "2025-11-09")}, true, true},
		{"loan disbursed after the horizon: out", []facts.Loan{loan("2026-03-01", "", "", 0, "2026-03-05")}, false, false},
		{"90 days overdue without a default date, crossed inside the horizon: bad", []facts.Loan{loan("2024-10-01", "", "", 130, "2025-08-10")}, true, true},
		{"overdue less than 90 days: good", []facts.Loan{loan("2024-10-01", "", "", 60, "2025-08-10")}, true, false},
		{"90 days overdue crossed before the date (estimated): out", []facts.Loan{loan("2024-06-01", "", "", 200, "2025-02-01")}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, bad := Label(c.loans, d, 12)
			if in != c.in || bad != c.bad {
				t.Fatalf("Label = in %v bad %v, want in %v bad %v", in, bad, c.in, c.bad)
			}
		})
	}
}

func TestObservationDatesLeaveTheHorizonObserved(t *testing.T) {
	t.Parallel()
	got := observationDates(day("2026-11-15"), day("2024-03-10"), 3, 12, 6)
	want := []string{"2024-08-01", "2024-11-01", "2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01"}
	if len(got) != len(want) {
		t.Fatalf("dates %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Format(time.DateOnly) != want[i] {
			t.Fatalf("dates %v, want %v", got, want)
		}
	}
	// A short history yields fewer dates, never one before the first loan.
	short := observationDates(day("2026-11-15"), day("2025-06-01"), 3, 12, 6)
	if len(short) != 2 || short[0].Format(time.DateOnly) != "2025-08-01" {
		t.Fatalf("short history dates %v, want [2025-08-01 2025-11-01]", short)
	}
}
