// Package api serves Rapport over HTTP: GraphQL at /graphql (behind JWT
// authentication), GraphiQL at /, liveness at /healthz and readiness at
// /readyz.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"go.opentelemetry.io/otel/trace"

	"rapport/ent"
	"rapport/graph"
	"rapport/internal/archive"
	"rapport/internal/auth"
	"rapport/internal/calfeed"
	"rapport/internal/graphiql"
	"rapport/internal/querycost"
	"rapport/internal/store"
	"rapport/internal/tracing"
)

// Config is what the handler needs.
type Config struct {
	Client   *ent.Client
	Verifier *auth.Verifier
	Logger   *slog.Logger
	// AllowedOrigins are the browser origins of the portal's frontends
	// ("https://portal.example.cn"), or "*" for any; none disables CORS.
	AllowedOrigins []string
	// RequestTimeout bounds a request, its database work included
	// (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// MaxInFlight bounds the requests executing at once (default
	// DefaultMaxInFlight).
	MaxInFlight int
	// PublicURL is the scheme and host clients reach the server under, for
	// the feed URLs it hands out; empty: taken from each request.
	PublicURL string
	// AuthCacheTTL is how long an instance trusts the organisations and
	// users it read while authenticating (default DefaultAuthCacheTTL).
	AuthCacheTTL time.Duration
	// Ready reports whether the instance may take traffic beyond the
	// database answering (the server: its schema is current); nil: it may.
	Ready func(context.Context) error
	// IntrospectionOff turns off introspection and "did you mean"
	// suggestions (RAPPORT_INTROSPECTION=false): a production portal's
	// frontend knows the schema.
	IntrospectionOff bool
	// Metrics records the GraphQL operations (nil: none); MetricsHere
	// serves them at /metrics of this handler (else the server serves
	// them on their own address).
	Metrics     *Metrics
	MetricsHere bool
	// Trusted, when set, is the only operations the server runs
	// (RAPPORT_TRUSTED_DOCUMENTS).
	Trusted *TrustedDocuments
	// RateLimiter, when set, bounds the requests of each user and each
	// organisation (NewRateLimiter).
	RateLimiter RateLimiter
	// QueryLimits bound each operation (zero: DefaultQueryLimits; set
	// fields replace the defaults').
	QueryLimits querycost.Limits
	// MaxBodyBytes bounds a request body other than an upload's (default
	// DefaultMaxBodyBytes); UploadsInFlight, the uploads read at once
	// (default DefaultUploadsInFlight); QueryCache, the parsed queries and
	// persisted-query hashes kept (default DefaultQueryCache), and
	// QueryCacheBytes the memory each of those caches may hold (default
	// DefaultQueryCacheBytes).
	MaxBodyBytes    int64
	UploadsInFlight int
	QueryCache      int
	QueryCacheBytes int
	// Tracing, when set, traces each request, operation and statement
	// (the server wraps the client's driver with tracing.Driver).
	Tracing trace.TracerProvider

	throttle *logThrottle
	auth     *authCache
}

// NewHandler returns the HTTP handler of the whole API.
func NewHandler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = slog.New(clipHandler{cfg.Logger.Handler()})
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight()
	}
	cfg.QueryLimits = withDefaults(cfg.QueryLimits, DefaultQueryLimits)
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.UploadsInFlight <= 0 {
		cfg.UploadsInFlight = DefaultUploadsInFlight
	}
	if cfg.QueryCache <= 0 {
		cfg.QueryCache = DefaultQueryCache
	}
	if cfg.QueryCacheBytes <= 0 {
		cfg.QueryCacheBytes = DefaultQueryCacheBytes
	}
	cfg.throttle = newLogThrottle(logEvery)
	cfg.auth = newAuthCache(cfg.AuthCacheTTL)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", graphiql.Page("Rapport", "/graphql"))
	mux.Handle("GET "+graphiql.Prefix, graphiql.Assets())
	// One set of execution slots for the routes that answer from the
	// database at once (GraphQL, calendar feeds); downloads have as many of
	// their own, as a slow reader holds one while its file is written.
	executing, downloading := make(chan struct{}, cfg.MaxInFlight), make(chan struct{}, cfg.MaxInFlight)
	gql := withBase(cfg.PublicURL, authenticate(cfg, limitRate(cfg, newGraphQLServer(cfg))))
	gql = answerInTime(cfg.RequestTimeout, &dbProbe{client: cfg.Client}, gql)
	mux.Handle("/graphql", withCORS(cfg.AllowedOrigins, withBody(cfg.MaxBodyBytes, make(chan struct{}, cfg.UploadsInFlight), cfg.signedIn, limitInFlight(executing, gql))))
	limited := func(h http.Handler) http.Handler { return limitRate(cfg, h) }
	mux.Handle("GET "+archive.Path+"{id}", limitInFlight(downloading, archive.Handler(cfg.Client, cfg.Logger,
		func(h http.Handler) http.Handler { return withBase(cfg.PublicURL, authenticate(cfg, limited(h))) }, limited)))
	if cfg.Metrics != nil && cfg.MetricsHere {
		mux.Handle("GET /metrics", cfg.Metrics.InstanceHandler()) // no organisation's figures on the API's address
	}
	mux.Handle("GET "+calfeed.Path, limitInFlight(executing, calfeed.Handler(cfg.Client, cfg.Logger, limited)))
	mux.Handle("GET "+calfeed.CulturePath, limitInFlight(executing, calfeed.CultureHandler(cfg.Client, cfg.Logger, limited)))
	// Liveness: the process answers (a Kubernetes livenessProbe; a database
	// outage must not restart every replica).
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	// Readiness: the database answers, within healthTimeout, and the
	// schema is current (a readinessProbe: traffic only to instances that
	// can serve it).
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		_, err := within(r.Context(), healthTimeout, func(ctx context.Context) (struct{}, error) {
			if err := ping(ctx, cfg.Client); err != nil || cfg.Ready == nil {
				return struct{}{}, err
			}
			return struct{}{}, cfg.Ready(ctx)
		})
		if err != nil {
			cfg.throttle.Error(r.Context(), cfg.Logger, "health check", "readiness check failed", "err", err)
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
			if errors.Is(err, store.ErrSchemaBehind) {
				http.Error(w, "the database schema is behind this release: run `server migrate`", http.StatusServiceUnavailable)
				return
			}
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	h := withRequestLog(cfg.Logger, withSecurityHeaders(mux))
	if cfg.Tracing != nil {
		h = withTracing(cfg.Tracing, h)
	}
	return h
}

