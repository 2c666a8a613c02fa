package api_test

// Hardening (issue #9): every attack a signed-in user could send is refused
// quickly with a coded error, and every client mistake is a coded 4xx.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/auditevent"
	"rapport/ent/organization"
	"rapport/internal/api"
	"rapport/internal/auth"
	"rapport/internal/pulid"
	"rapport/internal/store"
	"rapport/internal/testdb"
	"rapport/internal/viewer"
)

// raw is an HTTP exchange at the byte level.
type raw struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

// rawPost sends body with the given content type (none when empty) and
// headers as "Name: value" pairs.
func (e *env) raw(method, path, contentType string, body io.Reader, headers ...string) *raw {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &raw{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(start)}
}

// coded asserts a GraphQL error response with the given status and code.
func (r *raw) coded(t *testing.T, status int, code string) map[string]any {
	t.Helper()
	var resp struct {
		Errors []gqlError `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &resp); err != nil || len(resp.Errors) == 0 {
		t.Fatalf("HTTP %d: not a GraphQL error response: %.300s", r.status, r.body)
	}
	if r.status != status || resp.Errors[0].Extensions["code"] != code {
		t.Fatalf("want HTTP %d %s, got HTTP %d: %.300s", status, code, r.status, r.body)
	}
	return resp.Errors[0].Extensions
}

const gqlResponse = "application/graphql-response+json"

func bearer(tok string) string { return "Authorization: Bearer " + tok }

// nest wraps inner in n levels of open{ … } (closing the braces).
func nest(open, inner string, n int) string {
	return strings.Repeat(open+" { ", n) + inner + strings.Repeat(" }", n)
}

func TestExpensiveQueriesAreRefused(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "emp", auth.RoleEmployee)
	aliases := make([]string, 999)
	for i := range aliases {
		aliases[i] = fmt.Sprintf("a%d: accounts(first: 500) { edges { node { id } } }", i)
	}
	attacks := []struct{ name, query string }{
		{"reports cycle", "{ users(first: 500) { edges { node { " + nest("manager { reports { edges { node", "id", 5) + strings.Repeat(" } } }", 5) + " } } } }"},
		{"contacts cycle", "{ accounts(first: 500) { edges { node { " + nest("contacts { account", "id", 8) + strings.Repeat(" }", 8) + " } } } }"},
		{"999 aliases", "{ " + strings.Join(aliases, " ") + " }"},
		{"5,000 __typename", "{ " + strings.Repeat("__typename ", 5000) + "}"},
		{"50,000 __typename", "{ " + strings.Repeat("__typename ", 50000) + "}"},
		{"deep selection", "{ " + nest("viewer { manager", "id", 30) + strings.Repeat(" }", 30) + " }"},
		{"fragment fan-out", "query { ...F0 } " + fanOut(24)},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			body := jsonOf(map[string]any{"query": a.query})
			r := e.raw("POST", "/graphql", "application/json", strings.NewReader(body), bearer(tok), "Accept: "+gqlResponse)
			r.coded(t, http.StatusBadRequest, "BAD_USER_INPUT")
			if r.took > time.Second {
				t.Fatalf("refused after %v", r.took)
			}
		})
	}
	// What the portal sends still passes.
	e.post(tok, `{ accounts(first: 500) { totalCount edges { node { id name owner { id name } contacts { id name isDecisionMaker } } } } }`, nil).ok(t)
}

// fanOut defines fragments F0…Fn where each spreads the next twice: a small
// document that names 2^n fields.
func fanOut(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Query { a: viewer { id } ...F%d ...F%d } ", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { viewer { id } }", n)
	return b.String()
}

func TestHugeClaimsAre401Quickly(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	for _, c := range []struct {
		name   string
		claims auth.Claims
	}{
		{"100k name", auth.Claims{Subject: "u", Org: "acme", Roles: []auth.Role{auth.RoleEmployee}, Name: strings.Repeat("名", 100_000)}},
		{"100k sub", auth.Claims{Subject: strings.Repeat("s", 100_000), Org: "acme", Roles: []auth.Role{auth.RoleEmployee}}},
		{"sub over 255", auth.Claims{Subject: strings.Repeat("s", 256), Org: "acme", Roles: []auth.Role{auth.RoleEmployee}}},
		{"sub with NUL", auth.Claims{Subject: "a\x00b", Org: "acme", Roles: []auth.Role{auth.RoleEmployee}}},
		{"sub with control", auth.Claims{Subject: "a\x07b", Org: "acme", Roles: []auth.Role{auth.RoleEmployee}}},
		{"name with control", auth.Claims{Subject: "u2", Org: "acme", Roles: []auth.Role{auth.RoleEmployee}, Name: "a\x1bb"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := signed(t, c.claims)
			r := e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(tok))
			r.coded(t, http.StatusUnauthorized, "UNAUTHENTICATED")
			if r.took > time.Second {
				t.Fatalf("took %v", r.took)
			}
		})
	}
}

// signed signs claims as they are, without the checks auth.Issue makes.
func signed(t *testing.T, c auth.Claims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": c.Subject, "org": c.Org, "roles": c.Roles, "name": c.Name, "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTimesOutsideYears1To9999(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)
		for _, ts := range []string{"9999-12-31T23:30:00-10:00", "0001-01-01T00:30:00+01:00", "10000-01-01T00:00:00Z"} {
			am.do(createAccount, map[string]any{"input": map[string]any{"name": "p", "contractSignedAt": ts}}).code(t, "BAD_USER_INPUT")
		}
		am.do(createAccount, map[string]any{"input": map[string]any{"name": "p", "contractSignedAt": "9999-12-31T13:30:00-10:00"}}).ok(t)
		am.do(`{ accounts { edges { node { contractSignedAt } } } }`, nil).ok(t)
	})
}

// A tenant's failed update must not hold a lock on another tenant's row
// (PostgreSQL; SQLite serialises all writers anyway).
func TestNoCrossTenantRowLocks(t *testing.T) {
	e := newEnv(t, testdb.PostgresURL(t), auth.Config{Secret: testSecret})
	w := newWorld(t, e)
	ctx := context.Background()
	glob, err := e.client.Organization.Query().Where(organization.Slug("globex")).Only(sys(ctx))
	if err != nil {
		t.Fatal(err)
	}
	attacker := viewer.NewContext(ctx, &viewer.Viewer{UserID: pulid.ID(w.gadmin.id), OrgID: glob.ID, Roles: []auth.Role{auth.RoleAdmin}, Location: time.UTC})
	tx, err := e.client.Tx(attacker)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.Account.UpdateOneID(pulid.ID(w.a1)).SetName("x").Save(attacker); !ent.IsNotFound(err) {
		t.Fatalf("another tenant's update: %v", err)
	}
	done := make(chan *result, 1)
	go func() {
		done <- w.am1.do(`mutation($id: ID!) { updateAccount(id: $id, input: {name: "mine"}) { id } }`, map[string]any{"id": w.a1})
	}()
	select {
	case r := <-done:
		r.ok(t)
	case <-time.After(3 * time.Second):
		t.Fatal("the owner's update waits for another tenant's transaction")
	}
}

func TestClientMistakesAreCoded4xx(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "am", auth.RoleAccountManager)
	cursor := base64.StdEncoding.EncodeToString([]byte{0x81, 0xa1, 'i', 0x81, 0xa1, 'x', 0x01}) // msgpack {"i": {"x": 1}}
	deepWhere := strings.Repeat(`{"not": `, 200) + `{"name": "x"}` + strings.Repeat("}", 200)
	var ors []string
	for range 5000 {
		ors = append(ors, `{"nameContains": "x"}`)
	}
	wideWhere := `{"or": [` + strings.Join(ors, ",") + `]}`
	post := func(ct, body string, extra ...string) *raw {
		return e.raw("POST", "/graphql", ct, strings.NewReader(body), append([]string{bearer(tok), "Accept: " + gqlResponse}, extra...)...)
	}
	for _, c := range []struct {
		name   string
		do     func() *raw
		status int
	}{
		{"first with last", func() *raw {
			return post("application/json", `{"query":"{ accounts(first: 1, last: 1) { totalCount } }"}`)
		}, 400},
		{"batched array", func() *raw { return post("application/json", `[{"query":"{ viewer { id } }"}]`) }, 400},
		{"malformed JSON", func() *raw { return post("application/json", `{"query": "{ viewer { id } }"`) }, 400},
		{"variables as a string", func() *raw { return post("application/json", `{"query":"{ viewer { id } }","variables":"{}"}`) }, 400},
		{"query as a number", func() *raw { return post("application/json", `{"query": 12}`) }, 400},
		{"no query", func() *raw { return post("application/json", `{}`) }, 400},
		{"duplicate keys", func() *raw {
			return post("application/json", `{"query":"{ viewer { id } }","query":"mutation { createAccount(input: {name: \"dup\"}) { id } }"}`)
		}, 400},
		{"body over 1 MiB", func() *raw {
			return post("application/json", `{"query":"{ viewer { id } }","variables":{"x":"`+strings.Repeat("x", 1<<20)+`"}}`)
		}, 413},
		{"cursor holding a map", func() *raw {
			return post("application/json", jsonOf(map[string]any{"query": `query($c: Cursor) { accounts(after: $c) { totalCount } }`, "variables": map[string]any{"c": cursor}}))
		}, 400},
		{"where too deep", func() *raw {
			return post("application/json", `{"query":"query($w: AccountWhereInput) { accounts(where: $w) { totalCount } }","variables":{"w":`+deepWhere+`}}`)
		}, 400},
		{"where too wide", func() *raw {
			return post("application/json", `{"query":"query($w: AccountWhereInput) { accounts(where: $w) { totalCount } }","variables":{"w":`+wideWhere+`}}`)
		}, 400},
		{"text/plain", func() *raw { return post("text/plain", `{"query":"{ viewer { id } }"}`) }, 415},
		{"form", func() *raw { return post("application/x-www-form-urlencoded", `query=%7B%7D`) }, 415},
		{"application/graphql", func() *raw { return post("application/graphql", `{ viewer { id } }`) }, 415},
		{"no content type", func() *raw { return post("", `{"query":"{ viewer { id } }"}`) }, 415},
		{"PUT", func() *raw {
			return e.raw("PUT", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(tok), "Accept: "+gqlResponse)
		}, 405},
		{"DELETE", func() *raw { return e.raw("DELETE", "/graphql", "", nil, bearer(tok), "Accept: "+gqlResponse) }, 405},
		{"mutation over GET", func() *raw {
			return e.raw("GET", "/graphql?query=mutation%7BcreateAccount(input%3A%7Bname%3A%22g%22%7D)%7Bid%7D%7D", "", nil, bearer(tok), "Accept: "+gqlResponse)
		}, 405},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.do().coded(t, c.status, "BAD_USER_INPUT")
		})
	}
	n, err := e.client.Account.Query().Where(account.Name("dup")).Count(sys(context.Background()))
	if err != nil || n != 0 {
		t.Fatalf("the duplicate-key mutation ran: %d, %v", n, err)
	}
}

func TestSlowBodyIs408(t *testing.T) {
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{readTimeout: time.Second})
	e.org("acme")
	tok := token(t, "acme", "am", auth.RoleAccountManager)
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte(`{"query":`))
		time.Sleep(1500 * time.Millisecond)
		_ = pw.Close()
	}()
	r := e.raw("POST", "/graphql", "application/json", pr, bearer(tok), "Accept: "+gqlResponse)
	r.coded(t, http.StatusRequestTimeout, "BAD_USER_INPUT")
}

func TestNodesWithAnUnknownIDKeepSiblings(t *testing.T) {
	e := sqliteEnv(t)
	w := newWorld(t, e)
	r := w.am1.do(`query($ids: [ID!]!) { viewer { id } nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{unknown(w.a1)}})
	if r.Data == nil || r.get(t, "viewer.id") != w.am1.id {
		t.Fatalf("viewer wiped: %+v", r)
	}
	if n := r.list(t, "nodes"); len(n) != 1 || n[0] != nil {
		t.Fatalf("nodes = %v", n)
	}
	r.code(t, "NOT_FOUND")
	r = w.am1.do(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{w.a1, unknown(w.a1)}})
	if n := r.list(t, "nodes"); len(n) != 2 || n[1] != nil || n[0] == nil {
		t.Fatalf("nodes = %v", n)
	}
}

// A user who only services an account may read it but not edit it: that is
// FORBIDDEN, with or without expectedVersion, never a CONFLICT to retry.
func TestEditingAServicedAccountIsForbidden(t *testing.T) {
	e := sqliteEnv(t)
	w := newWorld(t, e)
	both := e.as("acme", "rep1", auth.RoleAccountManager, auth.RoleServiceRep)
	v := both.do(`query($id: ID!) { node(id: $id) { ... on Account { version } } }`, map[string]any{"id": w.a1}).ok(t).num(t, "node.version")
	upd := `mutation($id: ID!, $v: Int) { updateAccount(id: $id, expectedVersion: $v, input: {name: "mine"}) { id } }`
	both.do(upd, map[string]any{"id": w.a1, "v": v}).code(t, "FORBIDDEN")
	both.do(upd, map[string]any{"id": w.a1}).code(t, "FORBIDDEN")
	both.do(upd, map[string]any{"id": w.a1, "v": v + 5}).code(t, "FORBIDDEN")
	w.am1.do(upd, map[string]any{"id": w.a1, "v": v + 5}).code(t, "CONFLICT")
}

func TestRequestIDsAreTheServers(t *testing.T) {
	e := sqliteEnv(t)
	w := newWorld(t, e)
	for range 2 {
		r := e.raw("POST", "/graphql", "application/json",
			strings.NewReader(jsonOf(map[string]any{"query": `mutation($id: ID!) { updateAccount(id: $id, input: {region: "华东"}) { id } }`, "variables": map[string]any{"id": w.a1}})),
			bearer(w.am1.token), "X-Request-ID: chosen-by-the-client")
		if r.status != 200 || r.header.Get("X-Request-ID") == "chosen-by-the-client" {
			t.Fatalf("HTTP %d, X-Request-ID %q", r.status, r.header.Get("X-Request-ID"))
		}
		w.am1.do(`mutation($id: ID!) { updateAccount(id: $id, input: {region: "华北"}) { id } }`, map[string]any{"id": w.a1}).ok(t)
	}
	n, err := e.client.AuditEvent.Query().Where(auditevent.RequestID("chosen-by-the-client")).Count(sys(context.Background()))
	if err != nil || n != 0 {
		t.Fatalf("%d audit events carry the client's request ID (%v)", n, err)
	}
}

func TestMessagesNameNoInternals(t *testing.T) {
	e := sqliteEnv(t)
	w := newWorld(t, e)
	for _, in := range []map[string]any{{"name": ""}, {"name": strings.Repeat("x", 300)}, {"name": "x", "email": "nope"}} {
		r := w.am1.do(createAccount, map[string]any{"input": in}).code(t, "BAD_USER_INPUT")
		if m := r.Errors[0].Message; strings.Contains(m, "ent:") || strings.Contains(m, "Account.") || strings.Contains(m, "validator") {
			t.Fatalf("message shows internals: %q", m)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	for _, r := range []*raw{
		e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(token(t, "acme", "u", auth.RoleEmployee))),
		e.raw("GET", "/", "", nil),
	} {
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s = %q", h, got)
			}
		}
		if !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("Content-Security-Policy = %q", r.header.Get("Content-Security-Policy"))
		}
	}
	for path, want := range map[string]string{"/": "text/html", "/healthz": "text/plain", "/readyz": "text/plain"} {
		if ct := e.raw("GET", path, "", nil).header.Values("Content-Type"); len(ct) != 1 || !strings.HasPrefix(ct[0], want) {
			t.Errorf("GET %s: Content-Type %v, want one %s", path, ct, want)
		}
	}
	r := e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(token(t, "acme", "u", auth.RoleEmployee)))
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
}

