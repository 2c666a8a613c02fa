package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"rapport/ent/privacy"
	"rapport/internal/store"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

func env(kv ...string) func(string) string {
	m := map[string]string{"RAPPORT_LOG_LEVEL": "warn"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// syncBuffer is stdout for a server running in another goroutine.
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

var (
	endpointRE = regexp.MustCompile(`GraphQL at (http://\S+)/graphql`)
	tokenRE    = regexp.MustCompile(`\((\S+), \[([A-Z_ ]+)\]\):\n  (\S+)`)
)

// startServer runs `server` with getenv until the test ends and returns its
// endpoint and output.
func startServer(t *testing.T, getenv func(string) string) (string, *syncBuffer) {
	t.Helper()
	endpoint, out, stop := launch(t, getenv)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return endpoint, out
}

// launch runs `server` with getenv and returns its endpoint, its output and
// stop, which cancels its context as SIGTERM does and waits for it to exit.
func launch(t *testing.T, getenv func(string) string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, out) }()
	stop := sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("server stopped with %w", err)
			}
			return nil
		case <-time.After(15 * time.Second):
			return errors.New("server did not shut down")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server exited: %v\n%s", err, out)
		default:
		}
		if m := endpointRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, stop
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	t.Fatalf("server did not start:\n%s", out)
	return "", nil, nil
}

