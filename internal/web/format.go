package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/i18n"
)

// beijing is the time zone every time is shown in (China Standard Time has
// no daylight saving, so a fixed zone needs no tzdata on the host).
var beijing = time.FixedZone("UTC+8", 8*60*60)

// funcs are the template functions of one language.
//
//   - t "ui.pager.range" "from" 1 ... translates, filling {name} placeholders;
//   - label "ui.prefix." value translates prefix+value if the catalogue has
//     it and shows the value itself otherwise (codes the UI does not know
//     yet, such as a new evidence action, stay readable);
//   - pick zh en chooses the text of this language, falling back to the other;
//   - capital fen formats registered capital (万元 in Chinese, CNY in English);
//   - datetime, date format times in Beijing time; num groups digits.
func (u *UI) funcs(lang i18n.Lang) template.FuncMap {
	cat := u.d.Catalog
	return template.FuncMap{
		"t": func(key string, params ...any) string {
			ps := make([]string, len(params))
			for i, p := range params {
				ps[i] = fmt.Sprint(p)
			}
			return cat.T(lang, key, ps...)
		},
		"label": func(prefix string, value any) string {
			v := fmt.Sprint(value)
			if v == "" {
				return ""
			}
			if cat.Has(prefix + v) {
				return cat.T(lang, prefix+v)
			}
			return v
		},
		"pick":     func(zh, en string) string { return pick(lang, zh, en) },
		"capital":  func(fen int64) string { return formatCapital(cat, lang, fen) },
		"datetime": formatDateTime,
		"date":     formatDate,
		"num":      func(n any) string { return groupDigits(fmt.Sprint(n)) },
		"prefix": func(s string, n int) string {
			if len(s) <= n {
				return s
			}
			return s[:n]
		},
		"items": func(items []string) string {
			out := make([]string, len(items))
			for i, it := range items {
				k := "ui.item." + it
				if cat.Has(k) {
					out[i] = cat.T(lang, k)
				} else {
					out[i] = it
				}
			}
			return strings.Join(out, cat.T(lang, "ui.common.list_sep"))
		},
	}
}

// pick returns the text in lang, or the other language's when it is empty.
func pick(lang i18n.Lang, zh, en string) string {
	if lang == i18n.EN && en != "" || zh == "" {
		return en
	}
	return zh
}

func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format("2006-01-02 15:04:05")
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format(time.DateOnly)
}

// formatCapital shows an amount in fen as Chinese registries do (万元, ten
// thousand yuan, trailing zeros dropped: 500 万元, 12.5 万元) or in English
// as yuan (CNY 5,000,000.00 → CNY 5,000,000).
func formatCapital(cat *i18n.Catalog, lang i18n.Lang, fen int64) string {
	if fen <= 0 {
		return ""
	}
	var amount string
	if lang == i18n.ZH {
		// 1 万元 = 1,000,000 fen: six decimal places are exact.
		whole, frac := fen/1_000_000, fen%1_000_000
		amount = groupDigits(strconv.FormatInt(whole, 10))
		if frac != 0 {
			amount += "." + strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
		}
	} else {
		whole, frac := fen/100, fen%100
		amount = groupDigits(strconv.FormatInt(whole, 10))
		if frac != 0 {
			amount += fmt.Sprintf(".%02d", frac)
		}
	}
	return cat.T(lang, "ui.capital.amount", "amount", amount)
}

// groupDigits puts thousands separators into a run of digits.
func groupDigits(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

func queryEscape(s string) string { return url.QueryEscape(s) }

// safeNext accepts only a same-site relative address ("/path?query"): it
// must start with one "/" (not "//" or "/\", which browsers treat as
// another host), carry no scheme, host or control characters. Anything else
// yields "" so no redirect can lead off the site.
func safeNext(s string) string {
	if s == "" || len(s) > 2048 || s[0] != '/' {
		return ""
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return ""
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	p, err := url.Parse(s)
	if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil || p.Opaque != "" {
		return ""
	}
	return s
}
