package deptfiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// cellValue writes one typed value in a column's type, unit and format.
func cellValue(c Column, v any) string {
	switch v := v.(type) {
	case int64:
		switch c.Type {
		case "money", "decimal":
			return scaled(v, c.Scale)
		}
		return strconv.FormatInt(v, 10)
	case int:
		return cellValue(c, int64(v))
	case time.Time:
		return formatDate(v, c.Format)
	case string:
		if c.Type == "enum" {
			return flatten(enumValue(c.Values, v))
		}
		return flatten(v)
	}
	panic(fmt.Sprintf("deptfiles: no cell for %T", v))
}

// fillCells writes every column from a field → value function; a field it
// does not know is a bug in the catalogue.
func fillCells(cols []Column, value func(field string) (any, bool)) []string {
	cells := make([]string, len(cols))
	for i, c := range cols {
		v, ok := value(c.Field)
		if !ok {
			panic("deptfiles: no value for field " + c.Field)
		}
		cells[i] = cellValue(c, v)
	}
	return cells
}

func profileCells(p *synth.Profile) []string {
	return fillCells(profileSpec.columns, func(field string) (any, bool) {
		switch field {
		case "profile.code":
			return p.Code, true
		case "profile.name_zh":
			return p.NameZH, true
		case "profile.name_en":
			return p.NameEN, true
		case "profile.legal_rep_name":
			return p.LegalRepName, true
		case "profile.legal_rep_id":
			return p.LegalRepID, true
		case "profile.legal_rep_phone":
			return p.LegalRepPhone, true
		case "profile.founded_on":
			return p.FoundedOn, true
		case "profile.registered_capital":
			return p.RegisteredCapitalFen, true
		case "profile.status":
			return p.Status, true
		case "profile.division":
			return p.Division, true
		case "profile.industry":
			return p.Industry, true
		case "profile.industry_division":
			return p.IndustryDivision, true
		case "profile.address":
			return p.Address, true
		}
		return nil, false
	})
}

func shareholderCells(p *synth.Profile, h *synth.Shareholder) []string {
	kind := "legal"
	if h.Natural {
		kind = "natural"
	}
	return fillCells(shareholderSpec.columns, func(field string) (any, bool) {
		switch field {
		case "enterprise.code":
			return p.Code, true
		case "enterprise.name":
			return p.NameZH, true
		case "shareholder.name":
			return h.Name, true
		case "shareholder.natural", "shareholder.id_type":
			return kind, true
		case "shareholder.id_number":
			return h.IDNumber, true
		case "shareholder.capital":
			return h.CapitalFen, true
		case "shareholder.share":
			return int64(h.ShareBP), true
		}
		return nil, false
	})
}

func loanCells(p *synth.Profile, l *facts.Loan) []string {
	return fillCells(loanSpec.columns, func(field string) (any, bool) {
		switch field {
		case "enterprise.code":
			return p.Code, true
		case "enterprise.name":
			return p.NameZH, true
		case "loan.contract_no":
			return l.ContractNo, true
		case "loan.lender":
			return l.Lender, true
		case "loan.amount":
			return l.AmountFen, true
		case "loan.rate":
			return int64(l.RateBP), true
		case "loan.term_months":
			return l.TermMonths, true
		case "loan.guarantee":
			return l.Guarantee, true
		case "loan.start_on":
			return l.StartOn, true
		case "loan.maturity_on":
			return l.MaturityOn, true
		case "loan.status":
			return string(l.Status), true
		case "loan.max_days_overdue":
			return l.MaxDaysOverdue, true
		case "loan.repaid_on":
			return l.RepaidOn, true
		case "loan.defaulted_on":
			return l.DefaultedOn, true
		}
		return nil, false
	})
}

