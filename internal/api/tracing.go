package api

import (
	"context"
	"net/http"
	"rapport/internal/archive"
	"rapport/internal/calfeed"
	"rapport/internal/graphiql"
	"rapport/internal/tracing"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// operationSpans is the gqlgen extension that opens a span for each
// GraphQL operation ("query Accounts"), around its transaction, so that its
// statements' spans (tracing.Driver) are its children. The operation name
// is the client's: span names may take it, metric labels never do.
type operationSpans struct{ t trace.Tracer }

var (
	_ graphql.HandlerExtension    = operationSpans{}
	_ graphql.ResponseInterceptor = operationSpans{}
)

func (operationSpans) ExtensionName() string                   { return "Tracing" }
func (operationSpans) Validate(graphql.ExecutableSchema) error { return nil }

// maxSpanName bounds the operation name a span takes.
const maxSpanName = 100

func (o operationSpans) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	kind, name := "invalid", ""
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
		kind, name = string(oc.Operation.Operation), oc.Operation.Name
	}
	if len(name) > maxSpanName {
		name = name[:maxSpanName]
	}
	spanName := kind
	if name != "" {
		spanName += " " + name
	}
	ctx, span := o.t.Start(ctx, spanName, trace.WithAttributes(
		attribute.String("graphql.operation.type", kind), attribute.String("graphql.operation.name", name)))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		code := codeOf(resp.Errors[0])
		span.SetAttributes(attribute.String("rapport.error.code", code))
		if code == "INTERNAL" {
			span.SetStatus(otelcodes.Error, resp.Errors[0].Message)
		}
	}
	return resp
}

// withTracing opens a span for each HTTP request, named by its route
// ("POST /graphql", "GET /documents/{id}"), never by its path: paths hold
// secrets (a calendar feed's token) and would make names without bound.
// The API is a public endpoint: a caller's traceparent does not make the
// request part of the caller's trace, nor decide its sampling (which would
// let any client have every request traced); the span starts a trace of
// its own, linked to the caller's.
func withTracing(tp trace.TracerProvider, next http.Handler) http.Handler {
	t := tp.Tracer(tracing.Scope)
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, method := routeOf(r), methodOf(r)
		opts := []trace.SpanStartOption{trace.WithNewRoot(), trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", method), attribute.String("http.route", route))}
		if remote := trace.SpanContextFromContext(prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))); remote.IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: remote}))
		}
		ctx, span := t.Start(r.Context(), method+" "+route, opts...)
		defer span.End()
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", sw.status))
		if sw.status >= 500 {
			span.SetStatus(otelcodes.Error, http.StatusText(sw.status))
		}
	})
}

// routeOf is the route a request takes, from a closed set.
func routeOf(r *http.Request) string {
	p := r.URL.Path
	switch {
	case p == "/graphql", p == "/", p == "/healthz", p == "/readyz", p == "/metrics":
		return p
	case strings.HasPrefix(p, archive.Path):
		return archive.Path + "{id}"
	case strings.HasPrefix(p, calfeed.Path):
		return calfeed.Path + "{token}"
	case strings.HasPrefix(p, calfeed.CulturePath):
		return calfeed.CulturePath + "{token}"
	case strings.HasPrefix(p, graphiql.Prefix):
		return graphiql.Prefix + "{asset}"
	}
	return "other"
}

// methodOf is the request's method, from a closed set: a client may send
// any token as its method ("_OTHER" then, as OpenTelemetry's conventions
// name it).
func methodOf(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return r.Method
	}
	return "_OTHER"
}
