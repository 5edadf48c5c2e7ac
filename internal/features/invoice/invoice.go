// Package invoice computes invoice features of a firm from its VAT invoice
// records: sales (output invoices) and purchases (input invoices) volumes
// and trends, void and red-letter ratios, counterparty concentration, tax,
// months active, recency and a gross margin proxy. It reads invoice files
// as a stream (ReadCUMCM) and accumulates per firm in memory proportional
// to the firm's counterparties and months, not to its invoices.
//
// The platform's catalogue has one invoice-derived item, tax.invoice_amount
// (the monthly total of invoices issued, tax excluded); MonthlyIssued maps
// a firm's sales invoices onto it, and features/v1 reads that item. The
// per-invoice features here (concentration, void and red-letter shares)
// have no catalogue item: they are used where invoice records themselves
// are at hand (the CUMCM benchmark).
package invoice

import (
	"cmp"
	"math"
	"slices"
)

// Record is one invoice as issued or received.
type Record struct {
	Firm   string // the firm whose invoice it is
	Number string // invoice number
	Year   int
	Month  int     // 1-12
	Day    int     // 1-31
	Party  string  // the counterparty: buyer of a sales invoice, seller of a purchase invoice
	Amount float64 // amount, tax excluded, in yuan; negative for a red-letter (credit) invoice
	Tax    float64
	Total  float64 // amount plus tax
	Void   bool    // 作废发票: cancelled, counts in Invoices and months, not in amounts
}

// MonthIndex is the month as year*12 + month-1.
func (r Record) MonthIndex() int { return r.Year*12 + r.Month - 1 }

// Side accumulates one firm's invoices of one direction. The zero value is
// not ready; use NewSide.
type Side struct {
	n, void, red int
	amount, tax  float64
	byParty      map[string]float64
	months       map[int]bool    // every invoice, void ones included
	byMonth      map[int]float64 // valid amount per month
	last         int             // month index of the last invoice (-1: none)
}

// NewSide returns an empty accumulator.
func NewSide() *Side {
	return &Side{byParty: map[string]float64{}, months: map[int]bool{}, byMonth: map[int]float64{}, last: -1}
}

// Add accumulates one invoice. Amounts are summed in the order added.
func (s *Side) Add(r Record) {
	m := r.MonthIndex()
	s.n++
	s.months[m] = true
	s.last = max(s.last, m)
	if r.Void {
		s.void++
		return
	}
	if r.Amount < 0 {
		s.red++
	}
	s.amount += r.Amount
	s.tax += r.Tax
	s.byParty[r.Party] += r.Amount
	s.byMonth[m] += r.Amount
}

// Last is the month index of the last invoice, -1 if none.
func (s *Side) Last() int { return s.last }

// Value is a feature value that may be missing (OK false): a share of
// nothing, a trend with no earlier volume.
type Value struct {
	X  float64
	OK bool
}

func value(x float64, ok bool) Value {
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return Value{}
	}
	return Value{X: x, OK: true}
}

// SideFeatures are the features of one direction, as of the month end
// (exclusive: months before it count).
type SideFeatures struct {
	Invoices  int     // all invoices, void ones included
	VoidShare Value   // void invoices over all invoices
	RedShare  Value   // red-letter (negative) invoices over valid ones
	Amount    float64 // valid amount, tax excluded, red-letter netted
	Tax       float64 // valid tax
	Amount12m float64 // valid amount in the 12 months before end
	Parties   int     // counterparties with a valid invoice
	// Top1Share is the largest counterparty's net amount over Amount (the
	// benchmark's historical definition); Top5Share and HHI are over the
	// counterparties' positive net amounts (a counterparty with only
	// credit notes counts as 0). All in [0, 1] when Amount > 0.
	Top1Share       Value
	Top5Share       Value
	HHI             Value
	ActiveMonths    int   // months with any invoice
	Trend12m        Value // amount in the 12 months before end over the 12 before those
	MonthsSinceLast Value // end-1 minus the month of the last invoice
}

// Features computes the side's features as of end.
func (s *Side) Features(end int) SideFeatures {
	f := SideFeatures{Invoices: s.n, Amount: s.amount, Tax: s.tax, Parties: len(s.byParty), ActiveMonths: len(s.months)}
	f.VoidShare = value(float64(s.void)/float64(s.n), s.n > 0)
	f.RedShare = value(float64(s.red)/float64(s.n-s.void), s.n > s.void)
	pos := make([]float64, 0, len(s.byParty))
	var posSum float64
	for _, v := range s.byParty {
		v = math.Max(v, 0)
		pos = append(pos, v)
	}
	slices.SortFunc(pos, func(a, b float64) int { return cmp.Compare(b, a) })
	for _, v := range pos {
		posSum += v
	}
	top := 0.0
	if len(pos) > 0 {
		top = pos[0]
	}
	f.Top1Share = value(top/s.amount, s.amount > 0)
	if posSum > 0 {
		var top5, hhi float64
		for i, v := range pos {
			if i < 5 {
				top5 += v
			}
			hhi += (v / posSum) * (v / posSum)
		}
		f.Top5Share, f.HHI = value(top5/posSum, true), value(hhi, true)
	}
	var recent, prior float64
	for m := end - 24; m < end; m++ {
		v := s.byMonth[m]
		if m >= end-12 {
			recent += v
		} else {
			prior += v
		}
	}
	f.Amount12m = recent
	f.Trend12m = value(recent/prior, prior > 0)
	f.MonthsSinceLast = value(float64(end-1-s.last), s.n > 0)
	return f
}

// MonthlyIssued is the valid amount, tax excluded, per month index, in fen
// (rounded): what the catalogue item tax.invoice_amount carries for a
// firm's sales side.
func (s *Side) MonthlyIssued() map[int]int64 {
	out := make(map[int]int64, len(s.byMonth))
	for m, v := range s.byMonth {
		out[m] = int64(math.Round(v * 100))
	}
	return out
}

// Firm is a firm's invoice features of both directions.
type Firm struct {
	Sales, Purchases SideFeatures
	// GrossMargin is (sales - purchases) / sales over the valid amounts,
	// missing without positive sales: a proxy, since purchases include
	// capital goods and stock.
	GrossMargin Value
	// TaxBalance is output tax minus input tax: roughly the VAT due.
	TaxBalance float64
}

// FirmFeatures combines a firm's sides; either may be nil (no invoices of
// that direction).
func FirmFeatures(sales, purchases *Side, end int) Firm {
	if sales == nil {
		sales = NewSide()
	}
	if purchases == nil {
		purchases = NewSide()
	}
	f := Firm{Sales: sales.Features(end), Purchases: purchases.Features(end)}
	f.GrossMargin = value((sales.amount-purchases.amount)/sales.amount, sales.amount > 0)
	f.TaxBalance = sales.tax - purchases.tax
	return f
}
