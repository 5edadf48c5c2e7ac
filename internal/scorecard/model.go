package scorecard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
)

// Schema names the artefact format; Load refuses any other value. A change
// that old readers would misread gets a new version.
const Schema = "creditbridge.scorecard/v1"

// Model is the serialised scorecard: everything scoring, explanation and
// monitoring need, and the record of how it was trained. Its JSON form is
// the artefact `creditbridge model train` writes.
type Model struct {
	Schema    string `json:"schema"`
	CreatedAt string `json:"created_at,omitempty"` // RFC 3339, set by the caller
	Target    string `json:"target"`
	Bad       string `json:"bad"`
	// Missing are the raw values read as missing.
	Missing []string `json:"missing"`
	// Intercept and each variable's Coefficient are the logistic
	// regression on WOE values: ln(odds of bad) = Intercept + sum(coef * WOE).
	Intercept float64    `json:"intercept"`
	Variables []Variable `json:"variables"`
	// Candidates is every candidate variable with its IV and, for those
	// not in the model, why it was left out.
	Candidates  []Candidate `json:"candidates"`
	Scaling     Scaling     `json:"scaling"`
	Calibration Calibration `json:"calibration"`
	// Grades maps the calibrated PD to a grade: the first band whose
	// MaxPD is >= the PD.
	Grades []GradeBand `json:"grades"`
	// ScoreBands are the training score deciles (PSI of the score).
	ScoreBands ScoreBands `json:"score_bands"`
	Training   Training   `json:"training"`
	Metrics    Metrics    `json:"metrics"`
}

// Metrics are the validation figures recorded at training: on the rows
// the model was fitted on (optimistic by construction) and, when a
// calibration holdout was set aside, on those unseen rows after
// calibration. Cross-validated figures come from CrossValidate.
type Metrics struct {
	Training Report  `json:"training"`
	Holdout  *Report `json:"holdout,omitempty"`
}

// Variable is one scorecard variable: its bins, with their statistics,
// WOE and points, and its coefficient.
type Variable struct {
	Name        string  `json:"name"`
	Kind        Kind    `json:"kind"`
	Trend       Trend   `json:"trend"` // the trend the bins follow (ascending: bad rate rises with the value)
	IV          float64 `json:"iv"`
	Coefficient float64 `json:"coefficient"`
	Bins        []Bin   `json:"bins"`
}

// BinKind says which values a bin holds.
type BinKind string

// Bin kinds. A variable has range bins (numeric) or category bins
// (categorical), one missing bin and one bin per special value; the last
// two are kept with their statistics even when empty.
const (
	BinRange      BinKind = "range"
	BinCategories BinKind = "categories"
	BinMissing    BinKind = "missing"
	BinSpecial    BinKind = "special"
)

