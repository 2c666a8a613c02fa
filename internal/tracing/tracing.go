// Package tracing exports OpenTelemetry traces by OTLP over HTTP when an
// endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT), and is off (no
// provider, no wrapper, no cost) otherwise: a span for each HTTP request
// (internal/api: named by route, linked to a caller's traceparent), each
// GraphQL operation and each SQL statement a request runs. Statements are recorded
// without their arguments, failures by their SQLSTATE, never their text.
package tracing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Setup starts exporting to endpoint, the OTLP/HTTP base URL (spans go to
// endpoint + "/v1/traces"), as service. The exporter's other standard
// variables (OTEL_EXPORTER_OTLP_HEADERS, …_TIMEOUT, …_COMPRESSION) and the
// sampler's (OTEL_TRACES_SAMPLER, default parent-based always-on) apply.
// The caller shuts the provider down, which sends what is left.
func Setup(ctx context.Context, endpoint, service, version string) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", service), attribute.String("service.version", version)))
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(2*time.Second)), sdktrace.WithResource(res))
	return tp, nil
}

// Scope is the instrumentation scope of Rapport's own spans.
const Scope = "rapport"

// maxStatement bounds the statement text a span keeps.
const maxStatement = 2000

// Driver returns drv with a span for every statement, and for a
// transaction's begin, commit and rollback, under the context's span (none
// without one).
func Driver(drv dialect.Driver, tp trace.TracerProvider) dialect.Driver {
	return &driver{Driver: drv, t: tp.Tracer(Scope), system: system(drv.Dialect())}
}

func system(d string) string {
	if d == dialect.Postgres {
		return "postgresql"
	}
	return d
}

type driver struct {
	dialect.Driver
	t      trace.Tracer
	system string
}

// start opens a statement's span under the context's. A statement outside
// any request (the rate limits' sync, the figures' refresh, the due counts'
// upkeep, every 100 ms to every few minutes) gets none: as traces of their
// own they would outnumber the requests'.
func start(ctx context.Context, t trace.Tracer, system, q string) (context.Context, trace.Span) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, trace.SpanFromContext(ctx) // a no-op span
	}
	op, _, _ := strings.Cut(strings.TrimSpace(q), " ")
	op = strings.ToUpper(op)
	if len(q) > maxStatement {
		q = q[:maxStatement]
	}
	return t.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("db.system", system), attribute.String("db.operation.name", op), attribute.String("db.query.text", q)))
}

// end closes a span with the statement's error, if any: its SQLSTATE, or
// its kind, never its message, which may quote an argument's value.
func end(span trace.Span, err error) {
	if err != nil {
		desc := "error"
		var pe *pq.Error
		switch {
		case errors.As(err, &pe):
			desc = "SQLSTATE " + string(pe.Code)
			span.SetAttributes(attribute.String("db.response.status_code", string(pe.Code)))
		case errors.Is(err, context.Canceled):
			desc = "cancelled"
		case errors.Is(err, context.DeadlineExceeded):
			desc = "deadline exceeded"
		}
		span.SetStatus(codes.Error, desc)
	}
	span.End()
}

func (d *driver) Exec(ctx context.Context, q string, args, v any) error {
	ctx, span := start(ctx, d.t, d.system, q)
	err := d.Driver.Exec(ctx, q, args, v)
	end(span, err)
	return err
}

func (d *driver) Query(ctx context.Context, q string, args, v any) error {
	ctx, span := start(ctx, d.t, d.system, q)
	err := d.Driver.Query(ctx, q, args, v)
	end(span, err)
	return err
}

// ExecContext and QueryContext serve ent's ExecContext and QueryContext
// (raw SQL), when the wrapped driver has them.
func (d *driver) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return execContext(ctx, d, d.Driver, q, args)
}

func (d *driver) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return queryContext(ctx, d, d.Driver, q, args)
}

// execContext runs ExecContext of under (a driver or a transaction) in a span.
func execContext(ctx context.Context, d *driver, under any, q string, args []any) (sql.Result, error) {
	ex, ok := under.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return nil, fmt.Errorf("%T does not support ExecContext", under)
	}
	ctx, span := start(ctx, d.t, d.system, q)
	r, err := ex.ExecContext(ctx, q, args...)
	end(span, err)
	return r, err
}

// queryContext runs QueryContext of under in a span, which covers the
// statement, not the reading of its rows.
func queryContext(ctx context.Context, d *driver, under any, q string, args []any) (*sql.Rows, error) {
	qr, ok := under.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	})
	if !ok {
		return nil, fmt.Errorf("%T does not support QueryContext", under)
	}
	ctx, span := start(ctx, d.t, d.system, q)
	rows, err := qr.QueryContext(ctx, q, args...)
	end(span, err)
	return rows, err
}

func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) {
	return d.BeginTx(ctx, nil)
}

func (d *driver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	_, span := start(ctx, d.t, d.system, "BEGIN")
	var tx dialect.Tx
	var err error
	if b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	}); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		tx, err = d.Driver.Tx(ctx)
	}
	end(span, err)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, d: d, ctx: ctx}, nil
}

// txn is a transaction whose statements, commit and rollback are spans.
type txn struct {
	dialect.Tx
	d   *driver
	ctx context.Context // the transaction's, for commit and rollback
}

func (t *txn) Exec(ctx context.Context, q string, args, v any) error {
	ctx, span := start(ctx, t.d.t, t.d.system, q)
	err := t.Tx.Exec(ctx, q, args, v)
	end(span, err)
	return err
}

func (t *txn) Query(ctx context.Context, q string, args, v any) error {
	ctx, span := start(ctx, t.d.t, t.d.system, q)
	err := t.Tx.Query(ctx, q, args, v)
	end(span, err)
	return err
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return execContext(ctx, t.d, t.Tx, q, args)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return queryContext(ctx, t.d, t.Tx, q, args)
}

func (t *txn) Commit() error {
	_, span := start(t.ctx, t.d.t, t.d.system, "COMMIT")
	err := t.Tx.Commit()
	end(span, err)
	return err
}

func (t *txn) Rollback() error {
	_, span := start(t.ctx, t.d.t, t.d.system, "ROLLBACK")
	err := t.Tx.Rollback()
	end(span, err)
	return err
}
