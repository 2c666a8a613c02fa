package api_test

// The ABC follow-up engine over real HTTP (issue #11): the operations of
// schema/contract/followups.graphql, their privacy and bad input.

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"rapport/internal/auth"
	"rapport/internal/cadence"
	"rapport/internal/calfeed"
	"rapport/internal/followup"
	"rapport/internal/pulid"
	"rapport/internal/testdb"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// shDay is the start of a Shanghai day, as the API returns due dates.
func shDay(y int, m time.Month, d int) string {
	return time.Date(y, m, d, 0, 0, 0, 0, shanghai).UTC().Format(time.RFC3339)
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

const logInteraction = `mutation($in: LogInteractionInput!) { logInteraction(input: $in) {
	id kind occurredAt summary account { id lastCallAt lastVisitAt nextCallDueAt nextVisitDueAt } } }`

func TestLogInteraction(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e) // A1: am1's, tier A, with decision maker c1, serviced by rep1
		// A Monday visit in Shanghai, meeting the chairman: calls due a week later,
		// the next visit two months later (a Saturday, so the Friday before).
		visit := time.Date(2026, 9, 7, 10, 0, 0, 0, shanghai)
		r := w.am1.op("followups.graphql", "LogInteraction", map[string]any{"input": map[string]any{
			"accountID": w.a1, "kind": "VISIT", "occurredAt": rfc(visit), "contactIDs": []string{w.c1}, "summary": "拜访董事长",
		}}).ok(t)
		acc := "logInteraction.account."
		if r.str(t, acc+"lastVisitAt") != rfc(visit) || r.str(t, acc+"lastCallAt") != rfc(visit) ||
			r.str(t, acc+"nextCallDueAt") != shDay(2026, 9, 14) || r.str(t, acc+"nextVisitDueAt") != shDay(2026, 11, 6) {
			t.Fatalf("after the visit: %v", r.get(t, "logInteraction.account"))
		}
		// A call logged late (older than the visit) moves nothing back.
		r = w.am1.do(logInteraction, map[string]any{"in": map[string]any{"accountID": w.a1, "kind": "PHONE", "occurredAt": rfc(visit.AddDate(0, 0, -3))}}).ok(t)
		if r.str(t, acc+"nextCallDueAt") != shDay(2026, 9, 14) {
			t.Fatalf("a late call moved the due date: %v", r.get(t, "logInteraction.account"))
		}
		// The service rep who services A1 logs a call too (a Friday 23:30 UTC: Saturday in Shanghai).
		late := time.Date(2026, 9, 11, 23, 30, 0, 0, time.UTC)
		r = w.rep1.do(logInteraction, map[string]any{"in": map[string]any{"accountID": w.a1, "kind": "PHONE", "occurredAt": rfc(late)}}).ok(t)
		if r.str(t, acc+"nextCallDueAt") != shDay(2026, 9, 18) { // Sat + 7 = Sat 19th → Friday 18th
			t.Fatalf("after the rep's call: %v", r.get(t, "logInteraction.account"))
		}
		// An A visit without a decision maker keeps the call cadence only.
		r = w.am1.do(logInteraction, map[string]any{"in": map[string]any{"accountID": w.a1, "kind": "VISIT", "occurredAt": rfc(visit.AddDate(0, 0, 14))}}).ok(t)
		if r.str(t, acc+"lastVisitAt") != rfc(visit) || r.str(t, acc+"lastCallAt") != rfc(visit.AddDate(0, 0, 14)) {
			t.Fatalf("an A visit without the chairman counted: %v", r.get(t, "logInteraction.account"))
		}
		// The account's interactions, newest first, with who logged them.
		r = w.am1.do(`query($id: ID!) { node(id: $id) { ... on Account { version interactions { totalCount edges { node { kind occurredAt loggedBy { id } contacts { id } } } } } } }`,
			map[string]any{"id": w.a1}).ok(t)
		if r.num(t, "node.interactions.totalCount") != 4 || r.str(t, "node.interactions.edges.0.node.occurredAt") != rfc(visit.AddDate(0, 0, 14)) ||
			r.str(t, "node.interactions.edges.1.node.loggedBy.id") != w.rep1.id {
			t.Fatalf("interactions: %v", r.get(t, "node.interactions"))
		}
		// Logging is no edit of the account: its version is where it was.
		if v := r.num(t, "node.version"); v != 2 { // created, then assigned a service rep
			t.Fatalf("account version %d after logging contacts", v)
		}

		// Bad input and privacy.
		now := time.Now()
		for _, c := range []struct {
			name string
			u    *user
			in   map[string]any
			code string
		}{
			{"in the future", w.am1, map[string]any{"accountID": w.a1, "kind": "PHONE", "occurredAt": rfc(now.Add(time.Hour))}, "BAD_USER_INPUT"},
			{"a contact of another account", w.admin, map[string]any{"accountID": w.a2, "kind": "VISIT", "occurredAt": rfc(now), "contactIDs": []string{w.c1}}, "BAD_USER_INPUT"},
			{"an unknown account", w.am1, map[string]any{"accountID": unknown(w.a1), "kind": "PHONE", "occurredAt": rfc(now)}, "NOT_FOUND"},
			{"a colleague's account", w.am1, map[string]any{"accountID": w.a2, "kind": "PHONE", "occurredAt": rfc(now)}, "NOT_FOUND"},
			{"another tenant's account", w.gam, map[string]any{"accountID": w.a1, "kind": "PHONE", "occurredAt": rfc(now)}, "NOT_FOUND"},
			{"HR, who sees no account", w.hr, map[string]any{"accountID": w.a1, "kind": "PHONE", "occurredAt": rfc(now)}, "NOT_FOUND"},
			{"an unknown kind", w.am1, map[string]any{"accountID": w.a1, "kind": "FAX", "occurredAt": rfc(now)}, "BAD_USER_INPUT"},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.u.do(logInteraction, map[string]any{"in": c.in}).code(t, c.code)
			})
		}
	})
}

