package api_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect/sql"

	"rapport/ent/auditevent"
	"rapport/ent/complaint"
	"rapport/ent/organization"
	"rapport/ent/serviceissue"
	"rapport/internal/auth"
	"rapport/internal/pulid"
	"rapport/internal/testdb"
)

// serviceWorld is the fixture world with a service desk: a second rep,
// finance, an employee, member accounts a1 and a2.
type serviceWorld struct {
	*world
	e              *env
	rep2, fin, emp *user
}

func newServiceWorld(t *testing.T, e *env) *serviceWorld {
	t.Helper()
	w := &serviceWorld{world: newWorld(t, e), e: e,
		rep2: e.as("acme", "rep2", auth.RoleServiceRep),
		fin:  e.as("acme", "fin", auth.RoleFinance),
		emp:  e.as("acme", "emp", auth.RoleEmployee),
	}
	for _, a := range []string{w.a1, w.a2} {
		w.admin.do(`mutation($id: ID!) { updateAccount(id: $id, input: {member: true}) { id } }`, map[string]any{"id": a}).ok(t)
	}
	return w
}

func ago(d time.Duration) string { return time.Now().Add(-d).UTC().Format(time.RFC3339) }

func ahead(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

// watch returns the (rule, account) pairs of u's whole watchlist, paged
// one flag at a time through the contract's operation, checking the order
// (earliest action due first) and the total on every page.
func watch(t *testing.T, u *user, rule any) []string {
	t.Helper()
	all := u.op("service.graphql", "ServiceWatchlist", map[string]any{"rule": rule, "first": 100}).ok(t)
	total := all.num(t, "serviceWatchlist.totalCount")
	var got []string
	var after any
	last := ""
	for page := 0; ; page++ {
		if page > total+1 {
			t.Fatal("the watchlist pages do not end")
		}
		r := u.op("service.graphql", "ServiceWatchlist", map[string]any{"rule": rule, "first": 1, "after": after}).ok(t)
		if n := r.num(t, "serviceWatchlist.totalCount"); n != total {
			t.Fatalf("page %d: totalCount %d, first page %d", page, n, total)
		}
		for _, ed := range r.list(t, "serviceWatchlist.edges") {
			node := ed.(map[string]any)["node"].(map[string]any)
			due := node["actionDueAt"].(string)
			if due < last {
				t.Fatalf("action due %s after %s: not earliest first", due, last)
			}
			last = due
			got = append(got, node["rule"].(string)+" "+node["account"].(map[string]any)["id"].(string))
		}
		if r.get(t, "serviceWatchlist.pageInfo.hasNextPage") != true {
			break
		}
		after = r.get(t, "serviceWatchlist.pageInfo.endCursor")
	}
	if len(got) != total || len(all.list(t, "serviceWatchlist.edges")) != total {
		t.Fatalf("paged %d flags, one page %d, totalCount %d", len(got), len(all.list(t, "serviceWatchlist.edges")), total)
	}
	return got
}

func TestServiceWatchlist(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newServiceWorld(t, e)
		ctx := sys(t.Context())
		org := e.client.Organization.Query().Where(organization.Slug("acme")).OnlyX(ctx)
		// a1 has rep1 (assigned by the fixture): NEW_ACCOUNT until rep1
		// records contacting am1.
		if got := watch(t, w.sup, "NEW_ACCOUNT"); !slices.Equal(got, []string{"NEW_ACCOUNT " + w.a1}) {
			t.Fatalf("NEW_ACCOUNT: %v", got)
		}
		if got := watch(t, w.am2, "NEW_ACCOUNT"); len(got) != 0 {
			t.Fatalf("am2 sees another's account on the watchlist: %v", got)
		}
		w.rep2.do(`mutation($a: ID!) { recordServiceHandover(accountID: $a) { id } }`, map[string]any{"a": w.a1}).code(t, "NOT_FOUND")
		w.am1.do(`mutation($a: ID!) { recordServiceHandover(accountID: $a) { id } }`, map[string]any{"a": w.a1}).code(t, "FORBIDDEN")
		w.rep1.do(`mutation($a: ID!) { recordServiceHandover(accountID: $a) { id } }`, map[string]any{"a": w.a1}).ok(t)
		if got := watch(t, w.sup, "NEW_ACCOUNT"); len(got) != 0 {
			t.Fatalf("NEW_ACCOUNT after the handover: %v", got)
		}
		// Orders ten days ago: on an account filed a month ago a call is
		// due; on a2, filed today, not yet. a3 ordered three days ago but is
		// DORMANT: two contacts a month are due.
		regular := e.client.Account.Create().SetName("Regular 老客户").SetOrganizationID(org.ID).SetOwnerID(pulid.ID(w.am2.id)).
			SetCreatedAt(time.Now().AddDate(0, -1, 0)).SaveX(ctx)
		for _, a := range []string{string(regular.ID), w.a2} {
			w.admin.do(`mutation($id: ID!, $at: Time!) { updateAccount(id: $id, input: {lastOrderAt: $at}) { id } }`, map[string]any{"id": a, "at": ago(240 * time.Hour)}).ok(t)
		}
		w.admin.do(`mutation($id: ID!, $at: Time!) { updateAccount(id: $id, input: {lastOrderAt: $at, lifecycleStage: DORMANT}) { id } }`, map[string]any{"id": w.a3, "at": ago(72 * time.Hour)}).ok(t)
		r := w.sup.op("service.graphql", "ServiceWatchlist", map[string]any{"rule": "NO_RECENT_ORDER"}).ok(t)
		if r.num(t, "serviceWatchlist.totalCount") != 1 || r.str(t, "serviceWatchlist.edges.0.node.account.id") != string(regular.ID) {
			t.Fatalf("NO_RECENT_ORDER: %v", r.Data)
		}
		since, _ := time.Parse(time.RFC3339, r.str(t, "serviceWatchlist.edges.0.node.since"))
		due, _ := time.Parse(time.RFC3339, r.str(t, "serviceWatchlist.edges.0.node.actionDueAt"))
		if d := time.Until(since); d > -71*time.Hour || d < -73*time.Hour || due.Sub(since) != 7*24*time.Hour {
			t.Fatalf("NO_RECENT_ORDER since %v due %v: the call is due a week after a week without orders", since, due)
		}
		if got := watch(t, w.sup, "NOT_COOPERATING"); !slices.Equal(got, []string{"NOT_COOPERATING " + w.a3}) {
			t.Fatalf("NOT_COOPERATING: %v", got)
		}
		for range 2 {
			w.am3.do(`mutation($a: ID!, $at: Time!) { logInteraction(input: {accountID: $a, kind: PHONE, occurredAt: $at}) { id } }`,
				map[string]any{"a": w.a3, "at": ago(time.Minute)}).ok(t)
		}
		if got := watch(t, w.sup, "NOT_COOPERATING"); len(got) != 0 {
			t.Fatalf("NOT_COOPERATING after two contacts this month: %v", got)
		}
		// Accounts nobody contacted for months: one with an unpaid balance is
		// the business side's still.
		old := time.Now().AddDate(0, -5, 0)
		quiet := e.client.Account.Create().SetName("Quiet 安静").SetOrganizationID(org.ID).SetOwnerID(pulid.ID(w.am1.id)).SetCreatedAt(old).SaveX(ctx)
		e.client.Account.Create().SetName("Owing 欠款").SetOrganizationID(org.ID).SetOwnerID(pulid.ID(w.am1.id)).SetCreatedAt(old).SetOutstandingBalance(5000).ExecX(ctx)
		if got := watch(t, w.sup, "NO_FOLLOW_UP"); !slices.Equal(got, []string{"NO_FOLLOW_UP " + string(quiet.ID)}) {
			t.Fatalf("NO_FOLLOW_UP: %v", got)
		}
		all := watch(t, w.sup, nil)
		if len(all) != 2 || !slices.Contains(all, "NO_RECENT_ORDER "+string(regular.ID)) || !slices.Contains(all, "NO_FOLLOW_UP "+string(quiet.ID)) {
			t.Fatalf("every rule: %v", all)
		}
		// The call it asks for clears it.
		w.am2.do(`mutation($a: ID!, $at: Time!) { logInteraction(input: {accountID: $a, kind: PHONE, occurredAt: $at}) { id } }`,
			map[string]any{"a": regular.ID, "at": ago(time.Minute)}).ok(t)
		if got := watch(t, w.sup, "NO_RECENT_ORDER"); len(got) != 0 {
			t.Fatalf("NO_RECENT_ORDER after the call: %v", got)
		}
		if got := watch(t, w.am1, nil); !slices.Equal(got, []string{"NO_FOLLOW_UP " + string(quiet.ID)}) {
			t.Fatalf("am1 (owner of Quiet, not of Regular): %v", got)
		}
		if got := watch(t, w.gadmin, nil); len(got) != 0 {
			t.Fatalf("another organisation sees %v", got)
		}
		// The service department takes Quiet over: it keeps no rep, so the
		// least loaded (rep2, with none) gets it.
		w.rep1.op("service.graphql", "TakeOverAccount", map[string]any{"accountID": quiet.ID}).code(t, "NOT_FOUND")
		serviced := e.client.Account.Create().SetName("Serviced 服务中").SetOrganizationID(org.ID).SetOwnerID(pulid.ID(w.am1.id)).
			SetServiceRepID(pulid.ID(w.rep1.id)).SetCreatedAt(old).SaveX(ctx)
		w.rep1.op("service.graphql", "TakeOverAccount", map[string]any{"accountID": serviced.ID}).code(t, "FORBIDDEN") // the supervisor's decision
		e.client.Account.UpdateOne(serviced).SetServiceTakenOverAt(time.Now()).ExecX(ctx)                              // out of the lists below
		w.sup.op("service.graphql", "TakeOverAccount", map[string]any{"accountID": w.a2}).code(t, "BAD_USER_INPUT")
		r = w.sup.op("service.graphql", "TakeOverAccount", map[string]any{"accountID": quiet.ID}).ok(t)
		if r.str(t, "takeOverAccount.serviceRep.id") != w.rep2.id || r.get(t, "takeOverAccount.serviceTakenOverAt") == nil {
			t.Fatalf("take over: %v", r.Data)
		}
		w.sup.op("service.graphql", "TakeOverAccount", map[string]any{"accountID": quiet.ID}).code(t, "CONFLICT")
		if got := watch(t, w.sup, "NO_FOLLOW_UP"); len(got) != 0 {
			t.Fatalf("NO_FOLLOW_UP after the take-over: %v", got)
		}
		// The rep has a week for the account manager: NEW_ACCOUNT again.
		if got := watch(t, w.rep2, nil); !slices.Equal(got, []string{"NEW_ACCOUNT " + string(quiet.ID)}) {
			t.Fatalf("rep2's watchlist: %v", got)
		}
		w.sup.do(`{ serviceWatchlist(first: 501) { totalCount } }`, nil).code(t, "BAD_USER_INPUT")
		w.sup.do(`query($c: Cursor!) { serviceWatchlist(after: $c) { totalCount } }`, map[string]any{"c": "gaFpoA"}).code(t, "BAD_USER_INPUT")
	})
}

