package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/lib/pq"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"rapport/ent"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/audit"
	"rapport/internal/store"
)

func badPageSize(arg string) error {
	if arg == "ids" {
		return apierr.BadInput(arg, "at most %d ids at a time", MaxPageSize)
	}
	return apierr.BadInput(arg, "%s must be between 0 and %d", arg, MaxPageSize)
}

// presentError turns every error a resolver returns into a GraphQL error
// with an extensions.code. Only apierr errors and ent's well-known errors
// say what went wrong; anything else is INTERNAL, logged with its cause and
// the request ID, and shown to the client without detail.
func presentError(log *slog.Logger, throttle *logThrottle) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		// Automatic persisted queries: clients (Apollo) look for this code
		// and message to send the query with its hash; the extension's
		// other refusals are the client's.
		if gerr.Extensions["code"] == "PERSISTED_QUERY_NOT_FOUND" {
			return &gqlerror.Error{Message: "PersistedQueryNotFound", Extensions: map[string]any{"code": "PERSISTED_QUERY_NOT_FOUND"}}
		}
		if apqRefusals[gerr.Message] && gerr.Extensions["code"] == nil && len(gerr.Path) == 0 {
			return &gqlerror.Error{Message: gerr.Message, Extensions: map[string]any{"code": string(apierr.BadUserInput)}}
		}
		code, msg, field := classify(ctx, err)
		reason := ""
		if e, ok := apierr.As(err); ok {
			reason = e.Reason
		}
		id := audit.RequestID(ctx)
		log.DebugContext(ctx, "request error", "code", code, "err", err, "request_id", id)
		if code == apierr.Internal {
			switch {
			case errors.Is(err, context.Canceled) && ctx.Err() != nil:
				// The client hung up (or the request was abandoned): not a
				// failure of the server, and nobody reads the answer.
				log.DebugContext(ctx, "request cancelled", "err", err, "path", gerr.Path.String(), "request_id", id)
				msg = fmt.Sprintf("the request was cancelled (request %s)", id)
			case store.Unavailable(err):
				reason = reasonUnavailable
				throttle.Error(ctx, log, "database unavailable", "database unavailable", "err", err, "request_id", id)
				msg = fmt.Sprintf("the database is unavailable; retry in %d seconds (request %s)", retryAfterSeconds, id)
			case store.TimedOut(err):
				reason = reasonTimeout
				throttle.Error(ctx, log, "request timeout", "request ran past its deadline", "err", err, "path", gerr.Path.String(), "request_id", id)
				msg = fmt.Sprintf("the request took too long and was stopped (request %s)", id)
			default:
				log.ErrorContext(ctx, "internal error", "err", err, "path", gerr.Path.String(), "request_id", id)
				msg = fmt.Sprintf("internal error (request %s)", id)
			}
		}
		gqlCode, _ := gerr.Extensions["code"].(string)
		gerr.Message = msg
		gerr.Extensions = map[string]any{"code": string(code)}
		if reason == "" && gqlCode != "" && gqlCode != string(code) {
			reason = gqlCode // gqlgen's own code, e.g. GRAPHQL_VALIDATION_FAILED
		}
		if reason != "" {
			gerr.Extensions["reason"] = reason
		}
		if field != "" {
			gerr.Extensions["field"] = field
		}
		return gerr
	}
}

// apqRefusals are the messages of gqlgen's persisted-query extension for
// a request it refuses (they carry no code of their own).
var apqRefusals = map[string]bool{
	"invalid APQ extension data":             true,
	"unsupported APQ version":                true,
	"provided APQ hash does not match query": true,
}

func classify(ctx context.Context, err error) (code apierr.Code, msg, field string) {
	if e, ok := apierr.As(err); ok {
		return e.Code, e.Message, e.Field
	}
	var verr *ent.ValidationError
	var nf *ent.NotFoundError
	var gerr *gqlerror.Error
	var pqErr *pq.Error
	switch {
	case errors.As(err, &gerr) && isRequestError(gerr):
		return apierr.BadUserInput, gerr.Message, ""
	case errors.As(err, &gerr) && gerr.Extensions["code"] == string(apierr.NotFound):
		// entgql's Noders reports IDs it could not load this way.
		return apierr.NotFound, "not found", ""
	case ent.IsEmptyWhereInput(err):
		// A WhereInput with nothing in it, e.g. where: {not: {}}.
		return apierr.BadUserInput, "a filter must not be empty", "where"
	case errors.As(err, &pqErr) && pqErr.Code.Class() == "22":
		// PostgreSQL's data exceptions: a value it cannot take (e.g. a NUL byte).
		return apierr.BadUserInput, "a value is not acceptable to the database", ""
	case errors.As(err, &verr):
		f := apierr.FieldName(verr.Name)
		return apierr.BadUserInput, fmt.Sprintf("invalid %s: %s", f, validationReason(verr)), f
	case errors.As(err, &nf):
		return apierr.NotFound, strings.TrimPrefix(nf.Error(), "ent: "), ""
	case ent.IsConstraintError(err):
		return apierr.Conflict, "the change conflicts with existing data", ""
	case isSerializationFailure(err):
		// PostgreSQL gave up on the transaction for another's sake: the
		// whole operation may be retried.
		return apierr.Conflict, "the change conflicts with a concurrent change; retry", ""
	case errors.Is(err, privacy.Deny):
		return apierr.Forbidden, "not allowed", ""
	case errors.As(err, &gerr) && len(gerr.Path) > len(graphql.GetPath(ctx)):
		// gqlgen raised it while reading the field's arguments (a malformed
		// ID, time or cursor): its path runs below the field, into the
		// argument. It is the client's input.
		if name, ok := gerr.Path[len(gerr.Path)-1].(ast.PathName); ok {
			field = string(name)
		}
		msg = gerr.Message
		if strings.HasPrefix(msg, "cannot decode cursor") {
			msg = "malformed cursor" // entgql's message names its encoding library
		}
		return apierr.BadUserInput, msg, field
	}
	return apierr.Internal, "", ""
}

// isRequestError reports an error gqlgen found in the request itself before
// executing it: a syntax error, a validation failure, a bad variable.
func isRequestError(e *gqlerror.Error) bool {
	switch e.Extensions["code"] {
	case errcode.ValidationFailed, errcode.ParseFailed:
		return true
	}
	return false
}

// validationReason is the validator's own message, without ent's prefix.
func validationReason(e *ent.ValidationError) string {
	reason := "is invalid"
	for inner := errors.Unwrap(e); inner != nil; inner = errors.Unwrap(inner) {
		reason = inner.Error() // the innermost: the validator's own words
	}
	if strings.HasPrefix(reason, "ent: missing required field") {
		return "is required"
	}
	return reason
}

func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic", "panic", p, "stack", string(debug.Stack()), "request_id", audit.RequestID(ctx))
		return errors.New("panic") // classified as INTERNAL, no detail sent
	}
}
