package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
// a run panicked on the missing response). One stopped at its deadline is
// the timeout's 503, never an empty 200.
func TestNoResponseForAGoneClient(t *testing.T) {
	for _, c := range []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		status int
	}{
		{"gone", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, 0},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, http.StatusServiceUnavailable},
	} {
		ctx, cancel := c.ctx()
		defer cancel()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ viewer { id } }"}`)).WithContext(ctx)
		req.Header.Set("Content-Type", "application/json")
		httpTransport{maxBody: DefaultMaxBodyBytes}.Do(rec, req, goneExecutor{})
		switch {
		case c.status == 0 && rec.Body.Len() != 0:
			t.Errorf("%s: wrote %q", c.name, rec.Body.String())
		case c.status != 0 && (rec.Code != c.status || !strings.Contains(rec.Body.String(), "TIMEOUT")):
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body.String())
		}
	}
}