// signedIn checks a request's bearer token, as authenticate does before
// any database work.
func (cfg Config) signedIn(r *http.Request) error {
	_, err := cfg.claims(r)
	return err
}

// withBase records the public base URL of the request for the resolvers,
// and lets the request read each signing secret once (store.WithSecrets).
func withBase(configured string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := store.WithSecrets(calfeed.WithBase(r.Context(), calfeed.BaseOf(r, configured)))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withSecurityHeaders sets what every response needs: no MIME sniffing, no
// caching of API answers (they depend on the bearer), and no framing.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.URL.Path == "/" || strings.HasPrefix(r.URL.Path, graphiql.Prefix) {
			// GraphiQL: its page and assets, all from this server.
			h.Set("Content-Security-Policy", graphiql.ContentSecurityPolicy)
		} else {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			h.Set("Cache-Control", "no-store")
		}
		if r.URL.Path == "/graphql" {
			// Every answer of /graphql is JSON (a handler may say which JSON).
			h.Set("Content-Type", "application/json")
		}
		next.ServeHTTP(w, r)
	})
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
	srv.AddTransport(httpTransport{maxBody: cfg.MaxBodyBytes})
	cache := newDocumentCache(cfg.QueryCache, cfg.QueryCacheBytes)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(cfg.QueryLimits.MaxTokens)
	if !cfg.IntrospectionOff {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	// Automatic persisted queries: a client sends a query's hash alone; an
	// instance that does not know it answers PERSISTED_QUERY_NOT_FOUND and
	// the client sends the query with its hash once (per instance).
	srv.Use(extension.AutomaticPersistedQuery{Cache: newTextCache(cfg.QueryCache, cfg.QueryCacheBytes)})
	if cfg.Trusted != nil {
		srv.Use(trustedOnly{cfg.Trusted})
	}
	srv.Use(costLimit{cache: cache, limits: cfg.QueryLimits})
	if cfg.Metrics != nil {
		srv.Use(observer{cfg.Metrics})
	}
	present := presentError(cfg.Logger, cfg.throttle)
	if cfg.Tracing != nil { // before (outside) the transactioner: the operation's span holds its transaction
		srv.Use(operationSpans{cfg.Tracing.Tracer(tracing.Scope)})
	}
	srv.Use(transactioner{client: cfg.Client, present: present})
	srv.AroundOperations(noteOperation)
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(recoverPanic(cfg.Logger))
	return srv
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

// withDefaults is l with each zero field taken from d.
func withDefaults(l, d querycost.Limits) querycost.Limits {
	for _, f := range []struct {
		v *int
		d int
	}{
		{&l.MaxTokens, d.MaxTokens}, {&l.MaxFields, d.MaxFields}, {&l.MaxDepth, d.MaxDepth}, {&l.MaxCost, d.MaxCost}, {&l.MaxReads, d.MaxReads},
		{&l.DefaultPage, d.DefaultPage}, {&l.StatementCost, d.StatementCost}, {&l.MaxInputDepth, d.MaxInputDepth},
		{&l.MaxInputItems, d.MaxInputItems}, {&l.MaxInputString, d.MaxInputString},
	} {
		if *f.v <= 0 {
			*f.v = f.d
		}
	}
	return l
}
