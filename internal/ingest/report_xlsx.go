package ingest

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// ReportXLSXType is the media type of the XLSX error report.
const ReportXLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// reportColumns are WriteReport's columns; both report formats share them
// (a test holds StreamReportCSV to WriteReport's bytes).
var reportColumns = []string{"row", "column", "value", "code", "severity", "reason_zh", "reason_en"}

func reportRow(p Problem) []string {
	en, zh := p.Reason()
	return []string{strconv.Itoa(p.Row), p.Column, p.Value, p.Code, p.Severity(), zh, en}
}

// WriteReportXLSX writes problems as an XLSX workbook with the CSV
// report's columns (see WriteReport).
func WriteReportXLSX(w io.Writer, ps []Problem) error {
	return StreamReportXLSX(w, noErr(slices.Values(ps)))
}

// StreamReportCSV writes the problems problems yields exactly as
// WriteReport would write them as a slice, without holding them: a stored
// report of any length is paged through.
func StreamReportCSV(w io.Writer, problems iter.Seq2[Problem, error]) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(reportColumns); err != nil {
		return err
	}
	for p, err := range problems {
		if err != nil {
			return err
		}
		if err := cw.Write(reportRow(p)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// StreamReportXLSX writes the problems problems yields as an XLSX workbook
// (one sheet, "errors", header row frozen) through excelize's stream
// writer, which keeps a bounded part of the sheet in memory and spills
// the rest to a temporary file. The row number is a number cell; every
// other cell is text (so a value such as "=1+1" stays text).
func StreamReportXLSX(w io.Writer, problems iter.Seq2[Problem, error]) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	const sheet = "errors"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, width := range []float64{8, 18, 24, 22, 10, 60, 60} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	header := make([]any, len(reportColumns))
	for i, c := range reportColumns {
		header[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	row := 1
	cells := make([]any, len(reportColumns))
	for p, perr := range problems {
		if perr != nil {
			return perr
		}
		row++
		r := reportRow(p)
		cells[0] = p.Row
		for i := 1; i < len(r); i++ {
			cells[i] = r[i]
		}
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("error report row %d: %w", row, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

func noErr[T any](seq iter.Seq[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v := range seq {
			if !yield(v, nil) {
				return
			}
		}
	}
}
