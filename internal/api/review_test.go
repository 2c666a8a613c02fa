package api_test

// Adversarial review of the authorization layer (issue #2). Every subtest is
// an attack; it passes when the attack is refused. Three of them found holes
// in review, since fixed: coded NOT_FOUND for nodes(ids:), type-checked
// links, and client input errors classified as BAD_USER_INPUT.

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/ent/account"
	"rapport/ent/auditevent"
	"rapport/ent/contact"
	"rapport/ent/department"
	entuser "rapport/ent/user"
	"rapport/internal/auth"
	"rapport/internal/pulid"
)

// reviewWorld is newWorld plus a department in each org, A2 serviced by rep1's
// colleague, and a few IDs the attacks need.
type reviewWorld struct {
	*world
	e                *env
	acmeOrg, globOrg string
	dept, gdept      string // acme / globex department
	gc1              string // a contact of G1
	amEvent          string // an audit event made by am1
}

func newReviewWorld(t *testing.T, e *env) *reviewWorld {
	t.Helper()
	w := &reviewWorld{world: newWorld(t, e), e: e}
	w.acmeOrg = w.am1.do(`{ viewer { organization { id } } }`, nil).ok(t).str(t, "viewer.organization.id")
	w.globOrg = w.gam.do(`{ viewer { organization { id } } }`, nil).ok(t).str(t, "viewer.organization.id")
	w.dept = w.admin.do(`mutation { createDepartment(input: {name: "客户部"}) { id } }`, nil).ok(t).str(t, "createDepartment.id")
	w.gdept = w.gadmin.do(`mutation { createDepartment(input: {name: "Globex Sales"}) { id } }`, nil).ok(t).str(t, "createDepartment.id")
	w.admin.do(`mutation($id: ID!, $d: ID!) { updateUser(id: $id, input: {departmentID: $d}) { id } }`,
		map[string]any{"id": w.am1.id, "d": w.dept}).ok(t)
	w.gc1 = w.gam.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "Globex Boss"}) { id } }`,
		map[string]any{"a": w.g1}).ok(t).str(t, "createContact.id")
	w.amEvent = w.am1.do(`{ auditEvents(first: 1) { edges { node { id } } } }`, nil).ok(t).str(t, "auditEvents.edges.0.node.id")
	return w
}

// unknown returns a well-formed ID of the same type as id that exists nowhere.
func unknown(id string) string { return id[:2] + "01ARZ3NDEKTSV4RRFFQ69G5FAV" }

// noLeak fails when the response carries anything that looks like SQL or a stack.
func noLeak(t *testing.T, r *result) {
	t.Helper()
	for _, e := range r.Errors {
		m := strings.ToLower(e.Message)
		for _, bad := range []string{"select ", "update ", "insert ", "from \"", "sql", "constraint", "pq:", "goroutine", ".go:", "panic"} {
			if strings.Contains(m, bad) {
				t.Fatalf("error leaks internals (%q): %+v", bad, e)
			}
		}
	}
}

func ids(t *testing.T, r *result, path string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, ed := range r.list(t, path) {
		out[ed.(map[string]any)["node"].(map[string]any)["id"].(string)] = true
	}
	return out
}

// ---------------------------------------------------------------------------
// Reads across tenants.

func TestReviewCrossTenantReads(t *testing.T) {
	e := sqliteEnv(t)
	w := newReviewWorld(t, e)

	node := `query($id: ID!) { node(id: $id) { id __typename } }`
	for name, id := range map[string]string{
		"account": w.a1, "contact": w.c1, "user": w.am1.id, "department": w.dept,
		"organization": w.acmeOrg, "audit event": w.amEvent,
	} {
		t.Run("node of acme "+name+" from globex admin is NOT_FOUND", func(t *testing.T) {
			r := w.gadmin.do(node, map[string]any{"id": id}).code(t, "NOT_FOUND")
			if r.get(t, "node") != nil {
				t.Fatalf("data leaked: %v", r.Data)
			}
			// Same answer as for an ID that exists nowhere: no existence oracle.
			r2 := w.gadmin.do(node, map[string]any{"id": unknown(id)}).code(t, "NOT_FOUND")
			if strings.ReplaceAll(r.Errors[0].Message, id, "X") != strings.ReplaceAll(r2.Errors[0].Message, unknown(id), "X") {
				t.Fatalf("foreign and unknown IDs answer differently: %q vs %q", r.Errors[0].Message, r2.Errors[0].Message)
			}
		})
	}

	t.Run("lists show only the viewer's organisation", func(t *testing.T) {
		var r *result
		for _, q := range []string{ // one list at a time: together they exceed the cost limit
			`{ users(first: 100) { totalCount edges { node { id manager { id } reports(first: 10) { totalCount edges { node { id } } } department { id } organization { id } } } } }`,
			`{ departments { id parent { id } children { id } members(first: 10) { totalCount edges { node { id } } } organization { id } } }`,
			`{ auditEvents(first: 500) { totalCount edges { node { id entityID actor { id } organization { id } } } } }`,
			`{ accounts(first: 100) { edges { node { id owner { id } serviceRep { id } contacts { id } organization { id } } } } }`,
			`{ viewer { organization { id } } contacts(first: 100) { totalCount edges { node { id account { id } } } } }`,
		} {
			r = w.gadmin.do(q, nil).ok(t)
			blob := jsonOf(r.Data)
			for _, acme := range []string{w.acmeOrg, w.a1, w.a2, w.a3, w.c1, w.am1.id, w.admin.id, w.dept, w.amEvent} {
				if strings.Contains(blob, acme) {
					t.Fatalf("globex admin's lists contain acme ID %s: %s", acme, blob)
				}
			}
		}
		if n := r.num(t, "contacts.totalCount"); n != 1 {
			t.Fatalf("globex sees %d contacts, want 1", n)
		}
	})

	t.Run("nodes of acme IDs from globex return no data", func(t *testing.T) {
		r := w.gadmin.do(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
			map[string]any{"ids": []string{w.g1, w.a1, w.c1, w.am1.id, w.acmeOrg}})
		nodes := r.list(t, "nodes")
		if len(nodes) != 5 || nodes[0] == nil {
			t.Fatalf("nodes = %v, want globex's own account and four nulls", nodes)
		}
		for i, n := range nodes[1:] {
			if n != nil {
				t.Fatalf("nodes[%d] leaked %v", i+1, n)
			}
		}
		if len(r.Errors) != 4 {
			t.Fatalf("%d errors, want one per hidden ID: %+v", len(r.Errors), r.Errors)
		}
		noLeak(t, r)
	})
}

// nodes(ids:) answers a hidden or unknown ID with NOT_FOUND (it once
// answered INTERNAL: entgql codes these errors itself).
func TestReviewNodesHiddenIDIsNotFound(t *testing.T) {
	e := sqliteEnv(t)
	w := newReviewWorld(t, e)
	for name, tc := range map[string]struct {
		u   *user
		ids []string
	}{
		"other tenant's account":   {w.gadmin, []string{w.g1, w.a1}},
		"colleague's account":      {w.am1, []string{w.a1, w.a2}},
		"unknown ID":               {w.am1, []string{w.a1, unknown(w.a1)}},
		"other user's audit event": {w.am2, []string{w.am2.id, w.amEvent}},
	} {
		t.Run(name, func(t *testing.T) {
			r := tc.u.do(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": tc.ids})
			if r.get(t, "nodes.1") != nil {
				t.Fatalf("hidden node returned: %v", r.Data)
			}
			r.code(t, "NOT_FOUND")
		})
	}
}

// ---------------------------------------------------------------------------
// Reads across teams and roles, and filters used as oracles.

func TestReviewReadOracles(t *testing.T) {
	e := sqliteEnv(t)
	w := newReviewWorld(t, e)
	count := func(u *user, q string, vars map[string]any, path string) int {
		t.Helper()
		r := u.do(q, vars).ok(t)
		return r.num(t, path)
	}
	accts := `query($w: AccountWhereInput) { accounts(first: 100, where: $w) { totalCount } }`
	conts := `query($w: ContactWhereInput) { contacts(first: 100, where: $w) { totalCount } }`
	auds := `query($w: AuditEventWhereInput) { auditEvents(first: 100, where: $w) { totalCount } }`
	users := `query($w: UserWhereInput) { users(first: 100, where: $w) { totalCount } }`

	for _, tc := range []struct {
		name string
		u    *user
		q    string
		w    map[string]any
		path string
	}{
		{"AM filters accounts by a colleague as owner", w.am2, accts, map[string]any{"hasOwnerWith": []any{map[string]any{"id": w.am1.id}}}, "accounts.totalCount"},
		{"AM probes a colleague's contact name via hasContactsWith", w.am2, accts, map[string]any{"hasContactsWith": []any{map[string]any{"nameContains": "张伟"}}}, "accounts.totalCount"},
		{"SM probes another team's contacts via hasAccountWith", w.sm2, conts, map[string]any{"hasAccountWith": []any{map[string]any{"nameContains": "Alpha"}}}, "contacts.totalCount"},
		{"SM probes another team's contacts by accountID", w.sm2, conts, map[string]any{"accountID": w.a1}, "contacts.totalCount"},
		{"service rep probes unassigned accounts by service rep", w.rep1, accts, map[string]any{"hasServiceRep": false}, "accounts.totalCount"},
		{"HR probes accounts by owner", w.hr, accts, map[string]any{"hasOwnerWith": []any{map[string]any{"id": w.am1.id}}}, "accounts.totalCount"},
		{"HR probes contacts", w.hr, conts, map[string]any{"isDecisionMaker": true}, "contacts.totalCount"},
		{"globex probes acme contact names", w.gadmin, accts, map[string]any{"hasContactsWith": []any{map[string]any{"nameContains": "张伟"}}}, "accounts.totalCount"},
		{"globex probes acme users by manager", w.gadmin, users, map[string]any{"hasManagerWith": []any{map[string]any{"id": w.sm1.id}}}, "users.totalCount"},
		{"globex probes acme users by department", w.gadmin, users, map[string]any{"hasDepartmentWith": []any{map[string]any{"nameContains": "客户"}}}, "users.totalCount"},
		{"globex probes acme audit by actor", w.gadmin, auds, map[string]any{"hasActorWith": []any{map[string]any{"id": w.am1.id}}}, "auditEvents.totalCount"},
		{"AM reads a colleague's audit trail by actor", w.am2, auds, map[string]any{"hasActorWith": []any{map[string]any{"id": w.am1.id}}}, "auditEvents.totalCount"},
		{"AM reads the audit trail of a colleague's account", w.am2, auds, map[string]any{"entityID": w.a1}, "auditEvents.totalCount"},
		{"SM reads the audit trail of their team member", w.sm1, auds, map[string]any{"entityID": w.a1}, "auditEvents.totalCount"},
		{"service supervisor reads others' audit trail", w.sup, auds, map[string]any{"actorIDNEQ": w.sup.id}, "auditEvents.totalCount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := count(tc.u, tc.q, map[string]any{"w": tc.w}, tc.path); n != 0 {
				t.Fatalf("filter matched %d hidden rows", n)
			}
		})
	}

	t.Run("nested edges of visible rows do not open hidden ones", func(t *testing.T) {
		// rep1 sees A1; its owner's reports/manager are users (directory) but
		// must not lead to other accounts or contacts.
		r := w.rep1.do(`{ accounts(first: 10) { edges { node { id contacts { id account { id } } owner { manager { reports { edges { node { id } } } } } } } } }`, nil).ok(t)
		if got := ids(t, r, "accounts.edges"); len(got) != 1 || !got[w.a1] {
			t.Fatalf("rep1 sees %v", got)
		}
		for _, hidden := range []string{w.a2, w.a3} {
			if strings.Contains(jsonOf(r.Data), hidden) {
				t.Fatalf("hidden account %s reachable", hidden)
			}
		}
	})

	t.Run("node of a hidden contact, account or audit event in own org is NOT_FOUND", func(t *testing.T) {
		for _, tc := range []struct {
			u  *user
			id string
		}{{w.sm2, w.c1}, {w.hr, w.c1}, {w.rep1, w.a3}, {w.am2, w.amEvent}, {w.sup, w.amEvent}, {w.lead, w.a2}} {
			r := tc.u.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": tc.id}).code(t, "NOT_FOUND")
			if r.get(t, "node") != nil {
				t.Fatalf("data: %v", r.Data)
			}
		}
	})

	t.Run("executive and admin do see the whole audit trail", func(t *testing.T) {
		for _, u := range []*user{w.exec, w.admin} {
			if n := count(u, auds, map[string]any{"w": map[string]any{"entityID": w.a1}}, "auditEvents.totalCount"); n == 0 {
				t.Fatal("no events for A1")
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Writes across tenants.

func TestReviewCrossTenantWrites(t *testing.T) {
	e := sqliteEnv(t)
	w := newReviewWorld(t, e)
	ctx := sys(context.Background())

	for _, tc := range []attack{
		{"globex admin renames an acme user", w.gadmin, `mutation($id: ID!) { updateUser(id: $id, input: {name: "pwned"}) { id } }`, map[string]any{"id": w.am1.id}, "NOT_FOUND"},
		{"globex admin makes an acme user their report", w.gadmin, `mutation($id: ID!, $m: ID!) { updateUser(id: $id, input: {managerID: $m}) { id } }`, map[string]any{"id": w.am1.id, "m": w.gadmin.id}, "NOT_FOUND"},
		{"globex admin gives gam an acme manager", w.gadmin, `mutation($id: ID!, $m: ID!) { updateUser(id: $id, input: {managerID: $m}) { id } }`, map[string]any{"id": w.gam.id, "m": w.sm1.id}, "NOT_FOUND"},
		{"globex admin puts gam in an acme department", w.gadmin, `mutation($id: ID!, $d: ID!) { updateUser(id: $id, input: {departmentID: $d}) { id } }`, map[string]any{"id": w.gam.id, "d": w.dept}, "NOT_FOUND"},
		{"globex admin renames an acme department", w.gadmin, `mutation($id: ID!) { updateDepartment(id: $id, input: {name: "pwned"}) { id } }`, map[string]any{"id": w.dept}, "NOT_FOUND"},
		{"globex admin moves own department under acme's", w.gadmin, `mutation($id: ID!, $p: ID!) { updateDepartment(id: $id, input: {parentID: $p}) { id } }`, map[string]any{"id": w.gdept, "p": w.dept}, "NOT_FOUND"},
		{"globex admin clears an acme department's parent", w.gadmin, `mutation($id: ID!) { updateDepartment(id: $id, input: {clearParent: true}) { id } }`, map[string]any{"id": w.dept}, "NOT_FOUND"},
		{"globex AM edits an acme contact", w.gam, `mutation($id: ID!) { updateContact(id: $id, input: {name: "pwned"}) { id } }`, map[string]any{"id": w.c1}, "NOT_FOUND"},
		{"globex admin edits an acme contact", w.gadmin, `mutation($id: ID!) { updateContact(id: $id, input: {mobile: "13800000000"}) { id } }`, map[string]any{"id": w.c1}, "NOT_FOUND"},
		{"globex AM adds a contact to an acme account", w.gam, `mutation($a: ID!) { createContact(input: {accountID: $a, name: "x"}) { id } }`, map[string]any{"a": w.a1}, "NOT_FOUND"},
		{"globex admin sets an acme service rep on G1", w.gadmin, `mutation($id: ID!, $r: ID!) { updateAccount(id: $id, input: {serviceRepID: $r}) { id } }`, map[string]any{"id": w.g1, "r": w.rep1.id}, "NOT_FOUND"},
		{"acme supervisor sets own rep on G1", w.sup, `mutation($id: ID!, $r: ID!) { updateAccount(id: $id, input: {serviceRepID: $r}) { id } }`, map[string]any{"id": w.g1, "r": w.rep1.id}, "NOT_FOUND"},
		{"acme supervisor sets a globex rep on A1", w.sup, `mutation($id: ID!, $r: ID!) { updateAccount(id: $id, input: {serviceRepID: $r}) { id } }`, map[string]any{"id": w.a1, "r": w.gam.id}, "NOT_FOUND"},
		{"acme admin reassigns G1 to an acme user", w.admin, `mutation($id: ID!, $o: ID!) { updateAccount(id: $id, input: {ownerID: $o}) { id } }`, map[string]any{"id": w.g1, "o": w.am1.id}, "NOT_FOUND"},
		// Refused on the input alone, before the row is looked up: same answer for any ID, so no oracle.
		{"acme admin clears G1's owner", w.admin, `mutation($id: ID!) { updateAccount(id: $id, input: {clearOwner: true}) { id } }`, map[string]any{"id": w.g1}, "BAD_USER_INPUT"},
		{"globex admin creates a department under acme's", w.gadmin, `mutation($p: ID!) { createDepartment(input: {name: "x", parentID: $p}) { id } }`, map[string]any{"p": w.dept}, "NOT_FOUND"},
	} {
		tc.run(t, true)
	}

	t.Run("schema offers no way to name an organisation or move a contact", func(t *testing.T) {
		for _, q := range []string{
			`mutation($o: ID!) { createAccount(input: {name: "x", organizationID: $o}) { id } }`,
			`mutation($o: ID!) { createDepartment(input: {name: "x", organizationID: $o}) { id } }`,
			`mutation($o: ID!) { updateOrganization(id: $o, input: {name: "x"}) { id } }`,
			`mutation($o: ID!) { updateUser(id: $o, input: {roles: [ADMIN]}) { id } }`,
			`mutation($o: ID!) { updateUser(id: $o, input: {addReportIDs: [$o]}) { id } }`,
			`mutation($o: ID!) { updateDepartment(id: $o, input: {addChildIDs: [$o]}) { id } }`,
			`mutation($o: ID!) { updateContact(id: $o, input: {accountID: $o}) { id } }`,
			`mutation($o: ID!) { updateAccount(id: $o, input: {addContactIDs: [$o]}) { id } }`,
		} {
			w.gadmin.do(q, map[string]any{"o": w.acmeOrg}).code(t, "BAD_USER_INPUT")
		}
	})

	t.Run("updateContact cannot move a contact to another account", func(t *testing.T) {
		w.am1.do(`mutation($id: ID!, $a: ID!) { updateContact(id: $id, input: {accountID: $a}) { id } }`,
			map[string]any{"id": w.c1, "a": w.a3}).code(t, "BAD_USER_INPUT")
	})

	// Nothing above changed acme's or globex's rows.
	if u := e.client.User.Query().Where(entuser.ID(pulid.ID(w.am1.id))).OnlyX(ctx); u.Name == "pwned" || u.ManagerID == pulid.ID(w.gadmin.id) {
		t.Fatalf("acme user changed: %+v", u)
	}
	if u := e.client.User.Query().Where(entuser.ID(pulid.ID(w.gam.id))).OnlyX(ctx); u.ManagerID != "" || u.DepartmentID != "" {
		t.Fatalf("globex user linked into acme: %+v", u)
	}
	if d := e.client.Department.Query().Where(department.ID(pulid.ID(w.gdept))).OnlyX(ctx); d.ParentID != "" {
		t.Fatalf("globex department moved: %+v", d)
	}
	if c := e.client.Contact.Query().Where(contact.ID(pulid.ID(w.c1))).OnlyX(ctx); c.Name == "pwned" || c.Mobile != "" {
		t.Fatalf("acme contact changed: %+v", c)
	}
	if a := e.client.Account.Query().Where(account.ID(pulid.ID(w.g1))).OnlyX(ctx); a.ServiceRepID != "" || a.OwnerID != pulid.ID(w.gam.id) {
		t.Fatalf("G1 changed: %+v", a)
	}
	if a := e.client.Account.Query().Where(account.ID(pulid.ID(w.a1))).OnlyX(ctx); a.ServiceRepID != pulid.ID(w.rep1.id) {
		t.Fatalf("A1 service rep changed: %+v", a)
	}
	if n := e.client.Contact.Query().Where(contact.AccountID(pulid.ID(w.a1))).CountX(ctx); n != 1 {
		t.Fatalf("A1 has %d contacts", n)
	}
}

// ---------------------------------------------------------------------------
// Role escalation inside one organisation.

func TestReviewRoleEscalation(t *testing.T) {
	e := sqliteEnv(t)
	w := newReviewWorld(t, e)
	ctx := sys(context.Background())
	upd := `mutation($id: ID!, $in: UpdateAccountInput!) { updateAccount(id: $id, input: $in) { id } }`
	amrep := e.as("acme", "amrep", auth.RoleAccountManager, auth.RoleServiceRep)
	w.sup.do(upd, map[string]any{"id": w.a3, "in": map[string]any{"serviceRepID": amrep.id}}).ok(t)

	for _, tc := range []struct {
		name string
		u    *user
		id   string
		in   map[string]any
		code string
	}{
		{"executive changes a service rep", w.exec, w.a1, map[string]any{"serviceRepID": w.rep1.id}, "FORBIDDEN"},
		{"executive clears a service rep", w.exec, w.a1, map[string]any{"clearServiceRep": true}, "FORBIDDEN"},
		{"service rep reassigns own account's rep", w.rep1, w.a1, map[string]any{"serviceRepID": w.rep1.id}, "FORBIDDEN"},
		{"service rep clears industry", w.rep1, w.a1, map[string]any{"clearIndustry": true}, "FORBIDDEN"},
		{"supervisor changes rep and name", w.sup, w.a1, map[string]any{"serviceRepID": w.rep1.id, "name": "x"}, "FORBIDDEN"},
		{"supervisor changes rep and clears a field", w.sup, w.a1, map[string]any{"serviceRepID": w.rep1.id, "clearIndustry": true}, "FORBIDDEN"},
		{"supervisor clears the region", w.sup, w.a1, map[string]any{"clearRegion": true}, "FORBIDDEN"},
		{"supervisor clears the owner", w.sup, w.a1, map[string]any{"clearOwner": true}, "FORBIDDEN"},
		{"supervisor reassigns owner with rep", w.sup, w.a1, map[string]any{"serviceRepID": w.rep1.id, "ownerID": w.am3.id}, "FORBIDDEN"},
		{"supervisor renames an account", w.sup, w.a2, map[string]any{"name": "A"}, "FORBIDDEN"},
		{"AM clears the owner", w.am1, w.a1, map[string]any{"clearOwner": true}, "FORBIDDEN"},
		{"AM clears the service rep", w.am1, w.a1, map[string]any{"clearServiceRep": true}, "FORBIDDEN"},
		{"AM hands own account to a colleague", w.am1, w.a1, map[string]any{"ownerID": w.am3.id}, "FORBIDDEN"},
		{"AM+rep edits an account they only service", amrep, w.a3, map[string]any{"name": "x"}, "FORBIDDEN"},
		{"AM+rep takes an account they only service", amrep, w.a3, map[string]any{"ownerID": amrep.id}, "FORBIDDEN"},
		{"team lead (AM with reports) edits a report's account", w.lead, w.a2, map[string]any{"name": "A"}, "NOT_FOUND"},
		{"SM changes the rep of a peer team's account", w.sm1, w.a3, map[string]any{"serviceRepID": w.rep1.id}, "NOT_FOUND"},
		{"SM pulls a peer team's account into own team", w.sm1, w.a3, map[string]any{"ownerID": w.am1.id}, "NOT_FOUND"},
		{"SM takes a peer team's account", w.sm1, w.a3, map[string]any{"ownerID": w.sm1.id}, "NOT_FOUND"},
		{"SM hands own team's account to the peer SM", w.sm1, w.a1, map[string]any{"ownerID": w.sm2.id}, "FORBIDDEN"},
		{"SM clears the owner", w.sm1, w.a1, map[string]any{"clearOwner": true}, "BAD_USER_INPUT"},
		{"HR clears a service rep", w.hr, w.a1, map[string]any{"clearServiceRep": true}, "FORBIDDEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.u.do(upd, map[string]any{"id": tc.id, "in": tc.in})
			noLeak(t, r)
			r.code(t, tc.code)
		})
	}

	for _, tc := range []attack{
		{"executive creates a contact", w.exec, `mutation($a: ID!) { createContact(input: {accountID: $a, name: "x"}) { id } }`, map[string]any{"a": w.a1}, "FORBIDDEN"},
		{"executive edits a contact", w.exec, `mutation($id: ID!) { updateContact(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": w.c1}, "FORBIDDEN"},
		{"supervisor edits a contact", w.sup, `mutation($id: ID!) { updateContact(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": w.c1}, "FORBIDDEN"},
		{"service rep edits a contact of own account", w.rep1, `mutation($id: ID!) { updateContact(id: $id, input: {isDecisionMaker: false}) { id } }`, map[string]any{"id": w.c1}, "FORBIDDEN"},
		{"AM+rep adds a contact to a serviced account", amrep, `mutation($a: ID!) { createContact(input: {accountID: $a, name: "x"}) { id } }`, map[string]any{"a": w.a3}, "FORBIDDEN"},
		{"SM edits a contact of a peer team", w.sm2, `mutation($id: ID!) { updateContact(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": w.c1}, "NOT_FOUND"},
		{"supervisor creates an account", w.sup, createAccount, map[string]any{"input": map[string]any{"name": "x"}}, "FORBIDDEN"},
		{"service rep creates an account", w.rep1, createAccount, map[string]any{"input": map[string]any{"name": "x"}}, "FORBIDDEN"},
		{"AM creates an account owned by an HR user", w.am1, createAccount, map[string]any{"input": map[string]any{"name": "x", "ownerID": w.hr.id}}, "FORBIDDEN"},
		{"AM sets own manager to gain a team", w.am1, `mutation($id: ID!) { updateUser(id: $id, input: {clearManager: true}) { id } }`, map[string]any{"id": w.am1.id}, "FORBIDDEN"},
		{"SM adopts a peer's report", w.sm1, `mutation($id: ID!, $m: ID!) { updateUser(id: $id, input: {managerID: $m}) { id } }`, map[string]any{"id": w.am3.id, "m": w.sm1.id}, "FORBIDDEN"},
		{"SM renames self", w.sm1, `mutation($id: ID!) { updateUser(id: $id, input: {name: "boss"}) { id } }`, map[string]any{"id": w.sm1.id}, "FORBIDDEN"},
		{"executive moves a user", w.exec, `mutation($id: ID!, $d: ID!) { updateUser(id: $id, input: {departmentID: $d}) { id } }`, map[string]any{"id": w.am3.id, "d": w.dept}, "FORBIDDEN"},
		{"executive renames a department", w.exec, `mutation($id: ID!) { updateDepartment(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": w.dept}, "FORBIDDEN"},
		{"HR creates a department", w.hr, `mutation { createDepartment(input: {name: "x"}) { id } }`, nil, "FORBIDDEN"},
		{"admin makes a user their own report's report", w.admin, `mutation($id: ID!, $m: ID!) { updateUser(id: $id, input: {managerID: $m}) { id } }`, map[string]any{"id": w.lead.id, "m": w.am2.id}, "BAD_USER_INPUT"},
	} {
		tc.run(t, false)
	}

	t.Run("allowed: supervisor changes only the rep, SM reassigns within team", func(t *testing.T) {
		w.sup.do(upd, map[string]any{"id": w.a2, "in": map[string]any{"serviceRepID": w.rep1.id}}).ok(t)
		w.sup.do(upd, map[string]any{"id": w.a2, "in": map[string]any{"clearServiceRep": true}}).ok(t)
		w.sm1.do(upd, map[string]any{"id": w.a2, "in": map[string]any{"ownerID": w.lead.id}}).ok(t)
		w.sm1.do(upd, map[string]any{"id": w.a2, "in": map[string]any{"ownerID": w.am2.id}}).ok(t)
	})

	// Nothing refused landed.
	for id, want := range map[string][3]string{
		w.a1: {"Alpha 阿尔法", w.am1.id, w.rep1.id},
		w.a2: {"Beta 贝塔", w.am2.id, ""},
		w.a3: {"Gamma 伽马", w.am3.id, amrep.id},
	} {
		a := e.client.Account.Query().Where(account.ID(pulid.ID(id))).OnlyX(ctx)
		if a.Name != want[0] || string(a.OwnerID) != want[1] || string(a.ServiceRepID) != want[2] || a.Tier == account.TierA && id == w.a2 || a.Industry != "" {
			t.Fatalf("account %s changed: name %q owner %s rep %s tier %s", id, a.Name, a.OwnerID, a.ServiceRepID, a.Tier)
		}
	}
	if u := e.client.User.Query().Where(entuser.ID(pulid.ID(w.am1.id))).OnlyX(ctx); u.ManagerID != pulid.ID(w.sm1.id) {
		t.Fatalf("am1's manager changed to %s", u.ManagerID)
	}
	if u := e.client.User.Query().Where(entuser.ID(pulid.ID(w.am3.id))).OnlyX(ctx); u.ManagerID != pulid.ID(w.sm2.id) || u.DepartmentID != "" {
		t.Fatalf("am3 changed: %+v", u)
	}
}

// ---------------------------------------------------------------------------
// An ID of another visible type attached through an edge (an account as a
// manager, a department as an owner) is NOT_FOUND, like any ID the edge
// cannot point to: the check follows the edge's target type, so it does not
// rely on the database's foreign keys.
func TestReviewLinkedIDOfWrongTypeIsNotFound(t *testing.T) {
	e := sqliteEnv(t)
	w := newReviewWorld(t, e)
	for _, tc := range []struct {
		name string
		u    *user
		q    string
		vars map[string]any
	}{
		{"admin: account owner = a department", w.admin, `mutation($id: ID!, $x: ID!) { updateAccount(id: $id, input: {ownerID: $x}) { id } }`, map[string]any{"id": w.a1, "x": w.dept}},
		{"admin: account owner = the organisation", w.admin, `mutation($id: ID!, $x: ID!) { updateAccount(id: $id, input: {ownerID: $x}) { id } }`, map[string]any{"id": w.a1, "x": w.acmeOrg}},
		{"supervisor: service rep = an account", w.sup, `mutation($id: ID!, $x: ID!) { updateAccount(id: $id, input: {serviceRepID: $x}) { id } }`, map[string]any{"id": w.a1, "x": w.a2}},
		{"admin: manager = an account", w.admin, `mutation($id: ID!, $x: ID!) { updateUser(id: $id, input: {managerID: $x}) { id } }`, map[string]any{"id": w.am3.id, "x": w.a3}},
		{"admin: department = a user", w.admin, `mutation($id: ID!, $x: ID!) { updateUser(id: $id, input: {departmentID: $x}) { id } }`, map[string]any{"id": w.am3.id, "x": w.sm1.id}},
		{"admin: parent department = a contact", w.admin, `mutation($id: ID!, $x: ID!) { updateDepartment(id: $id, input: {parentID: $x}) { id } }`, map[string]any{"id": w.dept, "x": w.c1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.u.do(tc.q, tc.vars)
			noLeak(t, r)
			r.code(t, "NOT_FOUND")
		})
	}
	t.Run("defended: contact on a non-account ID", func(t *testing.T) {
		w.am1.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "x"}) { id } }`,
			map[string]any{"a": w.c1}).code(t, "NOT_FOUND")
	})
}

// ---------------------------------------------------------------------------
// Atomicity and error hygiene, on both databases.

func TestReviewMutationAtomicity(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newReviewWorld(t, e)
		ctx := sys(context.Background())
		events := func() int { return e.client.AuditEvent.Query().CountX(ctx) }
		before := events()

		t.Run("allowed write then forbidden row", func(t *testing.T) {
			r := w.am1.do(`mutation($a1: ID!, $a2: ID!) {
				x: updateAccount(id: $a1, input: {name: "Changed"}) { id }
				y: updateAccount(id: $a2, input: {name: "Stolen"}) { id }
			}`, map[string]any{"a1": w.a1, "a2": w.a2}).code(t, "NOT_FOUND")
			if r.Data["x"] != nil {
				t.Fatalf("rolled back data returned: %v", r.Data)
			}
		})
		t.Run("contact then role-refused change", func(t *testing.T) {
			w.sm1.do(`mutation($a: ID!, $o: ID!) {
				c: createContact(input: {accountID: $a, name: "New Person"}) { id }
				u: updateAccount(id: $a, input: {ownerID: $o}) { id }
			}`, map[string]any{"a": w.a1, "o": w.am3.id}).code(t, "FORBIDDEN")
		})
		t.Run("user, department then loop", func(t *testing.T) {
			w.admin.do(`mutation($u: ID!, $d: ID!, $lead: ID!, $am2: ID!) {
				a: updateUser(id: $u, input: {name: "Renamed"}) { id }
				b: createDepartment(input: {name: "Temp", parentID: $d}) { id }
				c: updateUser(id: $lead, input: {managerID: $am2}) { id }
			}`, map[string]any{"u": w.am3.id, "d": w.dept, "lead": w.lead.id, "am2": w.am2.id}).code(t, "BAD_USER_INPUT")
		})
		t.Run("write then nested read error", func(t *testing.T) {
			r := w.am1.do(`mutation($a1: ID!, $bad: ID!) {
				x: updateAccount(id: $a1, input: {name: "Changed"}) { id }
				y: createContact(input: {accountID: $bad, name: "x"}) { id }
			}`, map[string]any{"a1": w.a1, "bad": w.g1})
			r.code(t, "NOT_FOUND")
		})

		if a := e.client.Account.Query().Where(account.ID(pulid.ID(w.a1))).OnlyX(ctx); a.Name != "Alpha 阿尔法" || a.OwnerID != pulid.ID(w.am1.id) {
			t.Fatalf("A1 changed by a failed mutation: %q %s", a.Name, a.OwnerID)
		}
		if n := e.client.Contact.Query().Where(contact.Name("New Person")).CountX(ctx); n != 0 {
			t.Fatal("contact of a failed mutation persisted")
		}
		if n := e.client.Department.Query().Where(department.Name("Temp")).CountX(ctx); n != 0 {
			t.Fatal("department of a failed mutation persisted")
		}
		if u := e.client.User.Query().Where(entuser.ID(pulid.ID(w.am3.id))).OnlyX(ctx); u.Name == "Renamed" {
			t.Fatal("user rename of a failed mutation persisted")
		}
		if n := events(); n != before {
			t.Fatalf("%d audit events written by failed mutations", n-before)
		}
		if n := e.client.AuditEvent.Query().Where(auditevent.EntityID(w.a2), auditevent.ActionEQ(auditevent.ActionUPDATE)).CountX(ctx); n != 0 {
			t.Fatal("update of A2 audited")
		}
	})
}

