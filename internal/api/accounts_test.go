package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"rapport/ent"
	"rapport/ent/auditevent"
	"rapport/internal/auth"
	"rapport/internal/pulid"
)

func TestContractAccountOperations(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)

		r := am.op("accounts.graphql", "Viewer", nil).ok(t)
		if r.str(t, "viewer.subject") != "am" || r.str(t, "viewer.organization.slug") != "acme" ||
			r.str(t, "viewer.organization.timezone") != "Asia/Shanghai" || r.str(t, "viewer.name") != "am name" {
			t.Fatalf("viewer = %v", r.Data)
		}
		if roles := r.list(t, "viewer.roles"); len(roles) != 1 || roles[0] != "ACCOUNT_MANAGER" {
			t.Fatalf("roles = %v", roles)
		}

		r = am.op("accounts.graphql", "CreateAccount", map[string]any{"input": map[string]any{
			"name": "上海华东精密机械有限公司", "tier": "A", "region": "华东", "email": "info@hd-precision.cn",
			"phone": "+86 21 6288 1234", "creditLimit": 500000, "paymentTermDays": 60,
		}}).ok(t)
		id := r.str(t, "createAccount.id")
		if r.str(t, "createAccount.tier") != "A" || r.str(t, "createAccount.lifecycleStage") != "PROSPECT" ||
			r.str(t, "createAccount.cooperationIntent") != "MEDIUM" || r.str(t, "createAccount.owner.subject") != "am" {
			t.Fatalf("createAccount = %v", r.Data)
		}

		r = am.op("accounts.graphql", "UpdateAccount", map[string]any{"id": id, "input": map[string]any{"name": "Renamed 更名", "region": "华北"}}).ok(t)
		if r.str(t, "updateAccount.name") != "Renamed 更名" || r.str(t, "updateAccount.region") != "华北" {
			t.Fatalf("updateAccount = %v", r.Data)
		}

		r = am.op("accounts.graphql", "CreateContact", map[string]any{"input": map[string]any{
			"accountID": id, "name": "王芳 Wang Fang", "title": "总经理", "isDecisionMaker": true, "mobile": "13912345678",
		}}).ok(t)
		if r.str(t, "createContact.account.id") != id || r.get(t, "createContact.isDecisionMaker") != true {
			t.Fatalf("createContact = %v", r.Data)
		}

		r = am.op("accounts.graphql", "Accounts", map[string]any{"first": 10}).ok(t)
		if r.num(t, "accounts.totalCount") != 1 || r.str(t, "accounts.edges.0.node.contacts.0.name") != "王芳 Wang Fang" ||
			r.str(t, "accounts.edges.0.node.owner.name") != "am name" {
			t.Fatalf("accounts = %v", r.Data)
		}

		r = am.op("accounts.graphql", "Node", map[string]any{"id": id}).ok(t)
		if r.str(t, "node.name") != "Renamed 更名" || r.str(t, "node.tier") != "A" {
			t.Fatalf("node = %v", r.Data)
		}
	})
}

