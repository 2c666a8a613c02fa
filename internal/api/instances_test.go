package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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
	two.post(tok, `mutation($id: ID!) { updateAccount(id: $id, input: {region: "华东"}) { id } }`, map[string]any{"id": id}).ok(t)
	r := one.post(tok, `query($id: ID!) { node(id: $id) { ... on Account { region } } }`, map[string]any{"id": id}).ok(t)
	if r.str(t, "node.region") != "华东" {
		t.Fatalf("instance one does not see instance two's change: %v", r.Data)
	}
}

// TestConcurrentUpdatesKeepAnExactTrail: concurrent changes of one account
// all land, one after another, and the audit trail chains them: every event
// saw the value the previous one wrote, so no two events share an old value.
func TestConcurrentUpdatesKeepAnExactTrail(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)
		id := am.do(createAccount, map[string]any{"input": map[string]any{"name": "Contended"}}).ok(t).str(t, "createAccount.id")
		const n = 12
		var wg sync.WaitGroup
		errs := make([]string, n)
		for i := range n {
			wg.Go(func() {
				r := am.do(`mutation($id: ID!, $c: String!) { updateAccount(id: $id, input: {region: $c}) { id } }`,
					map[string]any{"id": id, "c": fmt.Sprintf("区域 %d", i+1)})
				if len(r.Errors) > 0 {
					errs[i] = r.Errors[0].Message
				}
			})
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Fatalf("concurrent update failed: %v", errs)
			}
		}
		r := am.do(`query($id: String!) { auditEvents(first: 50, where: {entityID: $id, action: UPDATE}) { edges { node { changes { field old new } } } } }`,
			map[string]any{"id": id}).ok(t)
		olds := map[string]bool{}
		for _, ed := range r.list(t, "auditEvents.edges") {
			for _, c := range ed.(map[string]any)["node"].(map[string]any)["changes"].([]any) {
				old, _ := c.(map[string]any)["old"].(string)
				if olds[old] {
					t.Fatalf("two updates both saw region %q as the old value", old)
				}
				olds[old] = true
			}
		}
		if len(olds) != n {
			t.Fatalf("%d audited updates, want %d", len(olds), n)
		}
	})
}

// TestAuthCacheAcrossInstances: each instance keeps the organisations and
// users it authenticated for a short TTL, and still behaves as one with
// the other: a user first seen by one instance is the same user on the
// other, a time-zone change made through one shows on the other within
// the TTL, and a change of roles in the token is written at once.
func TestAuthCacheAcrossInstances(t *testing.T) {
	const ttl = 300 * time.Millisecond
	url := testdb.PostgresURL(t)
	one := newEnvWith(t, url, auth.Config{Secret: testSecret}, envOptions{authTTL: ttl})
	two := newEnvWith(t, url, auth.Config{Secret: testSecret}, envOptions{authTTL: ttl})
	one.org("acme")
	admin := token(t, "acme", "boss", auth.RoleAdmin)
	am := token(t, "acme", "am", auth.RoleAccountManager)

	firstDay := func(e *env) string {
		t.Helper()
		from := time.Now().Format(time.RFC3339)
		r := e.post(am, `query($f: Time!) { agenda(from: $f, to: $f) { day } }`, map[string]any{"f": from}).ok(t)
		return r.str(t, "agenda.0.day")
	}
	id := one.post(am, `{ viewer { id } }`, nil).ok(t).str(t, "viewer.id")
	if got := two.post(am, `{ viewer { id } }`, nil).ok(t).str(t, "viewer.id"); got != id {
		t.Fatalf("instance two sees user %s, instance one %s", got, id)
	}
	const shanghaiMidnight = "T16:00:00Z" // days are instants, given in UTC
	if d := firstDay(two); !strings.HasSuffix(d, shanghaiMidnight) {
		t.Fatalf("a Shanghai day: %s", d)
	}
	one.post(admin, `mutation { updateOrganization(input: {timezone: "Europe/London"}) { timezone } }`, nil).ok(t)
	deadline := time.Now().Add(ttl + 2*time.Second)
	for d := firstDay(two); strings.HasSuffix(d, shanghaiMidnight); d = firstDay(two) {
		if time.Now().After(deadline) {
			t.Fatalf("instance two still counts days in Shanghai %s after the change", ttl)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// New roles in the token are written through whichever instance sees
	// them, cached or not.
	promoted := token(t, "acme", "am", auth.RoleSalesManager)
	two.post(promoted, `{ viewer { id } }`, nil).ok(t)
	r := one.post(admin, `query($id: ID!) { node(id: $id) { ... on User { roles } } }`, map[string]any{"id": id}).ok(t)
	if roles := r.list(t, "node.roles"); len(roles) != 1 || roles[0] != "SALES_MANAGER" {
		t.Fatalf("roles after a promotion: %v", roles)
	}
}
