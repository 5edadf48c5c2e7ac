package scorecard

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Kind is a variable's type.
type Kind string

// Variable kinds.
const (
	Numeric     Kind = "numeric"
	Categorical Kind = "categorical"
)

// Spec says how to read a table for training: which column is the target,
// which of its values is the event, and what to leave out.
type Spec struct {
	Target string // target column
	Bad    string // the target value that marks the event (y = 1); every other value is y = 0
	// Exclude names columns that are not candidates (identifiers, dates).
	Exclude []string
	// Categorical forces columns to be categorical even when every value
	// parses as a number (integer-coded categories such as the Australian
	// set's A4, A5, A6).
	Categorical []string
	// Missing are the raw values read as missing (DefaultMissing if nil).
	Missing []string
}

// Dataset is a table typed for training: candidate variables and the 0/1
// target.
type Dataset struct {
	Vars []Column
	Y    []int
	Spec Spec
	// SHA256 is the fingerprint of the source bytes (Table.SHA256).
	SHA256 string
}

// Column is one candidate variable's raw values and its kind. Num holds
// the parsed values of a numeric column (NaN where the raw value is
// missing).
type Column struct {
	Name string
	Kind Kind
	Raw  []string
	Num  []float64
}

// NewDataset types the table t under s. A column is numeric when every
// non-missing value parses as a finite number and it is not listed in
// s.Categorical; otherwise it is categorical. Columns that are entirely
// missing are left out. The target may not be missing and both classes
// must occur.
func NewDataset(t *Table, s Spec) (*Dataset, error) {
	if s.Missing == nil {
		s.Missing = DefaultMissing
	}
	ti := t.Col(s.Target)
	if s.Target == "" || ti < 0 {
		return nil, fmt.Errorf("target column %q is not in the header %v", s.Target, t.Header)
	}
	for _, c := range append(slices.Clone(s.Exclude), s.Categorical...) {
		if t.Col(c) < 0 {
			return nil, fmt.Errorf("column %q (in --exclude or --categorical) is not in the header", c)
		}
	}
	d := &Dataset{Spec: s, SHA256: t.SHA256, Y: make([]int, len(t.Rows))}
	bad := 0
	for i, r := range t.Rows {
		v := r[ti]
		if isMissing(v, s.Missing) {
			return nil, fmt.Errorf("row %d: the target %q is missing", i+2, s.Target)
		}
		if v == s.Bad {
			d.Y[i] = 1
			bad++
		}
	}
	if bad == 0 || bad == len(t.Rows) {
		return nil, fmt.Errorf("target %q: %d of %d rows have the bad value %q; both classes are needed", s.Target, bad, len(t.Rows), s.Bad)
	}
	for ci, name := range t.Header {
		if ci == ti || slices.Contains(s.Exclude, name) {
			continue
		}
		c := Column{Name: name, Raw: make([]string, len(t.Rows))}
		numeric, present := true, 0
		for i, r := range t.Rows {
			c.Raw[i] = r[ci]
			if isMissing(r[ci], s.Missing) {
				continue
			}
			present++
			if numeric {
				if f, err := strconv.ParseFloat(r[ci], 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
					numeric = false
				}
			}
		}
		if present == 0 {
			continue
		}
		c.Kind = Categorical
		if numeric && !slices.Contains(s.Categorical, name) {
			c.Kind = Numeric
			c.Num = make([]float64, len(c.Raw))
			for i, v := range c.Raw {
				c.Num[i] = math.NaN()
				if !isMissing(v, s.Missing) {
					c.Num[i], _ = strconv.ParseFloat(v, 64)
				}
			}
		}
		d.Vars = append(d.Vars, c)
	}
	if len(d.Vars) == 0 {
		return nil, errors.New("no candidate variables left after the target and --exclude")
	}
	return d, nil
}

// Rows is the number of observations.
func (d *Dataset) Rows() int { return len(d.Y) }

// Subset returns the dataset restricted to rows idx (copied).
func (d *Dataset) Subset(idx []int) *Dataset {
	s := &Dataset{Spec: d.Spec, SHA256: d.SHA256, Y: make([]int, len(idx)), Vars: make([]Column, len(d.Vars))}
	for i, j := range idx {
		s.Y[i] = d.Y[j]
	}
	for k, c := range d.Vars {
		n := Column{Name: c.Name, Kind: c.Kind, Raw: make([]string, len(idx))}
		if c.Num != nil {
			n.Num = make([]float64, len(idx))
		}
		for i, j := range idx {
			n.Raw[i] = c.Raw[j]
			if c.Num != nil {
				n.Num[i] = c.Num[j]
			}
		}
		s.Vars[k] = n
	}
	return s
}

// AustralianCategorical are the integer-coded categorical columns of the
// UCI Statlog Australian credit file (australian.dat, columns A1..A15).
var AustralianCategorical = []string{"A1", "A4", "A5", "A6", "A8", "A9", "A11", "A12"}
