package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

// code returns a distinct 18-character code for fixture n; the store does
// not validate codes (the enterprise service does).
func code(division string, n int) string { return fmt.Sprintf("91%sMA%07dX", division, n) }

func record(code, nameZH, nameEN, division string) *enterprise.Record {
	return &enterprise.Record{
		Code: code, NameZH: nameZH, NameEN: nameEN, Division: division,
		Industry: "C", Size: "small", Status: enterprise.StatusOperating,
		RegisteredCapital: 5_000_000_00, // 5 million yuan, in fen
		FoundedOn:         time.Date(2008, 3, 14, 0, 0, 0, 0, time.UTC),
		Address:           "江苏省苏州市吴中区某某路1号",
		LegalRepMasked:    "张*明",
		LegalRepSealed:    []byte{0x00, 0x01, 0xfe, 0xff, 'x'},
	}
}

func create(t *testing.T, s store.Store, r *enterprise.Record) *enterprise.Record {
	t.Helper()
	must(t, s.CreateEnterprise(ctx(t), r))
	return r
}

var enterpriseCases = []testCase{
	{"CreateEnterprise_sets_id_times_version_and_every_field_round_trips", func(t *testing.T, h Harness) {
		s := h.Open(t)
		before := time.Now().Add(-time.Second)
		r := create(t, s, record(code("320505", 1), "苏州某某精密机械有限公司", "Suzhou Precision Machinery Co., Ltd.", "320505"))
		if r.ID == 0 || r.Version != 1 {
			t.Fatalf("after create: ID %d Version %d, want ID set and Version 1", r.ID, r.Version)
		}
		if r.CreatedAt.Before(before) || !r.UpdatedAt.Equal(r.CreatedAt) {
			t.Fatalf("after create: CreatedAt %v UpdatedAt %v, want now and equal", r.CreatedAt, r.UpdatedAt)
		}
		byCode, err := s.EnterpriseByCode(ctx(t), r.Code)
		must(t, err)
		equal(t, "EnterpriseByCode", byCode, *r)
		byID, err := s.EnterpriseByID(ctx(t), r.ID)
		must(t, err)
		equal(t, "EnterpriseByID", byID, *r)
	}},
	{"CreateEnterprise_zero_optional_fields_read_back_as_zero", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := &enterprise.Record{Code: code("110108", 2), NameZH: "北京某某科技有限公司", Status: enterprise.StatusOperating}
		create(t, s, r)
		got, err := s.EnterpriseByID(ctx(t), r.ID)
		must(t, err)
		if !got.FoundedOn.IsZero() || got.LegalRepSealed != nil || got.Size != "" {
			t.Fatalf("zero fields came back as FoundedOn %v, LegalRepSealed %#v, Size %q", got.FoundedOn, got.LegalRepSealed, got.Size)
		}
		equal(t, "record", got, *r)
	}},
	{"CreateEnterprise_founding_date_keeps_its_calendar_day_in_any_zone", func(t *testing.T, h Harness) {
		s := h.Open(t)
		shanghai := time.FixedZone("CST", 8*3600)
		r := record(code("320505", 3), "苏州某某有限公司", "", "320505")
		r.FoundedOn = time.Date(2001, 3, 4, 0, 30, 0, 0, shanghai) // 2001-03-03 16:30 UTC
		create(t, s, r)
		got, err := s.EnterpriseByID(ctx(t), r.ID)
		must(t, err)
		equal(t, "FoundedOn", got.FoundedOn, time.Date(2001, 3, 4, 0, 0, 0, 0, time.UTC))
	}},
	{"CreateEnterprise_duplicate_code_is_Conflict_enterprise.duplicate", func(t *testing.T, h Harness) {
		s := h.Open(t)
		create(t, s, record("914403001922038216", "华为技术有限公司", "Huawei", "440300"))
		err := s.CreateEnterprise(ctx(t), record("914403001922038216", "另一家公司", "", "440300"))
		wantFault(t, err, fault.Conflict, "enterprise.duplicate")
		if fe, _ := fault.As(err); fe.Params["code"] != "914403001922038216" {
			t.Fatalf("duplicate error params = %v, want the code", fe.Params)
		}
	}},
	{"CreateEnterprise_status_outside_the_list_is_Invalid_store.check", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := record(code("320505", 4), "某公司", "", "320505")
		r.Status = "closed"
		wantFault(t, s.CreateEnterprise(ctx(t), r), fault.Invalid, "store.check")
		r.Status, r.Size = enterprise.StatusOperating, "huge"
		wantFault(t, s.CreateEnterprise(ctx(t), r), fault.Invalid, "store.check")
	}},
	{"EnterpriseByCode_and_ByID_unknown_are_NotFound_enterprise.not_found", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.EnterpriseByCode(ctx(t), "91110108551385082Q")
		wantFault(t, err, fault.NotFound, "enterprise.not_found")
		_, err = s.EnterpriseByID(ctx(t), 424242)
		wantFault(t, err, fault.NotFound, "enterprise.not_found")
	}},
	{"UpdateEnterprise_increments_version_and_records_changes_oldest_first", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := create(t, s, record(code("320505", 5), "苏州旧名有限公司", "Old Name", "320505"))
		created := r.CreatedAt
		r.NameZH, r.Status, r.RegisteredCapital = "苏州新名有限公司", enterprise.StatusSuspended, 1
		changes := []enterprise.Change{
			{Field: "name_zh", OldValue: "苏州旧名有限公司", NewValue: "苏州新名有限公司", ActorUserID: 7, Reason: "更名"},
			{Field: "status", OldValue: "operating", NewValue: "suspended", ChangedAt: utc(2024, 5, 1, 8, 0, 0, 1)},
		}
		must(t, s.UpdateEnterprise(ctx(t), r, changes))
		if r.Version != 2 || !r.CreatedAt.Equal(created) || r.UpdatedAt.Before(created) {
			t.Fatalf("after update: Version %d CreatedAt %v UpdatedAt %v", r.Version, r.CreatedAt, r.UpdatedAt)
		}
		got, err := s.EnterpriseByID(ctx(t), r.ID)
		must(t, err)
		equal(t, "updated record", got, *r)

		for i, c := range changes {
			if c.ID == 0 || c.EnterpriseID != r.ID || c.ChangedAt.IsZero() {
				t.Fatalf("change %d not completed by the store: %+v", i, c)
			}
		}
		hist, err := s.EnterpriseChanges(ctx(t), r.ID)
		must(t, err)
		// The status change carries an older time, so it comes first.
		equal(t, "history", hist, []enterprise.Change{changes[1], changes[0]})

		none, err := s.EnterpriseChanges(ctx(t), 999)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("changes of unknown enterprise = %v, want none", none)
		}
	}},
	{"UpdateEnterprise_stale_version_is_Conflict_enterprise.stale_and_writes_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := create(t, s, record(code("320505", 6), "某某有限公司", "", "320505"))
		first, second := *r, *r
		first.Address = "first writer"
		must(t, s.UpdateEnterprise(ctx(t), &first, nil))
		second.Address = "second writer"
		err := s.UpdateEnterprise(ctx(t), &second, []enterprise.Change{{Field: "address", NewValue: "second writer"}})
		wantFault(t, err, fault.Conflict, "enterprise.stale")
		got, err := s.EnterpriseByID(ctx(t), r.ID)
		must(t, err)
		if got.Address != "first writer" || got.Version != 2 {
			t.Fatalf("after stale update: address %q version %d, want first writer's", got.Address, got.Version)
		}
		hist, err := s.EnterpriseChanges(ctx(t), r.ID)
		must(t, err)
		if len(hist) != 0 {
			t.Fatalf("stale update recorded changes: %v", hist)
		}
	}},
	{"UpdateEnterprise_unknown_id_is_NotFound_and_taken_code_is_Conflict", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ghost := record(code("320505", 7), "不存在", "", "320505")
		ghost.ID, ghost.Version = 4242, 1
		wantFault(t, s.UpdateEnterprise(ctx(t), ghost, nil), fault.NotFound, "enterprise.not_found")

		a := create(t, s, record(code("320505", 8), "甲公司", "", "320505"))
		b := create(t, s, record(code("320505", 9), "乙公司", "", "320505"))
		b.Code = a.Code
		wantFault(t, s.UpdateEnterprise(ctx(t), b, nil), fault.Conflict, "enterprise.duplicate")
	}},
	{"CountEnterprises_counts_registered_enterprises", func(t *testing.T, h Harness) {
		s := h.Open(t)
		n, err := s.CountEnterprises(ctx(t))
		must(t, err)
		if n != 0 {
			t.Fatalf("empty store counts %d", n)
		}
		for i := range 3 {
			create(t, s, record(code("320505", 10+i), fmt.Sprintf("公司%d", i), "", "320505"))
		}
		n, err = s.CountEnterprises(ctx(t))
		must(t, err)
		if n != 3 {
			t.Fatalf("CountEnterprises = %d, want 3", n)
		}
	}},
}