func TestFollowUpsDueAndAgenda(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		// Every account is due from the day it was created: calls in one
		// week (A, B) or two (C).
		week := time.Now().AddDate(0, 0, 15)
		due := func(u *user, kind string, tier any) *result {
			return u.op("followups.graphql", "FollowUpsDue", map[string]any{"kind": kind, "tier": tier, "before": rfc(week), "first": 10}).ok(t)
		}
		for _, c := range []struct {
			u    *user
			want []string
		}{
			{w.am1, []string{w.a1}}, {w.am2, []string{w.a2}}, {w.sm1, []string{w.a1, w.a2}},
			{w.admin, []string{w.a1, w.a2, w.a3}}, {w.rep1, []string{w.a1}}, {w.hr, nil}, {w.gadmin, []string{w.g1}},
		} {
			r := due(c.u, "CALL", nil)
			got := ids(t, r, "followUpsDue.edges")
			if len(got) != len(c.want) || r.num(t, "followUpsDue.totalCount") != len(c.want) {
				t.Fatalf("%s's calls due: %v, want %v", c.u.id, got, c.want)
			}
			for _, id := range c.want {
				if !got[id] {
					t.Fatalf("%s's calls due: %v, want %v", c.u.id, got, c.want)
				}
			}
		}
		if got := ids(t, due(w.admin, "VISIT", "A"), "followUpsDue.edges"); len(got) != 0 {
			t.Fatalf("A visits due within a week of creation: %v", got)
		}
		r := w.admin.do(`query($b: Time!) { followUpsDue(kind: CALL, before: $b, first: 10) { edges { node { id nextCallDueAt } } } }`, map[string]any{"b": rfc(week)}).ok(t)
		prev := ""
		for _, ed := range r.list(t, "followUpsDue.edges") {
			n := ed.(map[string]any)["node"].(map[string]any)
			if at := n["nextCallDueAt"].(string); at < prev {
				t.Fatalf("not earliest first: %v", r.list(t, "followUpsDue.edges"))
			} else {
				prev = at
			}
		}

		// An organisation-wide list takes its total from the due counts the
		// database keeps, and pages as any other (fragments included).
		page := `query($b: Time!, $after: Cursor) { followUpsDue(kind: CALL, before: $b, first: 2, after: $after) { ...due pageInfo { hasNextPage endCursor } } }
			fragment due on AccountConnection { totalCount edges { node { id } } }`
		r = w.admin.do(page, map[string]any{"b": rfc(week)}).ok(t)
		if len(r.list(t, "followUpsDue.edges")) != 2 || r.num(t, "followUpsDue.totalCount") != 3 || r.get(t, "followUpsDue.pageInfo.hasNextPage") != true {
			t.Fatalf("first page: %v", r.Data)
		}
		r = w.admin.do(page, map[string]any{"b": rfc(week), "after": r.str(t, "followUpsDue.pageInfo.endCursor")}).ok(t)
		if len(r.list(t, "followUpsDue.edges")) != 1 || r.num(t, "followUpsDue.totalCount") != 3 || r.get(t, "followUpsDue.pageInfo.hasNextPage") != false {
			t.Fatalf("second page: %v", r.Data)
		}
		if n := w.admin.do(`query($b: Time!) { followUpsDue(kind: CALL, before: $b, first: 2) { totalCount } }`, map[string]any{"b": rfc(week)}).ok(t).num(t, "followUpsDue.totalCount"); n != 3 {
			t.Fatalf("totalCount alone: %d", n)
		}

		// Agenda: A2 (am2's) is due on the day after its creation + 7 days; in a
		// window starting after that day it is overdue on the first day.
		from := time.Now().AddDate(0, 0, 10)
		r = w.am2.op("followups.graphql", "Agenda", map[string]any{"from": rfc(from), "to": rfc(from.AddDate(0, 0, 6))}).ok(t)
		days := r.list(t, "agenda")
		if len(days) != 7 {
			t.Fatalf("%d days", len(days))
		}
		first := days[0].(map[string]any)["items"].([]any)
		if len(first) != 1 || first[0].(map[string]any)["overdue"] != true || first[0].(map[string]any)["kind"] != "CALL" ||
			first[0].(map[string]any)["account"].(map[string]any)["id"] != w.a2 {
			t.Fatalf("first day of am2's agenda: %v", first)
		}
		r = w.am2.op("followups.graphql", "Agenda", map[string]any{"from": rfc(time.Now()), "to": rfc(time.Now().AddDate(0, 0, 9))}).ok(t)
		found := false
		for _, d := range r.list(t, "agenda") {
			for _, it := range d.(map[string]any)["items"].([]any) {
				if it.(map[string]any)["overdue"] == true {
					t.Fatalf("an item overdue in a window starting today: %v", it)
				}
				found = found || it.(map[string]any)["account"].(map[string]any)["id"] == w.a2
			}
		}
		if !found {
			t.Fatal("A2's first call is not on am2's agenda")
		}
		w.am2.do(`query($f: Time!, $t: Time!) { agenda(from: $f, to: $t) { day } }`, map[string]any{"f": rfc(time.Now()), "t": rfc(time.Now().AddDate(0, 2, 0))}).code(t, "BAD_USER_INPUT")
		w.am2.do(`query($f: Time!, $t: Time!) { agenda(from: $f, to: $t) { day } }`, map[string]any{"f": rfc(time.Now()), "t": rfc(time.Now().AddDate(0, 0, -2))}).code(t, "BAD_USER_INPUT")
	})
}