// Assigning and rebalancing reps: only to a holder of SERVICE_REP, by a
// supervisor, sales manager or admin; the load shows it.
func TestServiceRepsAndLoad(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newServiceWorld(t, e)
		w.sup.do(`mutation($a: [ID!]!, $r: ID) { assignServiceRep(accountIDs: $a, repID: $r) { id } }`,
			map[string]any{"a": []string{w.a2}, "r": w.am1.id}).code(t, "BAD_USER_INPUT")
		w.admin.do(`mutation($id: ID!, $r: ID!) { updateAccount(id: $id, input: {serviceRepID: $r}) { id } }`,
			map[string]any{"id": w.a2, "r": w.emp.id}).code(t, "BAD_USER_INPUT")
		w.rep1.do(`mutation($a: [ID!]!, $r: ID) { assignServiceRep(accountIDs: $a, repID: $r) { id } }`,
			map[string]any{"a": []string{w.a1}, "r": w.rep2.id}).code(t, "FORBIDDEN")
		w.sup.do(`mutation($a: [ID!]!, $r: ID) { assignServiceRep(accountIDs: $a, repID: $r) { id } }`,
			map[string]any{"a": []string{w.g1}, "r": w.rep2.id}).code(t, "NOT_FOUND")
		r := w.sup.do(`mutation($a: [ID!]!, $r: ID) { assignServiceRep(accountIDs: $a, repID: $r) { id serviceRep { id } serviceAssignedAt } }`,
			map[string]any{"a": []string{w.a2, w.a3}, "r": w.rep2.id}).ok(t)
		if len(r.list(t, "assignServiceRep")) != 2 || r.str(t, "assignServiceRep.0.serviceRep.id") != w.rep2.id {
			t.Fatalf("assign: %v", r.Data)
		}
		r = w.sup.do(`{ serviceReps { rep { id } accounts openCallbacks overdueCallbacks } }`, nil).ok(t)
		loads := map[string]float64{}
		for _, l := range r.list(t, "serviceReps") {
			m := l.(map[string]any)
			loads[m["rep"].(map[string]any)["id"].(string)] = m["accounts"].(float64)
		}
		if loads[w.rep1.id] != 1 || loads[w.rep2.id] != 2 || len(loads) != 2 {
			t.Fatalf("loads %v", loads)
		}
		// rep2 now reads a2 and a3; rep1 only a1.
		w.rep2.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.a3}).ok(t)
		w.rep1.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.a3}).code(t, "NOT_FOUND")
	})
}

