package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

// month is the first day of a month, as measures carry it.
func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// measure is a version-1 monthly measure reported by the tax bureau.
func measure(enterpriseID int64, item string, period time.Time, num int64) facts.Fact {
	return facts.Fact{EnterpriseID: enterpriseID, Item: item, Shape: facts.Measure, Period: period, Num: num,
		Source: "tax", Batch: "tax-2024-05-0001", SourceRow: 1, ReceivedAt: utc(2024, 5, 6, 9, 0, 0, 1), Version: 1}
}

// enterpriseIDs registers n enterprises and returns their ids.
func enterpriseIDs(t *testing.T, s store.Store, n int) []int64 {
	t.Helper()
	rs := records("320505", 1, n)
	must(t, s.CreateEnterprises(ctx(t), rs))
	return ids(rs, func(r *enterprise.Record) int64 { return r.ID })
}

func queryFacts(t *testing.T, s store.Store, q facts.Query) []facts.Fact {
	t.Helper()
	got, err := s.QueryFacts(ctx(t), q)
	must(t, err)
	return got
}

func wantCounts(t *testing.T, s store.Store, factsN, loansN int64) {
	t.Helper()
	nf, err := s.CountFacts(ctx(t))
	must(t, err)
	nl, err := s.CountLoans(ctx(t))
	must(t, err)
	if nf != factsN || nl != loansN {
		t.Fatalf("CountFacts, CountLoans = %d, %d; want %d, %d", nf, nl, factsN, loansN)
	}
}

// withIDs returns want with each ID taken from got (the store assigns ids
// that AppendFacts does not report); it fails when the lengths differ or
// an id is missing or repeated.
func withIDs(t *testing.T, got, want []facts.Fact) []facts.Fact {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d facts, want %d:\n got  %+v\n want %+v", len(got), len(want), got, want)
	}
	out := append([]facts.Fact(nil), want...)
	seen := map[int64]bool{}
	for i := range out {
		if got[i].ID == 0 || seen[got[i].ID] {
			t.Fatalf("fact %d has id %d (zero or repeated)", i, got[i].ID)
		}
		seen[got[i].ID] = true
		out[i].ID = got[i].ID
	}
	return out
}

// keys lists "item period ref vN" for compact comparisons.
func keys(fs []facts.Fact) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		k := f.Item + " " + f.Period.Format("2006-01-02")
		if f.Ref != "" {
			k += " " + f.Ref
		}
		out = append(out, fmt.Sprintf("%s v%d", k, f.Version))
	}
	return out
}

