package authz

import (
	"context"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/enterprise"
)

// Status is where an authorization is in its lifecycle:
//
//	pending → active ⇄ paused
//	pending → rejected
//	active | paused → revoked
//	pending | active | paused → expired (validity over)
//
// rejected, revoked and expired are final.
type Status string

// Statuses.
const (
	StatusPending  Status = "pending"
	StatusActive   Status = "active"
	StatusPaused   Status = "paused"
	StatusRevoked  Status = "revoked"
	StatusExpired  Status = "expired"
	StatusRejected Status = "rejected"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusPending, StatusActive, StatusPaused, StatusRevoked, StatusExpired, StatusRejected}

// Final reports whether no transition leaves s.
func (s Status) Final() bool {
	return s == StatusRevoked || s == StatusExpired || s == StatusRejected
}

// Fetch types.
const (
	FetchOneTime  = "one_time" // one fetch window: validity capped at MaxOneTimeValidity
	FetchPeriodic = "periodic" // repeated fetches at Frequency during the validity
)

// Frequencies of periodic fetches.
var Frequencies = []string{"daily", "weekly", "monthly"}

// Modes an authorization grants (see access.Grant).
const (
	ModeView   = access.GrantView   // the values may be viewed
	ModeStore  = access.GrantStore  // the values may be viewed and kept by the institution
	ModeVerify = access.GrantVerify // only verification answers
)

// Modes lists the modes from narrowest to widest.
var Modes = []string{ModeVerify, ModeView, ModeStore}

