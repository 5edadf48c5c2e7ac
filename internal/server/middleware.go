package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
)

// Cookie names.
const (
	SessionCookie = "cb_session"
	LangCookie    = "cb_lang"
	CSRFHeader    = "X-CSRF-Token"
	CSRFField     = "csrf_token"
)

// ErrorWriter renders an error for a request (problem JSON for the API,
// an HTML page for the UI).
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// statusWriter records the status and size written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Observe assigns a request id, recovers panics, logs each request and
// records metrics labelled by the matched route pattern.
func Observe(log *slog.Logger, m *Metrics, onErr ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			rid = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", rid)
		var route string
		ctx := context.WithValue(context.WithValue(r.Context(), keyRequestID, rid), routeKey{}, &route)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "request_id", rid, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					onErr(sw, r, errors.New("panic"))
				}
			}
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			m.observe(route, r.Method, sw.status, d)
			lvl := slog.LevelInfo
			if sw.status >= 500 {
				lvl = slog.LevelError
			}
			log.Log(r.Context(), lvl, "request", "request_id", rid, "method", r.Method, "route", route, "path", r.URL.Path,
				"status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000, "remote", RemoteHost(r))
		}()
		next.ServeHTTP(sw, r)
	})
}

// RemoteHost is the client's address without the port. Proxies are not
// trusted: X-Forwarded-For is ignored.
func RemoteHost(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// LimitBody bounds request bodies.
func LimitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

// Language picks the request's language: ?lang=, the cb_lang cookie, the
// Accept-Language header, then the default.
func Language(cat *i18n.Catalog, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		choice := r.URL.Query().Get("lang")
		if choice == "" {
			if c, err := r.Cookie(LangCookie); err == nil {
				choice = c.Value
			}
		}
		l := cat.Match(choice, r.Header.Get("Accept-Language"))
		w.Header().Set("Content-Language", string(l))
		next.ServeHTTP(w, r.WithContext(WithLang(r.Context(), l)))
	})
}

type authErrKey struct{}

// AuthError returns why a presented session was not accepted (expired,
// suspended), or nil if none was presented.
func AuthError(ctx context.Context) error {
	err, _ := ctx.Value(authErrKey{}).(error)
	return err
}

// PrincipalOf builds the access principal of a signed-in user.
func PrincipalOf(u account.User, o account.Org, remote string) access.Principal {
	return access.Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, OrgID: o.ID, OrgKind: o.Kind,
		OrgName: o.Name, Role: u.Role, EnterpriseID: o.EnterpriseID, AccessTier: o.AccessTier, Department: o.Department, RemoteAddr: remote}
}

// Authenticate resolves the caller from an API key (Authorization: Bearer)
// or the session cookie. A bad API key is refused at once; a bad session
// cookie leaves the request anonymous with the reason kept for handlers
// that need a sign-in. Unsafe methods on a session must carry the
// session's CSRF token (header or form field).
func Authenticate(acc *account.Service, onErr ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		remote := RemoteHost(r)
		if h := r.Header.Get("Authorization"); h != "" {
			secret, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				onErr(w, r, fault.New(fault.Unauthenticated, "auth.bad_api_key", "malformed Authorization header"))
				return
			}
			kh, err := acc.APIKey(ctx, strings.TrimSpace(secret))
			if err != nil {
				onErr(w, r, err)
				return
			}
			p := access.Principal{OrgID: kh.Org.ID, OrgKind: kh.Org.Kind, OrgName: kh.Org.Name, EnterpriseID: kh.Org.EnterpriseID,
				AccessTier: kh.Org.AccessTier, Department: kh.Org.Department, APIKeyID: kh.Key.ID, APIKeyPrefix: kh.Key.Prefix, Scopes: kh.Key.Scopes, RemoteAddr: remote}
			next.ServeHTTP(w, r.WithContext(WithIdentity(ctx, Identity{Principal: p, ViaAPIKey: true})))
			return
		}
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		au, err := acc.Session(ctx, c.Value)
		if err != nil {
			if fault.KindOf(err) != fault.Unauthenticated {
				onErr(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, authErrKey{}, err)))
			return
		}
		id := Identity{Principal: PrincipalOf(au.User, au.Org, remote), CSRF: au.Session.CSRFToken, SessionToken: c.Value}
		if !safeMethod(r.Method) {
			tok := r.Header.Get(CSRFHeader)
			if tok == "" && isForm(r) {
				tok = r.PostFormValue(CSRFField)
			}
			if subtle.ConstantTimeCompare([]byte(tok), []byte(id.CSRF)) != 1 {
				onErr(w, r, fault.New(fault.Forbidden, "request.csrf", "missing or wrong CSRF token"))
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(WithIdentity(ctx, id)))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// CrossOrigin refuses cross-site unsafe requests from browsers (Sec-Fetch-Site
// and Origin checks); non-browser API clients send neither header and pass.
func CrossOrigin(onErr ErrorWriter, next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		onErr(w, r, fault.New(fault.Forbidden, "request.cross_origin", "cross-origin request refused"))
	}))
	return cop.Handler(next)
}

// SecurityHeaders sets conservative browser protections on every response.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		next.ServeHTTP(w, r)
	})
}

// Require returns the identity or an Unauthenticated error explaining why
// there is none (no sign-in, or an expired session).
func Require(r *http.Request) (Identity, error) {
	if id, ok := IdentityFrom(r.Context()); ok {
		return id, nil
	}
	if err := AuthError(r.Context()); err != nil {
		return Identity{}, err
	}
	return Identity{}, fault.New(fault.Unauthenticated, "auth.required", "sign in first")
}

// Actor converts a principal to the account package's actor.
func Actor(p access.Principal) account.Actor {
	return account.Actor{UserID: p.UserID, Name: p.ActorName(), OrgID: p.OrgID, Role: p.Role, RemoteAddr: p.RemoteAddr}
}

type routeKey struct{}

// Routed wraps the mux so that Observe can label metrics and logs with the
// matched route pattern: the mux sets Pattern on the request it receives,
// which is a copy of the one Observe holds.
func Routed(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = r.Pattern
		}
	})
}
