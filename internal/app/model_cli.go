package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/bench"
	"github.com/creditbridge/creditbridge/internal/scorecard"
)

// The model commands work on files only (no database): they train,
// cross-validate, score and validate scorecards with internal/scorecard.

// modelFlags are the data and training flags train and cv share.
type modelFlags struct {
	data, target, bad, exclude, categorical, specials, missing, trends string
	o                                                                  scorecard.Options
	trend                                                              string
}

func (f *modelFlags) register(fs *flag.FlagSet) {
	d := scorecard.DefaultOptions()
	fs.StringVar(&f.data, "data", "", "training data: CSV with a header, or a whitespace-separated .dat without one (columns A1..An); .gz is read too")
	fs.StringVar(&f.target, "target", "", "target column")
	fs.StringVar(&f.bad, "bad", "", "the target value that marks a bad (default) outcome; every other value is good")
	fs.StringVar(&f.exclude, "exclude", "", "comma-separated columns that are not candidates (ids, dates)")
	fs.StringVar(&f.categorical, "categorical", "", "comma-separated columns to treat as categorical although numeric (integer codes)")
	fs.StringVar(&f.specials, "specials", "", "comma-separated special values that get their own bin (e.g. -999)")
	fs.StringVar(&f.missing, "missing", "", "comma-separated raw values read as missing (default: empty, NA, N/A, NaN, null, ?, .)")
	fs.StringVar(&f.trend, "trend", string(d.Trend), "monotonic trend of numeric variables: auto, ascending, descending or none")
	fs.StringVar(&f.trends, "trends", "", "per-variable trends, e.g. age=none,income=descending")
	fs.IntVar(&f.o.FineBins, "fine-bins", d.FineBins, "quantile classes before merging")
	fs.IntVar(&f.o.MaxBins, "max-bins", d.MaxBins, "most value bins per variable")
	fs.Float64Var(&f.o.MinShare, "min-share", d.MinShare, "smallest share of rows in a value bin")
	fs.Float64Var(&f.o.MinIV, "min-iv", d.MinIV, "drop variables with a lower information value")
	fs.Float64Var(&f.o.MaxCorrelation, "max-corr", d.MaxCorrelation, "drop the weaker of two variables whose WOE correlate above this")
	fs.Float64Var(&f.o.MaxPSI, "max-psi", d.MaxPSI, "with --stability: drop variables whose PSI is above this")
	fs.Float64Var(&f.o.L2, "l2", d.L2, "ridge penalty of the logistic regression")
	fs.BoolVar(&f.o.AllowNegative, "allow-negative", false, "keep variables whose coefficient comes out negative")
	fs.Float64Var(&f.o.BaseScore, "base-score", d.BaseScore, "score at the base odds")
	fs.Float64Var(&f.o.BaseOdds, "base-odds", d.BaseOdds, "good:bad odds at the base score")
	fs.Float64Var(&f.o.PDO, "pdo", d.PDO, "points to double the odds")
	fs.StringVar(&f.o.Calibration, "calibration", "none", "PD calibration on a holdout: none, platt or isotonic")
	fs.Float64Var(&f.o.Holdout, "holdout", 0, "share of rows held out for calibration (default 0.2 when calibrating)")
	fs.Uint64Var(&f.o.Seed, "seed", 1, "seed of the holdout draw and of the folds")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// load reads the data and the options.
func (f *modelFlags) load() (*scorecard.Dataset, scorecard.Options, error) {
	if f.data == "" || f.target == "" || f.bad == "" {
		return nil, f.o, fmt.Errorf("%w: --data, --target and --bad are required", errUsage)
	}
	f.o.Trend = scorecard.Trend(f.trend)
	f.o.Specials = splitList(f.specials)
	if f.missing != "" {
		f.o.Missing = append([]string{""}, splitList(f.missing)...)
	}
	for _, kv := range splitList(f.trends) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, f.o, fmt.Errorf("%w: --trends takes name=trend pairs, got %q", errUsage, kv)
		}
		if f.o.Trends == nil {
			f.o.Trends = map[string]scorecard.Trend{}
		}
		f.o.Trends[strings.TrimSpace(k)] = scorecard.Trend(strings.TrimSpace(v))
	}
	t, err := scorecard.ReadFile(f.data)
	if err != nil {
		return nil, f.o, err
	}
	d, err := scorecard.NewDataset(t, f.spec())
	if err != nil {
		return nil, f.o, fmt.Errorf("%s: %w", f.data, err)
	}
	return d, f.o, nil
}

func (f *modelFlags) spec() scorecard.Spec {
	return scorecard.Spec{Target: f.target, Bad: f.bad, Exclude: splitList(f.exclude), Categorical: splitList(f.categorical), Missing: f.o.Missing}
}