// factCells writes one event or attribute. Whatever of the fact has no
// column of its own goes, exactly, into the fact.extra column as JSON.
func factCells(s *spec, p *synth.Profile, f *facts.Fact) ([]string, error) {
	var detail map[string]json.RawMessage
	if f.Detail != "" {
		if err := json.Unmarshal([]byte(f.Detail), &detail); err != nil {
			return nil, fmt.Errorf("deptfiles: %s %s: Detail: %w", p.Code, f.Item, err)
		}
	}
	// done records the parts of the fact a column holds exactly.
	done := map[string]bool{}
	var absent []string
	extraCol := -1
	cells := make([]string, len(s.columns))
	for i, c := range s.columns {
		// implied is the Detail value a DetailKey column stands for.
		var implied string
		switch c.Field {
		case "enterprise.code":
			cells[i] = cellValue(c, p.Code)
		case "enterprise.name":
			cells[i] = cellValue(c, p.NameZH)
		case "fact.item":
			cells[i] = cellValue(c, f.Item)
		case "fact.shape":
			cells[i] = cellValue(c, string(f.Shape))
		case "fact.period":
			cells[i] = cellValue(c, f.Period)
		case "fact.ends_on":
			cells[i], done["ends_on"] = cellValue(c, f.EndsOn), true
		case "fact.num":
			if f.Num != 0 || !c.BlankZero {
				cells[i] = cellValue(c, f.Num)
			}
			done["num"], implied = true, strconv.FormatInt(f.Num, 10)
		case "fact.text", "fact.ref":
			// A value with a line break would not stay one line: it goes
			// to extra, where JSON escapes it.
			v := f.Text
			if c.Field == "fact.ref" {
				v = f.Ref
			}
			w, ok := enumWritable(c, v)
			if ok && v == flatten(v) {
				cells[i], done[c.Field[len("fact."):]] = w, true
				b, _ := json.Marshal(v)
				implied = string(b)
			}
		case "fact.extra":
			extraCol = i
		default:
			key, ok := strings.CutPrefix(c.Field, "fact.detail.")
			if !ok {
				panic("deptfiles: no value for field " + c.Field)
			}
			if v, ok := detailCell(c, detail[key]); ok {
				cells[i] = v
				delete(detail, key)
			}
		}
		if c.DetailKey != "" && cells[i] != "" {
			raw, ok := detail[c.DetailKey]
			switch {
			case !ok:
				absent = append(absent, c.DetailKey)
			case compactJSON(raw) == implied:
				delete(detail, c.DetailKey)
			}
			// A different value stays in detail and wins on reading.
		}
	}
	// Members the file declares once (DetailDefaults) or a filled cell
	// implies (DetailConst) are left out when Detail has them as declared.
	implied := func(members map[string]any) {
		for _, k := range sortedKeys(members) {
			raw, ok := detail[k]
			if !ok {
				absent = append(absent, k)
				continue
			}
			want, _ := json.Marshal(members[k])
			if compactJSON(raw) == string(want) {
				delete(detail, k)
			}
		}
	}
	for i, c := range s.columns {
		if c.DetailConst != nil && cells[i] != "" {
			implied(c.DetailConst)
		}
	}
	implied(s.detailDefaults)
	extra := map[string]any{}
	if !done["num"] && f.Num != 0 {
		extra["num"] = f.Num
	}
	if !done["text"] && f.Text != "" {
		extra["text"] = f.Text
	}
	if !done["ref"] && f.Ref != "" {
		extra["ref"] = f.Ref
	}
	if !done["ends_on"] && !f.EndsOn.IsZero() {
		extra["ends_on"] = f.EndsOn.Format(time.DateOnly)
	}
	if len(detail) > 0 {
		extra["detail"] = detail
	}
	if len(absent) > 0 {
		extra["detail_absent"] = absent
	}
	if len(extra) == 0 {
		return cells, nil
	}
	if extraCol < 0 {
		return nil, fmt.Errorf("deptfiles: %s %s: %s has no column for %v", p.Code, f.Item, s.dataset, extra)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(extra); err != nil {
		return nil, fmt.Errorf("deptfiles: %s %s: %w", p.Code, f.Item, err)
	}
	cells[extraCol] = strings.TrimSuffix(buf.String(), "\n")
	return cells, nil
}

// detailCell writes one Detail value in a detail column, if the column can
// hold it exactly: a non-empty one-line string in a text or enum column, an
// integer (as written, no exponent or fraction) in a numeric one.
func detailCell(c Column, raw json.RawMessage) (string, bool) {
	if raw == nil {
		return "", false
	}
	if isNumeric(c) {
		s := compactJSON(raw)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != s {
			return "", false
		}
		return cellValue(c, n), true
	}
	var v string
	if json.Unmarshal(raw, &v) != nil || v == "" || v != flatten(v) {
		return "", false
	}
	return enumWritable(c, v)
}

// enumWritable returns what a column writes for a value, and false when
// reading it back could give something else: in an enum column, a value
// with no written form that is itself a written form of another value.
func enumWritable(c Column, v string) (string, bool) {
	if c.Type != "enum" {
		return cellValue(c, v), true
	}
	w := enumValue(c.Values, v)
	if w == v {
		if _, taken := c.Values[v]; taken {
			return "", false
		}
	}
	return flatten(w), true
}

// compactJSON returns raw without insignificant space.
func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
