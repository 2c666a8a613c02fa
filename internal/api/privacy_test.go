package api_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"rapport/internal/auth"
)

func TestAccountVisibilityByRole(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		all := []string{w.a1, w.a2, w.a3}
		for _, tc := range []struct {
			name string
			u    *user
			want []string
		}{
			{"admin sees the whole org", w.admin, all},
			{"executive sees the whole org", w.exec, all},
			{"service supervisor sees the whole org", w.sup, all},
			{"sales manager sees the team, two levels deep", w.sm1, []string{w.a1, w.a2}},
			{"other sales manager sees only their team", w.sm2, []string{w.a3}},
			{"account manager sees own", w.am1, []string{w.a1}},
			{"team lead without accounts sees none", w.lead, nil},
			{"service rep sees assigned", w.rep1, []string{w.a1}},
			{"HR sees no accounts", w.hr, nil},
			{"other tenant's admin sees only their org", w.gadmin, []string{w.g1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := slices.Sorted(maps.Keys(w.visible(t, tc.u)))
				want := slices.Sorted(slices.Values(tc.want))
				if !slices.Equal(got, want) {
					t.Fatalf("visible = %v, want %v", got, want)
				}
			})
		}
	})
}

func TestForbiddenRowsNeverLeak(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		node := `query($id: ID!) { node(id: $id) { id ... on Account { name } } }`
		for _, tc := range []struct {
			name string
			u    *user
			id   string
		}{
			{"account manager reads a colleague's account", w.am1, w.a2},
			{"sales manager reads another team's account", w.sm1, w.a3},
			{"HR reads an account", w.hr, w.a1},
			{"service rep reads an unassigned account", w.rep1, w.a2},
			{"other tenant's admin reads acme's account", w.gadmin, w.a1},
			{"other tenant's admin reads acme's contact", w.gadmin, w.c1},
			{"other tenant's admin reads acme's user", w.gadmin, w.am1.id},
			{"account manager reads a contact of a colleague's account", w.am2, w.c1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.u.do(node, map[string]any{"id": tc.id}).code(t, "NOT_FOUND")
				if r.get(t, "node") != nil {
					t.Fatalf("node returned data: %v", r.Data)
				}
			})
		}

		t.Run("nested contacts and owner obey privacy", func(t *testing.T) {
			gc := w.gam.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "Globex Boss"}) { id } }`,
				map[string]any{"a": w.g1}).ok(t).str(t, "createContact.id")
			r := w.gadmin.do(`{ accounts(first: 10) { edges { node { id contacts { id } owner { id } } } } }`, nil).ok(t)
			if n := len(r.list(t, "accounts.edges")); n != 1 || r.str(t, "accounts.edges.0.node.id") != w.g1 {
				t.Fatalf("globex admin sees %v", r.Data)
			}
			if cs := r.list(t, "accounts.edges.0.node.contacts"); len(cs) != 1 || cs[0].(map[string]any)["id"] != gc {
				t.Fatalf("G1 shows contacts %v, want only %s", cs, gc)
			}
			if o := r.str(t, "accounts.edges.0.node.owner.id"); o != w.gam.id {
				t.Fatalf("G1's owner is %s, want %s", o, w.gam.id)
			}
			// A service rep sees the account assigned to them with its contact
			// and owner, and nothing of the others.
			r = w.rep1.do(`{ accounts(first: 10) { edges { node { id contacts { id } owner { id } } } } }`, nil).ok(t)
			if n := len(r.list(t, "accounts.edges")); n != 1 || r.str(t, "accounts.edges.0.node.id") != w.a1 ||
				len(r.list(t, "accounts.edges.0.node.contacts")) != 1 || r.str(t, "accounts.edges.0.node.owner.id") != w.am1.id {
				t.Fatalf("rep1 sees %v", r.Data)
			}
			r = w.hr.do(`{ contacts(first: 10) { totalCount } }`, nil).ok(t)
			if n := r.num(t, "contacts.totalCount"); n != 0 {
				t.Fatalf("HR sees %d contacts", n)
			}
		})

		t.Run("where filters cannot reach other tenants", func(t *testing.T) {
			r := w.gadmin.do(`query($o: ID!) { accounts(first: 10, where: {hasOwnerWith: [{id: $o}]}) { totalCount } }`,
				map[string]any{"o": w.am1.id}).ok(t)
			if n := r.num(t, "accounts.totalCount"); n != 0 {
				t.Fatalf("found %d acme accounts from globex", n)
			}
		})
	})
}

func TestMutationsObeyPrivacy(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		update := `mutation($id: ID!, $in: UpdateAccountInput!) { updateAccount(id: $id, input: $in) { id name owner { id } } }`
		rename := map[string]any{"name": "Renamed"}
		for _, tc := range []struct {
			name string
			u    *user
			id   string
			in   map[string]any
			code string
		}{
			{"account manager edits a colleague's account", w.am1, w.a2, rename, "NOT_FOUND"},
			{"sales manager edits another team's account", w.sm1, w.a3, rename, "NOT_FOUND"},
			{"other tenant's admin edits acme's account", w.gadmin, w.a1, rename, "NOT_FOUND"},
			{"executive is read-only", w.exec, w.a1, rename, "FORBIDDEN"},
			{"service rep is read-only", w.rep1, w.a1, rename, "FORBIDDEN"},
			{"HR cannot edit accounts", w.hr, w.a1, rename, "FORBIDDEN"},
			{"account manager cannot reassign their account", w.am1, w.a1, map[string]any{"ownerID": w.am2.id}, "FORBIDDEN"},
			{"sales manager cannot hand an account outside the team", w.sm1, w.a1, map[string]any{"ownerID": w.am3.id}, "FORBIDDEN"},
			{"admin cannot assign an owner from another tenant", w.admin, w.a1, map[string]any{"ownerID": w.gam.id}, "NOT_FOUND"},
			{"service supervisor changes only the service rep", w.sup, w.a1, rename, "FORBIDDEN"},
			{"account manager cannot assign service reps", w.am1, w.a1, map[string]any{"serviceRepID": w.rep1.id}, "FORBIDDEN"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.u.do(update, map[string]any{"id": tc.id, "in": tc.in}).code(t, tc.code)
			})
		}
		// None of the refused changes landed.
		r := w.admin.do(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Account { name owner { id } serviceRep { id } } } }`,
			map[string]any{"ids": []string{w.a1, w.a2, w.a3}}).ok(t)
		for i, name := range []string{"Alpha 阿尔法", "Beta 贝塔", "Gamma 伽马"} {
			if got := r.str(t, "nodes."+itoa(i)+".name"); got != name {
				t.Fatalf("account %d renamed to %q", i, got)
			}
		}
		if got := r.str(t, "nodes.0.owner.id"); got != w.am1.id {
			t.Fatalf("A1 owner changed to %s", got)
		}

		t.Run("allowed edits", func(t *testing.T) {
			w.am1.do(update, map[string]any{"id": w.a1, "in": rename}).ok(t)
			w.sm1.do(update, map[string]any{"id": w.a2, "in": map[string]any{"ownerID": w.am1.id}}).ok(t)
			w.admin.do(update, map[string]any{"id": w.a2, "in": map[string]any{"ownerID": w.am2.id}}).ok(t)
			w.sup.do(update, map[string]any{"id": w.a3, "in": map[string]any{"serviceRepID": w.rep1.id}}).ok(t)
			if !w.visible(t, w.rep1)[w.a3] {
				t.Fatal("service rep does not see the account just assigned")
			}
		})

		t.Run("creating accounts", func(t *testing.T) {
			in := func(owner string) map[string]any {
				m := map[string]any{"name": "New Co", "tier": "B"}
				if owner != "" {
					m["ownerID"] = owner
				}
				return map[string]any{"input": m}
			}
			r := w.am1.do(createAccount, in("")).ok(t)
			if got := r.str(t, "createAccount.owner.id"); got != w.am1.id {
				t.Fatalf("owner defaulted to %s, want the viewer %s", got, w.am1.id)
			}
			w.am1.do(createAccount, in(w.am2.id)).code(t, "FORBIDDEN")
			w.sm1.do(createAccount, in(w.am2.id)).ok(t)
			w.sm1.do(createAccount, in(w.am3.id)).code(t, "FORBIDDEN")
			w.exec.do(createAccount, in("")).code(t, "FORBIDDEN")
			w.hr.do(createAccount, in("")).code(t, "FORBIDDEN")
			w.gadmin.do(createAccount, in(w.am1.id)).code(t, "NOT_FOUND")
		})

		t.Run("contacts follow their account", func(t *testing.T) {
			mk := `mutation($a: ID!) { createContact(input: {accountID: $a, name: "李娜"}) { id account { id } } }`
			w.am1.do(mk, map[string]any{"a": w.a3}).code(t, "NOT_FOUND")
			w.gadmin.do(mk, map[string]any{"a": w.a1}).code(t, "NOT_FOUND")
			w.rep1.do(mk, map[string]any{"a": w.a1}).code(t, "FORBIDDEN")
			w.am3.do(`mutation($id: ID!) { updateContact(id: $id, input: {title: "x"}) { id } }`, map[string]any{"id": w.c1}).code(t, "NOT_FOUND")
			w.am1.do(`mutation($id: ID!) { updateContact(id: $id, input: {title: "总经理"}) { id title } }`, map[string]any{"id": w.c1}).ok(t)
		})

		t.Run("users and departments", func(t *testing.T) {
			mgr := `mutation($id: ID!, $m: ID!) { updateUser(id: $id, input: {managerID: $m}) { id } }`
			w.sm1.do(mgr, map[string]any{"id": w.am3.id, "m": w.sm1.id}).code(t, "FORBIDDEN")
			w.admin.do(mgr, map[string]any{"id": w.sm1.id, "m": w.am2.id}).code(t, "BAD_USER_INPUT")
			w.admin.do(mgr, map[string]any{"id": w.sm1.id, "m": w.sm1.id}).code(t, "BAD_USER_INPUT")
			w.gadmin.do(mgr, map[string]any{"id": w.am1.id, "m": w.gadmin.id}).code(t, "NOT_FOUND")
			w.hr.do(`mutation { createDepartment(input: {name: "Culture"}) { id } }`, nil).code(t, "FORBIDDEN")
			d := w.admin.do(`mutation { createDepartment(input: {name: "客户部 Clients"}) { id } }`, nil).ok(t).str(t, "createDepartment.id")
			w.gadmin.do(`mutation($d: ID!) { createDepartment(input: {name: "x", parentID: $d}) { id } }`, map[string]any{"d": d}).code(t, "NOT_FOUND")
			child := w.admin.do(`mutation($p: ID!) { createDepartment(input: {name: "华东组 East", parentID: $p}) { id } }`, map[string]any{"p": d}).ok(t).str(t, "createDepartment.id")
			grandchild := w.admin.do(`mutation($p: ID!) { createDepartment(input: {name: "Desk 1", parentID: $p}) { id } }`, map[string]any{"p": child}).ok(t).str(t, "createDepartment.id")
			move := `mutation($id: ID!, $p: ID!) { updateDepartment(id: $id, input: {parentID: $p}) { id } }`
			w.admin.do(move, map[string]any{"id": d, "p": grandchild}).code(t, "BAD_USER_INPUT")
			w.admin.do(move, map[string]any{"id": d, "p": d}).code(t, "BAD_USER_INPUT")
			w.admin.do(`mutation($id: ID!, $d: ID!) { updateUser(id: $id, input: {departmentID: $d}) { department { name parent { name } } } }`,
				map[string]any{"id": w.am1.id, "d": child}).ok(t)
			r := w.gadmin.do(`{ departments { id } }`, nil).ok(t)
			if n := len(r.list(t, "departments")); n != 0 {
				t.Fatalf("globex sees %d acme departments", n)
			}
		})

		t.Run("audit trail is private", func(t *testing.T) {
			r := w.gadmin.do(`{ auditEvents(first: 100) { edges { node { entityID } } } }`, nil).ok(t)
			for _, ed := range r.list(t, "auditEvents.edges") {
				id := ed.(map[string]any)["node"].(map[string]any)["entityID"]
				if id == w.a1 || id == w.a2 {
					t.Fatalf("globex admin sees acme audit event for %v", id)
				}
			}
			r = w.am1.do(`{ auditEvents(first: 100) { edges { node { actor { id } } } } }`, nil).ok(t)
			for _, ed := range r.list(t, "auditEvents.edges") {
				if a := ed.(map[string]any)["node"].(map[string]any)["actor"]; a == nil || a.(map[string]any)["id"] != w.am1.id {
					t.Fatalf("account manager sees someone else's audit event: %v", ed)
				}
			}
		})
	})
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestOrganizationSettings(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		const upd = `mutation($in: UpdateOrganizationInput!) { updateOrganization(input: $in) { slug name timezone } }`
		r := w.admin.do(upd, map[string]any{"in": map[string]any{"name": "Acme 艾克美", "timezone": "Europe/Berlin"}}).ok(t)
		if r.str(t, "updateOrganization.timezone") != "Europe/Berlin" || r.str(t, "updateOrganization.slug") != "acme" {
			t.Fatalf("updateOrganization = %v", r.Data)
		}
		w.admin.do(upd, map[string]any{"in": map[string]any{"timezone": "Mars/Olympus"}}).code(t, "BAD_USER_INPUT")
		w.exec.do(upd, map[string]any{"in": map[string]any{"name": "Taken over"}}).code(t, "FORBIDDEN")
		w.sm1.do(upd, map[string]any{"in": map[string]any{"name": "Taken over"}}).code(t, "FORBIDDEN")
		// Each admin changes only their own organisation.
		w.gadmin.do(upd, map[string]any{"in": map[string]any{"name": "Globex 2"}}).ok(t)
		r = w.am1.do(`{ viewer { organization { name timezone } } }`, nil).ok(t)
		if r.str(t, "viewer.organization.name") != "Acme 艾克美" || r.str(t, "viewer.organization.timezone") != "Europe/Berlin" {
			t.Fatalf("acme after globex's change: %v", r.Data)
		}
	})
}

