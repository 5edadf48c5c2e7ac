package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/features/invoice"
	"github.com/creditbridge/creditbridge/internal/scorecard"
)

// ModelOptions chooses what `bench model` runs.
type ModelOptions struct {
	Dataset string // german, australian or cumcm
	// Dir is the shared datasets folder; empty: ../shared/datasets next
	// to the repository holding the working directory.
	Dir     string
	Folds   int    // stratified folds (0: 10; cumcm 5)
	Seed    uint64 // seed of the first repeat's folds; repeat r uses Seed+r
	Repeats int    // CV repeats (0: 1; cumcm 20)
	// Python runs bench/sklearn_peer.py when scikit-learn imports there.
	Python string
	// FoldsOut, when set, keeps the folds file (the one the peer reads:
	// target, categorical columns, each row's fold per repeat) there.
	FoldsOut string
	// FeaturesOut, when set, writes the modelling table there as CSV (for
	// cumcm: the per-firm invoice features), ready for `model train`.
	FeaturesOut string
}

// ModelResult is the JSON object `bench model` prints.
type ModelResult struct {
	Dataset   string `json:"dataset"`
	Rows      int    `json:"rows"`
	Bad       int    `json:"bad"`
	Event     string `json:"event"` // what y = 1 means
	Variables int    `json:"candidate_variables"`
	Folds     int    `json:"folds"`
	Seed      uint64 `json:"seed"`
	Repeats   int    `json:"repeats"`
	// FoldsFile is where the folds were kept (--folds-out).
	FoldsFile string          `json:"folds_file,omitempty"`
	Scorecard ScorecardResult `json:"scorecard"`
	// Peer is scikit-learn's result on the same folds, or a string saying
	// why it did not run.
	Peer          any      `json:"peer"`
	AUCDifference *float64 `json:"auc_scorecard_minus_peer,omitempty"`
	GoVersion     string   `json:"go_version"`
	CPUs          int      `json:"cpus"`
	StartedAt     string   `json:"started_at"`
}

// ScorecardResult are our CV figures: means and standard deviations over
// every held-out fold of every repeat; the pooled AUC is the AUC of all
// out-of-fold predictions of a repeat (averaged over repeats) with
// DeLong's 95% interval (bounds averaged over repeats).
type ScorecardResult struct {
	AUC            scorecard.Stat `json:"auc"`
	KS             scorecard.Stat `json:"ks"`
	Gini           scorecard.Stat `json:"gini"`
	Brier          scorecard.Stat `json:"brier"`
	ECE            scorecard.Stat `json:"ece"`
	PooledAUC      float64        `json:"pooled_auc"`
	PooledAUCLow   float64        `json:"pooled_auc_ci_low"`
	PooledAUCHigh  float64        `json:"pooled_auc_ci_high"`
	PooledECE      float64        `json:"pooled_ece"`
	RepeatAUC      []float64      `json:"repeat_mean_auc"`
	FitSeconds     float64        `json:"fit_seconds_total"`
	FitSecondsFold float64        `json:"fit_seconds_per_fold"`
	// ScoreMicrosPerRow is the time to score one row with three reason
	// codes, with a model fitted on all rows, over every row of the data.
	ScoreMicrosPerRow float64 `json:"score_microseconds_per_row"`
	Options           any     `json:"options"`
}