func TestChangeAccountTier(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e) // A2: am2's, tier B, in sm1's team
		before := w.admin.do(`query($id: ID!) { node(id: $id) { ... on Account { nextCallDueAt nextVisitDueAt } } }`, map[string]any{"id": w.a2}).ok(t)
		r := w.sm1.op("followups.graphql", "ChangeAccountTier", map[string]any{"id": w.a2, "tier": "C", "reason": "合作意向下降"}).ok(t)
		if r.str(t, "changeAccountTier.tier") != "C" || r.str(t, "changeAccountTier.tierChanges.0.fromTier") != "B" ||
			r.str(t, "changeAccountTier.tierChanges.0.toTier") != "C" || r.str(t, "changeAccountTier.tierChanges.0.reason") != "合作意向下降" ||
			r.str(t, "changeAccountTier.tierChanges.0.decidedBy.id") != w.sm1.id {
			t.Fatalf("changeAccountTier: %v", r.Data)
		}
		// B → C: calls every 2 weeks instead of every week, visits every 4 months instead of 3.
		if r.str(t, "changeAccountTier.nextCallDueAt") <= before.str(t, "node.nextCallDueAt") ||
			r.str(t, "changeAccountTier.nextVisitDueAt") <= before.str(t, "node.nextVisitDueAt") {
			t.Fatalf("due dates did not move out: before %v, after %v", before.Data, r.Data)
		}
		for _, c := range []struct {
			name string
			u    *user
			id   string
			code string
		}{
			{"the owning account manager", w.am2, w.a2, "FORBIDDEN"},
			{"another team's sales manager", w.sm2, w.a2, "NOT_FOUND"},
			{"the service supervisor", w.sup, w.a2, "FORBIDDEN"},
			{"the executive", w.exec, w.a2, "FORBIDDEN"},
			{"another tenant's admin", w.gadmin, w.a2, "NOT_FOUND"},
			{"to the same tier", w.admin, w.a2, "BAD_USER_INPUT"},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.u.do(`mutation($id: ID!) { changeAccountTier(id: $id, tier: C, reason: "x") { id } }`, map[string]any{"id": c.id}).code(t, c.code)
			})
		}
		w.admin.do(`mutation($id: ID!) { changeAccountTier(id: $id, tier: A, reason: "") { id } }`, map[string]any{"id": w.a2}).code(t, "BAD_USER_INPUT")
	})
}