// With the database gone every request answers 503 with Retry-After, and the
// log holds one ERROR per kind of failure, not one per request.
func TestOutageIs503AndLoggedOnce(t *testing.T) {
	var logs syncBuffer
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{logs: &logs})
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	e.post(tok, `{ viewer { id } }`, nil).ok(t)
	tok2 := token(t, "acme", "u2", auth.RoleEmployee)
	e.client.Close()
	for i := range 50 {
		tk := tok
		if i%2 == 1 {
			tk = tok2
		}
		r := e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(tk))
		r.coded(t, http.StatusServiceUnavailable, "INTERNAL")
		if r.header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n > 2 {
		t.Fatalf("%d ERROR lines for one outage:\n%.2000s", n, logs.String())
	}
}

func TestLogsHoldNoBodiesAndCutLongValues(t *testing.T) {
	var logs syncBuffer
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{logs: &logs})
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	phone := "13800138000"
	e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }", "variables": {"p": "`+phone+strings.Repeat("x", 900_000)+`"`), bearer(tok))
	long := signed(t, auth.Claims{Subject: strings.Repeat("s", 100_000), Org: "acme", Roles: []auth.Role{auth.RoleEmployee}})
	e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(long))
	for _, line := range strings.Split(logs.String(), "\n") {
		if len(line) > 4096 {
			t.Fatalf("a log line of %d bytes: %.200s", len(line), line)
		}
		if strings.Contains(line, phone) {
			t.Fatalf("the request body reached the log: %.200s", line)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With PostgreSQL frozen (SIGSTOP: connections open, nothing answers)
// /healthz answers within its timeout and requests get a 503 to retry,
// instead of hanging; once it thaws, requests succeed again.
func TestFrozenDatabase(t *testing.T) {
	pg := testdb.OwnCluster(t)
	e := newEnv(t, pg.URL(), auth.Config{Secret: testSecret})
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	e.post(tok, `{ viewer { id } }`, nil).ok(t)
	pg.Freeze(t)
	h := e.raw("GET", "/readyz", "", nil)
	if h.status != http.StatusServiceUnavailable || h.took > 3*time.Second {
		t.Fatalf("/readyz: HTTP %d after %v", h.status, h.took)
	}
	// Liveness does not follow the database: the process answers.
	if h := e.raw("GET", "/healthz", "", nil); h.status != http.StatusOK || h.took > time.Second {
		t.Fatalf("/healthz while the database is frozen: HTTP %d after %v", h.status, h.took)
	}
	r := e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(tok))
	r.coded(t, http.StatusServiceUnavailable, "INTERNAL")
	if r.took > 5*time.Second || r.header.Get("Retry-After") == "" {
		t.Fatalf("answered after %v, Retry-After %q", r.took, r.header.Get("Retry-After"))
	}
	pg.Thaw(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := e.post(tok, `{ viewer { id } }`, nil)
		if r.Status == http.StatusOK && len(r.Errors) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after the thaw: HTTP %d %+v", r.Status, r.Errors)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Readiness follows the database and the schema; liveness only the
// process.
func TestReadiness(t *testing.T) {
	behind := true
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{ready: func(context.Context) error {
		if behind {
			return fmt.Errorf("%w: 1 migration(s) pending", store.ErrSchemaBehind)
		}
		return nil
	}})
	r := e.raw("GET", "/readyz", "", nil)
	if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "server migrate") || r.header.Get("Retry-After") == "" {
		t.Fatalf("/readyz with the schema behind: %d %q", r.status, r.body)
	}
	if r := e.raw("GET", "/healthz", "", nil); r.status != http.StatusOK {
		t.Fatalf("/healthz: %d", r.status)
	}
	behind = false
	if r := e.raw("GET", "/readyz", "", nil); r.status != http.StatusOK || string(r.body) != "ok\n" {
		t.Fatalf("/readyz when ready: %d %q", r.status, r.body)
	}
}

// RAPPORT_INTROSPECTION=false: no schema for clients, no field names
// suggested in errors; with it on (the default) both work.
func TestIntrospectionOff(t *testing.T) {
	for _, off := range []bool{false, true} {
		e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{noIntrospection: off})
		e.org("acme")
		tok := token(t, "acme", "u", auth.RoleEmployee)
		intro := e.post(tok, `{ __schema { queryType { name } } }`, nil)
		typo := e.post(tok, `{ viewr { id } }`, nil)
		if len(typo.Errors) == 0 {
			t.Fatal("a misspelled field passed")
		}
		suggests := strings.Contains(typo.Errors[0].Message, "Did you mean")
		if off && (len(intro.Errors) == 0 || suggests) {
			t.Errorf("introspection off: schema %v, suggestion %q", intro.Data, typo.Errors[0].Message)
		}
		if !off && (len(intro.Errors) > 0 || !suggests) {
			t.Errorf("introspection on: %v, suggestion %q", intro.Errors, typo.Errors[0].Message)
		}
	}
}

