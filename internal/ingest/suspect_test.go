package ingest_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/ingest"
)

// TestSuspectValuesAreStoredAndWarned: VAT sales written in fen (分) in
// the 元 column of an enterprise without history, and VAT written in fen,
// are stored but listed in the report as warnings (severity column,
// reasons in both languages, counted apart from bad rows); a normal row
// and a row without VAT get none, and once the enterprise has history in
// line with the value the same ratio is no longer questioned.
func TestSuspectValuesAreStoredAndWarned(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRegion(t, b, 6, 0)
			ds, writeRows := taxCSV(t, r, "test/tax")
			col := map[string]int{}
			for i, c := range ds.Columns {
				if c.Item != "" {
					col[c.Item] = i
				}
			}
			write := func(name string, rows [][4]string) string { // code, period, sales, vat
				var ms []map[string]string
				for _, r := range rows {
					ms = append(ms, map[string]string{"enterprise.code": r[0], "fact.period": r[1], "tax.vat_sales": r[2], "tax.vat_paid": r[3]})
				}
				return writeRows(name, ms)
			}
			code := func(i int) string { return r.bundles[i].Profile.Code }
			p := write("tax.csv", [][4]string{
				{code(0), "2030-01", "1000000.00", "30000.00"}, // 3 %: fine
				{code(1), "2030-01", "100000000", "30000.00"},  // sales in fen: 0.03 %
				{code(2), "2030-01", "1000000.00", "3000000"},  // VAT in fen: 300 %
				{code(3), "2030-01", "1000000.00", "0.00"},     // no VAT (input carried forward)
			})
			res, err := ingest.File(ctx, r.st, ds, p, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK != 4 || res.Bad != 0 || res.Warnings != 2 || len(res.Problems) != 2 {
				t.Fatalf("%d ok, %d bad, %d warnings: %+v", res.OK, res.Bad, res.Warnings, res.Problems)
			}
			want := []struct {
				row     int
				item    string
				value   string
				code    string
				en, zh  string
				percent string
			}{
				{3, "tax.vat_sales", "100000000", "ingest.suspect_low_vat", "fen (分)", "疑似以“分”填入“元”列", "0.0300"},
				{4, "tax.vat_paid", "3000000", "ingest.suspect_high_vat", "fen (分)", "疑似以“分”填入“元”列", "300"},
			}
			for i, w := range want {
				p := res.Problems[i]
				if p.Row != w.row || p.Column != ds.Columns[col[w.item]].Name || p.Value != w.value || p.Code != w.code ||
					p.Severity() != ingest.SeverityWarning || p.Detail != w.percent {
					t.Fatalf("problem %d: %+v, want %+v", i, p, w)
				}
				en, zh := p.Reason()
				if !strings.Contains(en, w.en) || !strings.Contains(zh, w.zh) || !strings.Contains(en, "Stored") ||
					!strings.Contains(zh, "已入库") || strings.Contains(en+zh, "{") {
					t.Fatalf("reason %q / %q", en, zh)
				}
			}
			// Stored all the same.
			e, err := r.st.EnterpriseByCode(ctx, code(1))
			if err != nil {
				t.Fatal(err)
			}
			fs, err := r.st.QueryFacts(ctx, facts.Query{EnterpriseID: e.ID, Item: "tax.vat_sales"})
			if err != nil || len(fs) != 1 || fs[0].Num != 10_000_000_000 {
				t.Fatalf("stored %+v %v", fs, err)
			}
			var buf bytes.Buffer
			if err := ingest.WriteReport(&buf, res.Problems); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimPrefix(buf.String(), "\uFEFF"), "\n")
			if lines[0] != "row,column,value,code,severity,reason_zh,reason_en" ||
				!strings.HasPrefix(lines[1], "3,"+ds.Columns[col["tax.vat_sales"]].Name+",100000000,ingest.suspect_low_vat,warning,") {
				t.Fatalf("report:\n%s", buf.String())
			}

			// Enterprise 1 keeps declaring the same figures: once three
			// months of them are history, the ratio is its normal.
			var rows [][4]string
			for _, m := range []string{"2030-02", "2030-03", "2030-04"} {
				rows = append(rows, [4]string{code(1), m, "100000000", "30000.00"})
			}
			res, err = ingest.File(ctx, r.st, ds, write("tax2.csv", rows), ingest.Options{})
			if err != nil || res.OK != 3 || res.Warnings != 3 {
				t.Fatalf("%+v %v", res, err)
			}
			res, err = ingest.File(ctx, r.st, ds, write("tax3.csv", [][4]string{{code(1), "2030-05", "100000000", "30000.00"}}), ingest.Options{})
			if err != nil || res.OK != 1 || res.Warnings != 0 || len(res.Problems) != 0 {
				t.Fatalf("with history: %+v %v", res, err)
			}
		})
	}
}
