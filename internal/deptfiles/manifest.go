package deptfiles

// Manifest describes every file a Writer wrote, in enough detail to parse
// each one without knowing this package: where its header is, what every
// column means and in which unit, and which rows were deliberately spoiled.
// It is written as manifest.json at the root of the output directory.
type Manifest struct {
	// Synthetic is always true: nothing here describes a real enterprise.
	Synthetic bool `json:"synthetic"`
	// Generator says what made the files and that they are synthetic.
	Generator string `json:"generator"`
	// Province is the province named in titles and department names;
	// ProvinceCode its two-digit GB/T 2260 code when known.
	Province     string `json:"province"`
	ProvinceCode string `json:"province_code,omitempty"`
	// AsOf is the last day the data covers (YYYY-MM-DD): the end of the
	// latest month any enterprise reported.
	AsOf string `json:"as_of"`
	// Seed and DirtyRate chose the dirty rows.
	Seed      uint64  `json:"seed"`
	DirtyRate float64 `json:"dirty_rate"`
	// Conventions states, once, how file values become fact values.
	Conventions []string `json:"conventions"`
	// Counts of what was written.
	Enterprises int `json:"enterprises"`
	Facts       int `json:"facts"`
	Loans       int `json:"loans"`
	DataRows    int `json:"data_rows"`
	DirtyRows   int `json:"dirty_rows"`
	// Files in path order.
	Files []File `json:"files"`
	// Interface lists the interface tables (see interface.go): what the
	// departments of the items shared only by interface call hold to
	// answer. They are not files sent to the platform.
	Interface []InterfaceTable `json:"interface_tables,omitempty"`
}

