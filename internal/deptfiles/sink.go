package deptfiles

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// sink receives a file's rows as strings, in column order. A blank string
// is a blank cell.
type sink interface {
	// write appends one row; values never hold line breaks, so a row is
	// one physical line.
	write(cells []string) error
	// close flushes and closes the file and returns its size and SHA-256.
	// For XLSX it builds the workbook.
	close() (int64, string, error)
	// abort closes and removes what was written.
	abort()
}

// bufSize is the write buffer of one open file: a region has a few hundred
// files open at once.
const bufSize = 32 << 10

// hashingWriter counts and hashes what passes through it.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

// textFile is the byte stream under a CSV or JSON-lines file: file ←
// hashing ← buffer ← (GB18030 encoder).
type textFile struct {
	path string
	f    *os.File
	hw   *hashingWriter
	bw   *bufio.Writer
	enc  *transform.Writer // nil for UTF-8
	out  io.Writer         // where rows are written: enc or bw
}

func createText(path, encoding string) (*textFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	t := &textFile{path: path, f: f, hw: &hashingWriter{w: f, h: sha256.New()}}
	t.bw = bufio.NewWriterSize(t.hw, bufSize)
	t.out = t.bw
	switch encoding {
	case encGB18030:
		t.enc = transform.NewWriter(t.bw, simplifiedchinese.GB18030.NewEncoder())
		t.out = t.enc
	case encUTF8BOM:
		_, _ = t.bw.WriteString("\uFEFF")
	case encUTF8:
	default:
		_ = f.Close()
		return nil, fmt.Errorf("deptfiles: unknown encoding %q", encoding)
	}
	return t, nil
}

func (t *textFile) close() (int64, string, error) {
	var errs []error
	if t.enc != nil {
		errs = append(errs, t.enc.Close())
	}
	errs = append(errs, t.bw.Flush(), t.f.Close())
	if err := errors.Join(errs...); err != nil {
		return 0, "", fmt.Errorf("deptfiles: %s: %w", t.path, err)
	}
	return t.hw.n, fmt.Sprintf("%x", t.hw.h.Sum(nil)), nil
}

func (t *textFile) abort() {
	_ = t.f.Close()
	_ = os.Remove(t.path)
}

// csvSink writes CSV with a header line.
type csvSink struct {
	*textFile
	cw *csv.Writer
}

func newCSVSink(path, encoding string, crlf bool, header []string) (*csvSink, error) {
	t, err := createText(path, encoding)
	if err != nil {
		return nil, err
	}
	s := &csvSink{textFile: t, cw: csv.NewWriter(t.out)}
	s.cw.UseCRLF = crlf
	if err := s.write(header); err != nil {
		t.abort()
		return nil, err
	}
	return s, nil
}

func (s *csvSink) write(cells []string) error {
	return s.cw.Write(cells)
}

func (s *csvSink) close() (int64, string, error) {
	s.cw.Flush()
	if err := s.cw.Error(); err != nil {
		s.abort()
		return 0, "", fmt.Errorf("deptfiles: %s: %w", s.path, err)
	}
	return s.textFile.close()
}

// jsonlSink writes one JSON object per line, keys in column order. Blank
// optional values are left out; a blank required value is written as ""
// (that is how a missing value looks in a department's JSON).
type jsonlSink struct {
	*textFile
	cols []Column
	buf  bytes.Buffer
}

func newJSONLSink(path string, cols []Column) (*jsonlSink, error) {
	t, err := createText(path, encUTF8)
	if err != nil {
		return nil, err
	}
	return &jsonlSink{textFile: t, cols: cols}, nil
}

func (s *jsonlSink) write(cells []string) error {
	b := &s.buf
	b.Reset()
	b.WriteByte('{')
	first := true
	for i, c := range s.cols {
		v := cells[i]
		if v == "" && !c.Required {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSONString(b, c.Name)
		b.WriteByte(':')
		switch {
		case v == "":
			b.WriteString(`""`)
		case c.Type == "json":
			b.WriteString(v) // already compact JSON
		case isNumeric(c) && json.Valid([]byte(v)):
			b.WriteString(v)
		default:
			writeJSONString(b, v)
		}
	}
	b.WriteString("}\n")
	_, err := s.out.Write(b.Bytes())
	return err
}

// writeJSONString writes s as a JSON string without escaping <, > and &.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

// isNumeric reports whether a column holds numbers (written as numbers in
// JSON and XLSX).
func isNumeric(c Column) bool {
	return c.Type == "money" || c.Type == "integer" || c.Type == "decimal"
}

// spoolSink keeps an XLSX file's rows in a compact spool file while the
// region streams in; the workbook is built at close. excelize's
// StreamWriter holds up to 16 MiB per open sheet in memory and builds the
// zip in memory on save, and a region has dozens of workbooks open at
// once, so building them one at a time at the end keeps memory flat.
type spoolSink struct {
	path  string // the .xlsx to build
	spool *os.File
	bw    *bufio.Writer
	build func(rows func(yield func([]string) error) error) (int64, string, error)
	tmp   [binary.MaxVarintLen64]byte
}

func newSpoolSink(path, spoolPath string, build func(rows func(yield func([]string) error) error) (int64, string, error)) (*spoolSink, error) {
	f, err := os.OpenFile(spoolPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return &spoolSink{path: path, spool: f, bw: bufio.NewWriterSize(f, bufSize), build: build}, nil
}

// write stores the row as a count and length-prefixed strings.
func (s *spoolSink) write(cells []string) error {
	n := binary.PutUvarint(s.tmp[:], uint64(len(cells)))
	if _, err := s.bw.Write(s.tmp[:n]); err != nil {
		return err
	}
	for _, c := range cells {
		n := binary.PutUvarint(s.tmp[:], uint64(len(c)))
		_, _ = s.bw.Write(s.tmp[:n])
		if _, err := s.bw.WriteString(c); err != nil {
			return err
		}
	}
	return nil
}

func (s *spoolSink) close() (int64, string, error) {
	defer s.abortSpool()
	if err := s.bw.Flush(); err != nil {
		return 0, "", err
	}
	if _, err := s.spool.Seek(0, io.SeekStart); err != nil {
		return 0, "", err
	}
	r := bufio.NewReaderSize(s.spool, bufSize)
	rows := func(yield func([]string) error) error {
		var cells []string
		for {
			n, err := binary.ReadUvarint(r)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			cells = cells[:0]
			for range n {
				l, err := binary.ReadUvarint(r)
				if err != nil {
					return err
				}
				var sb strings.Builder
				sb.Grow(int(l))
				if _, err := io.CopyN(&sb, r, int64(l)); err != nil {
					return err
				}
				cells = append(cells, sb.String())
			}
			if err := yield(cells); err != nil {
				return err
			}
		}
	}
	size, sum, err := s.build(rows)
	if err != nil {
		_ = os.Remove(s.path)
		return 0, "", fmt.Errorf("deptfiles: %s: %w", s.path, err)
	}
	return size, sum, nil
}

func (s *spoolSink) abortSpool() {
	_ = s.spool.Close()
	_ = os.Remove(s.spool.Name())
}

func (s *spoolSink) abort() { s.abortSpool() }
