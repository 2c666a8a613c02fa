package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"

	"rapport/ent"
	"rapport/ent/privacy"
	"rapport/internal/api"
	"rapport/internal/auth"
	"rapport/internal/figures"
	"rapport/internal/store"
	"rapport/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

var testSecret = []byte("test-secret-that-is-long-enough-for-hs256!")

// env is a running Rapport server on one database.
type env struct {
	t      *testing.T
	url    string
	client *ent.Client // direct access for assertions (use sys(ctx))
	stmts  *atomic.Int64
	// figures are the business figures /metrics reports; set figures.Now
	// to move their clock.
	figures *figures.Collector
	metrics *api.Metrics   // all of them, as RAPPORT_METRICS_ADDR serves them
	driver  dialect.Driver // the client's, for SQL written straight (bulk data)
}

// backends runs f once on SQLite and once on PostgreSQL.
func backends(t *testing.T, f func(t *testing.T, e *env)) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, newEnv(t, b.URL(t), auth.Config{Secret: testSecret}))
		})
	}
}

func newEnv(t *testing.T, dbURL string, ac auth.Config) *env {
	return newEnvWith(t, dbURL, ac, envOptions{})
}

// envOptions change how a test server runs.
type envOptions struct {
	logs            io.Writer     // where the server logs (default: nowhere, or stderr with -v)
	readTimeout     time.Duration // the HTTP server's ReadTimeout (default none)
	authTTL         time.Duration // the authentication cache's TTL (default api.DefaultAuthCacheTTL)
	ready           func(context.Context) error
	noIntrospection bool
	trusted         *api.TrustedDocuments
	// pooler is the URL of dbURL's database through a transaction-mode
	// PgBouncer: the instance migrates on dbURL, then serves through it.
	pooler string
	// maxInFlight is api.Config.MaxInFlight (default: the API's).
	maxInFlight int
	// rateLimits turns rate limiting on (default off); rateSync is how
	// often instances share their counts (default api.DefaultRateSync).
	rateLimits api.RateLimits
	rateSync   time.Duration
}

func newEnvWith(t *testing.T, dbURL string, ac auth.Config, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	drv, err := store.Driver(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, drv); err != nil {
		t.Fatal(err)
	}
	dia := drv.Dialect()
	var served dialect.Driver = store.Cached(drv, store.DefaultStatementCache)
	if o.pooler != "" {
		drv.Close()
		if served, err = store.PooledDriver(o.pooler); err != nil {
			t.Fatal(err)
		}
	}
	n := new(atomic.Int64)
	counted := &countingDriver{Driver: served, n: n}
	client := ent.NewClient(ent.Driver(counted))
	t.Cleanup(func() { client.Close() })
	verifier, err := auth.NewVerifier(ctx, ac)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	switch {
	case o.logs != nil:
		log = slog.New(slog.NewTextHandler(o.logs, nil))
	case testing.Verbose():
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	fig := figures.New(client, 0, log)
	limiter := api.NewRateLimiter(t.Context(), client, dia, o.rateLimits, o.rateSync, log)
	metrics := api.NewMetrics(nil, fig)
	h := api.NewHandler(api.Config{Client: client, Verifier: verifier, Logger: log, AuthCacheTTL: o.authTTL,
		Ready: o.ready, IntrospectionOff: o.noIntrospection, Metrics: metrics, MetricsHere: true, Trusted: o.trusted, MaxInFlight: o.maxInFlight, RateLimiter: limiter})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout = o.readTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL, client: client, stmts: n, figures: fig, metrics: metrics, driver: counted}
}

func sys(ctx context.Context) context.Context { return privacy.DecisionContext(ctx, privacy.Allow) }

