package api

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/lib/pq"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"rapport/ent"
	"rapport/internal/apierr"
)

// transactioner runs each mutation operation in one database transaction:
// committed when every field succeeded, rolled back as soon as any error
// was reported, so a failed mutation never leaves a half-written row. Its
// fields run one after another, as the GraphQL spec requires.
//
// It follows entgql.Transactioner but departs from it where the API's
// error rules demand: entgql's reports a failure to open or commit the
// transaction with the driver's own message and no extensions.code (this one
// goes through the error presenter: INTERNAL, UNAVAILABLE, or CONFLICT for a
// commit that lost a serialization race), and it drops the data entry of a
// rolled-back operation (this one keeps "data": null, as for any executed
// operation). Queries never open a transaction here.
type transactioner struct {
	client  *ent.Client
	present graphql.ErrorPresenterFunc
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = transactioner{}

func (transactioner) ExtensionName() string                   { return "Transactioner" }
func (transactioner) Validate(graphql.ExecutableSchema) error { return nil }

func isMutation(oc *graphql.OperationContext) bool {
	return oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation
}

func (transactioner) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if isMutation(oc) {
		var mu sync.Mutex
		previous := oc.ResolverMiddleware
		oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			return previous(ctx, next)
		}
	}
	return nil
}

func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) || !isMutation(graphql.GetOperationContext(ctx)) {
		return next(ctx)
	}
	tx, err := t.client.Tx(ctx)
	if err != nil {
		return &graphql.Response{Errors: gqlerror.List{t.presentTxError(ctx, err)}}
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	resp := next(ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx))
	if resp == nil || len(resp.Errors) > 0 {
		_ = tx.Rollback()
		if resp != nil {
			resp.Data = json.RawMessage("null") // executed, so the data entry stays
		}
		return resp
	}
	if err := tx.Commit(); err != nil {
		return &graphql.Response{Errors: gqlerror.List{t.presentTxError(ctx, err)}}
	}
	return resp
}

// presentTxError reports a failure to open or commit a transaction; a
// commit that lost a race with another writer is a CONFLICT the client may retry.
func (t transactioner) presentTxError(ctx context.Context, err error) *gqlerror.Error {
	if ent.IsConstraintError(err) || isSerializationFailure(err) {
		err = apierr.Conflictf("the change conflicts with a concurrent change; retry")
	}
	return t.present(ctx, err)
}

// isSerializationFailure reports PostgreSQL's serialization failure or
// deadlock, after which the whole transaction may be retried.
func isSerializationFailure(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