// /metrics: operations by type and outcome (never a client's operation
// name), in flight, the Go runtime and the process.
func TestMetrics(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	e.post(tok, `query MyVeryOwnName { viewer { id } }`, nil).ok(t)
	e.post(tok, `mutation { createAccount(input: {name: "x"}) { id } }`, nil).code(t, "FORBIDDEN")
	e.post(tok, `{ node(id: "AC01M85ZM2G8CJPJTCJFVAT18FPR") { id } }`, nil).code(t, "NOT_FOUND")
	unknown := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("ab", 32)}}
	e.send(tok, map[string]any{"extensions": unknown}).code(t, "PERSISTED_QUERY_NOT_FOUND") // a client's first try, no failure
	r := e.raw("GET", "/metrics", "", nil)
	text := string(r.body)
	for _, want := range []string{
		`rapport_graphql_request_duration_seconds_count{code="OK",operation="query"} 1`,
		`rapport_graphql_request_duration_seconds_count{code="FORBIDDEN",operation="mutation"} 1`,
		`rapport_graphql_request_duration_seconds_count{code="NOT_FOUND",operation="query"} 1`,
		`rapport_graphql_request_duration_seconds_count{code="PERSISTED_QUERY_NOT_FOUND",operation="invalid"} 1`,
		"rapport_graphql_in_flight 0", "go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, "MyVeryOwnName") || r.status != http.StatusOK {
		t.Fatalf("/metrics: %d, or a client's operation name in a label", r.status)
	}
}

