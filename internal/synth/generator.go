package synth

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/region"
)

// Defaults and limits of Config.
const (
	DefaultMonths      = 36
	DefaultProvince    = "32"
	DefaultDefaultRate = 0.05
	// MaxEnterprises is the size of the organisation-code space the
	// population is drawn from without repetition.
	MaxEnterprises = 100_000_000
	MaxMonths      = 240
)

// DefaultEndMonth is the last month of data when Config.EndMonth is zero.
var DefaultEndMonth = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// Synthetic-data markers. Every generated enterprise name carries one, so a
// reader of any screen, report or file sees that the record is invented,
// and an invented name can never be mistaken for a real company's.
const (
	MarkerZH = "（模拟）"
	MarkerEN = " (synthetic)"
)

// Generator produces a synthetic region. It is immutable after New and
// safe for concurrent use.
type Generator struct {
	cfg     Config
	seedKey uint64

	month []time.Time // month[t] is the first day of month t; len Months+1
	cal   []int8      // calendar month 0-11 of month t
	year  []int16     // calendar year of month t
	asOf  time.Time   // data received after this instant is not emitted

	provZH, provAbbr string
	places           []place
	placeCum         []float64
	cities           []city
	regional         []float64 // regional factor, city-major: [city*Months+t]
	macro            []float64 // business cycle per month
	downturn         int       // index of the city with a mid-period downturn
	outage           [nDepts][]bool
	lagDays          [nDepts][]float64 // department's delivery lag per month
	elsewhere        []string          // provinces of parent companies

	intercept float64 // calibrated loan default hazard intercept
}

// place is a registration authority's division (a county, or a city where
// the table lists no counties).
type place struct {
	code      string
	city      int
	zh, en    string // 吴中区 / Wuzhong District
	short     string // 吴中 (decision numbers), county or city
	shortEN   string // Wuzhong
	addr      string // 江苏省苏州市吴中区
	court     string // 苏0506
	courtName string // 苏州市吴中区人民法院
	samr      string // 苏州市吴中区市场监督管理局
	authority string // 苏州市吴中区 (prefix of local authorities)
}

type city struct {
	code    string
	zh, en  string // 苏州 / Suzhou
	full    string // 苏州市
	wage    float64
	lenders []lender
}

type lender struct {
	name, abbr string
	spread     [2]float64
	kind       int
}

// Departments that report measures.
const (
	dTax = iota
	dHRSS
	dHF
	dGrid
	dWater
	dGas
	nDepts
)

var deptCodes = [nDepts]string{DeptTax, DeptHRSS, DeptHF, DeptGrid, DeptWater, DeptGas}

// Per-department delivery: lag after the month's end in days, chance a
// firm's record for a month is missing, outage months per city in the
// window (per 36 months), chance a record is later corrected.
var deptQuality = [nDepts]struct {
	lag, jitter, gap, outages, correct float64
}{
	dTax:   {18, 4, 0.003, 0.3, 0.015},
	dHRSS:  {12, 4, 0.006, 0.6, 0.005},
	dHF:    {15, 5, 0.012, 1.0, 0.005},
	dGrid:  {8, 3, 0.005, 0.6, 0.004},
	dWater: {12, 5, 0.02, 2.0, 0.006},
	dGas:   {12, 5, 0.03, 2.5, 0.006},
}

// New validates cfg, fills its defaults and prepares the region. The
// first New for a given (Seed, Months, Province, EndMonth, DefaultRate)
// runs a calibration pilot of a few thousand enterprises (tens of
// milliseconds); later ones reuse it.
func New(cfg Config) (*Generator, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	// The province is part of the key: provinces generated with the same
	// seed (the nodes of a demo network) get different populations.
	prov, _ := strconv.Atoi(cfg.Province)
	g := &Generator{cfg: cfg, seedKey: mix64(cfg.Seed^0x6372656469746272) ^ mix64(uint64(prov)+0x7072)}
	g.calendar()
	if err := g.regions(); err != nil {
		return nil, err
	}
	g.factors()
	g.intercept = calibrated(g)
	return g, nil
}

// DownturnCity is the division code of the city whose regional factor
// falls in the middle third of the window.
func (g *Generator) DownturnCity() string { return g.cities[g.downturn].code }

// Config returns the configuration with defaults filled in.
func (g *Generator) Config() Config { return g.cfg }

// AsOf is the instant the region is observed: the generator emits only
// data received by then (every department has delivered the last month).
func (g *Generator) AsOf() time.Time { return g.asOf }

