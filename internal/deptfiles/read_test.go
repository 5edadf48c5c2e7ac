package deptfiles

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// This file reads the files back the way an ingestion job would, guided
// by nothing but manifest.json, and checks every clean row against the
// bundles it came from.

// record is one data row as read, with its physical row number.
type record struct {
	row   int
	cells []string
}

// readManifest reads manifest.json from dir.
func readManifest(t testing.TB, dir string) Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// readRecords reads a file's data rows in the format and encoding the
// manifest states, checking the header.
func readRecords(t testing.TB, dir string, mf File) []record {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(mf.Path))
	names := make([]string, len(mf.Columns))
	for i, c := range mf.Columns {
		names[i] = c.Name
	}
	switch mf.Format {
	case formatCSV:
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = bytes.NewReader(raw)
		switch mf.Encoding {
		case encGB18030:
			if !bytes.Contains(raw, []byte("\r\n")) {
				t.Errorf("%s: GB18030 file without CRLF line ends", mf.Path)
			}
			r = transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
		case encUTF8BOM:
			if !bytes.HasPrefix(raw, []byte("\uFEFF")) {
				t.Fatalf("%s: no BOM", mf.Path)
			}
			r = bytes.NewReader(raw[3:])
		case encUTF8:
			if bytes.HasPrefix(raw, []byte("\uFEFF")) {
				t.Fatalf("%s: unexpected BOM", mf.Path)
			}
		}
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = len(names)
		var out []record
		for i := 1; ; i++ {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", mf.Path, err)
			}
			line, _ := cr.FieldPos(0)
			if line != i {
				t.Fatalf("%s: record %d starts on line %d", mf.Path, i, line)
			}
			if i == mf.HeaderRow {
				if !slices.Equal(rec, names) {
					t.Fatalf("%s: header %q, want %q", mf.Path, rec, names)
				}
				continue
			}
			out = append(out, record{row: i, cells: rec})
		}
		return out
	case formatXLSX:
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		// Raw values: what the cell holds, not its display format (a
		// 元 column displays two decimals).
		rows, err := f.GetRows(mf.Sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("%s: %v", mf.Path, err)
		}
		if len(rows) < mf.HeaderRow || len(rows[0]) == 0 || rows[0][0] != mf.Title {
			t.Fatalf("%s: title row %q, want %q", mf.Path, rows[0], mf.Title)
		}
		if !slices.Equal(rows[mf.HeaderRow-1], names) {
			t.Fatalf("%s: header %q, want %q", mf.Path, rows[mf.HeaderRow-1], names)
		}
		var out []record
		for i := mf.HeaderRow; i < len(rows); i++ {
			cells := make([]string, len(names))
			copy(cells, rows[i])
			out = append(out, record{row: i + 1, cells: cells})
		}
		return out
	case formatJSONL:
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		var out []record
		for line := 1; sc.Scan(); line++ {
			dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			dec.UseNumber()
			var obj map[string]any
			if err := dec.Decode(&obj); err != nil {
				t.Fatalf("%s:%d: %v", mf.Path, line, err)
			}
			cells := make([]string, len(names))
			for i, c := range mf.Columns {
				switch v := obj[c.Name].(type) {
				case nil:
				case string:
					cells[i] = v
				case json.Number:
					cells[i] = v.String()
				case map[string]any:
					cells[i] = mustJSON(v)
				default:
					t.Fatalf("%s:%d: %s is %T", mf.Path, line, c.Name, v)
				}
				delete(obj, c.Name)
			}
			if len(obj) > 0 {
				t.Fatalf("%s:%d: keys not in the manifest: %v", mf.Path, line, obj)
			}
			out = append(out, record{row: line, cells: cells})
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("%s: unknown format %q", mf.Path, mf.Format)
	return nil
}

