package deptfiles

import (
	"archive/zip"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxLayout is what a workbook holds besides its data rows.
type xlsxLayout struct {
	path      string
	sheet     string
	title     string   // row 1, merged across the columns
	subtitle  string   // row 2: generated-on date and unit
	columns   []Column // row 3: header
	generated time.Time
	creator   string
	tmpDir    string
}

// fixedZip is an excelize.ZipWriter that stamps every entry with the same
// time, so that a workbook is byte-for-byte the same whenever it is built.
type fixedZip struct {
	zw   *zip.Writer
	when time.Time
}

func (z fixedZip) Create(name string) (io.Writer, error) {
	return z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.when})
}

func (z fixedZip) AddFS(fsys fs.FS) error { return z.zw.AddFS(fsys) }
func (z fixedZip) Close() error           { return z.zw.Close() }

// buildXLSX writes one workbook: title rows, header, then the data rows
// rows yields, through excelize's StreamWriter. Numbers go in numeric
// cells (money in 元 with format 0.00); everything else, dates included,
// in text cells, as departments' exports do.
func buildXLSX(l xlsxLayout, rows func(yield func([]string) error) error) (size int64, sum string, err error) {
	f := excelize.NewFile(excelize.Options{TmpDir: l.tmpDir})
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	// Document properties fixed to the department's production date: never
	// the wall clock.
	stamp := l.generated.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator: l.creator, LastModifiedBy: l.creator, Title: l.title,
		Created: stamp, Modified: stamp, Language: "zh-CN",
	}); err != nil {
		return 0, "", err
	}
	if err := f.SetSheetName("Sheet1", l.sheet); err != nil {
		return 0, "", err
	}
	titleStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Size: 14},
		Alignment: &excelize.Alignment{Horizontal: "center"},
	})
	if err != nil {
		return 0, "", err
	}
	headerStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center"},
		Border: []excelize.Border{
			{Type: "bottom", Color: "000000", Style: 1},
		},
	})
	if err != nil {
		return 0, "", err
	}
	yuanStyle, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return 0, "", err
	}
	sw, err := f.NewStreamWriter(l.sheet)
	if err != nil {
		return 0, "", err
	}
	for i, c := range l.columns {
		width := 14.0
		switch c.Type {
		case "code":
			width = 22
		case "text", "json":
			width = 28
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return 0, "", err
		}
	}
	last, err := excelize.CoordinatesToCellName(len(l.columns), 1)
	if err != nil {
		return 0, "", err
	}
	if err := sw.MergeCell("A1", last); err != nil {
		return 0, "", err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleStyle, Value: l.title}}); err != nil {
		return 0, "", err
	}
	if err := sw.SetRow("A2", []any{l.subtitle}); err != nil {
		return 0, "", err
	}
	header := make([]any, len(l.columns))
	for i, c := range l.columns {
		header[i] = excelize.Cell{StyleID: headerStyle, Value: c.Name}
	}
	if err := sw.SetRow("A3", header); err != nil {
		return 0, "", err
	}
	row := 3
	vals := make([]any, len(l.columns))
	err = rows(func(cells []string) error {
		row++
		for i, c := range l.columns {
			vals[i] = xlsxValue(c, cells[i], yuanStyle)
		}
		return sw.SetRow("A"+strconv.Itoa(row), vals)
	})
	if err != nil {
		return 0, "", err
	}
	if err := sw.Flush(); err != nil {
		return 0, "", err
	}
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		return fixedZip{zw: zip.NewWriter(w), when: l.generated}
	})
	out, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, "", err
	}
	hw := &hashingWriter{w: out, h: sha256.New()}
	werr := f.Write(hw)
	if cerr := out.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return 0, "", werr
	}
	return hw.n, fmt.Sprintf("%x", hw.h.Sum(nil)), nil
}

// xlsxValue is the cell for one value: nil for blank, a number for numeric
// columns (a value that does not parse stays text), a string otherwise.
func xlsxValue(c Column, v string, yuanStyle int) any {
	if v == "" {
		return nil
	}
	if !isNumeric(c) {
		return v
	}
	if c.Type == "integer" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	if c.Unit == "元" {
		return excelize.Cell{StyleID: yuanStyle, Value: x}
	}
	return x
}
