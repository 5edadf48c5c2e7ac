package synth

import (
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Config selects a synthetic region. The same Config always yields the same
// region, byte for byte.
type Config struct {
	Enterprises int       // population size
	Seed        uint64    // generator seed
	Months      int       // months of department data (default 36)
	Province    string    // two-digit GB/T 2260 province code (default "32", Jiangsu)
	EndMonth    time.Time // last month of data, first day, UTC (default 2026-10-01)
	// DefaultRate is the target share of borrowers whose loan defaults
	// within 12 months of disbursement (default 0.05; must be in 0.01..0.2).
	DefaultRate float64
}

// Shareholder of an enterprise; natural persons carry personal data.
type Shareholder struct {
	Name       string
	Natural    bool   // a natural person (personal information) or a company
	IDNumber   string // identity number (natural persons) or credit code (companies)
	ShareBP    int    // share in basis points (10000 = 100 %)
	CapitalFen int64  // subscribed capital
}

// Profile is an enterprise's registration data (market regulation).
type Profile struct {
	Index                int // position in the population, 0-based
	Code                 string
	NameZH               string
	NameEN               string
	Division             string // county-level GB/T 2260 code (also in Code)
	Industry             string // GB/T 4754 section letter
	IndustryDivision     string // GB/T 4754 two-digit division
	Size                 string // micro, small, medium
	Status               string // operating, deregistered, revoked, suspended (at EndMonth)
	FoundedOn            time.Time
	RegisteredCapitalFen int64
	Address              string
	LegalRepName         string
	LegalRepID           string // synthetic identity number, valid check character
	LegalRepPhone        string
	Shareholders         []Shareholder
}

// Hidden is the latent truth behind an enterprise's data. It is never
// written to department files or served as data; it exists so tests and the
// generator's summary can check that signals carry information.
type Hidden struct {
	// Health is the latent health per month (index 0 = first month), in
	// roughly -3..3; decline and shocks drive the observable data. Months
	// before the firm was founded hold 0.
	Health []float64
	// Defaulted reports whether any loan defaulted within 12 months of
	// its start.
	Defaulted bool
	// Trajectory is the class of the health path: stable, growth,
	// decline, distressed or dormant (a registered shell without
	// business).
	Trajectory string
	// ShockMonth is the month of a one-off shock, -1 if none.
	ShockMonth int
	// LastActiveMonth is the last month the firm operated (Months-1 if it
	// did not leave the market in the window).
	LastActiveMonth int
	// Employees, RevenueFen (annual operating revenue) and AssetsFen are
	// the measures behind Profile.Size (工信部联企业〔2011〕300号), at
	// the firm's normal level of activity.
	Employees  int
	RevenueFen int64
	AssetsFen  int64
}

// Bundle is everything generated for one enterprise. Facts and Loans carry
// EnterpriseID zero (the loader fills it) and Source naming the reporting
// department.
type Bundle struct {
	Profile Profile
	Facts   []facts.Fact
	Loans   []facts.Loan
	Hidden  Hidden
}

// Department codes (facts.Fact.Source).
const (
	DeptTax     = "tax"   // 税务局
	DeptHRSS    = "hrss"  // 人力资源和社会保障局 (social insurance)
	DeptHF      = "hf"    // 住房公积金管理中心
	DeptGrid    = "grid"  // 供电公司
	DeptWater   = "water" // 自来水公司
	DeptGas     = "gas"   // 燃气公司
	DeptCourt   = "court" // 人民法院
	DeptSAMR    = "samr"  // 市场监督管理局 (registration, lists, penalties)
	DeptSci     = "sci"   // 科技局 / 工信局 (honours)
	DeptFinance = "fin"   // institutions sharing loans back
)
