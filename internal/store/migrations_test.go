package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/ent/privacy"
	"rapport/internal/store"
	"rapport/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

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

			dir, err := store.MigrationDir(dialectOf(b.Name))
			if err != nil {
				t.Fatal(err)
			}
			files, _ := dir.Files()

			// The foundation migrated automatically, without a record: its
			// schema is the baseline migration's.
			t.Run("from the automatically migrated foundation", func(t *testing.T) {
				drv, err := store.Driver(b.URL(t))
				if err != nil {
					t.Fatal(err)
				}
				defer drv.Close()
				execFile(t, drv, files[0])
				seed(t, drv)
				if pending, err := store.PendingMigrations(ctx, drv); err != nil || len(pending) != len(files)-1 {
					t.Fatalf("pending before the upgrade: %v, %v", pending, err)
				}
				upgrade(t, drv)
			})

			for k := 1; k < len(files); k++ {
				t.Run(fmt.Sprintf("from the first %d migrations", k), func(t *testing.T) {
					drv, err := store.Driver(b.URL(t))
					if err != nil {
						t.Fatal(err)
					}
					defer drv.Close()
					for _, f := range files[:k] {
						execFile(t, drv, f)
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
					seed(t, drv)
					upgrade(t, drv)
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

// execFile runs a migration file's statements, unrecorded.
func execFile(t *testing.T, drv *entsql.Driver, f migrate.File) {
	t.Helper()
	stmts, err := f.Stmts()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := drv.DB().ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
	}
}

// seed writes an organisation and an account as the first release would
// have: in SQL, with the columns the baseline has.
func seed(t *testing.T, drv *entsql.Driver) {
	t.Helper()
	q := []string{
		`INSERT INTO organizations (id, created_at, updated_at, slug, name, timezone) VALUES ('OR01OLD', $1, $1, 'old', 'Old Ltd', 'Asia/Shanghai')`,
		`INSERT INTO accounts (id, created_at, updated_at, version, name, lifecycle_stage, cooperation_intent, tier, organization_id) VALUES ('AC01OLD', $1, $1, 1, 'Kept 保留', 'ACTIVE', 'HIGH', 'A', 'OR01OLD')`,
	}
	for _, s := range q {
		if drv.Dialect() == dialect.SQLite {
			s = strings.ReplaceAll(s, "$1", "?1")
		}
		if _, err := drv.DB().ExecContext(context.Background(), s, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
}

// upgrade migrates and checks the data survived and nothing is pending.
func upgrade(t *testing.T, d *entsql.Driver) {
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
	client := ent.NewClient(ent.Driver(d))
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	if a, err := client.Account.Query().Only(sys); err != nil || a.Name != "Kept 保留" {
		t.Fatalf("data after the upgrade: %v, %v", a, err)
	}
}

// SQLite drops a table's triggers with the table, and atlas rebuilds a
// table to change it (renumbering its rows): every migration that rebuilds
// accounts must create the due_counts triggers again, and one that rebuilds
// a searched table its search triggers, and rebuild its FTS5 index. After
// all of them, the triggers are there and every index agrees with its table.
func TestMigrationsKeepTheTriggers(t *testing.T) {
	ctx := context.Background()
	drv, err := store.Driver(testdb.SQLiteURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	if err := store.Migrate(ctx, drv); err != nil {
		t.Fatal(err)
	}
	search := func(table string) []string {
		return []string{table + "_search_delete", table + "_search_insert", table + "_search_update"}
	}
	for table, want := range map[string][]string{
		"accounts":         append([]string{"accounts_due_counts_delete", "accounts_due_counts_insert", "accounts_due_counts_update"}, search("accounts")...),
		"contacts":         search("contacts"),
		"client_documents": search("client_documents"),
		"articles":         search("articles"),
	} {
		rows, err := drv.DB().QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name", table)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		rows.Close()
		if !slices.Equal(names, want) {
			t.Errorf("triggers on %s after every migration: %v, want %v", table, names, want)
		}
		if _, err := drv.DB().ExecContext(ctx, "INSERT INTO "+table+"_search ("+table+"_search) VALUES ('integrity-check')"); err != nil {
			t.Errorf("%s_search does not agree with %s: %v", table, table, err)
		}
	}
}
