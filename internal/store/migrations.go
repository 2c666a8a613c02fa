package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	entmigrate "rapport/ent/migrate"
)

// Versioned migrations: one directory of Atlas-format SQL files per
// dialect (migrations/postgres, migrations/sqlite), generated from the ent
// schema by `go run ./server migrate new NAME` and committed. A test
// replays each directory and fails when it and the ent schema disagree.
//
//go:embed migrations
var migrationFiles embed.FS

// MigrationsTable records the migrations applied to a database.
const MigrationsTable = "rapport_schema_migrations"

// MigrationDir returns the committed migration directory of a dialect.
func MigrationDir(dia string) (*migrate.MemDir, error) {
	sub := "migrations/" + dialectDir(dia)
	entries, err := fs.ReadDir(migrationFiles, sub)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dia, err)
	}
	dir := &migrate.MemDir{}
	for _, e := range entries {
		b, err := migrationFiles.ReadFile(path.Join(sub, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	if err := migrate.Validate(dir); err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dia, err)
	}
	return dir, nil
}

func dialectDir(dia string) string {
	if dia == dialect.Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Diff writes into dir the migration, named name, that takes a database
// with dir's migrations applied to the current ent schema. dev must be an
// empty database of dir's dialect: the directory is replayed on it.
// Without a change it returns migrate.ErrNoPlan and writes nothing.
func Diff(ctx context.Context, dev *entsql.Driver, dir migrate.Dir, name string) error {
	migrating.Lock()
	defer migrating.Unlock()
	m, err := schema.NewMigrate(dev,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dev.Dialect()),
		schema.WithFormatter(migrate.DefaultFormatter),
		schema.WithForeignKeys(true),
		schema.WithDropIndex(true),
		schema.WithDropColumn(true),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		return err
	}
	return m.NamedDiff(ctx, name, entmigrate.Tables...)
}

// PendingMigrations lists the committed migrations not yet applied to the
// database.
func PendingMigrations(ctx context.Context, drv *entsql.Driver) ([]string, error) {
	todo, err := pending(ctx, drv)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(todo))
	for _, p := range todo {
		if !p.recordOnly {
			names = append(names, p.file.Name())
		}
	}
	return names, nil
}

// step is a migration the database lacks: to run, or only to record (the
// baseline of a database that predates versioned migrations: it has those
// tables already).
type step struct {
	file       migrate.File
	recordOnly bool
}

// pending is what the database lacks of the committed migrations, in order.
func pending(ctx context.Context, drv *entsql.Driver) ([]step, error) {
	dir, err := MigrationDir(drv.Dialect())
	if err != nil {
		return nil, err
	}
	files, err := dir.Files()
	if err != nil {
		return nil, err
	}
	applied, baseline, err := appliedMigrations(ctx, drv)
	if err != nil {
		return nil, err
	}
	var todo []step
	for i, f := range files {
		if !slices.Contains(applied, f.Version()) {
			todo = append(todo, step{file: f, recordOnly: i == 0 && baseline})
		}
	}
	return todo, nil
}

// appliedMigrations returns the versions recorded as applied, and whether
// the database predates versioned migrations: it has Rapport's tables (made
// by the foundation's automatic migration, which the first migration file
// reproduces) but no record of migrations.
func appliedMigrations(ctx context.Context, drv *entsql.Driver) (applied []string, baseline bool, err error) {
	if ok, err := tableExists(ctx, drv, MigrationsTable); err != nil || !ok {
		if err != nil {
			return nil, false, err
		}
		old, err := tableExists(ctx, drv, "organizations")
		return nil, old, err
	}
	rows, err := drv.DB().QueryContext(ctx, "SELECT version FROM "+MigrationsTable+" ORDER BY version")
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, false, err
		}
		applied = append(applied, v)
	}
	return applied, false, rows.Err()
}

func tableExists(ctx context.Context, drv *entsql.Driver, table string) (bool, error) {
	var n int
	q := "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	if drv.Dialect() == dialect.SQLite {
		q = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	}
	if err := drv.DB().QueryRowContext(ctx, q, table).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// applyMigrations applies the pending committed migrations in order, each
// in its own transaction with its record. A database that predates
// versioned migrations gets the first (baseline) migration recorded, not
// run: it already has those tables.
func applyMigrations(ctx context.Context, drv *entsql.Driver) error {
	todo, err := pending(ctx, drv)
	if err != nil {
		return err
	}
	if _, err := drv.DB().ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+MigrationsTable+
		" (version VARCHAR(64) PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TIMESTAMP NOT NULL)"); err != nil {
		return fmt.Errorf("creating %s: %w", MigrationsTable, err)
	}
	for _, p := range todo {
		if err := applyFile(ctx, drv, p.file, p.recordOnly); err != nil {
			return err
		}
	}
	return nil
}

func applyFile(ctx context.Context, drv *entsql.Driver, f migrate.File, recordOnly bool) error {
	stmts, err := f.Stmts()
	if err != nil {
		return fmt.Errorf("migration %s: %w", f.Name(), err)
	}
	// One connection for the whole file: on SQLite, foreign keys can only
	// be switched off outside a transaction, and a table that Atlas rebuilds
	// (create new, copy, drop old, rename) breaks them in between.
	conn, err := drv.DB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	sqlite := drv.Dialect() == dialect.SQLite
	if sqlite {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON") //nolint:errcheck
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if !recordOnly {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("migration %s: %w\n%s", f.Name(), err, s)
			}
		}
	}
	q := "INSERT INTO " + MigrationsTable + " (version, name, applied_at) VALUES ($1, $2, $3)"
	if drv.Dialect() == dialect.SQLite {
		q = strings.NewReplacer("$1", "?", "$2", "?", "$3", "?").Replace(q)
	}
	if _, err := tx.ExecContext(ctx, q, f.Version(), f.Name(), time.Now().UTC()); err != nil {
		return fmt.Errorf("recording migration %s: %w", f.Name(), err)
	}
	if sqlite { // what the switched-off checks would have found
		rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return err
		}
		broken := rows.Next()
		rows.Close()
		if broken {
			return fmt.Errorf("migration %s leaves rows whose foreign keys point nowhere", f.Name())
		}
	}
	return tx.Commit()
}

// ErrSchemaBehind is returned by CheckSchema for a database that misses
// migrations this binary needs.
var ErrSchemaBehind = errors.New("the database schema is older than this server")

// CheckSchema fails with ErrSchemaBehind, naming the pending migrations
// and the command that applies them, when the database lacks any.
func CheckSchema(ctx context.Context, drv *entsql.Driver) error {
	pending, err := PendingMigrations(ctx, drv)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w: %d migration(s) pending (%s); run `server migrate` first", ErrSchemaBehind, len(pending), strings.Join(pending, ", "))
	}
	return nil
}