// Filters across edges to rows the viewer may not read are not offered: a
// rep could otherwise test, through a batch's totalCount, the accounts of
// every callback in it (credit limits, balances, names), and finance the
// contacts of any account that ever asked for credit.
func TestNoWhereFilterReachesUnreadableRows(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	rep := e.as("acme", "rep", auth.RoleServiceRep)
	finance := e.as("acme", "fin", auth.RoleFinance)
	for _, c := range []struct {
		u *user
		q string
	}{
		{rep, `{ callbackBatches(first: 10, where: {hasCallbacksWith: [{hasAccountWith: [{creditLimitGTE: 1000000}]}]}) { totalCount } }`},
		{rep, `{ serviceIssues(first: 10, where: {hasAccountWith: [{outstandingBalanceGT: 0}]}) { totalCount } }`},
		{rep, `{ complaints(first: 10, where: {hasAccountWith: [{nameHasPrefix: "华东"}]}) { totalCount } }`},
		{finance, `{ creditRequests(first: 10, where: {hasAccountWith: [{hasContactsWith: [{mobileHasPrefix: "139"}]}]}) { totalCount } }`},
		{rep, `{ accounts(first: 10, where: {hasInteractionsWith: [{summaryContains: "报价"}]}) { totalCount } }`},
	} {
		if r := c.u.do(c.q, nil).code(t, "BAD_USER_INPUT"); !strings.Contains(r.Errors[0].Message, "not defined") {
			t.Errorf("%s: %s", c.q, r.Errors[0].Message)
		}
	}
}
