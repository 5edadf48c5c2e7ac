package synth

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Summary describes a sample of the region: its mix, its borrowers and how
// well single observable signals rank the borrowers that defaulted.
type Summary struct {
	Seed       uint64         `json:"seed"`
	Months     int            `json:"months"`
	Province   string         `json:"province"`
	EndMonth   time.Time      `json:"end_month"`
	TargetRate float64        `json:"target_default_rate"`
	Sample     int            `json:"sample"` // enterprises 0..Sample-1
	Facts      int            `json:"facts"`
	Loans      int            `json:"loans"`
	BySize     map[string]int `json:"by_size"`
	BySection  map[string]int `json:"by_section"`
	// ByGrade counts the tax credit grade in force at the end of the
	// window; "none" for firms without one.
	ByGrade      map[string]int `json:"by_grade"`
	ByStatus     map[string]int `json:"by_status"`
	ByTrajectory map[string]int `json:"by_trajectory"`
	// Borrowers have at least one loan in the window.
	Borrowers int `json:"borrowers"`
	// ObservedBorrowers have a loan whose 12 months after disbursement lie
	// inside the window; DefaultedBorrowers of them defaulted on such a
	// loan within those 12 months.
	ObservedBorrowers  int     `json:"observed_borrowers"`
	DefaultedBorrowers int     `json:"defaulted_borrowers"`
	DefaultRate        float64 `json:"default_rate"`
	// ObservedLoans and DefaultedLoans count loans the same way; the
	// signals are evaluated on them.
	ObservedLoans   int         `json:"observed_loans"`
	DefaultedLoans  int         `json:"defaulted_loans"`
	LoanDefaultRate float64     `json:"loan_default_rate"`
	Signals         []SignalAUC `json:"signals"`
}

// SignalAUC is the discrimination of one single signal against the
// 12-month default label of observed loans. The signal is computed only
// from facts a lender could have had at disbursement: Period before the
// loan's start month and received by its start date (corrections received
// later are not seen). AUC is the Mann-Whitney statistic with ties counted
// half, over the loans for which the signal had data; Coverage is their
// share of the observed loans. (The absence of an arrears, court or list
// record is data: those signals cover every loan.)
type SignalAUC struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	AUC         float64 `json:"auc"`
	Coverage    float64 `json:"coverage"`
}

type signalDef struct{ name, desc string }

var signalDefs = []signalDef{
	{"si_headcount_drop_6m", "fall of the insured headcount over the 6 months before disbursement (share)"},
	{"tax_paid_drop_6m", "log fall of tax paid, last 6 months against the 6 before (fewer when the window is shorter)"},
	{"vat_sales_drop_6m", "log fall of VAT sales, last 6 months against the 6 before (fewer when the window is shorter)"},
	{"electricity_yoy_drop", "log fall of electricity use, last 3 months against the same months a year earlier"},
	{"arrears_6m", "tax, social insurance, housing fund or utility arrears in the last 6 months"},
	{"court_record", "court record before disbursement: 1 judgment, 2 enforcement, 3 dishonest debtor"},
	{"tax_grade", "latest tax credit grade: A 0, B 1, M or none 2, C 3, D 4"},
	{"abnormal_list", "on the abnormal operation list at disbursement"},
	{"legal_rep_change_12m", "change of legal representative in the 12 months before disbursement"},
	{"warning_flags", "count of: headcount −30 %, tax paid −30 %, electricity −30 % YoY, arrears, enforcement or dishonest, grade C/D, abnormal list"},
}

const nSignals = 10