func TestCallbacks(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newServiceWorld(t, e)
		ctx := sys(t.Context())
		batch := func(u *user, accounts any, reps ...string) *result {
			return u.op("service.graphql", "CreateCallbackBatch", map[string]any{"input": map[string]any{"title": "2026 冬季回访", "accounts": accounts, "repIDs": reps}})
		}
		batch(w.rep1, map[string]any{"member": true}, w.rep1.id).code(t, "FORBIDDEN")
		batch(w.sup, map[string]any{"member": true}, w.am1.id).code(t, "BAD_USER_INPUT")
		batch(w.sup, map[string]any{"member": true}).code(t, "BAD_USER_INPUT")
		batch(w.sup, map[string]any{"name": "nobody"}, w.rep1.id).code(t, "BAD_USER_INPUT")
		r := batch(w.sup, map[string]any{"member": true}, w.rep1.id, w.rep2.id).ok(t)
		batchID := r.str(t, "createCallbackBatch.id")
		due, _ := time.Parse(time.RFC3339, r.str(t, "createCallbackBatch.dueAt"))
		sh, _ := time.LoadLocation("Asia/Shanghai")
		if local := due.In(sh); time.Until(due) > 72*time.Hour || local.Weekday() == time.Saturday || local.Weekday() == time.Sunday ||
			local.Hour() < 9 || local.Hour() >= 18 || local.Hour() == 12 || (local.Hour() == 13 && local.Minute() < 30) {
			t.Fatalf("due %v: not within 3 days inside working hours", local)
		}
		callbacks := map[string]string{} // account → callback
		assignees := map[string]int{}
		for _, ed := range r.list(t, "createCallbackBatch.callbacks.edges") {
			n := ed.(map[string]any)["node"].(map[string]any)
			callbacks[n["account"].(map[string]any)["id"].(string)] = n["id"].(string)
			assignees[n["assignee"].(map[string]any)["id"].(string)]++
		}
		if r.num(t, "createCallbackBatch.callbacks.totalCount") != 2 || assignees[w.rep1.id] != 1 || assignees[w.rep2.id] != 1 {
			t.Fatalf("callbacks %v spread %v", callbacks, assignees)
		}
		mine := func(u *user) []string {
			var ids []string
			for _, ed := range u.op("service.graphql", "MyCallbacks", nil).ok(t).list(t, "myCallbacks.edges") {
				ids = append(ids, ed.(map[string]any)["node"].(map[string]any)["account"].(map[string]any)["id"].(string))
			}
			return ids
		}
		// Whoever got a2's callback reads a2 and its contacts while it is open.
		var a2rep, a1rep *user = w.rep1, w.rep2
		if slices.Equal(mine(w.rep2), []string{w.a2}) {
			a2rep, a1rep = w.rep2, w.rep1
		}
		if !slices.Equal(mine(a2rep), []string{w.a2}) || !slices.Equal(mine(a1rep), []string{w.a1}) {
			t.Fatalf("my callbacks: %v / %v", mine(a2rep), mine(a1rep))
		}
		contact := w.am2.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "李娜"}) { id } }`, map[string]any{"a": w.a2}).ok(t).str(t, "createContact.id")
		if a2rep == w.rep2 {
			a2rep.do(`query($id: ID!) { node(id: $id) { ... on Account { name contacts { id } } } }`, map[string]any{"id": w.a2}).ok(t)
			a2rep.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": contact}).ok(t)
		}
		a1rep.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": callbacks[w.a2]}).code(t, "NOT_FOUND")
		record := func(u *user, id string, in map[string]any) *result {
			return u.op("service.graphql", "RecordCallback", map[string]any{"id": id, "input": in})
		}
		good := map[string]any{"reachedAt": ago(time.Minute), "satisfaction": 4, "suggestions": "希望交货更快", "issues": []string{"交货延迟", "发票抬头有误"}}
		record(a1rep, callbacks[w.a2], good).code(t, "NOT_FOUND")
		record(a2rep, callbacks[w.a2], map[string]any{"reachedAt": ago(time.Minute), "satisfaction": 6}).code(t, "BAD_USER_INPUT")
		record(a2rep, callbacks[w.a2], map[string]any{"reachedAt": ahead(time.Hour), "satisfaction": 3}).code(t, "BAD_USER_INPUT")
		r = record(a2rep, callbacks[w.a2], good).ok(t)
		if r.str(t, "recordCallback.status") != "COMPLETED" || r.get(t, "recordCallback.late") != false || len(r.list(t, "recordCallback.issues")) != 2 ||
			r.str(t, "recordCallback.issues.0.summary") != "交货延迟" || r.str(t, "recordCallback.issues.0.status") != "OPEN" {
			t.Fatalf("record: %v", r.Data)
		}
		issue := r.str(t, "recordCallback.issues.0.id")
		record(a2rep, callbacks[w.a2], good).code(t, "CONFLICT")
		if a2rep == w.rep2 { // the callback is done: a2 is rep1's and the fixture's, not rep2's
			a2rep.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.a2}).code(t, "NOT_FOUND")
			a2rep.do(`query($id: ID!) { node(id: $id) { ... on Callback { status } } }`, map[string]any{"id": callbacks[w.a2]}).ok(t)
		}
		// The a1 callback is late: its due time has passed.
		e.client.Callback.UpdateOneID(pulid.ID(callbacks[w.a1])).SetDueAt(time.Now().Add(-time.Hour)).ExecX(ctx)
		r = w.sup.do(`{ serviceReps { rep { id } openCallbacks overdueCallbacks } }`, nil).ok(t)
		for _, l := range r.list(t, "serviceReps") {
			m := l.(map[string]any)
			if m["rep"].(map[string]any)["id"] == a1rep.id && (m["openCallbacks"].(float64) != 1 || m["overdueCallbacks"].(float64) != 1) {
				t.Fatalf("load of the late rep: %v", m)
			}
		}
		report := func() *result {
			return w.sup.op("service.graphql", "CallbackReport", map[string]any{"batchID": batchID}).ok(t)
		}
		r = w.sup.do(`query($b: ID!) { callbackReport(batchID: $b) { members membersReached missedMembers { id } } }`, map[string]any{"b": batchID}).ok(t)
		if r.num(t, "callbackReport.members") != 2 || r.num(t, "callbackReport.membersReached") != 1 || r.str(t, "callbackReport.missedMembers.0.id") != w.a1 {
			t.Fatalf("members: %v", r.Data)
		}
		r = record(a1rep, callbacks[w.a1], map[string]any{"reachedAt": ago(time.Minute), "satisfaction": 2}).ok(t)
		if r.get(t, "recordCallback.late") != true {
			t.Fatal("a callback completed after its due time is not late")
		}
		// Issues: the supervisor resolves; one an hour old unresolved is escalated.
		w.rep2.op("service.graphql", "ResolveServiceIssue", map[string]any{"id": issue, "resolution": "已安排"}).code(t, "FORBIDDEN")
		r = w.sup.op("service.graphql", "ResolveServiceIssue", map[string]any{"id": issue, "resolution": "已安排加急发货"}).ok(t)
		if r.str(t, "resolveServiceIssue.status") != "RESOLVED" || r.get(t, "resolveServiceIssue.escalated") != false {
			t.Fatalf("resolve: %v", r.Data)
		}
		w.sup.op("service.graphql", "ResolveServiceIssue", map[string]any{"id": issue, "resolution": "again"}).code(t, "CONFLICT")
		second := e.client.ServiceIssue.Query().Where(serviceissue.IDNEQ(pulid.ID(issue))).OnlyX(ctx)
		e.client.ServiceIssue.UpdateOneID(second.ID).Modify(func(u *sql.UpdateBuilder) { // raised two hours ago
			u.Set(serviceissue.FieldCreatedAt, time.Now().Add(-2*time.Hour)).Set(serviceissue.FieldDueAt, time.Now().Add(-time.Hour))
		}).ExecX(ctx)
		r = w.sup.do(`query($id: ID!) { node(id: $id) { ... on ServiceIssue { status escalated } } }`, map[string]any{"id": second.ID}).ok(t)
		if r.str(t, "node.status") != "ESCALATED" || r.get(t, "node.escalated") != true {
			t.Fatalf("an issue open for two hours: %v", r.Data)
		}
		r = report()
		c := r.Data["callbackReport"].(map[string]any)
		sat := r.list(t, "callbackReport.satisfaction")
		if c["total"].(float64) != 2 || c["completed"].(float64) != 2 || c["completedOnTime"].(float64) != 1 || c["issuesRaised"].(float64) != 2 ||
			c["issuesEscalated"].(float64) != 1 || c["issuesOpen"].(float64) != 1 || len(sat) != 5 ||
			sat[1].(map[string]any)["count"].(float64) != 1 || sat[3].(map[string]any)["count"].(float64) != 1 {
			t.Fatalf("report: %v", c)
		}
		// Resolving it late keeps it escalated.
		r = w.sup.op("service.graphql", "ResolveServiceIssue", map[string]any{"id": second.ID, "resolution": "已重开发票"}).ok(t)
		if r.str(t, "resolveServiceIssue.status") != "RESOLVED" || r.get(t, "resolveServiceIssue.escalated") != true {
			t.Fatalf("late resolution: %v", r.Data)
		}
		// Another organisation sees none of it.
		w.gadmin.op("service.graphql", "CallbackReport", map[string]any{"batchID": batchID}).code(t, "NOT_FOUND")
		w.gadmin.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": issue}).code(t, "NOT_FOUND")
		if n := w.gadmin.do(`{ serviceIssues { totalCount } callbackBatches { totalCount } }`, nil).ok(t).num(t, "serviceIssues.totalCount"); n != 0 {
			t.Fatalf("globex sees %d issues", n)
		}
		// An account manager reads their account's service history, not another's.
		w.am2.do(`query($id: ID!) { node(id: $id) { ... on Account { callbacks { totalCount } } } }`, map[string]any{"id": w.a2}).ok(t)
		if n := w.am2.do(`{ serviceIssues { totalCount } }`, nil).ok(t).num(t, "serviceIssues.totalCount"); n != 2 {
			t.Fatalf("am2 reads %d issues of a2, want 2", n)
		}
		if n := w.am1.do(`{ serviceIssues { totalCount } }`, nil).ok(t).num(t, "serviceIssues.totalCount"); n != 0 {
			t.Fatalf("am1 reads %d issues of another's account", n)
		}
	})
}

func TestComplaints(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newServiceWorld(t, e)
		// am1's department is headed by the executive; am3 has no department
		// but a manager (sm2).
		dept := w.admin.do(`mutation($h: ID!) { createDepartment(input: {name: "华东销售部", headID: $h}) { id } }`, map[string]any{"h": w.exec.id}).ok(t).str(t, "createDepartment.id")
		w.admin.do(`mutation($id: ID!, $d: ID!) { updateUser(id: $id, input: {departmentID: $d}) { id } }`, map[string]any{"id": w.am1.id, "d": dept}).ok(t)
		file := func(u *user, in map[string]any) *result {
			return u.op("service.graphql", "FileComplaint", map[string]any{"input": in})
		}
		in := func(a, severity string, extra map[string]any) map[string]any {
			m := map[string]any{"accountID": a, "summary": "客户反映：第三批货物包装破损，要求换货", "category": "产品质量", "severity": severity, "promisedReplyAt": ahead(48 * time.Hour)}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		file(w.emp, in(w.a1, "MINOR", nil)).code(t, "NOT_FOUND")  // sees no account
		file(w.exec, in(w.a1, "MINOR", nil)).code(t, "FORBIDDEN") // reads it, handles no complaint
		file(w.rep2, in(w.a1, "MINOR", nil)).code(t, "NOT_FOUND")
		file(w.rep1, in(w.a1, "MINOR", map[string]any{"promisedReplyAt": ago(time.Hour)})).code(t, "BAD_USER_INPUT")
		file(w.rep1, in(w.a1, "MINOR", map[string]any{"promisedReplyAt": nil})).code(t, "BAD_USER_INPUT")
		file(w.rep1, in(w.a1, "MINOR", map[string]any{"category": ""})).code(t, "BAD_USER_INPUT")
		major := file(w.rep1, in(w.a1, "MAJOR", nil)).ok(t)
		if major.num(t, "fileComplaint.number") != 1 || major.str(t, "fileComplaint.status") != "OPEN" || major.str(t, "fileComplaint.escalatedTo.id") != w.exec.id {
			t.Fatalf("major complaint: %v", major.Data)
		}
		critical := file(w.am3, in(w.a3, "CRITICAL", nil)).ok(t)
		if critical.num(t, "fileComplaint.number") != 2 || critical.str(t, "fileComplaint.escalatedTo.id") != w.sm2.id {
			t.Fatalf("critical complaint: %v", critical.Data)
		}
		spot := file(w.am2, in(w.a2, "MINOR", map[string]any{"promisedReplyAt": nil, "resolvedOnSpot": true})).ok(t)
		if spot.num(t, "fileComplaint.number") != 3 || spot.str(t, "fileComplaint.status") != "RESOLVED" || spot.get(t, "fileComplaint.escalatedTo") != nil {
			t.Fatalf("on the spot: %v", spot.Data)
		}
		id := major.str(t, "fileComplaint.id")
		// Who reads it: the account's people, the rep, the supervisor, the
		// person it was escalated to; not another account manager nor
		// another organisation.
		for u, want := range map[*user]string{w.am1: "", w.sm1: "", w.rep1: "", w.sup: "", w.exec: "", w.admin: "", w.am2: "NOT_FOUND", w.rep2: "NOT_FOUND", w.fin: "NOT_FOUND", w.gadmin: "NOT_FOUND"} {
			r := u.do(`query($id: ID!) { node(id: $id) { ... on Complaint { number } } }`, map[string]any{"id": id})
			if want == "" {
				r.ok(t)
			} else {
				r.code(t, want)
			}
		}
		r := w.rep1.op("service.graphql", "AddComplaintStep", map[string]any{"id": id, "note": "已致电客户确认破损情况"}).ok(t)
		w.exec.op("service.graphql", "AddComplaintStep", map[string]any{"id": id, "note": "已批准换货"}).ok(t)
		w.am2.op("service.graphql", "AddComplaintStep", map[string]any{"id": id, "note": "x"}).code(t, "NOT_FOUND")
		r = w.sup.do(`query($id: ID!) { node(id: $id) { ... on Complaint { steps { note author { id } } } } }`, map[string]any{"id": id}).ok(t)
		if steps := r.list(t, "node.steps"); len(steps) != 2 || r.str(t, "node.steps.0.author.id") != w.rep1.id || r.str(t, "node.steps.1.author.id") != w.exec.id {
			t.Fatalf("steps: %v", r.Data)
		}
		// Overdue: the critical one's promise has passed.
		e.client.Complaint.UpdateOneID(pulid.ID(critical.str(t, "fileComplaint.id"))).Modify(func(u *sql.UpdateBuilder) {
			u.Set(complaint.FieldPromisedReplyAt, time.Now().Add(-time.Hour))
		}).ExecX(sys(t.Context()))
		r = w.sup.op("service.graphql", "OverdueComplaints", map[string]any{"now": ahead(0)}).ok(t)
		if r.num(t, "complaints.totalCount") != 1 || r.num(t, "complaints.edges.0.node.number") != 2 {
			t.Fatalf("overdue: %v", r.Data)
		}
		r = w.sup.op("service.graphql", "OverdueComplaints", map[string]any{"now": ahead(72 * time.Hour)}).ok(t)
		if r.num(t, "complaints.totalCount") != 2 || r.num(t, "complaints.edges.0.node.number") != 2 {
			t.Fatalf("overdue in three days: %v", r.Data)
		}
		r = w.am3.op("service.graphql", "ResolveComplaint", map[string]any{"id": critical.str(t, "fileComplaint.id"), "resolution": "已退款"}).ok(t)
		if r.get(t, "resolveComplaint.repliedLate") != true {
			t.Fatal("a reply after the promise is not late")
		}
		// Follow-ups after resolution: at most two; satisfied closes it.
		follow := func(u *user, satisfied bool) *result {
			return u.op("service.graphql", "RecordComplaintFollowUp", map[string]any{"id": id, "satisfied": satisfied, "note": "回访"})
		}
		follow(w.rep1, false).code(t, "BAD_USER_INPUT") // not resolved yet
		r = w.rep1.op("service.graphql", "ResolveComplaint", map[string]any{"id": id, "resolution": "已换货"}).ok(t)
		if r.str(t, "resolveComplaint.status") != "RESOLVED" || r.get(t, "resolveComplaint.repliedLate") != false {
			t.Fatalf("resolve: %v", r.Data)
		}
		w.rep1.op("service.graphql", "ResolveComplaint", map[string]any{"id": id, "resolution": "again"}).code(t, "CONFLICT")
		if follow(w.rep1, false).ok(t).str(t, "recordComplaintFollowUp.status") != "RESOLVED" {
			t.Fatal("an unsatisfied follow-up closed the complaint")
		}
		r = follow(w.rep1, false).ok(t)
		if len(r.list(t, "recordComplaintFollowUp.followUps")) != 2 {
			t.Fatalf("follow-ups: %v", r.Data)
		}
		follow(w.rep1, true).code(t, "BAD_USER_INPUT") // a third
		spotID := spot.str(t, "fileComplaint.id")
		r = w.am2.op("service.graphql", "RecordComplaintFollowUp", map[string]any{"id": spotID, "satisfied": true}).ok(t)
		if r.str(t, "recordComplaintFollowUp.status") != "CLOSED" {
			t.Fatalf("a satisfied follow-up: %v", r.Data)
		}
		// The case library: the whole organisation reads it, by category and text.
		w.rep1.op("service.graphql", "AddCaseStudy", map[string]any{"complaintID": id, "lesson": ""}).code(t, "BAD_USER_INPUT")
		w.emp.op("service.graphql", "AddCaseStudy", map[string]any{"complaintID": id, "lesson": "x"}).code(t, "NOT_FOUND")
		w.rep1.op("service.graphql", "AddCaseStudy", map[string]any{"complaintID": id, "lesson": "客户名称与细节"}).code(t, "FORBIDDEN") // handles it, publishes nothing
		r = w.sup.op("service.graphql", "AddCaseStudy", map[string]any{"complaintID": id, "lesson": "包装需加固：第三方物流运输前检查包装等级"}).ok(t)
		if r.str(t, "addCaseStudy.category") != "产品质量" || r.str(t, "addCaseStudy.title") == "" {
			t.Fatalf("case study: %v", r.Data)
		}
		r = w.emp.do(`{ caseStudies(where: {category: "产品质量", lessonContains: "包装"}) { totalCount edges { node { title lesson } } } }`, nil).ok(t)
		if r.num(t, "caseStudies.totalCount") != 1 {
			t.Fatalf("case library: %v", r.Data)
		}
		if n := w.gadmin.do(`{ caseStudies { totalCount } complaints { totalCount } }`, nil).ok(t).num(t, "complaints.totalCount"); n != 0 {
			t.Fatalf("globex sees %d complaints", n)
		}
	})
}

// Complaint numbers are the organisation's, without gaps, whatever
// instance files them at the same moment.
func TestComplaintNumbersRace(t *testing.T) {
	url := testdb.PostgresURL(t)
	one := newEnv(t, url, auth.Config{Secret: testSecret})
	two := newEnv(t, url, auth.Config{Secret: testSecret})
	w := newServiceWorld(t, one)
	reps := []*user{one.as("acme", "sup", auth.RoleServiceSupervisor), two.as("acme", "sup", auth.RoleServiceSupervisor)}
	numbers := make([]int, 10)
	var wg sync.WaitGroup
	for i := range numbers {
		wg.Go(func() {
			r := reps[i%2].op("service.graphql", "FileComplaint", map[string]any{"input": map[string]any{
				"accountID": w.a2, "summary": fmt.Sprintf("投诉 %d", i), "category": "交货", "severity": "MINOR", "promisedReplyAt": ahead(time.Hour)}})
			if len(r.Errors) > 0 {
				t.Errorf("complaint %d: %v", i, r.Errors)
				return
			}
			numbers[i] = int(r.Data["fileComplaint"].(map[string]any)["number"].(float64))
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("numbers %v: want 1…10", numbers)
		}
	}
}

func TestCreditChanges(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newServiceWorld(t, e)
		ctx := sys(t.Context())
		request := func(u *user, a string, limit int) *result {
			return u.op("service.graphql", "RequestCreditChange", map[string]any{"input": map[string]any{
				"accountID": a, "creditLimit": limit, "paymentTermDays": 45, "reason": "年采购额增长，申请提高额度"}})
		}
		decide := func(u *user, id string, approve bool) *result {
			return u.op("service.graphql", "DecideCreditChange", map[string]any{"id": id, "approve": approve, "note": "同意"})
		}
		w.am1.do(`mutation($id: ID!) { updateAccount(id: $id, input: {creditLimit: 100000, paymentTermDays: 30}) { id } }`, map[string]any{"id": w.a1}).code(t, "FORBIDDEN")
		request(w.am2, w.a1, 800000).code(t, "NOT_FOUND")
		request(w.rep1, w.a1, 800000).code(t, "FORBIDDEN")
		request(w.am1, w.a1, -1).code(t, "BAD_USER_INPUT")
		w.fin.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.a1}).code(t, "NOT_FOUND")
		r := request(w.am1, w.a1, 800000).ok(t)
		id := r.str(t, "requestCreditChange.id")
		if r.str(t, "requestCreditChange.status") != "PENDING" || r.get(t, "requestCreditChange.oldCreditLimit") != nil || r.num(t, "requestCreditChange.newCreditLimit") != 800000 {
			t.Fatalf("request: %v", r.Data)
		}
		request(w.sm1, w.a1, 900000).code(t, "CONFLICT")
		// Finance reads the account of a pending request, and may not change it.
		w.fin.do(`query($id: ID!) { node(id: $id) { ... on Account { name creditLimit } } }`, map[string]any{"id": w.a1}).ok(t)
		w.fin.do(`mutation($id: ID!) { updateAccount(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": w.a1}).code(t, "FORBIDDEN")
		w.fin.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.a2}).code(t, "NOT_FOUND")
		// In order, by holders of each step's role.
		decide(w.fin, id, true).code(t, "BAD_USER_INPUT")  // finance before the sales manager
		decide(w.exec, id, true).code(t, "BAD_USER_INPUT") // the executive before both
		decide(w.emp, id, true).code(t, "NOT_FOUND")       // cannot see it
		decide(w.am1, id, true).code(t, "FORBIDDEN")       // the requester holds no step
		decide(w.sm2, id, true).code(t, "NOT_FOUND")       // not their team's account
		decide(w.sm1, id, true).ok(t)
		decide(w.sm1, id, true).code(t, "BAD_USER_INPUT") // the sales step is taken
		decide(w.fin, id, true).ok(t)
		r = decide(w.exec, id, true).ok(t)
		steps := r.list(t, "decideCreditChange.steps")
		if r.str(t, "decideCreditChange.status") != "APPROVED" || len(steps) != 3 || r.str(t, "decideCreditChange.steps.0.step") != "SALES_MANAGER" ||
			r.str(t, "decideCreditChange.steps.2.decidedBy.id") != w.exec.id || r.num(t, "decideCreditChange.account.creditLimit") != 800000 ||
			r.num(t, "decideCreditChange.account.paymentTermDays") != 45 {
			t.Fatalf("signed: %v", r.Data)
		}
		decide(w.exec, id, true).code(t, "BAD_USER_INPUT")
		// The change is the signer's, in the audit trail.
		ev := e.client.AuditEvent.Query().Where(auditevent.EntityID(w.a1), auditevent.ActionEQ(auditevent.ActionUPDATE)).Order(auditevent.ByCreatedAt()).AllX(ctx)
		last := ev[len(ev)-1]
		changed := map[string]bool{}
		for _, c := range last.Changes {
			changed[c.Field] = true
		}
		if string(last.ActorID) != w.exec.id || !changed["creditLimit"] || !changed["paymentTermDays"] {
			t.Fatalf("audit of the credit change: %+v", last)
		}
		w.fin.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.a1}).code(t, "NOT_FOUND") // decided: no longer finance's
		// A rejection ends a request; the account keeps its terms.
		id = request(w.am1, w.a1, 50000).ok(t).str(t, "requestCreditChange.id")
		r = decide(w.sm1, id, false).ok(t)
		if r.str(t, "decideCreditChange.status") != "REJECTED" || r.num(t, "decideCreditChange.account.creditLimit") != 800000 {
			t.Fatalf("rejected: %v", r.Data)
		}
		decide(w.fin, id, true).code(t, "BAD_USER_INPUT")
		// Four eyes: a sales manager does not approve their own request, nor
		// decide two steps of one.
		own := request(w.sm1, w.a1, 60000).ok(t).str(t, "requestCreditChange.id")
		decide(w.sm1, own, true).code(t, "FORBIDDEN")
		twoHats := e.as("acme", "gm-fin", auth.RoleExecutive, auth.RoleFinance)
		other := request(w.am2, w.a2, 70000).ok(t).str(t, "requestCreditChange.id")
		decide(w.sm1, other, true).ok(t)
		decide(twoHats, other, true).ok(t)                // checked as finance
		decide(twoHats, other, true).code(t, "FORBIDDEN") // and not signed by the same person
		if r := decide(w.exec, other, true).ok(t); r.str(t, "decideCreditChange.status") != "APPROVED" {
			t.Fatalf("signed by another: %v", r.Data)
		}
		if a := e.client.Account.GetX(ctx, pulid.ID(w.a1)); a.CreditLimit == nil || *a.CreditLimit != 800000 {
			t.Fatalf("credit limit %v", a.CreditLimit)
		}
		if n := w.gadmin.do(`{ creditRequests { totalCount } }`, nil).ok(t).num(t, "creditRequests.totalCount"); n != 0 {
			t.Fatalf("globex sees %d credit requests", n)
		}
	})
}

