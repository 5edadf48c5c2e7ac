package enterprise

import (
	"context"
	"time"
)

// Status is the registration status of an enterprise.
type Status string

// Registration statuses (登记状态).
const (
	StatusOperating    Status = "operating"    // 存续/在业
	StatusSuspended    Status = "suspended"    // 停业
	StatusRevoked      Status = "revoked"      // 吊销
	StatusDeregistered Status = "deregistered" // 注销
)

// Statuses lists every status.
var Statuses = []Status{StatusOperating, StatusSuspended, StatusRevoked, StatusDeregistered}

// Record is an enterprise as stored. Personal data is sealed: LegalRepSealed
// holds the encrypted name and identity number, LegalRepMasked the masked
// form that may be shown.
type Record struct {
	ID                int64
	Code              string // unified social credit code, validated
	NameZH            string
	NameEN            string
	Division          string // GB/T 2260 six-digit code
	Industry          string // GB/T 4754 section letter
	Size              string // micro, small, medium, large
	Status            Status
	RegisteredCapital int64 // fen
	FoundedOn         time.Time
	Address           string
	LegalRepMasked    string
	LegalRepSealed    []byte
	CreatedAt         time.Time
	UpdatedAt         time.Time
	// Version increases by one on every update; updates carry the version
	// they read (optimistic concurrency).
	Version int64
}

// Change is one attribute change in an enterprise's history. Values of
// personal-data fields are recorded masked.
type Change struct {
	ID           int64
	EnterpriseID int64
	Field        string
	OldValue     string
	NewValue     string
	ChangedAt    time.Time
	ActorUserID  int64
	Reason       string
}

// Query searches the registry.
type Query struct {
	// Text matches a substring of the Chinese or English name, or a code
	// prefix.
	Text     string
	Division string // prefix of the division code: "32" province, "3205" city
	Industry string
	Status   Status
	Limit    int
	Offset   int
}

// Store persists the registry.
type Store interface {
	// CreateEnterprise inserts r, setting ID, CreatedAt, UpdatedAt and
	// Version (1); it must return fault.Conflict with code
	// "enterprise.duplicate" if the code is registered.
	CreateEnterprise(ctx context.Context, r *Record) error
	// CreateEnterprises inserts many records in one transaction with the
	// backend's bulk path (bulk loads, seeding), setting each ID,
	// CreatedAt, UpdatedAt and Version; a duplicate code anywhere fails
	// the whole call with fault.Conflict "enterprise.duplicate".
	CreateEnterprises(ctx context.Context, rs []*Record) error
	// EnterpriseByCode and EnterpriseByID must return fault.NotFound (code
	// "enterprise.not_found") if unknown.
	EnterpriseByCode(ctx context.Context, code string) (Record, error)
	EnterpriseByID(ctx context.Context, id int64) (Record, error)
	// UpdateEnterprise writes r if the stored version equals r.Version,
	// then increments r.Version and records changes; it must return
	// fault.Conflict with code "enterprise.stale" otherwise, and
	// fault.NotFound "enterprise.not_found" for an unknown id.
	UpdateEnterprise(ctx context.Context, r *Record, changes []Change) error
	// SearchEnterprises returns one page ordered by ID and the total count.
	SearchEnterprises(ctx context.Context, q Query) ([]Record, int, error)
	// EnterpriseChanges lists an enterprise's history, oldest first.
	EnterpriseChanges(ctx context.Context, enterpriseID int64) ([]Change, error)
	// CountEnterprises returns the number of registered enterprises.
	CountEnterprises(ctx context.Context) (int, error)
}
