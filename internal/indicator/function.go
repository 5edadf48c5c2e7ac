package indicator

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Scoring function kinds: the closed set a System may use.
const (
	// KindPiecewise interpolates linearly between breakpoints (x ascending)
	// and holds the end scores beyond the first and the last.
	KindPiecewise = "piecewise"
	// KindSteps is a threshold table: the score of the last step whose From
	// is ≤ the value, Below under the first.
	KindSteps = "steps"
	// KindCategorical maps a category to a score; Other scores every
	// category not in the map.
	KindCategorical = "categorical"
	// KindCountPenalty scores a count of events: 100 for none, PerEvent
	// less for each, never below Floor.
	KindCountPenalty = "count_penalty"
	// KindBoolean scores yes (a non-zero number, or true/yes/1) and no.
	KindBoolean = "boolean"
)

// Kinds lists every scoring function kind.
var Kinds = []string{KindPiecewise, KindSteps, KindCategorical, KindCountPenalty, KindBoolean}

// Trends a piecewise or steps function may declare; a declared trend is
// checked against the scores at load.
const (
	Increasing = "increasing" // a larger value never scores less
	Decreasing = "decreasing" // a larger value never scores more
)

// Point is one breakpoint of a piecewise-linear function: value X scores Y.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Step is one row of a threshold table: values from From upwards (to the
// next step's From) score Score.
type Step struct {
	From  float64 `json:"from"`
	Score float64 `json:"score"`
}

// Function is a scoring function: Kind says which one, and only the fields
// that kind uses may be set. Scores are 0-100, values are in the feature's
// unit.
type Function struct {
	Kind string `json:"kind"`
	// piecewise
	Points []Point `json:"points,omitempty"`
	// piecewise and steps: optional, checked at load
	Trend string `json:"trend,omitempty"`
	// steps
	Below *float64 `json:"below,omitempty"`
	Steps []Step   `json:"steps,omitempty"`
	// categorical
	Map   map[string]float64 `json:"map,omitempty"`
	Other *float64           `json:"other,omitempty"`
	// count_penalty
	PerEvent float64 `json:"per_event,omitempty"`
	Floor    float64 `json:"floor,omitempty"`
	// boolean
	True  *float64 `json:"true,omitempty"`
	False *float64 `json:"false,omitempty"`
}

// numeric reports whether the function reads a number (all but
// categorical).
func (f Function) numeric() bool { return f.Kind != KindCategorical }

// scoreNum scores a numeric value; x is finite or ±Inf, never NaN.
func (f Function) scoreNum(x float64) float64 {
	switch f.Kind {
	case KindPiecewise:
		p := f.Points
		if x <= p[0].X {
			return p[0].Y
		}
		last := p[len(p)-1]
		if x >= last.X {
			return last.Y
		}
		// The first breakpoint above x; p[i-1].X < x < p[i].X.
		i, _ := slices.BinarySearchFunc(p, x, func(pt Point, x float64) int {
			switch {
			case pt.X < x:
				return -1
			case pt.X > x:
				return 1
			}
			return 0
		})
		if p[i].X == x {
			return p[i].Y
		}
		a, b := p[i-1], p[i]
		return a.Y + (b.Y-a.Y)*(x-a.X)/(b.X-a.X)
	case KindSteps:
		s := *f.Below
		for _, st := range f.Steps {
			if x < st.From {
				break
			}
			s = st.Score
		}
		return s
	case KindCountPenalty:
		if x <= 0 {
			return 100
		}
		return math.Max(f.Floor, 100-f.PerEvent*x)
	case KindBoolean:
		if x != 0 {
			return *f.True
		}
		return *f.False
	}
	return 0 // unreachable for a validated function
}

// scoreCat scores a category (categorical functions).
func (f Function) scoreCat(c string) float64 {
	if s, ok := f.Map[c]; ok {
		return s
	}
	return *f.Other
}

// boolText reads a boolean feature given as text; ok is false when the
// text is not a recognised yes or no.
func boolText(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "y", "是":
		return true, true
	case "0", "false", "no", "n", "否":
		return false, true
	}
	return false, false
}

func validScore(s float64) bool { return s >= 0 && s <= 100 && !math.IsNaN(s) }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func fnErr(code, msg string) *fault.Error { return fault.New(fault.Invalid, code, msg) }

