package account

import (
	"context"
	"time"
)

// OrgKind is the kind of an organisation on the platform.
type OrgKind string

// Organisation kinds (DOMAIN.md §3).
const (
	KindOperator    OrgKind = "operator"
	KindDepartment  OrgKind = "department"
	KindInstitution OrgKind = "institution"
	KindEnterprise  OrgKind = "enterprise"
	KindAuditor     OrgKind = "auditor"
)

// OrgKinds lists every organisation kind in display order.
var OrgKinds = []OrgKind{KindOperator, KindDepartment, KindInstitution, KindEnterprise, KindAuditor}

// Role is what a user may do within their organisation.
type Role string

// Roles. Each belongs to exactly one organisation kind (see RoleKind).
const (
	RoleOperatorAdmin      Role = "operator_admin"
	RoleOperatorAnalyst    Role = "operator_analyst"
	RoleDepartmentOfficer  Role = "department_officer"
	RoleInstitutionOfficer Role = "institution_officer"
	RoleEnterpriseAdmin    Role = "enterprise_admin"
	RoleAuditor            Role = "auditor"
)

// Roles lists every role in display order.
var Roles = []Role{RoleOperatorAdmin, RoleOperatorAnalyst, RoleDepartmentOfficer, RoleInstitutionOfficer, RoleEnterpriseAdmin, RoleAuditor}

// RoleKind returns the organisation kind a role belongs to, and false for an
// unknown role.
func RoleKind(r Role) (OrgKind, bool) {
	switch r {
	case RoleOperatorAdmin, RoleOperatorAnalyst:
		return KindOperator, true
	case RoleDepartmentOfficer:
		return KindDepartment, true
	case RoleInstitutionOfficer:
		return KindInstitution, true
	case RoleEnterpriseAdmin:
		return KindEnterprise, true
	case RoleAuditor:
		return KindAuditor, true
	}
	return "", false
}

// Status of an organisation, user or key.
type Status string

// Statuses. A suspended principal is refused at its next request.
const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
)

// Org is an organisation: the operator itself, a department, a connected
// institution, an enterprise (acting through its admins) or an auditor.
type Org struct {
	ID     int64
	Kind   OrgKind
	Name   string // Chinese (or only) name
	NameEN string
	// EnterpriseID links an enterprise organisation to its registry record;
	// zero for other kinds.
	EnterpriseID int64
	// AccessTier is the highest data grade (1-4) an institution may be
	// granted; zero for kinds where it does not apply.
	AccessTier int
	// Department is a department organisation's code ("tax", "hrss",
	// "grid", ...): the Source of the facts it sends and the Department of
	// the catalogue items it provides; empty for other kinds.
	Department string
	Status     Status
	CreatedAt  time.Time
}

// User is a person who signs in to the workbench.
type User struct {
	ID           int64
	OrgID        int64
	Username     string
	DisplayName  string
	Role         Role
	PasswordHash string
	Status       Status
	CreatedAt    time.Time
	LastLoginAt  time.Time // zero if never
}

// Session is a server-side sign-in session. The browser holds the token; the
// store holds only its digest.
type Session struct {
	TokenHash  string
	UserID     int64
	CSRFToken  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// Scope limits what an API key may do.
type Scope string

// API key scopes.
const (
	ScopeEnterpriseRead Scope = "enterprise:read"
	ScopeDataWrite      Scope = "data:write"
	ScopeAuditRead      Scope = "audit:read"
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeEnterpriseRead, ScopeDataWrite, ScopeAuditRead}

// APIKey is a credential for an institution's or department's system. The
// secret is shown once; the store keeps its digest and a public prefix used
// to find it.
type APIKey struct {
	ID         int64
	OrgID      int64
	Prefix     string // public identifier, e.g. "cbk_3f9a1c2d"
	SecretHash string
	Name       string
	Scopes     []Scope
	CreatedBy  int64
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: no expiry
	RevokedAt  time.Time // zero: live
	LastUsedAt time.Time // zero: never used
}

// HasScope reports whether the key carries s.
func (k APIKey) HasScope(s Scope) bool {
	for _, x := range k.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	OrgID int64  // zero: any
	Query string // substring of username or display name
	Limit int
	After int64 // keyset: users with ID > After
}

// Store persists accounts. Implementations live in internal/store.
type Store interface {
	// CreateOrg inserts o and sets o.ID and o.CreatedAt (an empty Status is
	// stored as active); it must return fault.Conflict
	// "account.enterprise_org_exists" if the enterprise already has an
	// organisation, and fault.Invalid "store.reference" for an unknown
	// enterprise.
	CreateOrg(ctx context.Context, o *Org) error
	// OrgByID must return fault.NotFound if the organisation is unknown.
	OrgByID(ctx context.Context, id int64) (Org, error)
	// OrgByEnterprise returns the enterprise organisation of an enterprise;
	// fault.NotFound if none.
	OrgByEnterprise(ctx context.Context, enterpriseID int64) (Org, error)
	// ListOrgs lists organisations of a kind ("" for all), ordered by ID.
	ListOrgs(ctx context.Context, kind OrgKind, limit int, after int64) ([]Org, error)
	// SetOrgStatus must return fault.NotFound if the organisation is unknown.
	SetOrgStatus(ctx context.Context, id int64, s Status) error

	// CreateUser inserts u and sets u.ID and u.CreatedAt; it must return
	// fault.Conflict (code "account.username_taken") if the username exists.
	CreateUser(ctx context.Context, u *User) error
	// UserByID and UserByUsername must return fault.NotFound if unknown.
	UserByID(ctx context.Context, id int64) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
	SetUserStatus(ctx context.Context, id int64, s Status) error
	SetUserPassword(ctx context.Context, id int64, hash string) error
	TouchUserLogin(ctx context.Context, id int64, at time.Time) error

	// CreateSession must return fault.Conflict "account.session_exists" on
	// a digest collision.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash must return fault.NotFound if unknown (expired sessions
	// are returned; the caller checks ExpiresAt).
	SessionByHash(ctx context.Context, tokenHash string) (Session, error)
	TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error
	// DeleteSession of a session already gone is not an error.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteUserSessions ends every session of a user (on suspension).
	DeleteUserSessions(ctx context.Context, userID int64) error
	// DeleteExpiredSessions removes sessions that expired before now and
	// returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	// CreateAPIKey inserts k and sets k.ID and k.CreatedAt; fault.Conflict
	// "account.apikey_prefix_taken" if the prefix exists.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByPrefix must return fault.NotFound if unknown.
	APIKeyByPrefix(ctx context.Context, prefix string) (APIKey, error)
	ListAPIKeys(ctx context.Context, orgID int64) ([]APIKey, error)
	// RevokeAPIKey must return fault.NotFound if the key is unknown or
	// belongs to another organisation (orgID zero: any organisation).
	RevokeAPIKey(ctx context.Context, id, orgID int64, at time.Time) error
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error
}
