package followup_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/privacy"
	"rapport/internal/auth"
	"rapport/internal/followup"
	"rapport/internal/pulid"
	"rapport/internal/store"
	"rapport/internal/testdb"
	"rapport/internal/viewer"
)

// The due counts the database keeps add up, for every kind, tier and
// instant, to the accounts a count of the due list finds: after creating,
// recomputing (many rows per statement), re-tiering, clearing and
// deleting accounts, with two organisations side by side, and while
// folding them concurrently with writers and with itself.
func TestDueCountsMatchTheAccounts(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			drv := migrated(t, b)
			client := ent.NewClient(ent.Driver(drv))
			defer client.Close()
			sys := privacy.DecisionContext(ctx, privacy.Allow)
			acme, _, err := store.EnsureOrganization(ctx, client, "acme", "Acme", "Asia/Shanghai")
			if err != nil {
				t.Fatal(err)
			}
			globex, _, _ := store.EnsureOrganization(ctx, client, "globex", "Globex", "Asia/Shanghai")
			am := client.User.Create().SetOrganizationID(acme.ID).SetSubject("am").SaveX(sys)
			admin := viewer.NewContext(ctx, &viewer.Viewer{UserID: am.ID, OrgID: acme.ID, Roles: []auth.Role{auth.RoleAdmin}, Location: time.UTC})
			owner := viewer.NewContext(ctx, &viewer.Viewer{UserID: am.ID, OrgID: acme.ID, Roles: []auth.Role{auth.RoleAccountManager}, Location: time.UTC})

			tiers := []account.Tier{account.TierA, account.TierB, account.TierC}
			start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
			create := func(org pulid.ID, n int) []*ent.Account {
				bulk := make([]*ent.Account, 0, n)
				for i := range n {
					bulk = append(bulk, client.Account.Create().SetName(fmt.Sprintf("A%04d", i)).SetOrganizationID(org).
						SetOwnerID(am.ID).SetTier(tiers[i%3]).SetCreatedAt(start.AddDate(0, 0, i%50)).SaveX(sys))
				}
				return bulk
			}
			accounts := create(acme.ID, 240)
			create(globex.ID, 30)

			check := func(when string) {
				t.Helper()
				for _, k := range []followup.Kind{followup.Call, followup.Visit} {
					for _, tier := range []*account.Tier{nil, &tiers[0], &tiers[1], &tiers[2]} {
						for _, before := range []time.Time{start, start.AddDate(0, 0, 20), start.AddDate(0, 2, 0), start.AddDate(1, 0, 0)} {
							q, _ := followup.DueQuery(client, k, tier, before)
							want := q.CountX(admin)
							got, ok, err := followup.DueTotal(admin, client, k, tier, before)
							if err != nil || !ok || got != want {
								t.Fatalf("%s: %s tier %v before %s: due counts say %d (%v, %v), the accounts %d", when, k, tier, before.Format(time.DateOnly), got, ok, err, want)
							}
						}
					}
				}
			}
			check("created")
			if _, ok, _ := followup.DueTotal(owner, client, followup.Call, nil, start); ok {
				t.Fatal("an account manager's list was counted from the organisation's due counts")
			}

			// Many rows per statement, some cleared.
			calls := map[pulid.ID]*time.Time{}
			for i, a := range accounts {
				d := start.AddDate(0, 0, (i*7)%90)
				calls[a.ID] = &d
			}
			calls[accounts[5].ID] = nil
			if _, err := followup.RecomputeAccountTimes(ctx, client, acme.ID, account.FieldNextCallDueAt, calls, "", "test"); err != nil {
				t.Fatal(err)
			}
			check("recomputed")
			for _, a := range []*ent.Account{accounts[0], accounts[1], accounts[2], accounts[9]} {
				client.Account.UpdateOneID(a.ID).SetTier(account.TierC).ExecX(sys)
			}
			// Accounts are archived, never deleted through the API; the counts
			// follow a delete by hand all the same.
			del := "DELETE FROM accounts WHERE id = $1"
			if drv.Dialect() == dialect.SQLite {
				del = "DELETE FROM accounts WHERE id = ?"
			}
			if _, err := client.ExecContext(ctx, del, accounts[3].ID); err != nil {
				t.Fatal(err)
			}
			check("re-tiered and deleted")

			if _, err := followup.CompactDueCounts(ctx, client); err != nil {
				t.Fatal(err)
			}
			check("folded")
			if folded, err := followup.CompactDueCounts(ctx, client); err != nil || folded != 0 {
				t.Fatalf("a second fold folded %d rows (%v), want none", folded, err)
			}

			// Writers and two folders at once.
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for w := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 8 {
						vals := map[pulid.ID]*time.Time{}
						for j := range 20 {
							d := start.AddDate(0, 0, (w*31+i*13+j*5)%120)
							vals[accounts[(w*100+i*20+j)%len(accounts)].ID] = &d
						}
						if _, err := followup.RecomputeAccountTimes(ctx, client, acme.ID, account.FieldNextVisitDueAt, vals, "", "test"); err != nil {
							errs <- err
						}
					}
				}()
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 8 {
						if _, err := followup.CompactDueCounts(ctx, client); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			check("written and folded at once")
		})
	}
}
