package ingest_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/creditbridge/creditbridge/internal/ingest"
)

var reportProblems = []ingest.Problem{
	{Row: 5, Column: "统一社会信用代码", Value: "91320100MA1X00000X", Code: "ingest.bad_code"},
	{Row: 9, Column: "所属期", Value: "2026-13", Code: "ingest.bad_date", Format: "YYYY-MM"},
	{Row: 12, Code: "ingest.duplicate", Of: 7},
	{Row: 14, Column: "应纳税额（元）", Value: "=1+1", Code: "ingest.bad_number"},
	{Row: 20, Column: "x", Value: "v", Code: "ingest.some_future_code"},
}

func seqOf(ps []ingest.Problem) iter.Seq2[ingest.Problem, error] {
	return func(yield func(ingest.Problem, error) bool) {
		for _, p := range ps {
			if !yield(p, nil) {
				return
			}
		}
	}
}

func TestStreamReportCSVEqualsWriteReport(t *testing.T) {
	t.Parallel()
	for _, ps := range [][]ingest.Problem{nil, reportProblems} {
		var want, got bytes.Buffer
		if err := ingest.WriteReport(&want, ps); err != nil {
			t.Fatal(err)
		}
		if err := ingest.StreamReportCSV(&got, seqOf(ps)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("StreamReportCSV:\n%s\nWriteReport:\n%s", got.String(), want.String())
		}
	}
}

func TestReportXLSXHasTheCSVRows(t *testing.T) {
	t.Parallel()
	var csvOut, xlsxOut bytes.Buffer
	if err := ingest.WriteReport(&csvOut, reportProblems); err != nil {
		t.Fatal(err)
	}
	if err := ingest.WriteReportXLSX(&xlsxOut, reportProblems); err != nil {
		t.Fatal(err)
	}
	want, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvOut.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsxOut)
	if err != nil {
		t.Fatalf("the XLSX report does not open: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"errors"}) {
		t.Fatalf("sheets = %v, want [errors]", sheets)
	}
	got, err := f.GetRows("errors")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("XLSX has %d rows, CSV %d", len(got), len(want))
	}
	for i := range want {
		// GetRows drops trailing empty cells; pad to compare.
		row := append(got[i], make([]string, len(want[i])-len(got[i]))...)
		if !slices.Equal(row, want[i]) {
			t.Errorf("row %d:\n xlsx %q\n csv  %q", i+1, row, want[i])
		}
	}
	if want[1][4] != ingest.SeverityError || !strings.Contains(want[1][5], "无效") || !strings.Contains(want[1][6], "not valid") {
		t.Errorf("reasons not filled in both languages: %q", want[1])
	}
	// A value that looks like a formula stays text.
	typ, err := f.GetCellType("errors", "C5")
	if err != nil {
		t.Fatal(err)
	}
	if formula, _ := f.GetCellFormula("errors", "C5"); formula != "" || typ == excelize.CellTypeFormula {
		t.Errorf("C5 became a formula (%q, type %v)", formula, typ)
	}
	if typ, _ := f.GetCellType("errors", "A2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("row number cell type = %v, want a number", typ)
	}
}

func TestStreamReportStopsOnTheSourceError(t *testing.T) {
	t.Parallel()
	boom := errors.New("read failed")
	bad := func(yield func(ingest.Problem, error) bool) {
		if yield(reportProblems[0], nil) {
			yield(ingest.Problem{}, boom)
		}
	}
	if err := ingest.StreamReportXLSX(&bytes.Buffer{}, bad); !errors.Is(err, boom) {
		t.Errorf("xlsx: %v, want the source error", err)
	}
	if err := ingest.StreamReportCSV(&bytes.Buffer{}, bad); !errors.Is(err, boom) {
		t.Errorf("csv: %v, want the source error", err)
	}
}