func withDefaults(cfg Config) (Config, error) {
	if cfg.Months == 0 {
		cfg.Months = DefaultMonths
	}
	if cfg.Province == "" {
		cfg.Province = DefaultProvince
	}
	if cfg.EndMonth.IsZero() {
		cfg.EndMonth = DefaultEndMonth
	}
	if cfg.DefaultRate == 0 {
		cfg.DefaultRate = DefaultDefaultRate
	}
	var fs fault.Fields
	if cfg.Enterprises < 1 || cfg.Enterprises > MaxEnterprises {
		fs.Add("Enterprises", fault.Newf(fault.Invalid, "synth.enterprises",
			"Enterprises must be between 1 and %d, got %d", MaxEnterprises, cfg.Enterprises).
			With("got", strconv.Itoa(cfg.Enterprises)))
	}
	if cfg.Months < 1 || cfg.Months > MaxMonths {
		fs.Add("Months", fault.Newf(fault.Invalid, "synth.months",
			"Months must be between 1 and %d, got %d", MaxMonths, cfg.Months).
			With("got", strconv.Itoa(cfg.Months)))
	}
	if !provinceOK(cfg.Province) {
		fs.Add("Province", fault.Newf(fault.Invalid, "synth.province",
			"Province must be the two-digit code of a province whose divisions are known (for example 32, Jiangsu), got %q", clip(cfg.Province)).
			With("got", clip(cfg.Province)))
	}
	e := cfg.EndMonth
	if e.Location() != time.UTC || e.Day() != 1 || e.Hour() != 0 || e.Minute() != 0 || e.Second() != 0 || e.Nanosecond() != 0 {
		fs.Add("EndMonth", fault.Newf(fault.Invalid, "synth.end_month",
			"EndMonth must be the first day of a month at 00:00 UTC, got %s", e.Format(time.RFC3339)).
			With("got", e.Format(time.RFC3339)))
	} else if e.Year() < 2000 || e.Year() > 2045 {
		// Legal representatives are born 25-65 years before EndMonth and
		// identity numbers must carry a birth date in the past.
		fs.Add("EndMonth", fault.Newf(fault.Invalid, "synth.end_month_range",
			"EndMonth must fall in the years 2000 to 2045, got %d", e.Year()).
			With("got", strconv.Itoa(e.Year())))
	}
	if !(cfg.DefaultRate >= 0.01 && cfg.DefaultRate <= 0.2) {
		fs.Add("DefaultRate", fault.Newf(fault.Invalid, "synth.default_rate",
			"DefaultRate must be between 0.01 and 0.2, got %g", cfg.DefaultRate).
			With("got", strconv.FormatFloat(cfg.DefaultRate, 'g', -1, 64)))
	}
	return cfg, fs.Err()
}

func provinceOK(p string) bool {
	if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
		return false
	}
	return len(region.Children(p+"0000")) > 0
}

func clip(s string) string {
	if r := []rune(s); len(r) > 32 {
		return string(r[:32]) + "…"
	}
	return s
}

func (g *Generator) calendar() {
	m := g.cfg.Months
	first := g.cfg.EndMonth.AddDate(0, -(m - 1), 0)
	g.month = make([]time.Time, m+1)
	g.cal = make([]int8, m+1)
	g.year = make([]int16, m+1)
	for t := 0; t <= m; t++ {
		d := first.AddDate(0, t, 0)
		g.month[t] = d
		g.cal[t] = int8(d.Month() - 1)
		g.year[t] = int16(d.Year())
	}
	// Every department delivers the last month within about 35 days.
	g.asOf = g.month[m].AddDate(0, 0, 45)
}

// monthIndex returns the window month of d (may be outside 0..Months-1).
func (g *Generator) monthIndex(d time.Time) int {
	s := g.month[0]
	return (d.Year()-s.Year())*12 + int(d.Month()) - int(s.Month())
}

