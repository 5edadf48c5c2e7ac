package indicator

import (
	"math"
	"strconv"

	"github.com/creditbridge/creditbridge/internal/features"
)

// Indicator statuses in a result.
const (
	// StatusScored: the feature was present and scored by the function.
	StatusScored = "scored"
	// StatusMissing: the feature was missing and got the policy's score.
	StatusMissing = "missing"
	// StatusDropped: the feature was missing and the indicator was left
	// out (policy "drop"); its Points are 0 and its weight went to the
	// dimension's other indicators.
	StatusDropped = "dropped"
)

// Result is the evaluation of one vector. Points add up: the indicators'
// Points to their dimension's Points, the dimensions' to Score (before
// Score is rounded).
type Result struct {
	SystemVersion string  `json:"system_version"`
	FeatureSet    string  `json:"feature_set"` // the vector's SetVersion
	Score         float64 `json:"score"`       // 0-100, rounded to 0.01; the grade is taken from it
	Grade         string  `json:"grade"`       // GB/T 22116; "" when nothing could be evaluated
	// Coverage is the share (0-1) of the declared weight that was scored
	// from present data rather than by a missing policy or dropped.
	Coverage   float64           `json:"coverage"`
	Dimensions []DimensionResult `json:"dimensions"`
}

// DimensionResult is one dimension's part of a Result.
type DimensionResult struct {
	Code   string  `json:"code"`
	NameZH string  `json:"name_zh"`
	NameEN string  `json:"name_en"`
	Weight float64 `json:"weight"` // declared, percent of the total
	// EffectiveWeight is the weight used (percent of the total): Weight,
	// rescaled when another dimension was dropped; 0 when dropped.
	EffectiveWeight float64 `json:"effective_weight"`
	Score           float64 `json:"score"`  // 0-100 within the dimension
	Points          float64 `json:"points"` // contribution to the total: Score × EffectiveWeight / 100
	Share           float64 `json:"share"`  // Points / total score (0-1); 0 when the total is 0
	// Dropped: every indicator of the dimension was dropped, so it was
	// left out of the total.
	Dropped    bool              `json:"dropped"`
	Indicators []IndicatorResult `json:"indicators"`
}

// IndicatorResult is one indicator's part of a DimensionResult.
type IndicatorResult struct {
	Code    string `json:"code"`
	Feature string `json:"feature"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
	// Value is the feature's value as text ("" when absent; a text the
	// function could not read is shown with Status missing).
	Value  string  `json:"value"`
	Status string  `json:"status"` // StatusScored, StatusMissing or StatusDropped
	Score  float64 `json:"score"`  // 0-100 (0 when dropped)
	Weight float64 `json:"weight"` // declared, percent of the dimension
	// EffectiveWeight is the weight used within the dimension (percent):
	// Weight rescaled over the indicators not dropped; 0 when dropped.
	EffectiveWeight float64 `json:"effective_weight"`
	Points          float64 `json:"points"` // contribution to the total score
}

// value reads in's feature from v: ok is false when it is missing for
// the function (absent, NaN, or text it cannot read). Numeric functions
// read Num and fall back to a number written in Cat; categorical reads
// Cat and falls back to Num written as the shortest decimal.
func value(in *Indicator, v *features.Vector) (x float64, c, shown string, ok bool) {
	f := in.Score
	n, hasNum := v.Num[in.Feature]
	t, hasCat := v.Cat[in.Feature]
	if hasNum && math.IsNaN(n) {
		hasNum = false
	}
	switch {
	case f.Kind == KindCategorical && hasCat:
		return 0, t, t, true
	case f.Kind == KindCategorical && hasNum:
		s := strconv.FormatFloat(n, 'f', -1, 64)
		return 0, s, s, true
	case hasNum:
		return n, "", strconv.FormatFloat(n, 'f', -1, 64), true
	case hasCat && f.Kind == KindBoolean:
		b, ok := boolText(t)
		if !ok {
			return 0, "", t, false
		}
		if b {
			return 1, "", t, true
		}
		return 0, "", t, true
	case hasCat:
		x, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(x) {
			return 0, "", t, false
		}
		return x, "", t, true
	}
	return 0, "", "", false
}

// Evaluate scores v. It is pure and deterministic (no clock, no I/O,
// dimensions and indicators in the system's order) and never fails: a
// missing feature follows its indicator's missing policy; when every
// dimension is dropped the Score is 0, the Grade "" and Coverage 0. The
// system must be valid (from Parse or Validate); Evaluate does not check.
func (s *System) Evaluate(v features.Vector) Result {
	res := Result{SystemVersion: s.Version, FeatureSet: v.SetVersion, Dimensions: make([]DimensionResult, len(s.Dimensions))}
	var keptWeight float64 // sum of the weights of dimensions not dropped
	for i := range s.Dimensions {
		d := &s.Dimensions[i]
		dr := DimensionResult{Code: d.Code, NameZH: d.NameZH, NameEN: d.NameEN, Weight: d.Weight,
			Indicators: make([]IndicatorResult, len(d.Indicators))}
		var kept, sum float64
		for j := range d.Indicators {
			in := &d.Indicators[j]
			ir := IndicatorResult{Code: in.Code, Feature: in.Feature, NameZH: in.NameZH, NameEN: in.NameEN, Weight: in.Weight}
			x, c, shown, ok := value(in, &v)
			ir.Value = shown
			switch {
			case ok && in.Score.numeric():
				ir.Status, ir.Score = StatusScored, in.Score.scoreNum(x)
			case ok:
				ir.Status, ir.Score = StatusScored, in.Score.scoreCat(c)
			case in.Missing.Policy == MissingScore && in.Missing.Score != nil:
				ir.Status, ir.Score = StatusMissing, *in.Missing.Score
			default:
				ir.Status = StatusDropped
			}
			if ir.Status != StatusDropped {
				kept += in.Weight
				sum += in.Weight * ir.Score
			}
			dr.Indicators[j] = ir
		}
		if kept > 0 {
			dr.Score = sum / kept
			keptWeight += d.Weight
			for j := range dr.Indicators {
				if ir := &dr.Indicators[j]; ir.Status != StatusDropped {
					ir.EffectiveWeight = 100 * ir.Weight / kept
				}
			}
		} else {
			dr.Dropped = true
		}
		res.Dimensions[i] = dr
	}
	if keptWeight == 0 {
		return res
	}
	var total float64
	for i := range res.Dimensions {
		dr := &res.Dimensions[i]
		if dr.Dropped {
			continue
		}
		share := dr.Weight / keptWeight // of the total
		dr.EffectiveWeight = 100 * share
		dr.Points = dr.Score * share
		total += dr.Points
		for j := range dr.Indicators {
			ir := &dr.Indicators[j]
			ir.Points = ir.Score * ir.EffectiveWeight / 100 * share
			if ir.Status == StatusScored {
				res.Coverage += ir.Weight / 100 * dr.Weight / 100
			}
		}
	}
	for i := range res.Dimensions {
		if dr := &res.Dimensions[i]; total > 0 && !dr.Dropped {
			dr.Share = dr.Points / total
		}
	}
	res.Score = math.Round(total*100) / 100
	res.Coverage = math.Min(1, res.Coverage)
	res.Grade = s.Grade(res.Score)
	return res
}
