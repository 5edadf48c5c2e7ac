package invoice

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cumcmDir is the shared CUMCM data next to the repository; tests that
// need it skip loudly without it.
func cumcmDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join("..", "..", "..", "..", "shared", "datasets", "cumcm2020c-sme-invoices")
	if _, err := os.Stat(filepath.Join(d, CUMCMSales)); err != nil {
		t.Skipf("CUMCM invoice data SKIPPED: %s not found (%v)", d, err)
	}
	return d
}

func TestSideByHand(t *testing.T) {
	t.Parallel()
	s := NewSide()
	// Months: 2019-01 (index 2019*12), ... end = 2020-01.
	add := func(m int, party string, amount float64, void bool) {
		s.Add(Record{Firm: "F", Year: 2019, Month: m, Day: 1, Party: party, Amount: amount, Tax: amount * 0.13, Total: amount * 1.13, Void: void})
	}
	add(1, "A", 600, false)
	add(2, "B", 300, false)
	add(3, "C", 100, false)
	add(3, "A", -100, false) // red-letter
	add(6, "D", 999, true)   // void
	end := 2020 * 12
	f := s.Features(end)
	want := SideFeatures{Invoices: 5, Amount: 900, Parties: 3, ActiveMonths: 4, Amount12m: 900}
	if f.Invoices != want.Invoices || f.Amount != want.Amount || f.Parties != want.Parties || f.ActiveMonths != want.ActiveMonths || f.Amount12m != want.Amount12m {
		t.Fatalf("features %+v", f)
	}
	near := func(name string, v Value, x float64) {
		t.Helper()
		if !v.OK || math.Abs(v.X-x) > 1e-12 {
			t.Errorf("%s = %+v, want %v", name, v, x)
		}
	}
	near("void share", f.VoidShare, 1.0/5)
	near("red share", f.RedShare, 1.0/4)
	near("top-1 share", f.Top1Share, 500.0/900) // A nets 500
	near("top-5 share", f.Top5Share, 1)
	near("HHI", f.HHI, (500.0*500+300*300+100*100)/(900.0*900))
	near("months since last", f.MonthsSinceLast, 6) // last invoice June (the void one), end-1 is December
	if f.Trend12m.OK {
		t.Errorf("trend without an earlier year = %+v, want missing", f.Trend12m)
	}
	if got := s.MonthlyIssued()[2019*12+2]; got != 0 {
		t.Errorf("March issued = %d fen, want 0 (100 - 100)", got)
	}
	if got := s.MonthlyIssued()[2019*12]; got != 60000 {
		t.Errorf("January issued = %d fen, want 60000", got)
	}
	empty := FirmFeatures(nil, nil, end)
	if empty.GrossMargin.OK || empty.Sales.VoidShare.OK || empty.Sales.MonthsSinceLast.OK || empty.Sales.Invoices != 0 {
		t.Errorf("features of no invoices %+v", empty)
	}
}

