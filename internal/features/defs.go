package features

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// v1JSON is the embedded feature set: data, not code. A change of any
// definition's meaning is a new file with a new version string, so that a
// model trained on one set is never scored with another.
//
//go:embed defs/v1.json
var v1JSON []byte

// Kinds of features.
const (
	Numeric     = "numeric"
	Categorical = "categorical"
)

// ItemLoan is the pseudo-item naming the loans institutions shared back
// (facts.Loan rows, read with LoansOf) in Def.Items and Source.Item.
const ItemLoan = "loan"

// Category is a group of features shown together, named in both languages.
type Category struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// Params are an operator's parameters; which ones an operator takes is in
// the table ops.
type Params struct {
	// Months is the window of monthly measures, counted back from the last
	// complete month before the as-of instant (that month included).
	Months int `json:"months,omitempty"`
	// WindowMonths is the window of events and loans, counted back from the
	// as-of instant; 0 is the whole known history.
	WindowMonths int `json:"window_months,omitempty"`
	// AbsentZero makes a feature 0 instead of missing when the item has no
	// value in the window: for items reported only while positive (arrears).
	AbsentZero bool `json:"absent_zero,omitempty"`
	// Field is what "latest" and "registry" read: "num" or "text" of an
	// attribute, "industry" of the registry record.
	Field string `json:"field,omitempty"`
	// Cmp is what "count_months" counts: "positive" or "zero" months.
	Cmp string `json:"cmp,omitempty"`
}

// Def is one feature definition.
type Def struct {
	Name      string   `json:"name"` // snake_case, stable across versions of the same meaning
	Category  string   `json:"category"`
	Kind      string   `json:"kind"` // Numeric or Categorical
	Unit      string   `json:"unit"` // fen, persons, kWh, days, years, ratio, count, ...; "" for categorical
	NameZH    string   `json:"name_zh"`
	NameEN    string   `json:"name_en"`
	MeaningZH string   `json:"meaning_zh"`
	MeaningEN string   `json:"meaning_en"`
	Items     []string `json:"items"` // catalogue item codes read, or ItemLoan; none for "age_years" and "registry"
	Op        string   `json:"op"`
	Params    Params   `json:"params"`
}

// Set is a versioned list of definitions.
type Set struct {
	Version    string     `json:"version"`
	Categories []Category `json:"categories"`
	Defs       []Def      `json:"features"`
}

// DefaultSet returns the embedded definitions, validated against the
// default catalogue.
func DefaultSet() (*Set, error) {
	items, err := catalog.Defaults()
	if err != nil {
		return nil, err
	}
	return Load(v1JSON, items)
}

// Def returns the definition named name.
func (s *Set) Def(name string) (Def, bool) {
	for _, d := range s.Defs {
		if d.Name == name {
			return d, true
		}
	}
	return Def{}, false
}

// opSpec is what an operator accepts.
type opSpec struct {
	shapes   []facts.Shape // shapes of the items it reads; nil: no catalogue items
	loans    bool          // reads ItemLoan
	nItems   [2]int        // minimum and maximum number of items
	months   bool          // needs Params.Months >= 1
	window   bool          // takes Params.WindowMonths >= 0
	kind     string        // the kind it yields ("" either, decided by Field)
	absent   bool          // accepts AbsentZero
	fields   []string      // accepted Fields, if any
	cmps     []string      // accepted Cmps, if any
	registry bool          // reads the registry record, no items
}

var (
	measure   = []facts.Shape{facts.Measure}
	event     = []facts.Shape{facts.Event}
	attribute = []facts.Shape{facts.Attribute}
)

// ops is the closed set of operators the engine interprets.
var ops = map[string]opSpec{
	"latest":                {shapes: []facts.Shape{facts.Measure, facts.Attribute}, nItems: [2]int{1, 1}, absent: true, fields: []string{"num", "text"}},
	"sum_months":            {shapes: measure, nItems: [2]int{1, 1}, months: true, kind: Numeric, absent: true},
	"mean_months":           {shapes: measure, nItems: [2]int{1, 1}, months: true, kind: Numeric},
	"max_months":            {shapes: measure, nItems: [2]int{1, 1}, months: true, kind: Numeric, absent: true},
	"count_months":          {shapes: measure, nItems: [2]int{1, 1}, months: true, kind: Numeric, absent: true, cmps: []string{"positive", "zero"}},
	"trend_months":          {shapes: measure, nItems: [2]int{1, 1}, months: true, kind: Numeric},
	"yoy_ratio":             {shapes: measure, nItems: [2]int{1, 1}, months: true, kind: Numeric},
	"change_months":         {shapes: measure, nItems: [2]int{1, 1}, months: true, kind: Numeric},
	"ratio_months":          {shapes: measure, nItems: [2]int{2, 2}, months: true, kind: Numeric},
	"count_events":          {shapes: event, nItems: [2]int{1, 8}, window: true, kind: Numeric},
	"sum_events":            {shapes: event, nItems: [2]int{1, 8}, window: true, kind: Numeric},
	"days_since_last_event": {shapes: event, nItems: [2]int{1, 8}, kind: Numeric},
	"active_at":             {shapes: event, nItems: [2]int{1, 8}, kind: Numeric},
	"age_years":             {registry: true, kind: Numeric},
	"registry":              {registry: true, kind: Categorical, fields: []string{"industry"}},
	"loan_count":            {loans: true, nItems: [2]int{1, 1}, window: true, kind: Numeric},
	"loan_outstanding":      {loans: true, nItems: [2]int{1, 1}, kind: Numeric},
	"loan_defaults":         {loans: true, nItems: [2]int{1, 1}, window: true, kind: Numeric},
	"loan_max_days_overdue": {loans: true, nItems: [2]int{1, 1}, window: true, kind: Numeric},
	"loan_lenders":          {loans: true, nItems: [2]int{1, 1}, window: true, kind: Numeric},
}