// The worst a signed-in user could write against the service lists is
// refused before it runs; what the desk sends passes.
func TestServiceListsJoinTheCostModel(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	sup := e.as("acme", "sup", auth.RoleServiceSupervisor)
	for name, q := range map[string]string{
		"complaints of complaints": `{ complaints(first: 500) { edges { node { steps { author { id } } followUps { note }
			account { complaints(first: 500) { edges { node { steps { note } account { callbacks(first: 500) { edges { node { issues { id } } } } } } } } } } } } }`,
		"watchlist fan-out": `{ serviceWatchlist(first: 500) { edges { node { account { callbacks(first: 500) { edges { node { issues { id } batch { callbacks(first: 500) { totalCount } } } } } } } } } }`,
		"report members":    `query($b: ID!) { callbackReport(batchID: $b) { missedMembers { complaints(first: 500) { edges { node { steps { note } } } } creditRequests(first: 500) { edges { node { steps { note } } } } } } }`,
	} {
		t.Run(name, func(t *testing.T) {
			r := sup.do(q, map[string]any{"b": "CB01M85X67XM3QHP1KXZHW5E9MK5"}).code(t, "BAD_USER_INPUT")
			if !strings.Contains(r.Errors[0].Message, "cost") {
				t.Fatalf("refused for another reason: %s", r.Errors[0].Message)
			}
		})
	}
	sup.op("service.graphql", "ServiceWatchlist", map[string]any{"first": 500}).ok(t)
	sup.op("service.graphql", "OverdueComplaints", map[string]any{"now": ahead(0)}).ok(t)
	sup.op("service.graphql", "MyCallbacks", map[string]any{"first": 500}).ok(t)
}

