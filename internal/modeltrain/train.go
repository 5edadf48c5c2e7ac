package modeltrain

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/scorecard"
)

var (
	errNoOutcomes = fault.New(fault.Conflict, "modeltrain.no_outcomes", "no loans have been shared back: nothing to learn from")
	errFewDates   = fault.New(fault.Conflict, "modeltrain.few_dates", "the loan history is too short for an out-of-time holdout")
	errOneClass   = fault.New(fault.Conflict, "modeltrain.one_class", "the training or holdout rows have no defaults (or only defaults)")
)

// Messages are the texts of this package's codes ({English, 中文}).
var Messages = map[string][2]string{
	"modeltrain.no_outcomes": {"No loans have been shared back yet: there is nothing to learn from.", "尚无机构回传的贷款数据，无法训练模型。"},
	"modeltrain.few_dates":   {"The loan history is too short: {dates} observation date(s), at least 2 are needed (one for the out-of-time holdout).", "贷款历史过短：仅有 {dates} 个观察日，至少需要 2 个（其中一个用于跨时间验证）。"},
	"modeltrain.one_class":   {"The {set} rows have {bad} defaults among {rows}: both defaults and non-defaults are needed.", "{set}共 {rows} 行，其中违约 {bad} 行：需要同时包含违约和未违约样本。"},
}

// Fit fits a scorecard on the table's earlier dates, validates it on the
// latest (out of time) and, when champion is not nil, compares the two
// on that holdout. The model's training fingerprint is the whole table's.
func Fit(t *Table, o scorecard.Options, champion *modelreg.Version) (*scorecard.Model, modelreg.Report, error) {
	var rep modelreg.Report
	st, err := t.Scorecard()
	if err != nil {
		return nil, rep, err
	}
	last := t.Dates[len(t.Dates)-1]
	var ti, hi []int
	for i, r := range t.Rows {
		if r.AsOf.Equal(last) {
			hi = append(hi, i)
		} else {
			ti = append(ti, i)
		}
	}
	train, hold := st.Subset(ti), st.Subset(hi)
	spec := scorecard.Spec{Target: ColTarget, Bad: "1", Exclude: []string{ColEnterprise, ColAsOf}}
	for _, s := range []struct {
		name string
		tb   *scorecard.Table
	}{{"training", train}, {"holdout", hold}} {
		bad := 0
		for _, r := range s.tb.Rows {
			if r[2] == "1" {
				bad++
			}
		}
		if bad == 0 || bad == len(s.tb.Rows) {
			return nil, rep, errOneClass.With("set", s.name).With("bad", strconv.Itoa(bad)).With("rows", strconv.Itoa(len(s.tb.Rows)))
		}
	}
	d, err := scorecard.NewDataset(train, spec)
	if err != nil {
		return nil, rep, err
	}
	m, err := scorecard.Fit(d, o, nil)
	if err != nil {
		return nil, rep, err
	}
	val, err := m.Validate(hold)
	if err != nil {
		return nil, rep, err
	}
	rows, bads := t.Counts()
	ents := map[int64]bool{}
	for _, r := range t.Rows {
		ents[r.EnterpriseID] = true
	}
	dates := make([]string, len(t.Dates))
	for i, d := range t.Dates {
		dates[i] = d.Format(time.DateOnly)
	}
	rep = modelreg.Report{Kind: modelreg.ReportOutOfTime, Training: m.Metrics.Training, Holdout: val.Performance,
		HoldoutLabel: "out of time: " + last.Format(time.DateOnly), ScorePSI: val.ScorePSI, VariablePSI: val.VariablePSI,
		Table: &modelreg.TableSummary{FeatureSet: t.Set.Version, Dates: dates, Rows: rows, Bad: bads, HorizonMonths: t.HorizonMonths,
			Enterprises: len(ents), Features: len(t.Set.Defs), Fingerprint: st.SHA256}}
	rep.Warnings = warnings(rep)
	if champion != nil {
		c, err := compare(m, hold, champion)
		if err != nil {
			return nil, rep, err
		}
		rep.Comparison = c
	}
	return m, rep, nil
}

// Thresholds of the report's warnings.
const (
	fewTrainingBads = 50
	fewHoldoutBads  = 20
	lowAUC          = 0.6
	unstablePSI     = 0.25
)

