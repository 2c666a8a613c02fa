package demo_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/activityregistration"
	"rapport/ent/callback"
	"rapport/ent/clientdocument"
	"rapport/ent/complaint"
	"rapport/ent/creditrequest"
	"rapport/ent/cultureactivity"
	"rapport/ent/organization"
	"rapport/ent/privacy"
	_ "rapport/ent/runtime"
	"rapport/ent/user"
	"rapport/internal/auth"
	"rapport/internal/demo"
	"rapport/internal/pulid"
	"rapport/internal/serviceops"
	"rapport/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

const (
	slug    = "demo"
	orgName = "Demo Consulting 示范咨询"
)

// sqliteDSN returns the URL of a fresh SQLite database file in t.TempDir().
func sqliteDSN(t *testing.T) string {
	return "file:" + filepath.Join(t.TempDir(), "d.db") +
		"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
}

// open returns a client on the database at dsn, its schema created.
func open(t *testing.T, driver, dsn string) *ent.Client {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	dia := dialect.SQLite
	if driver == "postgres" {
		dia = dialect.Postgres
		// The migrations create it; the search indexes need it.
		if _, err := db.Exec("CREATE EXTENSION IF NOT EXISTS pg_trgm"); err != nil {
			t.Fatal(err)
		}
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dia, db)))
	t.Cleanup(func() { client.Close() })
	if err := client.Schema.Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	return client
}

// system is a context in which no privacy policy runs.
func system() context.Context {
	return privacy.DecisionContext(context.Background(), privacy.Allow)
}

func seed(t *testing.T, client *ent.Client) *demo.Result {
	t.Helper()
	start := time.Now()
	res, err := demo.Seed(context.Background(), client, slug, orgName)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	t.Logf("Seed took %v (created=%v)", time.Since(start), res.Created)
	return res
}

// rowCounts counts the rows of every table.
func rowCounts(t *testing.T, c *ent.Client) map[string]int {
	t.Helper()
	ctx := system()
	counts := map[string]int{}
	for name, count := range map[string]func(context.Context) (int, error){
		"organizations": c.Organization.Query().Count,
		"departments":   c.Department.Query().Count,
		"users":         c.User.Query().Count,
		"accounts":      c.Account.Query().Count,
		"contacts":      c.Contact.Query().Count,
		"audit_events":  c.AuditEvent.Query().Count,
		"settings":      c.Setting.Query().Count,
		"campaigns":     c.CultureCampaign.Query().Count,
		"activities":    c.CultureActivity.Query().Count,
		"registrations": c.ActivityRegistration.Query().Count,
		"plans":         c.CulturePlan.Query().Count,
		"recognitions":  c.Recognition.Query().Count,
		"publications":  c.Publication.Query().Count,
		"issues":        c.BulletinIssue.Query().Count,
		"articles":      c.Article.Query().Count,
		"complaints":    c.Complaint.Query().Count,
		"case_studies":  c.CaseStudy.Query().Count,
		"credit":        c.CreditRequest.Query().Count,
		"callbacks":     c.Callback.Query().Count,
		"issues_raised": c.ServiceIssue.Query().Count,
		"documents":     c.ClientDocument.Query().Count,
		"intelligence":  c.IntelligenceItem.Query().Count,
	} {
		n, err := count(ctx)
		if err != nil {
			t.Fatalf("counting %s: %v", name, err)
		}
		counts[name] = n
	}
	return counts
}

func hasRole(u *ent.User, r auth.Role) bool { return slices.Contains(u.Roles, string(r)) }