// File is one department file.
type File struct {
	// Path is relative to the output directory, slash-separated:
	// "<department>/<name>".
	Path string `json:"path"`
	// Department is the department code (facts.Fact.Source: tax, hrss, hf,
	// grid, water, gas, court, samr, sci, fin); DepartmentName the sender
	// as it would sign the file (for fin, the lending institution).
	Department     string `json:"department"`
	DepartmentName string `json:"department_name"`
	// Dataset identifies the kind of file (see the catalogue in doc.go).
	Dataset string `json:"dataset"`
	// Title is the file's title (the first row of an XLSX file).
	Title string `json:"title"`
	// RowKind says what one data row is:
	//   measure     one enterprise and period; every column with an item
	//               is one measure fact of that item (blank: not reported)
	//   fact        one fact (event or attribute); the item is Item, or
	//               comes from the column whose field is "fact.item"
	//   profile     one enterprise's registration record
	//   shareholder one shareholder of one enterprise
	//   loan        one loan shared back by the institution
	RowKind string `json:"row_kind"`
	// Item is the catalogue item of every row of a single-item fact file.
	Item string `json:"item,omitempty"`
	// Shape of the facts in the file (measure, attribute, event), if any.
	Shape string `json:"shape,omitempty"`
	// Period the file covers: "2026-10" (month), "2025" (year) or
	// "2026-10-31" (snapshot date).
	Period string `json:"period"`
	// Version of the facts in the file: 1 for original reports, n > 1 for
	// the n-th version of a corrected value (a correction file).
	Version int `json:"version"`
	// GeneratedOn is the date the department produced the file.
	GeneratedOn string `json:"generated_on"`
	// Format is csv, xlsx or jsonl; Encoding gb18030, utf-8 or utf-8-bom
	// (an XLSX file is a zip of UTF-8 XML: "utf-8"); LineEnding crlf or lf
	// for text files.
	Format     string `json:"format"`
	Encoding   string `json:"encoding"`
	LineEnding string `json:"line_ending,omitempty"`
	// Sheet is the worksheet holding the data (XLSX only).
	Sheet string `json:"sheet,omitempty"`
	// TitleRows is the number of rows above the header (title and
	// generated-on lines); HeaderRow the 1-based row of the header (0 for
	// JSON lines, whose keys are the column names). Data starts on the row
	// after the header.
	TitleRows int `json:"title_rows"`
	HeaderRow int `json:"header_row"`
	// Columns in file order.
	Columns []Column `json:"columns"`
	// DetailDefaults are members of every row's Detail (fact rows) that
	// the rows leave out, unless the row's fact.extra lists the key under
	// "detail_absent" or gives another value under "detail".
	DetailDefaults map[string]any `json:"detail_defaults,omitempty"`
	// KeyColumn is the column holding the unified social credit code.
	KeyColumn string `json:"key_column"`
	// Rows is the number of data rows, dirty rows and duplicates included.
	Rows   int    `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	// Dirty lists the deliberately spoiled rows, in row order.
	Dirty []DirtyRow `json:"dirty"`
}

// Column is one column of a file.
type Column struct {
	// Name is the header exactly as in the file (the key in JSON lines).
	Name string `json:"name"`
	// Field is what the column holds:
	//   enterprise.code, enterprise.name    the enterprise the row is about
	//   fact.period                          the month of a measure row, the
	//                                        date of an event or attribute
	//   fact.num (with Item in measure rows) the value, see Scale
	//   fact.item                            the item, coded by Values
	//   fact.ends_on, fact.text, fact.ref    as in facts.Fact
	//   fact.detail.<key>                    Detail's <key>: a JSON string
	//                                        (text, enum) or integer (integer,
	//                                        money: file value × Scale); two
	//                                        columns of different types may
	//                                        hold one key, one at a time
	//   fact.extra                           a JSON object with whatever of
	//                                        the fact has no column: "num",
	//                                        "text", "ref", "ends_on",
	//                                        "detail" (the remaining Detail
	//                                        keys, which win over any other
	//                                        column) and "detail_absent"
	//                                        (DetailKey keys Detail lacks)
	//   fact.shape                           the shape (generic files)
	//   profile.<field>, shareholder.<field>, loan.<field>
	//                                        the synth.Profile, synth.
	//                                        Shareholder or facts.Loan field
	Field string `json:"field"`
	// Item is the catalogue item whose value the column holds (measure
	// rows only).
	Item string `json:"item,omitempty"`
	// Type is code (a credit code), text, date, month, money, integer,
	// decimal, enum or json.
	Type string `json:"type"`
	// Unit as the department writes it: 元, 万元, 人, 千瓦时, 立方米, %, 月,
	// 天, 分.
	Unit string `json:"unit,omitempty"`
	// Scale converts the file value to the platform's unit: fact value =
	// file value × Scale (100 for 元 → fen, 1000000 for 万元 → fen, 100 for
	// % → basis points). Zero means 1.
	Scale int64 `json:"scale,omitempty"`
	// Format of date and month columns: YYYY-MM-DD, YYYYMMDD, YYYY-MM or
	// YYYYMM.
	Format string `json:"format,omitempty"`
	// Required columns are never blank in a clean row.
	Required bool `json:"required,omitempty"`
	// BlankZero: a blank cell means 0 (the column is left blank rather
	// than written 0).
	BlankZero bool `json:"blank_zero,omitempty"`
	// Values maps an enum's values as written to what they mean (an item
	// code, a status); a value not listed means itself.
	Values map[string]string `json:"values,omitempty"`
	// DetailKey: the fact's Detail repeats this column's value (in the
	// fact's unit: fen, the text) under this key, whenever the cell is not
	// blank, unless the row's fact.extra says otherwise.
	DetailKey string `json:"detail_key,omitempty"`
	// DetailConst: whenever the cell is not blank, the fact's Detail also
	// has these members, unless the row's fact.extra says otherwise.
	DetailConst map[string]any `json:"detail_const,omitempty"`
}

// DirtyRow is a deliberately spoiled row.
type DirtyRow struct {
	// Row is the 1-based physical row (XLSX) or line (CSV, JSON lines) in
	// the file, title and header rows counted.
	Row int `json:"row"`
	// Kind is one of the Dirty* constants.
	Kind string `json:"kind"`
	// Column is the spoiled column's name (empty for duplicates).
	Column string `json:"column,omitempty"`
	// Note says what was done ("written in 万元", "copy of row 17").
	Note string `json:"note,omitempty"`
	// Was is the clean value the cell should have held.
	Was string `json:"was,omitempty"`
}

// Kinds of dirty rows.
const (
	// DirtyCheckChar: the credit code's check character (position 18) is
	// replaced by another valid character, so the check fails.
	DirtyCheckChar = "bad_check_char"
	// DirtyCodeLetter: a 0 or 1 of the credit code is written as the
	// letter O or I (not in the code's alphabet).
	DirtyCodeLetter = "bad_code_letter"
	// DirtyMissing: a required value is blank.
	DirtyMissing = "missing_required"
	// DirtyDuplicate: the row is an exact copy of the row above it (which
	// is clean).
	DirtyDuplicate = "duplicate"
	// DirtyUnit: a money value in the wrong unit: 万元 or fen in a 元
	// column, 元 in a 万元 column (Note says which).
	DirtyUnit = "wrong_unit"
	// DirtyDate: a date or month written in a format other than the
	// column's (Note gives the format used).
	DirtyDate = "bad_date_format"
)
