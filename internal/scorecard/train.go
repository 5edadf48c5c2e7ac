package scorecard

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Options are the training choices; the artefact records them.
type Options struct {
	// Binning.
	FineBins int     `json:"fine_bins"` // quantile classes before merging (20)
	MaxBins  int     `json:"max_bins"`  // at most this many value bins per variable (6)
	MinShare float64 `json:"min_share"` // a value bin holds at least this share of all rows (0.05)
	Trend    Trend   `json:"trend"`     // default trend of numeric variables (auto)
	// Trends overrides Trend per variable.
	Trends map[string]Trend `json:"trends,omitempty"`
	// Specials are raw values that get their own bin in every variable
	// (e.g. "-999" for "not applicable"), compared as text and, for
	// numeric variables, as numbers.
	Specials  []string `json:"specials,omitempty"`
	Missing   []string `json:"missing,omitempty"` // raw missing values (DefaultMissing)
	Smoothing float64  `json:"smoothing"`         // count added to empty WOE cells (0.5)
	// Selection.
	MinIV          float64 `json:"min_iv"`          // drop variables below this IV (0.02)
	MaxCorrelation float64 `json:"max_correlation"` // drop the weaker of WOE pairs with |r| above (0.7)
	MaxPSI         float64 `json:"max_psi"`         // drop variables less stable than this on the later sample (0.25)
	// Regression.
	L2 float64 `json:"l2"` // ridge penalty on the coefficients, not the intercept (1)
	// AllowNegative keeps variables whose coefficient comes out negative.
	// By default they are dropped one at a time and the model refitted: a
	// negative coefficient on WOE reverses the bins' evidence (collinearity)
	// and makes points and reason codes contradict the bin statistics.
	AllowNegative bool `json:"allow_negative"`
	// Scaling: BaseScore points at BaseOdds good:bad, PDO points to double
	// the odds (600, 50, 20).
	BaseScore float64 `json:"base_score"`
	BaseOdds  float64 `json:"base_odds"`
	PDO       float64 `json:"pdo"`
	// Calibration: "none" (the logistic output is the PD), "platt" or
	// "isotonic", fitted on a stratified holdout of Holdout share (0.2)
	// that the scorecard is not fitted on; Seed draws it.
	Calibration string  `json:"calibration"`
	Holdout     float64 `json:"holdout,omitempty"`
	Seed        uint64  `json:"seed"`
}

// DefaultOptions are the defaults documented on Options.
func DefaultOptions() Options { return Options{}.withDefaults() }

func (o Options) withDefaults() Options {
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	if o.FineBins <= 1 {
		o.FineBins = 20
	}
	if o.MaxBins <= 0 {
		o.MaxBins = 6
	}
	def(&o.MinShare, 0.05)
	if o.Trend == "" {
		o.Trend = TrendAuto
	}
	if o.Missing == nil {
		o.Missing = DefaultMissing
	}
	def(&o.Smoothing, 0.5)
	def(&o.MinIV, 0.02)
	def(&o.MaxCorrelation, 0.7)
	def(&o.MaxPSI, 0.25)
	def(&o.L2, 1)
	def(&o.BaseScore, 600)
	def(&o.BaseOdds, 50)
	def(&o.PDO, 20)
	if o.Calibration == "" {
		o.Calibration = "none"
	}
	if o.Calibration != "none" {
		def(&o.Holdout, 0.2)
	}
	return o
}

func (o Options) check() error {
	switch o.Trend {
	case TrendAuto, TrendAscending, TrendDescending, TrendNone:
	default:
		return fmt.Errorf("trend %q: use auto, ascending, descending or none", o.Trend)
	}
	for n, t := range o.Trends {
		switch t {
		case TrendAuto, TrendAscending, TrendDescending, TrendNone:
		default:
			return fmt.Errorf("trend %q for %s: use auto, ascending, descending or none", t, n)
		}
	}
	switch o.Calibration {
	case "none", "platt", "isotonic":
	default:
		return fmt.Errorf("calibration %q: use none, platt or isotonic", o.Calibration)
	}
	if o.MinShare < 0 || o.MinShare >= 0.5 || o.Holdout < 0 || o.Holdout >= 0.5 || o.L2 < 0 || o.BaseOdds <= 0 || o.PDO <= 0 {
		return errors.New("options out of range: min share and holdout in [0, 0.5), l2 >= 0, base odds and PDO > 0")
	}
	return nil
}

