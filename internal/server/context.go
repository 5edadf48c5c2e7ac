package server

import (
	"context"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/i18n"
)

type ctxKey int

const (
	keyIdentity ctxKey = iota
	keyLang
	keyRequestID
)

// Identity is who made the request, if anyone.
type Identity struct {
	Principal access.Principal
	// CSRF is the session's anti-forgery token (empty for API keys).
	CSRF string
	// SessionToken is the raw session cookie value (empty for API keys).
	SessionToken string
	// ViaAPIKey reports that an API key, not a session, authenticated.
	ViaAPIKey bool
}

// WithIdentity stores id in ctx.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, keyIdentity, id)
}

// IdentityFrom returns the request's identity, and false if anonymous.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(keyIdentity).(Identity)
	return id, ok
}

// WithLang stores the request's language.
func WithLang(ctx context.Context, l i18n.Lang) context.Context {
	return context.WithValue(ctx, keyLang, l)
}

// LangFrom returns the request's language (zh-CN when unset).
func LangFrom(ctx context.Context) i18n.Lang {
	if l, ok := ctx.Value(keyLang).(i18n.Lang); ok {
		return l
	}
	return i18n.ZH
}

// RequestIDFrom returns the request id assigned by the middleware.
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(keyRequestID).(string)
	return s
}
