package ingest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Dataset says how to read one kind of department file: its format and
// encoding, where the header is, and what every column means. It is data
// (JSON), written by hand or derived from a manifest entry.
type Dataset struct {
	// Name identifies the dataset ("tax/纳税人申报信息").
	Name string `json:"name"`
	// Department is the sender's code, stored as facts' Source.
	Department string `json:"department"`
	// Format is csv, xlsx or jsonl. Encoding is utf-8, utf-8-bom or
	// gb18030 (also accepted: gbk); a BOM in the file wins over it.
	Format   string `json:"format"`
	Encoding string `json:"encoding"`
	// Sheet is the worksheet to read (XLSX; blank: the first).
	Sheet string `json:"sheet,omitempty"`
	// HeaderRow is the 1-based row of the header (0 for JSON lines); the
	// rows above it are titles and are skipped.
	HeaderRow int `json:"header_row"`
	// RowKind is measure (one enterprise and month, one fact per item
	// column), fact (one event or attribute per row), profile (one
	// enterprise's registration record: the registry, no facts),
	// shareholder (also "holder": one shareholder of one enterprise, a
	// registration.shareholders attribute fact) or loan (one loan an
	// institution shares back).
	RowKind string `json:"row_kind"`
	// UnknownEnterprise is what happens to a row whose credit code is not
	// registered: "reject" (the default: the row goes to the error report)
	// or "register" (the row registers the enterprise; only profile rows
	// carry what a registration needs, Validate refuses it elsewhere).
	UnknownEnterprise string `json:"unknown_enterprise,omitempty"`
	// SnapshotOn is the date of a snapshot file (YYYY-MM-DD): the period
	// of the attribute facts its shareholder rows give. Blank: the day the
	// batch is received.
	SnapshotOn string `json:"snapshot_on,omitempty"`
	// Item and Shape of every row of a single-item fact dataset; Shape of
	// every measure.
	Item  string `json:"item,omitempty"`
	Shape string `json:"shape,omitempty"`
	// Version stamped on the stored facts (1: original, n: correction).
	Version int `json:"version,omitempty"`
	// KeyColumn holds the unified social credit code.
	KeyColumn string `json:"key_column"`
	// Columns in file order; every column the file has must be listed.
	Columns []Column `json:"columns"`
	// DetailDefaults are Detail members every row has unless its
	// fact.extra says otherwise.
	DetailDefaults map[string]any `json:"detail_defaults,omitempty"`
}

// Column maps one source column (a Chinese header is fine) to a fact
// field. Fields: enterprise.code, enterprise.name (ignored), fact.period,
// fact.num (with Item in measure rows), fact.item, fact.shape,
// fact.ends_on, fact.text, fact.ref, fact.detail.<key>, fact.extra.
type Column struct {
	Name  string `json:"name"`
	Field string `json:"field"`
	Item  string `json:"item,omitempty"`
	// Type: code, text, date, month, money, integer, decimal, enum, json.
	Type string `json:"type"`
	Unit string `json:"unit,omitempty"`
	// Scale: stored value = file value × Scale (元 → fen 100, 万元 → fen
	// 1000000); zero means 1.
	Scale int64 `json:"scale,omitempty"`
	// Format of a date or month: YYYY-MM-DD, YYYYMMDD, YYYY-MM, YYYYMM.
	Format    string            `json:"format,omitempty"`
	Required  bool              `json:"required,omitempty"`
	BlankZero bool              `json:"blank_zero,omitempty"`
	Values    map[string]string `json:"values,omitempty"`
	// Closed: an enum value not in Values is an error (otherwise it
	// means itself).
	Closed      bool           `json:"closed,omitempty"`
	DetailKey   string         `json:"detail_key,omitempty"`
	DetailConst map[string]any `json:"detail_const,omitempty"`
}

// Row kinds this package can store.
const (
	KindMeasure     = "measure"
	KindFact        = "fact"
	KindProfile     = "profile"
	KindShareholder = "shareholder"
	KindLoan        = "loan"
)

// Unknown-enterprise policies.
const (
	PolicyReject   = "reject"
	PolicyRegister = "register"
)

