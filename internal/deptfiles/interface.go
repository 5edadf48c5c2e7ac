package deptfiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// Interface tables.
//
// Six catalogue items are shared only by interface call: no department
// sends them as files, the platform asks the department when it needs
// them. A department simulator serving a region from its files still has
// to hold them somewhere, so the Writer also writes, under interface/, the
// table each of those departments would query to answer, one JSON-lines
// file per department and item (interface/<department>/<item>.jsonl),
// listed in the manifest's interface_tables, never in files (they are not
// sent to the platform and nothing ingests them). A row is one record as
// the department answers it: credit_code, period (YYYY-MM-DD), value (元
// with two decimals for money, an integer otherwise), and when set text,
// ref, ends_on and detail. Rows are in the order enterprises were added,
// then by period and ref; the tables have no dirty rows.
//
// What they hold is derived from the same enterprise as its files:
// registration.legal_representative and registration.key_personnel (samr,
// from the registration profile: the legal representative as executive
// director and manager, another natural-person shareholder as supervisor),
// judicial.consumption_restriction (court, one per dishonest-debtor entry:
// the law restricts such a debtor's legal representative's consumption),
// property.real_estate and property.real_estate_mortgage (nr: loans
// secured by a mortgage, and the property each one needs) and
// property.movable_mortgage (pbc, loans secured by a pledge, registered in
// the unified movable-collateral registry).

// InterfaceDir is the directory of the interface tables in the output.
const InterfaceDir = "interface"

// The items shared only by interface call.
const (
	ItemLegalRep        = "registration.legal_representative"
	ItemKeyPersonnel    = "registration.key_personnel"
	ItemConsumption     = "judicial.consumption_restriction"
	ItemRealEstate      = "property.real_estate"
	ItemRealEstateMort  = "property.real_estate_mortgage"
	ItemMovableMortgage = "property.movable_mortgage"
)

// InterfaceItem is one item shared only by interface call.
type InterfaceItem struct {
	Code       string
	Department string
	// Unit of the item's facts: "fen" (sent in 元) or "" (no number).
	Unit string
}

// InterfaceItems lists the items shared only by interface call, in the
// order their tables are written.
func InterfaceItems() []InterfaceItem {
	return []InterfaceItem{
		{ItemLegalRep, synth.DeptSAMR, ""},
		{ItemKeyPersonnel, synth.DeptSAMR, ""},
		{ItemConsumption, synth.DeptCourt, ""},
		{ItemRealEstate, "nr", ""},
		{ItemRealEstateMort, "nr", "fen"},
		{ItemMovableMortgage, "pbc", "fen"},
	}
}

