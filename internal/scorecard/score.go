package scorecard

import (
	"fmt"
	"math"
	"sort"
)

// Contribution is one variable's part in a score.
type Contribution struct {
	Variable string  `json:"variable"`
	Value    string  `json:"value"`
	Bin      string  `json:"bin"`
	Points   float64 `json:"points"`
	// Lost is how many points the applicant's bin scores below the best
	// bin of the variable that held training data (>= 0).
	Lost   float64 `json:"lost"`
	Unseen bool    `json:"unseen,omitempty"` // a category training never saw, scored as missing
}

// Result is one scored row.
type Result struct {
	Score   float64 `json:"score"`
	LogOdds float64 `json:"log_odds_bad"`
	// PD is the calibrated probability of default (see Calibration).
	PD    float64 `json:"pd"`
	Grade string  `json:"grade,omitempty"`
	// Contributions lists every model variable in model order.
	Contributions []Contribution `json:"contributions"`
	// Reasons are the reason codes: the contributions that cost the most
	// points against each variable's best bin, largest first, only those
	// that cost something.
	Reasons []Contribution `json:"reasons"`
}

// Score scores one row; value returns the raw value of a column. reasons
// is the number of reason codes to return. Score uses the artefact only.
func (m *Model) Score(value func(column string) string, reasons int) (Result, error) {
	var r Result
	r.Score = m.Scaling.BasePoints
	r.LogOdds = m.Intercept
	r.Contributions = make([]Contribution, len(m.Variables))
	for i := range m.Variables {
		v := &m.Variables[i]
		raw := value(v.Name)
		bi, unseen, err := v.Locate(raw, m.Missing)
		if err != nil {
			return Result{}, err
		}
		b := v.Bins[bi]
		best := math.Inf(-1)
		for _, o := range v.Bins {
			if o.Count > 0 && o.Points > best {
				best = o.Points
			}
		}
		lost := 0.0
		if best > b.Points {
			lost = best - b.Points
		}
		r.Score += b.Points
		r.LogOdds += v.Coefficient * b.WOE
		r.Contributions[i] = Contribution{Variable: v.Name, Value: raw, Bin: b.Label, Points: b.Points, Lost: lost, Unseen: unseen}
	}
	r.PD = m.Calibration.apply(r.LogOdds)
	r.Grade = m.grade(r.PD)
	order := make([]int, len(r.Contributions))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return r.Contributions[order[a]].Lost > r.Contributions[order[b]].Lost })
	r.Reasons = []Contribution{}
	for _, i := range order {
		if len(r.Reasons) >= reasons || r.Contributions[i].Lost <= 1e-9 {
			break
		}
		r.Reasons = append(r.Reasons, r.Contributions[i])
	}
	return r, nil
}

// ScoreTable scores every row of t. Every model variable must be a column
// of t; other columns are ignored.
func (m *Model) ScoreTable(t *Table, reasons int) ([]Result, error) {
	idx := make(map[string]int, len(m.Variables))
	for _, v := range m.Variables {
		c := t.Col(v.Name)
		if c < 0 {
			return nil, fmt.Errorf("the data has no column %q, which the model uses", v.Name)
		}
		idx[v.Name] = c
	}
	out := make([]Result, len(t.Rows))
	for i, row := range t.Rows {
		r, err := m.Score(func(col string) string { return row[idx[col]] }, reasons)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i+2, err)
		}
		out[i] = r
	}
	return out, nil
}

func logistic(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func (c Calibration) apply(logOdds float64) float64 {
	switch c.Method {
	case "platt":
		return logistic(c.A*logOdds + c.B)
	case "isotonic":
		p := logistic(logOdds)
		i := sort.SearchFloat64s(c.X, p)
		if i >= len(c.Y) {
			i = len(c.Y) - 1
		}
		return c.Y[i]
	default:
		return logistic(logOdds)
	}
}

func (m *Model) grade(pd float64) string {
	for _, g := range m.Grades {
		if pd <= g.MaxPD {
			return g.Grade
		}
	}
	if len(m.Grades) > 0 {
		return m.Grades[len(m.Grades)-1].Grade
	}
	return ""
}