// validate records every problem of f under field (a path such as
// "dimensions[0].indicators[1].score").
func (f Function) validate(field string, fs *fault.Fields) {
	// used says which fields the kind may set.
	type used struct{ points, trend, steps, cat, count, boolean bool }
	var u used
	switch f.Kind {
	case KindPiecewise:
		u = used{points: true, trend: true}
		f.validatePiecewise(field, fs)
	case KindSteps:
		u = used{trend: true, steps: true}
		f.validateSteps(field, fs)
	case KindCategorical:
		u = used{cat: true}
		if len(f.Map) == 0 {
			fs.Add(field+".map", fnErr("indicator.categories_empty", "a categorical function maps at least one category"))
		}
		for _, k := range sortedKeys(f.Map) {
			if strings.TrimSpace(k) == "" || len(k) > 64 {
				fs.Add(field+".map", fnErr("indicator.category", "a category is 1 to 64 characters").With("value", k))
			}
			if !validScore(f.Map[k]) {
				fs.Add(field+".map."+k, scoreRange(f.Map[k]))
			}
		}
		if f.Other == nil {
			fs.Add(field+".other", fnErr("indicator.category_other", "a categorical function states the score of any other category"))
		} else if !validScore(*f.Other) {
			fs.Add(field+".other", scoreRange(*f.Other))
		}
	case KindCountPenalty:
		u = used{count: true}
		if !(f.PerEvent > 0 && f.PerEvent <= 100) {
			fs.Add(field+".per_event", fnErr("indicator.per_event", "the penalty per event is more than 0 and at most 100").With("value", num(f.PerEvent)))
		}
		if !(f.Floor >= 0 && f.Floor < 100) {
			fs.Add(field+".floor", fnErr("indicator.floor", "the floor is at least 0 and below 100").With("value", num(f.Floor)))
		}
	case KindBoolean:
		u = used{boolean: true}
		for _, b := range []struct {
			name string
			v    *float64
		}{{"true", f.True}, {"false", f.False}} {
			if b.v == nil {
				fs.Add(field+"."+b.name, fnErr("indicator.boolean_scores", "a boolean function states the scores of yes and of no"))
			} else if !validScore(*b.v) {
				fs.Add(field+"."+b.name, scoreRange(*b.v))
			}
		}
	default:
		fs.Add(field+".kind", fnErr("indicator.function_unknown", "unknown scoring function").
			With("kind", f.Kind).With("kinds", strings.Join(Kinds, ", ")))
		return
	}
	extra := func(set, allowed bool, name string) {
		if set && !allowed {
			fs.Add(field+"."+name, fnErr("indicator.function_field", "this field does not belong to this scoring function").
				With("name", name).With("kind", f.Kind))
		}
	}
	extra(len(f.Points) > 0, u.points, "points")
	extra(f.Trend != "", u.trend, "trend")
	extra(f.Below != nil, u.steps, "below")
	extra(len(f.Steps) > 0, u.steps, "steps")
	extra(len(f.Map) > 0, u.cat, "map")
	extra(f.Other != nil, u.cat, "other")
	extra(f.PerEvent != 0, u.count, "per_event")
	extra(f.Floor != 0, u.count, "floor")
	extra(f.True != nil, u.boolean, "true")
	extra(f.False != nil, u.boolean, "false")
}

func scoreRange(s float64) *fault.Error {
	return fnErr("indicator.score_range", "a score is between 0 and 100").With("value", num(s))
}

func (f Function) validateTrend(field string, ys []float64, fs *fault.Fields) {
	switch f.Trend {
	case "":
		return
	case Increasing, Decreasing:
	default:
		fs.Add(field+".trend", fnErr("indicator.trend", "the trend is increasing, decreasing or absent").With("value", f.Trend))
		return
	}
	for i := 1; i < len(ys); i++ {
		if (f.Trend == Increasing && ys[i] < ys[i-1]) || (f.Trend == Decreasing && ys[i] > ys[i-1]) {
			fs.Add(field, fnErr("indicator.trend_broken", "the scores go against the declared trend").
				With("trend", f.Trend).With("index", strconv.Itoa(i)))
			return
		}
	}
}

