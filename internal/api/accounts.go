package api

import (
	"net/http"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
)

type orgJSON struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	NameEN       string `json:"name_en"`
	EnterpriseID int64  `json:"enterprise_id,omitempty"`
	AccessTier   int    `json:"access_tier"`
	Department   string `json:"department,omitempty"`
	Status       string `json:"status"`
	CreatedAt    string `json:"created_at"`
}

func orgOf(o account.Org) orgJSON {
	return orgJSON{ID: o.ID, Kind: string(o.Kind), Name: o.Name, NameEN: o.NameEN, EnterpriseID: o.EnterpriseID,
		AccessTier: o.AccessTier, Department: o.Department, Status: string(o.Status), CreatedAt: o.CreatedAt.Format(time.RFC3339)}
}

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	after, err := queryInt64(r, "after")
	if err != nil {
		return err
	}
	os, err := a.d.Accounts.ListOrgs(r.Context(), server.Actor(id.Principal), account.OrgKind(r.URL.Query().Get("kind")), limit, after)
	if err != nil {
		return err
	}
	out := make([]orgJSON, len(os))
	for i, o := range os {
		out[i] = orgOf(o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type createOrgRequest struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	NameEN       string `json:"name_en"`
	EnterpriseID int64  `json:"enterprise_id"`
	AccessTier   int    `json:"access_tier"`
	Department   string `json:"department"`
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in createOrgRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := a.d.Accounts.CreateOrg(r.Context(), server.Actor(id.Principal), account.Org{Kind: account.OrgKind(in.Kind), Name: in.Name,
		NameEN: in.NameEN, EnterpriseID: in.EnterpriseID, AccessTier: in.AccessTier, Department: in.Department})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, orgOf(o))
	return nil
}

type userJSON struct {
	ID          int64      `json:"id"`
	OrgID       int64      `json:"org_id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Role        string     `json:"role"`
	Status      string     `json:"status"`
	CreatedAt   string     `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

func userOf(u account.User) userJSON {
	return userJSON{ID: u.ID, OrgID: u.OrgID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role),
		Status: string(u.Status), CreatedAt: u.CreatedAt.Format(time.RFC3339), LastLoginAt: timeOrNil(u.LastLoginAt)}
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	after, err := queryInt64(r, "after")
	if err != nil {
		return err
	}
	org, err := queryInt64(r, "org_id")
	if err != nil {
		return err
	}
	us, err := a.d.Accounts.ListUsers(r.Context(), server.Actor(id.Principal), account.UserFilter{OrgID: org, Query: r.URL.Query().Get("q"), Limit: limit, After: after})
	if err != nil {
		return err
	}
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = userOf(u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type createUserRequest struct {
	OrgID       int64  `json:"org_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Password    string `json:"password"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in createUserRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := a.d.Accounts.CreateUser(r.Context(), server.Actor(id.Principal), account.NewUser{OrgID: in.OrgID, Username: in.Username,
		DisplayName: in.DisplayName, Role: account.Role(in.Role), Password: in.Password})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, userOf(u))
	return nil
}

type statusRequest struct {
	Status string `json:"status"`
}

func (a *API) setUserStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	uid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in statusRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := a.d.Accounts.SetUserStatus(r.Context(), server.Actor(id.Principal), uid, account.Status(in.Status)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiKeyJSON struct {
	ID         int64      `json:"id"`
	OrgID      int64      `json:"org_id"`
	Prefix     string     `json:"prefix"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  string     `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	// Secret is present only in the response that created the key.
	Secret string `json:"secret,omitempty"`
}

func keyOf(k account.APIKey) apiKeyJSON {
	sc := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		sc[i] = string(s)
	}
	return apiKeyJSON{ID: k.ID, OrgID: k.OrgID, Prefix: k.Prefix, Name: k.Name, Scopes: sc, CreatedAt: k.CreatedAt.Format(time.RFC3339),
		ExpiresAt: timeOrNil(k.ExpiresAt), RevokedAt: timeOrNil(k.RevokedAt), LastUsedAt: timeOrNil(k.LastUsedAt)}
}

func (a *API) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	org, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ks, err := a.d.Accounts.ListAPIKeys(r.Context(), server.Actor(id.Principal), org)
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, len(ks))
	for i, k := range ks {
		out[i] = keyOf(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type createKeyRequest struct {
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	ExpiresAt string   `json:"expires_at"`
}

func (a *API) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	org, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in createKeyRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	nk := account.NewAPIKey{OrgID: org, Name: in.Name}
	for _, s := range in.Scopes {
		nk.Scopes = append(nk.Scopes, account.Scope(s))
	}
	if in.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, in.ExpiresAt)
		if err != nil {
			return fault.New(fault.Invalid, "request.bad_param", "bad time").With("name", "expires_at")
		}
		nk.ExpiresAt = t
	}
	secret, k, err := a.d.Accounts.CreateAPIKey(r.Context(), server.Actor(id.Principal), nk)
	if err != nil {
		return err
	}
	out := keyOf(k)
	out.Secret = secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	kid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.d.Accounts.RevokeAPIKey(r.Context(), server.Actor(id.Principal), kid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
