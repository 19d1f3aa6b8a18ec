// Package socle holds Socle's domain: the collections it serves (the
// catalog), the store contract (Store and its roles), the resolution of
// requests into the queries stores run (ResolveItems: the one place a
// request is checked, with the one set of errors), the values that travel
// between layers (features, records, batches, pages) and their text forms,
// and the error codes every layer shares.
//
// It may import the standards (ogc/…) and geometry libraries; never a
// store, the HTTP layer or a command.
package socle

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status; stores and parsers
// only choose a code.
const (
	EINVALID     = "invalid"     // the request is malformed or asks the impossible
	ENOTFOUND    = "not_found"   // no such collection or feature
	ECONFLICT    = "conflict"    // the request contradicts what is stored
	EUNAVAILABLE = "unavailable" // a resource (the database, the pool) is busy or down; retry later
	ETIMEOUT     = "timeout"     // the statement ran past its time budget
	EGONE        = "gone"        // what the request starts from is no longer kept (an old change token)
	EINTERNAL    = "internal"    // a bug or an unexpected failure; details are logged, never shown
)

// Error is a domain error: a code, a message safe to show to the caller, and
// optional details (e.g. the list of valid values).
type Error struct {
	Code    string
	Message string
	// Allowed lists valid choices when the caller picked an invalid one.
	Allowed []string
	// Err is the underlying cause, logged but never shown to the caller.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err, or a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}
