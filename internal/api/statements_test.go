package api_test

import (
	"fmt"
	"testing"

	"rapport/internal/auth"
)

// TestNoNPlusOne: a page of accounts with their owner and contacts costs
// the same number of SQL statements whatever its size, for a role whose
// privacy filter is the most complex (a sales manager's recursive team).
func TestNoNPlusOne(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		admin := e.as("acme", "admin", auth.RoleAdmin)
		sm := e.as("acme", "sm", auth.RoleSalesManager)
		ams := []*user{e.as("acme", "am1", auth.RoleAccountManager), e.as("acme", "am2", auth.RoleAccountManager)}
		for _, am := range ams {
			admin.do(`mutation($id: ID!, $m: ID!) { updateUser(id: $id, input: {managerID: $m}) { id } }`, map[string]any{"id": am.id, "m": sm.id}).ok(t)
		}
		for i := range 60 {
			am := ams[i%2]
			id := am.do(createAccount, map[string]any{"input": map[string]any{"name": fmt.Sprintf("Client %02d", i)}}).ok(t).str(t, "createAccount.id")
			for j := range 2 {
				am.do(`mutation($a: ID!, $n: String!) { createContact(input: {accountID: $a, name: $n}) { id } }`,
					map[string]any{"a": id, "n": fmt.Sprintf("Contact %d-%d", i, j)}).ok(t)
			}
		}
		const q = `query($n: Int) { accounts(first: $n) { totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id name tier region owner { id name } contacts { id name isDecisionMaker } } } } }`
		count := func(u *user, n int) int64 {
			u.do(q, map[string]any{"n": n}).ok(t) // warm: provisioning writes, caches
			before := e.stmts.Load()
			r := u.do(q, map[string]any{"n": n}).ok(t)
			got := e.stmts.Load() - before
			if edges := len(r.list(t, "accounts.edges")); edges != n {
				t.Fatalf("asked for %d, got %d", n, edges)
			}
			if c := r.list(t, "accounts.edges.0.node.contacts"); len(c) != 2 {
				t.Fatalf("contacts not loaded: %v", c)
			}
			return got
		}
		// The directory: users with their manager and department.
		dir := func(n int) int64 {
			const uq = `query($n: Int) { users(first: $n) { totalCount edges { node { id name manager { name } department { name } } } } }`
			admin.do(uq, map[string]any{"n": n}).ok(t)
			before := e.stmts.Load()
			admin.do(uq, map[string]any{"n": n}).ok(t)
			return e.stmts.Load() - before
		}
		if small, large := dir(1), dir(4); small != large {
			t.Fatalf("users: %d statements for 1, %d for 4", small, large)
		}
		for name, u := range map[string]*user{"sales manager": sm, "admin": admin} {
			five, fifty := count(u, 5), count(u, 50)
			t.Logf("%s: accounts(first: 5) = %d statements, accounts(first: 50) = %d statements", name, five, fifty)
			if five != fifty {
				t.Fatalf("statements grow with page size: %d for 5, %d for 50", five, fifty)
			}
			if fifty > 6 {
				t.Fatalf("%d statements for one page; expected at most 6", fifty)
			}
		}
	})
}
