package connector

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// templateValues are the placeholder values of one call: dates as
// YYYY-MM-DD, empty when unbounded.
func templateValues(creditCode, remoteItem string, from, to time.Time) map[string]string {
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	}
	return map[string]string{"credit_code": creditCode, "item": remoteItem, "from": day(from), "to": day(to)}
}

// renderTarget fills the path template: values are path-escaped before the
// "?" and query-escaped after it. It returns the escaped path and the raw
// query.
func renderTarget(tpl string, vals map[string]string) (path, rawQuery string) {
	p, q, _ := strings.Cut(tpl, "?")
	path = placeholderRE.ReplaceAllStringFunc(p, func(m string) string { return url.PathEscape(vals[m[1:len(m)-1]]) })
	rawQuery = placeholderRE.ReplaceAllStringFunc(q, func(m string) string { return url.QueryEscape(vals[m[1:len(m)-1]]) })
	return path, rawQuery
}

// renderJSON fills a JSON body template: values are escaped as the inside
// of a JSON string (the template puts the quotes).
func renderJSON(tpl string, vals map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(tpl, func(m string) string {
		b, _ := json.Marshal(vals[m[1:len(m)-1]])
		return string(b[1 : len(b)-1])
	})
}