// regions builds the places of the province, weighted by economic size.
func (g *Generator) regions() error {
	prov, _ := region.Lookup(g.cfg.Province + "0000")
	g.provZH = prov.NameZH
	g.provAbbr = provinceAbbr[g.cfg.Province]
	if g.provAbbr == "" {
		g.provAbbr = string([]rune(prov.NameZH)[:1])
	}
	kids := region.Children(prov.Code)
	var weights []float64
	// Beijing, Tianjin, Shanghai and Chongqing list districts directly.
	municipality := strings.Contains("11 12 31 50", g.cfg.Province)
	addCity := func(d region.Division) int {
		c := city{code: d.Code, full: d.NameZH, zh: shortCity(d.NameZH), en: shortCityEN(d.NameEN), wage: 1}
		if municipality {
			c.full, c.zh, c.en = prov.NameZH, shortCity(prov.NameZH), prov.NameEN
		}
		g.cities = append(g.cities, c)
		return len(g.cities) - 1
	}
	addPlace := func(d region.Division, ci int, w float64) {
		c := g.cities[ci]
		p := place{code: d.Code, city: ci, zh: d.NameZH, en: d.NameEN, court: g.provAbbr + d.Code[2:6]}
		switch {
		case d.Level == region.City: // a city whose counties the table does not list
			p.authority, p.addr = c.full, prov.NameZH+c.full
			p.short, p.shortEN = c.zh, c.en
			p.court = g.provAbbr + d.Code[2:4]
			p.courtName = c.full + "中级人民法院"
		case municipality: // a district of Beijing, Tianjin, Shanghai, Chongqing
			p.authority, p.addr = prov.NameZH+d.NameZH, prov.NameZH+d.NameZH
		case c.code == d.Code: // a county-level unit directly under the province
			p.authority, p.addr = d.NameZH, prov.NameZH+d.NameZH
		case strings.HasSuffix(d.NameZH, "区"): // 苏州市吴中区人民法院
			p.authority, p.addr = c.full+d.NameZH, prov.NameZH+c.full+d.NameZH
		default: // 昆山市人民法院, 沛县人民法院
			p.authority, p.addr = d.NameZH, prov.NameZH+c.full+d.NameZH
		}
		if p.short == "" {
			p.short, p.shortEN = shortCounty(d.NameZH), shortCountyEN(d.NameEN)
		}
		if p.courtName == "" {
			p.courtName = p.authority + "人民法院"
		}
		p.samr = p.authority + "市场监督管理局"
		g.places = append(g.places, p)
		weights = append(weights, w)
	}
	if municipality {
		ci := addCity(prov)
		for _, k := range kids {
			if k.Level == region.County {
				addPlace(k, ci, countyWeight(k))
			}
		}
	} else {
		capital := true
		for _, k := range kids {
			if k.Level != region.City {
				continue
			}
			cw, ok := cityWeights[k.Code]
			if !ok {
				cw = 1
				if capital {
					cw = 3
				}
			}
			capital = false
			ci := addCity(k)
			counties := region.Children(k.Code)
			if len(counties) == 0 {
				addPlace(k, ci, cw)
				continue
			}
			total := 0.0
			for _, c := range counties {
				total += countyWeight(c)
			}
			for _, c := range counties {
				addPlace(c, ci, cw*countyWeight(c)/total)
			}
		}
		// County-level units directly under the province (济源市 ...).
		for _, k := range kids {
			if k.Level == region.County {
				ci := addCity(k)
				addPlace(k, ci, 0.5)
			}
		}
	}
	if len(g.places) == 0 {
		return fault.Newf(fault.Invalid, "synth.province", "province %s has no divisions in the table", g.cfg.Province).
			With("got", g.cfg.Province)
	}
	g.placeCum = cumulative(weights)
	// Wages and lenders per city: richer cities pay more.
	maxW := 0.0
	for _, c := range g.cities {
		maxW = math.Max(maxW, cityWeights[c.code])
	}
	for i := range g.cities {
		c := &g.cities[i]
		if w, ok := cityWeights[c.code]; ok && maxW > 0 {
			c.wage = 0.8 + 0.4*w/maxW
		}
		for _, lk := range lenderKinds {
			// The micro-lender's second %s (its trade name) is filled per loan.
			name := strings.Replace(lk.pattern, "%s", c.zh, 1)
			c.lenders = append(c.lenders, lender{name: name, abbr: lk.abbr, spread: lk.spread, kind: lk.kind})
		}
	}
	for _, p := range region.Provinces() {
		code := p.Code[:2]
		if code != g.cfg.Province && (code == "11" || code == "31" || code == "32" || code == "33" || code == "44") {
			g.elsewhere = append(g.elsewhere, p.Code)
		}
	}
	return nil
}

// countyWeight: urban districts hold more firms than rural counties.
func countyWeight(d region.Division) float64 {
	switch {
	case strings.HasSuffix(d.NameZH, "区"):
		return 1.4
	case strings.HasSuffix(d.NameZH, "市"):
		return 1.3
	}
	return 0.7
}

func shortCity(zh string) string {
	for _, suf := range []string{"市", "地区", "盟"} {
		if s := strings.TrimSuffix(zh, suf); s != zh && len([]rune(s)) >= 2 {
			return s
		}
	}
	return zh
}

