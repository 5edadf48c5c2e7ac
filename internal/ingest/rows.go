package ingest

import (
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// Registry row kinds: what one row of a registration snapshot, a
// shareholder snapshot or a lender's loan file says, after the column
// checks of mapRow. They are stored by a registrar (registry.go).

// profileRow is one registration record. has says which profile fields
// the dataset has a column for: a field without a column keeps the
// registry's value when the enterprise is known.
type profileRow struct {
	in  enterprise.Input
	has map[string]bool
	// cols names the column of each enterprise.Input field, for problems.
	cols    map[string]Column
	capCell string
}

// holderRow is one shareholder of one enterprise.
type holderRow struct {
	name     string
	natural  bool
	idNumber string // identity number (natural) or credit code (legal)
	capital  int64  // subscribed capital, fen
	shareBP  int64  // share, basis points
	nameCol  Column
	idCol    Column
	capCol   Column
	capCell  string
}

// holderTypes maps a shareholder-type or id-type value (after the
// column's Values) to natural (true) or legal (false).
var holderTypes = map[string]bool{"natural": true, "legal": false, "自然人": true, "自然人股东": true,
	"企业法人": false, "法人": false, "居民身份证": true, "统一社会信用代码": false}

// profileFields maps profile columns to enterprise.Input fields (the
// names fault.Fields uses) for problems.
var profileFields = map[string]string{
	"profile.code": "code", "enterprise.code": "code", "profile.name_zh": "name_zh", "profile.name_en": "name_en",
	"profile.industry": "industry", "profile.size": "size", "profile.status": "status",
	"profile.registered_capital": "registered_capital", "profile.founded_on": "founded_on", "profile.address": "address",
	"profile.legal_rep_name": "legal_representative.name", "profile.legal_rep_id": "legal_representative.id_number",
}

// profile builds a registration record from a checked row. The legal
// representative's phone is personal data the registry does not keep: it
// is read (and checked as text) but never stored.
func (m *mapper) profile(cells []string, code string, get func(string) (Column, string), date func(string) time.Time) (*profileRow, *Problem) {
	p := &profileRow{has: map[string]bool{}, cols: map[string]Column{}}
	for _, c := range m.ds.Columns {
		p.has[c.Field] = true
		if f, ok := profileFields[c.Field]; ok {
			p.cols[f] = c
		}
	}
	in := &p.in
	in.Code = code
	_, in.NameZH = get("profile.name_zh")
	_, in.NameEN = get("profile.name_en")
	_, in.LegalRep.Name = get("profile.legal_rep_name")
	_, in.LegalRep.IDNumber = get("profile.legal_rep_id")
	_, in.Industry = get("profile.industry")
	_, in.Address = get("profile.address")
	if c, v := get("profile.size"); v != "" {
		in.Size, _ = m.enum(c, v)
	}
	if t := date("profile.founded_on"); !t.IsZero() {
		in.FoundedOn = t.Format(time.DateOnly)
	}
	if c, v := get("profile.registered_capital"); v != "" {
		p.capCell = v
		in.RegisteredCapital, _ = m.num(c, v)
	}
	if c, v := get("profile.status"); v != "" {
		w, _ := m.enum(c, v)
		if _, err := enterprise.ParseStatus(w); err != nil {
			return nil, m.problem("ingest.bad_enum", c, v)
		}
		in.Status = w
	}
	// The division is the credit code's; a file that says otherwise
	// contradicts itself.
	if c, v := get("profile.division"); v != "" {
		if cc, err := creditcode.Parse(code); err == nil && cc.Division() != v {
			p := m.problem("ingest.division_mismatch", c, v)
			p.Detail = cc.Division()
			return nil, p
		}
	}
	return p, nil
}

// holder builds a shareholder from a checked row.
func (m *mapper) holder(get func(string) (Column, string)) (*holderRow, *Problem) {
	h := &holderRow{}
	h.nameCol, h.name = get("shareholder.name")
	kindCol, kind := get("shareholder.natural")
	typeCol, idType := get("shareholder.id_type")
	h.idCol, h.idNumber = get("shareholder.id_number")
	natural, ok := false, false
	for _, kv := range [][2]any{{kindCol, kind}, {typeCol, idType}} {
		c, v := kv[0].(Column), kv[1].(string)
		if v == "" {
			continue
		}
		w, _ := m.enum(c, v)
		n, known := holderTypes[w]
		if !known || ok && n != natural {
			return nil, m.problem("ingest.bad_enum", c, v)
		}
		natural, ok = n, true
	}
	if !ok {
		// Neither column says: a credit code means a legal person.
		natural = !creditcode.Valid(h.idNumber)
	}
	h.natural = natural
	h.capCol, h.capCell = get("shareholder.capital")
	if c, v := h.capCol, h.capCell; v != "" {
		h.capital, _ = m.num(c, v)
		if h.capital < 0 {
			p := m.problem("ingest.out_of_range", c, v)
			p.Detail = "≥ 0"
			return nil, p
		}
	}
	if c, v := get("shareholder.share"); v != "" {
		h.shareBP, _ = m.num(c, v)
		if h.shareBP < 0 || h.shareBP > 10000 {
			p := m.problem("ingest.out_of_range", c, v)
			p.Detail = "0–100 %"
			return nil, p
		}
	}
	return h, nil
}

// loan builds a loan from a checked row (without enterprise or
// provenance).
func (m *mapper) loan(get func(string) (Column, string), date func(string) time.Time) (*facts.Loan, *Problem) {
	l := &facts.Loan{}
	_, l.ContractNo = get("loan.contract_no")
	_, l.Lender = get("loan.lender")
	if c, v := get("loan.amount"); v != "" {
		l.AmountFen, _ = m.num(c, v)
		if l.AmountFen <= 0 {
			p := m.problem("ingest.out_of_range", c, v)
			p.Detail = "> 0"
			return nil, p
		}
	}
	small := func(field string, lo, hi int64) (int, *Problem) {
		c, v := get(field)
		if v == "" {
			return 0, nil
		}
		n, _ := m.num(c, v)
		if n < lo || n > hi {
			p := m.problem("ingest.out_of_range", c, v)
			p.Detail = "0 … " + strconv.FormatInt(hi, 10)
			return 0, p
		}
		return int(n), nil
	}
	var p *Problem
	if l.RateBP, p = small("loan.rate", 0, 100_00*10); p != nil { // up to 1000 % a year
		return nil, p
	}
	if l.TermMonths, p = small("loan.term_months", 0, 1200); p != nil {
		return nil, p
	}
	if l.MaxDaysOverdue, p = small("loan.max_days_overdue", 0, 100_000); p != nil {
		return nil, p
	}
	if c, v := get("loan.guarantee"); v != "" {
		l.Guarantee, _ = m.enum(c, v)
	}
	c, v := get("loan.status")
	st, _ := m.enum(c, v)
	switch facts.LoanStatus(st) {
	case facts.LoanCurrent, facts.LoanRepaid, facts.LoanOverdue, facts.LoanDefaulted:
		l.Status = facts.LoanStatus(st)
	default:
		return nil, m.problem("ingest.bad_enum", c, v)
	}
	l.StartOn, l.MaturityOn = date("loan.start_on"), date("loan.maturity_on")
	l.RepaidOn, l.DefaultedOn = date("loan.repaid_on"), date("loan.defaulted_on")
	if !l.MaturityOn.IsZero() && l.MaturityOn.Before(l.StartOn) {
		c, v := get("loan.maturity_on")
		p := m.problem("ingest.out_of_range", c, v)
		p.Detail = "≥ " + l.StartOn.Format(time.DateOnly)
		return nil, p
	}
	return l, nil
}
