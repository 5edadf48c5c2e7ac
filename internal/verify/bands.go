package verify

import (
	"math"
	"regexp"
	"strings"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Band questions.
//
// Besides yes/no conditions, a question may ask for the band a number
// falls in: band(NAME), the whole question, e.g. band(tax_paid_12m). The
// answer is one label of a fixed, coarse scale per unit (never the value)
// or unknown, signed like any answer (Claims.Answer holds the label,
// Claims.Band names the scale). A band reveals a lower and an upper bound
// at once, so it counts against the item's distinct-threshold budget
// (Limits.Thresholds) as one threshold pair: two constants,
// "band(NAME):lower" and "band(NAME):upper". Asking the same band again
// reveals nothing new and costs nothing more, as asking the same threshold
// again.
//
// The scales (lower bound included, upper bound excluded):
//
//	yuan     <100k | 100k-1M | 1M-10M | 10M-100M | >=100M        (元)
//	persons  0 | 1-9 | 10-49 | 50-299 | >=300                     (persons)
//	years    <1 | 1-3 | 3-5 | 5-10 | >=10                         (years)
//
// The verifications table keeps true/false/unknown only (its CHECK
// constraint): a band answer is recorded there as "true" (a band was
// given) or "unknown"; the label itself is in the attestation and in the
// verification.answer evidence entry.

// BandFunc is the band question's function name.
const BandFunc = "band"

// Scale is a band scale: Bounds[i] is the lower bound of Labels[i+1].
type Scale struct {
	Unit   string    `json:"unit"`
	Labels []string  `json:"labels"`
	Bounds []float64 `json:"bounds"`
}

// Scales are the band scales by variable unit.
var Scales = map[string]Scale{
	"yuan":    {Unit: "yuan", Labels: []string{"<100k", "100k-1M", "1M-10M", "10M-100M", ">=100M"}, Bounds: []float64{1e5, 1e6, 1e7, 1e8}},
	"persons": {Unit: "persons", Labels: []string{"0", "1-9", "10-49", "50-299", ">=300"}, Bounds: []float64{1, 10, 50, 300}},
	"years":   {Unit: "years", Labels: []string{"<1", "1-3", "3-5", "5-10", ">=10"}, Bounds: []float64{1, 3, 5, 10}},
}

// Label is the band of x.
func (s Scale) Label(x float64) string {
	i := 0
	for i < len(s.Bounds) && x >= s.Bounds[i] {
		i++
	}
	return s.Labels[i]
}

// IsBandLabel reports whether a is a label of some scale.
func IsBandLabel(a string) bool {
	for _, s := range Scales {
		for _, l := range s.Labels {
			if l == a {
				return true
			}
		}
	}
	return false
}

var bandRE = regexp.MustCompile(`^band\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$`)

// compileBand compiles a band question; ok false if text is not one.
func compileBand(text string) (*Question, bool, error) {
	if !strings.HasPrefix(text, BandFunc) {
		return nil, false, nil
	}
	m := bandRE.FindStringSubmatch(text)
	if m == nil {
		if strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(text, BandFunc)), "(") {
			return nil, true, fault.New(fault.Invalid, "verify.band_form", "write band(NAME) alone, NAME a number variable")
		}
		return nil, false, nil // a variable whose name starts with "band"
	}
	v := variable(m[1])
	if v == nil {
		return nil, true, fault.New(fault.Invalid, "verify.unknown_variable", "unknown variable").With("name", m[1])
	}
	sc, ok := Scales[v.Unit]
	if v.Kind != Number || !ok {
		return nil, true, fault.New(fault.Invalid, "verify.band_unsupported", "the variable has no band scale").With("name", v.Name)
	}
	q := &Question{Text: text, Vars: []*Variable{v}, band: &sc, Probes: []Probe{
		{Item: v.Family(), Variable: v.Name, Value: BandFunc + "(" + v.Name + "):lower"},
		{Item: v.Family(), Variable: v.Name, Value: BandFunc + "(" + v.Name + "):upper"},
	}}
	return q, true, nil
}

// bandAnswer is the label of a computed value (float64 or int), or
// Unknown.
func (q *Question) bandAnswer(v any) string {
	var x float64
	switch n := v.(type) {
	case float64:
		x = n
	case int64:
		x = float64(n)
	case int:
		x = float64(n)
	default:
		return Unknown
	}
	if math.IsNaN(x) {
		return Unknown
	}
	return q.band.Label(x)
}

// Band is the scale a band question answers on (nil for a yes/no
// question).
func (q *Question) Band() *Scale { return q.band }

// BandDoc describes band questions for the documentation (the variables
// list): Kind "band", Items empty (the variable's).
var BandDoc = Variable{Name: BandFunc + "(NAME)", Kind: "band", Items: []string{},
	EN: "A question of its own: the band NAME falls in, never the value. Amounts in yuan: <100k, 100k-1M, 1M-10M, 10M-100M, >=100M; headcounts: 0, 1-9, 10-49, 50-299, >=300; years: <1, 1-3, 3-5, 5-10, >=10 (lower bound included). Unknown when NAME is. Counts as two thresholds against the item's limit.",
	ZH: "单独成题：返回 NAME 所在的区间，而非具体数值。金额（元）：<100k、100k-1M、1M-10M、10M-100M、>=100M；人数：0、1-9、10-49、50-299、>=300；年数：<1、1-3、3-5、5-10、>=10（含下限）。NAME 未知时为未知。计入该数据项比较值上限时按两个比较值计。"}
