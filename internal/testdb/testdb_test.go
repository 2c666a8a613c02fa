package testdb_test

import (
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"rapport/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

func open(t *testing.T, driver, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("ping %s: %v", url, err)
	}
	return db
}

func TestPostgresURL(t *testing.T) {
	start := time.Now()
	url1 := testdb.PostgresURL(t)
	t.Logf("first PostgresURL (incl. cluster start if any): %v", time.Since(start))
	start = time.Now()
	url2 := testdb.PostgresURL(t)
	t.Logf("second PostgresURL: %v", time.Since(start))

	if url1 == url2 {
		t.Fatalf("same URL twice: %s", url1)
	}
	if !strings.HasPrefix(url1, "postgres://") {
		t.Errorf("URL %q is not a postgres:// URL", url1)
	}
	db1, db2 := open(t, "postgres", url1), open(t, "postgres", url2)

	if _, err := db1.Exec("CREATE TABLE t(x int)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db1.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	// db2 must not see db1's table, and can create its own.
	var reg sql.NullString
	if err := db2.QueryRow("SELECT to_regclass('t')::text").Scan(&reg); err != nil {
		t.Fatal(err)
	}
	if reg.Valid {
		t.Fatalf("second database sees table %q of the first", reg.String)
	}
	if _, err := db2.Exec("CREATE TABLE t(x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db2.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Fatalf("second database: count = %d, %v; want 0", n, err)
	}
}

func TestPostgresDropAtCleanup(t *testing.T) {
	var u string
	t.Run("create", func(t *testing.T) { u = testdb.PostgresURL(t) })
	if u == "" {
		t.Skip("PostgreSQL unavailable")
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(parsed.Path, "/")
	parsed.Path = "/postgres"
	var exists bool
	err = open(t, "postgres", parsed.String()).
		QueryRow("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test finished", name)
	}
}

func TestSQLiteURL(t *testing.T) {
	db := open(t, "sqlite", testdb.SQLiteURL(t))
	var fk int
	if err := db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("PRAGMA foreign_keys = %d, want 1", fk)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("PRAGMA journal_mode = %q, want wal", mode)
	}
}

func TestBackends(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := open(t, b.Name, b.URL(t))
			if _, err := db.Exec("CREATE TABLE t(x int)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
