package synth

import (
	"math"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// loanPlan is a loan the firm would take; whether it is taken depends on
// the outcome of earlier loans (no new loan after a default).
type loanPlan struct {
	start, term int // window month of disbursement; months
	day         int // day of the month of disbursement (0-based)
	lender      int // index into the city's lenders
	amountFen   int64
	rateBP      int
	guarantee   string
	// thr[k] is the default threshold of month start+1+k: the loan
	// defaults in the first month whose threshold is below the hazard
	// intercept. Keeping thresholds instead of outcomes lets the
	// calibration move the intercept without redrawing anything.
	thr []float64
}

// Loan terms and guarantees.
var (
	termsMicro = []int{12, 12, 12, 12, 12, 6, 6, 24, 36}
	termsOther = []int{12, 12, 12, 12, 6, 24, 24, 36, 36}
	guarantees = []string{"credit", "guarantee", "mortgage", "pledge"}
	guarMix    = [3][]float64{
		cumulative([]float64{35, 35, 25, 5}),
		cumulative([]float64{25, 30, 38, 7}),
		cumulative([]float64{20, 25, 45, 10}),
	}
	lenderMix = func() []float64 {
		w := make([]float64, len(lenderKinds))
		for i, k := range lenderKinds {
			w[i] = k.weight
		}
		return cumulative(w)
	}()
)

// Default hazard of month t of a loan: sigmoid(a + x) where
// x = hazHealth·(−health) + hazDecline·(fall below the firm's own normal
// level) + hazFall·(fall over the last 3 months) + size
// term + the loan's frailty (what the data cannot show).
const (
	hazHealth  = 0.3
	hazDecline = 1.8
	hazFall    = 1.0
	hazFrailty = 0.4
	hazExited  = 6
)

var hazSize = [3]float64{0.25, 0, -0.3}

// loanPlans draws the firm's borrowing: whether it borrows in the window,
// one or two lending relationships, renewals (续贷) of short loans, the
// lender's screening on recent health, amounts, rates and terms, and the
// per-month default thresholds.
func (f *firm) loanPlans() {
	g := f.g
	M := g.cfg.Months
	r := newRNG(g.seedKey, f.i, stLoans)
	risk := newRNG(g.seedKey, f.i, stLoanRisk)
	p := [3]float64{0.36, 0.62, 0.78}[f.size]
	switch {
	case f.dormant:
		p = 0.02
	case f.individual:
		p = 0.24
	}
	if !r.bern(p) {
		return
	}
	chains := 1
	if f.size != micro && r.bern(0.35) {
		chains = 2
	}
	for c := 0; c < chains; c++ {
		earliest := max(0, f.fm+3)
		if earliest > min(f.last, M-1) {
			return
		}
		s := r.between(earliest, M-1)
		// Firms short of cash ask for credit: a declining firm often
		// applies a few months into its decline.
		if f.path == pathDecline && c == 0 && r.bern(0.65) {
			if o := int(f.onset) + r.between(2, 9); o >= earliest && o < M {
				s = o
			}
		}
		retried := false
		for k := 0; k < 4 && s <= f.last && s < M; k++ {
			// The lender screens on what it sees: recent health.
			if !r.bern(sigmoid(2.5 + 1.2*f.healthAt(s-1))) {
				if retried {
					break
				}
				retried = true
				s += r.between(3, 6)
				continue
			}
			pl := f.drawLoan(&r, s)
			pl.thr = make([]float64, 0, min(pl.term, M-1-s))
			frailty := hazFrailty * risk.norm()
			for t := s + 1; t <= s+pl.term && t < M; t++ {
				x := float64(hazExited)
				if t <= f.last {
					h := f.health[t]
					x = hazHealth*(-h) + hazDecline*math.Max(0, f.h0-h) + hazFall*math.Max(0, f.healthAt(t-3)-h) + hazSize[f.size] + frailty
				}
				u := risk.float()
				pl.thr = append(pl.thr, logit(clamp(u, 1e-12, 1-1e-12))-x)
			}
			f.plans = append(f.plans, pl)
			if pl.term > 12 || !r.bern(0.65) {
				break
			}
			s += pl.term + r.between(0, 1)
		}
	}
	// Order by start (chains interleave); insertion sort, tiny slice.
	for i := 1; i < len(f.plans); i++ {
		for j := i; j > 0 && f.plans[j].start < f.plans[j-1].start; j-- {
			f.plans[j], f.plans[j-1] = f.plans[j-1], f.plans[j]
		}
	}
}

func (f *firm) drawLoan(r *rng, s int) loanPlan {
	pl := loanPlan{start: s, day: r.intn(28)}
	terms := termsOther
	if f.size == micro {
		terms = termsMicro
	}
	pl.term = terms[r.intn(len(terms))]
	pl.lender = r.pick(lenderMix)
	median := [3]float64{300e3, 2e6, 10e6}[f.size]
	lo, hi := [3]float64{50e3, 300e3, 2e6}[f.size], [3]float64{3e6, 20e6, 80e6}[f.size]
	amount := clamp(median*r.lnorm(0.7), lo, hi)
	pl.amountFen = int64(math.Round(amount/10e3)) * 10e3 * 100
	pl.guarantee = guarantees[r.pick(guarMix[f.size])]
	lk := lenderKinds[pl.lender]
	rate := lpr(f.g.month[s]) + r.uniform(lk.spread[0], lk.spread[1])
	switch pl.guarantee {
	case "mortgage":
		rate -= 0.3
	case "credit":
		rate += 0.3
	}
	pl.rateBP = int(clamp(math.Round(rate*100), 300, 800))
	return pl
}

// lpr is the one-year loan prime rate in percent at d (public figures,
// rounded; earlier dates use the 2019 reform value).
func lpr(d time.Time) float64 {
	ym := d.Year()*100 + int(d.Month())
	switch {
	case ym >= 202505:
		return 3.0
	case ym >= 202410:
		return 3.1
	case ym >= 202407:
		return 3.35
	case ym >= 202308:
		return 3.45
	case ym >= 202206:
		return 3.7
	case ym >= 202001:
		return 3.85
	}
	return 4.31
}

// outcome is what happened to a planned loan under a hazard intercept.
type outcome struct {
	kept      bool // not dropped by an earlier default
	defaultAt int  // window month of default, -1 if none in the window
}

// outcomes decides the plans' fates under intercept a: a plan starting at
// or after an earlier loan's default is never granted; a granted loan
// defaults in the first month whose threshold is below a.
func outcomes(plans []loanPlan, a float64, out []outcome) []outcome {
	out = out[:0]
	firstDefault := math.MaxInt
	for _, pl := range plans {
		o := outcome{defaultAt: -1}
		if pl.start < firstDefault {
			o.kept = true
			for k, th := range pl.thr {
				if th < a {
					o.defaultAt = pl.start + 1 + k
					firstDefault = min(firstDefault, o.defaultAt)
					break
				}
			}
		}
		out = append(out, o)
	}
	return out
}

// observedBorrower reports whether the firm has a granted loan whose 12
// months after disbursement lie inside the window, and whether one of those
// defaulted within the 12 months.
func observedBorrower(plans []loanPlan, out []outcome, months int) (borrower, defaulted bool) {
	for k, pl := range plans {
		if !out[k].kept || pl.start > months-13 {
			continue
		}
		borrower = true
		if d := out[k].defaultAt; d >= 0 && d-pl.start <= 12 {
			defaulted = true
		}
	}
	return borrower, defaulted
}

// loans turns the granted plans into shared-back loan records.
func (f *firm) loans(out []outcome, b *Bundle) {
	g := f.g
	M := g.cfg.Months
	r := newRNG(g.seedKey, f.i, stLoans^0xff)
	c := &g.cities[f.place.city]
	windowEnd := g.month[M]
	for k, pl := range f.plans {
		o := out[k]
		if !o.kept {
			continue
		}
		lk := c.lenders[pl.lender]
		name := f.lenderName(pl)
		start := g.month[pl.start].AddDate(0, 0, pl.day)
		l := facts.Loan{
			Lender:     name,
			ContractNo: contractNo(lk.abbr, start, f.n, k),
			AmountFen:  pl.amountFen,
			RateBP:     pl.rateBP,
			TermMonths: pl.term,
			Guarantee:  pl.guarantee,
			StartOn:    start,
			MaturityOn: start.AddDate(0, pl.term, 0),
			Source:     DeptFinance,
		}
		status := start
		minH := 3.0
		for t := pl.start; t < M && t <= pl.start+pl.term; t++ {
			minH = math.Min(minH, f.healthAt(t))
		}
		switch {
		case o.defaultAt >= 0:
			l.Status = facts.LoanDefaulted
			l.DefaultedOn = g.month[o.defaultAt].AddDate(0, 0, r.intn(28))
			l.MaxDaysOverdue = 90 + r.intn(120)
			if maxDays := int(g.asOf.Sub(l.DefaultedOn).Hours()/24) + 90; l.MaxDaysOverdue > maxDays {
				l.MaxDaysOverdue = maxDays
			}
			status = l.DefaultedOn
		case !l.MaturityOn.After(windowEnd):
			l.Status = facts.LoanRepaid
			l.RepaidOn = l.MaturityOn
			if r.bern(0.1) {
				l.RepaidOn = start.AddDate(0, 0, int(float64(pl.term)*30*r.uniform(0.3, 0.95)))
			}
			status = l.RepaidOn
		default:
			l.Status = facts.LoanCurrent
			status = windowEnd.AddDate(0, 0, -1)
			if f.healthAt(M-1) < -1.3 && r.bern(0.5) {
				l.Status = facts.LoanOverdue
				l.MaxDaysOverdue = r.between(5, 89)
			}
		}
		if l.MaxDaysOverdue == 0 {
			switch {
			case minH < -1.2 && r.bern(0.5):
				l.MaxDaysOverdue = r.between(5, 60)
			case r.bern(0.04):
				l.MaxDaysOverdue = r.between(1, 15)
			}
		}
		l.ReceivedAt = status.Add(time.Duration(r.between(3*24, 20*24)) * time.Hour)
		if l.ReceivedAt.After(g.asOf) {
			l.ReceivedAt = g.asOf
		}
		b.Loans = append(b.Loans, l)
		if o.defaultAt >= 0 && o.defaultAt-pl.start <= 12 {
			b.Hidden.Defaulted = true
		}
	}
}

// lenderName is the lender of a plan as reported: a bank's branch in the
// firm's city, or one of three micro-lenders per city.
func (f *firm) lenderName(pl loanPlan) string {
	c := &f.g.cities[f.place.city]
	lk := c.lenders[pl.lender]
	if lk.kind != 4 {
		return lk.name
	}
	j := f.place.city*3 + int(f.n%3)
	return c.zh + brandChars[j%len(brandChars)].zh + brandChars[(j*7+3)%len(brandChars)].zh + "农村小额贷款有限公司"
}

// contractNo is unique by construction: the lender's abbreviation, the
// start date, the enterprise's unique number and the loan's position.
func contractNo(abbr string, start time.Time, n uint32, k int) string {
	b := make([]byte, 0, 32)
	b = append(b, abbr...)
	b = start.AppendFormat(b, "20060102")
	b = appendPadded(b, int64(n), 8)
	b = strconv.AppendInt(b, int64(k), 10)
	return string(b)
}

func appendPadded(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
