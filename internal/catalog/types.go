package catalog

import (
	"context"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// Category is a group of items in DOMAIN.md §5.
type Category string

// Categories, in the order of DOMAIN.md §5.
const (
	CatRegistration    Category = "registration"     // 登记注册
	CatLicence         Category = "licence"          // 行政许可与资质
	CatPenalty         Category = "penalty"          // 行政处罚
	CatJudicial        Category = "judicial"         // 司法信息
	CatList            Category = "list"             // 名单信息
	CatHonour          Category = "honour"           // 荣誉与政策支持
	CatTax             Category = "tax"              // 纳税
	CatSocialInsurance Category = "social_insurance" // 社会保险
	CatHousingFund     Category = "housing_fund"     // 住房公积金
	CatUtilities       Category = "utilities"        // 水电气
	CatCustoms         Category = "customs"          // 海关
	CatProperty        Category = "property"         // 不动产与动产
	CatIP              Category = "ip_rd"            // 知识产权与研发
	CatFinancing       Category = "financing"        // 融资行为
)

// Categories lists every category in display order.
var Categories = []Category{CatRegistration, CatLicence, CatPenalty, CatJudicial, CatList, CatHonour, CatTax,
	CatSocialInsurance, CatHousingFund, CatUtilities, CatCustoms, CatProperty, CatIP, CatFinancing}

// Mode is a way an item is shared (共享方式).
type Mode string

// Sharing modes.
const (
	ModePhysical     Mode = "physical"     // bulk transfer into the platform's database (物理归集)
	ModeInterface    Mode = "interface"    // on-demand query of the source's interface (接口调用)
	ModeVerification Mode = "verification" // yes/no check against the source, no values leave (核验)
)

// Modes lists every mode in canonical order.
var Modes = []Mode{ModePhysical, ModeInterface, ModeVerification}

// Sharing is the sharing attribute (共享属性).
type Sharing string

// Sharing attributes.
const (
	Unconditional Sharing = "unconditional" // 无条件共享
	Conditional   Sharing = "conditional"   // 有条件共享
	NotShared     Sharing = "not_shared"    // 不予共享
)

// SharingValues lists every sharing attribute.
var SharingValues = []Sharing{Unconditional, Conditional, NotShared}

// Disclosure is the disclosure attribute (开放/公开属性).
type Disclosure string

// Disclosure attributes.
const (
	Public        Disclosure = "public"         // 主动公开
	OnApplication Disclosure = "on_application" // 依申请公开
	NotPublic     Disclosure = "not_public"     // 不予公开
)

// DisclosureValues lists every disclosure attribute.
var DisclosureValues = []Disclosure{Public, OnApplication, NotPublic}

// Frequencies an item may be updated with.
var Frequencies = []string{"realtime", "daily", "monthly", "quarterly", "yearly", "event"}

// Shapes an item may have (facts.Shape values).
var Shapes = []facts.Shape{facts.Attribute, facts.Measure, facts.Event}

// Item is one catalogue item as an operator edits it. Dates are calendar
// dates "YYYY-MM-DD"; EffectiveTo is empty while the item is in force.
type Item struct {
	Code          string      `json:"code"`
	NameZH        string      `json:"name_zh"`
	NameEN        string      `json:"name_en"`
	Category      Category    `json:"category"`
	Department    string      `json:"department"` // source department code: "tax", "hrss", "samr", ...
	Shape         facts.Shape `json:"shape"`
	Unit          string      `json:"unit"` // unit of a fact's Num: fen, persons, kWh, m3, points; "" if unused
	Frequency     string      `json:"frequency"`
	Modes         []Mode      `json:"modes"`
	Sharing       Sharing     `json:"sharing"`
	Disclosure    Disclosure  `json:"disclosure"`
	Grade         int         `json:"grade"` // 1-4: L1 public … L4 highly sensitive (DOMAIN.md §6)
	Personal      bool        `json:"personal"`
	LegalBasis    string      `json:"legal_basis"`
	EffectiveFrom string      `json:"effective_from"`
	EffectiveTo   string      `json:"effective_to,omitempty"`
	Note          string      `json:"note,omitempty"` // how a fact's Num, Text, Ref, EndsOn and Detail are used
}

// Version is one stored version of an item: the item as it was, who made
// it, why and when. Versions of a code count 1, 2, 3, ...; the highest is
// the current one.
type Version struct {
	Item
	Version      int64     `json:"version"`
	AuthorUserID int64     `json:"author_user_id"` // 0: the system
	AuthorName   string    `json:"author_name"`
	Reason       string    `json:"reason"`
	CreatedAt    time.Time `json:"created_at"`
}

// Store persists catalogue versions.
type Store interface {
	// PutItemVersion stores v as version base+1 of v.Code (base 0 creates
	// the item) and sets v.Version and v.CreatedAt (to the store's clock
	// when zero; stored to the microsecond, UTC). It must return
	// fault.Conflict "catalog.stale" if base is not the code's current
	// version, including when another writer got there first.
	PutItemVersion(ctx context.Context, v *Version, base int64) error
	// CurrentItems returns the current version of every item, ordered by
	// code.
	CurrentItems(ctx context.Context) ([]Version, error)
	// ItemByCode returns the current version of an item; it must return
	// fault.NotFound "catalog.not_found" if the code is unknown.
	ItemByCode(ctx context.Context, code string) (Version, error)
	// ItemVersions returns every version of an item, oldest first; it
	// must return fault.NotFound "catalog.not_found" if the code is unknown.
	ItemVersions(ctx context.Context, code string) ([]Version, error)
}

// Policy is the access decision point's view of the item.
func (it Item) Policy() access.ItemPolicy {
	return access.ItemPolicy{Code: it.Code, Known: true, Department: it.Department, Grade: it.Grade,
		Sharing: string(it.Sharing), Disclosure: string(it.Disclosure), Personal: it.Personal}
}
