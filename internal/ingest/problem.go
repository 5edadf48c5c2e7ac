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

// Problem is why one row was not stored.
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
// reason_zh, reason_en.
func WriteReport(w io.Writer, ps []Problem) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"row", "column", "value", "code", "reason_zh", "reason_en"})
	for _, p := range ps {
		en, zh := p.Reason()
		_ = cw.Write([]string{strconv.Itoa(p.Row), p.Column, p.Value, p.Code, zh, en})
	}
	cw.Flush()
	return cw.Error()
}
