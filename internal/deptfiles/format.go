package deptfiles

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// layouts maps a column Format to a Go time layout.
var layouts = map[string]string{
	"YYYY-MM-DD": "2006-01-02",
	"YYYYMMDD":   "20060102",
	"YYYY-MM":    "2006-01",
	"YYYYMM":     "200601",
}

// formatDate writes t in a column's format; the zero time is blank.
func formatDate(t time.Time, format string) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(layouts[format])
}

// wrongDate writes t in a format other than the column's, as a careless
// export would, and names that format.
func wrongDate(t time.Time, format string, pick uint64) (string, string) {
	if format == "YYYY-MM" || format == "YYYYMM" {
		alts := [][2]string{
			{fmt.Sprintf("%d年%d月", t.Year(), int(t.Month())), "YYYY年M月"},
			{fmt.Sprintf("%d/%d", t.Year(), int(t.Month())), "YYYY/M"},
		}
		if format == "YYYYMM" {
			alts = append(alts, [2]string{t.Format("2006-01"), "YYYY-MM"})
		} else {
			alts = append(alts, [2]string{t.Format("200601"), "YYYYMM"})
		}
		a := alts[pick%uint64(len(alts))]
		return a[0], a[1]
	}
	alts := [][2]string{
		{fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day()), "YYYY年M月D日"},
		{fmt.Sprintf("%d/%d/%d", t.Year(), int(t.Month()), t.Day()), "YYYY/M/D"},
		{t.Format("01/02/2006"), "MM/DD/YYYY"},
	}
	if format == "YYYYMMDD" {
		alts = append(alts, [2]string{t.Format("2006-01-02"), "YYYY-MM-DD"})
	} else {
		alts = append(alts, [2]string{t.Format("20060102"), "YYYYMMDD"})
	}
	a := alts[pick%uint64(len(alts))]
	return a[0], a[1]
}

// parseDate reads a value written by formatDate.
func parseDate(s, format string) (time.Time, error) {
	return time.ParseInLocation(layouts[format], s, time.UTC)
}

// scaled writes v / scale as an exact decimal: with exactly two decimals
// when scale is 100 (元, %), and with as few decimals as exactness needs
// otherwise (万元: "500", "0.123456").
func scaled(v, scale int64) string {
	if scale <= 1 {
		return strconv.FormatInt(v, 10)
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v) // two's complement: also right for math.MinInt64
	}
	s := uint64(scale)
	digits := len(strconv.FormatUint(s, 10)) - 1
	whole, frac := u/s, u%s
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(strconv.FormatUint(whole, 10))
	fs := fmt.Sprintf("%0*d", digits, frac)
	if scale != 100 {
		fs = strings.TrimRight(fs, "0")
	}
	if fs != "" {
		b.WriteByte('.')
		b.WriteString(fs)
	}
	return b.String()
}

// unscale reads a decimal written by scaled (or any plain decimal with no
// more decimals than scale allows) back to an integer.
func unscale(s string, scale int64) (int64, error) {
	if scale <= 1 {
		return strconv.ParseInt(s, 10, 64)
	}
	digits := len(strconv.FormatInt(scale, 10)) - 1
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > digits {
		return 0, fmt.Errorf("%q has more than %d decimals", s, digits)
	}
	frac += strings.Repeat("0", digits-len(frac))
	neg := strings.HasPrefix(whole, "-")
	if neg {
		whole = whole[1:]
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	v := w*scale + f
	if neg {
		v = -v
	}
	return v, nil
}

// enumValue returns the value written for a meaning (the reverse of
// Column.Values); an unknown meaning is written as it is.
func enumValue(values map[string]string, meaning string) string {
	best := ""
	for k, v := range values {
		// Several written values could share a meaning; take the least
		// so the choice does not depend on map order.
		if v == meaning && (best == "" || k < best) {
			best = k
		}
	}
	if best == "" {
		return meaning
	}
	return best
}

// monthEnd returns the last day of t's month.
func monthEnd(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC)
}

// midnight reports whether t has no time of day.
func midnight(t time.Time) bool {
	h, m, s := t.Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

// flatten makes a value safe for one cell of one line: valid UTF-8, no
// line breaks (departments' exports flatten them), so that a physical line
// is a row.
func flatten(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
	}
	return s
}
