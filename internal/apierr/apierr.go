// Package apierr defines the errors Rapport reports to its clients. Each
// carries one of the GraphQL `extensions.code` values of the API and a
// message that is safe to show; anything that is not an *Error is reported
// as INTERNAL with a generic message and logged in full.
package apierr

import (
	"errors"
	"fmt"
	"strings"
)

// Code is the value of a GraphQL error's extensions.code.
type Code string

const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	BadUserInput    Code = "BAD_USER_INPUT"
	NotFound        Code = "NOT_FOUND"
	Conflict        Code = "CONFLICT"
	Internal        Code = "INTERNAL"
)

// Error is a client-facing error.
type Error struct {
	Code    Code
	Message string
	Field   string // the input field at fault, for BAD_USER_INPUT
	Reason  string // a finer machine-readable cause (extensions.reason), e.g. COST_LIMIT
}

func (e *Error) Error() string { return e.Message }

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Newf returns an error with the given code.
func Newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Forbiddenf reports an operation the viewer's roles do not allow.
func Forbiddenf(format string, args ...any) *Error { return Newf(Forbidden, format, args...) }

// NotFoundf reports a row that does not exist or that the viewer may not see.
func NotFoundf(format string, args ...any) *Error { return Newf(NotFound, format, args...) }

// Conflictf reports a change that clashes with the current state.
func Conflictf(format string, args ...any) *Error { return Newf(Conflict, format, args...) }

// BadInput reports an invalid value of the named input field.
func BadInput(field, format string, args ...any) *Error {
	e := Newf(BadUserInput, format, args...)
	e.Field = field
	return e
}

// FieldName returns the GraphQL name of a database column, as errors and
// the audit trail report it: business_scope → businessScope, owner_id → ownerID.
func FieldName(column string) string {
	parts := strings.Split(column, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "id" {
			parts[i] = "ID"
		} else if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