func modelFlagSet(e Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("creditbridge "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return fs
}

func parseModelFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

// runModelTrain: creditbridge model train --data F --target COL --bad V [--exclude COLS] --out model.json
func runModelTrain(_ context.Context, e Env, args []string) error {
	var f modelFlags
	var out, stability string
	fs := modelFlagSet(e, "model train")
	f.register(fs)
	fs.StringVar(&out, "out", "", "where to write the model artefact (JSON)")
	fs.StringVar(&stability, "stability", "", "a later sample (same columns, target not needed): drop variables that are not stable on it")
	if err := parseModelFlags(fs, args); err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	d, o, err := f.load()
	if err != nil {
		return err
	}
	var later *scorecard.Dataset
	if stability != "" {
		lt, err := scorecard.ReadFile(stability)
		if err != nil {
			return err
		}
		later = &scorecard.Dataset{}
		for _, c := range d.Vars {
			i := lt.Col(c.Name)
			if i < 0 {
				return fmt.Errorf("%s: no column %q", stability, c.Name)
			}
			col := scorecard.Column{Name: c.Name, Kind: c.Kind, Raw: make([]string, len(lt.Rows))}
			for r, row := range lt.Rows {
				col.Raw[r] = row[i]
			}
			later.Vars = append(later.Vars, col)
		}
	}
	m, err := scorecard.Fit(d, o, later)
	if err != nil {
		return err
	}
	m.CreatedAt = time.Now().UTC().Format(time.RFC3339)
	if err := writeFileAtomic(out, m.Write); err != nil {
		return err
	}
	tr := m.Metrics.Training
	fmt.Fprintf(e.Stdout, "model written to %s: %d of %d candidate variables, %d rows (%d bad), data sha256 %s\n",
		out, len(m.Variables), len(m.Candidates), m.Training.Rows, m.Training.Bad, m.Training.SHA256)
	fmt.Fprintf(e.Stdout, "training (in-sample) AUC %.4f [%.4f, %.4f], KS %.4f, Gini %.4f, Brier %.4f, ECE %.4f\n",
		tr.AUC, tr.AUCLow, tr.AUCHigh, tr.KS, tr.Gini, tr.Brier, tr.ECE)
	if h := m.Metrics.Holdout; h != nil {
		fmt.Fprintf(e.Stdout, "holdout (%s calibration, %d rows) AUC %.4f, Brier %.4f, ECE %.4f\n", m.Calibration.Method, h.Rows, h.AUC, h.Brier, h.ECE)
	}
	for _, c := range m.Candidates {
		status := "used"
		if !c.Used {
			status = "dropped: " + c.Dropped
		}
		fmt.Fprintf(e.Stdout, "  %-40s IV %.4f  %s\n", c.Name, c.IV, status)
	}
	return nil
}

// writeFileAtomic writes through a temporary file renamed into place, so
// a failed run leaves no half-written output.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dirOf(path), ".creditbridge-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// runModelScore: creditbridge model score --model M --data F [--out scores.csv] [--reasons 3] [--id COL] [--format csv|jsonl]
func runModelScore(_ context.Context, e Env, args []string) error {
	var modelPath, data, out, id, format string
	var reasons int
	fs := modelFlagSet(e, "model score")
	fs.StringVar(&modelPath, "model", "", "model artefact written by 'model train'")
	fs.StringVar(&data, "data", "", "rows to score (CSV with a header, or .dat)")
	fs.StringVar(&out, "out", "", "output file (default: standard output)")
	fs.StringVar(&id, "id", "", "a column copied into the output to identify rows")
	fs.IntVar(&reasons, "reasons", 3, "reason codes per row")
	fs.StringVar(&format, "format", "csv", "csv, or jsonl (one JSON object per row with every variable's points)")
	if err := parseModelFlags(fs, args); err != nil {
		return err
	}
	if modelPath == "" || data == "" {
		return fmt.Errorf("%w: --model and --data are required", errUsage)
	}
	if format != "csv" && format != "jsonl" {
		return fmt.Errorf("%w: --format is csv or jsonl", errUsage)
	}
	m, err := scorecard.LoadFile(modelPath)
	if err != nil {
		return err
	}
	t, err := scorecard.ReadFile(data)
	if err != nil {
		return err
	}
	idc := -1
	if id != "" {
		if idc = t.Col(id); idc < 0 {
			return fmt.Errorf("%s: no column %q (--id)", data, id)
		}
	}
	res, err := m.ScoreTable(t, reasons)
	if err != nil {
		return fmt.Errorf("%s: %w", data, err)
	}
	write := func(w io.Writer) error {
		if format == "jsonl" {
			enc := json.NewEncoder(w)
			for i, r := range res {
				row := struct {
					Row int    `json:"row"`
					ID  string `json:"id,omitempty"`
					scorecard.Result
				}{Row: i + 1, Result: r}
				if idc >= 0 {
					row.ID = t.Rows[i][idc]
				}
				if err := enc.Encode(row); err != nil {
					return err
				}
			}
			return nil
		}
		cw := csv.NewWriter(w)
		head := []string{"row"}
		if idc >= 0 {
			head = append(head, id)
		}
		head = append(head, "score", "grade", "pd")
		for k := 1; k <= reasons; k++ {
			n := strconv.Itoa(k)
			head = append(head, "reason_"+n, "reason_"+n+"_value", "reason_"+n+"_points_lost")
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		for i, r := range res {
			rec := []string{strconv.Itoa(i + 1)}
			if idc >= 0 {
				rec = append(rec, t.Rows[i][idc])
			}
			rec = append(rec, strconv.FormatFloat(r.Score, 'f', 2, 64), r.Grade, strconv.FormatFloat(r.PD, 'f', 6, 64))
			for k := range reasons {
				if k < len(r.Reasons) {
					c := r.Reasons[k]
					rec = append(rec, c.Variable, c.Value, strconv.FormatFloat(c.Lost, 'f', 2, 64))
				} else {
					rec = append(rec, "", "", "")
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	if out == "" {
		return write(e.Stdout)
	}
	if err := writeFileAtomic(out, write); err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "%d rows scored into %s\n", len(res), out)
	return nil
}

// runModelCV: creditbridge model cv --data F --target COL --bad V --folds 10 --seed S [--json]
func runModelCV(_ context.Context, e Env, args []string) error {
	var f modelFlags
	var folds int
	var asJSON bool
	fs := modelFlagSet(e, "model cv")
	f.register(fs)
	fs.IntVar(&folds, "folds", 10, "number of stratified folds")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	if err := parseModelFlags(fs, args); err != nil {
		return err
	}
	d, o, err := f.load()
	if err != nil {
		return err
	}
	fold, err := scorecard.StratifiedFolds(d.Y, folds, o.Seed)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	r, err := scorecard.CrossValidate(d, o, fold, folds, o.Seed)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(e.Stdout, "%d-fold stratified CV (seed %d) on %d rows, %d bad\n", r.Folds, r.Seed, r.Rows, r.Bad)
	for _, s := range []struct {
		n string
		v scorecard.Stat
	}{{"AUC", r.AUC}, {"KS", r.KS}, {"Gini", r.Gini}, {"Brier", r.Brier}, {"ECE", r.ECE}} {
		fmt.Fprintf(e.Stdout, "  %-6s mean %.4f  std %.4f\n", s.n, s.v.Mean, s.v.Std)
	}
	fmt.Fprintf(e.Stdout, "  pooled out-of-fold AUC %.4f, 95%% DeLong interval [%.4f, %.4f]; pooled ECE %.4f (per-fold ECE is inflated by deciles of ~%d rows)\n",
		r.Pooled.AUC, r.Pooled.AUCLow, r.Pooled.AUCHigh, r.Pooled.ECE, max(r.Rows/r.Folds/10, 1))
	return nil
}

// runModelValidate: creditbridge model validate --model M --data F
func runModelValidate(_ context.Context, e Env, args []string) error {
	var modelPath, data string
	fs := modelFlagSet(e, "model validate")
	fs.StringVar(&modelPath, "model", "", "model artefact")
	fs.StringVar(&data, "data", "", "a population to compare with training (with the target column: also AUC, KS, Brier, calibration)")
	if err := parseModelFlags(fs, args); err != nil {
		return err
	}
	if modelPath == "" || data == "" {
		return fmt.Errorf("%w: --model and --data are required", errUsage)
	}
	m, err := scorecard.LoadFile(modelPath)
	if err != nil {
		return err
	}
	t, err := scorecard.ReadFile(data)
	if err != nil {
		return err
	}
	v, err := m.Validate(t)
	if err != nil {
		return fmt.Errorf("%s: %w", data, err)
	}
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// runBenchModel: creditbridge bench model --dataset german|australian|cumcm [--datasets DIR] [--folds 10] [--seed 1] [--repeats R]
func runBenchModel(ctx context.Context, e Env, args []string) error {
	var o bench.ModelOptions
	fs := modelFlagSet(e, "bench model")
	fs.StringVar(&o.Dataset, "dataset", "", "german, australian or cumcm")
	fs.StringVar(&o.Dir, "datasets", "", "the shared datasets folder (default: ../shared/datasets next to the repository, or $CREDITBRIDGE_DATASETS)")
	fs.IntVar(&o.Folds, "folds", 0, "stratified folds (default 10; cumcm 5)")
	fs.Uint64Var(&o.Seed, "seed", 1, "fold seed (repeat r uses seed+r)")
	fs.IntVar(&o.Repeats, "repeats", 0, "repeated CV runs with seeds S, S+1, ... (default 1; cumcm 20)")
	fs.StringVar(&o.Python, "python", "", "the Python interpreter that runs the scikit-learn peer (default: python3 on PATH, else /usr/bin/python3, whichever imports sklearn)")
	fs.StringVar(&o.FoldsOut, "folds-out", "", "also keep the folds file (JSON: each row's fold per repeat) at this path")
	fs.StringVar(&o.FeaturesOut, "features-out", "", "also write the table the models are fitted on (CSV; for cumcm the invoice features) at this path")
	if err := parseModelFlags(fs, args); err != nil {
		return err
	}
	if o.Dir == "" {
		o.Dir = envValue(e.Environ, "CREDITBRIDGE_DATASETS")
	}
	return bench.Model(ctx, o, e.Stdout)
}
