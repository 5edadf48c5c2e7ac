package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The sign-in form has no session to carry a CSRF token yet, so it uses a
// double-submit token: a random value in a cookie and in a hidden field,
// which a cross-site page can neither read nor set.
const (
	signInCookie = "cb_signin_csrf"
	signInField  = "signin_token"
	signInTTL    = 2 * time.Hour
)

// homeOf is where a signed-in user starts.
func homeOf(p access.Principal) string {
	if p.Role == account.RoleEnterpriseAdmin {
		return "/my/enterprise"
	}
	return "/enterprises"
}

func (u *UI) home(w http.ResponseWriter, r *http.Request) error {
	id, ok := server.IdentityFrom(r.Context())
	if !ok || id.ViaAPIKey {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, homeOf(id.Principal), http.StatusSeeOther)
	return nil
}

type signInData struct {
	Username string
	Next     string
	Token    string // the double-submit token
	Error    string // why the last attempt failed, translated
	Notice   string // catalogue key of a notice (session expired)
}

func (u *UI) signInForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if id, ok := server.IdentityFrom(r.Context()); ok && !id.ViaAPIKey {
		http.Redirect(w, r, orDefault(next, homeOf(id.Principal)), http.StatusSeeOther)
		return nil
	}
	data := signInData{Next: next, Token: u.signInToken(w, r)}
	if r.URL.Query().Get("reason") == "expired" {
		data.Notice = "ui.signin.expired"
	}
	u.render(w, r, http.StatusOK, "signin", "ui.signin.title", data)
	return nil
}

// signInToken returns the browser's current sign-in token, issuing one if
// it has none.
func (u *UI) signInToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(signInCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: tok, Path: "/sign-in", MaxAge: int(signInTTL / time.Second),
		HttpOnly: true, Secure: u.d.CookieSecure, SameSite: http.SameSiteLaxMode})
	return tok
}

func (u *UI) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "unreadable form").With("name", "form")
	}
	next := safeNext(r.PostFormValue("next"))
	c, err := r.Cookie(signInCookie)
	tok := r.PostFormValue(signInField)
	if err != nil || tok == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(tok)) != 1 {
		return fault.New(fault.Forbidden, "request.csrf", "sign-in form token missing or wrong")
	}
	username := r.PostFormValue("username")
	res, err := u.d.Accounts.SignIn(r.Context(), username, r.PostFormValue("password"), server.RemoteHost(r))
	if err != nil {
		code, params, kind := server.Public(err)
		switch kind {
		case fault.Unauthenticated, fault.TooMany, fault.Forbidden:
			lang := server.LangFrom(r.Context())
			data := signInData{Username: username, Next: next, Token: c.Value, Error: u.d.Catalog.TMap(lang, code, params)}
			u.render(w, r, server.Status(kind), "signin", "ui.signin.title", data)
			return nil
		}
		return err
	}
	u.setSessionCookie(w, res.Token, res.Expires)
	u.clearCookie(w, signInCookie, "/sign-in")
	p := server.PrincipalOf(res.User, res.Org, server.RemoteHost(r))
	http.Redirect(w, r, orDefault(next, homeOf(p)), http.StatusSeeOther)
	return nil
}

// signOut ends the session. The CSRF middleware has already checked the
// form's token for any request that carries a live session.
func (u *UI) signOut(w http.ResponseWriter, r *http.Request) error {
	if id, ok := server.IdentityFrom(r.Context()); ok && id.SessionToken != "" {
		if err := u.d.Accounts.SignOut(r.Context(), server.Actor(id.Principal), id.SessionToken); err != nil {
			return err
		}
	}
	u.clearCookie(w, server.SessionCookie, "/")
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
	return nil
}

// setLang remembers a language choice for a year and returns to the page.
func (u *UI) setLang(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if l, ok := i18n.Parse(q.Get("to")); ok {
		http.SetCookie(w, &http.Cookie{Name: server.LangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 60 * 60,
			HttpOnly: true, Secure: u.d.CookieSecure, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, withoutLangParam(orDefault(safeNext(q.Get("next")), "/")), http.StatusSeeOther)
	return nil
}

// withoutLangParam drops a ?lang= from a safe address: it would override
// the choice just stored in the cookie.
func withoutLangParam(next string) string {
	p, err := url.Parse(next)
	if err != nil || !p.Query().Has("lang") {
		return next
	}
	q := p.Query()
	q.Del("lang")
	p.RawQuery = q.Encode()
	return p.RequestURI()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