// kindFields are the fields a row kind's columns may hold (measure and
// fact rows: see Column), and those it must have.
var kindFields = map[string]struct{ allowed, required []string }{
	KindProfile: {
		allowed: []string{"profile.code", "enterprise.code", "enterprise.name", "profile.name_zh", "profile.name_en",
			"profile.legal_rep_name", "profile.legal_rep_id", "profile.legal_rep_phone", "profile.founded_on",
			"profile.registered_capital", "profile.status", "profile.division", "profile.industry",
			"profile.industry_division", "profile.address", "profile.size"},
		required: []string{"profile.name_zh", "profile.legal_rep_name"},
	},
	KindShareholder: {
		allowed: []string{"enterprise.code", "enterprise.name", "shareholder.name", "shareholder.natural",
			"shareholder.id_type", "shareholder.id_number", "shareholder.capital", "shareholder.share"},
		required: []string{"shareholder.name"},
	},
	KindLoan: {
		allowed: []string{"enterprise.code", "enterprise.name", "loan.contract_no", "loan.lender", "loan.amount",
			"loan.rate", "loan.term_months", "loan.guarantee", "loan.start_on", "loan.maturity_on", "loan.status",
			"loan.max_days_overdue", "loan.repaid_on", "loan.defaulted_on"},
		required: []string{"loan.contract_no", "loan.lender", "loan.amount", "loan.start_on", "loan.status"},
	},
}

var layouts = map[string]string{
	"YYYY-MM-DD": "2006-01-02",
	"YYYYMMDD":   "20060102",
	"YYYY-MM":    "2006-01",
	"YYYYMM":     "200601",
}

func datasetErr(format string, args ...any) error {
	d := fmt.Sprintf(format, args...)
	return fault.New(fault.Invalid, "ingest.dataset", "invalid dataset: "+d).With("detail", d)
}

// Validate checks the definition is complete and consistent.
func (d *Dataset) Validate() error {
	switch d.Format {
	case "csv", "xlsx", "jsonl":
	default:
		return datasetErr("format %q (want csv, xlsx or jsonl)", d.Format)
	}
	if _, err := normEncoding(d.Encoding); err != nil && d.Format != "xlsx" {
		return err
	}
	if d.RowKind == "holder" {
		d.RowKind = KindShareholder
	}
	kf, registry := kindFields[d.RowKind]
	if d.RowKind != KindMeasure && d.RowKind != KindFact && !registry {
		detail := fmt.Sprintf("rows of kind %q (want measure, fact, profile, shareholder or loan)", d.RowKind)
		return fault.New(fault.Invalid, "ingest.unsupported", "row kind not supported: "+detail).With("detail", detail)
	}
	switch d.UnknownEnterprise {
	case "", PolicyReject:
	case PolicyRegister:
		if d.RowKind != KindProfile {
			return datasetErr("unknown_enterprise %q needs rows that carry a registration (profile rows: name, "+
				"legal representative, founding date...); %s rows do not, use %q", PolicyRegister, d.RowKind, PolicyReject)
		}
	default:
		return datasetErr("unknown_enterprise %q (want %q or %q)", d.UnknownEnterprise, PolicyReject, PolicyRegister)
	}
	if d.SnapshotOn != "" {
		if _, err := time.Parse(time.DateOnly, d.SnapshotOn); err != nil {
			return datasetErr("snapshot_on %q is not a date (YYYY-MM-DD)", d.SnapshotOn)
		}
	}
	if d.Department == "" {
		return datasetErr("department is required")
	}
	if d.Format != "jsonl" && d.HeaderRow < 1 {
		return datasetErr("header_row must be 1 or more")
	}
	seen := map[string]bool{}
	hasKey, hasPeriod := false, false
	for _, c := range d.Columns {
		if c.Name == "" || seen[c.Name] {
			return datasetErr("column name %q blank or repeated", c.Name)
		}
		seen[c.Name] = true
		if (c.Field == "enterprise.code" || c.Field == "profile.code" && d.RowKind == KindProfile) && c.Name == d.KeyColumn {
			hasKey = true
		}
		if registry && !slices.Contains(kf.allowed, c.Field) {
			return datasetErr("column %s: field %q is not one of a %s row's (%s)", c.Name, c.Field, d.RowKind,
				strings.Join(kf.allowed, ", "))
		}
		if c.Field == "fact.period" {
			hasPeriod = true
		}
		if (c.Type == "date" || c.Type == "month") && layouts[c.Format] == "" {
			return datasetErr("column %s: date format %q", c.Name, c.Format)
		}
		if c.Scale < 0 {
			return datasetErr("column %s: negative scale", c.Name)
		}
		if d.RowKind == KindMeasure && c.Field == "fact.num" && c.Item == "" {
			return datasetErr("column %s: a measure column needs an item", c.Name)
		}
	}
	if !hasKey {
		return datasetErr("key column %q is not an enterprise.code column", d.KeyColumn)
	}
	for _, f := range kf.required {
		if !slices.ContainsFunc(d.Columns, func(c Column) bool { return c.Field == f }) {
			return datasetErr("a %s dataset needs a %s column", d.RowKind, f)
		}
	}
	if !hasPeriod && !registry {
		return datasetErr("no fact.period column")
	}
	if d.Shape == "" && d.RowKind == KindMeasure {
		return datasetErr("a measure dataset needs its shape")
	}
	return nil
}

