package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Repo is the storage the account service uses: accounts plus the evidence
// log, so a change and its evidence entry commit together.
type Repo interface {
	Store
	audit.Store
}

// Actor is who performs an administrative change, as the evidence log
// records it. (The access package's Principal converts to it.)
type Actor struct {
	UserID     int64
	Name       string
	OrgID      int64
	Role       Role
	RemoteAddr string
}

// SystemActor is the platform itself (CLI administration, demo set-up).
var SystemActor = Actor{Name: "system"}

func (a Actor) isSystem() bool { return a.UserID == 0 && a.Name == "system" }

// Service manages organisations, users, sign-in sessions and API keys.
type Service struct {
	Repo Repo
	// InTx runs fn in one transaction over the repo.
	InTx func(ctx context.Context, fn func(Repo) error) error
	// SessionTTL is the idle lifetime of a session.
	SessionTTL time.Duration
	// UserThrottle and AddrThrottle lock sign-in after repeated failures
	// per username and per remote address.
	UserThrottle *Throttle
	AddrThrottle *Throttle
	Now          func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) evidence(ctx context.Context, r Repo, a Actor, action string, out audit.Outcome, detail string) error {
	return r.AppendAudit(ctx, &audit.Entry{Time: s.now(), ActorUserID: a.UserID, ActorName: a.Name, OrgID: a.OrgID,
		Action: action, Outcome: out, Detail: detail, RemoteAddr: a.RemoteAddr})
}

func requireAdmin(a Actor) error {
	if a.isSystem() || a.Role == RoleOperatorAdmin {
		return nil
	}
	return fault.New(fault.Forbidden, "account.admin_required", "only an operator administrator may do this")
}

// CreateOrg registers an organisation.
func (s *Service) CreateOrg(ctx context.Context, a Actor, o Org) (Org, error) {
	if err := requireAdmin(a); err != nil {
		return Org{}, err
	}
	var fs fault.Fields
	o.Name = strings.TrimSpace(o.Name)
	o.NameEN = strings.TrimSpace(o.NameEN)
	if o.Name == "" || utf8.RuneCountInString(o.Name) > 200 {
		fs.Add("name", fault.New(fault.Invalid, "account.org_name", "organisation name must have 1 to 200 characters"))
	}
	if !validKind(o.Kind) {
		fs.Add("kind", fault.New(fault.Invalid, "account.unknown_org_kind", "unknown organisation kind").With("kind", string(o.Kind)))
	}
	if o.Kind == KindEnterprise && o.EnterpriseID == 0 {
		fs.Add("enterprise_id", fault.New(fault.Invalid, "account.org_enterprise_required", "an enterprise organisation must name its enterprise"))
	}
	if o.Kind != KindEnterprise && o.EnterpriseID != 0 {
		fs.Add("enterprise_id", fault.New(fault.Invalid, "account.org_enterprise_only", "only enterprise organisations link to an enterprise"))
	}
	if o.AccessTier < 0 || o.AccessTier > 4 {
		fs.Add("access_tier", fault.New(fault.Invalid, "account.access_tier", "access tier must be between 0 and 4"))
	}
	switch {
	case o.Kind == KindDepartment && !validDepartmentCode(o.Department):
		fs.Add("department", fault.New(fault.Invalid, "account.department_code", "a department organisation needs its department code").With("department", o.Department))
	case o.Kind != KindDepartment && o.Department != "":
		fs.Add("department", fault.New(fault.Invalid, "account.department_only", "only department organisations have a department code"))
	}
	if err := fs.Err(); err != nil {
		return Org{}, err
	}
	if o.Status == "" {
		o.Status = StatusActive
	}
	err := s.InTx(ctx, func(r Repo) error {
		if err := r.CreateOrg(ctx, &o); err != nil {
			return err
		}
		return s.evidence(ctx, r, a, "org.create", audit.OK, fmt.Sprintf("org %d %s %q", o.ID, o.Kind, o.Name))
	})
	return o, err
}