func TestAccountsConnection(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)
		tiers := []string{"A", "B", "B", "C", "C"}
		for i := range 10 {
			am.do(createAccount, map[string]any{"input": map[string]any{"name": fmt.Sprintf("Account %02d", i), "tier": tiers[i%5]}}).ok(t)
		}
		names := func(r *result) []string {
			var out []string
			for _, ed := range r.list(t, "accounts.edges") {
				out = append(out, ed.(map[string]any)["node"].(map[string]any)["name"].(string))
			}
			return out
		}
		asc := map[string]any{"field": "NAME", "direction": "ASC"}

		// Forward pages of 4 walk all ten in order.
		var seen []string
		var after any
		for page := 0; ; page++ {
			r := am.op("accounts.graphql", "Accounts", map[string]any{"first": 4, "after": after, "orderBy": asc}).ok(t)
			if r.num(t, "accounts.totalCount") != 10 {
				t.Fatalf("totalCount = %d", r.num(t, "accounts.totalCount"))
			}
			seen = append(seen, names(r)...)
			if r.get(t, "accounts.pageInfo.hasNextPage") != true {
				break
			}
			after = r.str(t, "accounts.pageInfo.endCursor")
			if page > 3 {
				t.Fatal("pagination does not end")
			}
		}
		if len(seen) != 10 || seen[0] != "Account 00" || seen[9] != "Account 09" {
			t.Fatalf("forward walk = %v", seen)
		}

		// Backwards: last 3 before the 5th.
		r := am.do(`query($b: Cursor) { accounts(last: 3, before: $b, orderBy: {field: NAME, direction: ASC}) { edges { cursor node { name } } pageInfo { hasPreviousPage startCursor } } }`, nil).ok(t)
		if got := names(r); strings.Join(got, ",") != "Account 07,Account 08,Account 09" {
			t.Fatalf("last 3 = %v", got)
		}
		cursor := r.str(t, "accounts.edges.0.cursor")
		r = am.do(`query($b: Cursor) { accounts(last: 2, before: $b, orderBy: {field: NAME, direction: ASC}) { edges { node { name } } } }`,
			map[string]any{"b": cursor}).ok(t)
		if got := names(r); strings.Join(got, ",") != "Account 05,Account 06" {
			t.Fatalf("last 2 before Account 07 = %v", got)
		}

		// where + orderBy DESC.
		r = am.op("accounts.graphql", "Accounts", map[string]any{"first": 10,
			"where": map[string]any{"tier": "A"}, "orderBy": map[string]any{"field": "NAME", "direction": "DESC"}}).ok(t)
		if got := names(r); strings.Join(got, ",") != "Account 05,Account 00" || r.num(t, "accounts.totalCount") != 2 {
			t.Fatalf("tier A desc = %v", got)
		}
		r = am.op("accounts.graphql", "Accounts", map[string]any{"first": 10,
			"where": map[string]any{"nameContainsFold": "account 0", "tierIn": []string{"B", "C"}, "not": map[string]any{"tier": "C"}}}).ok(t)
		if r.num(t, "accounts.totalCount") != 4 {
			t.Fatalf("B accounts = %v", names(r))
		}
	})
}

func TestBadInputIsRejectedClearly(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)
		mk := func(in map[string]any) *result {
			return am.op("accounts.graphql", "CreateAccount", map[string]any{"input": in})
		}
		for _, tc := range []struct {
			name  string
			in    map[string]any
			field string
		}{
			{"bad e-mail", map[string]any{"name": "X", "email": "not-an-email"}, "email"},
			{"bad phone", map[string]any{"name": "X", "phone": "call me maybe"}, "phone"},
			{"bad website", map[string]any{"name": "X", "website": "javascript:alert(1)"}, "website"},
			{"blank name", map[string]any{"name": "   "}, "name"},
			{"name too long", map[string]any{"name": strings.Repeat("长", 201)}, "name"},
			{"negative credit limit", map[string]any{"name": "X", "creditLimit": -1}, "creditLimit"},
			{"payment term out of range", map[string]any{"name": "X", "paymentTermDays": 400}, "paymentTermDays"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := mk(tc.in).code(t, "BAD_USER_INPUT")
				if r.Errors[0].Extensions["field"] != tc.field || !strings.Contains(r.Errors[0].Message, tc.field) {
					t.Fatalf("error does not name %s: %+v", tc.field, r.Errors)
				}
			})
		}
		for _, tc := range []struct{ name, query string }{
			{"unknown enum value", `mutation { createAccount(input: {name: "X", tier: D}) { id } }`},
			{"malformed ID", `{ node(id: "not-an-id") { id } }`},
			{"malformed cursor", `{ accounts(first: 1, after: "%%%") { totalCount } }`},
			{"page too large", `{ accounts(first: 100000) { totalCount } }`},
			{"negative page", `{ accounts(first: -1) { totalCount } }`},
			{"syntax error", `{ accounts(first: 1 { totalCount } }`},
			{"unknown field", `{ accounts(first: 1) { nope } }`},
			{"missing required input", `mutation { createAccount(input: {tier: A}) { id } }`},
		} {
			t.Run(tc.name, func(t *testing.T) { am.do(tc.query, nil).code(t, "BAD_USER_INPUT") })
		}
		t.Run("bad enum in variables", func(t *testing.T) {
			mk(map[string]any{"name": "X", "tier": "Z"}).code(t, "BAD_USER_INPUT")
		})
		t.Run("unknown ID is NOT_FOUND", func(t *testing.T) {
			am.do(`{ node(id: "AC01ARZ3NDEKTSV4RRFFQ69G5FAV") { id } }`, nil).code(t, "NOT_FOUND")
			am.op("accounts.graphql", "UpdateAccount", map[string]any{"id": "AC01ARZ3NDEKTSV4RRFFQ69G5FAV", "input": map[string]any{"name": "x"}}).code(t, "NOT_FOUND")
		})
		// Nothing above wrote a row.
		if n := am.op("accounts.graphql", "Accounts", map[string]any{"first": 1}).ok(t).num(t, "accounts.totalCount"); n != 0 {
			t.Fatalf("%d accounts written by rejected requests", n)
		}
	})
}