// Automatic persisted queries: the hash alone is PERSISTED_QUERY_NOT_FOUND
// until the query was sent with it; then the hash alone works, by POST and
// by GET; a hash that does not match its query is refused.
func TestPersistedQueries(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	const q = `{ viewer { id name } }`
	sum := sha256.Sum256([]byte(q))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	r := e.send(tok, map[string]any{"extensions": ext})
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("an unknown hash: %+v", r.Errors)
	}
	e.send(tok, map[string]any{"query": q, "extensions": ext}).ok(t)
	if r := e.send(tok, map[string]any{"extensions": ext}).ok(t); r.get(t, "viewer.id") == nil {
		t.Fatalf("the hash alone: %v", r.Data)
	}
	raw, _ := json.Marshal(ext)
	g := e.raw("GET", "/graphql?extensions="+url.QueryEscape(string(raw)), "", nil, bearer(tok))
	if g.status != http.StatusOK || !strings.Contains(string(g.body), `"viewer"`) {
		t.Fatalf("GET with the hash alone: %d %s", g.status, g.body)
	}
	bad := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)}}
	if r := e.send(tok, map[string]any{"query": q, "extensions": bad}); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Fatalf("a query under another's hash: %+v", r.Errors)
	}
}

// Trusted-documents mode: the operations of the contract run (however
// they are spaced), anything else is FORBIDDEN.
func TestTrustedDocuments(t *testing.T) {
	docs, err := api.LoadTrustedDocuments("../../schema/contract/*.graphql")
	if err != nil || docs.Len() < 40 {
		t.Fatalf("trusted documents: %d, %v", docs.Len(), err)
	}
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{trusted: docs})
	e.org("acme")
	am := &user{e: e, token: token(t, "acme", "am", auth.RoleAccountManager)}
	am.op("accounts.graphql", "Viewer", nil).ok(t)
	am.op("accounts.graphql", "CreateAccount", map[string]any{"input": map[string]any{"name": "可信 Trusted"}}).ok(t)
	// The same operation spaced and commented otherwise.
	q := "# the portal's\n" + strings.ReplaceAll(contractQuery(t, "accounts.graphql", "Accounts"), "\n", "\n\n  ")
	if r := am.do(q, map[string]any{"first": 5}).ok(t); r.num(t, "accounts.totalCount") != 1 {
		t.Fatalf("accounts: %v", r.Data)
	}
	for _, q := range []string{`{ viewer { id } }`, `query Viewer { viewer { id name email } }`, `{ __schema { types { name } } }`} {
		r := am.do(q, nil).code(t, "FORBIDDEN")
		if r.Errors[0].Extensions["reason"] != "UNTRUSTED_DOCUMENT" {
			t.Fatalf("%s: %+v", q, r.Errors)
		}
	}
	if _, err := api.LoadTrustedDocuments("no/such/*.graphql"); err == nil {
		t.Fatal("a pattern that matches nothing was accepted")
	}
}

