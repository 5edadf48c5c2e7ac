// Package fault classifies errors so that the edge (API, web, CLI) can map them
// once to a status, a stable code and a message in the caller's language.
//
// Domain packages return *fault.Error values (or wrap them with %w); they never
// decide HTTP statuses or write user-facing text beyond the English Error() string.
// The public message of an error is looked up by its Code in the i18n catalogue,
// with Params filled in; internal details (the wrapped Err) never reach a client.
package fault

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind is the class of an error; the edge maps it to a status code.
type Kind int

const (
	// Internal is an unexpected failure; its details are logged, never shown.
	Internal Kind = iota
	// Invalid means the request or input is malformed or breaks a rule.
	Invalid
	// NotFound means the addressed thing does not exist (or is not visible).
	NotFound
	// Conflict means the request collides with existing state (duplicate, stale).
	Conflict
	// Unauthenticated means no valid identity came with the request.
	Unauthenticated
	// Forbidden means the identity is known but not allowed to do this.
	Forbidden
	// TooMany means a rate limit or throttle refused the request.
	TooMany
	// TooLarge means the request body exceeds the allowed size.
	TooLarge
	// Unavailable means a dependency (database, department) is down.
	Unavailable
	// Canceled means the caller went away; it is not a server failure.
	Canceled
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case Unauthenticated:
		return "unauthenticated"
	case Forbidden:
		return "forbidden"
	case TooMany:
		return "too_many_requests"
	case TooLarge:
		return "too_large"
	case Unavailable:
		return "unavailable"
	case Canceled:
		return "canceled"
	default:
		return "internal"
	}
}

// Error is a classified error. Code is stable (for example
// "creditcode.check_char") and names a message in the i18n catalogue; Params
// fill that message's placeholders. Msg is the English explanation returned by
// Error(). Err, when set, is the underlying cause, kept for logs only.
type Error struct {
	Kind   Kind
	Code   string
	Msg    string
	Params map[string]string
	Err    error
}

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" {
		msg = e.Code
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns a classified error with an English message.
func New(kind Kind, code, msg string) *Error {
	return &Error{Kind: kind, Code: code, Msg: msg}
}

// Newf is New with a formatted message.
func Newf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// With returns a copy of e with the parameter key set to value; parameters
// are substituted into the localized message at the edge.
func (e *Error) With(key, value string) *Error {
	c := *e
	c.Params = make(map[string]string, len(e.Params)+1)
	for k, v := range e.Params {
		c.Params[k] = v
	}
	c.Params[key] = value
	return &c
}

// Wrap attaches a cause to a classified error.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// Wrapf classifies err as an internal failure with context; use it for
// storage and I/O errors that the client should not see.
func Wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var fe *Error
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// KindOf classifies any error: a *Error gives its kind, a context
// cancellation is Canceled, everything else is Internal.
func KindOf(err error) Kind {
	if err == nil {
		return Internal
	}
	if fe, ok := As(err); ok {
		return fe.Kind
	}
	if errors.Is(err, context.Canceled) {
		return Canceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Unavailable
	}
	return Internal
}

// Is reports whether err is classified as kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// Fields is a list of per-field problems found while validating one input;
// it becomes one Invalid error carrying every problem, so a user can fix all
// at once.
type Fields []FieldError

// FieldError is a problem with one named input field.
type FieldError struct {
	Field string
	Err   *Error
}

// Add records a problem with field.
func (f *Fields) Add(field string, err error) {
	if err == nil {
		return
	}
	fe, ok := As(err)
	if !ok {
		fe = &Error{Kind: Invalid, Code: "invalid", Msg: err.Error()}
	}
	*f = append(*f, FieldError{Field: field, Err: fe})
}

// Err returns nil when no problem was recorded, otherwise an Invalid error
// whose code is the first problem's code and whose message lists all.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	parts := make([]string, 0, len(f))
	for _, fe := range f {
		parts = append(parts, fe.Field+": "+fe.Err.Error())
	}
	sort.Strings(parts)
	first := f[0].Err
	return &FieldsError{Base: &Error{Kind: Invalid, Code: first.Code, Msg: strings.Join(parts, "; "), Params: first.Params}, Fields: f}
}

// FieldsError is the error returned by Fields.Err; the edge may list each
// field's problem separately.
type FieldsError struct {
	Base   *Error
	Fields Fields
}

func (e *FieldsError) Error() string { return e.Base.Error() }

func (e *FieldsError) Unwrap() error { return e.Base }
