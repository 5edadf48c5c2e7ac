package industry

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/creditbridge/creditbridge/internal/fault"
)

//go:embed sizes.json
var sizesJSON []byte

// Size is an enterprise size class (企业规模).
type Size string

// Size classes, smallest first.
const (
	Micro  Size = "micro"  // 微型
	Small  Size = "small"  // 小型
	Medium Size = "medium" // 中型
	Large  Size = "large"  // 大型
)

// ParseSize accepts a size in English ("micro", any case) or Chinese ("微型",
// "微型企业"), with surrounding white space, and returns it or an Invalid
// "industry.unknown_size" error.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "企业")
	switch t {
	case "micro", "微型":
		return Micro, nil
	case "small", "小型":
		return Small, nil
	case "medium", "中型":
		return Medium, nil
	case "large", "大型":
		return Large, nil
	}
	return "", fault.Newf(fault.Invalid, "industry.unknown_size",
		"%q is not an enterprise size; use micro, small, medium or large", s).
		With("size", clip(s))
}

// Sector is an industry as the size classification regulation groups them;
// each has its own thresholds in sizes.json.
type Sector string

// Sectors of 工信部联企业〔2011〕300号, article 3.
const (
	SectorAgriculture             Sector = "agriculture"               // 农、林、牧、渔业
	SectorIndustry                Sector = "industry"                  // 工业: mining, manufacturing, utilities
	SectorConstruction            Sector = "construction"              // 建筑业
	SectorWholesale               Sector = "wholesale"                 // 批发业
	SectorRetail                  Sector = "retail"                    // 零售业
	SectorTransport               Sector = "transport"                 // 交通运输业 (not rail)
	SectorWarehousing             Sector = "warehousing"               // 仓储业
	SectorPostal                  Sector = "postal"                    // 邮政业
	SectorAccommodation           Sector = "accommodation"             // 住宿业
	SectorCatering                Sector = "catering"                  // 餐饮业
	SectorInformationTransmission Sector = "information_transmission"  // 信息传输业
	SectorSoftwareIT              Sector = "software_it"               // 软件和信息技术服务业
	SectorRealEstateDevelopment   Sector = "real_estate_development"   // 房地产开发经营
	SectorPropertyManagement      Sector = "property_management"       // 物业管理
	SectorLeasingBusiness         Sector = "leasing_business_services" // 租赁和商务服务业
	SectorOther                   Sector = "other"                     // 其他未列明行业
)

// ParseSector returns the sector with this name (as in the constants, any
// case) or an Invalid "industry.unknown_sector" error.
func ParseSector(s string) (Sector, error) {
	sec := Sector(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := sizeRules().bySector[sec]; ok {
		return sec, nil
	}
	return "", fault.Newf(fault.Invalid, "industry.unknown_sector",
		"%q is not a sector of the enterprise size classification", s).
		With("sector", clip(s))
}

// SectorOf maps a GB/T 4754-2017 code to its size-classification sector.
// The code is a division ("13"), group ("702") or class ("7010"), optionally
// led by its section letter ("C13"). The mapping is data (sizes.json, after
// 统计上大中小微型企业划分办法（2017）): the longest listed prefix wins, so
// "702" is property management and "591" (装卸搬运) transport, and a known
// division that no sector lists (rail transport 53, finance J, education P,
// health 84, public administration S, ...) is SectorOther, to be classified
// by analogy as the regulation's article 6 says. A bare "70" is taken as real
// estate development; pass the group or class code to distinguish property
// management (702) and other real estate (703, 704, 709). SectorOf returns ""
// for a code that is not a GB/T 4754-2017 division.
//
// Financial institutions have their own size standard (银发〔2015〕309号),
// which this package does not implement.
func SectorOf(division string) Sector {
	s := strings.ToUpper(strings.TrimSpace(division))
	letter := ""
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		letter, s = s[:1], s[1:]
	}
	if len(s) < 2 || len(s) > 4 || !digits(s) {
		return ""
	}
	div, ok := DivisionByCode(s[:2])
	if !ok || letter != "" && letter != div.Section {
		return ""
	}
	r := sizeRules()
	for n := len(s); n >= 2; n-- {
		if sec, ok := r.byPrefix[s[:n]]; ok {
			return sec
		}
	}
	return r.fallback
}

// Classify returns the size class of an enterprise in a sector from its
// employees (从业人员), operating revenue (营业收入) and total assets (资产总额),
// both in yuan, per 工信部联企业〔2011〕300号 with the thresholds in
// sizes.json. Each sector uses one or two of the three measures; the others
// are ignored. A size applies only when every threshold listed for it is met
// (large, then medium, then small); an enterprise below any small threshold
// is micro. An unknown sector is classified as SectorOther.
func Classify(sector Sector, employees int, revenueYuan, assetsYuan int64) Size {
	r := sizeRules()
	rule, ok := r.bySector[sector]
	if !ok {
		rule = r.bySector[r.fallback]
	}
	m := measures{employees: int64(employees), revenue: revenueYuan, assets: assetsYuan}
	switch {
	case rule.Large.met(m, r.unit):
		return Large
	case rule.Medium.met(m, r.unit):
		return Medium
	case rule.Small.met(m, r.unit):
		return Small
	}
	return Micro
}

