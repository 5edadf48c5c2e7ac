package verify

import (
	"slices"
	"time"

	"cel.dev/cel-go/cel"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// Kind is a variable's type in the language.
type Kind string

// Kinds.
const (
	Number Kind = "number" // compared with numbers (integers and decimals alike)
	Bool   Kind = "bool"   // true or false
	Text   Kind = "text"   // compared with quoted strings
)

func (k Kind) celType() *cel.Type {
	switch k {
	case Bool:
		return cel.BoolType
	case Text:
		return cel.StringType
	}
	return cel.DoubleType
}

// Freshness rules (documented with each variable).
const (
	// WindowMonths is the length of a "_12m" window.
	WindowMonths = 12
	// MinMonthsReported is how many months of a 12-month window must have
	// been reported for a sum to be known: a month missing makes the sum
	// unknown rather than silently low.
	MinMonthsReported = 12
	// MaxStaleMonths: monthly data whose latest month is more than this
	// many months before the as-of month is stale (unknown).
	MaxStaleMonths = 3
	// MaxGradeAgeMonths: a credit grade older than this is stale.
	MaxGradeAgeMonths = 24
)

const legalRepItem = "registration.legal_representative"

// Variable is one name a question may use. Its value is computed from the
// catalogue items it lists, as of the question's date; ok false means
// unknown (no data, too little data, or stale data).
type Variable struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Unit of the value: yuan (元, not fen), persons, years; "" for
	// yes/no and text variables.
	Unit  string   `json:"unit,omitempty"`
	Items []string `json:"items"`
	EN    string   `json:"description_en"`
	ZH    string   `json:"description_zh"`
	// windowed variables read monthly measures of the last months only.
	windowed bool
	compute  func(c *calc) (any, bool)
}

// Family is the catalogue item the anti-extraction limits count this
// variable's thresholds against (its first item).
func (v *Variable) Family() string { return v.Items[0] }

// Variables are the language's variables.
var Variables = []*Variable{
	{Name: "tax_paid_12m", Kind: Number, Unit: "yuan", Items: []string{"tax.paid_total"}, windowed: true,
		EN:      "All taxes paid over the 12 months ending with the latest reported month, in yuan (元). Unknown unless all 12 months are reported and the latest is at most 3 months before the as-of month.",
		ZH:      "截至最近申报月份的 12 个月内缴纳的各项税款合计，单位元。12 个月须全部有申报且最近月份距核验月份不超过 3 个月，否则为未知。",
		compute: func(c *calc) (any, bool) { return c.sum12("tax.paid_total") }},
	{Name: "vat_sales_12m", Kind: Number, Unit: "yuan", Items: []string{"tax.vat_sales"}, windowed: true,
		EN:      "VAT taxable sales declared over the 12 months ending with the latest reported month, in yuan (元); same completeness and freshness rule as tax_paid_12m.",
		ZH:      "截至最近申报月份的 12 个月增值税应税销售额合计，单位元；完整性与时效要求同 tax_paid_12m。",
		compute: func(c *calc) (any, bool) { return c.sum12("tax.vat_sales") }},
	{Name: "insured_headcount", Kind: Number, Unit: "persons", Items: []string{"si.insured_headcount"}, windowed: true,
		EN:      "Employees insured in the latest reported month (persons). Unknown if none is reported within 3 months of the as-of month.",
		ZH:      "最近申报月份的参保职工人数（人）。核验月份前 3 个月内无申报则为未知。",
		compute: func(c *calc) (any, bool) { return c.latestMeasure("si.insured_headcount") }},
	{Name: "has_enforcement_case", Kind: Bool, Items: []string{"judicial.enforcement"},
		EN:      "The enterprise is the subject of an enforcement case (被执行) open on the as-of date.",
		ZH:      "核验日该企业存在未结的被执行案件。",
		compute: func(c *calc) (any, bool) { return c.openEvent("judicial.enforcement"), true }},
	{Name: "tax_credit_grade", Kind: Text, Items: []string{"tax.credit_grade"},
		EN:      "The tax credit grade in force on the as-of date: \"A\", \"B\", \"M\", \"C\" or \"D\". Unknown if none took effect within 24 months.",
		ZH:      "核验日有效的纳税信用等级：\"A\"、\"B\"、\"M\"、\"C\" 或 \"D\"。24 个月内无评定则为未知。",
		compute: func(c *calc) (any, bool) { return c.grade("tax.credit_grade") }},
	{Name: "years_since_founding", Kind: Number, Unit: "years", Items: []string{"registration.basic"},
		EN:      "Whole years from the founding date (registry) to the as-of date.",
		ZH:      "自成立日期（登记信息）至核验日的整年数。",
		compute: func(c *calc) (any, bool) { return c.yearsSinceFounding() }},
	{Name: "arrears_any_12m", Kind: Bool, Items: []string{"tax.arrears", "si.arrears", "hf.arrears", "util.arrears"}, windowed: true,
		EN: "Any tax, social insurance, housing fund or electricity arrears reported for a month in the 12 months up to the as-of date (arrears are reported only while positive, so no report means none).",
		ZH: "核验日前 12 个月内任一月份存在欠税、社保欠费、公积金欠缴或电费欠费（仅在有欠款时报送，无报送即无欠款）。",
		compute: func(c *calc) (any, bool) {
			return c.anyPositive("tax.arrears", "si.arrears", "hf.arrears", "util.arrears"), true
		}},
}

