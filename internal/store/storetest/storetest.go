package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

// Harness connects the suite to a backend.
type Harness struct {
	// Name labels the backend in test names ("sqlite", "postgres").
	Name string
	// Open returns a fresh, migrated, empty store and arranges (t.Cleanup)
	// for it and its database to be closed and removed.
	Open func(t *testing.T) store.Store
	// Exec runs raw SQL ($1-style placeholders) on the database behind s,
	// outside any transaction; the tamper cases use it to alter the
	// evidence log behind the store's back.
	Exec func(t *testing.T, s store.Store, sql string, args ...any)
}

type testCase struct {
	name string
	run  func(t *testing.T, h Harness)
}

// Run runs every case against h. It returns when all cases have finished.
func Run(t *testing.T, h Harness) {
	t.Helper()
	var all []testCase
	all = append(all, lifecycleCases...)
	all = append(all, enterpriseCases...)
	all = append(all, bulkEnterpriseCases...)
	all = append(all, searchCases...)
	all = append(all, orgCases...)
	all = append(all, userCases...)
	all = append(all, sessionCases...)
	all = append(all, apiKeyCases...)
	all = append(all, auditCases...)
	all = append(all, auditGroupCases...)
	all = append(all, tamperCases...)
	all = append(all, factCases...)
	all = append(all, factItemsCases...)
	all = append(all, catalogCases...)
	all = append(all, connectorCases...)
	all = append(all, batchCases...)
	all = append(all, ingestJobCases...)
	all = append(all, qualityCases...)
	all = append(all, verifyCases...)
	all = append(all, authzCases...)
	all = append(all, monitorCases...)
	all = append(all, rightsCases...)
	all = append(all, modelregCases...)
	all = append(all, scoringCases...)
	all = append(all, indicatorCases...)
	all = append(all, txCases...)
	// The group waits for its parallel subtests, so Run returns only when
	// the whole suite is done (the caller may then record that it ran).
	t.Run(h.Name, func(t *testing.T) {
		for _, c := range all {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.run(t, h)
			})
		}
	})
}

var lifecycleCases = []testCase{
	{"Ping_answers", func(t *testing.T, h Harness) {
		s := h.Open(t)
		must(t, s.Ping(ctx(t)))
	}},
	{"Schema_is_current_after_open", func(t *testing.T, h Harness) {
		s := h.Open(t)
		st, err := s.Schema(ctx(t))
		must(t, err)
		if !st.Current() || st.Latest < 1 {
			t.Fatalf("Schema() = %+v, want applied == latest >= 1", st)
		}
	}},
	{"Backend_names_itself", func(t *testing.T, h Harness) {
		s := h.Open(t)
		if b := s.Backend(); b != "sqlite" && b != "postgres" {
			t.Fatalf("Backend() = %q, want sqlite or postgres", b)
		}
	}},
	{"Cancelled_context_is_classified_Canceled_not_Internal", func(t *testing.T, h Harness) {
		s := h.Open(t)
		c, cancel := context.WithCancel(ctx(t))
		cancel()
		_, err := s.EnterpriseByCode(c, "914403001922038216")
		if fault.KindOf(err) != fault.Canceled {
			t.Fatalf("read with a cancelled context: %v (kind %v), want kind Canceled", err, fault.KindOf(err))
		}
		err = s.AppendAudit(c, &audit.Entry{Action: "x"})
		if fault.KindOf(err) != fault.Canceled {
			t.Fatalf("append with a cancelled context: %v (kind %v), want kind Canceled", err, fault.KindOf(err))
		}
	}},
	{"Stats_reports_every_pool", func(t *testing.T, h Harness) {
		s := h.Open(t)
		sr, ok := s.(store.StatsReporter)
		if !ok {
			t.Fatalf("%T does not implement store.StatsReporter", s)
		}
		stats := sr.Stats()
		if len(stats) == 0 {
			t.Fatal("Stats() returned no pools")
		}
		for name, p := range stats {
			if p.MaxOpen <= 0 {
				t.Errorf("pool %q: MaxOpen = %d, want > 0", name, p.MaxOpen)
			}
		}
	}},
}

// ---- helpers shared by the case files

func ctx(t *testing.T) context.Context { return t.Context() }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantFault checks err is a *fault.Error of kind with code.
func wantFault(t *testing.T, err error, kind fault.Kind, code string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Code != code {
		t.Fatalf("error = %v (kind %v, code %q), want kind %v code %q", err, fault.KindOf(err), codeOf(err), kind, code)
	}
}

func codeOf(err error) string {
	if fe, ok := fault.As(err); ok {
		return fe.Code
	}
	return ""
}

// equal compares with reflect.DeepEqual, so times must match to the
// nanosecond and in location, and nil and empty slices differ.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// inTx runs fn in a transaction of s and fails the test on error.
func inTx(t *testing.T, s store.Store, fn func(store.Store) error) {
	t.Helper()
	must(t, s.InTx(ctx(t), fn))
}

// utc returns a UTC time with microsecond precision, as stored.
func utc(y int, m time.Month, d, hh, mm, ss, usec int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, usec*1000, time.UTC)
}

var errStop = errors.New("storetest: stop")

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func label(format string, args ...any) string { return fmt.Sprintf(format, args...) }
