package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"rapport/internal/apierr"
	"rapport/internal/archive"
)

// The media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport is GraphQL over HTTP (GET for queries, POST with a JSON
// body), written for Rapport instead of gqlgen's transports so that every
// request the server refuses gets a coded error and a 4xx status: gqlgen's
// answer uncoded errors, echo malformed bodies into messages and let the
// last of duplicate JSON keys win.
//
// Status codes follow the GraphQL-over-HTTP specification: a request that is
// not well-formed (body, method, media type) is a 4xx under either media
// type; one that fails to parse, validate or stay within the limits is 400
// under application/graphql-response+json and 200 under application/json,
// where clients read the errors as GraphQL errors. A response whose errors
// say the database is unavailable is a 503 with Retry-After.
type httpTransport struct {
	maxBody int64 // the largest JSON request: a multipart request's operations and map parts too
}

var _ graphql.Transport = httpTransport{}

// Supports takes every request, so that none falls through to gqlgen's
// uncoded "transport not supported": one asking for an upgrade (to
// WebSocket, h2c) is answered over plain HTTP, as the server serves no
// subscriptions.
func (httpTransport) Supports(*http.Request) bool { return true }

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := responseMedia(r)
	w.Header().Set("Content-Type", media)
	var params *graphql.RawParams
	var perr *httpError
	switch r.Method {
	case http.MethodOptions:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet:
		params, perr = getParams(r)
	case http.MethodPost:
		params, perr = postParams(r, t.maxBody)
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		perr = badRequest(http.StatusMethodNotAllowed, "method %s is not supported: send queries with GET or POST, mutations with POST", r.Method)
	}
	if perr != nil {
		writeResponse(w, perr.status, &graphql.Response{Errors: gqlerror.List{perr.gqlError()}})
		return
	}
	start := graphql.Now()
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		writeResponse(w, requestErrorStatus(media, resp), resp)
		return
	}
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		e := badRequest(http.StatusMethodNotAllowed, "a %s must be sent with POST", oc.Operation.Operation)
		writeResponse(w, e.status, &graphql.Response{Errors: gqlerror.List{e.gqlError()}})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil { // gqlgen's answer to a request whose context ended
		unanswered(w, ctx)
		return
	}
	writeResponse(w, responseStatus(w, media, resp), resp)
}

// responseMedia is application/graphql-response+json when the client
// accepts it, application/json otherwise.
func responseMedia(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == mediaGraphQLResponse {
			return mediaGraphQLResponse
		}
	}
	return mediaJSON
}

// requestErrorStatus is the status of a request gqlgen refused before
// executing it (parse, validation, variables, limits).
func requestErrorStatus(media string, resp *graphql.Response) int {
	if st := unavailableStatus(resp); st != 0 {
		return st
	}
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// responseStatus is the status of an executed operation: 503 (with
// Retry-After) when the database was unavailable; under
// application/graphql-response+json 400 when it produced no data at all
// because of the client's input (a malformed cursor, first with last);
// otherwise 200.
func responseStatus(w http.ResponseWriter, media string, resp *graphql.Response) int {
	if st := unavailableStatus(resp); st != 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		return st
	}
	if media == mediaGraphQLResponse && len(resp.Errors) > 0 && (len(resp.Data) == 0 || string(resp.Data) == "null") {
		for _, e := range resp.Errors {
			if e.Extensions["code"] != string(apierr.BadUserInput) {
				return http.StatusOK
			}
		}
		return http.StatusBadRequest
	}
	return http.StatusOK
}

func unavailableStatus(resp *graphql.Response) int {
	for _, e := range resp.Errors {
		if e.Extensions["reason"] == reasonUnavailable {
			return http.StatusServiceUnavailable
		}
	}
	return 0
}

func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response) {
	var body any = resp
	if resp.Data == nil {
		// A request refused before execution has no data entry at all
		// (gqlgen would write "data": null).
		body = struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions}
	}
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// httpError is a request refused before it reached GraphQL.
type httpError struct {
	status int
	msg    string
}

func badRequest(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

func (e *httpError) gqlError() *gqlerror.Error {
	return &gqlerror.Error{Message: e.msg, Extensions: map[string]any{"code": string(apierr.BadUserInput)}}
}

func getParams(r *http.Request) (*graphql.RawParams, *httpError) {
	q := r.URL.Query()
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for name, dst := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
		if s := q.Get(name); s != "" {
			m, err := decodeObject(json.RawMessage(s))
			if err != nil {
				return nil, badRequest(http.StatusBadRequest, "the %s parameter must be a JSON object", name)
			}
			*dst = m
		}
	}
	if p.Query == "" && !persisted(p) {
		return nil, badRequest(http.StatusBadRequest, "the query parameter is missing")
	}
	return p, nil
}

