package synth

import (
	"math"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Monthly series of the departments' measures.
const (
	sVATSales = iota
	sVATPaid
	sPaidTotal
	sTaxArrears
	sCIT // stored at the quarter's first month
	sSIHead
	sSIContrib
	sSIArrears
	sHFHead
	sHFContrib
	sHFArrears
	sKWh
	sBill
	sUtilArrears
	sWater
	sGas
	nSeries
)

var seriesInfo = [nSeries]struct {
	item    string
	dept    int
	balance bool // reported only while positive
}{
	sVATSales:    {ItemVATSales, dTax, false},
	sVATPaid:     {ItemVATPaid, dTax, false},
	sPaidTotal:   {ItemTaxPaid, dTax, false},
	sTaxArrears:  {ItemTaxArrears, dTax, true},
	sCIT:         {ItemCITPaid, dTax, false},
	sSIHead:      {ItemSIHeadcount, dHRSS, false},
	sSIContrib:   {ItemSIContributions, dHRSS, false},
	sSIArrears:   {ItemSIArrears, dHRSS, true},
	sHFHead:      {ItemHFHeadcount, dHF, false},
	sHFContrib:   {ItemHFContributions, dHF, false},
	sHFArrears:   {ItemHFArrears, dHF, true},
	sKWh:         {ItemElectricityKWh, dGrid, false},
	sBill:        {ItemElectricityBill, dGrid, false},
	sUtilArrears: {ItemUtilArrears, dGrid, true},
	sWater:       {ItemWaterM3, dWater, false},
	sGas:         {ItemGasM3, dGas, false},
}

// work is the scratch state of one enterprise's department data.
type work struct {
	series []int64   // [series*Months + t], -1 if none
	lag    []float64 // [dept*Months + t], delivery lag in days, -1 if not delivered
}

const fenPerYuan = 100

func fen(yuan float64) int64 { return int64(math.Round(yuan * fenPerYuan)) }

// simulate runs the firm's books month by month: staff, revenue and taxes,
// social insurance and housing fund, utilities, and the arrears that build
// up when health is poor. Values are the departments' truth; delivery
// (gaps, outages, lags) is decided separately.
func (f *firm) simulate(w *work) {
	g := f.g
	M := g.cfg.Months
	w.series = make([]int64, nSeries*M)
	for k := range w.series {
		w.series[k] = -1
	}
	r := newRNG(g.seedKey, f.i, stMeasures)
	sec := f.sec
	sz := f.size

	hasSI := r.bern([3]float64{0.8, 0.97, 1}[sz])
	switch {
	case f.dormant:
		hasSI = r.bern(0.1)
	case f.individual:
		hasSI = r.bern(0.35)
	}
	cov := [3]float64{0.35, 0.6, 0.8}[sz]
	cov += (1 - cov) * r.float()
	hasHF := hasSI && r.bern([3]float64{0.3, 0.7, 0.95}[sz])
	if f.individual || f.dormant {
		hasHF = hasSI && r.bern(0.05)
	}
	hfCov, hfRate := r.uniform(0.5, 1), r.uniform(0.10, 0.24)
	meter := [3]float64{sec.meter, math.Max(sec.meter, 0.85), 1}[sz]
	if f.dormant {
		meter = 0.1
	}
	hasElec := r.bern(meter)
	hasWater := hasElec && r.bern(0.85)
	hasGas := hasElec && r.bern(f.div.gas)
	general := f.revenue > 5e6 || f.revenue > 1e6 && r.bern(0.3)
	invoiced := r.uniform(0.75, 1)
	c := &g.cities[f.place.city]
	wage0 := 5200 * c.wage * sec.wage * r.lnorm(0.2)
	e0 := math.Max(float64(f.employees), 1)
	elecBase := e0 * sec.elec * r.lnorm(0.5)
	waterBase := e0 * sec.water * r.lnorm(0.5)
	gasPer := 25.0
	if sec.code == "H" {
		gasPer = 60
	}
	gasBase := e0 * gasPer * r.lnorm(0.6)
	price := 0.78
	if sec.code == "B" || sec.code == "C" || sec.code == "D" {
		price = 0.66
	}
	price *= r.lnorm(0.05)
	margin := sec.margin + 0.02*r.norm()
	revSigma := [3]float64{0.16, 0.11, 0.08}[sz]
	citRate := 0.25
	switch {
	case f.highTech:
		citRate = 0.15
	case sz != medium || f.revenue*margin < 3e6:
		citRate = 0.05 // 小型微利企业
	}

	var taxArr, siArr, hfArr, utilArr, qProfit float64
	from := max(f.fm, 0)
	for t := from; t <= f.last && t < M; t++ {
		h := f.health[t]
		dh := h - f.h0
		// Cash stress drives arrears: a low level, or a fall below the
		// firm's own normal.
		hp := h - 0.6*math.Max(0, -dh)
		cal := g.cal[t]
		ramp := 1.0
		if age := t - f.fm; age < 6 {
			ramp = 0.4 + 0.1*float64(age)
		}
		collapse := 1.0
		if h < -2 {
			collapse = 0.6
		}
		emp := math.Round(float64(f.employees) * math.Exp(0.6*(f.smooth[t]-f.h0)) * ramp * collapse)
		if f.employees >= 1 && emp < 1 {
			emp = 1
		}
		years := float64(t) / 12

		// Tax.
		var rev float64
		if !f.dormant {
			rev = f.revenue / 12 * math.Exp(0.75*dh) * seasonality[sec.revSea][cal] * r.lnorm(revSigma) * ramp * collapse
		}
		vs := rev * invoiced
		var vat float64
		switch {
		case general:
			vat = vs * sec.va * sec.vatRate * r.lnorm(0.35)
			if r.bern(0.1) {
				vat = 0 // input tax carried forward
			}
		case vs > 100e3:
			vat = vs * 0.01 // small-scale taxpayer, 1 % levy above the exemption
		}
		wage := wage0 * math.Pow(1.03, years)
		due := vat*0.12 + vat + emp*math.Max(0, wage-5000)*0.03 + vs*0.0003
		qProfit += rev * (margin + 0.04*h)
		if cal%3 == 2 {
			cit := 0.0
			if qProfit > 0 {
				cit = qProfit * citRate
			}
			if t >= 2 && !f.individual { // individual businesses pay personal income tax instead
				w.series[sCIT*M+t-2] = fen(cit)
			}
			due += cit
			qProfit = 0
		}
		paid := due
		// Amounts below 200 yuan are settled by the bank deduction
		// agreement whatever the firm's state.
		if due >= 200 && !r.bern(sigmoid(6.0+2.5*hp)) {
			paid = 0
			taxArr += due
		} else if taxArr > 0 && r.bern(sigmoid(0.3+1.5*hp)) {
			paid += taxArr * 1.05 // with late-payment surcharge
			taxArr = 0
		}
		w.series[sVATSales*M+t] = fen(vs)
		w.series[sVATPaid*M+t] = fen(vat)
		w.series[sPaidTotal*M+t] = fen(paid)
		w.series[sTaxArrears*M+t] = fen(taxArr)

		// Social insurance and housing fund.
		if hasSI {
			ins := math.Max(1, math.Round(emp*cov))
			due := ins * wage * 0.335
			paid := due
			if !r.bern(sigmoid(5.2 + 2.4*hp)) {
				paid = 0
				siArr += due
			} else if siArr > 0 && r.bern(sigmoid(0.5+1.5*hp)) {
				siArr = 0
			}
			w.series[sSIHead*M+t] = int64(ins)
			w.series[sSIContrib*M+t] = fen(paid)
			w.series[sSIArrears*M+t] = fen(siArr)
			if hasHF {
				n := math.Max(1, math.Round(ins*hfCov))
				due := n * wage * 0.9 * hfRate
				paid := due
				if !r.bern(sigmoid(4.5 + 2.2*hp)) {
					paid = 0
					hfArr += due
				} else if hfArr > 0 && r.bern(sigmoid(0.2+1.5*hp)) {
					hfArr = 0
				}
				w.series[sHFHead*M+t] = int64(n)
				w.series[sHFContrib*M+t] = fen(paid)
				w.series[sHFArrears*M+t] = fen(hfArr)
			}
		}

		// Utilities.
		if hasElec {
			sea := seasonality[sec.elecSea][cal]
			kwh := math.Round(elecBase * math.Exp(0.7*dh) * sea * r.lnorm(0.07) * ramp * collapse)
			bill := kwh * price * (1 + 0.1*(sea-1))
			if !r.bern(sigmoid(5.5 + 2.5*hp)) {
				utilArr += bill
			} else if utilArr > 0 && r.bern(sigmoid(0.8+1.5*hp)) {
				utilArr = 0
			}
			w.series[sKWh*M+t] = int64(kwh)
			w.series[sBill*M+t] = fen(bill)
			w.series[sUtilArrears*M+t] = fen(utilArr)
			if hasWater {
				w.series[sWater*M+t] = int64(math.Round(waterBase * math.Exp(0.35*dh) * waterSeason[cal] * r.lnorm(0.15) * ramp))
			}
			if hasGas {
				w.series[sGas*M+t] = int64(math.Round(gasBase * math.Exp(0.45*dh) * gasSeason[cal] * r.lnorm(0.1) * ramp * collapse))
			}
		}
	}
	f.deliveries(w)
}

// deliveries decides, per department and month, whether the firm's record
// arrives (department outages, random gaps) and how late.
func (f *firm) deliveries(w *work) {
	g := f.g
	M := g.cfg.Months
	q := newRNG(g.seedKey, f.i, stQuality)
	w.lag = make([]float64, nDepts*M)
	for d := 0; d < nDepts; d++ {
		out := g.outage[d][f.place.city*M : (f.place.city+1)*M]
		gap := deptQuality[d].gap
		if f.size == micro {
			gap *= 1.5
		}
		for t := 0; t < M; t++ {
			k := d*M + t
			if !f.active(t) || out[t] || q.bern(gap) {
				w.lag[k] = -1
				continue
			}
			w.lag[k] = g.lagDays[d][t] + 1.5*q.float()
		}
	}
}

// emitMeasures appends the delivered measures, department by department,
// item by item, month by month; a few records are later corrected (the
// first version wrong, a second version with the right value received
// weeks later).
func (f *firm) emitMeasures(w *work, out []facts.Fact) []facts.Fact {
	g := f.g
	M := g.cfg.Months
	q := newRNG(g.seedKey, f.i, stQuality^0xabc)
	for s := 0; s < nSeries; s++ {
		info := seriesInfo[s]
		d := info.dept
		corr := deptQuality[d].correct
		for t := 0; t < M; t++ {
			v := w.series[s*M+t]
			if v < 0 || info.balance && v == 0 {
				continue
			}
			due := t
			period := g.month[t]
			if s == sCIT {
				due = t + 2 // declared after the quarter's last month
			}
			lag := w.lag[d*M+due]
			if lag < 0 {
				continue
			}
			received := g.month[due+1].Add(time.Duration(lag * float64(24*time.Hour)))
			fa := facts.Fact{Item: info.item, Shape: facts.Measure, Period: period, Num: v,
				Source: deptCodes[d], ReceivedAt: received, Version: 1}
			if v != 0 && q.bern(corr) {
				wrong := fa
				e := q.uniform(0.05, 0.3)
				if q.bern(0.5) {
					e = -e
				}
				wrong.Num = int64(math.Round(float64(v) * (1 + e)))
				out = append(out, wrong)
				fa.Version = 2
				fa.ReceivedAt = received.Add(time.Duration(q.between(15, 75)) * 24 * time.Hour)
				if fa.ReceivedAt.After(g.asOf) {
					continue
				}
			}
			out = append(out, fa)
		}
	}
	return out
}
