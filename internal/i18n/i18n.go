// Package i18n translates the user interface and error messages into the
// languages the platform speaks (zh-CN and en) and picks a language for a
// request from an explicit choice, the Accept-Language header or a default.
//
// Messages are data: the locale files embedded here plus the message tables
// that domain packages export for their error codes. A key missing in either
// language is a test failure, never a blank on screen.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// Languages the platform speaks, in preference order for ties.
var supported = []language.Tag{language.MustParse("zh-CN"), language.English}

// Lang is a supported language code: "zh-CN" or "en".
type Lang string

// Supported languages.
const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// Langs lists the supported languages.
func Langs() []Lang { return []Lang{ZH, EN} }

//go:embed locales/*.json
var localeFS embed.FS

// Catalog holds every message in every language.
type Catalog struct {
	msgs map[Lang]map[string]string
	def  Lang
}

// Table is a domain package's message table: code → {English, Chinese}.
type Table = map[string][2]string

// New loads the embedded locale files and merges the given domain tables.
// A key defined twice with different text is an error.
func New(def Lang, tables ...Table) (*Catalog, error) {
	c := &Catalog{msgs: map[Lang]map[string]string{ZH: {}, EN: {}}, def: def}
	for _, l := range Langs() {
		b, err := localeFS.ReadFile("locales/" + string(l) + ".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: locales/%s.json: %w", l, err)
		}
		for k, v := range m {
			c.msgs[l][k] = v
		}
	}
	for _, t := range tables {
		for k, v := range t {
			for i, l := range []Lang{EN, ZH} {
				if old, ok := c.msgs[l][k]; ok && old != v[i] {
					return nil, fmt.Errorf("i18n: key %q defined twice for %s", k, l)
				}
				c.msgs[l][k] = v[i]
			}
		}
	}
	return c, nil
}

// Missing lists keys present in one language but not the other.
func (c *Catalog) Missing() []string {
	var out []string
	for k := range c.msgs[EN] {
		if _, ok := c.msgs[ZH][k]; !ok {
			out = append(out, "zh-CN:"+k)
		}
	}
	for k := range c.msgs[ZH] {
		if _, ok := c.msgs[EN][k]; !ok {
			out = append(out, "en:"+k)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key is defined (in English; Missing checks both).
func (c *Catalog) Has(key string) bool { _, ok := c.msgs[EN][key]; return ok }

// Keys lists every key.
func (c *Catalog) Keys() []string {
	out := make([]string, 0, len(c.msgs[EN]))
	for k := range c.msgs[EN] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Match picks a language: an explicit choice ("zh-CN", "zh", "en") wins,
// then the Accept-Language header, then the catalogue's default.
func (c *Catalog) Match(choice, acceptLanguage string) Lang {
	if l, ok := Parse(choice); ok {
		return l
	}
	if acceptLanguage != "" {
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(tags) > 0 {
			m := language.NewMatcher(supported)
			_, idx, conf := m.Match(tags...)
			if conf != language.No {
				return Lang(supported[idx].String())
			}
		}
	}
	return c.def
}

// Parse accepts a language name such as "zh-CN", "zh", "zh-Hans", "en-US".
func Parse(s string) (Lang, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	base, _ := t.Base()
	switch base.String() {
	case "zh":
		return ZH, true
	case "en":
		return EN, true
	}
	return "", false
}

// T translates key into lang, filling {name} placeholders from params
// given as alternating name, value pairs. An unknown key returns the key
// itself, so a missing translation is visible rather than blank.
func (c *Catalog) T(lang Lang, key string, params ...string) string {
	msg, ok := c.msgs[lang][key]
	if !ok {
		msg, ok = c.msgs[EN][key]
		if !ok {
			return key
		}
	}
	for i := 0; i+1 < len(params); i += 2 {
		msg = strings.ReplaceAll(msg, "{"+params[i]+"}", params[i+1])
	}
	return msg
}

// TMap is T with parameters from a map.
func (c *Catalog) TMap(lang Lang, key string, params map[string]string) string {
	ps := make([]string, 0, 2*len(params))
	for k, v := range params {
		ps = append(ps, k, v)
	}
	return c.T(lang, key, ps...)
}

// Localizer binds a catalogue to one language, for templates and handlers.
type Localizer struct {
	C    *Catalog
	Lang Lang
}

// T translates key.
func (l Localizer) T(key string, params ...string) string { return l.C.T(l.Lang, key, params...) }
