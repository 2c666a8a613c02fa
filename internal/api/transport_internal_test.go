package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// goneExecutor answers as gqlgen's executor does once the request's
// context is cancelled (its client gone): a response handler that returns
// no response at all.
type goneExecutor struct{}

func (goneExecutor) CreateOperationContext(context.Context, *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: ast.Query}}, nil
}

func (goneExecutor) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return func(context.Context) *graphql.Response { return nil }, ctx
}

func (goneExecutor) DispatchError(context.Context, gqlerror.List) *graphql.Response { return nil }

// A request whose client has gone is dropped quietly: nothing is written
// and nothing panics (the benchmark's requests cut off by wrk at the end of
// a run panicked on the missing response).
func TestNoResponseForAGoneClient(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ viewer { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	httpTransport{}.Do(rec, req, goneExecutor{})
	if rec.Body.Len() != 0 {
		t.Fatalf("wrote %q for a gone client", rec.Body.String())
	}
}
