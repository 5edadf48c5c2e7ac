package server

import (
	"context"
	"net/http"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Gate decides whether an authenticated (or anonymous) request may go on
// and hears how it ended; internal/monitor implements it (rate limits,
// suspensions, the misuse detector).
type Gate interface {
	// Admit returns a fault.TooMany error (with a "seconds" parameter) for
	// a request over a rate limit, a fault.Forbidden "access.suspended"
	// for a suspended principal, or nil.
	Admit(ctx context.Context, p access.Principal, remote string) error
	// Observe is told each admitted request's path and status.
	Observe(p access.Principal, path string, status int)
}

// Admit runs after Authenticate: it asks the gate about every request and
// sets Retry-After on a rate-limit refusal. A suspended session may still
// sign out (which clears its cookie, so the browser can sign in as someone
// else); its principal is marked Suspended for that request. The gate reads
// suspensions from the database on every request (one indexed statement),
// so a suspension blocks the next request on every instance: nothing about
// it is cached.
func Admit(g Gate, onErr ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := IdentityFrom(r.Context())
		p := id.Principal
		if err := g.Admit(r.Context(), p, RemoteHost(r)); err != nil {
			if fe, ok := fault.As(err); ok {
				switch {
				case fe.Kind == fault.TooMany && fe.Params["seconds"] != "":
					w.Header().Set("Retry-After", fe.Params["seconds"])
				case fe.Kind == fault.Forbidden && id.SessionToken != "":
					if r.URL.Path == "/api/v1/auth/sign-out" || r.URL.Path == "/sign-out" {
						id.Principal.Suspended = true
						next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
						return
					}
				}
			}
			onErr(w, r, err)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		g.Observe(p, r.URL.Path, sw.status)
	})
}
