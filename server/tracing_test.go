package main

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// A collector's OTLP/HTTP endpoint, in the test: it keeps every span sent.
type collectorStub struct {
	mu    sync.Mutex
	spans []*tracepb.Span
	res   []string // service.name of each batch
}

func (c *collectorStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req collector.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "not an OTLP/HTTP protobuf export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, a := range rs.Resource.GetAttributes() {
			if a.Key == "service.name" {
				c.res = append(c.res, a.Value.GetStringValue())
			}
		}
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&collector.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// With OTEL_EXPORTER_OTLP_ENDPOINT the server exports, by OTLP over HTTP,
// a span for the HTTP request named by its route (a trace of its own,
// linked to the caller's traceparent: a public endpoint), one for the
// GraphQL operation under it, and one per SQL statement under that (their
// text, never their arguments); a mutation's BEGIN and COMMIT too. A
// calendar feed's token, in its path, appears nowhere.
func TestTracing(t *testing.T) {
	stub := &collectorStub{}
	otlp := httptest.NewServer(stub)
	defer otlp.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &syncBuffer{}
	go func() {
		done <- run(ctx, nil, env("DATABASE_URL", "file:"+dir+"/rapport.db", "RAPPORT_ADDR", "127.0.0.1:0", "RAPPORT_DEMO", "false",
			"OTEL_EXPORTER_OTLP_ENDPOINT", otlp.URL, "OTEL_SERVICE_NAME", "rapport-test"), out)
	}()
	var endpoint string
	for deadline := time.Now().Add(30 * time.Second); endpoint == ""; time.Sleep(20 * time.Millisecond) {
		if m := endpointRE.FindStringSubmatch(out.String()); m != nil {
			endpoint = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", out)
		}
	}
	tok := orgAndToken(t, "file:"+dir+"/rapport.db")
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	post := func(q string) {
		req, _ := http.NewRequest(http.MethodPost, endpoint+"/graphql", strings.NewReader(`{"query":`+q+`}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(string(body), `"errors"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	post(`"mutation NewAccount { createAccount(input: {name: \"Traced 追踪\", tier: A}) { id } }"`)
	post(`"query Mine { accounts(first: 5, where: {nameContains: \"Traced\"}) { totalCount edges { node { name contacts { name } } } } }"`)
	if resp, err := http.Get(endpoint + "/calendar/agenda/feedtoken.ics"); err == nil {
		resp.Body.Close()
	}
	cancel() // the server sends what is left as it stops
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	stub.mu.Lock()
	defer stub.mu.Unlock()
	byID := map[string]*tracepb.Span{}
	for _, s := range stub.spans {
		byID[hex.EncodeToString(s.SpanId)] = s
	}
	parent := func(s *tracepb.Span) *tracepb.Span { return byID[hex.EncodeToString(s.ParentSpanId)] }
	find := func(name string) *tracepb.Span {
		for _, s := range stub.spans {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no span %q among %d: %v", name, len(stub.spans), names(stub.spans))
		return nil
	}
	for _, op := range []string{"mutation NewAccount", "query Mine"} {
		s := find(op)
		p := parent(s)
		if p == nil || p.Name != "POST /graphql" {
			t.Fatalf("%s's parent: %v", op, p)
		}
		if hex.EncodeToString(p.TraceId) == traceID || len(p.Links) != 1 || hex.EncodeToString(p.Links[0].TraceId) != traceID {
			t.Errorf("%s: the request's span continues the caller's trace, or does not link to it: %v", op, p)
		}
	}
	find("GET /calendar/agenda/{token}")
	for _, s := range stub.spans {
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.GetStringValue(), "feedtoken") {
				t.Errorf("span %s holds the feed's token: %s=%s", s.Name, a.Key, a.Value.GetStringValue())
			}
		}
	}

	for _, s := range stub.spans {
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT && len(s.ParentSpanId) == 0 {
			t.Errorf("a statement outside any request is a trace of its own: %s", s.Attributes)
		}
	}

	under := map[string][]string{}
	for _, s := range stub.spans {
		if p := parent(s); p != nil && strings.HasPrefix(p.Name, "mutation ") || p != nil && strings.HasPrefix(p.Name, "query ") {
			under[p.Name] = append(under[p.Name], s.Name)
			for _, a := range s.Attributes {
				if a.Key == "db.query.text" && strings.Contains(a.Value.GetStringValue(), "Traced") {
					t.Errorf("a statement's span holds an argument: %s", a.Value.GetStringValue())
				}
			}
		}
	}
	if m := strings.Join(under["mutation NewAccount"], " "); !strings.Contains(m, "BEGIN") || !strings.Contains(m, "INSERT") || !strings.Contains(m, "COMMIT") {
		t.Errorf("under the mutation: %s", m)
	}
	if q := under["query Mine"]; len(q) < 2 || q[0] != "SELECT" {
		t.Errorf("under the query: %v", q)
	}
	if len(stub.res) == 0 || stub.res[0] != "rapport-test" {
		t.Errorf("service.name: %v", stub.res)
	}
}

func names(spans []*tracepb.Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
