package api_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/testdb"

	"github.com/lib/pq"
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

// TestScaleOutBehindPgBouncer: two instances reach one PostgreSQL through
// a PgBouncer in transaction pooling mode that keeps four server sessions
// for the database, and serve concurrent writes through it: registrations
// racing for capacity, complaint numbers, contacts logged on one account,
// and reads with arguments meanwhile. Every request succeeds (no statement
// fails because a session changed under it) and every invariant holds.
// Migrations ran on the direct connection, as the README says.
func TestScaleOutBehindPgBouncer(t *testing.T) {
	direct := testdb.PostgresURL(t)
	u, _ := url.Parse(direct)
	db, err := sql.Open("postgres", direct)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := pq.QuoteIdentifier(strings.TrimPrefix(u.Path, "/"))
	// The session settings a pooled instance cannot send, on the database.
	for _, set := range []string{"statement_timeout = '15s'", "idle_in_transaction_session_timeout = '60s'"} {
		if _, err := db.Exec("ALTER DATABASE " + name + " SET " + set); err != nil {
			t.Fatal(err)
		}
	}
	const sessions = 4
	pooled := testdb.PgBouncer(t, direct, sessions)
	one := newEnvWith(t, direct, auth.Config{Secret: testSecret}, envOptions{pooler: pooled, maxInFlight: 100})
	two := newEnvWith(t, direct, auth.Config{Secret: testSecret}, envOptions{pooler: pooled, maxInFlight: 100})
	envs := []*env{one, two}

	w := newCultureWorld(t, one)
	act := w.activity(t, w.campaign(t, "志愿者日 Volunteers", map[string]any{"kind": "VOLUNTEERING"}, ""), "植树", time.Now().Add(72*time.Hour), map[string]any{"capacity": 10})
	am := one.as("acme", "am", auth.RoleAccountManager)
	account := am.do(createAccount, map[string]any{"input": map[string]any{"name": "Busy 繁忙", "tier": "B"}}).ok(t).str(t, "createAccount.id")
	sup := []*user{one.as("acme", "sup", auth.RoleServiceSupervisor), two.as("acme", "sup", auth.RoleServiceSupervisor)}
	people := make([]*user, 50)
	for i := range people {
		people[i] = envs[i%2].as("acme", fmt.Sprintf("p%02d", i), auth.RoleEmployee)
	}

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		statuses = map[string]int{}
		numbers  []int
	)
	fail := func(what string, r *result) bool {
		if len(r.Errors) == 0 {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf("%s: %v", what, r.Errors))
		return true
	}
	for i, p := range people {
		wg.Go(func() {
			r := p.op("culture.graphql", "RegisterForActivity", map[string]any{"activityID": act})
			if !fail("registration", r) {
				mu.Lock()
				statuses[r.Data["registerForActivity"].(map[string]any)["status"].(string)]++
				mu.Unlock()
			}
		})
		if i >= 10 {
			continue
		}
		wg.Go(func() {
			r := sup[i%2].op("service.graphql", "FileComplaint", map[string]any{"input": map[string]any{
				"accountID": account, "summary": fmt.Sprintf("投诉 %d", i), "category": "交货", "severity": "MINOR", "promisedReplyAt": ahead(time.Hour)}})
			if !fail("complaint", r) {
				mu.Lock()
				numbers = append(numbers, int(r.Data["fileComplaint"].(map[string]any)["number"].(float64)))
				mu.Unlock()
			}
		})
		wg.Go(func() {
			fail("contact", envs[i%2].post(am.token, logInteraction, map[string]any{"in": map[string]any{
				"accountID": account, "kind": "PHONE", "occurredAt": rfc(time.Date(2026, 10, 5, 9+i, 0, 0, 0, shanghai))}}))
		})
		wg.Go(func() {
			fail("read", envs[i%2].post(am.token, `query($n: Int, $w: AccountWhereInput) { accounts(first: $n, where: $w) { totalCount edges { node { id name contacts { id } } } } }`,
				map[string]any{"n": 10 + i, "w": map[string]any{"nameContains": "Busy"}}))
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed behind the pooler:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	if statuses["REGISTERED"] != 10 || statuses["WAITLISTED"] != 40 {
		t.Errorf("registrations: %v", statuses)
	}
	slices.Sort(numbers)
	if !slices.Equal(numbers, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("complaint numbers %v: want 1…10", numbers)
	}
	r := am.do(`query($id: ID!) { node(id: $id) { ... on Account { lastCallAt interactions { totalCount } } } }`, map[string]any{"id": account}).ok(t)
	if r.str(t, "node.lastCallAt") != rfc(time.Date(2026, 10, 5, 18, 0, 0, 0, shanghai)) || r.num(t, "node.interactions.totalCount") != 10 {
		t.Errorf("after 10 concurrent contacts: %v", r.Data)
	}
	// Both instances shared the pooler's few sessions, which got the
	// database's settings.
	var n int
	var timeout string
	if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, strings.TrimPrefix(u.Path, "/")).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n > sessions {
		t.Errorf("%d server sessions on the database, want 1 to %d", n, sessions)
	}
	pdb, err := sql.Open("postgres", pooled)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	if err := pdb.QueryRow(`SHOW statement_timeout`).Scan(&timeout); err != nil || timeout != "15s" {
		t.Errorf("statement_timeout through the pooler: %q %v", timeout, err)
	}
}
