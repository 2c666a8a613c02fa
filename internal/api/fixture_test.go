package api_test

import (
	"testing"

	"rapport/internal/auth"
)

// world is two organisations with a sales hierarchy and three accounts:
//
//	acme:   sm1 ← am1            (am1 owns A1, serviced by rep1)
//	        sm1 ← lead ← am2     (am2 owns A2: sm1's team two levels down)
//	        sm2 ← am3            (am3 owns A3)
//	        admin, exec, sup (service supervisor), rep1, hr
//	globex: gadmin, gam         (gam owns G1)
type world struct {
	t                                                         *testing.T
	admin, exec, sup, sm1, sm2, lead, am1, am2, am3, rep1, hr *user
	gadmin, gam                                               *user
	a1, a2, a3, g1                                            string // account IDs
	c1                                                        string // a contact of A1
}

const createAccount = `mutation($input: CreateAccountInput!) { createAccount(input: $input) { id name tier owner { id } } }`

func newWorld(t *testing.T, e *env) *world {
	t.Helper()
	e.org("acme")
	e.org("globex")
	w := &world{
		t:     t,
		admin: e.as("acme", "admin", auth.RoleAdmin, auth.RoleEmployee),
		exec:  e.as("acme", "exec", auth.RoleExecutive),
		sup:   e.as("acme", "sup", auth.RoleServiceSupervisor),
		sm1:   e.as("acme", "sm1", auth.RoleSalesManager),
		sm2:   e.as("acme", "sm2", auth.RoleSalesManager),
		lead:  e.as("acme", "lead", auth.RoleAccountManager),
		am1:   e.as("acme", "am1", auth.RoleAccountManager),
		am2:   e.as("acme", "am2", auth.RoleAccountManager),
		am3:   e.as("acme", "am3", auth.RoleAccountManager),
		rep1:  e.as("acme", "rep1", auth.RoleServiceRep),
		hr:    e.as("acme", "hr", auth.RoleHR, auth.RoleEmployee),

		gadmin: e.as("globex", "gadmin", auth.RoleAdmin),
		gam:    e.as("globex", "gam", auth.RoleAccountManager),
	}
	for _, link := range [][2]*user{{w.am1, w.sm1}, {w.lead, w.sm1}, {w.am2, w.lead}, {w.am3, w.sm2}} {
		w.admin.do(`mutation($id: ID!, $m: ID!) { updateUser(id: $id, input: {managerID: $m}) { id } }`,
			map[string]any{"id": link[0].id, "m": link[1].id}).ok(t)
	}
	mk := func(u *user, name, tier string) string {
		return u.do(createAccount, map[string]any{"input": map[string]any{"name": name, "tier": tier}}).ok(t).str(t, "createAccount.id")
	}
	w.a1 = mk(w.am1, "Alpha 阿尔法", "A")
	w.a2 = mk(w.am2, "Beta 贝塔", "B")
	w.a3 = mk(w.am3, "Gamma 伽马", "C")
	w.g1 = mk(w.gam, "Globex Client", "A")
	w.admin.do(`mutation($id: ID!, $r: ID!) { updateAccount(id: $id, input: {serviceRepID: $r}) { id } }`,
		map[string]any{"id": w.a1, "r": w.rep1.id}).ok(t)
	w.c1 = w.am1.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "张伟 Zhang Wei", title: "董事长", isDecisionMaker: true}) { id } }`,
		map[string]any{"a": w.a1}).ok(t).str(t, "createContact.id")
	return w
}

// visible returns the IDs of the accounts u's accounts list shows.
func (w *world) visible(t *testing.T, u *user) map[string]bool {
	t.Helper()
	r := u.do(`{ accounts(first: 100) { totalCount edges { node { id } } } }`, nil).ok(t)
	got := map[string]bool{}
	for _, e := range r.list(t, "accounts.edges") {
		got[e.(map[string]any)["node"].(map[string]any)["id"].(string)] = true
	}
	if n := r.num(t, "accounts.totalCount"); n != len(got) {
		t.Fatalf("totalCount %d but %d edges", n, len(got))
	}
	return got
}
