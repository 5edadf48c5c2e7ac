package region

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/fault"
)

//go:embed divisions.csv
var divisionsCSV []byte

// Level is the tier of a division.
type Level int

// Levels, from the top. A province-level division is a province,
// autonomous region, municipality or special administrative region; a
// city-level one a prefecture-level city, prefecture, autonomous prefecture
// or league; a county-level one a district, county, county-level city,
// banner or forestry district.
const (
	Province Level = iota + 1
	City
	County
)

func (l Level) String() string {
	switch l {
	case Province:
		return "province"
	case City:
		return "city"
	case County:
		return "county"
	}
	return "unknown"
}

// Division is one row of the table. The zero Division means "not known".
type Division struct {
	Code   string // 6 digits
	NameZH string // official Chinese name, e.g. "苏州市"
	NameEN string // pinyin name, e.g. "Suzhou"
	Level  Level
}

// Path is a code resolved to its province, city and county. A field is the
// zero Division when the table does not know that level. For the
// municipalities (11, 12, 31, 50) City is the municipality itself.
type Path struct {
	Province Division
	City     Division
	County   Division
}

// Name joins the path's known names: in Chinese from the top without
// separators ("江苏省苏州市吴中区"), otherwise in English from the bottom
// separated by commas ("Wuzhong District, Suzhou, Jiangsu"). lang is a
// language tag; any tag starting with "zh" selects Chinese. A municipality is
// named once ("北京市海淀区", "Haidian District, Beijing").
func (p Path) Name(lang string) string {
	parts := make([]Division, 0, 3)
	for _, d := range []Division{p.Province, p.City, p.County} {
		if d.Code == "" || len(parts) > 0 && parts[len(parts)-1].Code == d.Code {
			continue
		}
		parts = append(parts, d)
	}
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		var b strings.Builder
		for _, d := range parts {
			b.WriteString(d.NameZH)
		}
		return b.String()
	}
	names := make([]string, 0, len(parts))
	for i := len(parts) - 1; i >= 0; i-- {
		names = append(names, parts[i].NameEN)
	}
	return strings.Join(names, ", ")
}

// Lookup returns the division with exactly this code.
func Lookup(code string) (Division, bool) {
	d, ok := table().byCode[code]
	return d, ok
}

// Resolve finds the province, city and county of a 6-digit code: the province
// is the first two digits + "0000", the city the first four + "00" (when the
// table has it; for a municipality, the municipality), and the county the
// code itself (when the table has it and it is county-level). A code that is
// not 6 ASCII digits is an Invalid "region.malformed" error; a code whose
// province is not in the table is an Invalid "region.unknown" error. An
// unlisted city or county is not an error: that field stays zero.
func Resolve(code string) (Path, error) {
	if !wellFormed(code) {
		return Path{}, fault.Newf(fault.Invalid, "region.malformed",
			"an administrative division code has 6 digits, got %q", clip(code)).
			With("code", clip(code))
	}
	t := table()
	var p Path
	prov, ok := t.byCode[code[:2]+"0000"]
	if !ok {
		return Path{}, fault.Newf(fault.Invalid, "region.unknown",
			"no province is known for administrative division code %s", code).
			With("code", code)
	}
	p.Province = prov
	if municipalities[code[:2]] {
		p.City = prov
	} else if code[2:4] != "00" {
		if city, ok := t.byCode[code[:4]+"00"]; ok {
			p.City = city
		}
	}
	if d, ok := t.byCode[code]; ok && d.Level == County {
		p.County = d
	}
	return p, nil
}

// Provinces returns the 34 province-level divisions sorted by code.
func Provinces() []Division {
	return append([]Division(nil), table().provinces...)
}

// Children returns the divisions directly below code, sorted by code: for a
// province its cities, plus the county-level divisions that have no city
// above them (the districts of a municipality, 省直辖县级行政区划 such as
// 419001 济源市); for a city its counties. It returns nil for a county, an
// unknown code, or a division whose children the table does not list.
func Children(code string) []Division {
	kids := table().children[code]
	if len(kids) == 0 {
		return nil
	}
	return append([]Division(nil), kids...)
}

// municipalities are the province-level cities whose districts sit directly
// below them; their codes have no 4-digit city level in the current edition.
var municipalities = map[string]bool{"11": true, "12": true, "31": true, "50": true}

type index struct {
	byCode    map[string]Division
	provinces []Division
	children  map[string][]Division
}

// table parses the embedded CSV once. The data is checked by the package
// tests, so a parse failure is a build defect and panics.
var table = sync.OnceValue(func() *index {
	t, err := parse(divisionsCSV)
	if err != nil {
		panic("region: embedded divisions.csv: " + err.Error())
	}
	return t
})

func parse(data []byte) (*index, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = 3
	header, err := r.Read()
	if err != nil {
		return nil, err
	}
	if strings.Join(header, ",") != "code,name_zh,name_en" {
		return nil, fmt.Errorf("header %q, want code,name_zh,name_en", header)
	}
	t := &index{byCode: map[string]Division{}, children: map[string][]Division{}}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		d := Division{Code: rec[0], NameZH: rec[1], NameEN: rec[2], Level: levelOf(rec[0])}
		if !wellFormed(d.Code) || d.NameZH == "" || d.NameEN == "" {
			return nil, fmt.Errorf("bad row %q", rec)
		}
		if _, dup := t.byCode[d.Code]; dup {
			return nil, fmt.Errorf("duplicate code %s", d.Code)
		}
		t.byCode[d.Code] = d
	}
	for _, d := range t.byCode {
		switch d.Level {
		case Province:
			t.provinces = append(t.provinces, d)
			continue
		case City:
			t.children[d.Code[:2]+"0000"] = append(t.children[d.Code[:2]+"0000"], d)
			continue
		}
		parent := d.Code[:4] + "00"
		if _, ok := t.byCode[parent]; !ok {
			parent = d.Code[:2] + "0000"
		}
		t.children[parent] = append(t.children[parent], d)
	}
	byCode := func(s []Division) {
		sort.Slice(s, func(i, j int) bool { return s[i].Code < s[j].Code })
	}
	byCode(t.provinces)
	for _, kids := range t.children {
		byCode(kids)
	}
	return t, nil
}

// levelOf reads the level from the code's trailing zeros.
func levelOf(code string) Level {
	switch {
	case strings.HasSuffix(code, "0000"):
		return Province
	case strings.HasSuffix(code, "00"):
		return City
	}
	return County
}

func wellFormed(code string) bool {
	if len(code) != 6 {
		return false
	}
	for i := 0; i < 6; i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// clip bounds user input echoed in an error.
func clip(s string) string {
	const max = 32
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}