var factCases = []testCase{
	{"AppendFacts_every_field_round_trips_through_QueryFacts_in_item_period_ref_order", func(t *testing.T, h Harness) {
		s := h.Open(t)
		e := enterpriseIDs(t, s, 1)[0]
		cst := time.FixedZone("CST", 8*3600)
		in := []facts.Fact{
			measure(e, "tax.vat_sales", month(2024, 2), 12_345_678_90),
			{EnterpriseID: e, Item: "mr.penalty", Shape: facts.Event, Period: day(2023, 11, 20), EndsOn: day(2026, 11, 19),
				Num: 50_000_00, Text: "警告", Ref: "苏市监罚〔2023〕118号", Detail: `{"authority":"苏州市市场监督管理局","cause":"虚假宣传"}`,
				Source: "mr", Batch: "mr-2024-05-0002", SourceRow: 7, ReceivedAt: utc(2024, 5, 6, 9, 0, 0, 999999), Version: 1},
			// Zoned times: the period keeps its calendar day, the receipt
			// time comes back in UTC.
			{EnterpriseID: e, Item: "tax.credit_grade", Shape: facts.Attribute, Period: time.Date(2024, 4, 1, 0, 30, 0, 0, cst),
				Text: "A", Source: "tax", ReceivedAt: time.Date(2024, 5, 6, 17, 0, 0, 0, cst), Version: 1},
			measure(e, "tax.vat_sales", month(2024, 1), -5),
			{EnterpriseID: e, Item: "mr.penalty", Shape: facts.Event, Period: day(2023, 11, 20), Ref: "苏市监罚〔2023〕117号",
				Source: "mr", ReceivedAt: utc(2024, 5, 6, 9, 0, 0, 0), Version: 1},
		}
		must(t, s.AppendFacts(ctx(t), in))
		for i, f := range in {
			if f.ID != 0 {
				t.Fatalf("AppendFacts set ID %d on fact %d; it must set nothing", f.ID, i)
			}
		}
		grade := in[2]
		grade.Period, grade.ReceivedAt = day(2024, 4, 1), utc(2024, 5, 6, 9, 0, 0, 0)
		want := []facts.Fact{in[4], in[1], grade, in[3], in[0]}
		got := queryFacts(t, s, facts.Query{EnterpriseID: e})
		equal(t, "facts", got, withIDs(t, got, want))
		wantCounts(t, s, 5, 0)
		must(t, s.AppendFacts(ctx(t), nil))
		wantCounts(t, s, 5, 0)
	}},
	{"AppendFacts_unknown_enterprise_is_Invalid_store.reference_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		e := enterpriseIDs(t, s, 1)[0]
		var fs []facts.Fact
		for i := range 600 {
			fs = append(fs, measure(e, "tax.vat_sales", month(2000+i/12, time.Month(1+i%12)), int64(i)))
		}
		fs[450].EnterpriseID = e + 1000
		wantFault(t, s.AppendFacts(ctx(t), fs), fault.Invalid, "store.reference")
		wantCounts(t, s, 0, 0)
	}},
	{"AppendFacts_bad_shape_zero_period_or_version_0_is_Invalid_store.check_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		e := enterpriseIDs(t, s, 1)[0]
		tests := []struct {
			name  string
			spoil func(*facts.Fact)
		}{
			{"shape outside the three", func(f *facts.Fact) { f.Shape = "series" }},
			{"empty shape", func(f *facts.Fact) { f.Shape = "" }},
			{"zero period", func(f *facts.Fact) { f.Period = time.Time{} }},
			{"version 0", func(f *facts.Fact) { f.Version = 0 }},
		}
		for _, tc := range tests {
			fs := []facts.Fact{measure(e, "tax.vat_sales", month(2024, 1), 1), measure(e, "tax.vat_sales", month(2024, 2), 2)}
			tc.spoil(&fs[1])
			err := s.AppendFacts(ctx(t), fs)
			if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || fe.Code != "store.check" {
				t.Fatalf("%s: error %v, want Invalid store.check", tc.name, err)
			}
			wantCounts(t, s, 0, 0)
		}
	}},
	{"QueryFacts_returns_the_highest_version_and_with_KnownAt_only_what_was_received_by_then", func(t *testing.T, h Harness) {
		s := h.Open(t)
		e := enterpriseIDs(t, s, 1)[0]
		at := func(m time.Month, d int) time.Time { return utc(2024, m, d, 10, 0, 0, 0) }
		version := func(f facts.Fact, v int, received time.Time, num int64) facts.Fact {
			f.Version, f.ReceivedAt, f.Num = v, received, num
			return f
		}
		jan := measure(e, "tax.vat_sales", month(2024, 1), 0)
		feb := measure(e, "tax.vat_sales", month(2024, 2), 0)
		penalty := facts.Fact{EnterpriseID: e, Item: "mr.penalty", Shape: facts.Event, Period: day(2024, 1, 15), Source: "mr", Version: 1}
		p1, p2 := penalty, penalty
		p1.Ref, p2.Ref = "罚〔2024〕1号", "罚〔2024〕2号"
		// Loaded as departments send them: first reports, then
		// corrections, one of them in the same batch as its original.
		must(t, s.AppendFacts(ctx(t), []facts.Fact{
			version(jan, 1, at(2, 10), 100),
			version(p1, 1, at(2, 12), 1),
			version(p2, 1, at(2, 12), 2),
		}))
		must(t, s.AppendFacts(ctx(t), []facts.Fact{version(jan, 2, at(3, 10), 120)}))
		must(t, s.AppendFacts(ctx(t), []facts.Fact{
			version(feb, 1, at(4, 10), 200),
			version(jan, 3, at(4, 10), 130),
			version(p2, 2, at(4, 20), 22),
		}))
		wantCounts(t, s, 7, 0)
		tests := []struct {
			name    string
			knownAt time.Time
			want    []string
			nums    []int64
		}{
			{"without KnownAt the highest version of each", time.Time{},
				[]string{"mr.penalty 2024-01-15 罚〔2024〕1号 v1", "mr.penalty 2024-01-15 罚〔2024〕2号 v2", "tax.vat_sales 2024-01-01 v3", "tax.vat_sales 2024-02-01 v1"},
				[]int64{1, 22, 130, 200}},
			{"before anything arrived nothing", at(2, 9), []string{}, []int64{}},
			{"a correction received later is invisible before it arrives", at(3, 9),
				[]string{"mr.penalty 2024-01-15 罚〔2024〕1号 v1", "mr.penalty 2024-01-15 罚〔2024〕2号 v1", "tax.vat_sales 2024-01-01 v1"},
				[]int64{1, 2, 100}},
			{"KnownAt equal to the receipt time includes it", at(3, 10),
				[]string{"mr.penalty 2024-01-15 罚〔2024〕1号 v1", "mr.penalty 2024-01-15 罚〔2024〕2号 v1", "tax.vat_sales 2024-01-01 v2"},
				[]int64{1, 2, 120}},
			{"one microsecond earlier excludes it", at(3, 10).Add(-time.Microsecond),
				[]string{"mr.penalty 2024-01-15 罚〔2024〕1号 v1", "mr.penalty 2024-01-15 罚〔2024〕2号 v1", "tax.vat_sales 2024-01-01 v1"},
				[]int64{1, 2, 100}},
			{"KnownAt in another zone is the same instant", at(4, 10).In(time.FixedZone("CST", 8*3600)),
				[]string{"mr.penalty 2024-01-15 罚〔2024〕1号 v1", "mr.penalty 2024-01-15 罚〔2024〕2号 v1", "tax.vat_sales 2024-01-01 v3", "tax.vat_sales 2024-02-01 v1"},
				[]int64{1, 2, 130, 200}},
		}
		for _, tc := range tests {
			got := queryFacts(t, s, facts.Query{EnterpriseID: e, KnownAt: tc.knownAt})
			equal(t, tc.name, keys(got), tc.want)
			equal(t, tc.name+": values", ids(got, func(f facts.Fact) int64 { return f.Num }), tc.nums)
		}
		// The history: every version, oldest first, as known at a time.
		all := queryFacts(t, s, facts.Query{EnterpriseID: e, Item: "tax.vat_sales", AllVersions: true})
		equal(t, "all versions", keys(all), []string{"tax.vat_sales 2024-01-01 v1", "tax.vat_sales 2024-01-01 v2", "tax.vat_sales 2024-01-01 v3", "tax.vat_sales 2024-02-01 v1"})
		equal(t, "all versions: values", ids(all, func(f facts.Fact) int64 { return f.Num }), []int64{100, 120, 130, 200})
		then := queryFacts(t, s, facts.Query{EnterpriseID: e, Item: "tax.vat_sales", AllVersions: true, KnownAt: at(3, 10)})
		equal(t, "all versions known then", ids(then, func(f facts.Fact) int64 { return f.Num }), []int64{100, 120})
	}},
	{"QueryFacts_filters_item_exactly_or_by_literal_prefix_in_byte_order", func(t *testing.T, h Harness) {
		s := h.Open(t)
		e := enterpriseIDs(t, s, 1)[0]
		items := []string{"tax.vat_sales", "tax.vat_sales_adj", "tax.grade", "tax.VAT", "taxi.fare", "tax",
			"hr_s.count", "hrXs.count", "grid.kwh"}
		var fs []facts.Fact
		for _, it := range items {
			fs = append(fs, measure(e, it, month(2024, 1), 1))
		}
		must(t, s.AppendFacts(ctx(t), fs))
		tests := []struct {
			item string
			want []string
		}{
			{"tax.vat_sales", []string{"tax.vat_sales"}},
			// Byte order: upper case before lower case, whatever the
			// database's default collation.
			{"tax.", []string{"tax.VAT", "tax.grade", "tax.vat_sales", "tax.vat_sales_adj"}},
			{"hr_s.", []string{"hr_s.count"}},
			{"tax.vat", nil},
			{"", []string{"grid.kwh", "hrXs.count", "hr_s.count", "tax", "tax.VAT", "tax.grade", "tax.vat_sales", "tax.vat_sales_adj", "taxi.fare"}},
		}
		for _, tc := range tests {
			got := queryFacts(t, s, facts.Query{EnterpriseID: e, Item: tc.item})
			names := make([]string, 0, len(got))
			for _, f := range got {
				names = append(names, f.Item)
			}
			want := tc.want
			if want == nil {
				want = []string{}
			}
			equal(t, label("item %q", tc.item), names, want)
		}
	}},
	{"QueryFacts_period_range_is_inclusive_by_calendar_day_and_other_enterprises_stay_out", func(t *testing.T, h Harness) {
		s := h.Open(t)
		es := enterpriseIDs(t, s, 2)
		var fs []facts.Fact
		for _, e := range es {
			for m := range 24 {
				fs = append(fs, measure(e, "hrss.insured", month(2023+m/12, time.Month(1+m%12)), e*100+int64(m)))
			}
		}
		must(t, s.AppendFacts(ctx(t), fs))
		cst := time.FixedZone("CST", 8*3600)
		tests := []struct {
			name     string
			from, to time.Time
			first    time.Time
			n        int
		}{
			{"both bounds inclusive", month(2023, 6), month(2023, 8), month(2023, 6), 3},
			{"open start", time.Time{}, month(2023, 2), month(2023, 1), 2},
			{"open end", month(2024, 11), time.Time{}, month(2024, 11), 2},
			{"a bound's calendar day in its own zone", time.Date(2023, 6, 1, 7, 0, 0, 0, cst), time.Date(2023, 8, 1, 23, 0, 0, 0, cst), month(2023, 6), 3},
			{"empty range", month(2023, 6), month(2023, 5), time.Time{}, 0},
		}
		for _, tc := range tests {
			got := queryFacts(t, s, facts.Query{EnterpriseID: es[1], From: tc.from, To: tc.to})
			if len(got) != tc.n {
				t.Fatalf("%s: %d facts, want %d: %v", tc.name, len(got), tc.n, keys(got))
			}
			for _, f := range got {
				if f.EnterpriseID != es[1] {
					t.Fatalf("%s: fact of enterprise %d in the answer for %d", tc.name, f.EnterpriseID, es[1])
				}
			}
			if tc.n > 0 && !got[0].Period.Equal(tc.first) {
				t.Fatalf("%s: first period %v, want %v", tc.name, got[0].Period, tc.first)
			}
		}
		none := queryFacts(t, s, facts.Query{EnterpriseID: es[1] + 1000})
		if len(none) != 0 {
			t.Fatalf("unknown enterprise has %d facts", len(none))
		}
	}},
	{"QueryFacts_limit_defaults_to_1000_and_cuts_in_order", func(t *testing.T, h Harness) {
		s := h.Open(t)
		e := enterpriseIDs(t, s, 1)[0]
		fs := make([]facts.Fact, 1001)
		for i := range fs {
			fs[i] = facts.Fact{EnterpriseID: e, Item: "court.case", Shape: facts.Event, Period: day(2020, 1, 1).AddDate(0, 0, i),
				Ref: fmt.Sprintf("case-%04d", i), Source: "court", ReceivedAt: utc(2024, 1, 1, 0, 0, 0, 0), Version: 1}
		}
		must(t, s.AppendFacts(ctx(t), fs))
		if n := len(queryFacts(t, s, facts.Query{EnterpriseID: e})); n != 1000 {
			t.Fatalf("default limit returned %d facts, want 1000", n)
		}
		if n := len(queryFacts(t, s, facts.Query{EnterpriseID: e, Limit: 5000})); n != 1001 {
			t.Fatalf("limit 5000 returned %d facts, want 1001", n)
		}
		got := queryFacts(t, s, facts.Query{EnterpriseID: e, Limit: 3})
		equal(t, "first three", keys(got), []string{"court.case 2020-01-01 case-0000 v1", "court.case 2020-01-02 case-0001 v1", "court.case 2020-01-03 case-0002 v1"})
	}},
	{"AppendLoans_every_field_round_trips_zero_dates_stay_zero_and_LoansOf_orders_by_start", func(t *testing.T, h Harness) {
		s := h.Open(t)
		es := enterpriseIDs(t, s, 2)
		bank := org(t, s, account.KindInstitution, "某某银行苏州分行")
		full := facts.Loan{EnterpriseID: es[0], Lender: "某某银行苏州分行", LenderOrgID: bank.ID, ContractNo: "SZ-2023-000118",
			AmountFen: 3_000_000_00, RateBP: 385, TermMonths: 12, Guarantee: "mortgage",
			StartOn: day(2023, 3, 15), MaturityOn: day(2024, 3, 15), Status: facts.LoanDefaulted, MaxDaysOverdue: 120,
			DefaultedOn: day(2023, 12, 1), Source: "pboc", Batch: "loans-2024-05", ReceivedAt: utc(2024, 5, 6, 9, 0, 0, 123456)}
		bare := facts.Loan{EnterpriseID: es[0], Lender: "某农商行", AmountFen: 500_000_00, StartOn: day(2022, 6, 1),
			Status: facts.LoanCurrent, ReceivedAt: utc(2024, 5, 6, 9, 0, 0, 0)}
		repaid := facts.Loan{EnterpriseID: es[0], Lender: "某村镇银行", AmountFen: 1, StartOn: day(2024, 1, 2), MaturityOn: day(2024, 7, 2),
			Status: facts.LoanRepaid, RepaidOn: day(2024, 6, 30), Guarantee: "credit", ReceivedAt: utc(2024, 7, 1, 0, 0, 0, 0)}
		other := bare
		other.EnterpriseID = es[1]
		in := []facts.Loan{full, repaid, other, bare}
		must(t, s.AppendLoans(ctx(t), in))
		if in[0].ID != 0 {
			t.Fatalf("AppendLoans set ID %d; it must set nothing", in[0].ID)
		}
		got, err := s.LoansOf(ctx(t), es[0])
		must(t, err)
		want := []facts.Loan{bare, full, repaid}
		if len(got) != len(want) {
			t.Fatalf("LoansOf returned %d loans, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			if got[i].ID == 0 {
				t.Fatalf("loan %d read back without an id", i)
			}
			want[i].ID = got[i].ID
		}
		equal(t, "loans", got, want)
		if !got[0].MaturityOn.IsZero() || got[0].LenderOrgID != 0 || !got[0].DefaultedOn.IsZero() || !got[0].RepaidOn.IsZero() {
			t.Fatalf("zero fields came back as %+v", got[0])
		}
		none, err := s.LoansOf(ctx(t), es[1]+1000)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("unknown enterprise has loans %+v", none)
		}
		wantCounts(t, s, 0, 4)
		must(t, s.AppendLoans(ctx(t), nil))
		wantCounts(t, s, 0, 4)
	}},
	{"AppendLoans_unknown_references_are_store.reference_bad_values_store.check_and_store_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		e := enterpriseIDs(t, s, 1)[0]
		ok := facts.Loan{EnterpriseID: e, Lender: "某银行", AmountFen: 1, StartOn: day(2024, 1, 1), Status: facts.LoanCurrent}
		tests := []struct {
			name  string
			spoil func(*facts.Loan)
			code  string
		}{
			{"unknown enterprise", func(l *facts.Loan) { l.EnterpriseID = e + 1000 }, "store.reference"},
			{"unknown lender organisation", func(l *facts.Loan) { l.LenderOrgID = 4242 }, "store.reference"},
			{"status outside the list", func(l *facts.Loan) { l.Status = "written_off" }, "store.check"},
			{"zero start date", func(l *facts.Loan) { l.StartOn = time.Time{} }, "store.check"},
		}
		for _, tc := range tests {
			bad := ok
			tc.spoil(&bad)
			err := s.AppendLoans(ctx(t), []facts.Loan{ok, bad})
			if fe, isFault := fault.As(err); !isFault || fe.Kind != fault.Invalid || fe.Code != tc.code {
				t.Fatalf("%s: error %v, want Invalid %s", tc.name, err, tc.code)
			}
			wantCounts(t, s, 0, 0)
		}
	}},
	{"AppendFacts_and_AppendLoans_inside_InTx_join_it_and_roll_back_with_it", func(t *testing.T, h Harness) {
		s := h.Open(t)
		rs := records("320505", 1, 1)
		load := func(tx store.Store) error {
			if err := tx.CreateEnterprises(ctx(t), rs); err != nil {
				return err
			}
			e := rs[0].ID
			if err := tx.AppendFacts(ctx(t), []facts.Fact{measure(e, "tax.vat_sales", month(2024, 1), 1)}); err != nil {
				return err
			}
			if err := tx.AppendLoans(ctx(t), []facts.Loan{{EnterpriseID: e, AmountFen: 1, StartOn: day(2024, 1, 1), Status: facts.LoanCurrent}}); err != nil {
				return err
			}
			fs, err := tx.QueryFacts(ctx(t), facts.Query{EnterpriseID: e})
			if err != nil || len(fs) != 1 {
				t.Errorf("facts inside the transaction: %v, %v; want one", fs, err)
			}
			ls, err := tx.LoansOf(ctx(t), e)
			if err != nil || len(ls) != 1 {
				t.Errorf("loans inside the transaction: %v, %v; want one", ls, err)
			}
			return nil
		}
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := load(tx); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("InTx returned %v, want fn's error", err)
		}
		wantCounts(t, s, 0, 0)
		wantEnterpriseCount(t, s, 0)

		rs = records("320505", 1, 1)
		inTx(t, s, load)
		wantCounts(t, s, 1, 1)
	}},
	{"AppendFacts_failure_inside_InTx_fails_the_transaction_and_leaves_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		e := enterpriseIDs(t, s, 1)[0]
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := tx.AppendFacts(ctx(t), []facts.Fact{measure(e, "tax.vat_sales", month(2024, 1), 1)}); err != nil {
				return err
			}
			return tx.AppendFacts(ctx(t), []facts.Fact{measure(e+1000, "tax.vat_sales", month(2024, 2), 2)})
		})
		wantFault(t, err, fault.Invalid, "store.reference")
		wantCounts(t, s, 0, 0)
	}},
}