func TestReviewErrorsDoNotLeak(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newReviewWorld(t, e)
		for _, tc := range []struct {
			name string
			u    *user
			q    string
			vars map[string]any
		}{
			{"NUL byte in a filter", w.am1, `query($s: String!) { accounts(first: 5, where: {nameContains: $s}) { totalCount } }`, map[string]any{"s": "a\x00b"}},
			{"NUL byte in a write", w.am1, `mutation($id: ID!, $s: String!) { updateAccount(id: $id, input: {industry: $s}) { id } }`, map[string]any{"id": w.a1, "s": "a\x00b"}},
			{"empty not filter", w.am1, `{ accounts(first: 5, where: {not: {}}) { totalCount } }`, nil},
			{"foreign-key violation", w.admin, `mutation($id: ID!, $x: ID!) { updateAccount(id: $id, input: {ownerID: $x}) { id } }`, map[string]any{"id": w.a1, "x": w.dept}},
			{"huge cursor", w.am1, `query($c: Cursor) { accounts(first: 1, after: $c) { totalCount } }`, map[string]any{"c": strings.Repeat("gqS", 3000)}},
			{"nodes with hidden IDs", w.am1, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{w.a1, w.a2, w.a3}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.u.do(tc.q, tc.vars)
				noLeak(t, r)
				t.Logf("%s: %+v", tc.name, r.Errors)
			})
		}

		t.Run("foreign and unknown IDs answer the same on writes", func(t *testing.T) {
			q := `mutation($id: ID!) { updateAccount(id: $id, input: {name: "x"}) { id } }`
			a := w.gadmin.do(q, map[string]any{"id": w.a1}).code(t, "NOT_FOUND")
			b := w.gadmin.do(q, map[string]any{"id": unknown(w.a1)}).code(t, "NOT_FOUND")
			if a.Errors[0].Message != b.Errors[0].Message {
				t.Fatalf("%q vs %q", a.Errors[0].Message, b.Errors[0].Message)
			}
			q = `mutation($a: ID!) { createContact(input: {accountID: $a, name: "x"}) { id } }`
			a = w.gam.do(q, map[string]any{"a": w.a1}).code(t, "NOT_FOUND")
			b = w.gam.do(q, map[string]any{"a": unknown(w.a1)}).code(t, "NOT_FOUND")
			if strings.ReplaceAll(a.Errors[0].Message, w.a1, "X") != strings.ReplaceAll(b.Errors[0].Message, unknown(w.a1), "X") {
				t.Fatalf("%q vs %q", a.Errors[0].Message, b.Errors[0].Message)
			}
		})
	})
}