func (f Function) validatePiecewise(field string, fs *fault.Fields) {
	if len(f.Points) < 2 {
		fs.Add(field+".points", fnErr("indicator.breakpoints_few", "a piecewise-linear function needs at least 2 breakpoints"))
		return
	}
	ys := make([]float64, len(f.Points))
	for i, p := range f.Points {
		ys[i] = p.Y
		if !finite(p.X) {
			fs.Add(fmt.Sprintf("%s.points[%d].x", field, i), fnErr("indicator.breakpoint_value", "a breakpoint is a finite number"))
		}
		if !validScore(p.Y) {
			fs.Add(fmt.Sprintf("%s.points[%d].y", field, i), scoreRange(p.Y))
		}
		if i > 0 && !(p.X > f.Points[i-1].X) {
			fs.Add(fmt.Sprintf("%s.points[%d].x", field, i), fnErr("indicator.breakpoints_order", "breakpoints must be in strictly increasing order").
				With("value", num(p.X)).With("previous", num(f.Points[i-1].X)))
		}
	}
	f.validateTrend(field, ys, fs)
}

func (f Function) validateSteps(field string, fs *fault.Fields) {
	if f.Below == nil {
		fs.Add(field+".below", fnErr("indicator.steps_below", "a threshold table states the score below its first threshold"))
	} else if !validScore(*f.Below) {
		fs.Add(field+".below", scoreRange(*f.Below))
	}
	if len(f.Steps) == 0 {
		fs.Add(field+".steps", fnErr("indicator.steps_empty", "a threshold table needs at least one threshold"))
		return
	}
	var ys []float64
	if f.Below != nil {
		ys = append(ys, *f.Below)
	}
	for i, st := range f.Steps {
		ys = append(ys, st.Score)
		if !finite(st.From) {
			fs.Add(fmt.Sprintf("%s.steps[%d].from", field, i), fnErr("indicator.breakpoint_value", "a breakpoint is a finite number"))
		}
		if !validScore(st.Score) {
			fs.Add(fmt.Sprintf("%s.steps[%d].score", field, i), scoreRange(st.Score))
		}
		if i > 0 && !(st.From > f.Steps[i-1].From) {
			fs.Add(fmt.Sprintf("%s.steps[%d].from", field, i), fnErr("indicator.breakpoints_order", "breakpoints must be in strictly increasing order").
				With("value", num(st.From)).With("previous", num(f.Steps[i-1].From)))
		}
	}
	f.validateTrend(field, ys, fs)
}

func sortedKeys(m map[string]float64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// num formats a number for people: shortest exact decimal, no exponent.
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// Describe says in words how the function scores, in English and Chinese,
// for the operator page and reports.
func (f Function) Describe() (en, zh string) {
	switch f.Kind {
	case KindPiecewise:
		var pe, pz []string
		for _, p := range f.Points {
			pe = append(pe, num(p.X)+" → "+num(p.Y))
			pz = append(pz, num(p.X)+" → "+num(p.Y))
		}
		return "linear between " + strings.Join(pe, ", ") + "; the end scores beyond the ends",
			"分段线性：" + strings.Join(pz, "，") + "；两端之外取端点分"
	case KindSteps:
		var pe, pz []string
		pe = append(pe, "below "+num(f.Steps[0].From)+": "+num(*f.Below))
		pz = append(pz, "低于 "+num(f.Steps[0].From)+"："+num(*f.Below))
		for _, st := range f.Steps {
			pe = append(pe, "≥ "+num(st.From)+": "+num(st.Score))
			pz = append(pz, "≥ "+num(st.From)+"："+num(st.Score))
		}
		return "thresholds: " + strings.Join(pe, "; "), "分档：" + strings.Join(pz, "；")
	case KindCategorical:
		var pe, pz []string
		for _, k := range sortedKeys(f.Map) {
			pe = append(pe, k+" → "+num(f.Map[k]))
			pz = append(pz, k+" → "+num(f.Map[k]))
		}
		return strings.Join(pe, ", ") + "; any other value → " + num(*f.Other),
			strings.Join(pz, "，") + "；其他取值 → " + num(*f.Other)
	case KindCountPenalty:
		return "none → 100; " + num(f.PerEvent) + " less per event, not below " + num(f.Floor),
			"无记录 → 100；每条扣 " + num(f.PerEvent) + " 分，最低 " + num(f.Floor)
	case KindBoolean:
		return "yes → " + num(*f.True) + ", no → " + num(*f.False), "是 → " + num(*f.True) + "，否 → " + num(*f.False)
	}
	return f.Kind, f.Kind
}