// org creates an organisation directly in the database.
func (e *env) org(slug string) *ent.Organization {
	e.t.Helper()
	o, err := e.client.Organization.Create().SetSlug(slug).SetName(slug + " Ltd").Save(sys(context.Background()))
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// token signs a token for subject in org with roles.
func token(t *testing.T, org, sub string, roles ...auth.Role) string {
	t.Helper()
	tok, err := auth.Issue(testSecret, auth.Claims{Subject: sub, Org: org, Roles: roles, Name: sub + " name"}, "", "", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// user is a caller with a token.
type user struct {
	e     *env
	token string
	id    string // the user's node ID, after first contact
}

func (e *env) as(org, sub string, roles ...auth.Role) *user {
	e.t.Helper()
	u := &user{e: e, token: token(e.t, org, sub, roles...)}
	r := u.do(`{ viewer { id } }`, nil)
	r.ok(e.t)
	u.id = r.str(e.t, "viewer.id")
	return u
}

// gqlError is one error of a response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// result is a GraphQL response.
type result struct {
	Status int
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
}

func (u *user) do(query string, vars map[string]any) *result {
	return u.e.post(u.token, query, vars)
}

// op sends the named operation of a contract file (schema/contract), as
// the portal's frontend does.
func (u *user) op(file, name string, vars map[string]any) *result {
	u.e.t.Helper()
	return u.e.send(u.token, map[string]any{"query": contractQuery(u.e.t, file, name), "operationName": name, "variables": vars})
}

// contractQuery is the named operation of a contract file (with its
// fragments): a file may also hold operations whose capability has not
// landed yet.
func contractQuery(t *testing.T, file, name string) string {
	t.Helper()
	src, err := os.ReadFile("../../schema/contract/" + file)
	if err != nil {
		t.Fatal(err)
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: string(src)})
	if perr != nil || doc.Operations.ForName(name) == nil {
		t.Fatalf("%s has no operation %s (%v)", file, name, perr)
	}
	doc.Operations = ast.OperationList{doc.Operations.ForName(name)}
	var b strings.Builder
	formatter.NewFormatter(&b).FormatQueryDocument(doc)
	return b.String()
}

func (e *env) post(token, query string, vars map[string]any) *result {
	e.t.Helper()
	return e.send(token, map[string]any{"query": query, "variables": vars})
}

func (e *env) send(token string, payload map[string]any) *result {
	e.t.Helper()
	body, _ := json.Marshal(payload)
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &result{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, r); err != nil {
		e.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	return r
}

func (r *result) ok(t *testing.T) *result {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("unexpected errors (HTTP %d): %+v", r.Status, r.Errors)
	}
	return r
}

// code asserts the response failed with the given extensions.code.
func (r *result) code(t *testing.T, want string) *result {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("expected %s, got data %v", want, r.Data)
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != want {
			t.Fatalf("expected code %s, got %+v", want, r.Errors)
		}
	}
	return r
}

// get walks a dotted path (numbers index lists) through the data.
func (r *result) get(t *testing.T, path string) any {
	t.Helper()
	var cur any = r.Data
	for _, p := range splitPath(path) {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p.key]
		case []any:
			if p.idx < 0 || p.idx >= len(c) {
				t.Fatalf("%s: index %d out of %d", path, p.idx, len(c))
			}
			cur = c[p.idx]
		default:
			t.Fatalf("%s: cannot descend into %T at %q (data %v)", path, cur, p.key, r.Data)
		}
	}
	return cur
}

func (r *result) str(t *testing.T, path string) string {
	t.Helper()
	s, ok := r.get(t, path).(string)
	if !ok {
		t.Fatalf("%s is %v, not a string", path, r.get(t, path))
	}
	return s
}

func (r *result) num(t *testing.T, path string) int {
	t.Helper()
	f, ok := r.get(t, path).(float64)
	if !ok {
		t.Fatalf("%s is %v, not a number", path, r.get(t, path))
	}
	return int(f)
}

func (r *result) list(t *testing.T, path string) []any {
	t.Helper()
	l, ok := r.get(t, path).([]any)
	if !ok && r.get(t, path) != nil {
		t.Fatalf("%s is %v, not a list", path, r.get(t, path))
	}
	return l
}

type pathElem struct {
	key string
	idx int
}

func splitPath(p string) []pathElem {
	var out []pathElem
	for _, s := range bytes.Split([]byte(p), []byte(".")) {
		n, isNum := 0, len(s) > 0
		for _, c := range s {
			if c < '0' || c > '9' {
				isNum = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if isNum {
			out = append(out, pathElem{idx: n})
		} else {
			out = append(out, pathElem{key: string(s), idx: -1})
		}
	}
	return out
}

// countingDriver counts the SQL statements sent to the database and keeps
// the text of the last few queries.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

// lastQueries holds the most recent queries of every test env (tests that
// read it run their env alone).
var lastQueries struct {
	sync.Mutex
	q []string
}

func recordQuery(q string) {
	lastQueries.Lock()
	defer lastQueries.Unlock()
	lastQueries.q = append(lastQueries.q, q)
	if len(lastQueries.q) > 50 {
		lastQueries.q = lastQueries.q[1:]
	}
}

func (d *countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d *countingDriver) Query(ctx context.Context, q string, args, v any) error {
	d.n.Add(1)
	recordQuery(q)
	return d.Driver.Query(ctx, q, args, v)
}

func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	return &countingTx{Tx: tx, n: d.n}, err
}

func (d *countingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	tx, err := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	}).BeginTx(ctx, opts)
	return &countingTx{Tx: tx, n: d.n}, err
}

func (d *countingDriver) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	d.n.Add(1)
	return d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}).QueryContext(ctx, q, args...)
}

type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t *countingTx) Exec(ctx context.Context, q string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *countingTx) Query(ctx context.Context, q string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, q, args, v)
}

func testdbSQLite(t *testing.T) string { return testdb.SQLiteURL(t) }

// sqliteEnv is a server on a fresh SQLite database with the test secret.
func sqliteEnv(t *testing.T) *env {
	return newEnv(t, testdbSQLite(t), auth.Config{Secret: testSecret})
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