// Model cross-validates the scorecard with default options on one of the
// shared datasets and, when python3 with scikit-learn is installed, runs
// the peer (bench/sklearn_peer.py: LogisticRegression on one-hot and
// standardised features) on the same folds. It installs nothing.
func Model(ctx context.Context, o ModelOptions, w io.Writer) error {
	if o.Dir == "" {
		d, err := defaultDatasetsDir()
		if err != nil {
			return err
		}
		o.Dir = d
	}
	if o.Folds == 0 {
		o.Folds = 10
		if o.Dataset == "cumcm" {
			o.Folds = 5
		}
	}
	if o.Repeats <= 0 {
		o.Repeats = 1
		if o.Dataset == "cumcm" {
			o.Repeats = 20
		}
	}
	res := ModelResult{Dataset: o.Dataset, Folds: o.Folds, Seed: o.Seed, Repeats: o.Repeats, GoVersion: runtime.Version(),
		CPUs: runtime.NumCPU(), StartedAt: time.Now().UTC().Format(time.RFC3339)}
	t, spec, err := LoadModelDataset(o.Dir, o.Dataset)
	if err != nil {
		return err
	}
	switch o.Dataset {
	case "german":
		res.Event = "creditability = bad"
	case "australian":
		res.Event = "A15 = 0 (class 1 read as approved)"
	case "cumcm":
		res.Event = "是否违约 = 是 (default)"
	}
	d, err := scorecard.NewDataset(t, spec)
	if err != nil {
		return err
	}
	if o.FeaturesOut != "" {
		if err := writeTable(o.FeaturesOut, t); err != nil {
			return err
		}
	}
	res.Rows, res.Variables = d.Rows(), len(d.Vars)
	for _, y := range d.Y {
		res.Bad += y
	}
	opts := scorecard.DefaultOptions()
	res.Scorecard.Options = opts
	var aucs, kss, ginis, briers, eces []float64
	folds := make([][]int, o.Repeats)
	for r := range o.Repeats {
		if err := ctx.Err(); err != nil {
			return err
		}
		seed := o.Seed + uint64(r)
		if folds[r], err = scorecard.StratifiedFolds(d.Y, o.Folds, seed); err != nil {
			return err
		}
		cv, err := scorecard.CrossValidate(d, opts, folds[r], o.Folds, seed)
		if err != nil {
			return err
		}
		for _, f := range cv.PerFold {
			aucs, kss, ginis = append(aucs, f.AUC), append(kss, f.KS), append(ginis, f.Gini)
			briers, eces = append(briers, f.Brier), append(eces, f.ECE)
		}
		res.Scorecard.RepeatAUC = append(res.Scorecard.RepeatAUC, cv.AUC.Mean)
		res.Scorecard.PooledAUC += cv.Pooled.AUC / float64(o.Repeats)
		res.Scorecard.PooledAUCLow += cv.Pooled.AUCLow / float64(o.Repeats)
		res.Scorecard.PooledAUCHigh += cv.Pooled.AUCHigh / float64(o.Repeats)
		res.Scorecard.PooledECE += cv.Pooled.ECE / float64(o.Repeats)
		res.Scorecard.FitSeconds += cv.FitSeconds
	}
	sc := &res.Scorecard
	sc.AUC, sc.KS, sc.Gini, sc.Brier, sc.ECE = meanStd(aucs), meanStd(kss), meanStd(ginis), meanStd(briers), meanStd(eces)
	sc.FitSecondsFold = sc.FitSeconds / float64(len(aucs))
	full, err := scorecard.Fit(d, opts, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := full.ScoreTable(t, 3); err != nil {
		return err
	}
	sc.ScoreMicrosPerRow = float64(time.Since(start).Microseconds()) / float64(len(t.Rows))

	dir, err := os.MkdirTemp("", "creditbridge-bench-model-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dataPath, metaPath := filepath.Join(dir, "data.csv"), filepath.Join(dir, "folds.json")
	if err := writePeerData(dataPath, d); err != nil {
		return err
	}
	meta := peerMeta{Target: "y", Folds: folds}
	for _, c := range d.Vars {
		if c.Kind == scorecard.Categorical {
			meta.Categorical = append(meta.Categorical, c.Name)
		}
	}
	mb, _ := json.Marshal(meta)
	if err := os.WriteFile(metaPath, mb, 0o600); err != nil {
		return err
	}
	if o.FoldsOut != "" {
		if err := os.WriteFile(o.FoldsOut, mb, 0o644); err != nil {
			return err
		}
		res.FoldsFile = o.FoldsOut
	}
	res.Peer = runPeer(ctx, o.Python, dataPath, metaPath)
	if m, ok := res.Peer.(map[string]any); ok {
		if a, ok := m["auc"].(map[string]any); ok {
			if mean, ok := a["mean"].(float64); ok {
				diff := sc.AUC.Mean - mean
				res.AUCDifference = &diff
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

func meanStd(x []float64) scorecard.Stat {
	var s scorecard.Stat
	for _, v := range x {
		s.Mean += v
	}
	s.Mean /= float64(len(x))
	for _, v := range x {
		s.Std += (v - s.Mean) * (v - s.Mean)
	}
	if len(x) > 1 {
		s.Std = math.Sqrt(s.Std / float64(len(x)-1))
	}
	return s
}

// peerMeta is what bench/sklearn_peer.py reads next to the data: the
// target column, the categorical columns and, per repeat, each row's
// fold.
type peerMeta struct {
	Target      string   `json:"target"`
	Categorical []string `json:"categorical"`
	Folds       [][]int  `json:"folds"`
}

// writePeerData writes the candidate columns (raw values) and y as CSV.
func writePeerData(path string, d *scorecard.Dataset) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	head := make([]string, 0, len(d.Vars)+1)
	for _, c := range d.Vars {
		head = append(head, c.Name)
	}
	_ = cw.Write(append(head, "y"))
	rec := make([]string, len(head)+1)
	for i := range d.Y {
		for k, c := range d.Vars {
			rec[k] = c.Raw[i]
			if c.Kind == scorecard.Numeric && math.IsNaN(c.Num[i]) {
				rec[k] = ""
			}
		}
		rec[len(head)] = strconv.Itoa(d.Y[i])
		_ = cw.Write(rec)
	}
	cw.Flush()
	return errors.Join(cw.Error(), f.Close())
}

func writeTable(path string, t *scorecard.Table) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	_ = cw.Write(t.Header)
	_ = cw.WriteAll(t.Rows)
	return errors.Join(cw.Error(), f.Close())
}

// runPeer runs the scikit-learn script, or says why it cannot. With no
// interpreter named it takes the first of python3 on PATH and Debian's
// /usr/bin/python3 that imports scikit-learn: a version manager's python3
// often shadows the system one that python3-sklearn installs into.
func runPeer(ctx context.Context, python, data, meta string) any {
	candidates := []string{python}
	if python == "" {
		candidates = []string{"python3", "/usr/bin/python3"}
	}
	python = ""
	var found []string
	for _, c := range candidates {
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		found = append(found, p)
		if exec.CommandContext(ctx, p, "-c", "import sklearn").Run() == nil {
			python = p
			break
		}
	}
	switch {
	case len(found) == 0:
		return "unavailable: " + strings.Join(candidates, ", ") + " not found"
	case python == "":
		return "unavailable: python3-sklearn not installed (tried " + strings.Join(found, ", ") + "; scripts/ensure-sklearn.sh installs it)"
	}
	script, err := peerScript()
	if err != nil {
		return "unavailable: " + err.Error()
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, script, "--data", data, "--meta", meta)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Sprintf("failed: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		return fmt.Sprintf("failed: unreadable output: %v", err)
	}
	return v
}

// repoRoot walks up from the working directory to the directory holding
// go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the repository (no go.mod above the working directory)")
		}
		dir = parent
	}
}

func peerScript() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "bench", "sklearn_peer.py")
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

