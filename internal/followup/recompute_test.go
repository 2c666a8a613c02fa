package followup_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/auditevent"
	"rapport/ent/privacy"
	"rapport/internal/auth"
	"rapport/internal/followup"
	"rapport/internal/pulid"
	"rapport/internal/store"
	"rapport/internal/testdb"
	"rapport/internal/viewer"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// migrated opens a new database of backend b with the current schema.
func migrated(t *testing.T, b testdb.Backend) *entsql.Driver {
	t.Helper()
	drv, err := store.Driver(b.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(context.Background(), drv); err != nil {
		t.Fatal(err)
	}
	return drv
}

// System writes of derived columns: no version bump (an open edit screen
// does not turn into a CONFLICT), no audit event as a user's edit, nothing
// outside the organisation, and a recomputation of many rows costs a
// bounded number of statements and one audit event.
func TestRecomputeAccountTimes(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			drv := migrated(t, b)
			var stmts atomic.Int64
			counted := dialect.DebugWithContext(drv, func(context.Context, ...any) { stmts.Add(1) })
			client := ent.NewClient(ent.Driver(counted))
			defer client.Close()
			sys := privacy.DecisionContext(ctx, privacy.Allow)
			acme, _, err := store.EnsureOrganization(ctx, client, "acme", "Acme", "Asia/Shanghai")
			if err != nil {
				t.Fatal(err)
			}
			globex, _, _ := store.EnsureOrganization(ctx, client, "globex", "Globex", "Asia/Shanghai")
			am := client.User.Create().SetOrganizationID(acme.ID).SetSubject("am").SaveX(sys)
			user := viewer.NewContext(ctx, &viewer.Viewer{UserID: am.ID, OrgID: acme.ID, Roles: []auth.Role{auth.RoleAccountManager}, Location: time.UTC})
			const n = 1203
			bulk := make([]*ent.AccountCreate, n)
			for i := range bulk {
				bulk[i] = client.Account.Create().SetName(fmt.Sprintf("A%04d", i)).SetOrganizationID(acme.ID).SetOwnerID(am.ID)
			}
			accounts := client.Account.CreateBulk(bulk...).SaveX(sys)
			foreign := client.Account.Create().SetName("Foreign").SetOrganizationID(globex.ID).SaveX(sys)
			before := client.AuditEvent.Query().CountX(sys)

			due := time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)
			values := map[pulid.ID]*time.Time{foreign.ID: &due} // another tenant's ID is ignored
			for i, a := range accounts {
				d := due.AddDate(0, 0, i%40)
				values[a.ID] = &d
			}
			values[accounts[0].ID] = nil
			stmts.Store(0)
			written, err := followup.RecomputeAccountTimes(ctx, client, acme.ID, account.FieldNextCallDueAt, values, am.ID, "cadence changed")
			if err != nil {
				t.Fatal(err)
			}
			if written != n {
				t.Fatalf("wrote %d accounts, want %d", written, n)
			}
			if s, max := stmts.Load(), int64((n+followup.RecomputeChunk-1)/followup.RecomputeChunk+2); s > max {
				t.Fatalf("%d statements for %d accounts, want at most %d", s, n, max)
			}
			for i, a := range []*ent.Account{accounts[0], accounts[1], accounts[41]} {
				got := client.Account.GetX(sys, a.ID)
				want := values[a.ID]
				if (want == nil) != (got.NextCallDueAt == nil) || (want != nil && !got.NextCallDueAt.Equal(*want)) {
					t.Fatalf("account %d: next call due %v, want %v", i, got.NextCallDueAt, want)
				}
				if got.Version != 1 {
					t.Fatalf("a system write bumped the version to %d", got.Version)
				}
			}
			if f := client.Account.GetX(sys, foreign.ID); f.NextCallDueAt == nil || !f.NextCallDueAt.Equal(*foreign.NextCallDueAt) {
				t.Fatal("the recomputation wrote another organisation's account")
			}
			evs := client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionRECOMPUTE)).AllX(sys)
			if got := client.AuditEvent.Query().CountX(sys); got != before+1 || len(evs) != 1 || evs[0].ActorID != am.ID {
				t.Fatalf("%d audit events added, RECOMPUTE events %+v", got-before, evs)
			}

			// An edit screen opened before the system write still saves.
			a := accounts[1]
			if _, err := client.Account.UpdateOneID(a.ID).SetRegion("华东").Where(account.Version(a.Version)).Save(user); err != nil {
				t.Fatalf("an edit from before the system write failed: %v", err)
			}
			// A single system write (one account after a logged call) is no edit either.
			sysViewer := viewer.NewContext(ctx, viewer.NewSystem(acme.ID, time.UTC))
			if _, err := client.Account.UpdateOneID(a.ID).SetLastCallAt(due).Save(sysViewer); err != nil {
				t.Fatal(err)
			}
			if v := client.Account.GetX(sys, a.ID).Version; v != 2 {
				t.Fatalf("version %d after one edit and one system write, want 2", v)
			}
			// Users never write derived columns, and the system viewer stays in its organisation.
			if _, err := client.Account.UpdateOneID(a.ID).SetNextVisitDueAt(due).Save(user); err == nil {
				t.Fatal("a user wrote a derived column")
			}
			if _, err := client.Account.UpdateOneID(foreign.ID).SetLastCallAt(due).Save(sysViewer); !ent.IsNotFound(err) {
				t.Fatalf("acme's system viewer wrote globex's account: %v", err)
			}
		})
	}
}
