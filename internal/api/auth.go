package api

import (
	"net/http"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/server"
)

type signInRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type meResponse struct {
	UserID       int64  `json:"user_id,omitempty"`
	Username     string `json:"username,omitempty"`
	DisplayName  string `json:"display_name,omitempty"`
	Role         string `json:"role,omitempty"`
	OrgID        int64  `json:"org_id"`
	OrgKind      string `json:"org_kind"`
	OrgName      string `json:"org_name"`
	EnterpriseID int64  `json:"enterprise_id,omitempty"`
	APIKey       string `json:"api_key,omitempty"`
	CSRFToken    string `json:"csrf_token,omitempty"`
	ExpiresAt    string `json:"expires_at,omitempty"`
}

func meOf(p access.Principal, csrf string) meResponse {
	return meResponse{UserID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, Role: string(p.Role), OrgID: p.OrgID,
		OrgKind: string(p.OrgKind), OrgName: p.OrgName, EnterpriseID: p.EnterpriseID, APIKey: p.APIKeyPrefix, CSRFToken: csrf}
}

// signIn opens a session for a browser or script: the session token goes in
// a Secure, HttpOnly cookie; the CSRF token in the body must accompany every
// state-changing request as X-CSRF-Token.
func (a *API) signIn(w http.ResponseWriter, r *http.Request) error {
	var req signInRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	res, err := a.d.Accounts.SignIn(r.Context(), req.Username, req.Password, server.RemoteHost(r))
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: server.SessionCookie, Value: res.Token, Path: "/", Expires: res.Expires,
		HttpOnly: true, Secure: a.d.CookieSecure, SameSite: http.SameSiteLaxMode})
	me := meOf(server.PrincipalOf(res.User, res.Org, server.RemoteHost(r)), res.CSRF)
	me.ExpiresAt = res.Expires.Format(time.RFC3339)
	writeJSON(w, http.StatusOK, me)
	return nil
}

func (a *API) signOut(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	if id.SessionToken != "" {
		if err := a.d.Accounts.SignOut(r.Context(), server.Actor(id.Principal), id.SessionToken); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: server.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: a.d.CookieSecure, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meOf(id.Principal, id.CSRF))
	return nil
}
