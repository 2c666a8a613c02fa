package api

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Metrics are the instance's Prometheus metrics: GraphQL requests by
// operation type and outcome, requests executing, the database pool, the
// Go runtime and the process. Labels take a few known values only (never a
// client's operation name), so no series can grow without bound.
type Metrics struct {
	registry *prometheus.Registry // the instance's
	private  *prometheus.Registry // the extra collectors': every organisation's figures
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewMetrics registers the metrics; db (may be nil) is the pool to report,
// and extra are more collectors (the business figures), served by Handler
// only.
func NewMetrics(db *sql.DB, extra ...prometheus.Collector) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		private:  prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rapport_graphql_request_duration_seconds",
			Help:    "GraphQL operations by type (query, mutation, invalid) and outcome (OK, or the first error's extensions.code).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15},
		}, []string{"operation", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_graphql_in_flight",
			Help: "GraphQL operations executing now.",
		}),
	}
	m.registry.MustRegister(m.duration, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, "rapport"))
	}
	m.private.MustRegister(extra...)
	return m
}

// Handler serves every metric in the Prometheus text format, the business
// figures of every organisation included: for the metrics address
// (RAPPORT_METRICS_ADDR), which only the operators' Prometheus reaches.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(prometheus.Gatherers{m.registry, m.private}, promhttp.HandlerOpts{})
}

// InstanceHandler serves the instance's metrics only (requests, the pool,
// the runtime): for /metrics on the API's own address, which anyone who
// reaches the API reaches, so no organisation's figures.
func (m *Metrics) InstanceHandler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// codes are the outcome labels; any other code counts as INTERNAL.
var codes = map[string]bool{"OK": true, "UNAUTHENTICATED": true, "FORBIDDEN": true, "BAD_USER_INPUT": true,
	"NOT_FOUND": true, "CONFLICT": true, "INTERNAL": true, "GRAPHQL_VALIDATION_FAILED": true, "GRAPHQL_PARSE_FAILED": true,
	"PERSISTED_QUERY_NOT_FOUND": true} // the normal first sight of a hash, not a failure

// observer is the gqlgen extension that records each operation.
type observer struct{ m *Metrics }

var (
	_ graphql.HandlerExtension    = observer{}
	_ graphql.ResponseInterceptor = observer{}
)

func (observer) ExtensionName() string                   { return "Metrics" }
func (observer) Validate(graphql.ExecutableSchema) error { return nil }

func (o observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	o.m.inFlight.Inc()
	defer o.m.inFlight.Dec()
	start := time.Now()
	op := "invalid"
	if oc := graphql.GetOperationContext(ctx); oc != nil {
		if !oc.Stats.OperationStart.IsZero() {
			start = oc.Stats.OperationStart
		}
		if oc.Operation != nil {
			op = string(oc.Operation.Operation)
		}
	}
	resp := next(ctx)
	code := "OK"
	if resp != nil && len(resp.Errors) > 0 {
		code = codeOf(resp.Errors[0])
	}
	o.m.duration.WithLabelValues(op, code).Observe(time.Since(start).Seconds())
	return resp
}

func codeOf(e *gqlerror.Error) string {
	c, _ := e.Extensions["code"].(string)
	if !codes[c] {
		return "INTERNAL"
	}
	return c
}
