package audit

import (
	"context"
	"time"
)

// Outcome of the recorded action.
type Outcome string

// Outcomes.
const (
	OK     Outcome = "ok"
	Denied Outcome = "denied"
	Failed Outcome = "failed"
)

// Entry is one evidence record. Seq, PrevHash and Hash are set by the Store
// when it appends (see Seal).
type Entry struct {
	Seq             int64
	Time            time.Time // UTC, microsecond precision
	ActorUserID     int64     // zero for system or API-key actors
	ActorName       string    // username, "apikey:<prefix>" or "system"
	OrgID           int64
	Action          string // e.g. "auth.sign_in", "enterprise.read"
	EnterpriseID    int64  // subject enterprise, zero if none
	Items           []string
	Purpose         string
	AuthorizationID string
	Outcome         Outcome
	Detail          string // short free text or JSON, never secrets
	RemoteAddr      string
	PrevHash        string // hex
	Hash            string // hex
}

// Head is the end of the chain: the last sequence number and its hash.
type Head struct {
	Seq  int64
	Hash string
}

// Checkpoint is a signed statement by the node that the chain reached Seq
// with Hash at Time.
type Checkpoint struct {
	ID        int64
	Seq       int64
	Hash      string
	Time      time.Time
	KeyID     string // hex of the first 8 bytes of SHA-256(public key)
	Signature string // base64 Ed25519 signature over SigningBytes
}

// Filter narrows ListAudit.
type Filter struct {
	EnterpriseID int64
	ActorUserID  int64
	OrgID        int64
	Action       string // exact, or a prefix ending in "."
	BeforeSeq    int64  // keyset paging, newest first; zero: from the head
	Limit        int
}

// Store persists the evidence log.
type Store interface {
	// AppendAudit appends e atomically with respect to other appenders:
	// it sets e.Seq to head.Seq+1 and e.PrevHash to head.Hash, computes
	// e.Hash with Seal, inserts e and advances the head. Called inside a
	// transaction, the entry commits or rolls back with it.
	AppendAudit(ctx context.Context, e *Entry) error
	// AuditHead returns the current head (zero Head for an empty log).
	AuditHead(ctx context.Context) (Head, error)
	// ListAudit returns entries newest first.
	ListAudit(ctx context.Context, f Filter) ([]Entry, error)
	// ScanAudit calls fn for every entry with Seq > after in storage order
	// of Seq ascending, streaming; it stops at fn's first error.
	ScanAudit(ctx context.Context, after int64, fn func(Entry) error) error
	// InsertCheckpoint stores c and sets c.ID.
	InsertCheckpoint(ctx context.Context, c *Checkpoint) error
	// ListCheckpoints returns every checkpoint, oldest first.
	ListCheckpoints(ctx context.Context) ([]Checkpoint, error)
}