// A page of the service lists costs the same statements for 2 rows as for
// 6, nested edges included.
func TestServiceListsAreBounded(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newServiceWorld(t, e)
		for i := range 6 {
			a := w.admin.do(createAccount, map[string]any{"input": map[string]any{"name": fmt.Sprintf("Bounded %d", i), "tier": "C"}}).ok(t).str(t, "createAccount.id")
			w.admin.do(`mutation($id: ID!, $at: Time!, $r: ID!) { updateAccount(id: $id, input: {lastOrderAt: $at, serviceRepID: $r}) { id } }`,
				map[string]any{"id": a, "at": ago(240 * time.Hour), "r": w.rep2.id}).ok(t)
			c := w.rep2.op("service.graphql", "FileComplaint", map[string]any{"input": map[string]any{
				"accountID": a, "summary": "投诉", "category": "交货", "severity": "MAJOR", "promisedReplyAt": ahead(time.Hour)}}).ok(t).str(t, "fileComplaint.id")
			w.rep2.op("service.graphql", "AddComplaintStep", map[string]any{"id": c, "note": "处理中"}).ok(t)
		}
		w.sup.op("service.graphql", "CreateCallbackBatch", map[string]any{"input": map[string]any{"title": "回访", "repIDs": []string{w.rep2.id}}}).ok(t)
		for name, q := range map[string]string{
			"complaints": `query($n: Int) { complaints(first: $n, orderBy: {field: NUMBER, direction: ASC}) { totalCount edges { node { number steps { note author { id } } followUps { note } escalatedTo { id } account { id name owner { id } } } } } }`,
			"watchlist":  `query($n: Int) { serviceWatchlist(first: $n) { totalCount edges { node { rule account { id owner { id } serviceRep { id } complaints(first: 2) { totalCount } } } } } }`,
			"callbacks":  `query($n: Int) { myCallbacks(first: $n) { totalCount edges { node { id batch { title } account { id name contacts { id } } issues { id } } } } }`,
		} {
			user := w.sup
			if name == "callbacks" {
				user = w.rep2
			}
			count := func(n int) int64 {
				user.do(q, map[string]any{"n": n}).ok(t)
				before := e.stmts.Load()
				user.do(q, map[string]any{"n": n}).ok(t)
				return e.stmts.Load() - before
			}
			if two, six := count(2), count(6); two != six {
				t.Errorf("%s: %d statements for 2 rows, %d for 6", name, two, six)
			} else {
				t.Logf("%s: %d statements for 2 or 6 rows", name, six)
			}
		}
	})
}