// A request under way when the server is told to stop (SIGTERM, as in a
// rolling deploy) is answered in full before the server exits, not cut
// short with an empty answer.
func TestShutdownAnswersRequestsUnderWay(t *testing.T) {
	db := testdb.SQLiteURL(t)
	tok := orgAndToken(t, db)
	endpoint, _, stop := launch(t, env("DATABASE_URL", db, "RAPPORT_ADDR", "127.0.0.1:0"))
	defer stop()
	body, send := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/graphql", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	type answer struct {
		status int
		body   []byte
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, b, err}
	}()
	if _, err := send.Write([]byte(`{"query": "{ viewer `)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the request is under way
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(300 * time.Millisecond) // the server is shutting down
	if _, err := send.Write([]byte(`{ name } }"}`)); err != nil {
		t.Fatal(err)
	}
	send.Close()
	a := <-answered
	if a.err != nil || a.status != http.StatusOK || !strings.Contains(string(a.body), `"viewer":{"name"`) {
		t.Fatalf("the request under way at shutdown: HTTP %d %q %v", a.status, a.body, a.err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

func query(t *testing.T, endpoint, token, q string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q})
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r struct {
		Data   map[string]any
		Errors []any
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 || resp.StatusCode != 200 {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, raw)
	}
	return r.Data
}

func TestServeEmbeddedWithDemoData(t *testing.T) {
	db := testdb.SQLiteURL(t)
	endpoint, out := startServer(t, env("DATABASE_URL", db, "RAPPORT_ADDR", "127.0.0.1:0"))

	tokens := map[string]string{}
	for _, m := range tokenRE.FindAllStringSubmatch(out.String(), -1) {
		tokens[m[2]] = m[3]
	}
	for _, role := range []string{"SALES_MANAGER", "ACCOUNT_MANAGER", "ADMIN"} {
		found := false
		for roles := range tokens {
			found = found || strings.Contains(roles, role)
		}
		if !found {
			t.Fatalf("no demo token printed for %s:\n%s", role, out)
		}
	}
	var admin, am string
	for roles, tok := range tokens {
		switch {
		case strings.Contains(roles, "ADMIN"):
			admin = tok
		case strings.Contains(roles, "ACCOUNT_MANAGER"):
			am = tok
		}
	}
	all := query(t, endpoint, admin, `{ accounts(first: 1) { totalCount } }`)["accounts"].(map[string]any)["totalCount"].(float64)
	own := query(t, endpoint, am, `{ accounts(first: 1) { totalCount } }`)["accounts"].(map[string]any)["totalCount"].(float64)
	if all != 200 || own == 0 || own >= all {
		t.Fatalf("admin sees %v accounts, account manager %v", all, own)
	}
	for _, tier := range []string{"A", "B", "C"} {
		n := query(t, endpoint, admin, `{ accounts(first: 1, where: {tier: `+tier+`}) { totalCount } }`)["accounts"].(map[string]any)["totalCount"].(float64)
		want := map[string]float64{"A": 40, "B": 80, "C": 80}[tier]
		if n != want {
			t.Fatalf("tier %s: %v accounts, want %v", tier, n, want)
		}
	}
	resp, err := http.Get(endpoint + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GraphiQL: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err = http.Get(endpoint + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	// The metrics, with the database pool's, on the API's address by default.
	resp, err = http.Get(endpoint + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics: %v %v", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "go_sql_max_open_connections{db_name=\"rapport\"}") {
		t.Fatalf("metrics lack the database pool:\n%.500s", body)
	}

	// `server token` signs with the secret the embedded server generated.
	var tok bytes.Buffer
	if err := run(context.Background(), []string{"token", "--org", "demo", "--sub", "newcomer", "--roles", "EMPLOYEE,HR", "--ttl", "10m", "--name", "新人 Newcomer"},
		env("DATABASE_URL", db), &tok); err != nil {
		t.Fatal(err)
	}
	v := query(t, endpoint, strings.TrimSpace(tok.String()), `{ viewer { subject name roles organization { slug } } }`)["viewer"].(map[string]any)
	if v["subject"] != "newcomer" || v["name"] != "新人 Newcomer" || v["organization"].(map[string]any)["slug"] != "demo" {
		t.Fatalf("viewer = %v", v)
	}
}

func TestTokenCommandSharesTheEmbeddedSecret(t *testing.T) {
	db := testdb.SQLiteURL(t)
	getenv := env("DATABASE_URL", db)
	tokenFor := func() (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"token", "--org", "demo", "--sub", "a", "--roles", "ADMIN"}, getenv, &out)
		return strings.TrimSpace(out.String()), err
	}
	// A token for an organisation that does not exist yet is still signed:
	// the server answers it with 401 until the organisation is created.
	first, err := tokenFor()
	if err != nil {
		t.Fatal(err)
	}
	second, err := tokenFor()
	if err != nil || second == "" {
		t.Fatal(err)
	}
	endpoint, out := startServer(t, env("DATABASE_URL", db, "RAPPORT_ADDR", "127.0.0.1:0"))
	if !strings.Contains(out.String(), "Tokens valid") {
		t.Fatalf("demo tokens not printed on a database that holds only the demo organisation:\n%s", out)
	}
	for _, tok := range []string{first, second} {
		query(t, endpoint, tok, `{ viewer { id } }`)
	}
	var nope bytes.Buffer
	if err := run(context.Background(), []string{"token", "--org", "nope", "--sub", "a", "--roles", "ADMIN"}, getenv, &nope); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/graphql", strings.NewReader(`{"query":"{ viewer { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(nope.String()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token for an unknown organisation: HTTP %d", resp.StatusCode)
	}
}

func TestOrgCreateIsIdempotent(t *testing.T) {
	getenv := env("DATABASE_URL", testdb.SQLiteURL(t))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"org", "create", "acme", "Acme 咨询", "--timezone", "Europe/Berlin"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"org", "create", "--timezone", "Asia/Tokyo", "acme", "Other name"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "acme created: Acme 咨询 (Europe/Berlin") || !strings.Contains(lines[1], "acme exists: Acme 咨询 (Europe/Berlin") {
		t.Fatalf("output:\n%s", out.String())
	}
	// A non-empty database that is not the demo never gets demo data.
	_, srvOut := startServer(t, env("DATABASE_URL", getenv("DATABASE_URL"), "RAPPORT_ADDR", "127.0.0.1:0", "RAPPORT_DEMO", "false"))
	if strings.Contains(srvOut.String(), "Demo organisation") {
		t.Fatalf("demo loaded into a database with other data:\n%s", srvOut)
	}
}

func TestPostgresNeedsAConfiguredSecret(t *testing.T) {
	// Refused before connecting: even an unreachable database names the missing key.
	err := run(context.Background(), nil, env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none?sslmode=disable", "RAPPORT_ADDR", "127.0.0.1:0"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "RAPPORT_JWT_SECRET") {
		t.Fatalf("PostgreSQL without a secret: %v", err)
	}
	url := testdb.PostgresURL(t)
	secret := "0123456789abcdef0123456789abcdef-pg"
	// A PostgreSQL database behind the binary's schema is refused, naming the fix.
	err = run(context.Background(), nil, env("DATABASE_URL", url, "RAPPORT_ADDR", "127.0.0.1:0", "RAPPORT_JWT_SECRET", secret), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "server migrate") {
		t.Fatalf("serve on an unmigrated database: %v", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, env("DATABASE_URL", url), &out); err != nil || !strings.Contains(out.String(), "schema up to date") {
		t.Fatalf("migrate: %v %s", err, out.String())
	}
	if err := run(context.Background(), []string{"org", "create", "acme", "Acme"}, env("DATABASE_URL", url), &out); err != nil {
		t.Fatal(err)
	}
	endpoint, srvOut := startServer(t, env("DATABASE_URL", url, "RAPPORT_ADDR", "127.0.0.1:0", "RAPPORT_JWT_SECRET", secret, "RAPPORT_DEMO", "false"))
	if strings.Contains(srvOut.String(), "Demo organisation") {
		t.Fatal("PostgreSQL mode loaded demo data by default")
	}
	tok, err := auth.Issue([]byte(secret), auth.Claims{Subject: "u", Org: "acme", Roles: []auth.Role{auth.RoleAdmin}}, "", "", time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	query(t, endpoint, tok, `{ viewer { id } }`)
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bogus"},
		{"token", "--org", "demo"},
		{"token", "--org", "demo", "--sub", "x", "--roles", "KING"},
		{"token", "--org", "demo", "--sub", "x", "--roles", "ADMIN", "--ttl", "-1h"},
		{"org", "create", "Bad Slug", "x"},
		{"org", "create", "ok", "x", "--timezone", "Mars/Base"},
		{"org", "delete"},
		{"serve", "--nope"},
	} {
		err := run(context.Background(), args, env("RAPPORT_JWT_SECRET", "0123456789abcdef0123456789abcdef"), io.Discard)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}

// A database from before the follow-up engine (accounts without due dates)
// gets them from `server migrate`, and from starting on embedded SQLite.
func TestMigrateBackfillsDueDates(t *testing.T) {
	db := "file:" + filepath.Join(t.TempDir(), "old.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"org", "create", "acme", "Acme"}, env("DATABASE_URL", db), &out); err != nil {
		t.Fatal(err)
	}
	client, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	org := client.Organization.Query().OnlyX(ctx)
	client.Account.Create().SetName("Old").SetOrganizationID(org.ID).ExecX(ctx)
	if _, err := client.ExecContext(ctx, "UPDATE accounts SET next_call_due_at = NULL, next_visit_due_at = NULL"); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"migrate"}, env("DATABASE_URL", db), &out); err != nil {
		t.Fatal(err)
	}
	a := client.Account.Query().OnlyX(ctx)
	if a.NextCallDueAt == nil || a.NextVisitDueAt == nil {
		t.Fatalf("after migrate: call %v, visit %v", a.NextCallDueAt, a.NextVisitDueAt)
	}
}

// Two servers behind a transaction-mode PgBouncer (RAPPORT_POOLER):
// `server migrate` refuses the pooler's URL and migrates on the direct one
// (RAPPORT_MIGRATE_DATABASE_URL); both servers then serve through the
// pooler, each seeing what the other wrote.
func TestServeThroughPgBouncer(t *testing.T) {
	direct := testdb.PostgresURL(t)
	pooled := testdb.PgBouncer(t, direct, 2)
	secret := "0123456789abcdef0123456789abcdef-pg"
	pooledEnv := func(kv ...string) func(string) string {
		return env(append([]string{"DATABASE_URL", pooled, "RAPPORT_POOLER", "transaction", "RAPPORT_ADDR", "127.0.0.1:0",
			"RAPPORT_JWT_SECRET", secret, "RAPPORT_DEMO", "false"}, kv...)...)
	}
	err := run(context.Background(), []string{"migrate"}, pooledEnv(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "RAPPORT_MIGRATE_DATABASE_URL") {
		t.Fatalf("migrate through the pooler: %v", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, pooledEnv("RAPPORT_MIGRATE_DATABASE_URL", direct), &out); err != nil || !strings.Contains(out.String(), "schema up to date") {
		t.Fatalf("migrate: %v %s", err, out.String())
	}
	if err := run(context.Background(), []string{"org", "create", "acme", "Acme"}, pooledEnv(), &out); err != nil {
		t.Fatal(err)
	}
	one, _ := startServer(t, pooledEnv())
	two, _ := startServer(t, pooledEnv())
	tok, err := auth.Issue([]byte(secret), auth.Claims{Subject: "am", Org: "acme", Roles: []auth.Role{auth.RoleAccountManager}}, "", "", time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	id := query(t, one, tok, `mutation { createAccount(input: {name: "池 Pooled", tier: A}) { id } }`)["createAccount"].(map[string]any)["id"].(string)
	got := query(t, two, tok, `{ accounts(first: 5, where: {nameContains: "Pooled"}) { edges { node { id } } } }`)
	if edges := got["accounts"].(map[string]any)["edges"].([]any); len(edges) != 1 || edges[0].(map[string]any)["node"].(map[string]any)["id"] != id {
		t.Fatalf("server two sees %v, want %s", got, id)
	}
}

// The API's limits are settings: a lower query cost, body size and user
// rate take effect over HTTP; a bad value is refused at start, naming the
// variable and its range.
func TestLimitsAreSettings(t *testing.T) {
	dir := t.TempDir()
	base := []string{"DATABASE_URL", "file:" + dir + "/rapport.db", "RAPPORT_ADDR", "127.0.0.1:0", "RAPPORT_DEMO", "false"}
	for _, bad := range [][2]string{{"RAPPORT_MAX_QUERY_COST", "10"}, {"RAPPORT_MAX_BODY_BYTES", "x"}, {"RAPPORT_REQUEST_TIMEOUT", "10m"}, {"RAPPORT_RATE_LIMIT_USER", "-1"}, {"RAPPORT_QUERY_CACHE", "0"}} {
		err := run(context.Background(), nil, env(append(base, bad[0], bad[1])...), io.Discard)
		if err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: %v", bad[0], bad[1], err)
		}
	}
	endpoint, _ := startServer(t, env(append(base, "RAPPORT_MAX_QUERY_COST", "1000", "RAPPORT_MAX_BODY_BYTES", "2048", "RAPPORT_RATE_LIMIT_USER", "8")...))
	tok := orgAndToken(t, "file:"+dir+"/rapport.db")
	ask := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, endpoint+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := ask(`{"query":"{ accounts(first: 100) { edges { node { contacts { name } } } } }"}`); !strings.Contains(body, "COST_LIMIT") {
		t.Errorf("a query over RAPPORT_MAX_QUERY_COST: %d %s", status, body)
	}
	if status, _ := ask(`{"query":"{ viewer { id } }","variables":{"pad":"` + strings.Repeat("x", 3000) + `"}}`); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over RAPPORT_MAX_BODY_BYTES: %d", status)
	}
	// 8 a minute: bursts of 2, then one every 7.5 s (the refused query
	// counted; the body refused before authentication did not).
	statuses := map[int]int{}
	for range 3 {
		status, _ := ask(`{"query":"{ viewer { id } }"}`)
		statuses[status]++
	}
	if statuses[http.StatusOK] != 1 || statuses[http.StatusTooManyRequests] != 2 {
		t.Errorf("RAPPORT_RATE_LIMIT_USER=8: %v", statuses)
	}
}

// orgAndToken creates the organisation acme in the embedded database at
// dbURL and signs a token for its account manager am, by the commands.
func orgAndToken(t *testing.T, dbURL string) string {
	t.Helper()
	if err := run(context.Background(), []string{"org", "create", "acme", "Acme"}, env("DATABASE_URL", dbURL), io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "--org", "acme", "--sub", "am", "--roles", "ACCOUNT_MANAGER"}, env("DATABASE_URL", dbURL), &out); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}

// A request has at least a minute from its headers to the end of its answer
// (a download over a slow line), and its whole run and 30 s when longer.
func TestWriteTimeoutFollowsTheRequestTimeout(t *testing.T) {
	for request, want := range map[time.Duration]time.Duration{
		time.Second: time.Minute, 15 * time.Second: time.Minute, 30 * time.Second: time.Minute,
		45 * time.Second: 75 * time.Second, 5 * time.Minute: 5*time.Minute + 30*time.Second,
	} {
		if got := writeTimeout(request); got != want {
			t.Errorf("request timeout %v: write timeout %v, want %v", request, got, want)
		}
	}
}