// Two instances logging contacts for one account at once: the account ends
// with the newest contact, whatever the order the transactions commit in.
func TestConcurrentInteractionsOnTwoInstances(t *testing.T) {
	url := testdb.PostgresURL(t)
	one := newEnv(t, url, auth.Config{Secret: testSecret})
	two := newEnv(t, url, auth.Config{Secret: testSecret})
	one.org("acme")
	am := one.as("acme", "am", auth.RoleAccountManager)
	id := am.do(createAccount, map[string]any{"input": map[string]any{"name": "Busy", "tier": "B"}}).ok(t).str(t, "createAccount.id")
	base := time.Date(2026, 10, 5, 9, 0, 0, 0, shanghai) // the last call, at base + 15 h, is on Tuesday the 6th in Shanghai
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range 16 {
		e := []*env{one, two}[i%2]
		wg.Go(func() {
			r := e.post(am.token, logInteraction, map[string]any{"in": map[string]any{"accountID": id, "kind": "PHONE", "occurredAt": rfc(base.Add(time.Duration(i) * time.Hour))}})
			if len(r.Errors) > 0 {
				errs[i] = fmt.Errorf("%v", r.Errors)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r := am.do(`query($id: ID!) { node(id: $id) { ... on Account { lastCallAt nextCallDueAt interactions { totalCount } } } }`, map[string]any{"id": id}).ok(t)
	if r.str(t, "node.lastCallAt") != rfc(base.Add(15*time.Hour)) || r.str(t, "node.nextCallDueAt") != shDay(2026, 10, 13) || r.num(t, "node.interactions.totalCount") != 16 {
		t.Fatalf("after 16 concurrent calls: %v", r.Data)
	}
}

func TestTierReview(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e) // sm1's team: A1 (tier A, intent MEDIUM) and A2 (tier B)
		month := time.Now().In(shanghai).Format("2006-01")
		// A2 gets contact and a high intent: it should outrank A1.
		w.admin.do(`mutation($id: ID!) { updateAccount(id: $id, input: {cooperationIntent: HIGH, lifecycleStage: ACTIVE}) { id } }`, map[string]any{"id": w.a2}).ok(t)
		w.am2.do(logInteraction, map[string]any{"in": map[string]any{"accountID": w.a2, "kind": "PHONE", "occurredAt": rfc(time.Now().Add(-time.Minute))}}).ok(t)
		r := w.sm1.op("followups.graphql", "TierReview", map[string]any{"month": month}).ok(t)
		ps := r.list(t, "tierReview.proposals")
		if len(ps) != 2 {
			t.Fatalf("sm1's review: %v", ps)
		}
		first, second := ps[0].(map[string]any), ps[1].(map[string]any)
		if first["account"].(map[string]any)["id"] != w.a2 || first["score"].(float64) <= second["score"].(float64) ||
			first["proposedTier"] != "B" || second["proposedTier"] != "C" { // 2 accounts: 0 A, 1 B, 1 C
			t.Fatalf("ranking: %v", ps)
		}
		if n := len(w.am1.do(`query($m: String!) { tierReview(month: $m) { proposals { account { id } } } }`, map[string]any{"m": month}).ok(t).list(t, "tierReview.proposals")); n != 1 {
			t.Fatalf("am1's review ranks %d accounts", n)
		}
		for _, bad := range []string{"2026-13", "2026-1", "next month", time.Now().AddDate(0, 2, 0).Format("2006-01")} {
			w.sm1.do(`query($m: String!) { tierReview(month: $m) { month } }`, map[string]any{"m": bad}).code(t, "BAD_USER_INPUT")
		}

		apply := func(u *user, ids ...string) *result {
			return u.op("followups.graphql", "ApplyTierReview", map[string]any{"month": month, "accountIDs": ids})
		}
		apply(w.am1, w.a1).code(t, "FORBIDDEN")
		apply(w.sm1, w.a3).code(t, "NOT_FOUND") // another team's account
		r = apply(w.sm1, w.a1, w.a2).ok(t)
		if r.str(t, "applyTierReview.0.tier") != "C" || r.str(t, "applyTierReview.1.tier") != "B" {
			t.Fatalf("applied: %v", r.Data)
		}
		r = w.sm1.do(`query($id: ID!) { node(id: $id) { ... on Account { tierChanges { fromTier toTier reason decidedBy { id } } } } }`, map[string]any{"id": w.a1}).ok(t)
		if r.str(t, "node.tierChanges.0.reason") != "monthly review "+month || r.str(t, "node.tierChanges.0.fromTier") != "A" ||
			r.str(t, "node.tierChanges.0.decidedBy.id") != w.sm1.id {
			t.Fatalf("A1's tier history: %v", r.Data)
		}
		// A2 was proposed B, its tier already: no change recorded.
		r = w.sm1.do(`query($id: ID!) { node(id: $id) { ... on Account { tierChanges { reason } } } }`, map[string]any{"id": w.a2}).ok(t)
		if n := len(r.list(t, "node.tierChanges")); n != 0 {
			t.Fatalf("A2 got %d tier changes", n)
		}
	})
}

// The cadence is the organisation's policy and the working days its
// calendar: an ADMIN changes either, and every account's due dates follow
// in one statement-bounded pass.
func TestCadencePolicyAndHolidays(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e) // A3: tier C, created now
		dueOf := func(id string) (call, visit string) {
			r := w.admin.do(`query($id: ID!) { node(id: $id) { ... on Account { nextCallDueAt nextVisitDueAt } } }`, map[string]any{"id": id}).ok(t)
			return r.str(t, "node.nextCallDueAt"), r.str(t, "node.nextVisitDueAt")
		}
		cal := cadence.NewCalendar(shanghai)
		created := time.Now()
		want := func(days int) string {
			return rfc(cal.Start(cal.OnOrBeforeWorking(cal.DayOf(created).AddDays(days))))
		}
		if c, _ := dueOf(w.a3); c != want(14) {
			t.Fatalf("C call due %s, want %s", c, want(14))
		}
		setCadence := func(u *user, days int) *result {
			return u.do(`mutation($d: Int!) { updateOrganization(input: {callDaysC: $d}) { callDaysC callDaysA visitMonthsA } }`, map[string]any{"d": days})
		}
		before := e.stmts.Load()
		r := setCadence(w.admin, 21).ok(t)
		small := e.stmts.Load() - before
		if r.num(t, "updateOrganization.callDaysC") != 21 || r.num(t, "updateOrganization.callDaysA") != 7 || r.num(t, "updateOrganization.visitMonthsA") != 2 {
			t.Fatalf("policy: %v", r.Data)
		}
		if c, _ := dueOf(w.a3); c != want(21) {
			t.Fatalf("after the policy change, C call due %s, want %s", c, want(21))
		}
		setCadence(w.am3, 10).code(t, "FORBIDDEN")
		setCadence(w.admin, 0).code(t, "BAD_USER_INPUT")
		// Many more accounts: the recomputation costs the same statements.
		for i := range 60 {
			w.am3.do(createAccount, map[string]any{"input": map[string]any{"name": fmt.Sprintf("More %d", i), "tier": "C"}}).ok(t)
		}
		before = e.stmts.Load()
		setCadence(w.admin, 14).ok(t)
		if large := e.stmts.Load() - before; large != small {
			t.Fatalf("recomputing 3 accounts took %d statements, 63 took %d", small, large)
		}

		// A day off on A1's call due day moves it back to the working day before.
		call, _ := dueOf(w.a1)
		dueTime, _ := time.Parse(time.RFC3339, call)
		day := cal.DayOf(dueTime)
		hol := `mutation($d: String!, $k: HolidayKind!) { setHoliday(day: $d, kind: $k, name: "公司假日") { day kind } }`
		w.admin.do(hol, map[string]any{"d": day.String(), "k": "OFF"}).ok(t)
		if c, _ := dueOf(w.a1); c != rfc(cal.Start(cal.OnOrBeforeWorking(day.AddDays(-1)))) {
			t.Fatalf("with %s off, A1's call is due %s", day, c)
		}
		r = w.am1.do(`query($y: Int!) { holidays(year: $y) { day kind name } }`, map[string]any{"y": day.Year}).ok(t)
		if hs := r.list(t, "holidays"); len(hs) != 1 || hs[0].(map[string]any)["day"] != day.String() {
			t.Fatalf("holidays: %v", hs)
		}
		w.admin.do(hol, map[string]any{"d": day.String(), "k": "NORMAL"}).ok(t)
		if c, _ := dueOf(w.a1); c != call {
			t.Fatalf("with %s a normal day again, A1's call is due %s, want %s", day, c, call)
		}
		w.am1.do(hol, map[string]any{"d": day.String(), "k": "OFF"}).code(t, "FORBIDDEN")
		w.admin.do(hol, map[string]any{"d": "2026-02-30", "k": "OFF"}).code(t, "BAD_USER_INPUT")
		if hs := w.gadmin.do(`query($y: Int!) { holidays(year: $y) { day } }`, map[string]any{"y": day.Year}).ok(t).list(t, "holidays"); len(hs) != 0 {
			t.Fatalf("another organisation starts with holidays: %v", hs)
		}
	})
}