func warnings(r modelreg.Report) []modelreg.Warning {
	var w []modelreg.Warning
	if r.Training.Bad < fewTrainingBads {
		w = append(w, modelreg.Warning{Code: "model.warn_few_bads_training", Params: map[string]string{"bad": strconv.Itoa(r.Training.Bad)}})
	}
	if h := r.Holdout; h != nil {
		if h.Bad < fewHoldoutBads {
			w = append(w, modelreg.Warning{Code: "model.warn_few_bads_holdout", Params: map[string]string{"bad": strconv.Itoa(h.Bad)}})
		}
		if h.AUCLow < lowAUC {
			w = append(w, modelreg.Warning{Code: "model.warn_auc_low", Params: map[string]string{"low": strconv.FormatFloat(h.AUCLow, 'f', 3, 64)}})
		}
	}
	if r.ScorePSI > unstablePSI {
		w = append(w, modelreg.Warning{Code: "model.warn_unstable", Params: map[string]string{"psi": strconv.FormatFloat(r.ScorePSI, 'f', 3, 64)}})
	}
	return w
}

// compare scores the holdout with the challenger m and the champion (its
// variables looked up by name; a variable the table lacks reads as
// missing) and reports both on the same rows.
func compare(m *scorecard.Model, hold *scorecard.Table, champion *modelreg.Version) (*modelreg.Comparison, error) {
	cm, err := champion.Model()
	if err != nil {
		return nil, err
	}
	y := make([]int, len(hold.Rows))
	ti := hold.Col(ColTarget)
	for i, r := range hold.Rows {
		if r[ti] == "1" {
			y[i] = 1
		}
	}
	// The champion's view of the holdout: its variables and its target.
	ct := &scorecard.Table{Header: []string{cm.Target}}
	for _, v := range cm.Variables {
		if v.Name != cm.Target {
			ct.Header = append(ct.Header, v.Name)
		}
	}
	for i, r := range hold.Rows {
		row := make([]string, len(ct.Header))
		row[0] = cm.Bad
		if y[i] == 0 {
			row[0] = cm.Bad + "-not"
		}
		for j, name := range ct.Header[1:] {
			if c := hold.Col(name); c >= 0 {
				row[j+1] = r[c]
			}
		}
		ct.Rows = append(ct.Rows, row)
	}
	cv, err := cm.Validate(ct)
	if err != nil {
		return nil, fmt.Errorf("champion %s on the holdout: %w", champion.Label(), err)
	}
	mv, err := m.Validate(hold)
	if err != nil {
		return nil, err
	}
	chRes, err := m.ScoreTable(hold, 0)
	if err != nil {
		return nil, err
	}
	cmRes, err := cm.ScoreTable(ct, 0)
	if err != nil {
		return nil, err
	}
	a, b := make([]float64, len(chRes)), make([]float64, len(cmRes))
	for i := range chRes {
		a[i], b[i] = chRes[i].Score, cmRes[i].Score
	}
	bad := 0
	for _, v := range y {
		bad += v
	}
	return &modelreg.Comparison{ChampionID: champion.ID, ChampionLabel: champion.Label(), ChampionFeatureSet: champion.FeatureSet,
		Rows: len(y), Bad: bad, Challenger: modelreg.MetricsOf(*mv.Performance, mv.ScorePSI), Champion: modelreg.MetricsOf(*cv.Performance, cv.ScorePSI),
		ScorePSI: scorePSI(b, a)}, nil
}

