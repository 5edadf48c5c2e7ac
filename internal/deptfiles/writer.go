package deptfiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/region"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// DefaultDirtyRate is the share of data rows spoiled when Options.DirtyRate
// is zero.
const DefaultDirtyRate = 0.005

// ManifestName is the manifest's file name in the output directory.
const ManifestName = "manifest.json"

// spoolDir holds XLSX rows while the region streams in; removed by Close.
const spoolDir = ".spool"

// Options configures a Writer.
type Options struct {
	// Dir is the output directory; it must not exist or be empty.
	Dir string
	// Province names the province in titles and department names: a
	// GB/T 2260 code ("32", "320000") or a name ("江苏省"). Empty means the
	// province of the first enterprise's division.
	Province string
	// Seed chooses the dirty rows.
	Seed uint64
	// DirtyRate is the share of data rows spoiled (0..1); zero means
	// DefaultDirtyRate and a negative value means none.
	DirtyRate float64
}

// Writer writes a synthetic region as department files. It is not safe for
// concurrent use. After an error from Add the Writer keeps returning it,
// and Close closes and removes the files written so far and writes no
// manifest.
type Writer struct {
	o        Options
	rate     float64
	province string // name
	provCode string // two digits
	cat      *catalogue
	files    map[string]*file // by key
	order    []*file          // in order of creation
	// asOf is the end of the latest month measured; other dates count
	// only when there is no measure at all.
	asOf, asOfOther time.Time
	m               Manifest
	spoolN          int
	iface           []*ifaceTable // interface tables (interface.go)
	err             error
	closed          bool
}

// file is one open department file.
type file struct {
	spec    *spec
	dept    string
	lender  string    // fin files
	period  time.Time // month (first day), year (Jan 1), zero for snapshots
	version int
	path    string // relative, slash-separated; snapshots get theirs at Close
	sink    sink
	dirty   *dirtier
	next    int // physical row of the next data row
	ordinal int // data rows so far (0-based ordinal of the next)
	// received is the latest ReceivedAt of the file's facts or loans:
	// when the department delivered it.
	received  time.Time
	generated time.Time // set by finish
	meta      File
}