// Operators lists the operator names, for documentation pages.
func Operators() []string {
	out := make([]string, 0, len(ops))
	for k := range ops {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var (
	nameRE    = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	versionRE = regexp.MustCompile(`^features/v[0-9]+$`)
)

// Load parses and validates a definition file against the catalogue items.
// Unknown fields, operators, items, categories, shapes that do not fit the
// operator, duplicate names and missing texts are errors that name the
// definition.
func Load(data []byte, items []catalog.Item) (*Set, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Set
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("features: definitions: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("features: definitions: data after the set")
	}
	if err := s.validate(items); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Set) validate(items []catalog.Item) error {
	if !versionRE.MatchString(s.Version) {
		return fmt.Errorf("features: version %q: want features/vN", s.Version)
	}
	shape := make(map[string]facts.Shape, len(items))
	for _, it := range items {
		shape[it.Code] = it.Shape
	}
	cats := map[string]bool{}
	for i, c := range s.Categories {
		if c.Code == "" || c.NameZH == "" || c.NameEN == "" {
			return fmt.Errorf("features: categories[%d]: code, name_zh and name_en are required", i)
		}
		if cats[c.Code] {
			return fmt.Errorf("features: category %q listed twice", c.Code)
		}
		cats[c.Code] = true
	}
	if len(s.Defs) == 0 {
		return fmt.Errorf("features: %s defines no features", s.Version)
	}
	seen := map[string]bool{}
	for i, d := range s.Defs {
		if err := d.validate(shape, cats); err != nil {
			return fmt.Errorf("features: features[%d] %q: %w", i, d.Name, err)
		}
		if seen[d.Name] {
			return fmt.Errorf("features: features[%d]: name %q defined twice", i, d.Name)
		}
		seen[d.Name] = true
	}
	return nil
}

func (d Def) validate(shape map[string]facts.Shape, cats map[string]bool) error {
	if !nameRE.MatchString(d.Name) {
		return fmt.Errorf("name must be snake_case")
	}
	if !cats[d.Category] {
		return fmt.Errorf("unknown category %q", d.Category)
	}
	if d.NameZH == "" || d.NameEN == "" || d.MeaningZH == "" || d.MeaningEN == "" {
		return fmt.Errorf("name_zh, name_en, meaning_zh and meaning_en are required")
	}
	spec, ok := ops[d.Op]
	if !ok {
		return fmt.Errorf("unknown operator %q (known: %s)", d.Op, strings.Join(Operators(), ", "))
	}
	n := len(d.Items)
	switch {
	case spec.registry && n != 0:
		return fmt.Errorf("operator %s reads the registry record, not items", d.Op)
	case !spec.registry && (n < spec.nItems[0] || n > spec.nItems[1]):
		return fmt.Errorf("operator %s takes %d to %d items, got %d", d.Op, spec.nItems[0], spec.nItems[1], n)
	}
	var itemShape facts.Shape
	for _, it := range d.Items {
		if spec.loans {
			if it != ItemLoan {
				return fmt.Errorf("operator %s reads item %q only, not %q", d.Op, ItemLoan, it)
			}
			continue
		}
		sh, ok := shape[it]
		if !ok {
			return fmt.Errorf("unknown catalogue item %q", it)
		}
		if !containsShape(spec.shapes, sh) {
			return fmt.Errorf("operator %s cannot read %s item %q", d.Op, sh, it)
		}
		if itemShape != "" && sh != itemShape {
			return fmt.Errorf("items of different shapes")
		}
		itemShape = sh
	}
	p := d.Params
	needMonths := spec.months || d.Op == "latest" && itemShape == facts.Measure
	switch {
	case needMonths && p.Months < 1:
		return fmt.Errorf("operator %s on %s items needs params.months >= 1", d.Op, itemShape)
	case !needMonths && p.Months != 0:
		return fmt.Errorf("operator %s takes no params.months here", d.Op)
	case d.Op == "latest" && itemShape == facts.Measure && p.Field != "num":
		return fmt.Errorf("latest of a measure reads field num")
	}
	if !spec.window && p.WindowMonths != 0 || p.WindowMonths < 0 {
		return fmt.Errorf("operator %s: bad params.window_months %d", d.Op, p.WindowMonths)
	}
	if p.AbsentZero && !spec.absent {
		return fmt.Errorf("operator %s takes no params.absent_zero", d.Op)
	}
	if err := oneOf("field", p.Field, spec.fields); err != nil {
		return fmt.Errorf("operator %s: %w", d.Op, err)
	}
	if err := oneOf("cmp", p.Cmp, spec.cmps); err != nil {
		return fmt.Errorf("operator %s: %w", d.Op, err)
	}
	kind := spec.kind
	if kind == "" {
		kind = Numeric
		if p.Field == "text" {
			kind = Categorical
		}
	}
	if d.Kind != kind {
		return fmt.Errorf("kind %q, but operator %s yields %s", d.Kind, d.Op, kind)
	}
	if kind == Categorical && p.AbsentZero {
		return fmt.Errorf("a categorical feature cannot be absent_zero")
	}
	if kind == Numeric && d.Unit == "" {
		return fmt.Errorf("a numeric feature needs a unit")
	}
	return nil
}

// oneOf checks an optional enumerated parameter: required and in allowed
// when allowed is set, empty otherwise.
func oneOf(name, v string, allowed []string) error {
	if len(allowed) == 0 {
		if v != "" {
			return fmt.Errorf("takes no params.%s", name)
		}
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("params.%s %q: want one of %s", name, v, strings.Join(allowed, ", "))
}

func containsShape(ss []facts.Shape, s facts.Shape) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