// The agenda as a calendar feed: a URL with its own token that an app
// subscribes to, read back by an iCalendar parser; 304 when unchanged;
// revoked by rotation; only its owner sees it.
func TestAgendaCalendarFeed(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		url := w.am1.do(`{ viewer { agendaCalendarURL } }`, nil).ok(t).str(t, "viewer.agendaCalendarURL")
		if !strings.HasPrefix(url, e.url+"/calendar/agenda/") || !strings.HasSuffix(url, ".ics") {
			t.Fatalf("feed URL %q", url)
		}
		if got := w.admin.do(`query($id: ID!) { node(id: $id) { ... on User { agendaCalendarURL } } }`, map[string]any{"id": w.am1.id}).ok(t).get(t, "node.agendaCalendarURL"); got != nil {
			t.Fatalf("an admin reads another user's feed URL: %v", got)
		}
		get := func(url string, headers ...string) *raw {
			return e.raw("GET", strings.TrimPrefix(url, e.url), "", nil, headers...)
		}
		r := get(url)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") || r.header.Get("ETag") == "" {
			t.Fatalf("feed: HTTP %d %v %.200s", r.status, r.header, r.body)
		}
		cal, err := goical.NewDecoder(bytes.NewReader(r.body)).Decode()
		if err != nil {
			t.Fatalf("the feed does not parse: %v\n%s", err, r.body)
		}
		evs := cal.Events()
		if len(evs) != 1 { // A1's first call, due a week after its creation
			t.Fatalf("%d events:\n%s", len(evs), r.body)
		}
		uid, _ := evs[0].Props.Text(goical.PropUID)
		start := evs[0].Props.Get(goical.PropDateTimeStart)
		summary, _ := evs[0].Props.Text(goical.PropSummary)
		wantDay := cadence.NewCalendar(shanghai).OnOrBeforeWorking(cadence.DayOfTime(time.Now().In(shanghai)).AddDays(7))
		if uid != "call-"+w.a1+"@acme.rapport" || start.ValueType() != goical.ValueDate || start.Value != strings.ReplaceAll(wantDay.String(), "-", "") ||
			!strings.Contains(summary, "Alpha") {
			t.Fatalf("event: uid %q, start %q (%v), summary %q", uid, start.Value, start.ValueType(), summary)
		}
		if again := get(url, "If-None-Match: "+r.header.Get("ETag")); again.status != http.StatusNotModified {
			t.Fatalf("unchanged feed: HTTP %d", again.status)
		}
		// A tier change moves the event (calls every two weeks): a new ETag, the same UID.
		w.admin.do(`mutation($id: ID!) { changeAccountTier(id: $id, tier: C, reason: "feed") { id } }`, map[string]any{"id": w.a1}).ok(t)
		if moved := get(url, "If-None-Match: "+r.header.Get("ETag")); moved.status != http.StatusOK || !bytes.Contains(moved.body, []byte("UID:call-"+w.a1)) {
			t.Fatalf("after a tier change: HTTP %d", moved.status)
		}
		// Rotation revokes the old URL.
		fresh := w.am1.do(`mutation { rotateCalendarToken }`, nil).ok(t).str(t, "rotateCalendarToken")
		if fresh == url || get(url).status != http.StatusNotFound || get(fresh).status != http.StatusOK {
			t.Fatal("rotation did not replace the feed URL")
		}
		for _, bad := range []string{"/calendar/agenda/nothing.ics", "/calendar/agenda/" + w.am1.id + ".forged.ics", "/calendar/agenda/" + strings.Repeat("x", 500) + ".ics"} {
			if st := get(e.url + bad).status; st != http.StatusNotFound {
				t.Fatalf("%s: HTTP %d", bad, st)
			}
		}
	})
}

