package rights

import (
	"context"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// ObjectionStatus is where an objection stands.
type ObjectionStatus string

// Objection states: open and escalated are pending (the record is under
// objection); the other three are final.
const (
	ObjectionOpen      ObjectionStatus = "open"      // in the source department's queue
	ObjectionEscalated ObjectionStatus = "escalated" // past its deadline: in the operator's queue too
	ObjectionConfirmed ObjectionStatus = "confirmed" // the department checked it: the record stands
	ObjectionCorrected ObjectionStatus = "corrected" // a corrected version of the record was stored
	ObjectionRejected  ObjectionStatus = "rejected"  // refused, with a reason
)

// Pending reports whether the objection still awaits a decision.
func (s ObjectionStatus) Pending() bool { return s == ObjectionOpen || s == ObjectionEscalated }

// RepairStatus is where a credit-repair application stands.
type RepairStatus string

// Repair states.
const (
	RepairPending  RepairStatus = "pending"
	RepairApproved RepairStatus = "approved" // the record is repaired
	RepairRejected RepairStatus = "rejected"
)

// Record names one stored record of an enterprise: what an objection or a
// repair is about. A correction keeps the key, so the key (not a version)
// is what stays under objection or repaired.
type Record struct {
	Item   string    // catalogue item code
	Period time.Time // the fact's period (date, UTC)
	Ref    string    // the event's natural key, empty for measures and attributes
}

// Objection is one dispute of a record.
type Objection struct {
	ID             int64
	EnterpriseID   int64
	EnterpriseCode string // read from the registry with the row
	EnterpriseName string
	Record
	Department string // the item's source department: whose queue it is in
	// FactVersion, ValueNum and ValueText are the version disputed and
	// its value as the enterprise saw it when filing.
	FactVersion     int
	ValueNum        int64
	ValueText       string
	Reason          string
	Status          ObjectionStatus
	FiledByUserID   int64
	FiledBy         string
	FiledAt         time.Time
	DueAt           time.Time // the department's deadline
	EscalatedAt     time.Time // zero unless escalated
	DecidedByUserID int64
	DecidedBy       string
	DecidedAt       time.Time
	DecisionReason  string
	// CorrectedVersion is the version the correction stored (0 unless
	// corrected).
	CorrectedVersion int
	Attachments      []Attachment // metadata only
}

// Repair is one credit-repair application for a penalty or list entry.
type Repair struct {
	ID             int64
	EnterpriseID   int64
	EnterpriseCode string
	EnterpriseName string
	Record
	Department      string // the record's source department
	FactVersion     int
	Evidence        string // what the enterprise did to correct the conduct
	Status          RepairStatus
	FiledByUserID   int64
	FiledBy         string
	FiledAt         time.Time
	DecidedByUserID int64
	DecidedBy       string
	DecidedAt       time.Time
	DecisionReason  string
	Attachments     []Attachment
}

// Owners of attachments.
const (
	OwnerObjection = "objection"
	OwnerRepair    = "repair"
)

// Attachment is a file filed with an objection or a repair. It is stored
// in the database with its filing (see the migration for why).
type Attachment struct {
	ID          int64
	Owner       string // OwnerObjection or OwnerRepair
	OwnerID     int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string // hex of the content
	Data        []byte // only from AttachmentByID
	CreatedAt   time.Time
}

// Notification tells an enterprise about an outcome of one of its filings.
type Notification struct {
	ID           int64
	EnterpriseID int64
	Kind         string // OwnerObjection or OwnerRepair
	RefID        int64  // the objection's or repair's id
	Status       string // the state it reached
	Item         string
	Reason       string // the decider's reason, if any
	CreatedAt    time.Time
}

// Recompute asks for everything derived from an enterprise's records
// since a date (scores, reports) to be computed again; the scoring
// service consumes the queue.
type Recompute struct {
	ID           int64
	EnterpriseID int64
	Reason       string
	Since        time.Time // date
	QueuedAt     time.Time
}

// Filter narrows the lists, newest first.
type Filter struct {
	EnterpriseID int64
	Department   string   // the source department's queue
	Statuses     []string // any of these; empty: all
	Limit        int      // default 100, at most 1000
}

// Store persists filings. Every method joins the caller's transaction.
type Store interface {
	// CreateObjection stores o and sets its ID. A pending objection on
	// the same record is fault.Conflict "rights.objection_pending"; an
	// unknown enterprise is fault.Invalid "store.reference".
	CreateObjection(ctx context.Context, o *Objection) error
	// ObjectionByID returns an objection without attachments, or
	// fault.NotFound "rights.objection_not_found".
	ObjectionByID(ctx context.Context, id int64) (Objection, error)
	// ListObjections returns objections matching f, newest first.
	ListObjections(ctx context.Context, f Filter) ([]Objection, error)
	// UpdateObjection writes o's status, escalation, decision and
	// correction fields if the stored objection's status is one of from;
	// otherwise it is fault.Conflict "rights.objection_closed" and
	// nothing changes.
	UpdateObjection(ctx context.Context, o *Objection, from ...ObjectionStatus) error
	// OverdueObjections returns open objections whose deadline is at or
	// before now, oldest deadline first, at most limit.
	OverdueObjections(ctx context.Context, now time.Time, limit int) ([]Objection, error)

	// CreateRepair stores r and sets its ID. A pending or approved
	// repair of the same record is fault.Conflict "rights.repair_exists".
	CreateRepair(ctx context.Context, r *Repair) error
	// RepairByID returns a repair or fault.NotFound "rights.repair_not_found".
	RepairByID(ctx context.Context, id int64) (Repair, error)
	ListRepairs(ctx context.Context, f Filter) ([]Repair, error)
	// UpdateRepair writes r's status and decision if the stored status
	// is pending, else fault.Conflict "rights.repair_closed".
	UpdateRepair(ctx context.Context, r *Repair) error

	// AddAttachments stores the files and sets their IDs and times.
	AddAttachments(ctx context.Context, as []Attachment) error
	// AttachmentsOf returns the metadata of an owner's files (no Data),
	// in the order they were added.
	AttachmentsOf(ctx context.Context, owner string, ownerID int64) ([]Attachment, error)
	// AttachmentByID returns one file with its Data, or fault.NotFound
	// "rights.attachment_not_found".
	AttachmentByID(ctx context.Context, id int64) (Attachment, error)

	// AddNotification stores n and sets its ID.
	AddNotification(ctx context.Context, n *Notification) error
	// NotificationsOf returns an enterprise's notifications, newest first.
	NotificationsOf(ctx context.Context, enterpriseID int64, limit int) ([]Notification, error)

	// EnqueueRecompute stores r and sets its ID.
	EnqueueRecompute(ctx context.Context, r *Recompute) error
	// RecomputeQueue returns queued requests, oldest first, at most limit.
	RecomputeQueue(ctx context.Context, limit int) ([]Recompute, error)

	// RecordMarks returns the records of an enterprise that are under a
	// pending objection or repaired (sharing applies them to reads).
	RecordMarks(ctx context.Context, enterpriseID int64) ([]sharing.RecordMark, error)
}

// Repo is what the service reads and writes.
type Repo interface {
	Store
	EnterpriseByCode(ctx context.Context, code string) (enterprise.Record, error)
	EnterpriseByID(ctx context.Context, id int64) (enterprise.Record, error)
	QueryFacts(ctx context.Context, q facts.Query) ([]facts.Fact, error)
	AppendFacts(ctx context.Context, fs []facts.Fact) error
	AppendAudit(ctx context.Context, e *audit.Entry) error
}
