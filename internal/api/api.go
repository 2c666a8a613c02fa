// Package api serves Rapport over HTTP: GraphQL at /graphql (behind JWT
// authentication), GraphiQL at /, and a health check at /healthz.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"rapport/ent"
	"rapport/graph"
	"rapport/internal/auth"
	"rapport/internal/pulid"
)

// Limits that keep one request from monopolising the server.
const (
	MaxPageSize   = 500     // largest first/last a connection accepts
	MaxComplexity = 5000    // gqlgen complexity budget of one operation
	MaxBodyBytes  = 1 << 20 // largest request body
	maxQueryCache = 1000
)

// Config is what the handler needs.
type Config struct {
	Client   *ent.Client
	Verifier *auth.Verifier
	Logger   *slog.Logger
	// AllowedOrigins are the browser origins of the portal's frontends
	// ("https://portal.example.cn"), or "*" for any; none disables CORS.
	AllowedOrigins []string
}

// NewHandler returns the HTTP handler of the whole API.
func NewHandler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", playground.Handler("Rapport", "/graphql"))
	mux.Handle("/graphql", withCORS(cfg.AllowedOrigins, authenticate(cfg, withSpecStatus(newGraphQLServer(cfg)))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ping(ctx, cfg.Client); err != nil {
			cfg.Logger.ErrorContext(ctx, "health check failed", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return withRequestLog(cfg.Logger, mux)
}

func ping(ctx context.Context, c *ent.Client) error {
	rows, err := c.QueryContext(ctx, "SELECT 1")
	if err != nil {
		return err
	}
	return rows.Close()
}

func newGraphQLServer(cfg Config) *handler.Server {
	srv := handler.New(graph.NewSchema(cfg.Client))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](maxQueryCache))
	srv.Use(extension.Introspection{})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	present := presentError(cfg.Logger)
	srv.Use(transactioner{client: cfg.Client, present: present})
	srv.AroundFields(limitPageSize)
	srv.AroundOperations(noteOperation)
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(recoverPanic(cfg.Logger))
	return srv
}

// limitPageSize bounds every page: a connection asked for neither first
// nor last gets the first MaxPageSize rows (pageInfo tells there is more),
// one asked for more than MaxPageSize rows is refused, and so is
// nodes(ids:) with more than MaxPageSize IDs.
func limitPageSize(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.IsResolver {
		first, _ := fc.Args["first"].(*int)
		last, _ := fc.Args["last"].(*int)
		for arg, n := range map[string]*int{"first": first, "last": last} {
			if n != nil && (*n < 0 || *n > MaxPageSize) {
				return nil, badPageSize(arg)
			}
		}
		if first == nil && last == nil && fc.Field.Definition != nil && fc.Field.Definition.Arguments.ForName("first") != nil {
			n := MaxPageSize
			fc.Args["first"] = &n
		}
		if ids, ok := fc.Args["ids"].([]pulid.ID); ok && len(ids) > MaxPageSize {
			return nil, badPageSize("ids")
		}
	}
	return next(ctx)
}

// noteOperation records the operation's name for the request log line.
func noteOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if info := requestInfoFrom(ctx); info != nil {
		oc := graphql.GetOperationContext(ctx)
		if op := oc.Operation; op != nil {
			info.operation = op.Name
			if op.Name == "" {
				info.operation = "(anonymous " + string(op.Operation) + ")"
			}
		}
	}
	return next(ctx)
}