// An error whose message happens to hold "APQ" (an ID can) keeps its code:
// only the persisted-query extension's own refusals are recoded.
func TestAPQRefusalsAreExactMessages(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	e.post(tok, `{ node(id: "CA01M863G9APQTKT372T439C54X5") { id } }`, nil).code(t, "NOT_FOUND")
}

// Introspection: the standard query (as GraphiQL sends it) runs; nesting
// a type's lists under another's, which grows the answer exponentially, is
// refused before any work.
func TestIntrospectionCost(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	std, err := os.ReadFile("../querycost/testdata/introspection.graphql") // the standard query
	if err != nil {
		t.Fatal(err)
	}
	r := e.post(tok, string(std), nil).ok(t)
	if n := len(r.list(t, "__schema.types")); n < 100 {
		t.Fatalf("introspection lists %d types", n)
	}
	e.post(tok, `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, nil).code(t, "BAD_USER_INPUT")
	e.post(tok, `{ __type(name: "Account") { fields { type { ofType { fields { name } } } } } }`, nil).code(t, "BAD_USER_INPUT")
	var walks strings.Builder
	for i := range 150 { // whole-schema walks repeated by aliases
		fmt.Fprintf(&walks, "w%d: types { fields { name } } ", i)
	}
	e.post(tok, `{ __schema { `+walks.String()+` } }`, nil).code(t, "BAD_USER_INPUT")
}

// A calendar feed's URL is its credential: the request log shows the
// route, never the path that holds it.
func TestLogsHoldNoFeedSecrets(t *testing.T) {
	var logs syncBuffer
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{logs: &logs})
	e.org("acme")
	am := e.as("acme", "am", auth.RoleAccountManager)
	feed := am.do(`{ viewer { agendaCalendarURL } }`, nil).ok(t).str(t, "viewer.agendaCalendarURL")
	secret := strings.TrimSuffix(feed[strings.LastIndex(feed, "/")+1:], ".ics")
	if r := e.raw("GET", strings.TrimPrefix(feed, e.url), "", nil); r.status != http.StatusOK {
		t.Fatalf("the feed: HTTP %d", r.status)
	}
	if !strings.Contains(logs.String(), "path=/calendar/agenda/{token}") || strings.Contains(logs.String(), secret) {
		t.Fatalf("the feed's log line:\n%s", grep(logs.String(), "calendar"))
	}
}

// A request asking for an upgrade (a WebSocket client looking for
// subscriptions, h2c) is answered over plain HTTP, with coded errors.
func TestUpgradeRequestsAreAnsweredOverHTTP(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	ws := e.raw("GET", "/graphql", "", nil, bearer(tok), "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Protocol: graphql-transport-ws")
	ws.coded(t, http.StatusBadRequest, "BAD_USER_INPUT")
	h2c := e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(tok), "Upgrade: h2c")
	if h2c.status != http.StatusOK || !strings.Contains(string(h2c.body), `"viewer"`) {
		t.Fatalf("a POST asking for h2c: %d %s", h2c.status, h2c.body)
	}
}

// The worst a signed-in user could write against the reports: each report,
// review or search repeated under aliases (within the 1,000 fields a
// document may name), and a cheap count repeated likewise, is refused
// before any work; one of each passes.
func TestAliasedReportsAreRefused(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	admin := e.as("acme", "admin", auth.RoleAdmin, auth.RoleServiceSupervisor, auth.RoleHR)
	const month, from, to = `"2026-11"`, `"2026-11-01T00:00:00+08:00"`, `"2026-11-30T00:00:00+08:00"`
	const nobody = `"AC01M85ZM2G8CJPJTCJFVAT18FPR"`
	for _, c := range []struct{ one, reason string }{
		{`tierReview(month: ` + month + `) { month }`, "COST_LIMIT"},
		{`contactOverview(from: ` + from + `, to: ` + to + `) { truncated }`, "COST_LIMIT"},
		{`agenda(from: ` + from + `, to: ` + to + `) { day }`, "COST_LIMIT"},
		{`callbackReport(batchID: ` + nobody + `) { total }`, "COST_LIMIT"},
		{`activityAttendance(activityID: ` + nobody + `) { department { id } }`, "COST_LIMIT"},
		{`search(query: "华东", first: 1) { totalCount }`, "COST_LIMIT"},
		{`accounts(first: 1) { totalCount }`, "READS_LIMIT"},
		{`users(first: 1) { totalCount }`, "READS_LIMIT"},
		{`viewer { id }`, "READS_LIMIT"},
		{`node(id: ` + nobody + `) { id }`, "READS_LIMIT"},
	} {
		var many strings.Builder
		for i := range 300 {
			fmt.Fprintf(&many, "a%d: %s ", i, c.one)
		}
		r := admin.do("{ "+many.String()+"}", nil).code(t, "BAD_USER_INPUT")
		if r.Errors[0].Extensions["reason"] != c.reason {
			t.Errorf("300 × %s: %+v", c.one, r.Errors[0])
		}
		if r := admin.do("{ "+c.one+" }", nil); len(r.Errors) > 0 && r.Errors[0].Extensions["code"] == "BAD_USER_INPUT" && r.Errors[0].Extensions["reason"] != nil {
			t.Errorf("one %s is refused: %+v", c.one, r.Errors[0])
		}
	}
	var batches strings.Builder
	for i := range 100 {
		fmt.Fprintf(&batches, `b%d: createCallbackBatch(input: {title: "回访", repIDs: []}) { id } `, i)
	}
	r := admin.do("mutation { "+batches.String()+"}", nil).code(t, "BAD_USER_INPUT")
	if r.Errors[0].Extensions["reason"] != "COST_LIMIT" {
		t.Errorf("100 callback batches in one operation: %+v", r.Errors[0])
	}
	var accounts strings.Builder
	for i := range 60 {
		fmt.Fprintf(&accounts, `a%d: createAccount(input: {name: "x%d"}) { id } `, i, i)
	}
	before := e.client.Account.Query().CountX(sys(t.Context()))
	if r := admin.do("mutation { "+accounts.String()+"}", nil).code(t, "BAD_USER_INPUT"); r.Errors[0].Extensions["reason"] != "READS_LIMIT" {
		t.Errorf("60 mutations in one operation: %+v", r.Errors[0])
	}
	if after := e.client.Account.Query().CountX(sys(t.Context())); after != before {
		t.Fatalf("a refused operation wrote %d accounts", after-before)
	}
}

// Many distinct valid queries, each naming the most fields a document may
// or listing thousands of values, do not fill the instance's memory: the
// parsed-query cache holds at most RAPPORT_QUERY_CACHE_BYTES (64 MiB),
// where 400 such queries held by count alone would take about 160 MB.
func TestQueryCachesHoldBoundedMemory(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	var fields strings.Builder
	for i := range 990 {
		fmt.Fprintf(&fields, "a%d: __typename ", i)
	}
	for i := range 400 {
		q := fmt.Sprintf("query Q%d { %s}", i, fields.String())
		if r := e.post(tok, q, nil); len(r.Errors) > 0 {
			t.Fatalf("query %d: %v", i, r.Errors)
		}
	}
	grew := int64(heap()) - int64(before)
	if grew > 100<<20 {
		t.Fatalf("the heap grew by %d MiB after 400 distinct queries", grew>>20)
	}
	t.Logf("the heap grew by %d MiB after 400 distinct queries", grew>>20)
	// Values weigh too: 200 distinct lists of 3,000 IDs (refused by the
	// cost model, but parsed and cached first) would hold about 150 MB.
	var ids strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&ids, `"%d" `, i)
	}
	before = heap()
	for i := range 200 {
		q := fmt.Sprintf(`query Q%d { nodes(ids: [%s]) { id } }`, i, ids.String())
		e.post(tok, q, nil).code(t, "BAD_USER_INPUT")
	}
	grew = int64(heap()) - int64(before)
	if grew > 100<<20 {
		t.Fatalf("the heap grew by %d MiB after 200 distinct lists of values", grew>>20)
	}
	t.Logf("the heap grew by %d MiB after 200 distinct lists of values", grew>>20)
}