// mustJSON encodes v compactly with sorted keys and no HTML escaping.
func mustJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// canonicalDetail makes Detail JSON comparable: "" and "{}" are the same,
// keys sorted, numbers as written.
func canonicalDetail(s string) string {
	if s == "" {
		return "{}"
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "invalid:" + s
	}
	return mustJSON(v)
}

// expectation is what a region's rows should reproduce, as canonical
// strings in multisets.
type expectation struct {
	rows map[string]int // canonical row → count
}

func (e *expectation) add(s string) { e.rows[s]++ }

// take removes one expected row; false if it was not expected.
func (e *expectation) take(s string) bool {
	if e.rows[s] == 0 {
		return false
	}
	e.rows[s]--
	if e.rows[s] == 0 {
		delete(e.rows, s)
	}
	return true
}

func factKey(code, source, item, shape string, period, ends time.Time, num int64, text, ref, detail string, version int) string {
	e := ""
	if !ends.IsZero() {
		e = ends.Format(time.DateOnly)
	}
	return fmt.Sprintf("fact|%s|%s|%s|%s|%s|%s|%d|%q|%q|%s|v%d", code, source, item, shape,
		period.Format(time.DateOnly), e, num, text, ref, canonicalDetail(detail), version)
}

func profileKey(p *synth.Profile) string {
	return fmt.Sprintf("profile|%s|%q|%q|%q|%q|%q|%s|%d|%s|%s|%s|%s|%q", p.Code, p.NameZH, p.NameEN, p.LegalRepName,
		p.LegalRepID, p.LegalRepPhone, p.FoundedOn.Format(time.DateOnly), p.RegisteredCapitalFen, p.Status,
		p.Division, p.Industry, p.IndustryDivision, p.Address)
}

func holderKey(code string, h *synth.Shareholder) string {
	return fmt.Sprintf("holder|%s|%q|%t|%q|%d|%d", code, h.Name, h.Natural, h.IDNumber, h.CapitalFen, h.ShareBP)
}

func dateKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// expect lists every row the bundles should produce.
func expect(bundles []synth.Bundle) *expectation {
	e := &expectation{rows: map[string]int{}}
	for bi := range bundles {
		b := &bundles[bi]
		p := &b.Profile
		e.add(profileKey(p))
		for i := range p.Shareholders {
			e.add(holderKey(p.Code, &p.Shareholders[i]))
		}
		for _, f := range b.Facts {
			e.add(factKey(p.Code, f.Source, f.Item, string(f.Shape), f.Period, f.EndsOn, f.Num, f.Text, f.Ref, f.Detail, max(f.Version, 1)))
		}
		for _, l := range b.Loans {
			e.add(fmt.Sprintf("loan|%s|%s|%q|%d|%d|%d|%s|%s|%s|%s|%d|%s|%s", p.Code, l.ContractNo, l.Lender, l.AmountFen, l.RateBP,
				l.TermMonths, l.Guarantee, dateKey(l.StartOn), dateKey(l.MaturityOn), l.Status, l.MaxDaysOverdue,
				dateKey(l.RepaidOn), dateKey(l.DefaultedOn)))
		}
	}
	return e
}

