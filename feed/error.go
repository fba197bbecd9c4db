package feed

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of error callers branch on. Wrap them with %w; test with errors.Is.
var (
	// ErrNotFound: the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input is malformed. A *ValidationError says which field.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: the change clashes with what is stored (a taken slug, say).
	ErrConflict = errors.New("conflict")
	// ErrUnauthorized: no credentials, or credentials that are not valid.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrGone: what was asked for existed but is no longer kept, such as the
	// change log after an old cursor, pruned since. Asking again the same way
	// cannot succeed; the client starts over (a walk without its cursor).
	ErrGone = errors.New("gone")
	// ErrBusy: the work cannot be taken on now (a queue is full, say).
	// Nothing was done; the same request may succeed later. feed/web
	// answers it with 503 Service Unavailable and a Retry-After.
	ErrBusy = errors.New("busy")
)

// A FieldError names one field of the input and what is wrong with it. Its
// text is safe to show to the client that sent the input.
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

func (e FieldError) String() string { return e.Field + ": " + e.Problem }

// A ValidationError lists every problem found in one input. It matches
// ErrInvalid under errors.Is.
type ValidationError struct {
	Fields []FieldError
}

// Invalid returns a *ValidationError with a single field problem.
func Invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Fields: []FieldError{{Field: field, Problem: fmt.Sprintf(format, args...)}}}
}

// Add records a problem with field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// Err returns e, or nil when it records no problem, so that a validator can
// end with "return v.Err()".
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.String()
	}
	return strings.Join(parts, "; ")
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
