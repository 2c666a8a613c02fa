package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"rapport/ent"
	"rapport/internal/api"
	"rapport/internal/auth"
	"rapport/internal/pulid"
	"rapport/internal/store"
)

func TestCORS(t *testing.T) {
	client, err := store.Open(testdbSQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	v, _ := auth.NewVerifier(t.Context(), auth.Config{Secret: testSecret})
	srv := httptest.NewServer(api.NewHandler(api.Config{Client: client, Verifier: v,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AllowedOrigins: []string{"https://portal.example.cn"}}))
	defer srv.Close()

	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	ok := preflight("https://portal.example.cn")
	if ok.StatusCode != http.StatusNoContent || ok.Header.Get("Access-Control-Allow-Origin") != "https://portal.example.cn" ||
		ok.Header.Get("Access-Control-Allow-Headers") == "" {
		t.Fatalf("allowed preflight: %d %v", ok.StatusCode, ok.Header)
	}
	if bad := preflight("https://evil.example"); bad.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin allowed: %v", bad.Header)
	}
	// An unauthenticated cross-origin request still gets the CORS header, so
	// the frontend can read the 401 and ask the user to sign in.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", nil)
	req.Header.Set("Origin", "https://portal.example.cn")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("401 without CORS header: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestRequestErrorStatus: a document that fails to parse or validate is a
// GraphQL error with status 200 for application/json clients and 400 for
// application/graphql-response+json ones (GraphQL over HTTP).
func TestRequestErrorStatus(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	for _, tc := range []struct {
		accept string
		status int
	}{
		{"application/json", http.StatusOK},
		{"application/graphql-response+json", http.StatusBadRequest},
	} {
		for _, q := range []string{`{ viewer { nope } }`, `{ viewer `} {
			req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", strings.NewReader(`{"query":`+strconv.Quote(q)+`}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", tc.accept)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.accept) {
				t.Errorf("%s, Accept %s: HTTP %d %s", q, tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
	}
}

func TestNodesIDLimit(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	ids := make([]string, api.MaxPageSize+1)
	for i := range ids {
		ids[i] = "AC01ARZ3NDEKTSV4RRFFQ69G5FAV"
	}
	r := e.post(token(t, "acme", "u", auth.RoleAdmin), `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}).code(t, "BAD_USER_INPUT")
	if r.Errors[0].Extensions["field"] != "ids" {
		t.Fatalf("%+v", r.Errors)
	}
}

// TestUnboundedPagesAreBounded: a connection asked for neither first nor
// last returns at most MaxPageSize rows and says there is more.
func TestUnboundedPagesAreBounded(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	am := e.as("acme", "am", auth.RoleAccountManager)
	id := am.do(createAccount, map[string]any{"input": map[string]any{"name": "Big"}}).ok(t).str(t, "createAccount.id")
	ctx := sys(t.Context())
	org := e.client.Account.GetX(ctx, pulid.ID(id)).OrganizationID
	bulk := make([]*ent.ContactCreate, api.MaxPageSize+3)
	for i := range bulk {
		bulk[i] = e.client.Contact.Create().SetOrganizationID(org).SetAccountID(pulid.ID(id)).SetName("C")
	}
	e.client.Contact.CreateBulk(bulk...).ExecX(ctx)
	r := am.do(`{ contacts { totalCount pageInfo { hasNextPage } edges { node { id } } } }`, nil).ok(t)
	if n := len(r.list(t, "contacts.edges")); n != api.MaxPageSize || r.num(t, "contacts.totalCount") != api.MaxPageSize+3 || r.get(t, "contacts.pageInfo.hasNextPage") != true {
		t.Fatalf("%d edges of %d, hasNextPage %v", n, r.num(t, "contacts.totalCount"), r.get(t, "contacts.pageInfo.hasNextPage"))
	}
}

// TestInternalErrorBeforeExecution: when the database fails while a request
// is being authenticated, the client gets a coded GraphQL error with the
// request ID and a 503 to retry, not a bare text body.
func TestInternalErrorBeforeExecution(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	e.client.Close()
	r := e.post(token(t, "acme", "u", auth.RoleAdmin), `{ viewer { id } }`, nil)
	if r.Status != http.StatusServiceUnavailable || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INTERNAL" ||
		r.Errors[0].Extensions["reason"] != "UNAVAILABLE" || !strings.Contains(r.Errors[0].Message, "(request ") {
		t.Fatalf("HTTP %d %+v", r.Status, r.Errors)
	}
}