func TestContactOverview(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e) // A3: am3's, tier C
		w.admin.do(`mutation($id: ID!) { updateAccount(id: $id, input: {region: "华东"}) { id } }`, map[string]any{"id": w.a3}).ok(t)
		today := cadence.DayOfTime(time.Now().In(shanghai))
		at := func(daysAgo, hour int) string {
			d := today.AddDays(-daysAgo)
			return rfc(time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, shanghai))
		}
		for _, c := range []struct {
			ago, hour int
			kind      string
		}{{3, 9, "PHONE"}, {3, 15, "WECHAT"}, {2, 10, "PHONE"}, {1, 10, "PHONE"}} {
			w.am3.do(logInteraction, map[string]any{"in": map[string]any{"accountID": w.a3, "kind": c.kind, "occurredAt": at(c.ago, c.hour), "summary": "联系 " + c.kind}}).ok(t)
		}
		q := `query($f: Time!, $t: Time!, $r: String) { contactOverview(from: $f, to: $t, region: $r) {
			days truncated rows { account { id name owner { id } } contacts overContacted days { day kinds note } } } }`
		r := w.am3.do(q, map[string]any{"f": at(6, 12), "t": at(0, 12), "r": "华东"}).ok(t)
		if n := len(r.list(t, "contactOverview.days")); n != 7 {
			t.Fatalf("%d days", n)
		}
		rows := r.list(t, "contactOverview.rows")
		if len(rows) != 1 {
			t.Fatalf("rows %v", rows)
		}
		row := rows[0].(map[string]any)
		days := row["days"].([]any)
		if row["contacts"].(float64) != 4 || row["overContacted"] != true || len(days) != 3 ||
			len(days[0].(map[string]any)["kinds"].([]any)) != 2 || days[0].(map[string]any)["note"] != "联系 PHONE" ||
			row["account"].(map[string]any)["owner"].(map[string]any)["id"] != w.am3.id {
			t.Fatalf("A3's row: %v", row)
		}
		// Another region, and another manager's sheet, show nothing of A3.
		if rows := w.am3.do(q, map[string]any{"f": at(6, 12), "t": at(0, 12), "r": "华北"}).ok(t).list(t, "contactOverview.rows"); len(rows) != 0 {
			t.Fatalf("华北 rows %v", rows)
		}
		for _, ro := range w.am1.do(q, map[string]any{"f": at(6, 12), "t": at(0, 12)}).ok(t).list(t, "contactOverview.rows") {
			if ro.(map[string]any)["account"].(map[string]any)["id"] == w.a3 {
				t.Fatal("am1's sheet shows A3")
			}
		}
		w.am3.do(q, map[string]any{"f": at(40, 12), "t": at(0, 12)}).code(t, "BAD_USER_INPUT")
	})
}