var searchCases = []testCase{
	{"SearchEnterprises_matches_text_division_industry_status", func(t *testing.T, h Harness) {
		s := h.Open(t)
		type fixture struct {
			key                            string
			code, zh, en, division, indust string
			status                         enterprise.Status
		}
		fixtures := []fixture{
			{"suzhou", code("320505", 1), "苏州某某精密机械有限公司", "Suzhou Precision Machinery Co., Ltd.", "320505", "C", enterprise.StatusOperating},
			{"wuxi", code("320211", 2), "无锡某某纺织有限公司", "Wuxi Textile Co., Ltd.", "320211", "C", enterprise.StatusSuspended},
			{"shenzhen", code("440305", 3), "深圳某某科技有限公司", "Shenzhen TECH Co., Ltd.", "440305", "I", enterprise.StatusOperating},
			{"percent", code("310115", 4), "上海100%纯净水有限公司", "Pure_Water Ltd.", "310115", "C", enterprise.StatusOperating},
			{"hundred", code("110108", 5), "北京一百贸易有限公司", "100 Percent Trading", "110108", "F", enterprise.StatusOperating},
			{"purex", code("310115", 6), "上海某某饮品有限公司", "PureXWater Ltd.", "310115", "C", enterprise.StatusRevoked},
		}
		byKey := map[string]int64{}
		for _, f := range fixtures {
			r := &enterprise.Record{Code: f.code, NameZH: f.zh, NameEN: f.en, Division: f.division, Industry: f.indust, Status: f.status}
			create(t, s, r)
			byKey[f.key] = r.ID
		}
		tests := []struct {
			name string
			q    enterprise.Query
			want []string
		}{
			{"Chinese substring 精密", enterprise.Query{Text: "精密"}, []string{"suzhou"}},
			{"Chinese substring 有限公司 matches all six", enterprise.Query{Text: "有限公司"}, []string{"suzhou", "wuxi", "shenzhen", "percent", "hundred", "purex"}},
			{"English substring any case", enterprise.Query{Text: "PRECISION machinery"}, []string{"suzhou"}},
			{"English lower matches upper stored", enterprise.Query{Text: "tech"}, []string{"shenzhen"}},
			{"percent sign matches literally", enterprise.Query{Text: "100%"}, []string{"percent"}},
			{"underscore matches literally", enterprise.Query{Text: "Pure_Water"}, []string{"percent"}},
			{"backslash is not an escape for the user", enterprise.Query{Text: `Pure\_Water`}, nil},
			{"code prefix", enterprise.Query{Text: "91320"}, []string{"suzhou", "wuxi"}},
			{"code prefix in lower case", enterprise.Query{Text: "91320505ma"}, []string{"suzhou"}},
			{"code infix is not a match", enterprise.Query{Text: "320505MA"}, nil},
			{"division province prefix", enterprise.Query{Division: "32"}, []string{"suzhou", "wuxi"}},
			{"division city prefix", enterprise.Query{Division: "3205"}, []string{"suzhou"}},
			{"division full code", enterprise.Query{Division: "310115"}, []string{"percent", "purex"}},
			{"division prefix ending in 9 rolls over", enterprise.Query{Division: "319"}, nil},
			{"industry", enterprise.Query{Industry: "I"}, []string{"shenzhen"}},
			{"status", enterprise.Query{Status: enterprise.StatusSuspended}, []string{"wuxi"}},
			{"filters combine", enterprise.Query{Text: "有限公司", Division: "31", Industry: "C", Status: enterprise.StatusOperating}, []string{"percent"}},
			{"no filter returns all", enterprise.Query{}, []string{"suzhou", "wuxi", "shenzhen", "percent", "hundred", "purex"}},
		}
		for _, tc := range tests {
			got, total, err := s.SearchEnterprises(ctx(t), tc.q)
			must(t, err)
			var want []int64
			for _, k := range tc.want {
				want = append(want, byKey[k])
			}
			gotIDs := ids(got, func(r enterprise.Record) int64 { return r.ID })
			if len(want) == 0 {
				want = []int64{}
			}
			equal(t, label("%s: ids", tc.name), gotIDs, want)
			if total != len(want) {
				t.Fatalf("%s: total = %d, want %d", tc.name, total, len(want))
			}
		}
	}},
	{"SearchEnterprises_pages_by_id_with_total_default_and_max_limit", func(t *testing.T, h Harness) {
		s := h.Open(t)
		const n = 510
		var all []int64
		inTx(t, s, func(tx store.Store) error {
			for i := range n {
				r := &enterprise.Record{Code: code("320505", i), NameZH: fmt.Sprintf("苏州第%d有限公司", i), Division: "320505", Status: enterprise.StatusOperating}
				if err := tx.CreateEnterprise(ctx(t), r); err != nil {
					return err
				}
				all = append(all, r.ID)
			}
			return nil
		})
		tests := []struct {
			name string
			q    enterprise.Query
			want []int64
		}{
			{"second page of two", enterprise.Query{Limit: 2, Offset: 2}, all[2:4]},
			{"default limit is 50", enterprise.Query{}, all[:50]},
			{"limit is capped at 500", enterprise.Query{Limit: 100000, Offset: 5}, all[5:505]},
			{"last partial page", enterprise.Query{Limit: 50, Offset: 500}, all[500:]},
			{"offset past the end is empty", enterprise.Query{Limit: 10, Offset: n}, []int64{}},
			{"negative offset is zero", enterprise.Query{Limit: 1, Offset: -3}, all[:1]},
		}
		for _, tc := range tests {
			got, total, err := s.SearchEnterprises(ctx(t), tc.q)
			must(t, err)
			equal(t, tc.name, ids(got, func(r enterprise.Record) int64 { return r.ID }), tc.want)
			if total != n {
				t.Fatalf("%s: total = %d, want %d", tc.name, total, n)
			}
		}
	}},
}