func TestSeed(t *testing.T) {
	client := open(t, "sqlite", sqliteDSN(t))
	ctx := system()

	res := seed(t, client)
	if !res.Created || res.Accounts != 200 || res.OrgID == "" {
		t.Fatalf("result = %+v, want Created with 200 accounts", res)
	}
	org := client.Organization.GetX(ctx, res.OrgID)
	if org.Slug != slug || org.Name != orgName || org.Timezone != "Asia/Shanghai" {
		t.Errorf("organisation = %q %q %q", org.Slug, org.Name, org.Timezone)
	}
	after := rowCounts(t, client)
	t.Logf("rows: %v", after)

	t.Run("audit", func(t *testing.T) {
		want := after["departments"] + after["users"] + after["accounts"] + after["contacts"] +
			after["campaigns"] + after["activities"] + after["registrations"] + after["plans"] + after["recognitions"] +
			after["publications"] + after["issues"] + after["articles"] +
			after["complaints"] + after["case_studies"] + after["credit"] + after["documents"] + after["intelligence"] +
			4 + // the department heads, set once the users exist
			40 // the A-tier accounts' intelligence owners
		if after["audit_events"] != want {
			t.Errorf("%d audit events, want one per created row and head (%d)", after["audit_events"], want)
		}
	})

	t.Run("archive", func(t *testing.T) {
		docs := client.ClientDocument.Query().Order(clientdocument.BySerialNumber()).AllX(ctx)
		for i, d := range docs {
			if d.Number != i+1 || d.SerialNumber != fmt.Sprintf("KH-%d-%06d", d.Year, i+1) || d.Size == 0 || d.ContentType != "text/plain; charset=utf-8" || d.UploadedByID == "" {
				t.Fatalf("document %d: %+v", i, d)
			}
		}
		signed := client.Account.Query().Where(account.ContractSignedAtNotNil()).CountX(ctx)
		profiled := client.Account.Query().Where(account.HasDocumentsWith(clientdocument.CategoryEQ(clientdocument.CategoryCOMPANY_PROFILE))).CountX(ctx)
		if len(docs) < signed || profiled >= signed || profiled < signed*8/10 {
			t.Errorf("%d documents; %d of %d signed accounts have a company profile", len(docs), profiled, signed)
		}
		owners := client.Account.Query().Where(account.TierEQ(account.TierA), account.IntelligenceOwnerIDNEQ("")).CountX(ctx)
		if owners != 40 || after["intelligence"] < 4 {
			t.Errorf("%d A-tier accounts with an intelligence owner, %d news items", owners, after["intelligence"])
		}
	})

	t.Run("service desk", func(t *testing.T) {
		now := time.Now()
		cbs := client.Callback.Query().AllX(ctx)
		open, reps := 0, map[pulid.ID]int{}
		for _, cb := range cbs {
			reps[cb.AssigneeID]++
			if cb.Status == callback.StatusOPEN {
				open++
			}
		}
		if len(cbs) < 30 || open == 0 || open == len(cbs) || len(reps) != 3 {
			t.Errorf("callbacks: %d, %d open, over %d reps", len(cbs), open, len(reps))
		}
		states := map[string]int{}
		for _, is := range client.ServiceIssue.Query().AllX(ctx) {
			states[serviceops.IssueStatus(is, now)]++
		}
		if states["OPEN"] != 1 || states["ESCALATED"] != 1 || states["RESOLVED"] != 2 {
			t.Errorf("issues %v: want one open, one escalated, two resolved", states)
		}
		statuses := map[complaint.Status]int{}
		late, overdue, escalated, numbers := 0, 0, 0, []int{}
		for _, cp := range client.Complaint.Query().AllX(ctx) {
			statuses[cp.Status]++
			numbers = append(numbers, cp.Number)
			if cp.RepliedLate {
				late++
			}
			if cp.Status == complaint.StatusOPEN && cp.PromisedReplyAt.Before(now) {
				overdue++
			}
			if cp.EscalatedToID != "" {
				escalated++
			}
		}
		slices.Sort(numbers)
		if statuses[complaint.StatusOPEN] != 3 || statuses[complaint.StatusRESOLVED] != 3 || statuses[complaint.StatusCLOSED] != 1 ||
			late != 1 || overdue != 1 || escalated != 2 || !slices.Equal(numbers, []int{1, 2, 3, 4, 5, 6, 7}) {
			t.Errorf("complaints %v, late %d, overdue %d, escalated %d, numbers %v", statuses, late, overdue, escalated, numbers)
		}
		if n := client.CreditRequest.Query().Where(creditrequest.StatusEQ(creditrequest.StatusPENDING)).CountX(ctx); n != 1 {
			t.Errorf("%d pending credit requests, want 1", n)
		}
	})

	t.Run("bulletins", func(t *testing.T) {
		if after["publications"] != 2 || after["issues"] < 3 || after["articles"] < 8 {
			t.Errorf("bulletins: %d publications, %d issues, %d articles", after["publications"], after["issues"], after["articles"])
		}
	})

	t.Run("culture", func(t *testing.T) {
		if after["campaigns"] != 3 || after["activities"] != 3 || after["registrations"] != 17 {
			t.Errorf("culture calendar: %d campaigns, %d activities, %d registrations", after["campaigns"], after["activities"], after["registrations"])
		}
		drill := client.CultureActivity.Query().Where(cultureactivity.TitleContains("Fire drill")).OnlyX(ctx)
		waiting := client.ActivityRegistration.Query().Where(activityregistration.ActivityID(drill.ID), activityregistration.StatusEQ(activityregistration.StatusWAITLISTED)).CountX(ctx)
		if drill.Capacity == nil || drill.RegisteredCount != *drill.Capacity || waiting != 1 {
			t.Errorf("the fire drill: %d of %v places taken, %d waiting", drill.RegisteredCount, drill.Capacity, waiting)
		}
	})

	users := client.User.Query().Where(user.OrganizationID(res.OrgID)).
		WithManager().WithDepartment().AllX(ctx)
	bySubject := map[string]*ent.User{}
	for _, u := range users {
		bySubject[u.Subject] = u
	}

	t.Run("users", func(t *testing.T) {
		for _, r := range auth.AllRoles() {
			if !slices.ContainsFunc(users, func(u *ent.User) bool { return hasRole(u, r) }) {
				t.Errorf("no user holds %s", r)
			}
		}
		reports := map[string]int{}
		for _, u := range users {
			if !hasRole(u, auth.RoleEmployee) {
				t.Errorf("%s lacks EMPLOYEE: %v", u.Subject, u.Roles)
			}
			if u.Subject != strings.ToLower(u.Subject) || !strings.HasSuffix(u.Email, "@demo.example.cn") || u.Edges.Department == nil {
				t.Errorf("user %s: email %q, department %v", u.Subject, u.Email, u.Edges.Department)
			}
			m := u.Edges.Manager
			switch {
			case hasRole(u, auth.RoleExecutive):
				if m != nil {
					t.Errorf("the general manager %s has manager %s", u.Subject, m.Subject)
				}
				continue
			case m == nil:
				t.Errorf("%s has no manager", u.Subject)
				continue
			}
			reports[m.Subject]++
			switch {
			case hasRole(u, auth.RoleSalesManager) && !hasRole(m, auth.RoleExecutive),
				hasRole(u, auth.RoleAccountManager) && !hasRole(m, auth.RoleSalesManager),
				hasRole(u, auth.RoleServiceRep) && !hasRole(m, auth.RoleServiceSupervisor):
				t.Errorf("%s %v reports to %s %v", u.Subject, u.Roles, m.Subject, m.Roles)
			}
		}
		for _, u := range users {
			if !hasRole(u, auth.RoleSalesManager) {
				continue
			}
			n := 0
			for _, r := range users {
				if r.Edges.Manager != nil && r.Edges.Manager.ID == u.ID && hasRole(r, auth.RoleAccountManager) {
					n++
				}
			}
			if n < 3 || n > 4 {
				t.Errorf("sales manager %s manages %d account managers, want 3–4", u.Subject, n)
			}
		}
		// One correspondent per department.
		depts := client.Department.Query().AllX(ctx)
		for _, d := range depts {
			if !slices.ContainsFunc(users, func(u *ent.User) bool {
				return hasRole(u, auth.RoleCorrespondent) && u.DepartmentID == d.ID
			}) {
				t.Errorf("department %s has no correspondent", d.Name)
			}
		}
		if len(depts) != 7 {
			t.Errorf("%d departments, want 7", len(depts))
		}
	})

	t.Run("result users", func(t *testing.T) {
		for _, c := range []struct {
			got  demo.User
			role auth.Role
		}{
			{res.Admin, auth.RoleAdmin},
			{res.SalesManager, auth.RoleSalesManager},
			{res.AccountManager, auth.RoleAccountManager},
		} {
			u := bySubject[c.got.Subject]
			if u == nil {
				t.Errorf("result user %q does not exist", c.got.Subject)
				continue
			}
			if !slices.Contains(c.got.Roles, c.role) || !slices.Contains(c.got.Roles, auth.RoleEmployee) {
				t.Errorf("result user %s has roles %v, want %s and EMPLOYEE", c.got.Subject, c.got.Roles, c.role)
			}
			if fmt.Sprint(c.got.Roles) != fmt.Sprint(u.Roles) || c.got.Name != u.Name {
				t.Errorf("result user %s = %q %v, database says %q %v", c.got.Subject, c.got.Name, c.got.Roles, u.Name, u.Roles)
			}
		}
		if am := bySubject[res.AccountManager.Subject]; am != nil &&
			(am.Edges.Manager == nil || am.Edges.Manager.Subject != res.SalesManager.Subject) {
			t.Errorf("result account manager does not report to the result sales manager")
		}
	})

	accounts := client.Account.Query().Where(account.OrganizationID(res.OrgID)).
		WithContacts().
		WithOwner(func(q *ent.UserQuery) { q.WithManager() }).
		WithServiceRep().
		AllX(ctx)

	t.Run("accounts", func(t *testing.T) {
		if len(accounts) != 200 {
			t.Fatalf("%d accounts, want 200", len(accounts))
		}
		tiers, stages, intents, regions := map[account.Tier]int{}, map[account.LifecycleStage]int{}, map[string]int{}, map[string]int{}
		owned := map[string]int{}
		names := map[string]bool{}
		quiet := 0
		for _, a := range accounts {
			tiers[a.Tier]++
			stages[a.LifecycleStage]++
			intents[string(a.Tier)+"/"+string(a.CooperationIntent)]++
			regions[a.Region]++
			if names[a.Name] {
				t.Errorf("duplicate account name %s", a.Name)
			}
			names[a.Name] = true

			o := a.Edges.Owner
			if o == nil || !hasRole(o, auth.RoleAccountManager) ||
				o.Edges.Manager == nil || !hasRole(o.Edges.Manager, auth.RoleSalesManager) {
				t.Errorf("account %s: owner %+v is not an account manager under a sales manager", a.Name, o)
				continue
			}
			owned[o.Subject]++
			team := map[string]string{"华东": "sales.east", "华南": "sales.east", "华北": "sales.north", "西南": "sales.north"}[a.Region]
			if o.Edges.Manager.Subject != team {
				t.Errorf("account %s in %s is owned by %s of %s's team", a.Name, a.Region, o.Subject, o.Edges.Manager.Subject)
			}
			if r := a.Edges.ServiceRep; r == nil || !hasRole(r, auth.RoleServiceRep) {
				t.Errorf("account %s: service rep %+v", a.Name, r)
			}
			if a.CreatedAt.Before(time.Now().AddDate(0, -3, 0)) { // filed long ago, never contacted: NO_FOLLOW_UP
				quiet++
				if a.LastContactAt != nil || a.NextCallDueAt == nil || a.QuietSince == nil || !a.QuietSince.Equal(a.CreatedAt) {
					t.Errorf("quiet account %s: last contact %v, next call %v, quiet since %v", a.Name, a.LastContactAt, a.NextCallDueAt, a.QuietSince)
				}
			} else if a.LastCallAt == nil || a.LastVisitAt == nil || a.NextCallDueAt == nil || a.NextVisitDueAt == nil || a.LastContactAt == nil {
				t.Errorf("account %s has no follow-up history", a.Name)
			}
			if a.LifecycleStage == account.LifecycleStageACTIVE {
				if a.LastOrderAt == nil || a.LastOrderAt.Year() != 2026 || a.ContractSignedAt == nil ||
					!a.ContractSignedAt.Before(*a.LastOrderAt) {
					t.Errorf("active account %s: last order %v, contract %v", a.Name, a.LastOrderAt, a.ContractSignedAt)
				}
			}
			if a.CreditLimit != nil && (*a.CreditLimit < 50_000 || *a.CreditLimit > 5_000_000 || *a.CreditLimit%10_000 != 0) {
				t.Errorf("account %s: credit limit %d", a.Name, *a.CreditLimit)
			}
			if p := a.PaymentTermDays; p != nil && !slices.Contains([]int{30, 45, 60, 90}, *p) {
				t.Errorf("account %s: payment terms %d", a.Name, *p)
			}

			if n := len(a.Edges.Contacts); n < 1 || n > 4 {
				t.Errorf("account %s has %d contacts", a.Name, n)
			}
			if a.Tier == account.TierA && !slices.ContainsFunc(a.Edges.Contacts, func(c *ent.Contact) bool { return c.IsDecisionMaker }) {
				t.Errorf("A account %s has no decision maker", a.Name)
			}
		}
		if tiers[account.TierA] != 40 || tiers[account.TierB] != 80 || tiers[account.TierC] != 80 {
			t.Errorf("tiers = %v, want A 40, B 80, C 80", tiers)
		}
		if quiet != 2 {
			t.Errorf("%d accounts never contacted, want 2 (the NO_FOLLOW_UP watch)", quiet)
		}
		if stages[account.LifecycleStageACTIVE]+stages[account.LifecycleStageDEVELOPING] < 120 {
			t.Errorf("stages = %v, want mostly ACTIVE/DEVELOPING", stages)
		}
		if intents["A/HIGH"] < 20 || intents["C/LOW"] < 40 {
			t.Errorf("intents by tier = %v, want A mostly HIGH and C mostly LOW", intents)
		}
		// Even spread within each team.
		for _, team := range []string{"sales.east", "sales.north"} {
			var counts []int
			for s, n := range owned {
				if bySubject[s].Edges.Manager.Subject == team {
					counts = append(counts, n)
				}
			}
			if len(counts) == 0 || slices.Max(counts)-slices.Min(counts) > 1 {
				t.Errorf("team %s: accounts per account manager %v", team, counts)
			}
		}
		if counts := slices.Collect(maps.Values(owned)); len(counts) != 7 || slices.Max(counts)-slices.Min(counts) > 2 {
			t.Errorf("accounts per account manager %v, want 7 account managers with about as many each", owned)
		}
		t.Logf("regions %v, stages %v, intents %v, owned %v", regions, stages, intents, owned)
	})

	t.Run("second seed writes nothing", func(t *testing.T) {
		again := seed(t, client)
		if again.Created || again.OrgID != res.OrgID || again.Accounts != 200 {
			t.Errorf("second Seed = %+v, want Created=false for %s with 200 accounts", again, res.OrgID)
		}
		if fmt.Sprint(again.Admin, again.SalesManager, again.AccountManager) !=
			fmt.Sprint(res.Admin, res.SalesManager, res.AccountManager) {
			t.Errorf("second Seed users = %v %v %v, first %v %v %v",
				again.Admin, again.SalesManager, again.AccountManager, res.Admin, res.SalesManager, res.AccountManager)
		}
		if now := rowCounts(t, client); fmt.Sprint(now) != fmt.Sprint(after) {
			t.Errorf("rows after second Seed %v, before %v", now, after)
		}
	})

	t.Run("another slug", func(t *testing.T) {
		other, err := demo.Seed(context.Background(), client, "demo-2", "Second Demo")
		if err != nil || !other.Created || other.OrgID == res.OrgID || other.Accounts != 200 {
			t.Fatalf("Seed of a second organisation = %+v, %v", other, err)
		}
		if n := client.Account.Query().Where(account.OrganizationID(res.OrgID)).CountX(ctx); n != 200 {
			t.Errorf("first organisation has %d accounts after seeding the second", n)
		}
	})
}

