package scorecard

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Trend is the monotonic constraint on a numeric variable's bad rate.
type Trend string

// Trends. Auto fits both directions and keeps the one with the higher IV;
// none only merges for the minimum share and the bin limit.
const (
	TrendAuto       Trend = "auto"
	TrendAscending  Trend = "ascending"
	TrendDescending Trend = "descending"
	TrendNone       Trend = "none"
)

// cell is a bin under construction: an interval ending at upper (numeric)
// or a set of categories.
type cell struct {
	bad, good int
	upper     float64
	cats      []string
}

func (c cell) n() int { return c.bad + c.good }

// rate is the bad rate with a half-count prior, so that tiny cells do not
// sit at exactly 0 or 1.
func (c cell) rate() float64 { return (float64(c.bad) + 0.5) / (float64(c.n()) + 1) }

func join(a, b cell) cell {
	return cell{bad: a.bad + b.bad, good: a.good + b.good, upper: b.upper, cats: append(slices.Clone(a.cats), b.cats...)}
}

// BinVariable bins one candidate column against y under o and returns the
// variable with bin statistics, WOE and IV (no coefficient, no points).
func BinVariable(c Column, y []int, o Options) Variable {
	o = o.withDefaults()
	v := Variable{Name: c.Name, Kind: c.Kind, Trend: TrendNone}
	n := len(y)
	minCount := int(math.Ceil(o.MinShare * float64(n)))
	missing, specials := cell{}, make([]cell, len(o.Specials))
	isSpecial := func(i int) int {
		for k, s := range o.Specials {
			if c.Raw[i] == s {
				return k
			}
			if c.Kind == Numeric && !math.IsNaN(c.Num[i]) {
				if f, err := strconv.ParseFloat(s, 64); err == nil && f == c.Num[i] {
					return k
				}
			}
		}
		return -1
	}
	add := func(x *cell, yi int) {
		if yi == 1 {
			x.bad++
		} else {
			x.good++
		}
	}
	var rest []int
	for i := range y {
		switch k := isSpecial(i); {
		case k >= 0:
			add(&specials[k], y[i])
		case isMissing(c.Raw[i], o.Missing) || (c.Kind == Numeric && math.IsNaN(c.Num[i])):
			add(&missing, y[i])
		default:
			rest = append(rest, i)
		}
	}
	var cells []cell
	if c.Kind == Numeric {
		fine := fineNumeric(c.Num, y, rest, o.FineBins)
		trend := o.Trends[c.Name]
		if trend == "" {
			trend = o.Trend
		}
		switch trend {
		case TrendAscending, TrendDescending, TrendNone:
			cells = coarse(fine, trend, minCount, o.MaxBins)
			v.Trend = trend
		default:
			up := coarse(fine, TrendAscending, minCount, o.MaxBins)
			down := coarse(fine, TrendDescending, minCount, o.MaxBins)
			cells, v.Trend = up, TrendAscending
			if cellsIV(down) > cellsIV(up) {
				cells, v.Trend = down, TrendDescending
			}
		}
	} else {
		cells = coarse(fineCategorical(c.Raw, y, rest), TrendNone, minCount, o.MaxBins)
	}
	for k, x := range cells {
		b := Bin{Bad: x.bad, Good: x.good}
		if c.Kind == Numeric {
			b.Kind = BinRange
			if k > 0 {
				lo := cells[k-1].upper
				b.Lower = &lo
			}
			if k < len(cells)-1 {
				hi := x.upper
				b.Upper = &hi
			}
			b.Label = rangeLabel(b.Lower, b.Upper)
		} else {
			b.Kind = BinCategories
			b.Categories = x.cats
			b.Label = strings.Join(x.cats, " | ")
		}
		v.Bins = append(v.Bins, b)
	}
	if c.Kind == Numeric && len(v.Bins) == 0 {
		v.Bins = append(v.Bins, Bin{Kind: BinRange, Label: rangeLabel(nil, nil)})
	}
	v.Bins = append(v.Bins, Bin{Kind: BinMissing, Label: "missing", Bad: missing.bad, Good: missing.good})
	for k, s := range o.Specials {
		v.Bins = append(v.Bins, Bin{Kind: BinSpecial, Label: "special " + s, Special: s, Bad: specials[k].bad, Good: specials[k].good})
	}
	setWOE(&v, o.Smoothing)
	return v
}

