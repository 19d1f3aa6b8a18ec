package cql2

import (
	"fmt"
	"strings"
)

// SyntaxError reports a filter that is not well-formed CQL2: a malformed
// token, a token out of place, or an operand of a kind the grammar does not
// allow at that place.
type SyntaxError struct {
	// Offset is the zero-based byte offset of the problem in CQL2-Text
	// input; it is -1 for CQL2-JSON input.
	Offset int
	// Path locates the offending value in CQL2-JSON input, e.g.
	// "$.args[1]"; it is empty for CQL2-Text input.
	Path string
	// Msg describes the problem, e.g. `unexpected token "AND"`.
	Msg string
	// Expected says what the parser expected instead, if anything.
	Expected string
}

// Error returns, e.g., `cql2: unexpected token "AND" at 14, expected an
// expression`.
func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString("cql2: ")
	b.WriteString(e.Msg)
	if e.Path != "" {
		b.WriteString(" at ")
		b.WriteString(e.Path)
	} else if e.Offset >= 0 {
		fmt.Fprintf(&b, " at %d", e.Offset)
	}
	if e.Expected != "" {
		b.WriteString(", expected ")
		b.WriteString(e.Expected)
	}
	return b.String()
}

// LimitError reports a filter beyond the bounds of the Parser.
type LimitError struct {
	// Limit names the bound: "length" (bytes) or "depth" (nesting).
	Limit string
	// Max is the bound that was exceeded.
	Max int
}

// Error returns, e.g., "cql2: filter exceeds the maximum depth of 64".
func (e *LimitError) Error() string {
	return fmt.Sprintf("cql2: filter exceeds the maximum %s of %d", e.Limit, e.Max)
}

// EvalError reports a filter that cannot be evaluated against a feature,
// such as a comparison of a string with a number or a call of an unknown
// function. Its message names no internals and can be shown to clients.
type EvalError struct {
	Msg string
}

// Error returns the message prefixed by "cql2: ".
func (e *EvalError) Error() string { return "cql2: " + e.Msg }

func evalErrorf(format string, args ...any) error {
	return &EvalError{Msg: fmt.Sprintf(format, args...)}
}

// ValidationError reports a filter that does not fit the queryables of a
// collection: an unknown property, or a property used as a value of the
// wrong type.
type ValidationError struct {
	// Property is the property at fault.
	Property string
	Msg      string
}

// Error returns the message prefixed by "cql2: ".
func (e *ValidationError) Error() string { return "cql2: " + e.Msg }
