package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"rapport/ent"
	entmigrate "rapport/ent/migrate"
	"rapport/ent/privacy"
	"rapport/internal/store"
	"rapport/internal/testdb"
)

// The committed migrations of each dialect, replayed on an empty database,
// give exactly the ent schema: a schema change without its migration (or
// the reverse) fails here, and so in CI.
func TestMigrationsMatchTheSchema(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			drv, err := store.Driver(b.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			defer drv.Close()
			dir, err := store.MigrationDir(drv.Dialect())
			if err != nil {
				t.Fatal(err)
			}
			files, _ := dir.Files()
			if len(files) == 0 {
				t.Fatal("no migrations committed")
			}
			err = store.Diff(context.Background(), drv, dir, "check")
			if !errors.Is(err, migrate.ErrNoPlan) {
				written, _ := dir.Files()
				t.Fatalf("the ent schema and internal/store/migrations/%s disagree (%v); run `go run ./server migrate new NAME --dev-postgres URL`; the missing change:\n%s",
					b.Name, err, string(written[len(written)-1].Bytes()))
			}
		})
	}
}

// A database made by an earlier release, with data in it, upgrades to the
// current migrations: one made by the foundation's automatic migration
// (before versioned migrations) and one at each earlier migration set.
func TestUpgradesKeepData(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()

			t.Run("from the automatically migrated foundation", func(t *testing.T) {
				drv, err := store.Driver(b.URL(t))
				if err != nil {
					t.Fatal(err)
				}
				defer drv.Close()
				client := ent.NewClient(ent.Driver(drv))
				if err := client.Schema.Create(ctx, entmigrate.WithForeignKeys(true)); err != nil {
					t.Fatal(err)
				}
				seed(t, client)
				if pending, err := store.PendingMigrations(ctx, drv); err != nil || len(pending) != countFiles(t, drv.Dialect())-1 {
					t.Fatalf("pending before the upgrade: %v, %v", pending, err)
				}
				upgrade(t, drv, client)
			})

			dir, err := store.MigrationDir(dialectOf(b.Name))
			if err != nil {
				t.Fatal(err)
			}
			files, _ := dir.Files()
			for k := 1; k < len(files); k++ {
				t.Run(fmt.Sprintf("from the first %d migrations", k), func(t *testing.T) {
					drv, err := store.Driver(b.URL(t))
					if err != nil {
						t.Fatal(err)
					}
					defer drv.Close()
					for _, f := range files[:k] {
						stmts, _ := f.Stmts()
						for _, s := range stmts {
							if _, err := drv.DB().ExecContext(ctx, s); err != nil {
								t.Fatalf("%s: %v", f.Name(), err)
							}
						}
					}
					// Record them as the migrator would have.
					if _, err := drv.DB().ExecContext(ctx, "CREATE TABLE "+store.MigrationsTable+" (version VARCHAR(64) PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TIMESTAMP NOT NULL)"); err != nil {
						t.Fatal(err)
					}
					for _, f := range files[:k] {
						q := "INSERT INTO " + store.MigrationsTable + " VALUES ($1, $2, $3)"
						if drv.Dialect() == dialect.SQLite {
							q = "INSERT INTO " + store.MigrationsTable + " VALUES (?, ?, ?)"
						}
						if _, err := drv.DB().ExecContext(ctx, q, f.Version(), f.Name(), time.Now().UTC()); err != nil {
							t.Fatal(err)
						}
					}
					client := ent.NewClient(ent.Driver(drv))
					seed(t, client)
					upgrade(t, drv, client)
				})
			}
		})
	}
}

func dialectOf(backend string) string {
	if backend == "postgres" {
		return dialect.Postgres
	}
	return dialect.SQLite
}

func countFiles(t *testing.T, dia string) int {
	dir, err := store.MigrationDir(dia)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := dir.Files()
	return len(files)
}

// seed writes an organisation and an account, as an earlier release would.
func seed(t *testing.T, client *ent.Client) {
	t.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	org, _, err := store.EnsureOrganization(ctx, client, "old", "Old Ltd", "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	client.Account.Create().SetName("Kept 保留").SetOrganizationID(org.ID).SaveX(ctx)
}

// upgrade migrates and checks the data survived and nothing is pending.
func upgrade(t *testing.T, d *entsql.Driver, client *ent.Client) {
	t.Helper()
	ctx := context.Background()
	if err := store.Migrate(ctx, d); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if err := store.CheckSchema(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, d); err != nil { // idempotent
		t.Fatal(err)
	}
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	if a, err := client.Account.Query().Only(sys); err != nil || a.Name != "Kept 保留" {
		t.Fatalf("data after the upgrade: %v, %v", a, err)
	}
}