type measures struct{ employees, revenue, assets int64 }

// thresholds are the lower bounds of one size in one sector; nil means the
// measure is not used. Money is in the file's unit (万元).
type thresholds struct {
	Employees *int64 `json:"employees"`
	Revenue   *int64 `json:"revenue"`
	Assets    *int64 `json:"assets"`
}

func (t thresholds) met(m measures, unit int64) bool {
	if t.Employees != nil && m.employees < *t.Employees {
		return false
	}
	if t.Revenue != nil && m.revenue < *t.Revenue*unit {
		return false
	}
	if t.Assets != nil && m.assets < *t.Assets*unit {
		return false
	}
	return true
}

// list returns the bounds in a fixed order, -1 for an unused measure.
func (t thresholds) list() [3]int64 {
	v := [3]int64{-1, -1, -1}
	for i, p := range []*int64{t.Employees, t.Revenue, t.Assets} {
		if p != nil {
			v[i] = *p
		}
	}
	return v
}

type sectorRule struct {
	Sector Sector     `json:"sector"`
	NameZH string     `json:"name_zh"`
	NameEN string     `json:"name_en"`
	Codes  []string   `json:"codes"`
	Large  thresholds `json:"large"`
	Medium thresholds `json:"medium"`
	Small  thresholds `json:"small"`
}

type sizeIndex struct {
	unit     int64
	fallback Sector
	bySector map[Sector]sectorRule
	byPrefix map[string]Sector
}

var sizeRules = sync.OnceValue(func() *sizeIndex {
	s, err := parseSizes(sizesJSON)
	if err != nil {
		panic("industry: embedded sizes.json: " + err.Error())
	}
	return s
})

func parseSizes(data []byte) (*sizeIndex, error) {
	// Unknown fields are refused so that a misspelt measure ("employee")
	// cannot silently drop a threshold.
	var raw struct {
		Source   string       `json:"source"`
		Rule     string       `json:"rule"`
		Unit     int64        `json:"money_unit_yuan"`
		Fallback Sector       `json:"default_sector"`
		Sectors  []sectorRule `json:"sectors"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if raw.Unit <= 0 {
		return nil, fmt.Errorf("money_unit_yuan %d", raw.Unit)
	}
	s := &sizeIndex{unit: raw.Unit, fallback: raw.Fallback, bySector: map[Sector]sectorRule{}, byPrefix: map[string]Sector{}}
	for _, r := range raw.Sectors {
		if r.Sector == "" || r.NameZH == "" || r.NameEN == "" {
			return nil, fmt.Errorf("sector %+v lacks a name", r)
		}
		if _, dup := s.bySector[r.Sector]; dup {
			return nil, fmt.Errorf("duplicate sector %s", r.Sector)
		}
		if err := checkThresholds(r); err != nil {
			return nil, fmt.Errorf("sector %s: %w", r.Sector, err)
		}
		for _, c := range r.Codes {
			if len(c) < 2 || len(c) > 4 || !digits(c) {
				return nil, fmt.Errorf("sector %s: bad code %q", r.Sector, c)
			}
			if _, ok := DivisionByCode(c[:2]); !ok {
				return nil, fmt.Errorf("sector %s: code %s is in no GB/T 4754 division", r.Sector, c)
			}
			if prev, dup := s.byPrefix[c]; dup {
				return nil, fmt.Errorf("code %s in sectors %s and %s", c, prev, r.Sector)
			}
			s.byPrefix[c] = r.Sector
		}
		s.bySector[r.Sector] = r
	}
	if _, ok := s.bySector[s.fallback]; !ok {
		return nil, fmt.Errorf("default_sector %q is not listed", s.fallback)
	}
	return s, nil
}

// checkThresholds requires the same measures at every size, at least one,
// no negative bound, and large ≥ medium ≥ small.
func checkThresholds(r sectorRule) error {
	l, m, s := r.Large.list(), r.Medium.list(), r.Small.list()
	used := 0
	for i := range l {
		if (l[i] < 0) != (m[i] < 0) || (m[i] < 0) != (s[i] < 0) {
			return fmt.Errorf("measure %d is not used at every size", i)
		}
		if l[i] < 0 {
			continue
		}
		used++
		if !(l[i] >= m[i] && m[i] >= s[i] && s[i] >= 0) {
			return fmt.Errorf("measure %d bounds %d/%d/%d are not descending", i, l[i], m[i], s[i])
		}
	}
	if used == 0 {
		return fmt.Errorf("no measure")
	}
	return nil
}