func defaultDatasetsDir() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("finding ../shared/datasets: %w; pass --datasets DIR", err)
	}
	d := filepath.Join(root, "..", "shared", "datasets")
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("no datasets at %s; pass --datasets DIR", d)
	}
	return d, nil
}

// LoadModelDataset reads one of the shared datasets as a table and the
// spec to train on it: german (CSV, bad = "bad"), australian (the .dat
// with its integer-coded categoricals, event = class 0) or cumcm (one row
// per labelled firm with invoice features, CUMCMFeatures).
func LoadModelDataset(dir, name string) (*scorecard.Table, scorecard.Spec, error) {
	switch name {
	case "german":
		t, err := scorecard.ReadFile(filepath.Join(dir, "german-credit", "germancredit.csv"))
		return t, scorecard.Spec{Target: "creditability", Bad: "bad"}, err
	case "australian":
		t, err := scorecard.ReadFile(filepath.Join(dir, "australian-credit", "australian.dat"))
		return t, scorecard.Spec{Target: "A15", Bad: "0", Categorical: scorecard.AustralianCategorical}, err
	case "cumcm":
		t, err := CUMCMFeatures(filepath.Join(dir, "cumcm2020c-sme-invoices"))
		return t, scorecard.Spec{Target: "default", Bad: "1", Exclude: []string{"firm"}}, err
	}
	return nil, scorecard.Spec{}, fmt.Errorf("unknown dataset %q: german, australian or cumcm", name)
}