// Fit trains a scorecard on d. later, when not nil, is a later sample of
// the same population (its target is not used): variables whose bin
// shares moved by more than MaxPSI are dropped.
func Fit(d *Dataset, o Options, later *Dataset) (*Model, error) {
	if o.Missing == nil {
		o.Missing = d.Spec.Missing // the values the data was typed with
	}
	o = o.withDefaults()
	if err := o.check(); err != nil {
		return nil, err
	}
	train, hold := d, (*Dataset)(nil)
	if o.Calibration != "none" {
		ti, hi := holdoutSplit(d.Y, o.Holdout, o.Seed)
		train, hold = d.Subset(ti), d.Subset(hi)
		if hold.bad() == 0 || hold.bad() == hold.Rows() {
			return nil, errors.New("the calibration holdout has one class only; use a larger --holdout")
		}
	}
	m := &Model{Schema: Schema, Target: d.Spec.Target, Bad: d.Spec.Bad, Missing: o.Missing, Grades: slices.Clone(DefaultGrades),
		Calibration: Calibration{Method: "none"}, Candidates: []Candidate{}}
	m.Training = Training{SHA256: d.SHA256, Rows: train.Rows(), Bad: train.bad(), Good: train.Rows() - train.bad(), Options: o}

	// Bin, screen on IV and stability.
	var vars []Variable
	var cols []int
	for ci, c := range train.Vars {
		v := BinVariable(c, train.Y, o)
		cand := Candidate{Name: v.Name, Kind: v.Kind, IV: v.IV, Bins: len(v.Bins)}
		if later != nil {
			lc := later.col(c.Name)
			if lc == nil {
				return nil, fmt.Errorf("the stability sample has no column %q", c.Name)
			}
			psi, err := v.psi(lc.Raw, o.Missing)
			if err != nil {
				return nil, fmt.Errorf("stability sample: %w", err)
			}
			cand.PSI = psi
		}
		switch {
		case v.IV < o.MinIV:
			cand.Dropped = fmt.Sprintf("IV %.4f below %.4g", v.IV, o.MinIV)
		case later != nil && cand.PSI > o.MaxPSI:
			cand.Dropped = fmt.Sprintf("PSI %.4f above %.4g", cand.PSI, o.MaxPSI)
		default:
			vars = append(vars, v)
			cols = append(cols, ci)
		}
		m.Candidates = append(m.Candidates, cand)
	}
	drop := func(name, why string) {
		for i := range m.Candidates {
			if m.Candidates[i].Name == name {
				m.Candidates[i].Dropped = why
			}
		}
	}
	// WOE matrix, variables by decreasing IV.
	order := make([]int, len(vars))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vars[order[a]].IV > vars[order[b]].IV })
	woe := make([][]float64, len(vars))
	for i, v := range vars {
		w, err := v.transform(train.Vars[cols[i]].Raw, o.Missing)
		if err != nil {
			return nil, err
		}
		woe[i] = w
	}
	var keep []int
	for _, i := range order {
		ok := true
		for _, j := range keep {
			if r := correlation(woe[i], woe[j]); math.Abs(r) > o.MaxCorrelation {
				drop(vars[i].Name, fmt.Sprintf("WOE correlation %.3f with %s (higher IV)", r, vars[j].Name))
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, i)
		}
	}
	// Fit; drop negative coefficients one at a time.
	var b0 float64
	var coef []float64
	for {
		if len(keep) == 0 {
			return nil, errors.New("no variable passed selection (IV, correlation, stability, coefficient sign)")
		}
		x := make([][]float64, train.Rows())
		for r := range x {
			x[r] = make([]float64, len(keep))
			for c, i := range keep {
				x[r][c] = woe[i][r]
			}
		}
		var err error
		if b0, coef, err = FitLogistic(x, train.Y, o.L2); err != nil {
			return nil, err
		}
		worst := -1
		for c := range keep {
			if !o.AllowNegative && coef[c] <= 0 && (worst < 0 || coef[c] < coef[worst]) {
				worst = c
			}
		}
		if worst < 0 {
			break
		}
		drop(vars[keep[worst]].Name, fmt.Sprintf("coefficient %.4f not positive in the joint fit", coef[worst]))
		keep = slices.Delete(keep, worst, worst+1)
	}
	// Model variables in column order.
	idx := map[int]int{} // variable -> its column in the fit
	for c, i := range keep {
		idx[i] = c
	}
	sort.Ints(keep)
	sc := Scaling{BaseScore: o.BaseScore, BaseOdds: o.BaseOdds, PDO: o.PDO, Factor: o.PDO / math.Ln2}
	sc.Offset = sc.BaseScore - sc.Factor*math.Log(sc.BaseOdds)
	sc.BasePoints = sc.Offset - sc.Factor*b0
	m.Intercept, m.Scaling = b0, sc
	for _, i := range keep {
		v := vars[i]
		v.Coefficient = coef[idx[i]]
		for k := range v.Bins {
			v.Bins[k].Points = -sc.Factor * v.Coefficient * v.Bins[k].WOE
		}
		m.Variables = append(m.Variables, v)
	}
	for i := range m.Candidates {
		m.Candidates[i].Used = m.Candidates[i].Dropped == ""
	}
	// Training figures and score bands.
	res, err := m.scoreDataset(train)
	if err != nil {
		return nil, err
	}
	scores := make([]float64, len(res))
	for i, r := range res {
		scores[i] = r.Score
	}
	m.ScoreBands.Edges = decileEdges(scores)
	m.ScoreBands.Shares = bandShares(scores, m.ScoreBands.Edges)
	if hold != nil {
		hr, err := m.scoreDataset(hold)
		if err != nil {
			return nil, err
		}
		if err := m.calibrate(o.Calibration, hr, hold.Y); err != nil {
			return nil, err
		}
		rep, err := m.evaluate(hold)
		if err != nil {
			return nil, err
		}
		m.Metrics.Holdout = &rep
	}
	if m.Metrics.Training, err = m.evaluate(train); err != nil {
		return nil, err
	}
	return m, m.Check()
}

