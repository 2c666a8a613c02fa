package api_test

import (
	"sync"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/testdb"
)

// TestTwoInstancesShareOneDatabase: two servers on one PostgreSQL behave
// as one. Provisioning races between them end with one user, and what one
// instance writes the other serves at once: no state lives in a process.
func TestTwoInstancesShareOneDatabase(t *testing.T) {
	url := testdb.PostgresURL(t)
	one := newEnv(t, url, auth.Config{Secret: testSecret})
	two := newEnv(t, url, auth.Config{Secret: testSecret})
	one.org("acme")

	tok := token(t, "acme", "am", auth.RoleAccountManager)
	ids := make([]string, 10)
	var wg sync.WaitGroup
	for i := range ids {
		e := []*env{one, two}[i%2]
		wg.Go(func() {
			if r := e.post(tok, `{ viewer { id } }`, nil); len(r.Errors) == 0 {
				ids[i], _ = r.Data["viewer"].(map[string]any)["id"].(string)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("instances provisioned different users: %v", ids)
		}
	}

	id := one.post(tok, createAccount, map[string]any{"input": map[string]any{"name": "Shared 共享"}}).ok(t).str(t, "createAccount.id")
	two.post(tok, `mutation($id: ID!) { updateAccount(id: $id, input: {tier: A}) { id } }`, map[string]any{"id": id}).ok(t)
	r := one.post(tok, `query($id: ID!) { node(id: $id) { ... on Account { tier } } }`, map[string]any{"id": id}).ok(t)
	if r.str(t, "node.tier") != "A" {
		t.Fatalf("instance one does not see instance two's change: %v", r.Data)
	}
}
