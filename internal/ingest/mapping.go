package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// MaxAbsNum bounds any stored number: 10^15 fen is ten trillion 元, more
// than any enterprise's figure; a larger value is a unit or typing error.
const MaxAbsNum = 1_000_000_000_000_000

// mapper turns one row's cells (in Dataset.Columns order) into facts
// without enterprise id or provenance, or the row's first problem.
type mapper struct {
	ds      *Dataset
	byField map[string]int // first column of each field (not measure item columns)
	key     int            // the key column
	// itemIndex is the column of each measure item.
	itemIndex map[string]int
}

func (m *mapper) itemColumn(item string) Column { return m.ds.Columns[m.itemIndex[item]] }

func newMapper(ds *Dataset) *mapper {
	m := &mapper{ds: ds, byField: map[string]int{}, key: -1, itemIndex: map[string]int{}}
	for i, c := range ds.Columns {
		if c.Item != "" {
			m.itemIndex[c.Item] = i
		}
		if c.Item == "" {
			if _, ok := m.byField[c.Field]; !ok {
				m.byField[c.Field] = i
			}
		}
		if c.Name == ds.KeyColumn {
			m.key = i
		}
	}
	return m
}

// parsed is one row's values after validation.
type parsed struct {
	code  string
	facts []facts.Fact
	// One of these for the registry row kinds.
	profile *profileRow
	holder  *holderRow
	loan    *facts.Loan
}

func (m *mapper) problem(code string, c Column, v string) *Problem {
	return &Problem{Code: code, Column: c.Name, Value: v, Format: c.Format}
}

// date parses a date or month cell; a month is its first day.
func parseDate(c Column, v string) (time.Time, error) {
	return time.ParseInLocation(layouts[c.Format], v, time.UTC)
}

// unscale reads a plain decimal with at most as many decimals as scale
// allows, as an exact integer of value × scale.
func unscale(s string, scale int64) (int64, error) {
	if scale <= 1 {
		scale = 1
	}
	digits := len(strconv.FormatInt(scale, 10)) - 1
	if strings.Count(strconv.FormatInt(scale, 10), "0") != digits {
		// Not a power of ten: no decimals.
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		return mulCheck(n, scale)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if hasDot && frac == "" || len(frac) > digits {
		return 0, fmt.Errorf("%q has more than %d decimals", s, digits)
	}
	neg := strings.HasPrefix(whole, "-")
	if neg {
		whole = whole[1:]
	}
	if whole == "" || strings.ContainsAny(whole, "+-") || strings.ContainsAny(frac, "+-") {
		return 0, fmt.Errorf("%q is not a decimal", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, err
	}
	frac += strings.Repeat("0", digits-len(frac))
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, err
		}
	}
	v, err := mulCheck(w, scale)
	if err != nil {
		return 0, err
	}
	v += f
	if neg {
		v = -v
	}
	return v, nil
}

func mulCheck(n, scale int64) (int64, error) {
	if n != 0 && (n > MaxAbsNum/scale || n < -MaxAbsNum/scale) {
		return 0, fmt.Errorf("too large")
	}
	return n * scale, nil
}

// num reads a numeric cell in the stored unit, checking the range.
func (m *mapper) num(c Column, v string) (int64, *Problem) {
	n, err := unscale(v, c.Scale)
	if err != nil {
		return 0, m.problem("ingest.bad_number", c, v)
	}
	if n > MaxAbsNum || n < -MaxAbsNum {
		p := m.problem("ingest.out_of_range", c, v)
		p.Detail = "|value| ≤ 10^15"
		return 0, p
	}
	if n < 0 && c.Type == "money" && c.Item != "" {
		p := m.problem("ingest.out_of_range", c, v)
		p.Detail = "≥ 0"
		return 0, p
	}
	return n, nil
}

func (m *mapper) enum(c Column, v string) (string, *Problem) {
	if w, ok := c.Values[v]; ok {
		return w, nil
	}
	if c.Closed {
		return "", m.problem("ingest.bad_enum", c, v)
	}
	return v, nil
}

// mapRow validates cells and builds the row's facts.
func (m *mapper) mapRow(cells []string) (parsed, *Problem) {
	ds := m.ds
	var out parsed
	// Column-level checks first, in column order, so the first problem
	// is the leftmost.
	for i, c := range ds.Columns {
		v := cells[i]
		if v == "" {
			if c.Required {
				return out, m.problem("ingest.missing", c, v)
			}
			continue
		}
		switch c.Type {
		case "code":
			if !creditcode.Valid(v) {
				return out, m.problem("ingest.bad_code", c, v)
			}
		case "date", "month":
			if _, err := parseDate(c, v); err != nil {
				return out, m.problem("ingest.bad_date", c, v)
			}
		case "money", "integer", "decimal":
			if _, p := m.num(c, v); p != nil {
				return out, p
			}
		case "enum":
			if _, p := m.enum(c, v); p != nil {
				return out, p
			}
		}
	}
	out.code = cells[m.key]
	if out.code == "" {
		return out, m.problem("ingest.missing", ds.Columns[m.key], "")
	}
	get := func(field string) (Column, string) {
		i, ok := m.byField[field]
		if !ok {
			return Column{}, ""
		}
		return ds.Columns[i], cells[i]
	}
	date := func(field string) time.Time {
		c, v := get(field)
		if v == "" {
			return time.Time{}
		}
		t, _ := parseDate(c, v) // checked above
		return t
	}
	version := max(ds.Version, 1)
	switch ds.RowKind {
	case KindMeasure:
		period := date("fact.period")
		if period.IsZero() {
			c, _ := get("fact.period")
			return out, m.problem("ingest.missing", c, "")
		}
		for i, c := range ds.Columns {
			if c.Item == "" || cells[i] == "" {
				continue
			}
			n, _ := m.num(c, cells[i])
			out.facts = append(out.facts, facts.Fact{Item: c.Item, Shape: facts.Shape(ds.Shape), Period: period, Num: n,
				Source: ds.Department, Version: version})
		}
		return out, nil
	case KindFact:
		f, p := m.factRow(cells, get, date)
		if p != nil {
			return out, p
		}
		f.Source, f.Version = ds.Department, version
		out.facts = append(out.facts, f)
		return out, nil
	case KindProfile:
		var p *Problem
		out.profile, p = m.profile(cells, out.code, get, date)
		return out, p
	case KindShareholder:
		var p *Problem
		out.holder, p = m.holder(get)
		return out, p
	case KindLoan:
		var p *Problem
		out.loan, p = m.loan(get, date)
		return out, p
	}
	return out, &Problem{Code: "ingest.unsupported", Detail: ds.RowKind}
}