func TestReadRejects(t *testing.T) {
	t.Parallel()
	head := "企业代号,发票号码,开票日期,购方单位代号,金额,税额,价税合计,发票状态\n"
	cases := map[string]struct{ in, want string }{
		"not cumcm":  {"a,b,c,d,e,f,g,h\n", "not a CUMCM invoice file"},
		"bad date":   {head + "E1,1,2019-01-02,B,1,0.1,1.1,有效发票\n", "not Y/M/D"},
		"bad month":  {head + "E1,1,2019/13/02,B,1,0.1,1.1,有效发票\n", "out of range"},
		"bad amount": {head + "E1,1,2019/1/2,B,x,0.1,1.1,有效发票\n", "invalid syntax"},
		"bad status": {head + "E1,1,2019/1/2,B,1,0.1,1.1,红冲\n", "status"},
		"short row":  {head + "E1,1,2019/1/2,B,1\n", "wrong number of fields"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := readCUMCM(strings.NewReader(tc.in), "x.csv", func(Record) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzReadCUMCM(f *testing.F) {
	f.Add("企业代号,发票号码,开票日期,购方单位代号,金额,税额,价税合计,发票状态\nE1,1,2019/1/2,B,1,0.1,1.1,有效发票\n")
	f.Add("企业代号,发票号码,开票日期,购方单位代号,金额,税额,价税合计,发票状态\nE1,1,2019/1/2,B,-5,0.1,1.1,作废发票\n")
	f.Fuzz(func(t *testing.T, in string) {
		s := NewSide()
		err := readCUMCM(strings.NewReader(in), "fuzz.csv", func(r Record) error {
			if r.Month < 1 || r.Month > 12 {
				t.Fatalf("month %d accepted", r.Month)
			}
			s.Add(r)
			return nil
		})
		if err != nil {
			return
		}
		f := s.Features(3000 * 12)
		for _, v := range []Value{f.VoidShare, f.RedShare, f.Top5Share, f.HHI} {
			if v.OK && (v.X < 0 || v.X > 1) {
				t.Fatalf("share %v outside [0, 1]", v.X)
			}
		}
	})
}

// TestCUMCM checks the features on the real CUMCM invoices: the 123
// labelled firms, counts of firm E1 and E123 checked against the files
// independently, and shares within [0, 1].
func TestCUMCM(t *testing.T) {
	t.Parallel()
	c, err := LoadCUMCM(cumcmDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sales) != 123 || len(c.Purchases) != 123 {
		t.Fatalf("%d firms with sales, %d with purchases; want 123 and 123", len(c.Sales), len(c.Purchases))
	}
	if c.End != 2020*12+2 { // the last invoices are of February 2020
		t.Errorf("end month index %d (%d-%02d), want 2020-03", c.End, c.End/12, c.End%12+1)
	}
	total := 0
	for id, s := range c.Sales {
		total += s.n
		f := c.Firm(id)
		for _, side := range []SideFeatures{f.Sales, f.Purchases} {
			for name, v := range map[string]Value{"void": side.VoidShare, "red": side.RedShare, "top5": side.Top5Share, "hhi": side.HHI} {
				if v.OK && (v.X < 0 || v.X > 1) {
					t.Errorf("%s %s share %v outside [0, 1]", id, name, v.X)
				}
			}
			if side.HHI.OK && side.Top5Share.OK && side.HHI.X > side.Top5Share.X+1e-12 {
				t.Errorf("%s: HHI %v above the top-5 share %v", id, side.HHI.X, side.Top5Share.X)
			}
			if side.ActiveMonths > 0 && side.MonthsSinceLast.OK && side.MonthsSinceLast.X < 0 {
				t.Errorf("%s: months since last %v", id, side.MonthsSinceLast.X)
			}
		}
	}
	if total != 162_484 {
		t.Errorf("%d sales invoices, want 162484 (the README's row count)", total)
	}
	e1 := c.Firm("E1")
	if e1.Sales.Invoices != 8110 || e1.Sales.Parties != 352 || math.Abs(e1.Sales.Amount-4_065_843_301.78) > 0.5 {
		t.Errorf("E1 sales: %d invoices, %d buyers, %.2f yuan; want 8110, 352, 4065843301.78", e1.Sales.Invoices, e1.Sales.Parties, e1.Sales.Amount)
	}
	if math.Abs(e1.Sales.VoidShare.X-224.0/8110) > 1e-12 || math.Abs(e1.Sales.RedShare.X-228.0/(8110-224)) > 1e-12 {
		t.Errorf("E1 sales void %v, red %v; want 224/8110 and 228/7886", e1.Sales.VoidShare, e1.Sales.RedShare)
	}
	if e1.Purchases.Invoices != 3441 || e1.Purchases.Parties != 436 {
		t.Errorf("E1 purchases: %d invoices, %d sellers; want 3441, 436", e1.Purchases.Invoices, e1.Purchases.Parties)
	}
	// E23's 47 void invoices written " 作废发票" count as void.
	if e23 := c.Firm("E23"); e23.Sales.VoidShare.X*float64(e23.Sales.Invoices) < 47 {
		t.Errorf("E23: void share %v of %d sales invoices, want at least the 47 spelt with a space", e23.Sales.VoidShare, e23.Sales.Invoices)
	}
	if e123 := c.Firm("E123"); e123.Sales.Invoices != 65 || math.Abs(e123.Sales.VoidShare.X-32.0/65) > 1e-12 || e123.Purchases.Invoices != 3 {
		t.Errorf("E123: %d sales invoices (void share %v), %d purchases; want 65 (32/65), 3", e123.Sales.Invoices, e123.Sales.VoidShare, e123.Purchases.Invoices)
	}
}

// BenchmarkLoadCUMCM streams both labelled-firm files (373,431 invoices).
func BenchmarkLoadCUMCM(b *testing.B) {
	d := cumcmDir(b)
	for b.Loop() {
		if _, err := LoadCUMCM(d); err != nil {
			b.Fatal(err)
		}
	}
}
