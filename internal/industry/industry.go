package industry

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/fault"
)

//go:embed gbt4754.json
var classificationJSON []byte

// Section is a GB/T 4754-2017 section (门类), A to T.
type Section struct {
	Code   string // one upper-case letter
	NameZH string
	NameEN string
}

// Division is a GB/T 4754-2017 division (大类), 01 to 97.
type Division struct {
	Code    string // two digits
	Section string // the section's letter
	NameZH  string
	NameEN  string
}

// SectionByCode returns the section with this upper-case letter.
func SectionByCode(c string) (Section, bool) {
	s, ok := classification().sections[c]
	return s, ok
}

// DivisionByCode returns the division with this two-digit code.
func DivisionByCode(c string) (Division, bool) {
	d, ok := classification().divisions[c]
	return d, ok
}

// Sections returns the 20 sections in order, A to T.
func Sections() []Section {
	return append([]Section(nil), classification().sectionList...)
}

// DivisionsOf returns the divisions of a section (upper-case letter) sorted
// by code, or nil for an unknown section.
func DivisionsOf(section string) []Division {
	ds := classification().bySection[section]
	if len(ds) == 0 {
		return nil
	}
	return append([]Division(nil), ds...)
}

// ParseSection accepts a section letter in either case, with surrounding
// white space, and returns the section or an Invalid
// "industry.unknown_section" error.
func ParseSection(s string) (Section, error) {
	if sec, ok := SectionByCode(strings.ToUpper(strings.TrimSpace(s))); ok {
		return sec, nil
	}
	return Section{}, fault.Newf(fault.Invalid, "industry.unknown_section",
		"%q is not a GB/T 4754-2017 industry section (A to T)", s).
		With("section", clip(s))
}

type classificationIndex struct {
	sectionList []Section
	sections    map[string]Section
	divisions   map[string]Division
	bySection   map[string][]Division
}

var classification = sync.OnceValue(func() *classificationIndex {
	c, err := parseClassification(classificationJSON)
	if err != nil {
		panic("industry: embedded gbt4754.json: " + err.Error())
	}
	return c
})

func parseClassification(data []byte) (*classificationIndex, error) {
	var raw struct {
		Sections []struct {
			Code   string `json:"code"`
			NameZH string `json:"name_zh"`
			NameEN string `json:"name_en"`
		} `json:"sections"`
		Divisions []struct {
			Code    string `json:"code"`
			Section string `json:"section"`
			NameZH  string `json:"name_zh"`
			NameEN  string `json:"name_en"`
		} `json:"divisions"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	c := &classificationIndex{
		sections:  map[string]Section{},
		divisions: map[string]Division{},
		bySection: map[string][]Division{},
	}
	for _, s := range raw.Sections {
		if len(s.Code) != 1 || s.Code[0] < 'A' || s.Code[0] > 'Z' || s.NameZH == "" || s.NameEN == "" {
			return nil, fmt.Errorf("bad section %+v", s)
		}
		if _, dup := c.sections[s.Code]; dup {
			return nil, fmt.Errorf("duplicate section %s", s.Code)
		}
		sec := Section{Code: s.Code, NameZH: s.NameZH, NameEN: s.NameEN}
		c.sections[s.Code] = sec
		c.sectionList = append(c.sectionList, sec)
	}
	for _, d := range raw.Divisions {
		if !digits(d.Code) || len(d.Code) != 2 || d.NameZH == "" || d.NameEN == "" {
			return nil, fmt.Errorf("bad division %+v", d)
		}
		if _, ok := c.sections[d.Section]; !ok {
			return nil, fmt.Errorf("division %s: unknown section %q", d.Code, d.Section)
		}
		if _, dup := c.divisions[d.Code]; dup {
			return nil, fmt.Errorf("duplicate division %s", d.Code)
		}
		div := Division{Code: d.Code, Section: d.Section, NameZH: d.NameZH, NameEN: d.NameEN}
		c.divisions[d.Code] = div
		c.bySection[d.Section] = append(c.bySection[d.Section], div)
	}
	sort.Slice(c.sectionList, func(i, j int) bool { return c.sectionList[i].Code < c.sectionList[j].Code })
	for _, ds := range c.bySection {
		sort.Slice(ds, func(i, j int) bool { return ds[i].Code < ds[j].Code })
	}
	return c, nil
}

func digits(s string) bool {
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

// clip bounds user input echoed in an error parameter.
func clip(s string) string {
	const max = 32
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}
