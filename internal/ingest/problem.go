package ingest

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/personid"
)

// Severities of a Problem (see Problem.Severity).
const (
	// SeverityError: the row was not stored.
	SeverityError = "error"
	// SeverityWarning: the row was stored, but a value in it is suspect
	// (plausible, yet what a unit error typically gives): the department
	// is asked to confirm it or send a correction.
	SeverityWarning = "warning"
)

// warningCodes are the codes of problems that do not refuse their row.
var warningCodes = map[string]bool{"ingest.suspect_low_vat": true, "ingest.suspect_high_vat": true}

// IsWarning reports whether a problem code is a warning: its row was
// stored (see SeverityWarning). A stored report keeps the code, so the
// severity survives without a column of its own.
func IsWarning(code string) bool { return warningCodes[code] }

// Problem is why one row was not stored, or (a warning) why a stored row
// should be confirmed.
type Problem struct {
	Row    int    `json:"row"`    // physical row or line number
	Column string `json:"column"` // header of the offending column ("" for the row)
	Value  string `json:"value"`  // the cell as read
	Code   string `json:"code"`   // message code, see Messages
	Detail string `json:"detail,omitempty"`
	Format string `json:"format,omitempty"`
	Of     int    `json:"of,omitempty"` // the earlier row of a duplicate
	// Params fill the placeholders of a code from another package (an
	// enterprise registration's "enterprise.*", "personid.*").
	Params map[string]string `json:"params,omitempty"`
}

// Severity is SeverityWarning for a warning's code, else SeverityError.
func (p Problem) Severity() string {
	if IsWarning(p.Code) {
		return SeverityWarning
	}
	return SeverityError
}

// params are the placeholders of the problem's message.
func (p Problem) params() map[string]string {
	ps := map[string]string{"column": p.Column, "value": p.Value, "detail": p.Detail, "format": p.Format,
		"row": strconv.Itoa(p.Of)}
	for k, v := range p.Params {
		if _, ok := ps[k]; !ok {
			ps[k] = v
		}
	}
	return ps
}

// otherMessages are the packages whose codes a row problem can carry:
// a registration row is checked by the enterprise service.
var otherMessages = []map[string][2]string{enterprise.Messages, personid.Messages, creditcode.Messages, industry.Messages}

// Reason returns the problem in English and Chinese.
func (p Problem) Reason() (en, zh string) {
	m, ok := Messages[p.Code]
	for _, other := range otherMessages {
		if ok {
			break
		}
		m, ok = other[p.Code]
	}
	if !ok {
		return p.Code, p.Code
	}
	return fill(m[0], p.params()), fill(m[1], p.params())
}

func fill(s string, params map[string]string) string {
	out := make([]byte, 0, len(s)+32)
	for i := 0; i < len(s); i++ {
		if s[i] == '{' {
			if j := indexByte(s[i:], '}'); j > 0 {
				if v, ok := params[s[i+1:i+j]]; ok {
					out = append(out, v...)
					i += j
					continue
				}
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// WriteReport writes problems as CSV (UTF-8 with a BOM, so that
// spreadsheet programs show the Chinese text): row, column, value, code,
// severity (error: the row was not stored; warning: it was, please
// confirm the value), reason_zh, reason_en.
func WriteReport(w io.Writer, ps []Problem) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(reportColumns)
	for _, p := range ps {
		_ = cw.Write(reportRow(p))
	}
	cw.Flush()
	return cw.Error()
}