// Summarize generates enterprises 0..sample-1 (all of them if sample ≤ 0
// or larger than the population) and summarises them.
func Summarize(ctx context.Context, g *Generator, sample int) (Summary, error) {
	if sample <= 0 || sample > g.cfg.Enterprises {
		sample = g.cfg.Enterprises
	}
	s := Summary{
		Seed: g.cfg.Seed, Months: g.cfg.Months, Province: g.cfg.Province, EndMonth: g.cfg.EndMonth,
		TargetRate: g.cfg.DefaultRate, Sample: sample,
		BySize: map[string]int{}, BySection: map[string]int{}, ByGrade: map[string]int{}, ByStatus: map[string]int{},
		ByTrajectory: map[string]int{},
	}
	M := g.cfg.Months
	sc := newScanner(g)
	var scores [nSignals][]float64
	var labels [nSignals][]bool
	err := g.each(ctx, 0, sample, func(b Bundle) error {
		p := b.Profile
		s.BySize[p.Size]++
		s.BySection[p.Industry]++
		s.ByStatus[p.Status]++
		s.ByTrajectory[b.Hidden.Trajectory]++
		s.Facts += len(b.Facts)
		s.Loans += len(b.Loans)
		grade := "none"
		for _, f := range b.Facts {
			if f.Item == ItemTaxGrade {
				grade = f.Text // in effective-date order
			}
		}
		s.ByGrade[grade]++
		if len(b.Loans) == 0 {
			return nil
		}
		s.Borrowers++
		observed, defaulted := false, false
		for _, l := range b.Loans {
			start := g.monthIndex(l.StartOn)
			if start > M-13 {
				continue
			}
			observed = true
			label := !l.DefaultedOn.IsZero() && g.monthIndex(l.DefaultedOn)-start <= 12
			defaulted = defaulted || label
			s.ObservedLoans++
			if label {
				s.DefaultedLoans++
			}
			v, ok := sc.signals(b.Facts, start, l.StartOn)
			for k := range nSignals {
				if ok[k] {
					scores[k] = append(scores[k], v[k])
					labels[k] = append(labels[k], label)
				}
			}
		}
		if observed {
			s.ObservedBorrowers++
			if defaulted {
				s.DefaultedBorrowers++
			}
		}
		return nil
	})
	if err != nil {
		return Summary{}, err
	}
	if s.ObservedBorrowers > 0 {
		s.DefaultRate = float64(s.DefaultedBorrowers) / float64(s.ObservedBorrowers)
	}
	if s.ObservedLoans > 0 {
		s.LoanDefaultRate = float64(s.DefaultedLoans) / float64(s.ObservedLoans)
		for k, d := range signalDefs {
			s.Signals = append(s.Signals, SignalAUC{Name: d.name, Description: d.desc, AUC: round4(AUC(scores[k], labels[k])),
				Coverage: round4(float64(len(labels[k])) / float64(s.ObservedLoans))})
		}
	}
	return s, nil
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// AUC is the area under the ROC curve of scores (higher = more likely
// positive) against labels: the Mann-Whitney U statistic divided by
// positives × negatives, ties counted half. It returns 0.5 when either
// class is empty.
func AUC(scores []float64, labels []bool) float64 {
	n := len(scores)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	var pos, neg int
	rankSum := 0.0
	for i := 0; i < n; {
		j := i
		for j < n && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1..j averaged
		for k := i; k < j; k++ {
			if labels[idx[k]] {
				pos++
				rankSum += avg
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}

// scanner reads what a lender knew about an enterprise at a loan's start.
type scanner struct {
	g                          *Generator
	head, paid, vat, kwh       []int64
	headOK, paidOK, vatOK, kOK []bool
	lists                      []listState
}

type listState struct {
	ref  string
	open bool
}

func newScanner(g *Generator) *scanner {
	m := g.cfg.Months
	return &scanner{g: g,
		head: make([]int64, m), paid: make([]int64, m), vat: make([]int64, m), kwh: make([]int64, m),
		headOK: make([]bool, m), paidOK: make([]bool, m), vatOK: make([]bool, m), kOK: make([]bool, m)}
}

// Signal indexes, in signalDefs order.
const (
	sigHead = iota
	sigTaxPaid
	sigVAT
	sigElec
	sigArrears
	sigCourt
	sigGrade
	sigAbnormal
	sigRepChange
	sigFlags
)

// signals computes the signal scores (higher = riskier) for a loan
// disbursed on known, in window month start: only facts whose Period is
// before the start month and that were received by known count, each in
// its latest version received by then.
func (sc *scanner) signals(fs []facts.Fact, start int, known time.Time) (v [nSignals]float64, ok [nSignals]bool) {
	g := sc.g
	clear(sc.headOK)
	clear(sc.paidOK)
	clear(sc.vatOK)
	clear(sc.kOK)
	sc.lists = sc.lists[:0]
	startT := g.month[start]
	yearBefore := startT.AddDate(-1, 0, 0)
	arrears, repChange := false, false
	court, grade := 0.0, 2.0
	var gradeAt time.Time
	for _, f := range fs {
		if f.ReceivedAt.After(known) || !f.Period.Before(startT) {
			continue
		}
		switch f.Item {
		case ItemSIHeadcount:
			t := g.monthIndex(f.Period)
			sc.head[t], sc.headOK[t] = f.Num, true
		case ItemTaxPaid:
			t := g.monthIndex(f.Period)
			sc.paid[t], sc.paidOK[t] = f.Num, true
		case ItemVATSales:
			t := g.monthIndex(f.Period)
			sc.vat[t], sc.vatOK[t] = f.Num, true
		case ItemElectricityKWh:
			t := g.monthIndex(f.Period)
			sc.kwh[t], sc.kOK[t] = f.Num, true
		case ItemTaxArrears, ItemSIArrears, ItemHFArrears, ItemUtilArrears:
			if g.monthIndex(f.Period) >= start-6 && f.Num > 0 {
				arrears = true
			}
		case ItemJudgment:
			court = math.Max(court, 1)
		case ItemEnforcement:
			court = math.Max(court, 2)
		case ItemDishonest:
			court = math.Max(court, 3)
		case ItemTaxGrade:
			if !f.Period.Before(gradeAt) {
				gradeAt, grade = f.Period, gradeScore(f.Text)
			}
		case ItemAbnormal:
			open := f.EndsOn.IsZero() || f.EndsOn.After(known)
			found := false
			for k := range sc.lists {
				if sc.lists[k].ref == f.Ref {
					sc.lists[k].open, found = open, true
				}
			}
			if !found {
				sc.lists = append(sc.lists, listState{f.Ref, open})
			}
		case ItemRegistrationChange:
			if f.Text == "legal_representative" && !f.Period.Before(yearBefore) {
				repChange = true
			}
		}
	}
	flags := 0.0
	if a, okA := pick(sc.head, sc.headOK, start-7); okA {
		if b, okB := pick(sc.head, sc.headOK, start-1); okB {
			v[sigHead], ok[sigHead] = float64(a-b)/math.Max(float64(a), 1), true
			if v[sigHead] >= 0.3 {
				flags++
			}
		}
	}
	n := min(6, start/2)
	v[sigTaxPaid], ok[sigTaxPaid] = logDrop(sc.paid, sc.paidOK, start-2*n, start-n, n, 10000)
	if v[sigTaxPaid] >= math.Log(1/0.7) {
		flags++
	}
	v[sigVAT], ok[sigVAT] = logDrop(sc.vat, sc.vatOK, start-2*n, start-n, n, 10000)
	v[sigElec], ok[sigElec] = logDrop(sc.kwh, sc.kOK, start-15, start-3, 3, 10)
	if v[sigElec] >= math.Log(1/0.7) {
		flags++
	}
	if arrears {
		v[sigArrears] = 1
		flags++
	}
	v[sigCourt] = court
	if court >= 2 {
		flags++
	}
	v[sigGrade] = grade
	if grade >= 3 {
		flags++
	}
	for _, l := range sc.lists {
		if l.open {
			v[sigAbnormal] = 1
		}
	}
	flags += v[sigAbnormal]
	if repChange {
		v[sigRepChange] = 1
	}
	v[sigFlags] = flags
	for _, k := range []int{sigArrears, sigCourt, sigGrade, sigAbnormal, sigRepChange, sigFlags} {
		ok[k] = true // absence of a record is information
	}
	ok[sigGrade] = !gradeAt.IsZero()
	return v, ok
}

func gradeScore(g string) float64 {
	switch g {
	case "A":
		return 0
	case "B":
		return 1
	case "C":
		return 3
	case "D":
		return 4
	}
	return 2
}

// pick returns the value of month t, or of the month before when t is
// missing.
func pick(v []int64, ok []bool, t int) (int64, bool) {
	for _, u := range [2]int{t, t - 1} {
		if u >= 0 && u < len(v) && ok[u] {
			return v[u], true
		}
	}
	return 0, false
}

// logDrop compares the mean of n months from b with the mean of n months
// from a (earlier): log((mean a + c) / (mean b + c)), positive for a fall;
// both windows need at least two known months.
func logDrop(v []int64, ok []bool, a, b, n int, c float64) (float64, bool) {
	mean := func(from int) (float64, bool) {
		s, k := 0.0, 0
		for t := from; t < from+n; t++ {
			if t >= 0 && t < len(v) && ok[t] {
				s += float64(v[t])
				k++
			}
		}
		if k < 2 {
			return 0, false
		}
		return s / float64(k), true
	}
	ma, okA := mean(a)
	mb, okB := mean(b)
	if !okA || !okB {
		return 0, false
	}
	return math.Log((ma + c) / (mb + c)), true
}
