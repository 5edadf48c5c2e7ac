package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/store"
)

// indicatorRecord is a version with every field the caller sets non-zero.
// The body is stored as text, not interpreted: any JSON will do.
func indicatorRecord(version string) *indicator.Record {
	return &indicator.Record{Version: version, Body: []byte("{\n  \"version\": \"" + version + "\",\n  \"name_zh\": \"指标体系\"\n}\n"),
		Digest: "9f2c" + version, AuthorUserID: 42, AuthorName: "admin", Reason: "初始导入 initial",
		CreatedAt: utc(2026, 3, 1, 8, 30, 15, 123456)}
}

func insertIndicator(t *testing.T, s store.Store, r *indicator.Record) *indicator.Record {
	t.Helper()
	must(t, s.InsertIndicatorSystem(ctx(t), r))
	return r
}

func activeIDs(t *testing.T, s store.Store) []int64 {
	t.Helper()
	all, err := s.IndicatorSystems(ctx(t))
	must(t, err)
	var out []int64
	for _, r := range all {
		if r.Active {
			out = append(out, r.ID)
		}
	}
	return out
}

var indicatorCases = []testCase{
	{"InsertIndicatorSystem_sets_ID_and_every_field_round_trips", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := insertIndicator(t, s, indicatorRecord("gbt23794-style/v1"))
		if r.ID <= 0 || r.Active {
			t.Fatalf("ID = %d, Active = %v; want a positive id, inactive", r.ID, r.Active)
		}
		got, err := s.IndicatorSystem(ctx(t), r.ID)
		must(t, err)
		equal(t, "IndicatorSystem", got, *r)
		list, err := s.IndicatorSystems(ctx(t))
		must(t, err)
		noBody := *r
		noBody.Body = nil
		equal(t, "IndicatorSystems", list, []indicator.Record{noBody})
	}},
	{"InsertIndicatorSystem_zero_CreatedAt_is_the_store_clock_in_UTC", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := indicatorRecord("v1")
		r.CreatedAt, r.AuthorUserID = time.Time{}, 0
		before := time.Now().Add(-time.Second)
		insertIndicator(t, s, r)
		if r.CreatedAt.Before(before) || r.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v, want now in UTC", r.CreatedAt)
		}
		got, err := s.IndicatorSystem(ctx(t), r.ID)
		must(t, err)
		equal(t, "record", got, *r)
	}},
	{"InsertIndicatorSystem_same_version_label_is_Conflict_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		insertIndicator(t, s, indicatorRecord("v1"))
		again := indicatorRecord("v1")
		again.Reason = "second"
		wantFault(t, s.InsertIndicatorSystem(ctx(t), again), fault.Conflict, "indicator.version_exists")
		list, err := s.IndicatorSystems(ctx(t))
		must(t, err)
		if len(list) != 1 || list[0].Reason != "初始导入 initial" {
			t.Fatalf("after the refused insert: %+v", list)
		}
	}},
	{"IndicatorSystems_lists_newest_first", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := insertIndicator(t, s, indicatorRecord("v1"))
		b := insertIndicator(t, s, indicatorRecord("v2"))
		c := insertIndicator(t, s, indicatorRecord("v10"))
		list, err := s.IndicatorSystems(ctx(t))
		must(t, err)
		equal(t, "ids", ids(list, func(r indicator.Record) int64 { return r.ID }), []int64{c.ID, b.ID, a.ID})
		empty := h.Open(t)
		none, err := empty.IndicatorSystems(ctx(t))
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("empty store lists %d versions", len(none))
		}
	}},
	{"IndicatorSystem_unknown_id_is_NotFound", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.IndicatorSystem(ctx(t), 999)
		wantFault(t, err, fault.NotFound, "indicator.not_found")
	}},
	{"ActiveIndicatorSystem_none_active_is_NotFound_no_active", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.ActiveIndicatorSystem(ctx(t))
		wantFault(t, err, fault.NotFound, "indicator.no_active")
		insertIndicator(t, s, indicatorRecord("v1"))
		_, err = s.ActiveIndicatorSystem(ctx(t))
		wantFault(t, err, fault.NotFound, "indicator.no_active")
	}},
	{"ActivateIndicatorSystem_keeps_exactly_one_active_and_records_who_and_when", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := insertIndicator(t, s, indicatorRecord("v1"))
		b := insertIndicator(t, s, indicatorRecord("v2"))
		at := utc(2026, 4, 2, 9, 0, 0, 654321)
		must(t, s.ActivateIndicatorSystem(ctx(t), a.ID, "admin", at))
		got, err := s.ActiveIndicatorSystem(ctx(t))
		must(t, err)
		want := *a
		want.Active, want.ActivatedAt, want.ActivatedBy = true, at, "admin"
		equal(t, "active after the first activation", got, want)
		must(t, s.ActivateIndicatorSystem(ctx(t), b.ID, "ops", at.Add(time.Hour)))
		equal(t, "active ids", activeIDs(t, s), []int64{b.ID})
		got, err = s.ActiveIndicatorSystem(ctx(t))
		must(t, err)
		if got.ID != b.ID || got.ActivatedBy != "ops" || !got.ActivatedAt.Equal(at.Add(time.Hour)) || string(got.Body) != string(b.Body) {
			t.Fatalf("active = %+v, want v2 activated by ops", got)
		}
		old, err := s.IndicatorSystem(ctx(t), a.ID)
		must(t, err)
		if old.Active || old.ActivatedBy != "admin" {
			t.Fatalf("the replaced version = %+v, want inactive, keeping when it was last activated", old)
		}
		// Activating the active version again keeps it the only one.
		must(t, s.ActivateIndicatorSystem(ctx(t), b.ID, "ops", at.Add(2*time.Hour)))
		equal(t, "active ids", activeIDs(t, s), []int64{b.ID})
	}},
	{"ActivateIndicatorSystem_unknown_id_is_NotFound_and_keeps_the_active_one", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := insertIndicator(t, s, indicatorRecord("v1"))
		must(t, s.ActivateIndicatorSystem(ctx(t), a.ID, "admin", utc(2026, 4, 2, 9, 0, 0, 0)))
		wantFault(t, s.ActivateIndicatorSystem(ctx(t), a.ID+100, "admin", utc(2026, 4, 2, 10, 0, 0, 0)), fault.NotFound, "indicator.not_found")
		equal(t, "active ids", activeIDs(t, s), []int64{a.ID})
	}},
	{"ActivateIndicatorSystem_in_a_rolled_back_transaction_changes_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := insertIndicator(t, s, indicatorRecord("v1"))
		b := insertIndicator(t, s, indicatorRecord("v2"))
		must(t, s.ActivateIndicatorSystem(ctx(t), a.ID, "admin", utc(2026, 4, 2, 9, 0, 0, 0)))
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := tx.ActivateIndicatorSystem(ctx(t), b.ID, "admin", utc(2026, 4, 2, 10, 0, 0, 0)); err != nil {
				return err
			}
			c := indicatorRecord("v3")
			if err := tx.InsertIndicatorSystem(ctx(t), c); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("InTx = %v, want errStop", err)
		}
		equal(t, "active ids", activeIDs(t, s), []int64{a.ID})
		list, err := s.IndicatorSystems(ctx(t))
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("%d versions after the rollback, want 2", len(list))
		}
	}},
}
