package scorecard

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Table is a rectangular table of raw text values, as read from a file.
type Table struct {
	Header []string
	Rows   [][]string
	// SHA256 is the hex SHA-256 of the bytes the table was read from
	// (after gzip decompression); the model artefact records it as the
	// training data fingerprint.
	SHA256 string
}

// maxTableBytes bounds what ReadFile loads into memory.
const maxTableBytes = 1 << 30

// ReadFile reads a table from path: files ending in .dat are
// whitespace-separated without a header (columns A1..An, the UCI Statlog
// layout), anything else is CSV with a header row. A .gz suffix is
// decompressed first.
func ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	name := path
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r, name = zr, strings.TrimSuffix(name, ".gz")
	}
	b, err := io.ReadAll(io.LimitReader(r, maxTableBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxTableBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxTableBytes)
	}
	var t *Table
	if strings.HasSuffix(strings.ToLower(name), ".dat") {
		t, err = ParseWhitespace(b)
	} else {
		t, err = ParseCSV(b)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseCSV parses RFC 4180 CSV with a header row. A UTF-8 byte-order mark
// is dropped and values are trimmed of surrounding spaces. Every row must
// have as many fields as the header.
func ParseCSV(b []byte) (*Table, error) {
	sum := sha256.Sum256(b)
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(b))
	r.ReuseRecord = false
	header, err := r.Read()
	if err == io.EOF {
		return nil, errors.New("empty file: a header row is required")
	}
	if err != nil {
		return nil, err
	}
	t := &Table{Header: trimAll(header), SHA256: hex.EncodeToString(sum[:])}
	if err := checkHeader(t.Header); err != nil {
		return nil, err
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, trimAll(rec))
	}
	return t, nil
}

// ParseWhitespace parses a table without a header whose fields are
// separated by runs of spaces or tabs (the UCI .dat layout). Columns are
// named A1..An. Blank lines are skipped.
func ParseWhitespace(b []byte) (*Table, error) {
	sum := sha256.Sum256(b)
	t := &Table{SHA256: hex.EncodeToString(sum[:])}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if t.Header == nil {
			for i := range f {
				t.Header = append(t.Header, "A"+strconv.Itoa(i+1))
			}
		}
		if len(f) != len(t.Header) {
			return nil, fmt.Errorf("line %d: %d fields, the first line has %d", line, len(f), len(t.Header))
		}
		t.Rows = append(t.Rows, f)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if t.Header == nil {
		return nil, errors.New("empty file")
	}
	return t, nil
}

func trimAll(s []string) []string {
	for i := range s {
		s[i] = strings.TrimSpace(s[i])
	}
	return s
}

func checkHeader(h []string) error {
	seen := make(map[string]bool, len(h))
	for i, c := range h {
		if c == "" {
			return fmt.Errorf("header column %d has no name", i+1)
		}
		if seen[c] {
			return fmt.Errorf("header names column %q twice", c)
		}
		seen[c] = true
	}
	return nil
}

// Col returns the index of the named column, or -1.
func (t *Table) Col(name string) int {
	for i, c := range t.Header {
		if c == name {
			return i
		}
	}
	return -1
}

// Subset returns a table holding the given rows (shared, not copied).
func (t *Table) Subset(idx []int) *Table {
	s := &Table{Header: t.Header, SHA256: t.SHA256, Rows: make([][]string, len(idx))}
	for i, j := range idx {
		s.Rows[i] = t.Rows[j]
	}
	return s
}

// DefaultMissing are the raw values read as "missing" when no list is given.
var DefaultMissing = []string{"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?", "."}

// isMissing reports whether a trimmed raw value is one of tokens.
func isMissing(v string, tokens []string) bool {
	for _, t := range tokens {
		if v == t {
			return true
		}
	}
	return false
}