// factRow builds the one fact of a fact row: the mirror of the way
// deptfiles writes one (see its doc.go).
func (m *mapper) factRow(cells []string, get func(string) (Column, string), date func(string) time.Time) (facts.Fact, *Problem) {
	ds := m.ds
	var f facts.Fact
	f.Item = ds.Item
	if f.Item == "" {
		c, v := get("fact.item")
		w, p := m.enum(c, v)
		if p != nil {
			return f, p
		}
		f.Item = w
	}
	if f.Item == "" {
		c, _ := get("fact.item")
		return f, m.problem("ingest.missing", c, "")
	}
	f.Shape = facts.Shape(ds.Shape)
	if f.Shape == "" {
		_, v := get("fact.shape")
		f.Shape = facts.Shape(v)
	}
	switch f.Shape {
	case facts.Attribute, facts.Measure, facts.Event:
	default:
		c, v := get("fact.shape")
		return f, m.problem("ingest.bad_enum", c, v)
	}
	f.Period, f.EndsOn = date("fact.period"), date("fact.ends_on")
	if f.Period.IsZero() {
		c, _ := get("fact.period")
		return f, m.problem("ingest.missing", c, "")
	}
	if c, v := get("fact.num"); v != "" {
		f.Num, _ = m.num(c, v)
	}
	_, f.Ref = get("fact.ref")
	if c, v := get("fact.text"); v != "" {
		f.Text = v
		if c.Type == "enum" {
			f.Text, _ = m.enum(c, v)
		}
	}
	detail := map[string]any{}
	for k, v := range ds.DetailDefaults {
		detail[k] = v
	}
	for i, c := range ds.Columns {
		key, ok := strings.CutPrefix(c.Field, "fact.detail.")
		v := cells[i]
		if !ok || v == "" {
			continue
		}
		switch c.Type {
		case "integer", "money", "decimal":
			n, _ := m.num(c, v)
			detail[key] = json.Number(strconv.FormatInt(n, 10))
		case "enum":
			detail[key], _ = m.enum(c, v)
		default:
			detail[key] = v
		}
	}
	for i, c := range ds.Columns {
		if cells[i] == "" {
			continue
		}
		for k, v := range c.DetailConst {
			detail[k] = v
		}
		if c.DetailKey == "" {
			continue
		}
		switch c.Field {
		case "fact.num":
			detail[c.DetailKey] = json.Number(strconv.FormatInt(f.Num, 10))
		case "fact.text":
			detail[c.DetailKey] = f.Text
		case "fact.ref":
			detail[c.DetailKey] = f.Ref
		}
	}
	if c, x := get("fact.extra"); x != "" {
		dec := json.NewDecoder(strings.NewReader(x))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		var extra struct {
			Num    *json.Number   `json:"num"`
			Text   *string        `json:"text"`
			Ref    *string        `json:"ref"`
			EndsOn *string        `json:"ends_on"`
			Detail map[string]any `json:"detail"`
			Absent []string       `json:"detail_absent"`
		}
		bad := func(err error) *Problem {
			p := m.problem("ingest.bad_json", c, x)
			p.Detail = err.Error()
			return p
		}
		if err := dec.Decode(&extra); err != nil {
			return f, bad(err)
		}
		if extra.Num != nil {
			n, err := extra.Num.Int64()
			if err != nil {
				return f, bad(err)
			}
			f.Num = n
		}
		if extra.Text != nil {
			f.Text = *extra.Text
		}
		if extra.Ref != nil {
			f.Ref = *extra.Ref
		}
		if extra.EndsOn != nil {
			t, err := time.Parse(time.DateOnly, *extra.EndsOn)
			if err != nil {
				return f, bad(err)
			}
			f.EndsOn = t
		}
		for k, v := range extra.Detail {
			detail[k] = v
		}
		for _, k := range extra.Absent {
			delete(detail, k)
		}
	}
	if len(detail) > 0 {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(detail); err != nil {
			return f, &Problem{Code: "ingest.bad_json", Detail: err.Error()}
		}
		f.Detail = strings.TrimSuffix(b.String(), "\n")
	}
	return f, nil
}
