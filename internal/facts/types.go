package facts

import (
	"context"
	"time"
)

// Shape is the form of a catalogue item's values.
type Shape string

// Shapes (DOMAIN.md §5).
const (
	Attribute Shape = "attribute" // a value effective from a date (tax credit grade)
	Measure   Shape = "measure"   // a value for a period (month) (VAT sales)
	Event     Shape = "event"     // something that happened, possibly with an end (penalty, list entry)
)

// Fact is one reported value about one enterprise.
type Fact struct {
	ID           int64
	EnterpriseID int64
	Item         string // catalogue item code, e.g. "tax.vat_sales"
	Shape        Shape
	// Period is the month a measure covers (first day), the date an
	// attribute takes effect, or the date an event happened.
	Period time.Time
	// EndsOn is when an event's effect ends (list removal, licence expiry);
	// zero if open or not applicable.
	EndsOn time.Time
	// Num is the value in the item's unit (fen for money, kWh, persons);
	// Text is the value for categorical items (grades) or a short label.
	Num  int64
	Text string
	// Ref is the natural key of an event in its source (decision number,
	// case number); empty for measures and attributes.
	Ref string
	// Detail is JSON with the event's further fields (authority, cause).
	Detail string
	// Provenance.
	Source     string // department code, e.g. "tax", "hrss", "grid"
	Batch      string // batch id of the load that brought it
	SourceRow  int64  // row number in the source file (0 if none)
	ReceivedAt time.Time
	// Version starts at 1; a correction of the same (enterprise, item,
	// period, ref) is stored as version+1.
	Version int
}

// LoanStatus is the state of a loan.
type LoanStatus string

// Loan states.
const (
	LoanCurrent   LoanStatus = "current"
	LoanRepaid    LoanStatus = "repaid"
	LoanOverdue   LoanStatus = "overdue"
	LoanDefaulted LoanStatus = "defaulted"
)

// Loan is a loan an institution granted to an enterprise and shared back.
type Loan struct {
	ID             int64
	EnterpriseID   int64
	Lender         string // institution name as reported
	LenderOrgID    int64  // the institution's organisation, zero if not on the platform
	ContractNo     string
	AmountFen      int64
	RateBP         int // annual rate in basis points
	TermMonths     int
	Guarantee      string // credit, guarantee, mortgage, pledge
	StartOn        time.Time
	MaturityOn     time.Time
	Status         LoanStatus
	MaxDaysOverdue int
	DefaultedOn    time.Time // zero unless defaulted
	RepaidOn       time.Time // zero unless repaid
	Source         string
	Batch          string
	ReceivedAt     time.Time
}

// Query selects facts of one enterprise.
type Query struct {
	EnterpriseID int64
	Item         string // exact item, or a prefix ending in "." ("tax.")
	From, To     time.Time
	// KnownAt, if set, returns what was known then: facts received at or
	// before it, in their latest version as of it.
	KnownAt time.Time
	// AllVersions returns every stored version (of those received by
	// KnownAt, if set), oldest version first within a key, instead of the
	// latest only: the history an auditor or the subject reviews.
	AllVersions bool
	Limit       int
	// Items, if set, keeps only these exact items (and, with Item, only
	// those of them Item matches): several items in one index-range read,
	// rather than all the enterprise's facts filtered afterwards.
	Items []string
}

// Store persists facts and loans.
type Store interface {
	// AppendFacts stores facts in bulk (the backend's fast path) and sets
	// nothing on them; all commit together or none do. A fact for an
	// unknown enterprise is fault.Invalid "store.reference".
	AppendFacts(ctx context.Context, fs []Fact) error
	// QueryFacts returns one enterprise's facts ordered by item, period, ref.
	QueryFacts(ctx context.Context, q Query) ([]Fact, error)
	// AppendLoans stores loans in bulk, setting nothing on them.
	AppendLoans(ctx context.Context, ls []Loan) error
	// LoansOf returns an enterprise's loans ordered by start date.
	LoansOf(ctx context.Context, enterpriseID int64) ([]Loan, error)
	// CountFacts and CountLoans count all rows (statistics, benchmarks).
	CountFacts(ctx context.Context) (int64, error)
	CountLoans(ctx context.Context) (int64, error)
}