// SALES_MANAGER narrowing uses a recursive CTE inside UPDATE / sub-selects;
// check it on both databases for contacts too.
func TestReviewSalesManagerTeamWrites(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newReviewWorld(t, e)
		edit := `mutation($id: ID!) { updateContact(id: $id, input: {title: "总经理"}) { id title } }`
		w.sm1.do(edit, map[string]any{"id": w.c1}).ok(t)
		w.sm2.do(edit, map[string]any{"id": w.c1}).code(t, "NOT_FOUND")
		w.lead.do(edit, map[string]any{"id": w.c1}).code(t, "NOT_FOUND")
		c2 := w.am2.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "Two Levels"}) { id } }`, map[string]any{"a": w.a2}).ok(t).str(t, "createContact.id")
		w.sm1.do(edit, map[string]any{"id": c2}).ok(t)
		w.sm2.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "x"}) { id } }`, map[string]any{"a": w.a2}).code(t, "NOT_FOUND")
		w.sm1.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "x"}) { id } }`, map[string]any{"a": w.a3}).code(t, "NOT_FOUND")
	})
}

// ---------------------------------------------------------------------------
// Roles without accounts, and transports.

func TestReviewRolesWithoutAccounts(t *testing.T) {
	e := sqliteEnv(t)
	w := newReviewWorld(t, e)
	for _, role := range []auth.Role{auth.RoleEditor, auth.RoleCorrespondent, auth.RoleEmployee, auth.RoleHR} {
		t.Run(string(role), func(t *testing.T) {
			u := e.as("acme", "r-"+string(role), role)
			r := u.do(`query($ids: [ID!]!) { accounts(first: 100) { totalCount } contacts(first: 100) { totalCount } nodes(ids: $ids) { id } }`,
				map[string]any{"ids": []string{w.a1, w.c1}})
			if r.num(t, "accounts.totalCount") != 0 || r.num(t, "contacts.totalCount") != 0 {
				t.Fatalf("%s sees accounts or contacts: %v", role, r.Data)
			}
			for _, n := range r.list(t, "nodes") {
				if n != nil {
					t.Fatalf("%s reads %v", role, n)
				}
			}
			u.do(`mutation($id: ID!) { updateAccount(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": w.a1}).code(t, "FORBIDDEN")
			u.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "x"}) { id } }`, map[string]any{"a": w.a1}).code(t, "NOT_FOUND")
		})
	}
}

func TestReviewMutationOverGET(t *testing.T) {
	e := sqliteEnv(t)
	w := newReviewWorld(t, e)
	q := url.Values{
		"query":     {`mutation($id: ID!) { updateAccount(id: $id, input: {name: "Via GET"}) { id } }`},
		"variables": {`{"id": "` + w.a1 + `"}`},
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/graphql?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+w.am1.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a := e.client.Account.Query().Where(account.ID(pulid.ID(w.a1))).OnlyX(sys(context.Background())); a.Name == "Via GET" {
		t.Fatal("a mutation sent over GET was executed")
	}
	// And without a token nothing runs at all, not even over OPTIONS.
	req, _ = http.NewRequest(http.MethodOptions, e.url+"/graphql?"+q.Encode(), strings.NewReader(`{"query":"{ accounts(first: 1) { totalCount } }"}`))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "totalCount") || strings.Contains(string(body), w.a1) {
		t.Fatalf("OPTIONS executed an operation: %s", body)
	}
}

// Malformed client input (an empty filter, a NUL byte, a broken cursor) is
// BAD_USER_INPUT with a plain message, never INTERNAL or a library's text.
func TestReviewInputErrorsClassified(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)
		t.Run("empty not filter is BAD_USER_INPUT", func(t *testing.T) {
			am.do(`{ accounts(first: 5, where: {not: {}}) { totalCount } }`, nil).code(t, "BAD_USER_INPUT")
		})
		t.Run("NUL byte in a filter is BAD_USER_INPUT or matches nothing", func(t *testing.T) {
			r := am.do(`query($s: String!) { accounts(first: 5, where: {nameContains: $s}) { totalCount } }`, map[string]any{"s": "a\x00b"})
			if len(r.Errors) > 0 {
				r.code(t, "BAD_USER_INPUT")
			}
		})
		t.Run("cursor errors do not name the encoding library", func(t *testing.T) {
			r := am.do(`query($c: Cursor) { accounts(first: 1, after: $c) { totalCount } }`, map[string]any{"c": strings.Repeat("gqS", 3000)}).code(t, "BAD_USER_INPUT")
			if strings.Contains(r.Errors[0].Message, "msgpack") {
				t.Fatalf("message exposes internals: %q", r.Errors[0].Message)
			}
		})
	})
}

// attack is a request that must fail with code.
type attack struct {
	name string
	u    *user
	q    string
	vars map[string]any
	code string
}

// run sends the attack; foreign, when set, also refuses FORBIDDEN where
// NOT_FOUND is wanted (a refusal must not reveal that a foreign row exists).
func (a attack) run(t *testing.T, foreign bool) {
	t.Run(a.name, func(t *testing.T) {
		r := a.u.do(a.q, a.vars)
		noLeak(t, r)
		if foreign && a.code == "NOT_FOUND" && len(r.Errors) > 0 && r.Errors[0].Extensions["code"] == "FORBIDDEN" {
			t.Fatalf("FORBIDDEN on a foreign row: %+v", r.Errors)
		}
		r.code(t, a.code)
	})
}