// CUMCMFeatures builds one row per labelled firm (enterprises_123_labels.csv)
// from its VAT invoices (internal/features/invoice), with the label
// default = 1 when 是否违约 is 是. Features per direction (sales = output
// invoices, purchases = input): invoice count, void share, red-letter
// (negative) share, valid amount and tax, counterparties, the largest
// counterparty's share of the amount, months with invoices, the amount in
// the last 12 months over the 12 before (trend) and months since the last
// invoice, both counted back from the month after the last invoice in the
// files; plus the gross margin (sales - purchases) / sales and the tax
// balance (output tax - input tax). The columns are those the benchmark
// has always used (its CV numbers stay comparable across runs); the
// package computes more (top-5 share, HHI). The credit rating is left
// out: rating D means default, so it would leak the label.
func CUMCMFeatures(dir string) (*scorecard.Table, error) {
	labels, err := scorecard.ReadFile(filepath.Join(dir, invoice.CUMCMLabels))
	if err != nil {
		return nil, err
	}
	data, err := invoice.LoadCUMCM(dir)
	if err != nil {
		return nil, err
	}
	ci, di := labels.Col("企业代号"), labels.Col("是否违约")
	if ci < 0 || di < 0 {
		return nil, errors.New("enterprises_123_labels.csv: columns 企业代号 and 是否违约 are required")
	}
	t := &scorecard.Table{SHA256: labels.SHA256 + "+invoices", Header: []string{"firm"}}
	for _, side := range []string{"sales", "purchases"} {
		for _, f := range []string{"invoices", "void_share", "red_share", "amount", "tax", "parties", "top_party_share", "active_months", "trend_12m", "months_since_last"} {
			t.Header = append(t.Header, side+"_"+f)
		}
	}
	t.Header = append(t.Header, "gross_margin", "tax_balance", "default")
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }
	opt := func(v invoice.Value) string {
		if !v.OK {
			return ""
		}
		return num(v.X)
	}
	for _, l := range labels.Rows {
		firm := l[ci]
		f := data.Firm(firm)
		row := []string{firm}
		for _, s := range []invoice.SideFeatures{f.Sales, f.Purchases} {
			row = append(row,
				strconv.Itoa(s.Invoices),
				opt(s.VoidShare),
				opt(s.RedShare),
				num(s.Amount),
				num(s.Tax),
				strconv.Itoa(s.Parties),
				opt(s.Top1Share),
				strconv.Itoa(s.ActiveMonths),
				opt(s.Trend12m),
				opt(s.MonthsSinceLast),
			)
		}
		d := "0"
		if l[di] == "是" {
			d = "1"
		}
		row = append(row, opt(f.GrossMargin), num(f.TaxBalance), d)
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
