package storetest

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

// catalogItem is a version with every field set to a non-zero value.
func catalogItem(code string) *catalog.Version {
	return &catalog.Version{
		Item: catalog.Item{
			Code: code, NameZH: "增值税应税销售额", NameEN: "VAT taxable sales", Category: catalog.CatTax, Department: "tax",
			Shape: "measure", Unit: "fen", Frequency: "monthly", Modes: []catalog.Mode{catalog.ModePhysical, catalog.ModeInterface},
			Sharing: catalog.Conditional, Disclosure: catalog.NotPublic, Grade: 3, Personal: true,
			LegalBasis: "《中华人民共和国税收征收管理法》；国办发〔2021〕52号", EffectiveFrom: "2022-01-01", EffectiveTo: "2030-12-31",
			Note: "declared for the month (所属期)",
		},
		AuthorUserID: 42, AuthorName: "admin", Reason: "初始导入", CreatedAt: utc(2026, 3, 1, 8, 30, 15, 123456),
	}
}

func put(t *testing.T, s store.Store, v *catalog.Version, base int64) *catalog.Version {
	t.Helper()
	must(t, s.PutItemVersion(ctx(t), v, base))
	return v
}

var catalogCases = []testCase{
	{"PutItemVersion_sets_version_1_and_every_field_round_trips", func(t *testing.T, h Harness) {
		s := h.Open(t)
		v := put(t, s, catalogItem("tax.vat_sales"), 0)
		if v.Version != 1 {
			t.Fatalf("Version = %d, want 1", v.Version)
		}
		got, err := s.ItemByCode(ctx(t), "tax.vat_sales")
		must(t, err)
		equal(t, "ItemByCode", got, *v)
		vs, err := s.ItemVersions(ctx(t), "tax.vat_sales")
		must(t, err)
		equal(t, "ItemVersions", vs, []catalog.Version{*v})
	}},
	{"PutItemVersion_zero_optional_fields_read_back_as_zero", func(t *testing.T, h Harness) {
		s := h.Open(t)
		v := catalogItem("registration.basic")
		v.Unit, v.EffectiveTo, v.Note, v.Personal, v.AuthorUserID, v.Modes = "", "", "", false, 0, []catalog.Mode{catalog.ModeVerification}
		v.CreatedAt = time.Time{}
		before := time.Now().Add(-time.Second)
		put(t, s, v, 0)
		if v.CreatedAt.Before(before) || v.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v, want now in UTC", v.CreatedAt)
		}
		got, err := s.ItemByCode(ctx(t), v.Code)
		must(t, err)
		equal(t, "item", got, *v)
	}},
	{"PutItemVersion_stale_base_is_Conflict_catalog.stale_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		put(t, s, catalogItem("tax.vat_sales"), 0)
		put(t, s, catalogItem("tax.vat_sales"), 1)
		for _, base := range []int64{0, 1, 3} {
			err := s.PutItemVersion(ctx(t), catalogItem("tax.vat_sales"), base)
			wantFault(t, err, fault.Conflict, "catalog.stale")
		}
		vs, err := s.ItemVersions(ctx(t), "tax.vat_sales")
		must(t, err)
		if len(vs) != 2 {
			t.Fatalf("%d versions after stale writes, want 2", len(vs))
		}
	}},
	{"ItemVersions_oldest_first_and_current_is_the_highest", func(t *testing.T, h Harness) {
		s := h.Open(t)
		for i, name := range []string{"一", "二", "三"} {
			v := catalogItem("si.arrears")
			v.NameZH, v.Reason = "社保欠费"+name, "第"+name+"次"
			put(t, s, v, int64(i))
		}
		vs, err := s.ItemVersions(ctx(t), "si.arrears")
		must(t, err)
		if len(vs) != 3 || vs[0].Version != 1 || vs[1].Version != 2 || vs[2].Version != 3 || vs[2].Reason != "第三次" {
			t.Fatalf("versions = %+v, want 1, 2, 3 oldest first", vs)
		}
		cur, err := s.ItemByCode(ctx(t), "si.arrears")
		must(t, err)
		equal(t, "current", cur, vs[2])
	}},
	{"CurrentItems_one_per_code_latest_version_ordered_by_code", func(t *testing.T, h Harness) {
		s := h.Open(t)
		empty, err := s.CurrentItems(ctx(t))
		must(t, err)
		if len(empty) != 0 {
			t.Fatalf("empty catalogue has %d items", len(empty))
		}
		put(t, s, catalogItem("util.water_m3"), 0)
		put(t, s, catalogItem("tax.vat_sales"), 0)
		b := put(t, s, catalogItem("tax.vat_sales"), 1)
		a := put(t, s, catalogItem("hf.arrears"), 0)
		w, err := s.ItemByCode(ctx(t), "util.water_m3")
		must(t, err)
		got, err := s.CurrentItems(ctx(t))
		must(t, err)
		equal(t, "CurrentItems", got, []catalog.Version{*a, *b, w})
	}},
	{"ItemByCode_and_ItemVersions_unknown_code_are_NotFound", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.ItemByCode(ctx(t), "tax.nothing")
		wantFault(t, err, fault.NotFound, "catalog.not_found")
		_, err = s.ItemVersions(ctx(t), "tax.nothing")
		wantFault(t, err, fault.NotFound, "catalog.not_found")
	}},
	{"PutItemVersion_in_a_rolled_back_transaction_leaves_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := tx.PutItemVersion(ctx(t), catalogItem("tax.vat_sales"), 0); err != nil {
				return err
			}
			return errStop
		})
		if err != errStop {
			t.Fatalf("InTx = %v, want errStop", err)
		}
		_, err = s.ItemByCode(ctx(t), "tax.vat_sales")
		wantFault(t, err, fault.NotFound, "catalog.not_found")
	}},
	{"PutItemVersion_bad_grade_is_rejected_by_the_database", func(t *testing.T, h Harness) {
		s := h.Open(t)
		v := catalogItem("tax.vat_sales")
		v.Grade = 5
		err := s.PutItemVersion(ctx(t), v, 0)
		wantFault(t, err, fault.Invalid, "store.check")
	}},
}