// rangeLabel names a range bin in interval notation: bins hold lo < x <=
// hi (Locate), so a finite upper bound is closed.
func rangeLabel(lo, hi *float64) string {
	f := func(p *float64, inf string) string {
		if p == nil {
			return inf
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	end := "]"
	if hi == nil {
		end = ")"
	}
	return "(" + f(lo, "-inf") + ", " + f(hi, "+inf") + end
}

// setWOE fills counts, shares, bad rates, WOE and IV. WOE = ln((bad_i +
// a) / B) - ln((good_i + a) / G) with a the smoothing count, so an empty
// cell does not make it infinite; an empty bin carries no evidence and
// gets WOE 0. IV_i = (bad_i/B - good_i/G) * WOE_i.
func setWOE(v *Variable, a float64) {
	var B, G int
	for _, b := range v.Bins {
		B += b.Bad
		G += b.Good
	}
	v.IV = 0
	for i := range v.Bins {
		b := &v.Bins[i]
		b.Count = b.Bad + b.Good
		b.Share, b.BadRate, b.WOE, b.IV = 0, 0, 0, 0
		if b.Count == 0 || B == 0 || G == 0 {
			continue
		}
		b.Share = float64(b.Count) / float64(B+G)
		b.BadRate = float64(b.Bad) / float64(b.Count)
		b.WOE = math.Log((float64(b.Bad)+a)/float64(B)) - math.Log((float64(b.Good)+a)/float64(G))
		b.IV = (float64(b.Bad)/float64(B) - float64(b.Good)/float64(G)) * b.WOE
		v.IV += b.IV
	}
}

// fineNumeric cuts the rows idx of x into at most f quantile classes whose
// upper bounds are data values; with f or fewer distinct values each value
// is a class.
func fineNumeric(x []float64, y []int, idx []int, f int) []cell {
	if len(idx) == 0 {
		return nil
	}
	s := slices.Clone(idx)
	sort.Slice(s, func(a, b int) bool { return x[s[a]] < x[s[b]] })
	var cuts []float64
	for k := 1; k < f; k++ {
		c := x[s[max(k*len(s)/f-1, 0)]]
		if len(cuts) == 0 || c > cuts[len(cuts)-1] {
			cuts = append(cuts, c)
		}
	}
	var cells []cell
	cur, ci := cell{}, 0
	for j, i := range s {
		if y[i] == 1 {
			cur.bad++
		} else {
			cur.good++
		}
		last := j == len(s)-1
		if last || x[s[j+1]] > x[i] { // a value boundary
			if last || ci < len(cuts) && x[i] >= cuts[ci] {
				cur.upper = x[i]
				cells = append(cells, cur)
				cur = cell{}
				for ci < len(cuts) && cuts[ci] <= x[i] {
					ci++
				}
			}
		}
	}
	return cells
}

// fineCategorical makes one class per category, ordered by bad rate
// (then name, for determinism).
func fineCategorical(raw []string, y []int, idx []int) []cell {
	m := map[string]*cell{}
	for _, i := range idx {
		c := m[raw[i]]
		if c == nil {
			c = &cell{cats: []string{raw[i]}}
			m[raw[i]] = c
		}
		if y[i] == 1 {
			c.bad++
		} else {
			c.good++
		}
	}
	cells := make([]cell, 0, len(m))
	for _, c := range m {
		cells = append(cells, *c)
	}
	sort.Slice(cells, func(a, b int) bool {
		ra, rb := cells[a].rate(), cells[b].rate()
		if ra != rb {
			return ra < rb
		}
		return cells[a].cats[0] < cells[b].cats[0]
	})
	return cells
}

// coarse merges ordered fine classes: pool adjacent violators for a
// monotonic trend, then the smallest class under minCount into its
// neighbour with the closer bad rate, then the adjacent pair with the
// smallest chi-square until at most maxBins remain. Merging neighbours
// keeps a monotonic sequence monotonic.
func coarse(fine []cell, t Trend, minCount, maxBins int) []cell {
	cells := slices.Clone(fine)
	if t == TrendAscending || t == TrendDescending {
		cells = pava(cells, t == TrendAscending)
	}
	for len(cells) > 1 {
		k := -1
		for i, c := range cells {
			if c.n() < minCount && (k < 0 || c.n() < cells[k].n()) {
				k = i
			}
		}
		if k < 0 {
			break
		}
		j := k - 1
		switch {
		case k == 0:
			j = 1
		case k == len(cells)-1:
		case math.Abs(cells[k+1].rate()-cells[k].rate()) < math.Abs(cells[k-1].rate()-cells[k].rate()):
			j = k + 1
		}
		cells = mergeAt(cells, min(j, k))
	}
	for len(cells) > max(maxBins, 1) {
		best, at := math.Inf(1), 0
		for i := 0; i+1 < len(cells); i++ {
			if c := chi2(cells[i], cells[i+1]); c < best {
				best, at = c, i
			}
		}
		cells = mergeAt(cells, at)
	}
	return cells
}

func mergeAt(cells []cell, i int) []cell {
	cells[i] = join(cells[i], cells[i+1])
	return slices.Delete(cells, i+1, i+2)
}

// pava pools adjacent violators so that bad rates are non-decreasing
// (ascending) or non-increasing.
func pava(cells []cell, ascending bool) []cell {
	out := make([]cell, 0, len(cells))
	for _, c := range cells {
		out = append(out, c)
		for len(out) > 1 {
			a, b := out[len(out)-2], out[len(out)-1]
			ra, rb := float64(a.bad)/float64(a.n()), float64(b.bad)/float64(b.n())
			if (ascending && ra <= rb) || (!ascending && ra >= rb) {
				break
			}
			out = mergeAt(out, len(out)-2)
		}
	}
	return out
}

// chi2 is the chi-square statistic of the 2x2 table of two classes.
func chi2(a, b cell) float64 {
	n := float64(a.n() + b.n())
	d := float64(a.n()) * float64(b.n()) * float64(a.bad+b.bad) * float64(a.good+b.good)
	if d == 0 {
		return 0
	}
	x := float64(a.bad)*float64(b.good) - float64(b.bad)*float64(a.good)
	return n * x * x / d
}

// cellsIV is the IV of classes alone (used to choose a trend).
func cellsIV(cells []cell) float64 {
	var B, G float64
	for _, c := range cells {
		B += float64(c.bad)
		G += float64(c.good)
	}
	iv := 0.0
	for _, c := range cells {
		if c.n() == 0 || B == 0 || G == 0 {
			continue
		}
		w := math.Log((float64(c.bad)+0.5)/B) - math.Log((float64(c.good)+0.5)/G)
		iv += (float64(c.bad)/B - float64(c.good)/G) * w
	}
	return iv
}

// String describes a bin for messages.
func (b Bin) String() string { return fmt.Sprintf("%s %s (n=%d)", b.Kind, b.Label, b.Count) }
