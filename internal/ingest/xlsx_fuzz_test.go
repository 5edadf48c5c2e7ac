package ingest

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// xlsxBook returns a workbook whose first sheet holds a title row, a
// header and rows, as a department's export does.
func xlsxBook(t testing.TB, rows int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"2026年10月 用水明细"}); err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A2", []any{"统一社会信用代码", "抄表年月", "用水量(立方米)"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		if err := sw.SetRow(cell, []any{"91320505MA1ABCDE0X", "2026-10", 20 + i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewritePart returns the workbook b with its part name replaced by
// content (the archive otherwise as it was).
func rewritePart(t testing.TB, b []byte, name string, content []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == name {
			_, err = w.Write(content)
		} else {
			var rc io.ReadCloser
			if rc, err = zf.Open(); err == nil {
				_, err = io.Copy(w, rc)
				rc.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestXLSXReaderRefusesWorkbookThatUnpacksTooLarge(t *testing.T) {
	t.Parallel()
	b := xlsxBook(t, 20000) // its sheet unpacks to more than 1 MB
	// Over the bound, nothing is unpacked and the error says the bound.
	_, _, err := newXLSXReader(bytes.NewReader(b), "", 3, 1<<20)
	fe, ok := fault.As(err)
	if !ok || fe.Code != "ingest.xlsx_too_large" || fe.Kind != fault.Invalid || fe.Params["limit"] != "1" {
		t.Fatalf("err = %v (%+v), want ingest.xlsx_too_large with the limit in MB", err, fe)
	}
	// Under it, the sheet streams: title, header and rows.
	r, closeFn, err := newXLSXReader(bytes.NewReader(b), "", 3, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	n := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n = row.Num
	}
	if n != 20002 {
		t.Fatalf("last row %d, want 20002", n)
	}
}

// FuzzXLSXReader feeds the XLSX reader workbooks damaged in every way
// the fuzzer finds: it refuses them with a coded error or streams rows
// that are numbered in order and clean UTF-8 (drain), and never panics.
func FuzzXLSXReader(f *testing.F) {
	book := xlsxBook(f, 20)
	f.Add(book)
	f.Add(book[:len(book)/2])
	flipped := bytes.Clone(book)
	flipped[len(flipped)/2] ^= 0xff
	f.Add(flipped)
	f.Add(rewritePart(f, book, "xl/worksheets/sheet1.xml", []byte(`<worksheet><sheetData><row r="3"><c r="A3" t="inlineStr"><is><t>`+"\xff\xfe"+`</t></is></c></row><row r="2"><c r="Z2"><v>1`)))
	f.Add(rewritePart(f, book, "xl/workbook.xml", []byte("<workbook")))
	f.Add(rewritePart(f, book, "xl/sharedStrings.xml", []byte(`<sst><si><t>统一社会信用代码</t></si></sst>`)))
	f.Add([]byte("PK\x03\x04 not really"))
	f.Add([]byte("统一社会信用代码,抄表年月\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, closeFn, err := newXLSXReader(bytes.NewReader(data), "", 3, 64<<20)
		if err != nil {
			if _, ok := faultAs(err); !ok {
				t.Fatalf("error without a fault code: %v", err)
			}
			return
		}
		defer closeFn()
		drain(t, r)
	})
}