// scorePSI is the PSI of actual scores against expected scores over the
// expected scores' deciles.
func scorePSI(expected, actual []float64) float64 {
	s := append([]float64(nil), expected...)
	sort.Float64s(s)
	var edges []float64
	for k := 1; k < 10; k++ {
		e := s[max(k*len(s)/10-1, 0)]
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	shares := func(x []float64) []float64 {
		sh := make([]float64, len(edges)+1)
		for _, v := range x {
			sh[sort.SearchFloat64s(edges, v)]++
		}
		for i := range sh {
			sh[i] /= math.Max(float64(len(x)), 1)
		}
		return sh
	}
	return scorecard.PSI(shares(expected), shares(actual))
}

// Trainer runs the whole pipeline: build, fit, register, promote.
type Trainer struct {
	Builder  Builder
	Registry *modelreg.Service
}

// RunOptions are one training run's choices.
type RunOptions struct {
	Options
	Name string // model name (modelreg.DefaultName)
	Fit  scorecard.Options
	// Promote makes the new version the champion with Reason.
	Promote bool
	Reason  string
	// Synthetic marks the data as the synthetic demonstration region.
	Synthetic bool
	Now       func() time.Time
}

// Result summarises a run (the CLI prints it as JSON).
type Result struct {
	ID           int64     `json:"id"`
	Model        string    `json:"model"`
	Status       string    `json:"status"`
	FeatureSet   string    `json:"feature_set"`
	Fingerprint  string    `json:"data_fingerprint"`
	Dates        []string  `json:"dates"`
	Rows         int       `json:"rows"`
	Bad          int       `json:"bad"`
	Enterprises  int       `json:"enterprises"`
	TrainRows    int       `json:"train_rows"`
	TrainBad     int       `json:"train_bad"`
	HoldoutRows  int       `json:"holdout_rows"`
	HoldoutBad   int       `json:"holdout_bad"`
	Variables    []string  `json:"variables"`
	TrainAUC     float64   `json:"train_auc"`
	AUC          float64   `json:"holdout_auc"`
	AUCLow       float64   `json:"holdout_auc_ci_low"`
	AUCHigh      float64   `json:"holdout_auc_ci_high"`
	KS           float64   `json:"holdout_ks"`
	Gini         float64   `json:"holdout_gini"`
	Brier        float64   `json:"holdout_brier"`
	ECE          float64   `json:"holdout_ece"`
	ScorePSI     float64   `json:"score_psi"`
	Warnings     []string  `json:"warnings,omitempty"`
	Champion     string    `json:"compared_with,omitempty"`
	ChampionAUC  float64   `json:"champion_holdout_auc,omitempty"`
	Seconds      float64   `json:"seconds"`
	StartedAt    time.Time `json:"started_at"`
	BuildSeconds float64   `json:"table_seconds"`
}

// Run builds the table, fits, registers the model as a challenger of
// o.Name and, with o.Promote, promotes it; p must be allowed to register
// (modelreg.CanAdmin).
func (tr Trainer) Run(ctx context.Context, p access.Principal, o RunOptions) (Result, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	start := now()
	res := Result{StartedAt: start.UTC()}
	if err := canTrain(p); err != nil {
		return res, err
	}
	if o.Name == "" {
		o.Name = modelreg.DefaultName
	}
	t, err := tr.Builder.Build(ctx, o.Options)
	if err != nil {
		return res, err
	}
	res.BuildSeconds = now().Sub(start).Seconds()
	var champ *modelreg.Version
	if c, err := tr.Registry.Champion(ctx, o.Name); err == nil {
		champ = &c
	} else if !fault.Is(err, fault.NotFound) {
		return res, err
	}
	m, rep, err := Fit(t, o.Fit, champ)
	if err != nil {
		return res, err
	}
	if o.Synthetic {
		rep.Warnings = append(rep.Warnings, modelreg.Warning{Code: "model.warn_synthetic"})
	}
	m.CreatedAt = now().UTC().Format(time.RFC3339)
	art, err := json.Marshal(m)
	if err != nil {
		return res, err
	}
	v, err := tr.Registry.Register(ctx, p, modelreg.Registration{Name: o.Name, Source: modelreg.SourcePlatform, Artefact: art,
		FeatureSet: t.Set.Version, DataFingerprint: rep.Table.Fingerprint, Validation: &rep})
	if err != nil {
		return res, err
	}
	if o.Promote {
		if v, err = tr.Registry.Promote(ctx, p, v.ID, o.Reason); err != nil {
			return res, err
		}
	}
	res.ID, res.Model, res.Status, res.FeatureSet, res.Fingerprint = v.ID, v.Label(), v.Status, v.FeatureSet, v.DataFingerprint
	res.Dates, res.Enterprises = rep.Table.Dates, rep.Table.Enterprises
	for i := range rep.Table.Rows {
		res.Rows += rep.Table.Rows[i]
		res.Bad += rep.Table.Bad[i]
	}
	res.TrainRows, res.TrainBad = rep.Training.Rows, rep.Training.Bad
	res.TrainAUC = rep.Training.AUC
	for _, mv := range m.Variables {
		res.Variables = append(res.Variables, mv.Name)
	}
	if h := rep.Holdout; h != nil {
		res.HoldoutRows, res.HoldoutBad = h.Rows, h.Bad
		res.AUC, res.AUCLow, res.AUCHigh, res.KS, res.Gini, res.Brier, res.ECE = h.AUC, h.AUCLow, h.AUCHigh, h.KS, h.Gini, h.Brier, h.ECE
	}
	res.ScorePSI = rep.ScorePSI
	for _, w := range rep.Warnings {
		res.Warnings = append(res.Warnings, w.Code)
	}
	if c := rep.Comparison; c != nil {
		res.Champion, res.ChampionAUC = c.ChampionLabel, c.Champion.AUC
	}
	res.Seconds = now().Sub(start).Seconds()
	return res, nil
}

func canTrain(p access.Principal) error {
	if !modelreg.CanAdmin(p) {
		return fault.New(fault.Forbidden, "model.admin_only", "only an operator administrator may train models")
	}
	return nil
}

// DefaultFitOptions are the scorecard options platform training uses when
// the caller sets none: the engine's defaults (internal/scorecard).
func DefaultFitOptions() scorecard.Options { return scorecard.DefaultOptions() }
