package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/ent"
	"rapport/internal/api"
	"rapport/internal/auth"
	"rapport/internal/pulid"
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
			if total := r.num(t, "accounts.totalCount"); total != 60 || r.get(t, "accounts.pageInfo.hasNextPage") != true {
				t.Fatalf("totalCount %d of 60, hasNextPage %v", total, r.get(t, "accounts.pageInfo.hasNextPage"))
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
		// The total of a first page comes with it; a later page, or an empty
		// one, counts all the same.
		r := ams[0].do(`query($n: Int) { accounts(first: $n) { totalCount pageInfo { endCursor } edges { node { id } } } }`, map[string]any{"n": 7}).ok(t)
		if r.num(t, "accounts.totalCount") != 30 {
			t.Fatalf("an account manager's first page: totalCount %d of 30", r.num(t, "accounts.totalCount"))
		}
		r = ams[0].do(`query($c: Cursor) { accounts(first: 7, after: $c) { totalCount edges { node { id } } } }`, map[string]any{"c": r.str(t, "accounts.pageInfo.endCursor")}).ok(t)
		if r.num(t, "accounts.totalCount") != 30 || len(r.list(t, "accounts.edges")) != 7 {
			t.Fatalf("second page: totalCount %d, %d edges", r.num(t, "accounts.totalCount"), len(r.list(t, "accounts.edges")))
		}
		r = ams[0].do(`{ accounts(first: 7, where: {name: "nobody"}) { totalCount edges { node { id } } } }`, nil).ok(t)
		if r.num(t, "accounts.totalCount") != 0 || len(r.list(t, "accounts.edges")) != 0 {
			t.Fatalf("empty page: %v", r.Data)
		}
		for name, u := range map[string]*user{"sales manager": sm, "admin": admin} {
			five, fifty := count(u, 5), count(u, 50)
			t.Logf("%s: accounts(first: 5) = %d statements, accounts(first: 50) = %d statements", name, five, fifty)
			if five != fifty {
				t.Fatalf("statements grow with page size: %d for 5, %d for 50", five, fifty)
			}
			// Authentication comes from the cache; the page and its
			// totalCount are one statement; owners and contacts one each.
			if fifty != 3 {
				t.Fatalf("%d statements for one page; expected 3", fifty)
			}
		}
	})
}

// TestNestedListsAreBounded: nested connections (a manager's reports, a
// department's members) cost a fixed number of statements whatever the
// page of parents, their totalCount comes from one grouped count and is
// right when the nested page is cut (ent issues 4240, 4144), and a nested
// connection asked for no page is loaded 500 rows per parent at most, like
// any other.
func TestNestedListsAreBounded(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		org := e.org("acme")
		admin := e.as("acme", "admin", auth.RoleAdmin)
		ctx := sys(t.Context())
		dept := e.client.Department.Create().SetName("大部门").SetOrganizationID(org.ID).SaveX(ctx)
		small := e.client.Department.Create().SetName("小部门").SetOrganizationID(org.ID).SaveX(ctx)
		var managers []string
		for i := range 6 {
			m := e.client.User.Create().SetOrganizationID(org.ID).SetSubject(fmt.Sprintf("m%d", i)).SetDepartmentID(small.ID).SaveX(ctx)
			managers = append(managers, string(m.ID))
			bulk := make([]*ent.UserCreate, 3+i)
			for j := range bulk {
				bulk[j] = e.client.User.Create().SetOrganizationID(org.ID).SetSubject(fmt.Sprintf("r%d-%d", i, j)).SetManagerID(m.ID)
			}
			e.client.User.CreateBulk(bulk...).ExecX(ctx)
		}
		big := make([]*ent.UserCreate, api.MaxPageSize+20)
		for j := range big {
			big[j] = e.client.User.Create().SetOrganizationID(org.ID).SetSubject(fmt.Sprintf("member-%03d", j)).SetDepartmentID(dept.ID)
		}
		e.client.User.CreateBulk(big...).ExecX(ctx)

		const q = `query($n: Int) { users(first: $n, where: {hasReports: true}, orderBy: {field: NAME, direction: ASC}) {
			edges { node { id reports(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id manager { id } } } } } } } }`
		stmts := func(n int) (int64, *result) {
			admin.do(q, map[string]any{"n": n}).ok(t)
			before := e.stmts.Load()
			r := admin.do(q, map[string]any{"n": n}).ok(t)
			return e.stmts.Load() - before, r
		}
		two, _ := stmts(2)
		six, r := stmts(6)
		if two != six {
			t.Fatalf("nested reports: %d statements for 2 managers, %d for 6", two, six)
		}
		for i, ed := range r.list(t, "users.edges") {
			node := ed.(map[string]any)["node"].(map[string]any)
			reports := node["reports"].(map[string]any)
			want := 3 + slices.Index(managers, node["id"].(string))
			if tc := int(reports["totalCount"].(float64)); tc != want || len(reports["edges"].([]any)) != 2 || reports["pageInfo"].(map[string]any)["hasNextPage"] != true {
				t.Fatalf("manager %d: totalCount %d (want %d), %d edges", i, tc, want, len(reports["edges"].([]any)))
			}
		}
		t.Logf("users with nested reports: %d statements for 2 or 6 managers", six)

		r = admin.do(`query($d: ID!) { node(id: $d) { ... on Department { members { totalCount pageInfo { hasNextPage } edges { node { id } } } } } }`,
			map[string]any{"d": dept.ID}).ok(t)
		lastQueries.Lock()
		limited := false // the members query (users by department) carries the page's LIMIT (one more row tells hasNextPage)
		for _, q := range lastQueries.q {
			members := strings.Contains(q, "department_id` IN") || strings.Contains(q, `"department_id" IN`)
			limited = limited || members && strings.Contains(q, fmt.Sprintf("LIMIT %d", api.MaxPageSize+1))
		}
		lastQueries.Unlock()
		if !limited {
			t.Fatalf("an unpaged nested connection was loaded without a LIMIT of %d", api.MaxPageSize)
		}
		if n, tc := len(r.list(t, "node.members.edges")), r.num(t, "node.members.totalCount"); n != api.MaxPageSize || tc != api.MaxPageSize+20 ||
			r.get(t, "node.members.pageInfo.hasNextPage") != true {
			t.Fatalf("unpaged members: %d edges, totalCount %d", n, tc)
		}
	})
}

