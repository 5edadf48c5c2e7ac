package scorecard

import "fmt"

// Validation is the report on a population scored with a model: the
// score's and every variable's stability against training and, when the
// data carries the target, discrimination and calibration.
type Validation struct {
	Rows int `json:"rows"`
	// ScorePSI compares the score distribution over the training deciles.
	ScorePSI float64 `json:"score_psi"`
	// VariablePSI compares each model variable's bin shares.
	VariablePSI map[string]float64 `json:"variable_psi"`
	// Performance is set when the data has the target column.
	Performance *Report `json:"performance,omitempty"`
}

// Validate scores t and compares it with the training population. It
// reads the artefact only.
func (m *Model) Validate(t *Table) (*Validation, error) {
	res, err := m.ScoreTable(t, 0)
	if err != nil {
		return nil, err
	}
	v := &Validation{Rows: len(res), VariablePSI: map[string]float64{}}
	scores := make([]float64, len(res))
	pd := make([]float64, len(res))
	for i, r := range res {
		scores[i], pd[i] = r.Score, r.PD
	}
	if len(m.ScoreBands.Shares) != len(m.ScoreBands.Edges)+1 {
		return nil, fmt.Errorf("model artefact: score bands have %d shares for %d edges", len(m.ScoreBands.Shares), len(m.ScoreBands.Edges))
	}
	v.ScorePSI = PSI(m.ScoreBands.Shares, bandShares(scores, m.ScoreBands.Edges))
	for _, mv := range m.Variables {
		col := t.Col(mv.Name)
		raw := make([]string, len(t.Rows))
		for i, r := range t.Rows {
			raw[i] = r[col]
		}
		p, err := mv.psi(raw, m.Missing)
		if err != nil {
			return nil, err
		}
		v.VariablePSI[mv.Name] = p
	}
	if ti := t.Col(m.Target); ti >= 0 {
		y := make([]int, len(t.Rows))
		keep := make([]int, 0, len(t.Rows))
		for i, r := range t.Rows {
			if isMissing(r[ti], m.Missing) {
				continue
			}
			if r[ti] == m.Bad {
				y[i] = 1
			}
			keep = append(keep, i)
		}
		yy, pp := make([]int, len(keep)), make([]float64, len(keep))
		for k, i := range keep {
			yy[k], pp[k] = y[i], pd[i]
		}
		rep := Evaluate(yy, pp)
		v.Performance = &rep
	}
	return v, nil
}