func TestMutationIsOneTransaction(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)
		r := am.do(`mutation {
			a: createAccount(input: {name: "First"}) { id }
			b: createAccount(input: {name: "Second", email: "broken"}) { id }
		}`, nil).code(t, "BAD_USER_INPUT")
		if r.Data["a"] != nil {
			t.Fatalf("rolled-back mutation returned data: %v", r.Data)
		}
		ctx := sys(context.Background())
		if n, _ := e.client.Account.Query().Count(ctx); n != 0 {
			t.Fatalf("%d accounts left behind by a failed mutation", n)
		}
		if n, _ := e.client.AuditEvent.Query().Where(auditevent.EntityType("Account")).Count(ctx); n != 0 {
			t.Fatalf("%d audit events left behind by a failed mutation", n)
		}
	})
}

func TestAuditTrail(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		w.sm1.do(`mutation($id: ID!, $o: ID!) { updateAccount(id: $id, input: {ownerID: $o, region: "华南"}) { id } }`,
			map[string]any{"id": w.a2, "o": w.am1.id}).ok(t)
		r := w.admin.do(`query($id: String!) { auditEvents(first: 10, where: {entityID: $id}, orderBy: {field: CREATED_AT, direction: ASC}) {
			edges { node { action entityType entityID requestID actor { id } changes { field old new } } } } }`,
			map[string]any{"id": w.a2}).ok(t)
		evs := r.list(t, "auditEvents.edges")
		if len(evs) != 2 {
			t.Fatalf("%d events for A2, want create + reassignment: %v", len(evs), evs)
		}
		if r.str(t, "auditEvents.edges.0.node.action") != "CREATE" || r.str(t, "auditEvents.edges.0.node.actor.id") != w.am2.id {
			t.Fatalf("create event = %v", evs[0])
		}
		upd := r.get(t, "auditEvents.edges.1.node").(map[string]any)
		if upd["action"] != "UPDATE" || upd["actor"].(map[string]any)["id"] != w.sm1.id || upd["requestID"] == "" {
			t.Fatalf("update event = %v", upd)
		}
		changes := map[string][2]any{}
		for _, c := range upd["changes"].([]any) {
			m := c.(map[string]any)
			changes[m["field"].(string)] = [2]any{m["old"], m["new"]}
		}
		if changes["ownerID"] != [2]any{w.am2.id, w.am1.id} || changes["region"] != [2]any{nil, "华南"} || len(changes) != 2 {
			t.Fatalf("changes = %v", changes)
		}
	})
}