// TestFollowUpListsAreBounded: the due list and the agenda cost the same
// number of statements for 5 rows as for 50.
func TestFollowUpListsAreBounded(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		org := e.org("acme")
		few, many := e.as("acme", "few", auth.RoleAccountManager), e.as("acme", "many", auth.RoleAccountManager)
		ctx := sys(t.Context())
		for u, n := range map[*user]int{few: 5, many: 50} {
			for i := range n {
				a := u.do(createAccount, map[string]any{"input": map[string]any{"name": fmt.Sprintf("%s %02d", u.id, i)}}).ok(t).str(t, "createAccount.id")
				e.client.Contact.Create().SetOrganizationID(org.ID).SetAccountID(pulid.ID(a)).SetName("C").ExecX(ctx)
			}
		}
		const due = `query($b: Time!, $n: Int) { followUpsDue(kind: CALL, before: $b, first: $n) { totalCount edges { node { id name tier nextCallDueAt owner { id name } contacts { id } } } } }`
		const agenda = `query($f: Time!, $t: Time!) { agenda(from: $f, to: $t) { day items { kind dueAt overdue account { id name owner { name } contacts { id } } } } }`
		before := time.Now().AddDate(0, 0, 30).Format(time.RFC3339)
		from, to := time.Now().Format(time.RFC3339), time.Now().AddDate(0, 0, 20).Format(time.RFC3339)
		count := func(u *user, q string, vars map[string]any) (int64, *result) {
			u.do(q, vars).ok(t)
			n := e.stmts.Load()
			r := u.do(q, vars).ok(t)
			return e.stmts.Load() - n, r
		}
		d5, r5 := count(many, due, map[string]any{"b": before, "n": 5})
		d50, r50 := count(many, due, map[string]any{"b": before, "n": 50})
		if len(r5.list(t, "followUpsDue.edges")) != 5 || len(r50.list(t, "followUpsDue.edges")) != 50 || d5 != d50 {
			t.Fatalf("followUpsDue: %d statements for 5 rows, %d for 50", d5, d50)
		}
		a5, _ := count(few, agenda, map[string]any{"f": from, "t": to})
		a50, r := count(many, agenda, map[string]any{"f": from, "t": to})
		items := 0
		for _, d := range r.list(t, "agenda") {
			items += len(d.(map[string]any)["items"].([]any))
		}
		if items != 50 || a5 != a50 {
			t.Fatalf("agenda: %d statements for 5 accounts, %d for 50 (%d items)", a5, a50, items)
		}
		t.Logf("followUpsDue: %d statements; agenda: %d statements", d50, a50)
	})
}
