package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Row is one physical row of a file: its 1-based row (XLSX) or line (CSV,
// JSON lines) number, title and header rows counted, and its cells.
type Row struct {
	Num   int
	Cells []string
	// Problem, when set, makes the row bad as a whole (wrong number of
	// cells, a JSON line that does not parse); Cells may then be nil.
	Problem *Problem
}

// RowReader streams a file's rows. Next returns io.EOF after the last
// row; any other error ends the batch (an encoding error, a damaged file).
// The Cells slice is only valid until the next call.
type RowReader interface {
	Next() (Row, error)
}

// errEncoding reports text that does not decode cleanly.
func errEncoding(row int, enc string) error {
	return fault.New(fault.Invalid, "ingest.encoding", fmt.Sprintf("row %d does not decode as %s", row, enc)).
		With("row", strconv.Itoa(row)).With("encoding", enc)
}

func errDamaged(err error) error {
	return fault.New(fault.Invalid, "ingest.damaged", "damaged file: "+err.Error()).With("detail", err.Error()).Wrap(err)
}

// cleanText reports whether s is valid UTF-8 without U+FFFD, the
// replacement character a decoder writes for bytes it cannot map.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !bytes.ContainsRune([]byte(s), utf8.RuneError)
}

// decoded returns r as UTF-8 text: a UTF-8 BOM wins over the declared
// encoding and is dropped; gb18030 (or gbk) is decoded; utf-8 is passed
// through (and checked row by row by the readers). enc is the encoding
// used, for messages.
func decoded(r io.Reader, declared string) (io.Reader, string, error) {
	enc, err := normEncoding(declared)
	if err != nil {
		return nil, "", err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
		return br, "utf-8", nil
	}
	if enc == "gb18030" {
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), "gb18030", nil
	}
	return br, "utf-8", nil
}

// csvReader reads CSV with encoding.csv: quoted cells may hold commas,
// quotes and line breaks (a row then spans several lines and is numbered
// by its first line).
type csvReader struct {
	cr   *csv.Reader
	enc  string
	want int // cells per row, 0: any
}

// NewCSVReader reads CSV text in the declared encoding; want is the
// number of cells a row must have (0: any).
func NewCSVReader(r io.Reader, encoding string, want int) (RowReader, error) {
	dr, enc, err := decoded(r, encoding)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(dr)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvReader{cr: cr, enc: enc, want: want}, nil
}

func (c *csvReader) Next() (Row, error) {
	rec, err := c.cr.Read()
	if err == io.EOF {
		return Row{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if !utf8.Valid([]byte(pe.Error())) {
				return Row{}, errEncoding(pe.StartLine, c.enc)
			}
			return Row{}, errDamaged(fmt.Errorf("line %d: %w", pe.StartLine, pe.Err))
		}
		return Row{}, errDamaged(err)
	}
	line, _ := c.cr.FieldPos(0)
	for _, v := range rec {
		if !cleanText(v) {
			return Row{}, errEncoding(line, c.enc)
		}
	}
	row := Row{Num: line, Cells: rec}
	if c.want > 0 && len(rec) != c.want && !(len(rec) == 1 && rec[0] == "") {
		row.Problem = &Problem{Code: "ingest.columns", Value: strconv.Itoa(len(rec)), Detail: strconv.Itoa(c.want)}
	}
	return row, nil
}

// jsonlReader reads one JSON object per line, taking the members named by
// cols, in that order, as cells: strings as they are, numbers as written,
// objects as compact JSON. A member not in cols makes the row bad.
type jsonlReader struct {
	br    *bufio.Reader
	cols  []string
	index map[string]int
	line  int
	cells []string
	max   int
}

// MaxLine bounds one JSON line (and so the memory one row may take).
const MaxLine = 4 << 20

// NewJSONLReader reads JSON lines (UTF-8; a BOM is dropped) whose keys
// are cols.
func NewJSONLReader(r io.Reader, cols []string) (RowReader, error) {
	dr, _, err := decoded(r, "utf-8")
	if err != nil {
		return nil, err
	}
	idx := make(map[string]int, len(cols))
	for i, c := range cols {
		idx[c] = i
	}
	return &jsonlReader{br: bufio.NewReaderSize(dr, 64<<10), cols: cols, index: idx, cells: make([]string, len(cols)), max: MaxLine}, nil
}

func (j *jsonlReader) Next() (Row, error) {
	for {
		line, err := j.readLine()
		if err != nil {
			return Row{}, err
		}
		j.line++
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !utf8.Valid(line) || bytes.ContainsRune(line, utf8.RuneError) {
			return Row{}, errEncoding(j.line, "utf-8")
		}
		clear(j.cells)
		row := Row{Num: j.line, Cells: j.cells}
		if p := j.decode(line); p != nil {
			row.Problem = p
		}
		return row, nil
	}
}

