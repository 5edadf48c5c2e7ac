package sqldb

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
)

var (
	errOrgNotFound     = fault.New(fault.NotFound, "account.org_not_found", "organisation not found")
	errUserNotFound    = fault.New(fault.NotFound, "account.user_not_found", "user not found")
	errSessionNotFound = fault.New(fault.NotFound, "account.session_not_found", "session not found")
	errAPIKeyNotFound  = fault.New(fault.NotFound, "account.apikey_not_found", "API key not found")
	errSessionExists   = fault.New(fault.Conflict, "account.session_exists", "session already exists")
)

type scanner = interface{ Scan(...any) error }

// nullID is the argument for a nullable foreign key: zero means "none" and
// is stored as NULL (a zero would violate the foreign key).
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// affected turns "no row matched" of an update into nf.
func (s *Store) affected(op string, n int64, err error, nf *fault.Error) error {
	if err != nil {
		return s.dbErr(op, err)
	}
	if n == 0 {
		return nf
	}
	return nil
}

// ---- organisations

const orgCols = `id, kind, name, name_en, COALESCE(enterprise_id, 0), access_tier, department, status, created_at`

func scanOrg(row scanner) (account.Org, error) {
	var o account.Org
	var kind, status string
	if err := row.Scan(&o.ID, &kind, &o.Name, &o.NameEN, &o.EnterpriseID, &o.AccessTier, &o.Department, &status, scanTime(&o.CreatedAt)); err != nil {
		return account.Org{}, err
	}
	o.Kind, o.Status = account.OrgKind(kind), account.Status(status)
	return o, nil
}

// CreateOrg inserts o and sets o.ID and o.CreatedAt; an empty Status is
// stored (and set) as active. An unknown EnterpriseID is fault.Invalid
// "store.reference"; a second organisation for the same enterprise is
// fault.Conflict "account.enterprise_org_exists" (OrgByEnterprise returns
// exactly one).
func (s *Store) CreateOrg(ctx context.Context, o *account.Org) error {
	now := s.stamp()
	status := o.Status
	if status == "" {
		status = account.StatusActive
	}
	var id int64
	err := s.w.QueryRow(ctx, `INSERT INTO orgs (kind, name, name_en, enterprise_id, access_tier, department, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		string(o.Kind), o.Name, o.NameEN, nullID(o.EnterpriseID), o.AccessTier, o.Department, string(status), now).Scan(&id)
	if err != nil {
		return s.dbErr("create org", err, fault.New(fault.Conflict, "account.enterprise_org_exists",
			"the enterprise already has an organisation").With("enterprise_id", strconv.FormatInt(o.EnterpriseID, 10)))
	}
	o.ID, o.CreatedAt, o.Status = id, now, status
	return nil
}

// OrgByID returns fault.NotFound "account.org_not_found" if unknown.
func (s *Store) OrgByID(ctx context.Context, id int64) (account.Org, error) {
	o, err := scanOrg(s.r.QueryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = $1`, id))
	return o, s.notFound("org by id", err, errOrgNotFound)
}