// decodeRow turns one clean row into canonical rows, using only the
// manifest's description of the file.
func decodeRow(mf File, cells []string) ([]string, error) {
	get := map[string]string{}
	col := map[string]Column{}
	for i, c := range mf.Columns {
		if c.Item == "" && get[c.Field] == "" {
			col[c.Field] = c
			get[c.Field] = cells[i]
		}
		if c.Required && cells[i] == "" {
			return nil, fmt.Errorf("required %s blank", c.Name)
		}
	}
	date := func(field string) (time.Time, error) {
		v := get[field]
		if v == "" {
			return time.Time{}, nil
		}
		return parseDate(v, col[field].Format)
	}
	num := func(field string) (int64, error) {
		v := get[field]
		if v == "" {
			return 0, nil
		}
		return unscale(v, col[field].Scale)
	}
	enum := func(field string) (string, error) {
		v := get[field]
		if v == "" {
			return "", nil
		}
		if m, ok := col[field].Values[v]; ok {
			return m, nil
		}
		return v, nil // a value not listed means itself
	}
	var errs []error
	must := func(v any, err error) any {
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	var out []string
	switch mf.RowKind {
	case rowMeasure:
		period := must(date("fact.period")).(time.Time)
		for i, c := range mf.Columns {
			if c.Item == "" || cells[i] == "" {
				continue
			}
			v, err := unscale(cells[i], c.Scale)
			if err != nil {
				return nil, err
			}
			out = append(out, factKey(get["enterprise.code"], mf.Department, c.Item, mf.Shape, period, time.Time{}, v, "", "", "", mf.Version))
		}
	case rowFact:
		item := mf.Item
		if item == "" {
			item = get["fact.item"]
			if vals := col["fact.item"].Values; vals != nil {
				item = must(enum("fact.item")).(string)
			}
		}
		shape := mf.Shape
		if shape == "" {
			shape = get["fact.shape"]
		}
		period := must(date("fact.period")).(time.Time)
		ends := must(date("fact.ends_on")).(time.Time)
		n := must(num("fact.num")).(int64)
		text, ref := get["fact.text"], get["fact.ref"]
		if col["fact.text"].Type == "enum" {
			text = must(enum("fact.text")).(string)
		}
		detail := map[string]any{}
		for k, v := range mf.DetailDefaults {
			detail[k] = v
		}
		for i, c := range mf.Columns {
			key, ok := strings.CutPrefix(c.Field, "fact.detail.")
			v := cells[i]
			if !ok || v == "" {
				continue
			}
			if _, dup := detail[key]; dup && mf.DetailDefaults[key] == nil {
				errs = append(errs, fmt.Errorf("detail %s in two columns", key))
			}
			switch c.Type {
			case "integer", "money", "decimal":
				detail[key] = json.Number(strconv.FormatInt(must(unscale(v, c.Scale)).(int64), 10))
			case "enum":
				if m, ok := c.Values[v]; ok {
					v = m
				}
				detail[key] = v
			default:
				detail[key] = v
			}
		}
		// Values the Detail repeats.
		for i, c := range mf.Columns {
			if cells[i] != "" {
				for k, v := range c.DetailConst {
					detail[k] = v
				}
			}
			if c.DetailKey == "" || get[c.Field] == "" {
				continue
			}
			switch c.Field {
			case "fact.num":
				detail[c.DetailKey] = json.Number(strconv.FormatInt(n, 10))
			case "fact.text":
				detail[c.DetailKey] = text
			case "fact.ref":
				detail[c.DetailKey] = ref
			}
		}
		if x := get["fact.extra"]; x != "" {
			dec := json.NewDecoder(strings.NewReader(x))
			dec.UseNumber()
			var extra struct {
				Num    *json.Number   `json:"num"`
				Text   *string        `json:"text"`
				Ref    *string        `json:"ref"`
				EndsOn *string        `json:"ends_on"`
				Detail map[string]any `json:"detail"`
				Absent []string       `json:"detail_absent"`
			}
			dec.DisallowUnknownFields()
			if err := dec.Decode(&extra); err != nil {
				return nil, fmt.Errorf("extra %q: %w", x, err)
			}
			if extra.Num != nil {
				n = must(extra.Num.Int64()).(int64)
			}
			if extra.Text != nil {
				text = *extra.Text
			}
			if extra.Ref != nil {
				ref = *extra.Ref
			}
			if extra.EndsOn != nil {
				ends = must(time.Parse(time.DateOnly, *extra.EndsOn)).(time.Time)
			}
			for k, v := range extra.Detail {
				detail[k] = v
			}
			for _, k := range extra.Absent {
				delete(detail, k)
			}
		}
		out = append(out, factKey(get["enterprise.code"], mf.Department, item, shape, period, ends, n, text, ref, mustJSON(detail), mf.Version))
	case rowProfile:
		p := synth.Profile{
			Code: get["profile.code"], NameZH: get["profile.name_zh"], NameEN: get["profile.name_en"],
			LegalRepName: get["profile.legal_rep_name"], LegalRepID: get["profile.legal_rep_id"],
			LegalRepPhone: get["profile.legal_rep_phone"], FoundedOn: must(date("profile.founded_on")).(time.Time),
			RegisteredCapitalFen: must(num("profile.registered_capital")).(int64), Status: must(enum("profile.status")).(string),
			Division: get["profile.division"], Industry: get["profile.industry"], IndustryDivision: get["profile.industry_division"],
			Address: get["profile.address"],
		}
		out = append(out, profileKey(&p))
	case rowShareholder:
		kind := must(enum("shareholder.natural")).(string)
		if idt := must(enum("shareholder.id_type")).(string); idt != kind {
			errs = append(errs, fmt.Errorf("holder kind %q but id type %q", kind, idt))
		}
		h := synth.Shareholder{Name: get["shareholder.name"], Natural: kind == "natural", IDNumber: get["shareholder.id_number"],
			CapitalFen: must(num("shareholder.capital")).(int64), ShareBP: int(must(num("shareholder.share")).(int64))}
		out = append(out, holderKey(get["enterprise.code"], &h))
	case rowLoan:
		ds := func(f string) string { return dateKey(must(date(f)).(time.Time)) }
		out = append(out, fmt.Sprintf("loan|%s|%s|%q|%d|%d|%d|%s|%s|%s|%s|%d|%s|%s", get["enterprise.code"], get["loan.contract_no"],
			get["loan.lender"], must(num("loan.amount")).(int64), must(num("loan.rate")).(int64), must(num("loan.term_months")).(int64),
			must(enum("loan.guarantee")).(string), ds("loan.start_on"), ds("loan.maturity_on"), must(enum("loan.status")).(string),
			must(num("loan.max_days_overdue")).(int64), ds("loan.repaid_on"), ds("loan.defaulted_on")))
	default:
		return nil, fmt.Errorf("row kind %q", mf.RowKind)
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return out, nil
}

// checkRegion reads every file in dir back and checks it against the
// bundles: clean rows exactly, dirty rows detectably wrong and, with their
// recorded clean value restored, exact too; nothing missing, nothing extra.
func checkRegion(t *testing.T, dir string, bundles []synth.Bundle) Manifest {
	t.Helper()
	m := readManifest(t, dir)
	if !m.Synthetic || m.Generator == "" {
		t.Fatalf("manifest synthetic=%v generator=%q", m.Synthetic, m.Generator)
	}
	want := expect(bundles)
	listed := map[string]bool{ManifestName: true}
	checkInterfaceTables(t, dir, m, bundles)
	for _, it := range m.Interface {
		listed[it.Path] = true
	}
	for _, mf := range m.Files {
		listed[mf.Path] = true
		checkFileMeta(t, dir, mf)
		recs := readRecords(t, dir, mf)
		if len(recs) != mf.Rows {
			t.Errorf("%s: %d rows read, manifest says %d", mf.Path, len(recs), mf.Rows)
		}
		dirty := map[int]DirtyRow{}
		for _, d := range mf.Dirty {
			dirty[d.Row] = d
		}
		byRow := map[int][]string{}
		for _, r := range recs {
			byRow[r.row] = r.cells
		}
		for _, r := range recs {
			cells := r.cells
			if d, ok := dirty[r.row]; ok {
				if d.Kind == DirtyDuplicate {
					if !slices.Equal(cells, byRow[r.row-1]) {
						t.Errorf("%s row %d: duplicate differs from the row above", mf.Path, r.row)
					}
					continue
				}
				cells = checkDirty(t, mf, d, cells)
				if cells == nil {
					continue
				}
			}
			keys, err := decodeRow(mf, cells)
			if err != nil {
				t.Errorf("%s row %d: %v (%q)", mf.Path, r.row, err, cells)
				continue
			}
			for _, k := range keys {
				if !want.take(k) {
					t.Errorf("%s row %d: unexpected %s", mf.Path, r.row, k)
				}
			}
		}
	}
	left := make([]string, 0, len(want.rows))
	for k := range want.rows {
		left = append(left, k)
	}
	sort.Strings(left)
	if len(left) > 0 {
		t.Errorf("%d expected rows not found in any file, e.g. %s", len(left), left[0])
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("file %s is not in the manifest", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkFileMeta checks size and digest.
func checkFileMeta(t *testing.T, dir string, mf File) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(mf.Path)))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != mf.Bytes {
		t.Errorf("%s: %d bytes, manifest says %d", mf.Path, len(b), mf.Bytes)
	}
	if got := fmt.Sprintf("%x", sha256Sum(b)); got != mf.SHA256 {
		t.Errorf("%s: sha256 %s, manifest says %s", mf.Path, got, mf.SHA256)
	}
	if !strings.HasPrefix(mf.Path, mf.Department+"/") {
		t.Errorf("%s: not under its department %s", mf.Path, mf.Department)
	}
}

// checkDirty checks that a spoiled cell is wrong in the way the manifest
// says, and returns the row with the clean value restored (nil if the row
// cannot be checked further).
func checkDirty(t *testing.T, mf File, d DirtyRow, cells []string) []string {
	t.Helper()
	ci := slices.IndexFunc(mf.Columns, func(c Column) bool { return c.Name == d.Column })
	if ci < 0 {
		t.Errorf("%s row %d: dirty column %q not in the file", mf.Path, d.Row, d.Column)
		return nil
	}
	c, got := mf.Columns[ci], cells[ci]
	if got == d.Was {
		t.Errorf("%s row %d: %s cell %q is not spoiled", mf.Path, d.Row, d.Kind, got)
	}
	switch d.Kind {
	case DirtyCheckChar, DirtyCodeLetter:
		if creditcode.Valid(got) || !creditcode.Valid(d.Was) {
			t.Errorf("%s row %d: %s: %q valid=%v, was %q", mf.Path, d.Row, d.Kind, got, creditcode.Valid(got), d.Was)
		}
		if d.Kind == DirtyCodeLetter && !strings.ContainsAny(got, "OI") {
			t.Errorf("%s row %d: no O or I in %q", mf.Path, d.Row, got)
		}
	case DirtyMissing:
		if got != "" || !c.Required {
			t.Errorf("%s row %d: missing value %q in column required=%v", mf.Path, d.Row, got, c.Required)
		}
	case DirtyUnit:
		if c.Type != "money" {
			t.Errorf("%s row %d: wrong unit in a %s column", mf.Path, d.Row, c.Type)
		}
		wasV, err1 := strconv.ParseFloat(d.Was, 64)
		gotV, err2 := strconv.ParseFloat(got, 64)
		if err1 != nil || err2 != nil || wasV == 0 {
			t.Errorf("%s row %d: wrong unit %q (was %q)", mf.Path, d.Row, got, d.Was)
			break
		}
		ratio := gotV / wasV
		if !(near(ratio, 100) || near(ratio, 1e-4) || near(ratio, 1e4)) {
			t.Errorf("%s row %d: wrong unit %q is %v × %q", mf.Path, d.Row, got, ratio, d.Was)
		}
	case DirtyDate:
		if _, err := parseDate(got, c.Format); err == nil {
			t.Errorf("%s row %d: %q parses as %s", mf.Path, d.Row, got, c.Format)
		}
	default:
		t.Errorf("%s row %d: unknown dirty kind %q", mf.Path, d.Row, d.Kind)
		return nil
	}
	out := slices.Clone(cells)
	out[ci] = d.Was
	return out
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

func near(a, b float64) bool { return a/b > 0.99 && a/b < 1.01 }