// A visit report follows a visit; its proposal is due within 3 days and is
// listed when late until it is submitted.
func TestVisitReportsAndProposals(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		visitAt := time.Now().AddDate(0, 0, -5)
		visit := w.am1.do(logInteraction, map[string]any{"in": map[string]any{"accountID": w.a1, "kind": "VISIT", "occurredAt": rfc(visitAt), "contactIDs": []string{w.c1}}}).ok(t).str(t, "logInteraction.id")
		call := w.am1.do(logInteraction, map[string]any{"in": map[string]any{"accountID": w.a1, "kind": "PHONE", "occurredAt": rfc(visitAt)}}).ok(t).str(t, "logInteraction.id")
		file := `mutation($i: ID!) { fileVisitReport(input: {interactionID: $i, needsAnalysis: "降本增效", environmentAssessment: "竞争激烈", serviceEntryPoint: "管理培训"}) {
			id proposalDueAt proposalSubmittedAt account { id } interaction { id kind } } }`
		r := w.am1.do(file, map[string]any{"i": visit}).ok(t)
		report := r.str(t, "fileVisitReport.id")
		cal := cadence.NewCalendar(shanghai)
		wantDue := rfc(cal.Start(cal.DayOf(visitAt).AddDays(4)))
		if r.str(t, "fileVisitReport.proposalDueAt") != wantDue || r.str(t, "fileVisitReport.account.id") != w.a1 {
			t.Fatalf("report: %v (due %s)", r.Data, wantDue)
		}
		w.am1.do(file, map[string]any{"i": call}).code(t, "BAD_USER_INPUT") // not a visit
		w.am1.do(file, map[string]any{"i": visit}).code(t, "CONFLICT")      // one report a visit
		w.am2.do(file, map[string]any{"i": visit}).code(t, "NOT_FOUND")     // not am2's account
		late := `{ lateProposals(first: 10) { totalCount edges { node { id account { id } } } } }`
		if n := w.am1.do(late, nil).ok(t).num(t, "lateProposals.totalCount"); n != 1 {
			t.Fatalf("%d late proposals for am1", n)
		}
		if n := w.am2.do(late, nil).ok(t).num(t, "lateProposals.totalCount"); n != 0 {
			t.Fatalf("am2 sees %d of am1's late proposals", n)
		}
		submit := `mutation($id: ID!) { submitProposal(visitReportID: $id, summary: "管理培训方案") { proposalSubmittedAt proposalSummary } }`
		for _, reader := range []*user{w.exec, w.sup, w.rep1} { // they read a1, and write none of its reports
			reader.do(submit, map[string]any{"id": report}).code(t, "FORBIDDEN")
			reader.do(`mutation($id: ID!) { updateVisitReport(id: $id, input: {needsAnalysis: "改写"}) { id } }`, map[string]any{"id": report}).code(t, "FORBIDDEN")
		}
		w.am1.do(submit, map[string]any{"id": report}).ok(t)
		w.am1.do(submit, map[string]any{"id": report}).code(t, "CONFLICT")
		if n := w.am1.do(late, nil).ok(t).num(t, "lateProposals.totalCount"); n != 0 {
			t.Fatalf("a submitted proposal is still late")
		}
		r = w.am1.do(`query($id: ID!) { node(id: $id) { ... on Interaction { visitReport { needsAnalysis } } } }`, map[string]any{"id": visit}).ok(t)
		if r.str(t, "node.visitReport.needsAnalysis") != "降本增效" {
			t.Fatalf("the visit's report: %v", r.Data)
		}
	})
}

// A greeting follows an outline a sales manager approved.
func TestGreetingOutlines(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		outline := w.hr.do(`mutation { createGreetingOutline(input: {title: "春节问候 2027", body: "感谢一年来的支持……"}) { id status author { id } } }`, nil).ok(t)
		id := outline.str(t, "createGreetingOutline.id")
		if outline.str(t, "createGreetingOutline.status") != "SUBMITTED" || outline.str(t, "createGreetingOutline.author.id") != w.hr.id {
			t.Fatalf("outline: %v", outline.Data)
		}
		greet := func(u *user, outline any) *result {
			return u.do(`mutation($a: ID!, $o: ID, $at: Time!) { logInteraction(input: {accountID: $a, kind: GREETING, occurredAt: $at, greetingOutlineID: $o}) { id } }`,
				map[string]any{"a": w.a1, "o": outline, "at": rfc(time.Now().Add(-time.Minute))})
		}
		greet(w.am1, id).code(t, "BAD_USER_INPUT")  // not approved yet
		greet(w.am1, nil).code(t, "BAD_USER_INPUT") // no outline
		decide := `mutation($id: ID!, $ok: Boolean!) { decideGreetingOutline(id: $id, approve: $ok, note: "可以") { status decidedBy { id } } }`
		w.am1.do(decide, map[string]any{"id": id, "ok": true}).code(t, "FORBIDDEN")
		w.hr.do(decide, map[string]any{"id": id, "ok": true}).code(t, "FORBIDDEN")
		r := w.sm1.do(decide, map[string]any{"id": id, "ok": true}).ok(t)
		if r.str(t, "decideGreetingOutline.status") != "APPROVED" || r.str(t, "decideGreetingOutline.decidedBy.id") != w.sm1.id {
			t.Fatalf("decision: %v", r.Data)
		}
		w.admin.do(decide, map[string]any{"id": id, "ok": false}).code(t, "CONFLICT") // decided already
		// A sales manager's own outline needs another's approval.
		own := w.sm1.do(`mutation { createGreetingOutline(input: {title: "中秋问候", body: "……"}) { id } }`, nil).ok(t).str(t, "createGreetingOutline.id")
		w.sm1.do(decide, map[string]any{"id": own, "ok": true}).code(t, "FORBIDDEN")
		w.sm2.do(decide, map[string]any{"id": own, "ok": true}).ok(t)
		greet(w.am1, id).ok(t)
		w.am1.do(`mutation($a: ID!, $o: ID, $at: Time!) { logInteraction(input: {accountID: $a, kind: PHONE, occurredAt: $at, greetingOutlineID: $o}) { id } }`,
			map[string]any{"a": w.a1, "o": id, "at": rfc(time.Now())}).code(t, "BAD_USER_INPUT")
		if n := w.am2.do(`{ greetingOutlines(first: 5) { totalCount } }`, nil).ok(t).num(t, "greetingOutlines.totalCount"); n != 2 {
			t.Fatalf("the organisation's outlines: %d", n)
		}
		if n := w.gam.do(`{ greetingOutlines(first: 5) { totalCount } }`, nil).ok(t).num(t, "greetingOutlines.totalCount"); n != 0 {
			t.Fatalf("another organisation sees %d outlines", n)
		}
	})
}

