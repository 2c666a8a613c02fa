package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"rapport/internal/store"
	"rapport/internal/testdb"
)

// SQLite compares times as text: every time is written in UTC, so text
// order is time order, and times an older server wrote in another zone are
// rewritten in UTC when the database is migrated.
func TestSQLiteTimesAreUTC(t *testing.T) {
	ctx := context.Background()
	url := testdb.SQLiteURL(t)
	drv, err := store.Driver(url)
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	if err := store.Migrate(ctx, drv); err != nil {
		t.Fatal(err)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	early := time.Date(2026, 10, 2, 0, 0, 0, 0, shanghai) // 2026-10-01 16:00 UTC
	late := time.Date(2026, 10, 1, 20, 0, 0, 0, time.UTC)
	insert := "INSERT INTO organizations (id, created_at, updated_at, slug, name, timezone, call_days_a, call_days_b, call_days_c, visit_months_a, visit_months_b, visit_months_c) VALUES (?, ?, ?, ?, 'x', 'UTC', 7, 7, 14, 2, 3, 4)"
	if _, err := drv.DB().ExecContext(ctx, insert, "OR1", early, early, "new"); err != nil {
		t.Fatal(err)
	}
	// An older server wrote through the plain driver, in the time's zone.
	legacy, err := sql.Open("sqlite", strings.TrimPrefix(url, "file:"))
	if err != nil {
		t.Fatal(err)
	}
	defer legacy.Close()
	if _, err := legacy.ExecContext(ctx, insert, "OR2", early, early, "old"); err != nil {
		t.Fatal(err)
	}
	before := func() []string {
		t.Helper()
		rows, err := drv.DB().QueryContext(ctx, "SELECT slug FROM organizations WHERE created_at <= ? ORDER BY slug", late)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var slugs []string
		for rows.Next() {
			var s string
			rows.Scan(&s) //nolint:errcheck
			slugs = append(slugs, s)
		}
		return slugs
	}
	if got := strings.Join(before(), ","); got != "new" {
		t.Fatalf("created before %s: %q; the legacy row is the one expected to sort wrongly until migrated", late, got)
	}
	if err := store.Migrate(ctx, drv); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(before(), ","); got != "new,old" {
		t.Fatalf("created before %s after migrating: %q, want new,old", late, got)
	}
	var text string
	if err := drv.DB().QueryRowContext(ctx, "SELECT CAST(created_at AS TEXT) FROM organizations WHERE slug = 'old'").Scan(&text); err != nil {
		t.Fatal(err)
	}
	if text != "2026-10-01 16:00:00 +0000 UTC" {
		t.Fatalf("stored %q", text)
	}
}