// fingerprint describes everything Seed decided about the accounts, without IDs or times of writing.
func fingerprint(t *testing.T, c *ent.Client) []string {
	t.Helper()
	accounts := system()
	as := c.Account.Query().WithOwner().WithServiceRep().WithContacts().AllX(accounts)
	out := make([]string, 0, len(as))
	for _, a := range as {
		var contacts []string
		for _, ct := range a.Edges.Contacts {
			contacts = append(contacts, fmt.Sprint(ct.Name, ct.Title, ct.Mobile, ct.DirectLine, ct.Email, ct.Wechat, ct.IsDecisionMaker))
		}
		slices.Sort(contacts)
		out = append(out, fmt.Sprintln(a.Name, a.Tier, a.Region, a.Industry, a.Address, a.Phone, a.Fax, a.Email, a.Website,
			a.LifecycleStage, a.CooperationIntent, a.Source, a.Edges.Owner.Subject, a.Edges.ServiceRep.Subject,
			deref(a.CreditLimit), deref(a.PaymentTermDays), deref(a.LastOrderAt), deref(a.ContractSignedAt), contacts))
	}
	slices.Sort(out)
	return out
}

// deref renders an optional value.
func deref[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func TestSeedDeterministic(t *testing.T) {
	c1, c2 := open(t, "sqlite", sqliteDSN(t)), open(t, "sqlite", sqliteDSN(t))
	seed(t, c1)
	seed(t, c2)
	f1, f2 := fingerprint(t, c1), fingerprint(t, c2)
	if len(f1) != 200 || !slices.Equal(f1, f2) {
		for i := range min(len(f1), len(f2)) {
			if f1[i] != f2[i] {
				t.Fatalf("runs differ:\n%s\n%s", f1[i], f2[i])
			}
		}
		t.Fatalf("runs differ: %d and %d accounts", len(f1), len(f2))
	}
	names := make([]string, 0, 5)
	for _, a := range c1.Account.Query().Order(account.ByName()).Limit(5).AllX(system()) {
		names = append(names, a.Name)
	}
	t.Logf("first account names: %q", names)
}

func TestSeedRollsBack(t *testing.T) {
	dsn := sqliteDSN(t)
	failing := open(t, "sqlite", dsn)
	boom := errors.New("boom")
	failing.Contact.Use(func(ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(context.Context, ent.Mutation) (ent.Value, error) { return nil, boom })
	})
	if _, err := demo.Seed(context.Background(), failing, slug, orgName); !errors.Is(err, boom) {
		t.Fatalf("Seed with failing contacts: %v, want %v", err, boom)
	}
	for table, n := range rowCounts(t, failing) {
		if n != 0 {
			t.Errorf("%d rows left in %s after a failed Seed", n, table)
		}
	}
	// The organisation can be seeded afterwards.
	if res := seed(t, open(t, "sqlite", dsn)); !res.Created || res.Accounts != 200 {
		t.Errorf("Seed after failure = %+v", res)
	}
}

func TestSeedPostgres(t *testing.T) {
	client := open(t, "postgres", testdb.PostgresURL(t))
	res := seed(t, client)
	if !res.Created || res.Accounts != 200 {
		t.Fatalf("result = %+v", res)
	}
	before := rowCounts(t, client)
	if again := seed(t, client); again.Created || again.OrgID != res.OrgID {
		t.Errorf("second Seed = %+v", again)
	}
	if after := rowCounts(t, client); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rows after second Seed %v, before %v", after, before)
	}
	if n := client.Organization.Query().Where(organization.Slug(slug)).CountX(system()); n != 1 {
		t.Errorf("%d organisations named %s", n, slug)
	}
}