// NewWriter prepares a Writer; no file is created until Add needs it.
func NewWriter(o Options) (*Writer, error) {
	if o.Dir == "" {
		return nil, errors.New("deptfiles: Options.Dir is required")
	}
	rate := o.DirtyRate
	switch {
	case math.IsNaN(rate) || rate > 1:
		return nil, fmt.Errorf("deptfiles: DirtyRate %v is not in 0..1", rate)
	case rate == 0:
		rate = DefaultDirtyRate
	case rate < 0:
		rate = 0
	}
	entries, err := os.ReadDir(o.Dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(o.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("deptfiles: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("deptfiles: %w", err)
	case len(entries) > 0:
		return nil, fmt.Errorf("deptfiles: output directory %s is not empty", o.Dir)
	}
	w := &Writer{o: o, rate: rate, cat: newCatalogue(), files: map[string]*file{}}
	w.province, w.provCode = resolveProvince(o.Province)
	return w, nil
}

// resolveProvince reads a province code or name.
func resolveProvince(s string) (name, code string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if (len(s) == 2 || len(s) == 6) && strings.Trim(s, "0123456789") == "" {
		if d, ok := region.Lookup(s[:2] + "0000"); ok {
			return d.NameZH, s[:2]
		}
		return s, s[:2]
	}
	for _, d := range region.Provinces() {
		if d.NameZH == s || strings.EqualFold(d.NameEN, s) {
			return d.NameZH, d.Code[:2]
		}
	}
	return s, ""
}

// Add writes one enterprise's registration record, facts and loans, each
// row at once to its file.
func (w *Writer) Add(b synth.Bundle) error {
	if w.closed {
		return errors.New("deptfiles: Add after Close")
	}
	if w.err != nil {
		return w.err
	}
	if err := w.add(&b); err != nil {
		w.err = err
		return err
	}
	return nil
}

// measureKey identifies one measure row of one bundle.
type measureKey struct {
	spec    *spec
	month   time.Time
	version int
}

func (w *Writer) add(b *synth.Bundle) error {
	p := &b.Profile
	if p.Code == "" || p.NameZH == "" {
		return fmt.Errorf("deptfiles: enterprise %d has no credit code or name", p.Index)
	}
	if w.province == "" && len(p.Division) >= 2 {
		w.province, w.provCode = resolveProvince(p.Division[:2])
	}
	w.m.Enterprises++
	w.m.Facts += len(b.Facts)
	w.m.Loans += len(b.Loans)
	w.seenOther(p.FoundedOn)

	// Registration snapshot and shareholders.
	if err := w.row(profileSpec, "samr", "", time.Time{}, 1, time.Time{}, profileCells(p)); err != nil {
		return err
	}
	for i := range p.Shareholders {
		if err := w.row(shareholderSpec, "samr", "", time.Time{}, 1, time.Time{}, shareholderCells(p, &p.Shareholders[i])); err != nil {
			return err
		}
	}

	// Measures: one row per (file, month) with every item of that month.
	var keys []measureKey
	rows := map[measureKey][]string{}
	received := map[measureKey]time.Time{}
	for i := range b.Facts {
		f := &b.Facts[i]
		if err := checkFact(p, f); err != nil {
			return err
		}
		slot, ok := w.cat.measures[[2]string{f.Source, f.Item}]
		if !ok || f.Shape != facts.Measure {
			continue
		}
		if f.Period.Day() != 1 {
			return fmt.Errorf("deptfiles: %s %s: a measure's period must be the first day of a month, got %s",
				p.Code, f.Item, f.Period.Format(time.DateOnly))
		}
		w.seen(monthEnd(f.Period))
		k := measureKey{slot.spec, f.Period, version(f)}
		cells, ok := rows[k]
		if !ok {
			cells = make([]string, len(slot.spec.columns))
			for ci, c := range slot.spec.columns {
				switch c.Field {
				case "enterprise.code":
					cells[ci] = flatten(p.Code)
				case "enterprise.name":
					cells[ci] = flatten(p.NameZH)
				case "fact.period":
					cells[ci] = formatDate(f.Period, c.Format)
				}
			}
			rows[k] = cells
			keys = append(keys, k)
		}
		if cells[slot.col] != "" {
			return fmt.Errorf("deptfiles: %s reports %s for %s twice (version %d)",
				p.Code, f.Item, f.Period.Format("2006-01"), k.version)
		}
		cells[slot.col] = cellValue(slot.spec.columns[slot.col], f.Num)
		if f.ReceivedAt.After(received[k]) {
			received[k] = f.ReceivedAt
		}
	}
	for _, k := range keys {
		if err := w.row(k.spec, k.spec.dept, "", k.month, k.version, received[k], rows[k]); err != nil {
			return err
		}
	}

	// Events and attributes: one row per fact.
	for i := range b.Facts {
		f := &b.Facts[i]
		if _, ok := w.cat.measures[[2]string{f.Source, f.Item}]; ok && f.Shape == facts.Measure {
			continue
		}
		w.seenOther(f.Period)
		s := w.cat.factSpec(f)
		cells, err := factCells(s, p, f)
		if err != nil {
			return err
		}
		year := time.Date(f.Period.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		if err := w.row(s, f.Source, "", year, version(f), f.ReceivedAt, cells); err != nil {
			return err
		}
	}

	// Loans, per lender and year of the start date.
	for i := range b.Loans {
		l := &b.Loans[i]
		if l.StartOn.IsZero() || !midnight(l.StartOn) {
			return fmt.Errorf("deptfiles: %s loan %s: start date %v is not a date", p.Code, l.ContractNo, l.StartOn)
		}
		w.seenOther(l.StartOn)
		year := time.Date(l.StartOn.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		if err := w.row(loanSpec, "fin", l.Lender, year, 1, l.ReceivedAt, loanCells(p, l)); err != nil {
			return err
		}
	}
	return w.addInterface(b)
}

// seen moves the as-of date forward to the end of a measured month.
func (w *Writer) seen(t time.Time) {
	if t.After(w.asOf) {
		w.asOf = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
}

// seenOther records a date of an event, attribute, loan or founding.
func (w *Writer) seenOther(t time.Time) {
	if t.After(w.asOfOther) {
		w.asOfOther = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
}

func version(f *facts.Fact) int { return max(f.Version, 1) }

// checkFact rejects what no department file could carry faithfully.
func checkFact(p *synth.Profile, f *facts.Fact) error {
	if !safeDept(f.Source) {
		return fmt.Errorf("deptfiles: %s %s: department %q is not a department code", p.Code, f.Item, f.Source)
	}
	if f.Item == "" {
		return fmt.Errorf("deptfiles: %s: a fact from %s has no item", p.Code, f.Source)
	}
	if f.Period.IsZero() || !midnight(f.Period) || !f.EndsOn.IsZero() && !midnight(f.EndsOn) {
		return fmt.Errorf("deptfiles: %s %s: period %v / ends on %v are not dates", p.Code, f.Item, f.Period, f.EndsOn)
	}
	if f.Detail != "" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(f.Detail), &obj); err != nil || obj == nil {
			return fmt.Errorf("deptfiles: %s %s: Detail is not a JSON object", p.Code, f.Item)
		}
	}
	return nil
}

// safeDept accepts department codes usable as a directory name.
func safeDept(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// row writes one data row to the file it belongs to, spoiling it if its
// number comes up.
func (w *Writer) row(s *spec, dept, lender string, period time.Time, ver int, received time.Time, cells []string) error {
	fl, err := w.open(s, dept, lender, period, ver)
	if err != nil {
		return err
	}
	if received.After(fl.received) {
		fl.received = received
	}
	out, d := fl.dirty.spoil(fl.ordinal, cells)
	fl.ordinal++
	if d != nil {
		d.Row = fl.next
		if d.Kind == DirtyDuplicate {
			d.Row++
			d.Note = "copy of row " + strconv.Itoa(fl.next)
		}
		fl.meta.Dirty = append(fl.meta.Dirty, *d)
	}
	for _, r := range out {
		if err := fl.sink.write(r); err != nil {
			return fmt.Errorf("deptfiles: %s: %w", fl.path, err)
		}
		fl.next++
		fl.meta.Rows++
	}
	return nil
}

// open returns the file for a spec and partition, creating it on first use.
func (w *Writer) open(s *spec, dept, lender string, period time.Time, ver int) (*file, error) {
	key := fileKey(s, dept, lender, period, ver)
	if fl, ok := w.files[key]; ok {
		return fl, nil
	}
	fl := &file{spec: s, dept: dept, lender: lender, period: period, version: ver}
	fl.path = dept + "/" + fileName(s, lender, period, time.Time{}, ver)
	fl.meta = File{
		Department: dept, Dataset: s.dataset, RowKind: s.kind, Item: s.item, Shape: string(s.shape),
		Version: ver, Format: s.format, Encoding: s.encoding, Columns: s.columns, DetailDefaults: s.detailDefaults,
		Dirty: []DirtyRow{},
	}
	for _, c := range s.columns {
		if c.Type == "code" {
			fl.meta.KeyColumn = c.Name
			break
		}
	}
	switch s.format {
	case formatCSV:
		fl.meta.HeaderRow, fl.next = 1, 2
		fl.meta.LineEnding = "lf"
		if s.crlf {
			fl.meta.LineEnding = "crlf"
		}
	case formatJSONL:
		fl.meta.LineEnding, fl.next = "lf", 1
	case formatXLSX:
		fl.meta.TitleRows, fl.meta.HeaderRow, fl.next = 2, 3, 4
		fl.meta.Sheet = s.title
	}
	abs := filepath.Join(w.o.Dir, filepath.FromSlash(fl.path))
	if s.part == bySnapshot {
		// Named at Close, when the as-of date is known.
		abs = filepath.Join(w.o.Dir, dept, "."+s.dataset+".partial")
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("deptfiles: %w", err)
	}
	var err error
	switch s.format {
	case formatCSV:
		header := make([]string, len(s.columns))
		for i, c := range s.columns {
			header[i] = c.Name
		}
		fl.sink, err = newCSVSink(abs, s.encoding, s.crlf, header)
	case formatJSONL:
		fl.sink, err = newJSONLSink(abs, s.columns)
	case formatXLSX:
		spool := filepath.Join(w.o.Dir, spoolDir)
		if err := os.MkdirAll(spool, 0o700); err != nil {
			return nil, fmt.Errorf("deptfiles: %w", err)
		}
		w.spoolN++
		fl.sink, err = newSpoolSink(abs, filepath.Join(spool, strconv.Itoa(w.spoolN)+".rows"),
			func(rows func(func([]string) error) error) (int64, string, error) {
				return buildXLSX(xlsxLayout{
					path: abs, sheet: fl.meta.Sheet, title: fl.meta.Title,
					subtitle: subtitle(fl), columns: s.columns,
					generated: fl.generated, creator: fl.meta.DepartmentName, tmpDir: spool,
				}, rows)
			})
	default:
		err = fmt.Errorf("deptfiles: unknown format %q", s.format)
	}
	if err != nil {
		return nil, fmt.Errorf("deptfiles: %w", err)
	}
	fl.dirty = newDirtier(w.o.Seed, w.rate, key, s.columns)
	w.files[key] = fl
	w.order = append(w.order, fl)
	return fl, nil
}

// fileKey identifies a file independently of the as-of date, so that
// dirty rows do not move when the region grows by a month.
func fileKey(s *spec, dept, lender string, period time.Time, ver int) string {
	return fmt.Sprintf("%s|%s|%s|%s|%d", s.dataset, dept, lender, period.Format(time.DateOnly), ver)
}

// fileName fills a spec's name pattern.
func fileName(s *spec, lender string, period, asOf time.Time, ver int) string {
	n := strings.NewReplacer(
		"{yyyymmdd}", asOf.Format("20060102"),
		"{yyyymm}", period.Format("200601"),
		"{yyyy}", period.Format("2006"),
		"{lender}", safeFileName(lender),
	).Replace(s.name)
	if ver > 1 {
		// Measures are corrected (更正); events are updated (更新: a list
		// removal, a case closed).
		ext := filepath.Ext(n)
		suffix := "_更正"
		if s.kind == rowFact {
			suffix = "_更新"
		}
		if ver > 2 {
			suffix += strconv.Itoa(ver - 1)
		}
		n = strings.TrimSuffix(n, ext) + suffix + ext
	}
	return n
}

// safeFileName replaces what file systems refuse in a name.
func safeFileName(s string) string {
	if s == "" {
		return "未知机构"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>| `, r) {
			return '_'
		}
		return r
	}, s)
}

// Close finishes every file, writes manifest.json and returns the manifest.
// It removes the spool directory whatever happens.
func (w *Writer) Close() (Manifest, error) {
	if w.closed {
		return Manifest{}, errors.New("deptfiles: Close called twice")
	}
	w.closed = true
	defer os.RemoveAll(filepath.Join(w.o.Dir, spoolDir))
	if w.err != nil {
		for _, fl := range w.order {
			fl.sink.abort()
		}
		w.abortInterface()
		return Manifest{}, w.err
	}
	asOf := w.asOf
	if asOf.IsZero() {
		asOf = w.asOfOther
	}
	var errs []error
	for _, fl := range w.order {
		w.finish(fl, asOf)
		if fl.spec.part == bySnapshot {
			fl.path = fl.dept + "/" + fileName(fl.spec, "", time.Time{}, asOf, fl.version)
		}
		size, sum, err := fl.sink.close()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if fl.spec.part == bySnapshot {
			partial := filepath.Join(w.o.Dir, fl.dept, "."+fl.spec.dataset+".partial")
			if err := os.Rename(partial, filepath.Join(w.o.Dir, filepath.FromSlash(fl.path))); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		fl.meta.Path, fl.meta.Bytes, fl.meta.SHA256 = fl.path, size, sum
	}
	tables, err := w.closeInterface()
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return Manifest{}, err
	}
	m := w.m
	m.Interface = tables
	m.Synthetic = true
	m.Generator = "CreditBridge internal/deptfiles: synthetic department files generated from a synthetic " +
		"region (internal/synth). No row describes a real enterprise or person; identity numbers, " +
		"names and codes are made up."
	m.Province, m.ProvinceCode = w.province, w.provCode
	if !asOf.IsZero() {
		m.AsOf = asOf.Format(time.DateOnly)
	}
	m.Seed, m.DirtyRate = w.o.Seed, w.rate
	m.Conventions = conventions
	m.Files = make([]File, 0, len(w.order))
	for _, fl := range w.order {
		m.Files = append(m.Files, fl.meta)
		m.DataRows += fl.meta.Rows
		m.DirtyRows += len(fl.meta.Dirty)
	}
	slices.SortFunc(m.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return Manifest{}, fmt.Errorf("deptfiles: %w", err)
	}
	if err := os.WriteFile(filepath.Join(w.o.Dir, ManifestName), buf.Bytes(), 0o644); err != nil {
		return Manifest{}, fmt.Errorf("deptfiles: %w", err)
	}
	return m, nil
}

// conventions are stated once in every manifest.
var conventions = []string{
	"Money in facts is integer fen; a file value v in a column with scale s is the fact value v × s (元: 100, 万元: 1000000). Rates and shares in % × 100 are basis points.",
	"A measure file has one row per enterprise and period; each column with an item is one fact of that item; a blank cell means the department reported no value.",
	"A fact file has one row per event or attribute; its item is the file's item or the fact.item column's.",
	"Dates are calendar dates in the column's format; a blank date means none (an open event). Blank numbers are 0 only in blank_zero columns.",
	"An enum value not listed in the column's values means itself.",
	"A fact's Detail is: the file's detail_defaults, then the fact.detail.* columns, then the values of detail_key columns and the detail_const of filled columns, then fact.extra's detail (which wins); minus fact.extra's detail_absent keys.",
	"fact.extra holds, as a JSON object, whatever of the fact has no column of its own (num, text, ref, ends_on, detail, detail_absent); blank means nothing more.",
	"Files with version > 1 (names ending 更正 or 更新) replace the previous version of the same enterprise, item, period and reference.",
	"Rows listed under dirty are deliberately wrong; every other row is exact. XLSX values should be read raw (a 元 cell displays two decimals).",
}

// finish fills a file's manifest entry from what is known at Close.
func (w *Writer) finish(fl *file, asOf time.Time) {
	s := fl.spec
	fl.meta.DepartmentName = deptName(fl.dept, fl.lender, w.province, w.provCode)
	var label string
	switch s.part {
	case byMonth:
		fl.meta.Period = fl.period.Format("2006-01")
		label = fmt.Sprintf("%d年%d月", fl.period.Year(), int(fl.period.Month()))
	case byYear:
		fl.meta.Period = fl.period.Format("2006")
		label = fl.period.Format("2006") + "年度"
	case bySnapshot:
		fl.meta.Period = asOf.Format(time.DateOnly)
		label = fmt.Sprintf("截至%d年%d月%d日", asOf.Year(), int(asOf.Month()), asOf.Day())
	}
	if fl.version > 1 {
		label += "，更正"
		if s.kind == rowFact {
			label = label[:len(label)-len("更正")] + "更新"
		}
	}
	fl.meta.Title = fl.meta.DepartmentName + " " + s.title + "（" + label + "）"
	fl.generated = generatedAt(fl, asOf)
	fl.meta.GeneratedOn = fl.generated.In(beijing).Format(time.DateOnly)
}

// beijing is UTC+8, the departments' clock.
var beijing = time.FixedZone("CST", 8*60*60)

// generatedAt is when the department produced the file: when it delivered
// the latest fact in it or, for files without delivery times, 09:00
// Beijing time lagDays after the period's end (or after the as-of date,
// for the current year and snapshots).
func generatedAt(fl *file, asOf time.Time) time.Time {
	if !fl.received.IsZero() {
		return fl.received.UTC().Truncate(time.Second)
	}
	var end time.Time
	switch fl.spec.part {
	case byMonth:
		end = monthEnd(fl.period)
	case byYear:
		end = time.Date(fl.period.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
		if !asOf.IsZero() && asOf.Before(end) {
			end = asOf
		}
	case bySnapshot:
		end = asOf
	}
	return end.AddDate(0, 0, fl.spec.lagDays).Add(1 * time.Hour) // 09:00 UTC+8
}

func subtitle(fl *file) string {
	s := "数据生成日期：" + fl.meta.GeneratedOn
	if fl.spec.unitNote != "" {
		s += "　　" + fl.spec.unitNote
	}
	return s
}

// deptName is how a department signs its files.
func deptName(dept, lender, province, provCode string) string {
	muni := provCode == "11" || provCode == "12" || provCode == "31" || provCode == "50"
	hall := "厅"
	if muni {
		hall = "局"
	}
	switch dept {
	case "tax":
		return "国家税务总局" + province + "税务局"
	case "hrss":
		return province + "人力资源和社会保障" + hall
	case "hf":
		return province + "住房公积金管理中心"
	case "grid":
		return "国网" + province + "电力有限公司"
	case "water":
		return province + "城镇供水企业（汇总报送）"
	case "gas":
		return province + "城镇燃气企业（汇总报送）"
	case "court":
		return province + "高级人民法院"
	case "samr":
		return province + "市场监督管理局"
	case "sci":
		return province + "科学技术" + hall
	case "fin":
		if lender == "" {
			return "未知机构"
		}
		return lender
	}
	return province + "（" + dept + "）"
}