// A sheet reads at most followup.MaxOverviewContacts contacts: past that it
// says it is truncated instead of loading every contact of the period.
func TestContactOverviewIsBounded(t *testing.T) {
	e := sqliteEnv(t)
	w := newWorld(t, e)
	ctx := sys(t.Context())
	acct := e.client.Account.GetX(ctx, pulid.ID(w.a3))
	start := time.Now().Add(-48 * time.Hour)
	const chunk = 1000 // rows a statement, written straight (no hooks: 20,000 logged contacts would take long)
	for n := 0; n <= followup.MaxOverviewContacts; n += chunk {
		var values []string
		var args []any
		for i := range chunk {
			at := start.Add(time.Duration(n+i) * time.Second)
			values = append(values, "(?, ?, ?, 'EMAIL', ?, false, ?, ?)")
			args = append(args, fmt.Sprintf("IN%024d", n+i), at, at, at, acct.ID, acct.OrganizationID)
		}
		if err := e.driver.Exec(ctx, "INSERT INTO interactions (id, created_at, updated_at, kind, occurred_at, decision_maker_met, account_id, organization_id) VALUES "+
			strings.Join(values, ", "), args, nil); err != nil {
			t.Fatal(err)
		}
	}
	q := `query($f: Time!, $t: Time!) { contactOverview(from: $f, to: $t) { truncated rows { account { id } contacts } } }`
	r := w.am3.do(q, map[string]any{"f": rfc(start.Add(-24 * time.Hour)), "t": rfc(time.Now())}).ok(t)
	if r.get(t, "contactOverview.truncated") != true || r.num(t, "contactOverview.rows.0.contacts") != followup.MaxOverviewContacts {
		t.Fatalf("a sheet over %d contacts: truncated %v, %v contacts read", followup.MaxOverviewContacts,
			r.get(t, "contactOverview.truncated"), r.get(t, "contactOverview.rows.0.contacts"))
	}
}

// A feed URL is a credential that calendar applications poll without
// signing in: it stops when its user loses a role (new URLs from their next
// request) and when they have not signed in for calfeed.IdleFeed.
func TestFeedURLsStopWithTheirUser(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	sm := e.as("acme", "sm", auth.RoleSalesManager, auth.RoleEmployee)
	url := func(u *user) string {
		return strings.TrimPrefix(u.do(`{ viewer { agendaCalendarURL } }`, nil).ok(t).str(t, "viewer.agendaCalendarURL"), e.url)
	}
	feed := url(sm)
	if st := e.raw("GET", feed, "", nil).status; st != http.StatusOK {
		t.Fatalf("the feed: HTTP %d", st)
	}
	// A new role keeps the URL; a lost one ends it.
	promoted := &user{e: e, id: sm.id, token: token(t, "acme", "sm", auth.RoleSalesManager, auth.RoleEmployee, auth.RoleHR)}
	if url(promoted) != feed || e.raw("GET", feed, "", nil).status != http.StatusOK {
		t.Fatal("a role gained changed the feed URL")
	}
	demoted := &user{e: e, id: sm.id, token: token(t, "acme", "sm", auth.RoleEmployee)}
	fresh := url(demoted)
	if fresh == feed || e.raw("GET", feed, "", nil).status != http.StatusNotFound || e.raw("GET", fresh, "", nil).status != http.StatusOK {
		t.Fatal("the feed handed out under a lost role is still served")
	}
	// Not signed in for longer than calfeed.IdleFeed: no feed until they are.
	e.client.User.UpdateOneID(pulid.ID(sm.id)).SetLastSeenAt(time.Now().Add(-calfeed.IdleFeed - time.Hour)).ExecX(sys(t.Context()))
	if st := e.raw("GET", fresh, "", nil).status; st != http.StatusNotFound {
		t.Fatalf("the feed of a user gone for %v: HTTP %d", calfeed.IdleFeed, st)
	}
}

// A demotion ends the feed URLs once, whichever instances see it: one that
// still holds the old roles in its cache does not end the new URL too.
func TestDemotionEndsFeedsOnceAcrossInstances(t *testing.T) {
	url := testdbSQLite(t)
	one := newEnvWith(t, url, auth.Config{Secret: testSecret}, envOptions{})
	two := newEnvWith(t, url, auth.Config{Secret: testSecret}, envOptions{})
	one.org("acme")
	before := token(t, "acme", "sm", auth.RoleSalesManager, auth.RoleEmployee)
	after := token(t, "acme", "sm", auth.RoleEmployee)
	feedURL := func(e *env, tok string) string {
		return strings.TrimPrefix((&user{e: e, token: tok}).do(`{ viewer { agendaCalendarURL } }`, nil).ok(t).str(t, "viewer.agendaCalendarURL"), e.url)
	}
	old := feedURL(one, before) // both instances hold the old roles
	feedURL(two, before)
	fresh := feedURL(two, after)
	if fresh == old {
		t.Fatal("the demotion kept the feed URL")
	}
	if again := feedURL(one, after); again != fresh || one.raw("GET", fresh, "", nil).status != http.StatusOK {
		t.Fatalf("instance one, with the old roles cached, ended the new URL (%q, then %q)", fresh, again)
	}
}