// InterfaceTable describes one interface table in the manifest.
type InterfaceTable struct {
	// Path is relative to the output directory:
	// "interface/<department>/<item>.jsonl".
	Path       string `json:"path"`
	Department string `json:"department"`
	Item       string `json:"item"`
	// Unit of value: "元" (money, two decimals; × 100 is fen) or "".
	Unit   string `json:"unit,omitempty"`
	Format string `json:"format"` // jsonl, UTF-8, LF
	Rows   int    `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// InterfaceRow is one row of an interface table: one record as the
// department answers it.
type InterfaceRow struct {
	CreditCode string          `json:"credit_code"`
	Period     string          `json:"period"`
	Value      json.Number     `json:"value"`
	Text       string          `json:"text,omitempty"`
	Ref        string          `json:"ref,omitempty"`
	EndsOn     string          `json:"ends_on,omitempty"`
	Detail     json.RawMessage `json:"detail,omitempty"`
}

// InterfaceRecord renders a fact as a department answers it; unit is the
// item's unit ("fen" is sent in 元 with two decimals).
func InterfaceRecord(code string, f facts.Fact, unit string) InterfaceRow {
	r := InterfaceRow{CreditCode: code, Period: f.Period.Format(time.DateOnly), Text: f.Text, Ref: f.Ref}
	if unit == "fen" {
		r.Value = json.Number(Yuan(f.Num))
	} else {
		r.Value = json.Number(strconv.FormatInt(f.Num, 10))
	}
	if !f.EndsOn.IsZero() {
		r.EndsOn = f.EndsOn.Format(time.DateOnly)
	}
	if f.Detail != "" && json.Valid([]byte(f.Detail)) {
		r.Detail = json.RawMessage(f.Detail)
	}
	return r
}

// Yuan writes fen as 元 with two decimals ("-12.05").
func Yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// InterfaceFacts derives the records of an interface-only item for the
// enterprise of b, ordered by period and ref (nil for any other item).
func InterfaceFacts(b *synth.Bundle, item string) []facts.Fact {
	var out []facts.Fact
	switch item {
	case ItemLegalRep:
		p := b.Profile
		d, _ := json.Marshal(map[string]any{"name": p.LegalRepName, "id_number": p.LegalRepID, "synthetic": true})
		out = append(out, facts.Fact{Item: item, Shape: facts.Attribute, Period: p.FoundedOn, Text: p.LegalRepName, Detail: string(d)})
	case ItemKeyPersonnel:
		// A small firm's officers: the legal representative as executive
		// director and manager, the first other natural-person shareholder
		// as supervisor.
		p := b.Profile
		d, _ := json.Marshal(map[string]any{"position": "执行董事兼总经理", "synthetic": true})
		out = append(out, facts.Fact{Item: item, Shape: facts.Attribute, Period: p.FoundedOn, Text: p.LegalRepName, Ref: "executive_director", Detail: string(d)})
		for _, sh := range p.Shareholders {
			if sh.Natural && sh.Name != p.LegalRepName {
				d, _ := json.Marshal(map[string]any{"position": "监事", "synthetic": true})
				out = append(out, facts.Fact{Item: item, Shape: facts.Attribute, Period: p.FoundedOn, Text: sh.Name, Ref: "supervisor", Detail: string(d)})
				break
			}
		}
	case ItemConsumption:
		for _, f := range LatestFacts(b.Facts, synth.ItemDishonest) {
			d, _ := json.Marshal(map[string]any{"person": b.Profile.LegalRepName, "role": "legal_representative", "synthetic": true})
			out = append(out, facts.Fact{Item: item, Shape: facts.Event, Period: f.Period, EndsOn: f.EndsOn, Ref: f.Ref,
				Text: b.Profile.LegalRepName, Detail: string(d)})
		}
	case ItemRealEstate:
		// A mortgage needs a property: one certificate per mortgaged loan,
		// registered a year before the loan, still held.
		for _, l := range b.Loans {
			if l.Guarantee != "mortgage" {
				continue
			}
			use := "商业服务"
			if b.Profile.Industry == "C" {
				use = "工业"
			}
			reg := l.StartOn.AddDate(-1, 0, 0)
			area := max(50, l.AmountFen/1_000_000) // about 10,000 元 of credit per m²
			d, _ := json.Marshal(map[string]any{"location": b.Profile.Address, "area_m2": area, "synthetic": true})
			out = append(out, facts.Fact{Item: item, Shape: facts.Event, Period: reg, Text: use,
				Ref: fmt.Sprintf("苏(%d)不动产权第%07d号", reg.Year(), certNo(l.ContractNo)), Detail: string(d)})
		}
	case ItemRealEstateMort, ItemMovableMortgage:
		want, prefix := "mortgage", "DYDJ-"
		if item == ItemMovableMortgage {
			want, prefix = "pledge", "DCDJ-"
		}
		for _, l := range b.Loans {
			if l.Guarantee != want {
				continue
			}
			d, _ := json.Marshal(map[string]any{"secured_party": l.Lender, "contract_no": l.ContractNo, "synthetic": true})
			out = append(out, facts.Fact{Item: item, Shape: facts.Event, Period: l.StartOn, EndsOn: l.RepaidOn, Num: l.AmountFen,
				Ref: prefix + l.ContractNo, Detail: string(d)})
		}
	default:
		return nil
	}
	SortFacts(out)
	return out
}

// SortFacts orders facts by period, then ref (stable).
func SortFacts(fs []facts.Fact) {
	slices.SortStableFunc(fs, func(a, b facts.Fact) int {
		if c := a.Period.Compare(b.Period); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	})
}

// LatestFacts keeps the highest version of each (period, ref) of item, in
// order of first appearance.
func LatestFacts(fs []facts.Fact, item string) []facts.Fact {
	type key struct {
		period time.Time
		ref    string
	}
	at := map[key]int{}
	var out []facts.Fact
	for _, f := range fs {
		if f.Item != item {
			continue
		}
		k := key{f.Period, f.Ref}
		if i, ok := at[k]; ok {
			if f.Version > out[i].Version {
				out[i] = f
			}
			continue
		}
		at[k] = len(out)
		out = append(out, f)
	}
	return out
}

// certNo derives a stable seven-digit certificate number from a contract.
func certNo(s string) int {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return int(h % 10_000_000)
}

// ifaceTable is one interface table being written.
type ifaceTable struct {
	item InterfaceItem
	t    *textFile
	meta InterfaceTable
}

// addInterface writes b's rows of every interface table.
func (w *Writer) addInterface(b *synth.Bundle) error {
	if w.iface == nil {
		for _, it := range InterfaceItems() {
			dir := filepath.Join(w.o.Dir, InterfaceDir, it.Department)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("deptfiles: %w", err)
			}
			rel := InterfaceDir + "/" + it.Department + "/" + it.Code + ".jsonl"
			t, err := createText(filepath.Join(w.o.Dir, filepath.FromSlash(rel)), encUTF8)
			if err != nil {
				return fmt.Errorf("deptfiles: %w", err)
			}
			unit := ""
			if it.Unit == "fen" {
				unit = "元"
			}
			w.iface = append(w.iface, &ifaceTable{item: it, t: t,
				meta: InterfaceTable{Path: rel, Department: it.Department, Item: it.Code, Unit: unit, Format: "jsonl"}})
		}
	}
	var buf bytes.Buffer
	for _, tb := range w.iface {
		for _, f := range InterfaceFacts(b, tb.item.Code) {
			buf.Reset()
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(InterfaceRecord(b.Profile.Code, f, tb.item.Unit)); err != nil {
				return fmt.Errorf("deptfiles: %w", err)
			}
			if _, err := tb.t.out.Write(buf.Bytes()); err != nil {
				return fmt.Errorf("deptfiles: %s: %w", tb.meta.Path, err)
			}
			tb.meta.Rows++
		}
	}
	return nil
}

// closeInterface finishes the interface tables (in InterfaceItems order).
func (w *Writer) closeInterface() ([]InterfaceTable, error) {
	var out []InterfaceTable
	for _, tb := range w.iface {
		n, sum, err := tb.t.close()
		if err != nil {
			return nil, err
		}
		tb.meta.Bytes, tb.meta.SHA256 = n, sum
		out = append(out, tb.meta)
	}
	return out, nil
}

// abortInterface removes the interface tables.
func (w *Writer) abortInterface() {
	for _, tb := range w.iface {
		tb.t.abort()
	}
}
