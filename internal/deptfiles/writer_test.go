package deptfiles

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// writeRegion writes bundles into dir and returns the manifest.
func writeRegion(t testing.TB, dir string, o Options, bundles []synth.Bundle) Manifest {
	t.Helper()
	o.Dir = dir
	w, err := NewWriter(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bundles {
		if err := w.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	bundles := handBundles(300, 4, 1)
	dir := t.TempDir()
	m := writeRegion(t, dir, Options{Province: "32", Seed: 7, DirtyRate: 0.05}, bundles)
	checkRegion(t, dir, bundles)

	if m.Province != "江苏省" || m.ProvinceCode != "32" || m.AsOf != "2026-10-31" {
		t.Errorf("province %q %q as of %q", m.Province, m.ProvinceCode, m.AsOf)
	}
	if m.Enterprises != 300 || m.DirtyRows == 0 {
		t.Errorf("enterprises %d dirty %d", m.Enterprises, m.DirtyRows)
	}
	kinds := map[string]int{}
	formats := map[string]bool{}
	for _, f := range m.Files {
		formats[f.Format+"/"+f.Encoding] = true
		for _, d := range f.Dirty {
			kinds[d.Kind]++
		}
	}
	for _, k := range []string{DirtyCheckChar, DirtyCodeLetter, DirtyMissing, DirtyDuplicate, DirtyUnit, DirtyDate} {
		if kinds[k] == 0 {
			t.Errorf("no dirty row of kind %s (%v)", k, kinds)
		}
	}
	for _, f := range []string{"csv/gb18030", "csv/utf-8-bom", "csv/utf-8", "xlsx/utf-8", "jsonl/utf-8"} {
		if !formats[f] {
			t.Errorf("no %s file", f)
		}
	}
	paths := make([]string, len(m.Files))
	for i, f := range m.Files {
		paths[i] = f.Path
	}
	for _, p := range []string{
		"samr/市场主体登记信息_20261031.csv",
		"samr/股东及出资信息_20261031.csv",
		"samr/行政处罚信息_2025年度.xlsx",
		"tax/行政处罚信息_2026年度.xlsx", // a penalty from the tax bureau
		"samr/经营异常名录_2025年度.xlsx",
		"samr/变更登记信息_2026年度.xlsx",
		"samr/注销登记信息_2026年度.xlsx",
		"samr/行政许可信息_2025年度.xlsx",
		"tax/纳税人申报信息_202610.xlsx",
		"tax/纳税人申报信息_202610_更正.xlsx",
		"tax/纳税信用等级评价结果_2026.csv",
		"hrss/单位参保缴费信息_202607.csv",
		"hf/住房公积金缴存信息_202608.csv",
		"grid/electricity_202609.jsonl",
		"water/用水信息_202610.csv",
		"gas/用气信息_202610.csv",
		"court/court_cases_2025.jsonl",
		"sci/企业荣誉资质_2026.csv",
		"fin/中国工商银行南京分行_贷款信息报送_2024.csv",
		"fin/农村商业银行_无锡_贷款信息报送_2025.csv",
		"customs/其他信息_2025.csv",
	} {
		if !slices.Contains(paths, p) {
			t.Errorf("no file %s in %q", p, paths)
		}
	}
	if !slices.IsSorted(paths) {
		t.Error("manifest files not in path order")
	}
	for _, f := range m.Files {
		if f.Format == formatXLSX && (f.TitleRows != 2 || f.HeaderRow != 3 || !strings.HasPrefix(f.Title, f.DepartmentName+" ")) {
			t.Errorf("%s: title rows %d header %d title %q", f.Path, f.TitleRows, f.HeaderRow, f.Title)
		}
	}
	tax := m.Files[slices.Index(paths, "tax/纳税人申报信息_202610.xlsx")]
	if tax.Title != "国家税务总局江苏省税务局 纳税人申报信息（2026年10月）" || tax.GeneratedOn != "2026-11-10" {
		t.Errorf("tax title %q generated %s", tax.Title, tax.GeneratedOn)
	}
}

// TestXLSXLayout checks what a person opening a workbook sees.
func TestXLSXLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := writeRegion(t, dir, Options{Province: "江苏省", DirtyRate: -1}, handBundles(3, 1, 2))
	for _, f := range m.Files {
		if f.Path != "samr/行政处罚信息_2025年度.xlsx" {
			continue
		}
		recs := readRecords(t, dir, f)
		if len(recs) == 0 || recs[0].row != 4 {
			t.Fatalf("records %v", recs)
		}
		zr, err := zip.OpenReader(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		stamp := zr.File[0].Modified.UTC()
		if stamp.Year() != 2025 || stamp.In(beijing).Format(time.DateOnly) != f.GeneratedOn {
			t.Errorf("zip time %v, generated on %s", stamp, f.GeneratedOn)
		}
		for _, zf := range zr.File {
			if !zf.Modified.Equal(stamp) {
				t.Errorf("%s modified %v, want %v", zf.Name, zf.Modified, stamp)
			}
			if zf.Name != "docProps/core.xml" {
				continue
			}
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			for _, want := range []string{stamp.Format(time.RFC3339), "江苏省市场监督管理局"} {
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("core.xml lacks %s: %s", want, b)
				}
			}
		}
		return
	}
	t.Fatal("no penalty workbook")
}

// TestDeterministic writes the same region twice, at different times, and
// compares every byte.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	bundles := handBundles(200, 3, 3)
	a, b := t.TempDir(), t.TempDir()
	writeRegion(t, a, Options{Province: "32", Seed: 9}, bundles)
	time.Sleep(1100 * time.Millisecond) // a wall-clock leak would show
	writeRegion(t, b, Options{Province: "32", Seed: 9}, bundles)
	files := 0
	err := filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between runs", rel)
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("only %d files", files)
	}
	// Another seed spoils other rows.
	c := t.TempDir()
	m1 := readManifest(t, a)
	m2 := writeRegion(t, c, Options{Province: "32", Seed: 10}, bundles)
	if slices.EqualFunc(m1.Files, m2.Files, func(x, y File) bool { return x.SHA256 == y.SHA256 }) {
		t.Error("seed does not change the dirty rows")
	}
}

