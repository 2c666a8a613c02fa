package api

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
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

// withTracing opens a span for each HTTP request ("POST /graphql"),
// continuing the caller's trace when the request carries a traceparent.
func withTracing(tp trace.TracerProvider, next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "rapport", otelhttp.WithTracerProvider(tp),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method + " " + r.URL.Path
		}))
}