func TestFirstRequestsProvisionOneUser(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		tok := token(t, "acme", "newcomer", auth.RoleEmployee)
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Go(func() {
				r := e.post(tok, `{ viewer { id } }`, nil)
				if len(r.Errors) == 0 {
					ids[i], _ = r.Data["viewer"].(map[string]any)["id"].(string)
				}
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("concurrent first requests saw users %v", ids)
			}
		}
		// Roles always come from the token, and the stored copy follows it.
		r := e.post(token(t, "acme", "newcomer", auth.RoleHR), `{ viewer { roles } }`, nil).ok(t)
		if roles := r.list(t, "viewer.roles"); len(roles) != 1 || roles[0] != "HR" {
			t.Fatalf("roles = %v", roles)
		}
	})
}

// TestTimesAcrossZones: instants given with different offsets are stored,
// filtered and ordered as instants (SQLite compares times as text, so every
// time is normalised to UTC), and come back in UTC.
func TestTimesAcrossZones(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)
		// A: 07:00 in Shanghai on 1 March is 23:00 UTC on 28 February; B is half an hour later.
		am.do(createAccount, map[string]any{"input": map[string]any{"name": "A", "lastOrderAt": "2026-03-01T07:00:00+08:00"}}).ok(t)
		am.do(createAccount, map[string]any{"input": map[string]any{"name": "B", "lastOrderAt": "2026-02-28T23:30:00Z"}}).ok(t)
		r := am.do(`{ accounts(first: 10, where: {lastOrderAtLT: "2026-03-01T07:15:00+08:00"}) { edges { node { name lastOrderAt } } } }`, nil).ok(t)
		if n := len(r.list(t, "accounts.edges")); n != 1 || r.str(t, "accounts.edges.0.node.name") != "A" {
			t.Fatalf("before 23:15 UTC: %v", r.Data)
		}
		if got := r.str(t, "accounts.edges.0.node.lastOrderAt"); got != "2026-02-28T23:00:00Z" {
			t.Fatalf("lastOrderAt = %s, want UTC", got)
		}
		r = am.do(`{ accounts(first: 10, orderBy: {field: LAST_ORDER_AT, direction: DESC}) { edges { node { name } } } }`, nil).ok(t)
		if r.str(t, "accounts.edges.0.node.name") != "B" {
			t.Fatalf("latest order first: %v", r.Data)
		}
	})
}

// TestStaleEditsAreConflicts: an edit made from a copy read at version N
// applies only while the account is still at N.
func TestStaleEditsAreConflicts(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		const upd = `mutation($id: ID!, $in: UpdateAccountInput!, $v: Int) { updateAccount(id: $id, input: $in, expectedVersion: $v) { name version } }`
		v := w.am1.do(`query($id: ID!) { node(id: $id) { ... on Account { version } } }`, map[string]any{"id": w.a1}).ok(t).num(t, "node.version")

		r := w.am1.do(upd, map[string]any{"id": w.a1, "in": map[string]any{"name": "First edit"}, "v": v}).ok(t)
		if r.num(t, "updateAccount.version") != v+1 {
			t.Fatalf("version after an edit = %d, want %d", r.num(t, "updateAccount.version"), v+1)
		}
		// A second screen still holding version v loses, and changes nothing.
		w.sm1.do(upd, map[string]any{"id": w.a1, "in": map[string]any{"name": "Stale edit"}, "v": v}).code(t, "CONFLICT")
		r = w.am1.do(`query($id: ID!) { node(id: $id) { ... on Account { name version } } }`, map[string]any{"id": w.a1}).ok(t)
		if r.str(t, "node.name") != "First edit" || r.num(t, "node.version") != v+1 {
			t.Fatalf("after a refused stale edit: %v", r.Data)
		}
		// Without expectedVersion the edit applies (and still counts).
		if got := w.am1.do(upd, map[string]any{"id": w.a1, "in": map[string]any{"name": "Third"}}).ok(t).num(t, "updateAccount.version"); got != v+2 {
			t.Fatalf("version = %d", got)
		}
		// A row the viewer cannot see stays NOT_FOUND, whatever the version.
		w.am1.do(upd, map[string]any{"id": w.a2, "in": map[string]any{"name": "x"}, "v": 1}).code(t, "NOT_FOUND")
		w.gadmin.do(upd, map[string]any{"id": w.a1, "in": map[string]any{"name": "x"}, "v": v + 2}).code(t, "NOT_FOUND")
		// Contacts too.
		w.am1.do(`mutation($id: ID!) { updateContact(id: $id, input: {title: "x"}, expectedVersion: 99) { id } }`, map[string]any{"id": w.c1}).code(t, "CONFLICT")
	})
}