// Bin is one bin of a variable. A range bin holds Lower < x <= Upper
// (nil: unbounded).
type Bin struct {
	Kind       BinKind  `json:"kind"`
	Label      string   `json:"label"`
	Lower      *float64 `json:"lower,omitempty"`
	Upper      *float64 `json:"upper,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Special    string   `json:"special,omitempty"`
	Count      int      `json:"count"`
	Bad        int      `json:"bad"`
	Good       int      `json:"good"`
	Share      float64  `json:"share"`
	BadRate    float64  `json:"bad_rate"`
	WOE        float64  `json:"woe"`
	IV         float64  `json:"iv"`
	Points     float64  `json:"points"`
}

// Candidate records one candidate variable's screening.
type Candidate struct {
	Name    string  `json:"name"`
	Kind    Kind    `json:"kind"`
	IV      float64 `json:"iv"`
	PSI     float64 `json:"psi,omitempty"`
	Bins    int     `json:"bins"`
	Used    bool    `json:"used"`
	Dropped string  `json:"dropped,omitempty"` // why it is not in the model
}

// Scaling is points to double the odds: Score = Offset + Factor * ln(odds
// of good), Factor = PDO / ln 2, Offset = BaseScore - Factor * ln(BaseOdds);
// BaseOdds are good:bad odds at BaseScore. Score = BasePoints + the points
// of the applicant's bin in every variable, BasePoints = Offset - Factor *
// Intercept and bin points = -Factor * coefficient * WOE.
type Scaling struct {
	BaseScore  float64 `json:"base_score"`
	BaseOdds   float64 `json:"base_odds"`
	PDO        float64 `json:"pdo"`
	Factor     float64 `json:"factor"`
	Offset     float64 `json:"offset"`
	BasePoints float64 `json:"base_points"`
}

// Calibration maps the model's log-odds of bad to the published PD.
// "none": PD = logistic(log-odds). "platt": PD = logistic(A * log-odds +
// B), A and B fitted on a holdout the model did not see. "isotonic": a
// non-decreasing step function of the raw PD fitted on the holdout (PAVA;
// each step's PD is (bad + 0.5) / (rows + 1), so never 0 or 1); X are the
// upper raw-PD edges of the steps and Y their PDs, a raw PD above the last
// edge takes the last step. Calibration changes the PD and the grade, not
// the score or the points.
type Calibration struct {
	Method  string    `json:"method"`
	A       float64   `json:"a,omitempty"`
	B       float64   `json:"b,omitempty"`
	X       []float64 `json:"x,omitempty"`
	Y       []float64 `json:"y,omitempty"`
	Holdout int       `json:"holdout_rows,omitempty"`
}

// GradeBand is one grade of the master scale.
type GradeBand struct {
	Grade string  `json:"grade"`
	MaxPD float64 `json:"max_pd"`
}

// DefaultGrades is the GB/T 22116 letter scale with PD upper bounds. The
// bounds are a convention of this engine, not of the standard; an
// institution replaces them in the artefact with its own master scale.
var DefaultGrades = []GradeBand{
	{"AAA", 0.005}, {"AA", 0.01}, {"A", 0.02}, {"BBB", 0.05}, {"BB", 0.10},
	{"B", 0.20}, {"CCC", 0.35}, {"CC", 0.55}, {"C", 1},
}

// ScoreBands holds the training score distribution: Edges are the inner
// decile boundaries (a score s falls in the first band with s <= edge,
// else the last), Shares the training share of each band.
type ScoreBands struct {
	Edges  []float64 `json:"edges"`
	Shares []float64 `json:"shares"`
}

// Training records the training run.
type Training struct {
	SHA256 string `json:"data_sha256"`
	// Rows, Bad and Good count the rows the scorecard was fitted on
	// (without a calibration holdout).
	Rows    int     `json:"rows"`
	Bad     int     `json:"bad"`
	Good    int     `json:"good"`
	Options Options `json:"options"`
}

// Load reads an artefact and checks it is one this version scores.
func Load(r io.Reader) (*Model, error) {
	dec := json.NewDecoder(r)
	var m Model
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("model artefact: %w", err)
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// LoadFile is Load on a file.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Write writes the artefact as indented JSON.
func (m *Model) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// Check validates the artefact's structure: schema, a missing bin per
// variable, range bins in order, finite numbers, a usable scaling and grade
// scale.
func (m *Model) Check() error {
	if m.Schema != Schema {
		return fmt.Errorf("model artefact: schema %q, this build reads %q", m.Schema, Schema)
	}
	if len(m.Variables) == 0 {
		return errors.New("model artefact: no variables")
	}
	if !finite(m.Intercept, m.Scaling.Factor, m.Scaling.Offset, m.Scaling.BasePoints) || m.Scaling.Factor <= 0 {
		return errors.New("model artefact: bad intercept or scaling")
	}
	for i, g := range m.Grades {
		if i > 0 && g.MaxPD < m.Grades[i-1].MaxPD {
			return errors.New("model artefact: grade bands must have non-decreasing max_pd")
		}
	}
	switch m.Calibration.Method {
	case "none", "platt":
	case "isotonic":
		if len(m.Calibration.X) == 0 || len(m.Calibration.X) != len(m.Calibration.Y) {
			return errors.New("model artefact: isotonic calibration needs x and y of equal length")
		}
	default:
		return fmt.Errorf("model artefact: unknown calibration %q", m.Calibration.Method)
	}
	for _, v := range m.Variables {
		if !finite(v.Coefficient) {
			return fmt.Errorf("model artefact: variable %q: coefficient is not finite", v.Name)
		}
		missing := 0
		var prev *float64
		ranges := 0
		for j, b := range v.Bins {
			if !finite(b.WOE, b.Points) {
				return fmt.Errorf("model artefact: variable %q bin %d: WOE or points not finite", v.Name, j)
			}
			switch b.Kind {
			case BinMissing:
				missing++
			case BinSpecial, BinCategories:
			case BinRange:
				if v.Kind != Numeric {
					return fmt.Errorf("model artefact: variable %q: range bin on a %s variable", v.Name, v.Kind)
				}
				if (ranges == 0) != (b.Lower == nil) || (ranges > 0 && (prev == nil || *b.Lower != *prev)) {
					return fmt.Errorf("model artefact: variable %q: range bins must be contiguous from -inf", v.Name)
				}
				prev = b.Upper
				ranges++
			default:
				return fmt.Errorf("model artefact: variable %q: unknown bin kind %q", v.Name, b.Kind)
			}
		}
		if missing != 1 {
			return fmt.Errorf("model artefact: variable %q needs exactly one missing bin", v.Name)
		}
		if v.Kind == Numeric && (ranges == 0 || prev != nil) {
			return fmt.Errorf("model artefact: variable %q: range bins must end at +inf", v.Name)
		}
	}
	return nil
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// Locate returns the index of the bin raw falls in. Missing values go to
// the missing bin, special values to their bin; a numeric variable's
// value that does not parse is an error; a category not seen in training
// is scored as missing (no evidence either way) and reported as unseen.
func (v *Variable) Locate(raw string, missing []string) (bin int, unseen bool, err error) {
	mi := -1
	for i, b := range v.Bins {
		switch b.Kind {
		case BinMissing:
			mi = i
		case BinSpecial:
			if raw == b.Special {
				return i, false, nil
			}
		}
	}
	if isMissing(raw, missing) {
		return mi, false, nil
	}
	if v.Kind == Numeric {
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(x) {
			return -1, false, fmt.Errorf("variable %q: %q is not a number", v.Name, raw)
		}
		for i, b := range v.Bins {
			if b.Kind == BinSpecial {
				if s, err := strconv.ParseFloat(b.Special, 64); err == nil && s == x {
					return i, false, nil
				}
			}
		}
		for i, b := range v.Bins {
			if b.Kind == BinRange && (b.Upper == nil || x <= *b.Upper) {
				return i, false, nil
			}
		}
		return -1, false, fmt.Errorf("variable %q: no bin for %v", v.Name, x) // unreachable after Check
	}
	for i, b := range v.Bins {
		if b.Kind == BinCategories {
			for _, c := range b.Categories {
				if c == raw {
					return i, false, nil
				}
			}
		}
	}
	return mi, true, nil
}