// TestLarge writes 2,000 enterprises (500 under the race detector: still
// tens of thousands of rows, enough for the dirty share's bounds) over a
// year of months and checks the manifest and every file.
func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping 2,000-enterprise region in -short mode")
	}
	t.Parallel()
	n := 2000
	if raceEnabled {
		n = 500
	}
	bundles := handBundles(n, 12, 4)
	dir := t.TempDir()
	m := writeRegion(t, dir, Options{Province: "32", Seed: 1}, bundles)
	checkRegion(t, dir, bundles)
	share := float64(m.DirtyRows) / float64(m.DataRows)
	if share < 0.003 || share > 0.008 {
		t.Errorf("dirty share %.4f (%d of %d), want about %.3f", share, m.DirtyRows, m.DataRows, DefaultDirtyRate)
	}
	if len(m.Files) < 12*6 {
		t.Errorf("%d files", len(m.Files))
	}
}

func TestNoDirtyRows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := writeRegion(t, dir, Options{Province: "32", DirtyRate: -1}, handBundles(100, 2, 5))
	if m.DirtyRows != 0 || m.DirtyRate != 0 {
		t.Fatalf("dirty rows %d rate %v", m.DirtyRows, m.DirtyRate)
	}
}

func TestNewWriterRefuses(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		o    Options
	}{
		{"no dir", Options{}},
		{"non-empty dir", Options{Dir: full}},
		{"rate above one", Options{Dir: t.TempDir(), DirtyRate: 1.5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewWriter(tc.o); err == nil {
				t.Fatal("NewWriter accepted it")
			}
		})
	}
	// A directory that does not exist yet is made.
	w, err := NewWriter(Options{Dir: filepath.Join(t.TempDir(), "a", "b")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAddRejects(t *testing.T) {
	t.Parallel()
	base := handBundles(1, 1, 6)[0]
	cases := []struct {
		name   string
		mutate func(b *synth.Bundle)
	}{
		{"no code", func(b *synth.Bundle) { b.Profile.Code = "" }},
		{"measure mid-month", func(b *synth.Bundle) { b.Facts[0].Period = b.Facts[0].Period.AddDate(0, 0, 3) }},
		{"time of day", func(b *synth.Bundle) { b.Facts[0].Period = b.Facts[0].Period.Add(time.Hour) }},
		{"bad department", func(b *synth.Bundle) { b.Facts[0].Source = "../tax" }},
		{"detail not an object", func(b *synth.Bundle) { b.Facts[0].Detail = "[1]" }},
		{"same cell twice", func(b *synth.Bundle) { b.Facts = append(b.Facts, b.Facts[0]) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := base
			b.Facts = slices.Clone(base.Facts)
			tc.mutate(&b)
			w, err := NewWriter(Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Add(b); err == nil {
				t.Fatal("Add accepted it")
			}
			if err := w.Add(base); err == nil {
				t.Fatal("Add after an error succeeded")
			}
			if _, err := w.Close(); err == nil {
				t.Fatal("Close after an error succeeded")
			}
		})
	}
}

func TestScaled(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v, scale int64
		want     string
	}{
		{0, 100, "0.00"},
		{5, 100, "0.05"},
		{-123456, 100, "-1234.56"},
		{1234567, 100, "12345.67"},
		{5000000, 1000000, "5"},
		{123456, 1000000, "0.123456"},
		{-1500000, 1000000, "-1.5"},
		{435, 100, "4.35"},
		{42, 1, "42"},
	}
	for _, tc := range cases {
		got := scaled(tc.v, tc.scale)
		if got != tc.want {
			t.Errorf("scaled(%d, %d) = %q, want %q", tc.v, tc.scale, got, tc.want)
		}
		back, err := unscale(got, tc.scale)
		if err != nil || back != tc.v {
			t.Errorf("unscale(%q, %d) = %d, %v", got, tc.scale, back, err)
		}
	}
}

// TestCatalogue checks the specs are well formed: every file has exactly
// one code column, a name, unique headers, and every measure item one
// home per department.
func TestCatalogue(t *testing.T) {
	t.Parallel()
	for _, s := range allSpecs() {
		codes, names := 0, map[string]bool{}
		for _, c := range s.columns {
			if c.Type == "code" {
				codes++
			}
			if names[c.Name] {
				t.Errorf("%s: header %s twice", s.dataset, c.Name)
			}
			names[c.Name] = true
			if (c.Type == "date" || c.Type == "month") && layouts[c.Format] == "" {
				t.Errorf("%s: %s has format %q", s.dataset, c.Name, c.Format)
			}
			if c.Type == "money" && c.Scale != 100 && c.Scale != 1000000 {
				t.Errorf("%s: %s scale %d", s.dataset, c.Name, c.Scale)
			}
		}
		if codes != 1 {
			t.Errorf("%s: %d code columns", s.dataset, codes)
		}
		if s.kind == rowFact && !names[extraColumnName(s)] {
			t.Errorf("%s: no extra column", s.dataset)
		}
	}
}

func extraColumnName(s *spec) string {
	for _, c := range s.columns {
		if c.Field == "fact.extra" {
			return c.Name
		}
	}
	return ""
}

// TestGenericFile checks that unknown items land in the generic file.
func TestGenericFile(t *testing.T) {
	t.Parallel()
	c := newCatalogue()
	cases := []struct {
		f    facts.Fact
		want string
	}{
		{facts.Fact{Item: "penalty.administrative", Shape: facts.Event, Source: "tax"}, "penalties"},
		{facts.Fact{Item: "tax.credit_grade", Shape: facts.Attribute, Source: "tax"}, "tax.credit_grades"},
		{facts.Fact{Item: "tax.credit_grade", Shape: facts.Attribute, Source: "samr"}, "other"},
		{facts.Fact{Item: "judicial.dishonest", Shape: facts.Event, Source: "court"}, "court_cases"},
		{facts.Fact{Item: "judicial.dishonest", Shape: facts.Attribute, Source: "court"}, "other"},
		{facts.Fact{Item: "ip.patent", Shape: facts.Event, Source: "ip"}, "other"},
	}
	for _, tc := range cases {
		if got := c.factSpec(&tc.f).dataset; got != tc.want {
			t.Errorf("%s from %s (%s): %s, want %s", tc.f.Item, tc.f.Source, tc.f.Shape, got, tc.want)
		}
	}
}

// TestXLSXDisplayedValues checks that what Excel displays in a 元 column
// (two decimals) is the same amount as the raw cell.
func TestXLSXDisplayedValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := writeRegion(t, dir, Options{Province: "32", DirtyRate: -1}, handBundles(50, 1, 8))
	checked := 0
	for _, mf := range m.Files {
		if mf.Format != formatXLSX {
			continue
		}
		f, err := excelize.OpenFile(filepath.Join(dir, filepath.FromSlash(mf.Path)))
		if err != nil {
			t.Fatal(err)
		}
		shown, err1 := f.GetRows(mf.Sheet)
		raw, err2 := f.GetRows(mf.Sheet, excelize.Options{RawCellValue: true})
		f.Close()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for r := mf.HeaderRow; r < len(raw); r++ {
			for i, c := range mf.Columns {
				if c.Type != "money" || i >= len(raw[r]) || raw[r][i] == "" {
					continue
				}
				a, errA := unscale(shown[r][i], c.Scale)
				b, errB := unscale(raw[r][i], c.Scale)
				if errA != nil || errB != nil || a != b {
					t.Errorf("%s row %d %s: shown %q, raw %q", mf.Path, r+1, c.Name, shown[r][i], raw[r][i])
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no money cells checked")
	}
}

func FuzzScaled(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 99, 100, 123456789, -987654321, 1 << 52} {
		f.Add(v, true)
	}
	f.Fuzz(func(t *testing.T, v int64, wan bool) {
		if v > 1<<62 || v < -(1<<62) {
			return
		}
		scale := int64(100)
		if wan {
			scale = 1000000
		}
		s := scaled(v, scale)
		back, err := unscale(s, scale)
		if err != nil || back != v {
			t.Fatalf("scaled(%d, %d) = %q, back %d, %v", v, scale, s, back, err)
		}
	})
}

// BenchmarkAdd measures writing enterprises with a year of data each.
func BenchmarkAdd(b *testing.B) {
	bundles := handBundles(500, 12, 9)
	b.ResetTimer()
	for range b.N {
		dir := b.TempDir()
		writeRegion(b, dir, Options{Province: "32"}, bundles)
	}
	b.ReportMetric(float64(len(bundles)*b.N)/b.Elapsed().Seconds(), "enterprises/s")
}

// TestDocCatalogue keeps the table in doc.go in step with the specs.
func TestDocCatalogue(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range allSpecs() {
		if !strings.Contains(doc, s.name) {
			t.Errorf("doc.go does not list %s", s.name)
		}
		for _, c := range s.columns {
			if !strings.Contains(doc, c.Name) {
				t.Errorf("doc.go does not list column %s of %s", c.Name, s.name)
			}
		}
	}
}