func (d *Dataset) bad() int {
	b := 0
	for _, v := range d.Y {
		b += v
	}
	return b
}

func (d *Dataset) col(name string) *Column {
	for i := range d.Vars {
		if d.Vars[i].Name == name {
			return &d.Vars[i]
		}
	}
	return nil
}

// scoreDataset scores the dataset's rows with the model.
func (m *Model) scoreDataset(d *Dataset) ([]Result, error) {
	cols := map[string][]string{}
	for _, v := range m.Variables {
		c := d.col(v.Name)
		if c == nil {
			return nil, fmt.Errorf("the data has no column %q, which the model uses", v.Name)
		}
		cols[v.Name] = c.Raw
	}
	out := make([]Result, d.Rows())
	for i := range out {
		r, err := m.Score(func(col string) string { return cols[col][i] }, 0)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		out[i] = r
	}
	return out, nil
}

func (m *Model) evaluate(d *Dataset) (Report, error) {
	res, err := m.scoreDataset(d)
	if err != nil {
		return Report{}, err
	}
	pd := make([]float64, len(res))
	for i, r := range res {
		pd[i] = r.PD
	}
	return Evaluate(d.Y, pd), nil
}

// transform maps raw values to the WOE of their bins.
func (v *Variable) transform(raw []string, missing []string) ([]float64, error) {
	w := make([]float64, len(raw))
	for i, s := range raw {
		b, _, err := v.Locate(s, missing)
		if err != nil {
			return nil, err
		}
		w[i] = v.Bins[b].WOE
	}
	return w, nil
}

// psi is the PSI of the variable's bin shares on raw against training.
func (v *Variable) psi(raw []string, missing []string) (float64, error) {
	total := 0
	for _, b := range v.Bins {
		total += b.Count
	}
	exp := make([]float64, len(v.Bins))
	act := make([]float64, len(v.Bins))
	for k, b := range v.Bins {
		exp[k] = float64(b.Count) / float64(max(total, 1))
	}
	for _, s := range raw {
		b, _, err := v.Locate(s, missing)
		if err != nil {
			return 0, err
		}
		act[b]++
	}
	for k := range act {
		act[k] /= float64(max(len(raw), 1))
	}
	return PSI(exp, act), nil
}

// correlation is Pearson's r (0 when either side is constant).
func correlation(a, b []float64) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= n
	mb /= n
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// holdoutSplit draws a stratified share of rows (at least one per class)
// for the holdout.
func holdoutSplit(y []int, share float64, seed uint64) (train, hold []int) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for class := 0; class <= 1; class++ {
		var idx []int
		for i, v := range y {
			if v == class {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		k := max(1, int(math.Round(share*float64(len(idx)))))
		hold = append(hold, idx[:k]...)
		train = append(train, idx[k:]...)
	}
	sort.Ints(train)
	sort.Ints(hold)
	return train, hold
}

// calibrate fits the calibration on holdout results.
func (m *Model) calibrate(method string, res []Result, y []int) error {
	c := Calibration{Method: method, Holdout: len(y)}
	switch method {
	case "platt":
		x := make([][]float64, len(res))
		for i, r := range res {
			x[i] = []float64{r.LogOdds}
		}
		b0, b, err := FitLogistic(x, y, 1e-6)
		if err != nil {
			return fmt.Errorf("platt calibration: %w", err)
		}
		c.A, c.B = b[0], b0
	case "isotonic":
		idx := make([]int, len(res))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return res[idx[a]].LogOdds < res[idx[b]].LogOdds })
		cells := make([]cell, len(idx))
		for k, i := range idx {
			cells[k] = cell{upper: logistic(res[i].LogOdds)}
			if y[i] == 1 {
				cells[k].bad = 1
			} else {
				cells[k].good = 1
			}
		}
		// Each step's PD is its bad rate with a half-count prior (never
		// exactly 0 or 1), kept non-decreasing.
		var steps []cell // PAVA blocks, equal bad rates pooled
		for _, b := range pava(cells, true) {
			if k := len(steps) - 1; k >= 0 && steps[k].bad*b.n() == b.bad*steps[k].n() {
				steps[k] = join(steps[k], b)
				continue
			}
			steps = append(steps, b)
		}
		for _, b := range steps {
			y := b.rate()
			if k := len(c.Y); k > 0 {
				y = max(y, c.Y[k-1])
			}
			c.X = append(c.X, b.upper)
			c.Y = append(c.Y, y)
		}
	}
	m.Calibration = c
	return nil
}
