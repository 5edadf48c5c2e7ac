package ingest_test

import (
	"context"
	"testing"

	"github.com/creditbridge/creditbridge/internal/ingest"
)

// TestUnitCheckReadsOnlyWindowsWithHistory: the unit check compares a row
// with the enterprise's committed values of the 12 months before it, and
// refuses a value 10^4 times their median; a row whose window begins
// after the last committed value of the items (a department's first load
// of later years) has no history, so nothing is read for it and its value
// is stored, while the batch's own earlier rows never count as history.
func TestUnitCheckReadsOnlyWindowsWithHistory(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRegion(t, b, 4, 0)
			ds, write := taxCSV(t, r, "test/tax-history")
			row := func(code, period, sales string) map[string]string {
				return map[string]string{"enterprise.code": code, "fact.period": period, "tax.vat_sales": sales}
			}
			code := func(i int) string { return r.bundles[i].Profile.Code }
			// Committed history: three months of 1,000,000 元 for
			// enterprises 0 and 1.
			var hist []map[string]string
			for _, m := range []string{"2040-01", "2040-02", "2040-03"} {
				hist = append(hist, row(code(0), m, "1000000.00"), row(code(1), m, "1000000.00"))
			}
			res, err := ingest.File(ctx, r.st, ds, write("history.csv", hist), ingest.Options{})
			if err != nil || res.OK != 6 || res.Bad != 0 {
				t.Fatalf("history: %+v %v", res, err)
			}
			// 10^10 元 is 10^4 times the median: refused where there is
			// history (2040-04, and 2041-01 whose window holds 2040-01…03),
			// stored where the window starts after 2040-03. Enterprise 1's
			// 2042 rows follow its own 2041 rows of this batch, which are
			// no history.
			res, err = ingest.File(ctx, r.st, ds, write("later.csv", []map[string]string{
				row(code(0), "2040-04", "10000000000"),
				row(code(0), "2041-01", "10000000000"),
				row(code(0), "2041-05", "10000000000"),
				row(code(1), "2041-06", "1000000.00"),
				row(code(1), "2041-07", "1000000.00"),
				row(code(1), "2041-08", "1000000.00"),
				row(code(1), "2042-01", "10000000000"),
			}), ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK != 5 || res.Bad != 2 || len(res.Problems) != 2 {
				t.Fatalf("%d ok, %d bad: %+v", res.OK, res.Bad, res.Problems)
			}
			for i, row := range []int{2, 3} {
				if p := res.Problems[i]; p.Row != row || p.Code != "ingest.unit_suspect" {
					t.Fatalf("problem %d: %+v, want row %d ingest.unit_suspect", i, p, row)
				}
			}
			if res.HistoryRead != 2 {
				t.Fatalf("%d histories read, want 2 (the windows that reach into 2040-01…03)", res.HistoryRead)
			}
		})
	}
}