// readLine returns the next line, at most j.max bytes; EOF after the
// last.
func (j *jsonlReader) readLine() ([]byte, error) {
	var buf []byte
	for {
		frag, err := j.br.ReadSlice('\n')
		if len(buf)+len(frag) > j.max {
			return nil, errDamaged(fmt.Errorf("line %d is longer than %d bytes", j.line+1, j.max))
		}
		if err == bufio.ErrBufferFull {
			buf = append(buf, frag...)
			continue
		}
		if err == io.EOF {
			if len(buf)+len(frag) == 0 {
				return nil, io.EOF
			}
			return append(buf, frag...), nil
		}
		if err != nil {
			return nil, errDamaged(err)
		}
		if buf == nil {
			return frag, nil
		}
		return append(buf, frag...), nil
	}
}

func (j *jsonlReader) decode(line []byte) *Problem {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil || dec.More() {
		msg := "trailing data"
		if err != nil {
			msg = err.Error()
		}
		return &Problem{Code: "ingest.bad_json", Column: "(line)", Detail: msg}
	}
	for k, raw := range obj {
		i, ok := j.index[k]
		if !ok {
			return &Problem{Code: "ingest.unknown_key", Value: k}
		}
		v, err := jsonCell(raw)
		if err != nil {
			return &Problem{Code: "ingest.bad_json", Column: k, Value: string(raw), Detail: err.Error()}
		}
		j.cells[i] = v
	}
	return nil
}

// jsonCell turns one member into cell text.
func jsonCell(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", nil
	}
	switch raw[0] {
	case 'n':
		return "", nil
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{':
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", err
		}
		return b.String(), nil
	case 't', 'f':
		return string(raw), nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// xlsxReader streams one worksheet with excelize's row iterator, raw cell
// values (a 元 cell formatted 0.00 is read as stored).
type xlsxReader struct {
	f    *excelize.File
	rows *excelize.Rows
	n    int
	want int
}

// NewXLSXReader opens an XLSX workbook from r and streams sheet (blank:
// the first sheet). A file that is not a complete workbook is
// fault.Invalid "ingest.damaged". Close releases the workbook.
//
// Memory: excelize keeps the compressed workbook in memory (OpenReader
// reads it whole) and spills a worksheet larger than its
// UnzipXMLSizeLimit to a temporary file; rows are then decoded one at a
// time. So an XLSX batch costs about its compressed size, not its rows.
//
// A workbook whose parts unpack to more than 2 GiB is refused before
// anything is unpacked, fault.Invalid "ingest.xlsx_too_large": a small
// crafted archive would otherwise fill the disk or the memory. A full
// sheet (1,048,576 rows) of 20 columns of codes, months and numbers
// unpacks to about 0.7 GiB.
func NewXLSXReader(r io.Reader, sheet string, want int) (RowReader, func() error, error) {
	return newXLSXReader(r, sheet, want, maxXLSXUnpacked)
}

// maxXLSXUnpacked bounds the unpacked size of an ingested workbook.
const maxXLSXUnpacked = 2 << 30

func newXLSXReader(r io.Reader, sheet string, want int, limit int64) (RowReader, func() error, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, errDamaged(fmt.Errorf("not a readable XLSX workbook: %w", err))
	}
	var unpacked uint64
	for _, zf := range zr.File {
		unpacked += zf.UncompressedSize64
		if unpacked > uint64(limit) {
			return nil, nil, fault.New(fault.Invalid, "ingest.xlsx_too_large", fmt.Sprintf("the workbook unpacks to more than %d bytes", limit)).
				With("limit", strconv.FormatInt(limit>>20, 10))
		}
	}
	// excelize checks the same bound as it unpacks (the sizes above are
	// the archive's own claims; a part larger than it claims is an error
	// of archive/zip).
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: limit})
	if err != nil {
		return nil, nil, errDamaged(fmt.Errorf("not a readable XLSX workbook: %w", err))
	}
	if sheet == "" {
		sheet = f.GetSheetName(0)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, nil, errDamaged(fmt.Errorf("sheet %q: %w", sheet, err))
	}
	x := &xlsxReader{f: f, rows: rows, want: want}
	return x, func() error { rows.Close(); return f.Close() }, nil
}

func (x *xlsxReader) Next() (Row, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return Row{}, errDamaged(err)
		}
		return Row{}, io.EOF
	}
	x.n++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return Row{}, errDamaged(fmt.Errorf("row %d: %w", x.n, err))
	}
	for _, v := range cells {
		if !cleanText(v) {
			return Row{}, errEncoding(x.n, "utf-8")
		}
	}
	row := Row{Num: x.n, Cells: cells}
	if x.want > 0 {
		if len(cells) > x.want {
			extra := false
			for _, v := range cells[x.want:] {
				extra = extra || v != ""
			}
			if extra {
				row.Problem = &Problem{Code: "ingest.columns", Value: strconv.Itoa(len(cells)), Detail: strconv.Itoa(x.want)}
			}
			row.Cells = cells[:x.want]
		}
		for len(row.Cells) < x.want {
			row.Cells = append(row.Cells, "")
		}
	}
	return row, nil
}