func shortCityEN(en string) string {
	for _, suf := range []string{" Autonomous Prefecture", " Prefecture", " League"} {
		if s := strings.TrimSuffix(en, suf); s != en {
			return s
		}
	}
	return en
}

func shortCounty(zh string) string {
	r := []rune(zh)
	if len(r) > 2 {
		last := string(r[len(r)-1])
		if last == "区" || last == "县" || last == "市" {
			return string(r[:len(r)-1])
		}
	}
	return zh
}

func shortCountyEN(en string) string {
	for _, suf := range []string{" District", " County", " New Area", " City"} {
		en = strings.TrimSuffix(en, suf)
	}
	return en
}

// factors draws the region-wide paths: the business cycle, each city's
// regional factor (one city goes through a downturn in the middle third of
// the window), department outages and delivery lags.
func (g *Generator) factors() {
	m := g.cfg.Months
	r := newRNG(g.seedKey, -1, 99)
	g.macro = make([]float64, m)
	x := 0.0
	phase := r.uniform(0, 2*math.Pi)
	for t := 0; t < m; t++ {
		x = 0.85*x + 0.06*r.norm()
		g.macro[t] = x + 0.25*math.Sin(phase+2*math.Pi*float64(t)/30)
	}
	nc := len(g.cities)
	g.regional = make([]float64, nc*m)
	g.downturn = r.intn(nc)
	if nc > 1 && r.bern(0.5) {
		// Prefer a city that is not the largest, so the downturn is
		// visible against a sound rest of the province.
		g.downturn = (g.downturn + 1) % nc
	}
	for c := 0; c < nc; c++ {
		y := 0.0
		for t := 0; t < m; t++ {
			y = 0.9*y + 0.04*r.norm()
			v := y
			if c == g.downturn {
				v -= 0.9 * downturnShape(t, m)
			}
			g.regional[c*m+t] = v
		}
	}
	for d := 0; d < nDepts; d++ {
		q := deptQuality[d]
		g.outage[d] = make([]bool, nc*m)
		for c := 0; c < nc; c++ {
			n := int(q.outages*float64(m)/36 + r.float())
			for k := 0; k < n; k++ {
				g.outage[d][c*m+r.intn(m)] = true
			}
		}
		g.lagDays[d] = make([]float64, m)
		for t := 0; t < m; t++ {
			g.lagDays[d][t] = q.lag + q.jitter*(r.float()*2-1)
		}
	}
}

// downturnShape is 0 outside the middle third of the window and rises to 1
// over four months, holding, then recovering halfway.
func downturnShape(t, m int) float64 {
	a, b := m/3, 2*m/3
	switch {
	case t < a:
		return 0
	case t < a+4:
		return float64(t-a+1) / 4
	case t <= b:
		return 1
	default:
		return math.Max(0.4, 1-float64(t-b)/6)
	}
}

// model is the static part of the model: sections with their divisions.
type model struct {
	secs   []secInfo
	secCum []float64
}

type secInfo struct {
	sectionModel
	sizeCum []float64
	divs    []divInfo
	divCum  []float64
	trades  []trade
}

type divInfo struct {
	divisionModel
	code   string
	sector industry.Sector
	prod   float64
	causes []string
}

var staticModel = sync.OnceValue(func() *model {
	m := &model{}
	var shares []float64
	for _, sm := range sectionModels {
		s := secInfo{sectionModel: sm, sizeCum: cumulative(sm.sizeMix[:])}
		s.trades = sectionTrades[sm.code]
		var w []float64
		for _, d := range industry.DivisionsOf(sm.code) {
			dm, ok := divisionModels[d.Code]
			if !ok {
				dm = divisionModel{weight: 1}
			}
			if dm.weight <= 0 {
				continue
			}
			di := divInfo{divisionModel: dm, code: d.Code, prod: sm.prod, causes: dm.causes}
			sec := d.Code
			if dm.sector != "" {
				sec = dm.sector
			}
			di.sector = industry.SectorOf(sec)
			if dm.prod > 0 {
				di.prod = dm.prod
			}
			if di.causes == nil {
				di.causes = defaultCauses
			}
			if len(di.trades) == 0 {
				di.trades = s.trades
			}
			if len(di.trades) == 0 {
				di.trades = tr(d.NameZH, d.NameEN)
			}
			s.divs = append(s.divs, di)
			w = append(w, dm.weight)
		}
		if len(s.divs) == 0 {
			panic("synth: section " + sm.code + " has no division")
		}
		s.divCum = cumulative(w)
		m.secs = append(m.secs, s)
		shares = append(shares, sm.share)
	}
	m.secCum = cumulative(shares)
	return m
})