func postParams(r *http.Request, maxBody int64) (*graphql.RawParams, *httpError) {
	if isMultipart(r) {
		return multipartParams(r, maxBody)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaJSON {
		return nil, badRequest(http.StatusUnsupportedMediaType, "the body must be application/json (or multipart/form-data for an upload)")
	}
	body, err := io.ReadAll(r.Body) // read in full by withBody already
	if err != nil {
		return nil, badRequest(http.StatusBadRequest, "the body could not be read")
	}
	p, err := decodeParams(body)
	if err != nil {
		return nil, badRequest(http.StatusBadRequest, "%s", err.Error())
	}
	return p, nil
}

// withBody reads a request's whole body (at most maxBody bytes) before the
// request takes an execution slot, so that a slow or oversized upload is
// answered 408 or 413 and never holds a slot or a deadline meant for work.
// A multipart upload may be larger (MaxUploadBodyBytes) and takes one of
// uploadSlots while it is read; with none free it is answered 503. Only a
// request whose bearer token signedIn accepts may take one (it needs the
// headers alone), so that nobody can hold the slots without signing in.
func withBody(maxBody int64, uploadSlots chan struct{}, signedIn func(*http.Request) error, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		limit := maxBody
		if isMultipart(r) && r.Method == http.MethodPost {
			if err := signedIn(r); err != nil {
				w.Header().Set("Connection", "close") // the body is left unread
				unauthenticated(w, err.Error())
				return
			}
			select {
			case uploadSlots <- struct{}{}:
				defer func() { <-uploadSlots }()
			default:
				writeUnavailable(w, reasonOverloaded, fmt.Sprintf("%d uploads are under way; retry in %d seconds", cap(uploadSlots), retryAfterSeconds))
				return
			}
			limit = MaxUploadBodyBytes
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var tooLarge *http.MaxBytesError
		var netErr net.Error
		var e *httpError
		switch {
		case errors.As(err, &tooLarge):
			e = badRequest(http.StatusRequestEntityTooLarge, "the body is larger than %d bytes (a document is at most %d bytes)", tooLarge.Limit, archive.MaxBytes)
		case errors.As(err, &netErr) && netErr.Timeout():
			e = badRequest(http.StatusRequestTimeout, "the body did not arrive in time")
		case err != nil:
			e = badRequest(http.StatusBadRequest, "the body could not be read")
		}
		if e != nil {
			w.Header().Set("Content-Type", responseMedia(r))
			w.Header().Set("Connection", "close")
			writeResponse(w, e.status, &graphql.Response{Errors: gqlerror.List{e.gqlError()}})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// decodeParams reads a GraphQL-over-HTTP request body strictly: one JSON
// object, no key twice, query a non-empty string, operationName a string,
// variables and extensions objects. Unknown keys are ignored.
func decodeParams(body []byte) (*graphql.RawParams, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, errors.New("the body is not valid JSON")
	}
	switch tok {
	case json.Delim('{'):
	case json.Delim('['):
		return nil, errors.New("batched requests are not supported: send one operation per request")
	default:
		return nil, errors.New("the body must be a JSON object")
	}
	p := &graphql.RawParams{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errors.New("the body is not valid JSON")
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, fmt.Errorf("the key %q appears twice", clipString(key, 40))
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("the body is not valid JSON")
		}
		null := string(v) == "null"
		switch key {
		case "query":
			if json.Unmarshal(v, &p.Query) != nil {
				return nil, errors.New("query must be a string")
			}
		case "operationName":
			if !null && json.Unmarshal(v, &p.OperationName) != nil {
				return nil, errors.New("operationName must be a string")
			}
		case "variables", "extensions":
			if null {
				continue
			}
			m, err := decodeObject(v)
			if err != nil {
				return nil, fmt.Errorf("%s must be a JSON object", key)
			}
			if key == "variables" {
				p.Variables = m
			} else {
				p.Extensions = m
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, errors.New("the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the body holds more than one JSON value")
	}
	if strings.TrimSpace(p.Query) == "" && !persisted(p) {
		return nil, errors.New("query is missing")
	}
	return p, nil
}

// persisted reports a request that names its query by hash alone
// (automatic persisted queries: extensions.persistedQuery.sha256Hash).
func persisted(p *graphql.RawParams) bool {
	pq, ok := p.Extensions["persistedQuery"].(map[string]any)
	return ok && pq["sha256Hash"] != nil
}

func decodeObject(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("not an object")
	}
	return m, nil
}
