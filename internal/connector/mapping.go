package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"math/bits"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Limits of a department's answer.
const (
	MaxRecords   = 100_000
	maxTextRunes = 2000
	maxDetail    = 64 << 10
)

// MappingError says what in a department's answer could not be read.
type MappingError struct {
	Record int    // 0-based index of the record, -1 for the envelope
	Field  string // response field (records, period, num, ...)
	Msg    string
}

func (e *MappingError) Error() string {
	if e.Record < 0 {
		return e.Field + ": " + e.Msg
	}
	return fmt.Sprintf("record %d, %s: %s", e.Record, e.Field, e.Msg)
}

// Proto is what every mapped fact shares: enterprise, item, shape and the
// provenance the connector sets.
type Proto struct {
	EnterpriseID int64
	Item         string
	Shape        facts.Shape
	Source       string
	Batch        string
	ReceivedAt   time.Time
}

// MapResponse reads the records of a department's JSON answer into facts,
// as m says, scaling numbers by scale. A record that cannot be read fails
// the whole answer (a half-read answer is never shown): the error is a
// *MappingError.
func MapResponse(body []byte, m Response, scale int64, p Proto) ([]facts.Fact, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, &MappingError{Record: -1, Field: "body", Msg: "not JSON"}
	}
	if dec.More() {
		return nil, &MappingError{Record: -1, Field: "body", Msg: "more than one JSON value"}
	}
	recs, ok := lookup(root, m.Records)
	if !ok || recs == nil {
		return nil, &MappingError{Record: -1, Field: "records", Msg: "no value at " + orRoot(m.Records)}
	}
	list, ok := recs.([]any)
	if !ok {
		return nil, &MappingError{Record: -1, Field: "records", Msg: "the value at " + orRoot(m.Records) + " is not a list"}
	}
	if len(list) > MaxRecords {
		return nil, &MappingError{Record: -1, Field: "records", Msg: fmt.Sprintf("more than %d records", MaxRecords)}
	}
	out := make([]facts.Fact, 0, len(list))
	for i, r := range list {
		if _, ok := r.(map[string]any); !ok {
			return nil, &MappingError{Record: i, Field: "record", Msg: "not an object"}
		}
		f := facts.Fact{EnterpriseID: p.EnterpriseID, Item: p.Item, Shape: p.Shape, Source: p.Source, Batch: p.Batch,
			ReceivedAt: p.ReceivedAt, Version: 1}
		bad := func(field, msg string) error { return &MappingError{Record: i, Field: field, Msg: msg} }
		v, _ := lookup(r, m.Period)
		s, ok := v.(string)
		if !ok {
			return nil, bad("period", "missing or not text")
		}
		d, err := parseDay(s)
		if err != nil {
			return nil, bad("period", err.Error())
		}
		f.Period = d
		if m.EndsOn != "" {
			if v, _ := lookup(r, m.EndsOn); v != nil {
				s, ok := v.(string)
				if !ok {
					return nil, bad("ends_on", "not text")
				}
				if s != "" {
					if f.EndsOn, err = parseDay(s); err != nil {
						return nil, bad("ends_on", err.Error())
					}
				}
			}
		}
		if m.Num != "" {
			v, _ := lookup(r, m.Num)
			switch x := v.(type) {
			case nil:
				return nil, bad("num", "missing")
			case json.Number:
				f.Num, err = ScaleDecimal(string(x), scale)
			case string:
				f.Num, err = ScaleDecimal(strings.TrimSpace(x), scale)
			default:
				err = fmt.Errorf("not a number")
			}
			if err != nil {
				return nil, bad("num", err.Error())
			}
		}
		if f.Text, err = textAt(r, m.Text); err != nil {
			return nil, bad("text", err.Error())
		}
		if f.Ref, err = textAt(r, m.Ref); err != nil {
			return nil, bad("ref", err.Error())
		}
		if m.Detail != "" {
			if v, _ := lookup(r, m.Detail); v != nil {
				b, err := json.Marshal(v)
				if err != nil || len(b) > maxDetail {
					return nil, bad("detail", "too large or not JSON")
				}
				f.Detail = string(b)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func orRoot(p string) string {
	if p == "" {
		return "the top level"
	}
	return p
}

// lookup walks a dotted path through objects; "" is v itself.
func lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, k := range strings.Split(path, ".") {
		o, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = o[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func textAt(r any, path string) (string, error) {
	if path == "" {
		return "", nil
	}
	v, _ := lookup(r, path)
	var s string
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		s = x
	case json.Number:
		s = string(x)
	default:
		return "", fmt.Errorf("not text")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxTextRunes {
		return "", fmt.Errorf("not valid text or longer than %d characters", maxTextRunes)
	}
	return s, nil
}

// parseDay reads a date as departments write it: 2026-09-30, 2026-09
// (the month's first day), 20260930, 202609 or an RFC 3339 time (its UTC
// date).
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range []string{time.DateOnly, "2006-01", "20060102", "200601"} {
		if len(s) == len(l) {
			if t, err := time.Parse(l, s); err == nil {
				return t, nil
			}
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date such as 2026-09-30 or 2026-09", clip(s, 32))
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

var maxInt64 = new(big.Int).SetInt64(1<<63 - 1)

// ScaleDecimal multiplies the decimal number s (as JSON writes numbers,
// exponent allowed) by scale exactly and rounds the result half away from
// zero: "1234.56" × 100 = 123456. It fails if s is not a number or the
// result does not fit in an int64.
func ScaleDecimal(s string, scale int64) (int64, error) {
	if s == "" || len(s) > 64 {
		return 0, fmt.Errorf("%q is not a number", clip(s, 32))
	}
	// big.Rat accepts forms JSON does not ("1/2", "0x1p3"); refuse them.
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, fmt.Errorf("%q is not a number", clip(s, 32))
		}
	}
	if v, ok := scaleFast(s, scale); ok {
		return v, nil
	}
	return scaleBig(s, scale)
}

// scaleBig is ScaleDecimal in exact rational arithmetic.
func scaleBig(s string, scale int64) (int64, error) {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		// A huge exponent would make big.Rat allocate without bound.
		var e int
		if _, err := fmt.Sscan(s[i+1:], &e); err != nil || e > 30 || e < -30 {
			return 0, fmt.Errorf("%q is out of range", clip(s, 32))
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("%q is not a number", clip(s, 32))
	}
	r.Mul(r, new(big.Rat).SetInt64(scale))
	num, den := r.Num(), r.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	// Round half away from zero: |rem|*2 >= den.
	if rem.Sign() != 0 && new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if new(big.Int).Abs(q).Cmp(maxInt64) > 0 {
		return 0, fmt.Errorf("%q is out of range", clip(s, 32))
	}
	return q.Int64(), nil
}

// scaleFast is ScaleDecimal for the common case, plain decimals of at most
// 18 digits, in 128-bit integer arithmetic; ok is false when it cannot
// decide (the caller then uses big.Rat).
func scaleFast(s string, scale int64) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" && fp == "" || len(ip)+len(fp) > 18 {
		return 0, false
	}
	var n, d uint64 = 0, 1
	for _, part := range []string{ip, fp} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + uint64(c-'0')
		}
	}
	for range len(fp) {
		d *= 10
	}
	hi, lo := bits.Mul64(n, uint64(scale))
	if hi >= d {
		return 0, false
	}
	q, rem := bits.Div64(hi, lo, d)
	if rem*2 >= d {
		q++
	}
	if q > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}