func validKind(k OrgKind) bool {
	for _, x := range OrgKinds {
		if x == k {
			return true
		}
	}
	return false
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// NewUser is the input to CreateUser.
type NewUser struct {
	OrgID       int64
	Username    string
	DisplayName string
	Role        Role
	Password    string
}

// CreateUser adds a user to an organisation; the role must belong to the
// organisation's kind.
func (s *Service) CreateUser(ctx context.Context, a Actor, in NewUser) (User, error) {
	if err := requireAdmin(a); err != nil {
		return User{}, err
	}
	var fs fault.Fields
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	if !usernameRE.MatchString(in.Username) {
		fs.Add("username", fault.New(fault.Invalid, "account.username_format", "username must be 3-64 characters: lower-case letters, digits, '.', '_' or '-'"))
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if utf8.RuneCountInString(in.DisplayName) > 100 {
		fs.Add("display_name", fault.New(fault.Invalid, "account.display_name", "display name must have at most 100 characters"))
	}
	kind, ok := RoleKind(in.Role)
	if !ok {
		fs.Add("role", fault.New(fault.Invalid, "account.unknown_role", "unknown role").With("role", string(in.Role)))
	}
	fs.Add("password", CheckPassword(in.Password))
	if err := fs.Err(); err != nil {
		return User{}, err
	}
	org, err := s.Repo.OrgByID(ctx, in.OrgID)
	if err != nil {
		return User{}, err
	}
	if org.Kind != kind {
		return User{}, fault.New(fault.Invalid, "account.role_kind_mismatch", "this role does not belong to this kind of organisation").
			With("role", string(in.Role)).With("kind", string(org.Kind))
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	u := User{OrgID: org.ID, Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, PasswordHash: hash, Status: StatusActive}
	err = s.InTx(ctx, func(r Repo) error {
		if err := r.CreateUser(ctx, &u); err != nil {
			return err
		}
		return s.evidence(ctx, r, a, "user.create", audit.OK, fmt.Sprintf("user %d %s role %s org %d", u.ID, u.Username, u.Role, u.OrgID))
	})
	return u, err
}

// SetUserStatus suspends or reinstates a user; suspension ends their
// sessions at once.
func (s *Service) SetUserStatus(ctx context.Context, a Actor, userID int64, st Status) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	if st != StatusActive && st != StatusSuspended {
		return fault.New(fault.Invalid, "account.unknown_status", "unknown status").With("status", string(st))
	}
	return s.InTx(ctx, func(r Repo) error {
		if err := r.SetUserStatus(ctx, userID, st); err != nil {
			return err
		}
		if st == StatusSuspended {
			if err := r.DeleteUserSessions(ctx, userID); err != nil {
				return err
			}
		}
		return s.evidence(ctx, r, a, "user.status", audit.OK, fmt.Sprintf("user %d %s", userID, st))
	})
}

// SignIn is the result of a successful sign-in. Token goes into the
// session cookie; CSRF must accompany every state-changing request.
type SignIn struct {
	User    User
	Org     Org
	Token   string
	CSRF    string
	Expires time.Time
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("account: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Digest is the SHA-256 hex digest under which tokens and keys are stored.
func Digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

var errBadCredentials = fault.New(fault.Unauthenticated, "auth.bad_credentials", "wrong username or password")

// SignIn checks a username and password, throttling repeated failures, and
// opens a session. Every attempt, good or bad, is an evidence entry.
func (s *Service) SignIn(ctx context.Context, username, password, remote string) (SignIn, error) {
	now := s.now()
	username = strings.ToLower(strings.TrimSpace(username))
	ukey, akey := "u:"+username, "a:"+remote
	if locked, until := s.UserThrottle.Locked(now, ukey); locked {
		return SignIn{}, s.refuseLocked(ctx, username, remote, until)
	}
	if locked, until := s.AddrThrottle.Locked(now, akey); locked {
		return SignIn{}, s.refuseLocked(ctx, username, remote, until)
	}
	u, err := s.Repo.UserByUsername(ctx, username)
	if err != nil && !fault.Is(err, fault.NotFound) {
		return SignIn{}, err
	}
	hash := u.PasswordHash
	if err != nil {
		hash = dummyHash()
	}
	okPw := VerifyPassword(hash, password)
	if err != nil || !okPw {
		s.UserThrottle.Fail(now, ukey)
		s.AddrThrottle.Fail(now, akey)
		a := Actor{UserID: u.ID, Name: username, OrgID: u.OrgID, RemoteAddr: remote}
		if err := s.evidence(ctx, s.Repo, a, "auth.sign_in", audit.Denied, "bad credentials"); err != nil {
			return SignIn{}, err
		}
		return SignIn{}, errBadCredentials
	}
	org, err := s.Repo.OrgByID(ctx, u.OrgID)
	if err != nil {
		return SignIn{}, err
	}
	a := Actor{UserID: u.ID, Name: u.Username, OrgID: u.OrgID, Role: u.Role, RemoteAddr: remote}
	if u.Status != StatusActive || org.Status != StatusActive {
		if err := s.evidence(ctx, s.Repo, a, "auth.sign_in", audit.Denied, "suspended"); err != nil {
			return SignIn{}, err
		}
		return SignIn{}, fault.New(fault.Forbidden, "auth.suspended", "this account or its organisation is suspended")
	}
	s.UserThrottle.Succeed(ukey)
	res := SignIn{User: u, Org: org, Token: randomToken(32), CSRF: randomToken(24), Expires: now.Add(s.SessionTTL)}
	err = s.InTx(ctx, func(r Repo) error {
		if err := r.CreateSession(ctx, Session{TokenHash: Digest(res.Token), UserID: u.ID, CSRFToken: res.CSRF,
			CreatedAt: now, ExpiresAt: res.Expires, LastSeenAt: now}); err != nil {
			return err
		}
		if err := r.TouchUserLogin(ctx, u.ID, now); err != nil {
			return err
		}
		return s.evidence(ctx, r, a, "auth.sign_in", audit.OK, "")
	})
	if err != nil {
		return SignIn{}, err
	}
	return res, nil
}

func (s *Service) refuseLocked(ctx context.Context, username, remote string, until time.Time) error {
	if err := s.evidence(ctx, s.Repo, Actor{Name: username, RemoteAddr: remote}, "auth.sign_in", audit.Denied, "throttled"); err != nil {
		return err
	}
	mins := int(until.Sub(s.now()).Minutes()) + 1
	return fault.New(fault.TooMany, "auth.throttled", "too many failed sign-ins; try again later").With("minutes", fmt.Sprint(mins))
}

// Authenticated is a resolved session: the user, their organisation and
// the session's CSRF token.
type Authenticated struct {
	User    User
	Org     Org
	Session Session
}

// touchEvery bounds how often a session's sliding expiry is written.
const touchEvery = time.Minute

// Session resolves a session token. An unknown token, an expired session or
// a suspended user or organisation is Unauthenticated.
func (s *Service) Session(ctx context.Context, token string) (Authenticated, error) {
	if token == "" || len(token) > 200 {
		return Authenticated{}, fault.New(fault.Unauthenticated, "auth.required", "sign in first")
	}
	now := s.now()
	h := Digest(token)
	sess, err := s.Repo.SessionByHash(ctx, h)
	if fault.Is(err, fault.NotFound) {
		return Authenticated{}, fault.New(fault.Unauthenticated, "auth.session_expired", "your session has ended; sign in again")
	}
	if err != nil {
		return Authenticated{}, err
	}
	if !now.Before(sess.ExpiresAt) {
		if err := s.Repo.DeleteSession(ctx, h); err != nil {
			return Authenticated{}, err
		}
		return Authenticated{}, fault.New(fault.Unauthenticated, "auth.session_expired", "your session has ended; sign in again")
	}
	u, err := s.Repo.UserByID(ctx, sess.UserID)
	if err != nil {
		return Authenticated{}, err
	}
	org, err := s.Repo.OrgByID(ctx, u.OrgID)
	if err != nil {
		return Authenticated{}, err
	}
	if u.Status != StatusActive || org.Status != StatusActive {
		return Authenticated{}, fault.New(fault.Unauthenticated, "auth.suspended", "this account or its organisation is suspended")
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		sess.LastSeenAt, sess.ExpiresAt = now, now.Add(s.SessionTTL)
		if err := s.Repo.TouchSession(ctx, h, now, sess.ExpiresAt); err != nil {
			return Authenticated{}, err
		}
	}
	return Authenticated{User: u, Org: org, Session: sess}, nil
}

// SignOut ends a session and records it.
func (s *Service) SignOut(ctx context.Context, a Actor, token string) error {
	return s.InTx(ctx, func(r Repo) error {
		if err := r.DeleteSession(ctx, Digest(token)); err != nil && !fault.Is(err, fault.NotFound) {
			return err
		}
		return s.evidence(ctx, r, a, "auth.sign_out", audit.OK, "")
	})
}

// API keys look like cbk_<8 hex prefix>_<43 base64url secret>.
const apiKeyPrefix = "cbk_"

// NewAPIKey is the input to CreateAPIKey.
type NewAPIKey struct {
	OrgID     int64
	Name      string
	Scopes    []Scope
	ExpiresAt time.Time
}

// CreateAPIKey issues a key for an institution or department and returns
// the secret, which is shown this once and never again.
func (s *Service) CreateAPIKey(ctx context.Context, a Actor, in NewAPIKey) (string, APIKey, error) {
	if err := requireAdmin(a); err != nil {
		return "", APIKey{}, err
	}
	var fs fault.Fields
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		fs.Add("name", fault.New(fault.Invalid, "account.apikey_name", "key name must have 1 to 100 characters"))
	}
	if len(in.Scopes) == 0 {
		fs.Add("scopes", fault.New(fault.Invalid, "account.apikey_scopes", "name at least one scope"))
	}
	for _, sc := range in.Scopes {
		if !validScope(sc) {
			fs.Add("scopes", fault.New(fault.Invalid, "account.unknown_scope", "unknown scope").With("scope", string(sc)))
		}
	}
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(s.now()) {
		fs.Add("expires_at", fault.New(fault.Invalid, "account.apikey_expiry", "expiry must be in the future"))
	}
	if err := fs.Err(); err != nil {
		return "", APIKey{}, err
	}
	org, err := s.Repo.OrgByID(ctx, in.OrgID)
	if err != nil {
		return "", APIKey{}, err
	}
	if org.Kind != KindInstitution && org.Kind != KindDepartment {
		return "", APIKey{}, fault.New(fault.Invalid, "account.apikey_org_kind", "API keys are issued to institutions and departments only")
	}
	pb := make([]byte, 4)
	if _, err := rand.Read(pb); err != nil {
		return "", APIKey{}, fmt.Errorf("account: key prefix: %w", err)
	}
	prefix := apiKeyPrefix + hex.EncodeToString(pb)
	secret := prefix + "_" + randomToken(32)
	k := APIKey{OrgID: org.ID, Prefix: prefix, SecretHash: Digest(secret), Name: in.Name, Scopes: in.Scopes,
		CreatedBy: a.UserID, ExpiresAt: in.ExpiresAt}
	err = s.InTx(ctx, func(r Repo) error {
		if err := r.CreateAPIKey(ctx, &k); err != nil {
			return err
		}
		return s.evidence(ctx, r, a, "apikey.create", audit.OK, fmt.Sprintf("key %s for org %d scopes %v", k.Prefix, k.OrgID, k.Scopes))
	})
	if err != nil {
		return "", APIKey{}, err
	}
	return secret, k, nil
}

func validScope(sc Scope) bool {
	for _, x := range Scopes {
		if x == sc {
			return true
		}
	}
	return false
}

// RevokeAPIKey revokes a key; orgID limits it to that organisation's keys
// (zero: any, for operator admins).
func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.InTx(ctx, func(r Repo) error {
		if err := r.RevokeAPIKey(ctx, id, 0, s.now()); err != nil {
			return err
		}
		return s.evidence(ctx, r, a, "apikey.revoke", audit.OK, fmt.Sprintf("key %d", id))
	})
}

// KeyHolder is a resolved API key and its organisation.
type KeyHolder struct {
	Key APIKey
	Org Org
}

var errBadKey = fault.New(fault.Unauthenticated, "auth.bad_api_key", "the API key is unknown, revoked or expired")

// APIKey resolves a presented secret. Unknown, revoked, expired and
// suspended keys are refused alike.
func (s *Service) APIKey(ctx context.Context, secret string) (KeyHolder, error) {
	if !strings.HasPrefix(secret, apiKeyPrefix) || len(secret) > 200 {
		return KeyHolder{}, errBadKey
	}
	prefix, _, ok := strings.Cut(secret[len(apiKeyPrefix):], "_")
	if !ok || len(prefix) != 8 {
		return KeyHolder{}, errBadKey
	}
	k, err := s.Repo.APIKeyByPrefix(ctx, apiKeyPrefix+prefix)
	if fault.Is(err, fault.NotFound) {
		return KeyHolder{}, errBadKey
	}
	if err != nil {
		return KeyHolder{}, err
	}
	if subtle.ConstantTimeCompare([]byte(Digest(secret)), []byte(k.SecretHash)) != 1 {
		return KeyHolder{}, errBadKey
	}
	now := s.now()
	if !k.RevokedAt.IsZero() || (!k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)) {
		return KeyHolder{}, errBadKey
	}
	org, err := s.Repo.OrgByID(ctx, k.OrgID)
	if err != nil {
		return KeyHolder{}, err
	}
	if org.Status != StatusActive {
		return KeyHolder{}, fault.New(fault.Forbidden, "auth.suspended", "this account or its organisation is suspended")
	}
	if now.Sub(k.LastUsedAt) >= touchEvery {
		if err := s.Repo.TouchAPIKey(ctx, k.ID, now); err != nil {
			return KeyHolder{}, err
		}
		k.LastUsedAt = now
	}
	return KeyHolder{Key: k, Org: org}, nil
}

// ListUsers lists users (operator staff and auditors only).
func (s *Service) ListUsers(ctx context.Context, a Actor, f UserFilter) ([]User, error) {
	if !a.isSystem() && a.Role != RoleOperatorAdmin && a.Role != RoleOperatorAnalyst && a.Role != RoleAuditor {
		return nil, fault.New(fault.Forbidden, "account.staff_only", "only operator staff and auditors may list accounts")
	}
	return s.Repo.ListUsers(ctx, f)
}

// ListOrgs lists organisations (operator staff and auditors only).
func (s *Service) ListOrgs(ctx context.Context, a Actor, kind OrgKind, limit int, after int64) ([]Org, error) {
	if !a.isSystem() && a.Role != RoleOperatorAdmin && a.Role != RoleOperatorAnalyst && a.Role != RoleAuditor {
		return nil, fault.New(fault.Forbidden, "account.staff_only", "only operator staff and auditors may list accounts")
	}
	if kind != "" && !validKind(kind) {
		return nil, fault.New(fault.Invalid, "account.unknown_org_kind", "unknown organisation kind").With("kind", string(kind))
	}
	return s.Repo.ListOrgs(ctx, kind, limit, after)
}

// ListAPIKeys lists an organisation's keys (operator admins).
func (s *Service) ListAPIKeys(ctx context.Context, a Actor, orgID int64) ([]APIKey, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.Repo.ListAPIKeys(ctx, orgID)
}

// OrgDirectory resolves organisation ids to organisations for display
// (names in user lists, the evidence log, an enterprise's list of who read
// its data). Names and kinds are directory information, not enterprise
// data, so any signed-in caller may resolve them. Unknown ids are left out.
func (s *Service) OrgDirectory(ctx context.Context, ids []int64) (map[int64]Org, error) {
	out := make(map[int64]Org, len(ids))
	for _, id := range ids {
		if id == 0 {
			continue
		}
		if _, done := out[id]; done {
			continue
		}
		o, err := s.Repo.OrgByID(ctx, id)
		if fault.Is(err, fault.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = o
	}
	return out, nil
}

// validDepartmentCode accepts a short lower-case code ("tax", "hrss",
// "grid"): the Source of the facts the department sends.
func validDepartmentCode(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