// OrgByEnterprise returns fault.NotFound "account.org_not_found" if the
// enterprise has no organisation.
func (s *Store) OrgByEnterprise(ctx context.Context, enterpriseID int64) (account.Org, error) {
	o, err := scanOrg(s.r.QueryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE enterprise_id = $1`, enterpriseID))
	return o, s.notFound("org by enterprise", err, errOrgNotFound)
}

// ListOrgs lists organisations of a kind ("" for all) with ID > after,
// ordered by ID.
func (s *Store) ListOrgs(ctx context.Context, kind account.OrgKind, limit int, after int64) ([]account.Org, error) {
	var a args
	conds := []string{"id > " + a.add(after)}
	if kind != "" {
		conds = append(conds, "kind = "+a.add(string(kind)))
	}
	rows, err := s.r.Query(ctx, `SELECT `+orgCols+` FROM orgs`+where(conds)+` ORDER BY id LIMIT `+a.add(pageLimit(limit)), a...)
	if err != nil {
		return nil, s.dbErr("list orgs", err)
	}
	out, err := collect(rows, scanOrg)
	return out, s.dbErr("list orgs", err)
}

// SetOrgStatus returns fault.NotFound "account.org_not_found" if unknown.
func (s *Store) SetOrgStatus(ctx context.Context, id int64, st account.Status) error {
	n, err := s.w.Exec(ctx, `UPDATE orgs SET status = $1 WHERE id = $2`, string(st), id)
	return s.affected("set org status", n, err, errOrgNotFound)
}

// ---- users

const userCols = `id, org_id, username, display_name, role, password_hash, status, created_at, last_login_at`

func scanUser(row scanner) (account.User, error) {
	var u account.User
	var role, status string
	if err := row.Scan(&u.ID, &u.OrgID, &u.Username, &u.DisplayName, &role, &u.PasswordHash, &status,
		scanTime(&u.CreatedAt), scanTime(&u.LastLoginAt)); err != nil {
		return account.User{}, err
	}
	u.Role, u.Status = account.Role(role), account.Status(status)
	return u, nil
}

// CreateUser inserts u and sets u.ID and u.CreatedAt; an empty Status is
// stored (and set) as active. A taken username is fault.Conflict
// "account.username_taken"; an unknown OrgID fault.Invalid
// "store.reference".
func (s *Store) CreateUser(ctx context.Context, u *account.User) error {
	now := s.stamp()
	status := u.Status
	if status == "" {
		status = account.StatusActive
	}
	var id int64
	err := s.w.QueryRow(ctx, `INSERT INTO users (org_id, username, display_name, role, password_hash, status, created_at, last_login_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		u.OrgID, u.Username, u.DisplayName, string(u.Role), u.PasswordHash, string(status), now, nullTS(u.LastLoginAt)).Scan(&id)
	if err != nil {
		return s.dbErr("create user", err,
			fault.New(fault.Conflict, "account.username_taken", "username already taken").With("username", u.Username))
	}
	u.ID, u.CreatedAt, u.Status = id, now, status
	if !u.LastLoginAt.IsZero() {
		u.LastLoginAt = ts(u.LastLoginAt)
	}
	return nil
}

// UserByID returns fault.NotFound "account.user_not_found" if unknown.
func (s *Store) UserByID(ctx context.Context, id int64) (account.User, error) {
	u, err := scanUser(s.r.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	return u, s.notFound("user by id", err, errUserNotFound)
}

// UserByUsername returns fault.NotFound "account.user_not_found" if
// unknown. Usernames match exactly (the account service normalises them).
func (s *Store) UserByUsername(ctx context.Context, username string) (account.User, error) {
	u, err := scanUser(s.r.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = $1`, username))
	return u, s.notFound("user by username", err, errUserNotFound)
}

// ListUsers returns users with ID > f.After ordered by ID, optionally of one
// organisation and matching a case-insensitive (Latin) substring of the
// username or display name.
func (s *Store) ListUsers(ctx context.Context, f account.UserFilter) ([]account.User, error) {
	var a args
	conds := []string{"id > " + a.add(f.After)}
	if f.OrgID != 0 {
		conds = append(conds, "org_id = "+a.add(f.OrgID))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(escapeLike(q))
		conds = append(conds, `(lower(username) LIKE '%' || lower(`+p+`) || '%' ESCAPE '\'
			OR lower(display_name) LIKE '%' || lower(`+p+`) || '%' ESCAPE '\')`)
	}
	rows, err := s.r.Query(ctx, `SELECT `+userCols+` FROM users`+where(conds)+` ORDER BY id LIMIT `+a.add(pageLimit(f.Limit)), a...)
	if err != nil {
		return nil, s.dbErr("list users", err)
	}
	out, err := collect(rows, scanUser)
	return out, s.dbErr("list users", err)
}

// SetUserStatus returns fault.NotFound "account.user_not_found" if unknown.
func (s *Store) SetUserStatus(ctx context.Context, id int64, st account.Status) error {
	n, err := s.w.Exec(ctx, `UPDATE users SET status = $1 WHERE id = $2`, string(st), id)
	return s.affected("set user status", n, err, errUserNotFound)
}

// SetUserPassword returns fault.NotFound "account.user_not_found" if
// unknown.
func (s *Store) SetUserPassword(ctx context.Context, id int64, hash string) error {
	n, err := s.w.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, id)
	return s.affected("set user password", n, err, errUserNotFound)
}

// TouchUserLogin records a sign-in time; fault.NotFound
// "account.user_not_found" if the user is unknown.
func (s *Store) TouchUserLogin(ctx context.Context, id int64, at time.Time) error {
	n, err := s.w.Exec(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, ts(at), id)
	return s.affected("touch user login", n, err, errUserNotFound)
}

// ---- sessions

// CreateSession stores a session; an unknown UserID is fault.Invalid
// "store.reference", a reused token digest fault.Conflict
// "account.session_exists".
func (s *Store) CreateSession(ctx context.Context, se account.Session) error {
	_, err := s.w.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		se.TokenHash, se.UserID, se.CSRFToken, ts(se.CreatedAt), ts(se.ExpiresAt), ts(se.LastSeenAt))
	return s.dbErr("create session", err, errSessionExists)
}

// SessionByHash returns fault.NotFound "account.session_not_found" if
// unknown; expired sessions are returned.
func (s *Store) SessionByHash(ctx context.Context, tokenHash string) (account.Session, error) {
	var se account.Session
	err := s.r.QueryRow(ctx, `SELECT token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at
		FROM sessions WHERE token_hash = $1`, tokenHash).
		Scan(&se.TokenHash, &se.UserID, &se.CSRFToken, scanTime(&se.CreatedAt), scanTime(&se.ExpiresAt), scanTime(&se.LastSeenAt))
	if err != nil {
		return account.Session{}, s.notFound("session by hash", err, errSessionNotFound)
	}
	return se, nil
}

// TouchSession slides a session; fault.NotFound "account.session_not_found"
// if it is gone.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error {
	n, err := s.w.Exec(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3`,
		ts(seen), ts(expires), tokenHash)
	return s.affected("touch session", n, err, errSessionNotFound)
}

// DeleteSession ends a session; ending one that is already gone is not an
// error (sign-out is idempotent).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.w.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return s.dbErr("delete session", err)
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := s.w.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return s.dbErr("delete user sessions", err)
}

// DeleteExpiredSessions removes sessions whose ExpiresAt is before now and
// returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.w.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, ts(now))
	return n, s.dbErr("delete expired sessions", err)
}

// ---- API keys

const apiKeyCols = `id, org_id, prefix, secret_hash, name, scopes, COALESCE(created_by, 0),
	created_at, expires_at, revoked_at, last_used_at`

func scanAPIKey(row scanner) (account.APIKey, error) {
	var k account.APIKey
	var scopes string
	if err := row.Scan(&k.ID, &k.OrgID, &k.Prefix, &k.SecretHash, &k.Name, &scopes, &k.CreatedBy,
		scanTime(&k.CreatedAt), scanTime(&k.ExpiresAt), scanTime(&k.RevokedAt), scanTime(&k.LastUsedAt)); err != nil {
		return account.APIKey{}, err
	}
	var err error
	k.Scopes, err = parseList[account.Scope](scopes)
	return k, err
}

// CreateAPIKey inserts k and sets k.ID and k.CreatedAt. A taken prefix is
// fault.Conflict "account.apikey_prefix_taken"; an unknown OrgID or
// CreatedBy (zero: none) fault.Invalid "store.reference".
func (s *Store) CreateAPIKey(ctx context.Context, k *account.APIKey) error {
	now := s.stamp()
	scopes, err := jsonList(k.Scopes)
	if err != nil {
		return err
	}
	var id int64
	err = s.w.QueryRow(ctx, `INSERT INTO api_keys (org_id, prefix, secret_hash, name, scopes, created_by,
		created_at, expires_at, revoked_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		k.OrgID, k.Prefix, k.SecretHash, k.Name, scopes, nullID(k.CreatedBy),
		now, nullTS(k.ExpiresAt), nullTS(k.RevokedAt), nullTS(k.LastUsedAt)).Scan(&id)
	if err != nil {
		return s.dbErr("create api key", err,
			fault.New(fault.Conflict, "account.apikey_prefix_taken", "API key prefix already in use").With("prefix", k.Prefix))
	}
	k.ID, k.CreatedAt = id, now
	for _, t := range []*time.Time{&k.ExpiresAt, &k.RevokedAt, &k.LastUsedAt} {
		if !t.IsZero() {
			*t = ts(*t)
		}
	}
	return nil
}

// APIKeyByPrefix returns fault.NotFound "account.apikey_not_found" if
// unknown.
func (s *Store) APIKeyByPrefix(ctx context.Context, prefix string) (account.APIKey, error) {
	k, err := scanAPIKey(s.r.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE prefix = $1`, prefix))
	return k, s.notFound("api key by prefix", err, errAPIKeyNotFound)
}

// ListAPIKeys lists an organisation's keys (revoked ones included) by ID.
func (s *Store) ListAPIKeys(ctx context.Context, orgID int64) ([]account.APIKey, error) {
	rows, err := s.r.Query(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE org_id = $1 ORDER BY id`, orgID)
	if err != nil {
		return nil, s.dbErr("list api keys", err)
	}
	out, err := collect(rows, scanAPIKey)
	return out, s.dbErr("list api keys", err)
}

// RevokeAPIKey returns fault.NotFound "account.apikey_not_found" if the key
// is unknown or belongs to another organisation (orgID zero: any). Revoking
// a revoked key keeps the first revocation time.
func (s *Store) RevokeAPIKey(ctx context.Context, id, orgID int64, at time.Time) error {
	var a args
	sql := `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ` + a.add(ts(at)) + `) WHERE id = ` + a.add(id)
	if orgID != 0 {
		sql += ` AND org_id = ` + a.add(orgID)
	}
	n, err := s.w.Exec(ctx, sql, a...)
	return s.affected("revoke api key", n, err, errAPIKeyNotFound)
}

// TouchAPIKey records a use; fault.NotFound "account.apikey_not_found" if
// the key is unknown.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	n, err := s.w.Exec(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, ts(at), id)
	return s.affected("touch api key", n, err, errAPIKeyNotFound)
}