// Authorization is the enterprise's consent artefact (授权), modelled on
// India's Account Aggregator consent: the enterprise (grantor) lets one
// institution (grantee) read the listed items, for one purpose, over one
// data date range, during a validity window, in one mode. It cannot be
// re-delegated: only the grantee institution's own principals read under it.
type Authorization struct {
	ID              string    `json:"id"` // "az_" + 26 base32 characters (crypto/rand)
	EnterpriseID    int64     `json:"enterprise_id"`
	EnterpriseCode  string    `json:"enterprise_code"`
	EnterpriseName  string    `json:"enterprise_name"`
	InstitutionID   int64     `json:"institution_id"`
	InstitutionName string    `json:"institution_name"`
	Purpose         string    `json:"purpose"`
	Items           []string  `json:"items"`     // item codes, or category prefixes ending in "."
	DataFrom        time.Time `json:"data_from"` // dates, UTC midnight, inclusive
	DataTo          time.Time `json:"data_to"`
	ValidFrom       time.Time `json:"valid_from"`  // inclusive
	ValidUntil      time.Time `json:"valid_until"` // exclusive
	FetchType       string    `json:"fetch_type"`
	Frequency       string    `json:"frequency,omitempty"`
	Mode            string    `json:"mode"`
	Status          Status    `json:"status"`
	PersonalConsent bool      `json:"personal_consent"`
	CallbackURL     string    `json:"callback_url,omitempty"`
	RequestedBy     string    `json:"requested_by"`
	DecidedBy       string    `json:"decided_by,omitempty"`
	Reason          string    `json:"reason,omitempty"`
	Version         int       `json:"version"`
	Signature       string    `json:"signature"` // compact JWS of the artefact at this version
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Grant is the decision point's view of a.
func (a Authorization) Grant() access.Grant {
	return access.Grant{ID: a.ID, Status: string(a.Status), Purpose: a.Purpose, Items: a.Items,
		DataFrom: a.DataFrom, DataTo: a.DataTo, ValidFrom: a.ValidFrom, ValidUntil: a.ValidUntil,
		Mode: a.Mode, PersonalConsent: a.PersonalConsent, FetchType: a.FetchType}
}

// RequestInput is an institution's request. Dates are YYYY-MM-DD (or
// RFC 3339); ValidFrom empty means now; ValidUntil is exclusive.
type RequestInput struct {
	CreditCode  string   `json:"credit_code"`
	Purpose     string   `json:"purpose"`
	Items       []string `json:"items"`
	DataFrom    string   `json:"data_from"`
	DataTo      string   `json:"data_to"`
	ValidFrom   string   `json:"valid_from,omitempty"`
	ValidUntil  string   `json:"valid_until"`
	FetchType   string   `json:"fetch_type"`
	Frequency   string   `json:"frequency,omitempty"`
	Mode        string   `json:"mode"`
	CallbackURL string   `json:"callback_url,omitempty"`
}

// Narrowing is what the enterprise may change when approving: each field
// set must shrink the request (fewer items, a shorter date range, an
// earlier expiry, a narrower mode). Empty fields keep the request's value.
type Narrowing struct {
	Items      []string `json:"items,omitempty"`
	DataFrom   string   `json:"data_from,omitempty"`
	DataTo     string   `json:"data_to,omitempty"`
	ValidUntil string   `json:"valid_until,omitempty"`
	Mode       string   `json:"mode,omitempty"`
}

// Filter narrows List. The caller's organisation narrows it further.
type Filter struct {
	Status        Status `json:"status,omitempty"`
	EnterpriseID  int64  `json:"enterprise_id,omitempty"`
	InstitutionID int64  `json:"institution_id,omitempty"`
	Limit         int    `json:"limit,omitempty"`  // default 100, at most 500
	Offset        int    `json:"offset,omitempty"` // ordered by creation, newest first
}

// Consent roles: whose personal information the consent covers.
const (
	ConsentLegalRep    = "legal_rep"
	ConsentShareholder = "shareholder"
)

// ConsentInput is one person's separate consent (单独同意, PIPL art. 23)
// to their personal information inside the enterprise's data reaching
// the grantee institution under one authorization.
type ConsentInput struct {
	Role     string `json:"role"`      // ConsentLegalRep or ConsentShareholder
	Name     string `json:"name"`      // the person's name (kept masked only)
	IDNumber string `json:"id_number"` // resident identity number (kept only as a keyed hash)
}

// Consent channels: how a separate consent reached the platform.
const (
	// ChannelPersonLink: the person gave it themselves, through a consent
	// invitation link, after confirming their identity against the
	// enterprise's records.
	ChannelPersonLink = "person_link"
	// ChannelAdminAttestation: the enterprise's administrator recorded it,
	// attesting that the person consented (a signed form on file). The
	// person's identity is checked against the records, but the act is
	// the administrator's, and it is shown as such.
	ChannelAdminAttestation = "admin_attestation"
)

// Consent is a stored separate consent.
type Consent struct {
	ID              int64     `json:"id"`
	AuthorizationID string    `json:"authorization_id"`
	Role            string    `json:"role"`
	NameMasked      string    `json:"name_masked"`
	PersonHash      string    `json:"-"` // HMAC-SHA256 of the identity number under the node's consent key
	Channel         string    `json:"channel"`
	GivenBy         string    `json:"given_by"`
	GivenAt         time.Time `json:"given_at"`
}

// Store persists authorizations. Implementations live in internal/store.
type Store interface {
	// CreateAuthorization inserts a (ID, version 1 and times set by the
	// caller); fault.Invalid "store.reference" for an unknown enterprise
	// or organisation, fault.Conflict "store.duplicate" for a known ID.
	CreateAuthorization(ctx context.Context, a *Authorization) error
	// UpdateAuthorization writes a if the stored version is a.Version-1
	// (the caller increments it); fault.Conflict "authz.stale" otherwise,
	// fault.NotFound "authz.not_found" for an unknown ID.
	UpdateAuthorization(ctx context.Context, a *Authorization) error
	// AuthorizationByID must return fault.NotFound "authz.not_found" if
	// unknown.
	AuthorizationByID(ctx context.Context, id string) (Authorization, error)
	// ListAuthorizations returns one page, newest first.
	ListAuthorizations(ctx context.Context, f Filter) ([]Authorization, error)
	// AuthorizationsBetween returns every authorization (any status) one
	// institution holds from one enterprise, newest first.
	AuthorizationsBetween(ctx context.Context, institutionID, enterpriseID int64) ([]Authorization, error)
	// EnterpriseAndAuthorizations reads the enterprise with a code and
	// every authorization one institution holds from it, newest first,
	// together (one round trip where the engine batches); an unknown code
	// is fault.NotFound "enterprise.not_found".
	EnterpriseAndAuthorizations(ctx context.Context, code string, institutionID int64) (enterprise.Record, []Authorization, error)
	// AuthorizationsDue returns up to limit authorizations not yet final
	// whose ValidUntil is at or before now, oldest expiry first.
	AuthorizationsDue(ctx context.Context, now time.Time, limit int) ([]Authorization, error)
	// AddConsent inserts c and sets c.ID; fault.Conflict "authz.consent_exists"
	// if the same person already consented under the authorization.
	AddConsent(ctx context.Context, c *Consent) error
	// Consents lists an authorization's consents, oldest first.
	Consents(ctx context.Context, authorizationID string) ([]Consent, error)

	InvitationStore
	DeliveryStore
}
