package ogp

import (
	"errors"
	"fmt"
)

// Error kinds: the small set of outcomes every adapter knows how to map
// (the HTTP layer to statuses, the workflow to Temporal application errors).
const (
	EInvalid       = "invalid"       // malformed input
	EUnauthorized  = "unauthorized"  // no or bad credentials
	EForbidden     = "forbidden"     // the actor's role does not allow it
	ENotFound      = "not_found"     // unknown plan, step, user
	EConflict      = "conflict"      // the state does not allow it now
	EUnprocessable = "unprocessable" // well-formed but breaks a rule
	ETooLarge      = "too_large"     // body too large
	EUnavailable   = "unavailable"   // a dependency is down
	EInternal      = "internal"      // a bug or unexpected failure
)

// Error is a domain error: Kind says how to treat it, Code is the stable
// machine-readable reason clients can switch on, Message is for people.
type Error struct {
	Kind    string `json:"kind"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Violations lists every unmet rule when a step's gate refuses it, so
	// a coordinator can fix them all in one go.
	Violations []Violation `json:"violations,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// Errorf builds a domain error.
func Errorf(kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorKind returns the kind of a domain error, or EInternal for any other.
func ErrorKind(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return EInternal
}
