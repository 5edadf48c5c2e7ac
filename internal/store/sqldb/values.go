package sqldb

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
)

// TimeLayout is how the SQLite adapter stores a timestamp: fixed width,
// always UTC with six fraction digits, so that text order is time order and
// a value reads back to the microsecond it was written with.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// DateLayout is how a calendar date (enterprises.founded_on) is passed to
// and stored by both backends ("YYYY-MM-DD": PostgreSQL DATE accepts it as
// text input; SQLite keeps it as TEXT).
const DateLayout = "2006-01-02"

// ts normalises a time before it is stored: UTC, truncated to the precision
// both backends keep. Callers assign the result back to the struct they
// were given, so that what the caller holds equals what a later read
// returns.
func ts(t time.Time) time.Time { return t.UTC().Truncate(audit.Precision) }

// nullTS is ts for a nullable column: the zero time is stored as NULL.
func nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

// dateOf keeps only the calendar date of t as seen in t's own location (a
// founding date of 2001-03-04 in Asia/Shanghai stays 2001-03-04) and
// returns it as midnight UTC, which is how it reads back.
func dateOf(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// nullDate is the argument for a nullable DATE column.
func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(DateLayout)
}

// timeDest scans a timestamp or date column into a time.Time: PostgreSQL
// (through pgx's sql.Scanner support) hands over a time.Time, SQLite the
// TEXT written by the adapter. NULL scans as the zero time.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("sqldb: cannot scan %T into a time", src)
	}
	return nil
}

func (d timeDest) parse(s string) error {
	layout := TimeLayout
	if len(s) == len(DateLayout) {
		layout = DateLayout
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return fmt.Errorf("sqldb: bad stored time %q: %w", s, err)
	}
	*d.t = t.UTC()
	return nil
}

// scanTime returns a destination for Scan that fills *t.
func scanTime(t *time.Time) timeDest { return timeDest{t} }

// jsonList encodes a string list for a JSON text column; nil and empty
// both become "[]" so the column is never NULL.
func jsonList[T ~string](xs []T) (string, error) {
	if len(xs) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(xs)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

// parseList decodes a JSON text column; an empty list reads back as nil.
func parseList[T ~string](s string) ([]T, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var xs []T
	if err := json.Unmarshal([]byte(s), &xs); err != nil {
		return nil, fmt.Errorf("decode list %q: %w", s, err)
	}
	if len(xs) == 0 {
		return nil, nil
	}
	return xs, nil
}

// likeEscaper escapes the LIKE metacharacters in user text; every LIKE in
// this package declares ESCAPE '\' so a user's "%" or "_" matches itself.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }

// Page sizes for list and search methods.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// args accumulates query arguments and hands out their placeholders, for
// queries whose WHERE clause depends on the filter.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// where joins conditions with AND, or returns "" when there are none.
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// nextPrefix returns the smallest string of decimal digits greater than
// every string starting with prefix (prefix must be all digits), so that a
// prefix filter becomes an index range [prefix, next) on both backends
// whatever the column's collation; ok is false when no bound exists
// ("999").
func nextPrefix(prefix string) (next string, ok bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