// LegalRepDoc describes the language's function for the documentation.
var LegalRepDoc = Variable{Name: LegalRepFunc + "(\"<sha256 hex>\")", Kind: Bool, Items: []string{legalRepItem},
	EN: "True when the SHA-256 (hex) of the legal representative's resident identity number (18 characters, X upper-case) equals the argument. Unknown if the registry holds no identity number.",
	ZH: "法定代表人居民身份证号码（18 位，X 大写）的 SHA-256 十六进制摘要与参数相同时为真。登记信息中无身份证号码则为未知。"}

func variable(name string) *Variable {
	for _, v := range Variables {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Source says which data an answer rests on: an item, its department,
// the batches and the periods of the values used and their highest
// version. No values.
type Source struct {
	Item       string   `json:"item"`
	Department string   `json:"department"`
	Batches    []string `json:"batches,omitempty"`
	From       string   `json:"from,omitempty"` // first period used
	To         string   `json:"to,omitempty"`   // last period used
	Version    int      `json:"version,omitempty"`
	Registry   bool     `json:"registry,omitempty"` // from the registry record, not facts
}

// calc computes variables for one enterprise as of a date.
type calc struct {
	asOf    time.Time // the as-of day, 00:00 UTC
	byItem  map[string][]sharing.Value
	rec     enterprise.Record
	depts   map[string]string // item → department
	sources map[string]*Source
}

func (c *calc) source(item string) *Source {
	s := c.sources[item]
	if s == nil {
		s = &Source{Item: item, Department: c.depts[item]}
		c.sources[item] = s
	}
	return s
}

func (c *calc) use(v sharing.Value) {
	s := c.source(v.Item)
	if v.Batch != "" && !slices.Contains(s.Batches, v.Batch) {
		s.Batches = append(s.Batches, v.Batch)
	}
	if s.From == "" || v.Period < s.From {
		s.From = v.Period
	}
	if v.Period > s.To {
		s.To = v.Period
	}
	s.Version = max(s.Version, v.Version)
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// window returns the item's monthly values in the WindowMonths months
// ending with its latest month on or before the as-of date, or ok false
// when that month is stale.
func (c *calc) window(item string) ([]sharing.Value, bool) {
	c.source(item)
	var latest time.Time
	for _, v := range c.byItem[item] {
		if p := day(v.Period); !p.After(c.asOf) && p.After(latest) {
			latest = p
		}
	}
	if latest.IsZero() || latest.Before(monthStart(c.asOf).AddDate(0, -MaxStaleMonths, 0)) {
		return nil, false
	}
	first := latest.AddDate(0, -(WindowMonths - 1), 0)
	out := make([]sharing.Value, 0, min(len(c.byItem[item]), WindowMonths))
	for _, v := range c.byItem[item] {
		if p := day(v.Period); !p.Before(first) && !p.After(latest) {
			out = append(out, v)
		}
	}
	return out, true
}

func (c *calc) sum12(item string) (any, bool) {
	vs, ok := c.window(item)
	if !ok {
		return nil, false
	}
	months := map[string]bool{}
	var fen int64
	for _, v := range vs {
		months[v.Period] = true
		fen += v.Num
	}
	if len(months) < MinMonthsReported {
		return nil, false
	}
	for _, v := range vs {
		c.use(v)
	}
	return float64(fen) / 100, true // yuan
}

func (c *calc) latestMeasure(item string) (any, bool) {
	vs, ok := c.window(item)
	if !ok {
		return nil, false
	}
	last := vs[0]
	for _, v := range vs {
		if v.Period > last.Period {
			last = v
		}
	}
	c.use(last)
	return float64(last.Num), true
}

// openEvent reports whether an event of item happened on or before the
// as-of date and had not ended by it. Event lists are complete (the
// department reports every event), so no event means false.
func (c *calc) openEvent(item string) bool {
	c.source(item)
	open := false
	for _, v := range c.byItem[item] {
		if day(v.Period).After(c.asOf) {
			continue
		}
		c.use(v)
		if v.EndsOn == "" || day(v.EndsOn).After(c.asOf) {
			open = true
		}
	}
	return open
}

func (c *calc) grade(item string) (any, bool) {
	c.source(item)
	var cur *sharing.Value
	for i, v := range c.byItem[item] {
		if day(v.Period).After(c.asOf) || v.Text == "" {
			continue
		}
		if cur == nil || v.Period > cur.Period {
			cur = &c.byItem[item][i]
		}
	}
	if cur == nil || day(cur.Period).Before(c.asOf.AddDate(0, -MaxGradeAgeMonths, 0)) {
		return nil, false
	}
	c.use(*cur)
	return cur.Text, true
}

func (c *calc) yearsSinceFounding() (any, bool) {
	s := c.source("registration.basic")
	s.Registry = true
	f := c.rec.FoundedOn
	if f.IsZero() || f.After(c.asOf) {
		return nil, false
	}
	y := c.asOf.Year() - f.Year()
	if c.asOf.Month() < f.Month() || c.asOf.Month() == f.Month() && c.asOf.Day() < f.Day() {
		y--
	}
	return float64(y), true
}

// anyPositive reports a positive monthly value of any item in the 12
// months up to the as-of date.
func (c *calc) anyPositive(items ...string) bool {
	first := monthStart(c.asOf).AddDate(0, -(WindowMonths - 1), 0)
	found := false
	for _, it := range items {
		c.source(it)
		for _, v := range c.byItem[it] {
			if p := day(v.Period); p.Before(first) || p.After(c.asOf) {
				continue
			}
			if v.Num > 0 {
				c.use(v)
				found = true
			}
		}
	}
	return found
}
