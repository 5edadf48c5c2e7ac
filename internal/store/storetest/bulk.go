package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

// records returns n distinct registry records for the bulk cases.
func records(division string, first, n int) []*enterprise.Record {
	rs := make([]*enterprise.Record, n)
	for i := range rs {
		rs[i] = record(code(division, first+i), fmt.Sprintf("苏州第%d有限公司", first+i), fmt.Sprintf("Suzhou No. %d Co., Ltd.", first+i), division)
	}
	return rs
}

// wantEnterpriseCount checks how many enterprises are registered.
func wantEnterpriseCount(t *testing.T, s store.Store, want int) {
	t.Helper()
	n, err := s.CountEnterprises(ctx(t))
	must(t, err)
	if n != want {
		t.Fatalf("CountEnterprises = %d, want %d", n, want)
	}
}

// wantUntouched checks CreateEnterprises set nothing on records it
// refused.
func wantUntouched(t *testing.T, rs []*enterprise.Record) {
	t.Helper()
	for i, r := range rs {
		if r.ID != 0 || r.Version != 0 || !r.CreatedAt.IsZero() {
			t.Fatalf("record %d was changed by a failed call: ID %d Version %d CreatedAt %v", i, r.ID, r.Version, r.CreatedAt)
		}
	}
}

var bulkEnterpriseCases = []testCase{
	{"CreateEnterprises_sets_ids_times_version_that_the_reads_agree_with", func(t *testing.T, h Harness) {
		s := h.Open(t)
		single := create(t, s, record(code("320505", 0), "单独登记的公司", "", "320505"))
		before := time.Now().Add(-time.Second)
		// Enough rows to span several COPY buffers and prepared-statement
		// runs; one record with every optional field zero.
		rs := records("320505", 1, 700)
		rs[3] = &enterprise.Record{Code: code("320505", 4), NameZH: "零值公司", Status: enterprise.StatusOperating}
		rs[5].FoundedOn = time.Date(2001, 3, 4, 0, 30, 0, 0, time.FixedZone("CST", 8*3600))
		must(t, s.CreateEnterprises(ctx(t), rs))
		seen := map[int64]bool{single.ID: true}
		for i, r := range rs {
			if r.ID == 0 || seen[r.ID] || r.Version != 1 || r.CreatedAt.Before(before) || !r.UpdatedAt.Equal(r.CreatedAt) {
				t.Fatalf("record %d after CreateEnterprises: ID %d (seen %v) Version %d CreatedAt %v UpdatedAt %v",
					i, r.ID, seen[r.ID], r.Version, r.CreatedAt, r.UpdatedAt)
			}
			if i > 0 && r.ID <= rs[i-1].ID {
				t.Fatalf("ids do not ascend in the order of the slice: record %d has %d after %d", i, r.ID, rs[i-1].ID)
			}
			seen[r.ID] = true
		}
		equal(t, "calendar day of a zoned founding date", rs[5].FoundedOn, time.Date(2001, 3, 4, 0, 0, 0, 0, time.UTC))
		for _, i := range []int{0, 3, 5, 699} {
			byCode, err := s.EnterpriseByCode(ctx(t), rs[i].Code)
			must(t, err)
			equal(t, label("EnterpriseByCode of record %d", i), byCode, *rs[i])
			byID, err := s.EnterpriseByID(ctx(t), rs[i].ID)
			must(t, err)
			equal(t, label("EnterpriseByID of record %d", i), byID, *rs[i])
		}
		wantEnterpriseCount(t, s, 701)
		after := create(t, s, record(code("320505", 9999), "之后登记的公司", "", "320505"))
		if seen[after.ID] {
			t.Fatalf("CreateEnterprise after the bulk call reused id %d", after.ID)
		}
		must(t, s.CreateEnterprises(ctx(t), nil))
		wantEnterpriseCount(t, s, 702)
	}},
	{"CreateEnterprises_duplicate_within_the_batch_is_Conflict_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		create(t, s, record(code("320505", 0), "已登记的公司", "", "320505"))
		rs := records("320505", 1, 50)
		rs[40].Code = rs[7].Code
		err := s.CreateEnterprises(ctx(t), rs)
		wantFault(t, err, fault.Conflict, "enterprise.duplicate")
		if fe, _ := fault.As(err); fe.Params["code"] != rs[7].Code {
			t.Fatalf("duplicate error params = %v, want code %s", fe.Params, rs[7].Code)
		}
		wantUntouched(t, rs)
		wantEnterpriseCount(t, s, 1)
	}},
	{"CreateEnterprises_code_already_registered_is_Conflict_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		taken := create(t, s, record(code("320505", 30), "已登记的公司", "", "320505"))
		rs := records("320505", 1, 50) // the 30th carries the registered code
		err := s.CreateEnterprises(ctx(t), rs)
		wantFault(t, err, fault.Conflict, "enterprise.duplicate")
		if fe, _ := fault.As(err); fe.Params["code"] != taken.Code {
			t.Fatalf("duplicate error params = %v, want code %s", fe.Params, taken.Code)
		}
		wantUntouched(t, rs)
		wantEnterpriseCount(t, s, 1)
		_, err = s.EnterpriseByCode(ctx(t), rs[0].Code)
		wantFault(t, err, fault.NotFound, "enterprise.not_found")
		// The store is usable and the refused codes are free afterwards.
		must(t, s.CreateEnterprises(ctx(t), rs[:29]))
		wantEnterpriseCount(t, s, 30)
	}},
	{"CreateEnterprises_status_outside_the_list_is_Invalid_store.check_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		rs := records("320505", 1, 20)
		rs[12].Status = "closed"
		wantFault(t, s.CreateEnterprises(ctx(t), rs), fault.Invalid, "store.check")
		wantUntouched(t, rs)
		wantEnterpriseCount(t, s, 0)
	}},
	{"CreateEnterprises_inside_InTx_joins_it_and_rolls_back_with_it", func(t *testing.T, h Harness) {
		s := h.Open(t)
		rs := records("320505", 1, 30)
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := tx.CreateEnterprises(ctx(t), rs); err != nil {
				return err
			}
			got, err := tx.EnterpriseByCode(ctx(t), rs[29].Code)
			if err != nil {
				return err
			}
			equal(t, "record read inside the transaction", got, *rs[29])
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("InTx returned %v, want fn's error", err)
		}
		wantEnterpriseCount(t, s, 0)
		// Committed when the transaction commits.
		rs = records("320505", 1, 30)
		inTx(t, s, func(tx store.Store) error { return tx.CreateEnterprises(ctx(t), rs) })
		wantEnterpriseCount(t, s, 30)
	}},
}