// normEncoding maps a declared encoding to utf-8, utf-8-bom or gb18030.
func normEncoding(s string) (string, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "_", "-")) {
	case "", "utf-8", "utf8":
		return "utf-8", nil
	case "utf-8-bom", "utf8-bom":
		return "utf-8-bom", nil
	case "gb18030", "gbk", "gb2312":
		return "gb18030", nil
	}
	return "", datasetErr("encoding %q (want utf-8, utf-8-bom, gb18030 or gbk)", s)
}

// FromManifest derives the dataset of one file a deptfiles manifest
// describes. A registration snapshot (profile rows) registers the
// enterprises it does not know: the market regulator's register is where
// enterprises come from. A snapshot's date (its period) is SnapshotOn.
func FromManifest(f deptfiles.File) (Dataset, error) {
	d := Dataset{
		Name: f.Department + "/" + f.Dataset, Department: f.Department, Format: f.Format, Encoding: f.Encoding,
		Sheet: f.Sheet, HeaderRow: f.HeaderRow, RowKind: f.RowKind, Item: f.Item, Shape: f.Shape,
		Version: max(f.Version, 1), KeyColumn: f.KeyColumn, DetailDefaults: f.DetailDefaults,
	}
	for _, c := range f.Columns {
		d.Columns = append(d.Columns, Column{Name: c.Name, Field: c.Field, Item: c.Item, Type: c.Type, Unit: c.Unit,
			Scale: c.Scale, Format: c.Format, Required: c.Required, BlankZero: c.BlankZero, Values: c.Values,
			DetailKey: c.DetailKey, DetailConst: c.DetailConst})
	}
	if d.RowKind == KindProfile {
		d.UnknownEnterprise = PolicyRegister
	}
	if len(f.Period) == len(time.DateOnly) {
		d.SnapshotOn = f.Period
	}
	return d, d.Validate()
}

// FindInManifest returns the manifest entry for a file path (matched on
// its slash path suffix, e.g. "tax/纳税人申报信息_202610.xlsx" or just the
// base name) or, when name is set, the first entry whose Dataset or
// department/Dataset is name.
func FindInManifest(m deptfiles.Manifest, path, name string) (deptfiles.File, error) {
	slash := strings.ReplaceAll(path, "\\", "/")
	for _, f := range m.Files {
		if name != "" {
			if f.Dataset == name || f.Department+"/"+f.Dataset == name {
				if path == "" || strings.HasSuffix(slash, "/"+f.Path) || slash == f.Path || baseName(slash) == baseName(f.Path) {
					return f, nil
				}
			}
			continue
		}
		if strings.HasSuffix(slash, "/"+f.Path) || slash == f.Path {
			return f, nil
		}
	}
	if name == "" {
		for _, f := range m.Files {
			if baseName(slash) == baseName(f.Path) {
				return f, nil
			}
		}
	}
	v := path
	if name != "" {
		v = name + " (" + path + ")"
	}
	return deptfiles.File{}, fault.New(fault.NotFound, "ingest.dataset_not_found", "no dataset matches").With("value", v)
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
