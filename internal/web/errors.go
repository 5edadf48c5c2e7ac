package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
)

var errNotFound = fault.New(fault.NotFound, "request.not_found", "no page at this address")

// explained puts an error in context for the reader: Lead, already
// translated, is shown above the error's own message ("“X” is not a valid
// credit code" above "check character should be F").
type explained struct {
	error
	Lead string
}

func (e explained) Unwrap() error { return e.error }

// errorData is what the error page shows.
type errorData struct {
	Status    int
	Kind      string
	Lead      string
	Message   string   // the error's public message, translated
	Fields    []string // each invalid field's message, translated
	RequestID string
	SignIn    bool // offer the sign-in page
}

// RenderError writes err as an HTML page in the request's language: the
// status from the error's kind and the catalogue's text for its public
// code. Internal errors show only the generic message and are logged with
// the request id. A GET that needs a sign-in is redirected to the sign-in
// page instead, which returns the user here afterwards.
func (u *UI) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	code, params, kind := server.Public(err)
	rid := server.RequestIDFrom(r.Context())
	switch kind {
	case fault.Internal, fault.Unavailable:
		u.d.Log.Error("request failed", "request_id", rid, "path", r.URL.Path, "error", err.Error())
	case fault.Canceled:
		u.d.Log.Debug("request canceled", "request_id", rid, "path", r.URL.Path)
		w.WriteHeader(server.Status(kind)) // nobody is listening for a page
		return
	}
	if kind == fault.Unauthenticated && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		if _, err := r.Cookie(server.SessionCookie); err == nil {
			u.clearCookie(w, server.SessionCookie, "/")
		}
		q := url.Values{}
		if next := safeNext(r.URL.RequestURI()); next != "" && next != "/" {
			q.Set("next", next)
		}
		if code == "auth.session_expired" {
			q.Set("reason", "expired")
		}
		target := "/sign-in"
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	lang := server.LangFrom(r.Context())
	cat := u.d.Catalog
	msg := cat.TMap(lang, code, params)
	if !cat.Has(code) {
		// A domain code without a text is a bug the i18n tests catch; the
		// user still gets a sentence, not a code.
		u.d.Log.Warn("error code has no message", "code", code, "request_id", rid)
		msg = cat.T(lang, "ui.error.generic."+kind.String())
	}
	data := errorData{Status: server.Status(kind), Kind: kind.String(), Message: msg, RequestID: rid,
		SignIn: kind == fault.Unauthenticated}
	var ex explained
	if errors.As(err, &ex) {
		data.Lead = ex.Lead
	}
	var fe *fault.FieldsError
	if errors.As(err, &fe) && len(fe.Fields) > 1 {
		for _, f := range fe.Fields {
			data.Fields = append(data.Fields, cat.TMap(lang, f.Err.Code, f.Err.Params))
		}
	}
	u.render(w, r, data.Status, "error", "ui.error.title."+kind.String(), data)
}

func (u *UI) notFound(w http.ResponseWriter, r *http.Request) error { return errNotFound }