// Tier and credit terms are set when an account is created and change only
// through their workflows (changeAccountTier, tier reviews, credit approval),
// never through updateAccount: the tier is not in its input, and the credit
// terms are refused by the account's policy, pointing to the request.
func TestWorkflowFieldsAreNotInUpdateAccount(t *testing.T) {
	e := sqliteEnv(t)
	w := newWorld(t, e)
	w.admin.do(`mutation($id: ID!) { updateAccount(id: $id, input: {tier: A}) { id } }`, map[string]any{"id": w.a1}).code(t, "BAD_USER_INPUT")
	for _, in := range []string{`{creditLimit: 1000}`, `{paymentTermDays: 30}`, `{clearCreditLimit: true}`} {
		r := w.admin.do(`mutation($id: ID!) { updateAccount(id: $id, input: `+in+`) { id } }`, map[string]any{"id": w.a1})
		r.code(t, "FORBIDDEN")
		if !strings.Contains(r.Errors[0].Message, "requestCreditChange") {
			t.Errorf("%s: %q does not point to the credit request", in, r.Errors[0].Message)
		}
	}
	r := w.am1.do(createAccount, map[string]any{"input": map[string]any{"name": "Terms", "tier": "A", "creditLimit": 1000, "paymentTermDays": 30}}).ok(t)
	if r.str(t, "createAccount.tier") != "A" {
		t.Fatalf("created with tier %s", r.str(t, "createAccount.tier"))
	}
}

// Account.contacts is a plain list, so an account holds at most 50
// contacts; concurrent additions cannot pass the bound together.
func TestContactsPerAccountAreBounded(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		org := e.org("acme")
		am := e.as("acme", "am", auth.RoleAccountManager)
		id := am.do(createAccount, map[string]any{"input": map[string]any{"name": "Many contacts"}}).ok(t).str(t, "createAccount.id")
		ctx := sys(t.Context())
		bulk := make([]*ent.ContactCreate, 47)
		for i := range bulk {
			bulk[i] = e.client.Contact.Create().SetOrganizationID(org.ID).SetAccountID(pulid.ID(id)).SetName(fmt.Sprintf("C%d", i))
		}
		e.client.Contact.CreateBulk(bulk...).ExecX(ctx)
		add := `mutation($a: ID!, $n: String!) { createContact(input: {accountID: $a, name: $n}) { id } }`
		var wg sync.WaitGroup
		results := make([]*result, 8)
		for i := range results {
			wg.Go(func() { results[i] = am.do(add, map[string]any{"a": id, "n": fmt.Sprintf("Racer %d", i)}) })
		}
		wg.Wait()
		ok := 0
		for _, r := range results {
			if len(r.Errors) == 0 {
				ok++
			} else if c := r.Errors[0].Extensions["code"]; c != "CONFLICT" {
				t.Fatalf("a refused addition answered %v", r.Errors)
			}
		}
		if n := e.client.Contact.Query().CountX(ctx); ok != 3 || n != 50 {
			t.Fatalf("%d racers added, %d contacts; want 3 and 50", ok, n)
		}
		am.do(add, map[string]any{"a": id, "n": "51st"}).code(t, "CONFLICT")
		if n := len(am.do(`query($id: ID!) { node(id: $id) { ... on Account { contacts { id } } } }`, map[string]any{"id": id}).ok(t).list(t, "node.contacts")); n != 50 {
			t.Fatalf("contacts lists %d", n)
		}
	})
}
