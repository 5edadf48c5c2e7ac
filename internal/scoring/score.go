package scoring

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/scorecard"
)

// ReasonCount is how many reason codes a score keeps.
const ReasonCount = 5

// method is what one run (or one incremental rescore) scores with: the
// feature set, the indicator system and the champion, if any. It is read
// once and shared by the workers (every part is read-only).
type method struct {
	set     *features.Set
	system  *indicator.System
	model   *scorecard.Model // nil: no statistical model promoted
	version modelreg.Version // the champion's registry entry (ID 0 without)
}

// score turns one vector into a Score (without enterprise, run and cause).
func (m *method) score(v features.Vector, computedAt time.Time) (Score, error) {
	res := m.system.Evaluate(v)
	sc := Score{EnterpriseID: v.EnterpriseID, AsOf: v.AsOf, ComputedAt: computedAt, FeatureSet: v.SetVersion,
		IndicatorVer: res.SystemVersion, IndicatorScore: res.Score, IndicatorGrade: res.Grade,
		Indicator: indicatorOf(res), Features: featuresOf(v), Sources: Group(v.Sources)}
	if m.model == nil {
		sc.Points, sc.Grade = res.Score, res.Grade
		sc.Reasons = m.indicatorReasons(res)
		return sc, nil
	}
	r, err := m.model.Score(v.Raw, ReasonCount)
	if err != nil {
		return Score{}, err
	}
	sc.ModelVersionID, sc.Model = m.version.ID, m.version.Label()
	sc.Points, sc.PD, sc.HasPD = round2(r.Score), r.PD, true
	sc.Grade = r.Grade
	if sc.Grade == "" {
		sc.Grade = res.Grade
	}
	for _, c := range r.Reasons {
		rs := Reason{Variable: c.Variable, Value: c.Value, Bin: c.Bin, Points: round2(c.Points), Lost: round2(c.Lost), Source: "model"}
		if d, ok := m.set.Def(c.Variable); ok {
			rs.NameZH, rs.NameEN, rs.Unit = d.NameZH, d.NameEN, d.Unit
		}
		sc.Reasons = append(sc.Reasons, rs)
	}
	return sc, nil
}

// indicatorReasons are the reason codes without a model: the indicators
// that cost the most points against the most they could give (their
// effective weight in the total), largest first.
func (m *method) indicatorReasons(res indicator.Result) []Reason {
	var out []Reason
	for _, d := range res.Dimensions {
		if d.Dropped {
			continue
		}
		for _, in := range d.Indicators {
			if in.Status == indicator.StatusDropped {
				continue
			}
			most := in.EffectiveWeight * d.EffectiveWeight / 100
			lost := most - in.Points
			if lost < 0.005 {
				continue
			}
			rs := Reason{Variable: in.Feature, Value: in.Value, Bin: in.Status, Points: round2(in.Points), Lost: round2(lost),
				Source: "indicator", NameZH: in.NameZH, NameEN: in.NameEN}
			if def, ok := m.set.Def(in.Feature); ok {
				rs.Unit = def.Unit
			}
			out = append(out, rs)
		}
	}
	slices.SortStableFunc(out, func(a, b Reason) int { return cmp.Compare(b.Lost, a.Lost) })
	if len(out) > ReasonCount {
		out = out[:ReasonCount]
	}
	return out
}

func indicatorOf(r indicator.Result) Indicator {
	out := Indicator{SystemVersion: r.SystemVersion, Score: r.Score, Grade: r.Grade, Coverage: round4(r.Coverage)}
	for _, d := range r.Dimensions {
		out.Dimensions = append(out.Dimensions, Dimension{Code: d.Code, NameZH: d.NameZH, NameEN: d.NameEN, Weight: d.Weight,
			Score: round2(d.Score), Points: round2(d.Points), Dropped: d.Dropped})
	}
	return out
}

func featuresOf(v features.Vector) Features {
	f := Features{Num: make(map[string]float64, len(v.Num)), Cat: v.Cat}
	for k, x := range v.Num {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			f.Num[k] = x
		}
	}
	return f
}

// Group gathers a vector's sources into SourceGroups: one per item,
// version and batch, in the order first met (sources come ordered by item
// and period), with the periods spanned and the latest received time.
func Group(src []features.Source) []SourceGroup {
	type key struct {
		item, batch string
		version     int
	}
	at := map[key]int{}
	var out []SourceGroup
	for _, s := range src {
		k := key{s.Item, s.Batch, s.Version}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, SourceGroup{Item: s.Item, From: s.Period, To: s.Period, Records: 1, Version: s.Version, Batch: s.Batch,
				Received: s.ReceivedAt.UTC()})
			continue
		}
		g := &out[i]
		g.Records++
		if s.Period.Before(g.From) {
			g.From = s.Period
		}
		if s.Period.After(g.To) {
			g.To = s.Period
		}
		if s.ReceivedAt.After(g.Received) {
			g.Received = s.ReceivedAt.UTC()
		}
	}
	return out
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// formatValue shows a raw feature value for people: numbers with at most
// two decimals (money in fen as yuan), text as is.
func formatValue(raw, unit string) string {
	x, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return raw
	}
	if unit == "fen" {
		x /= 100
	}
	return strconv.FormatFloat(round2(x), 'f', -1, 64)
}
