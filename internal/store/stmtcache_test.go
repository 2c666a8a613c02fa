package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	entsql "entgo.io/ent/dialect/sql"

	"rapport/internal/testdb"
)

// querier is a driver or a transaction.
type querier interface {
	Query(ctx context.Context, query string, args, v any) error
}

// countTo runs a query of one shape through q and returns its answer.
func countTo(q querier, n int) (int, error) {
	var rows entsql.Rows
	if err := q.Query(context.Background(), "SELECT count(*) FROM generate_series(1, $1)", []any{n}, &rows); err != nil {
		return 0, err
	}
	defer rows.Close()
	var got int
	if !rows.Next() {
		return 0, fmt.Errorf("no row (%v)", rows.Err())
	}
	err := rows.Scan(&got)
	return got, err
}

func count(t *testing.T, q querier, n int) int {
	t.Helper()
	got, err := countTo(q, n)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// A statement is prepared once per connection and reused: PostgreSQL holds
// it as a prepared statement of the session, and the cache holds one entry
// for a shape run many times; statements with many parameters are not
// cached; the least recently used is evicted past the size; transactions
// use the cached statements too.
func TestStatementCache(t *testing.T) {
	url := testdb.PostgresURL(t)
	plain, err := Driver(url)
	if err != nil {
		t.Fatal(err)
	}
	plain.DB().SetMaxOpenConns(1) // one session, so pg_prepared_statements shows what it holds
	drv := Cached(plain, 3).(*cachedDriver)
	defer drv.Close()
	for i := range 20 {
		if got := count(t, drv, i); got != i {
			t.Fatalf("count %d: %d", i, got)
		}
	}
	if n := drv.cache.len(); n != 1 {
		t.Fatalf("%d statements cached for one shape", n)
	}
	var held int
	if err := plain.DB().QueryRow("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%generate_series(1, $1)%'").Scan(&held); err != nil || held != 1 {
		t.Fatalf("the session holds %d prepared statements of the shape (%v), want 1", held, err)
	}

	many := make([]any, MaxCachedParams+1)
	ph := make([]string, len(many))
	for i := range many {
		many[i], ph[i] = i, fmt.Sprintf("$%d", i+1)
	}
	var rows entsql.Rows
	if err := drv.Query(context.Background(), fmt.Sprintf("SELECT 1 WHERE 1 IN (%s)", strings.Join(ph, ", ")), many, &rows); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if n := drv.cache.len(); n != 1 {
		t.Fatalf("a statement of %d parameters was cached", len(many))
	}

	for i := range 5 { // five shapes through a cache of three
		var rows entsql.Rows
		if err := drv.Query(context.Background(), fmt.Sprintf("SELECT $1::int + %d", i), []any{1}, &rows); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if n := drv.cache.len(); n != 3 {
		t.Fatalf("%d statements cached, want the size, 3", n)
	}
	if err := plain.DB().QueryRow("SELECT count(*) FROM pg_prepared_statements").Scan(&held); err != nil || held != 3 {
		t.Fatalf("the session holds %d prepared statements after evictions (%v), want 3", held, err)
	}

	// In a transaction, which holds the only connection: a cached statement
	// is bound to it; one not cached is sent unprepared (preparing it on the
	// pool would wait for a connection the transaction holds).
	tx, err := drv.Tx(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var one entsql.Rows
	if err := tx.Query(context.Background(), "SELECT $1::int + 4", []any{1}, &one); err != nil {
		t.Fatal(err)
	}
	one.Close()
	if got := count(t, tx, 7); got != 7 {
		t.Fatalf("in a transaction: %d", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := drv.cache.len(); n != 3 {
		t.Fatalf("%d statements cached after a transaction, want 3", n)
	}
}

// A schema change under a cached statement (a migration while serving)
// makes PostgreSQL refuse its plan; the statement is prepared again and
// the request succeeds.
func TestStatementCacheAfterASchemaChange(t *testing.T) {
	plain, err := Driver(testdb.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	plain.DB().SetMaxOpenConns(1)
	drv := Cached(plain, 10)
	defer drv.Close()
	ctx := context.Background()
	if _, err := plain.DB().Exec("CREATE TABLE x (a int); INSERT INTO x VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	read := func() []string {
		t.Helper()
		var rows entsql.Rows
		if err := drv.Query(ctx, "SELECT * FROM x WHERE a >= $1", []any{0}, &rows); err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		return cols
	}
	read()
	if _, err := plain.DB().Exec("ALTER TABLE x ADD COLUMN b text"); err != nil {
		t.Fatal(err)
	}
	if cols := read(); len(cols) != 2 {
		t.Fatalf("columns after the change: %v", cols)
	}
}

// Requests racing for the same and for evicted statements all succeed.
func TestStatementCacheConcurrent(t *testing.T) {
	plain, err := Driver(testdb.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	drv := Cached(plain, 2)
	defer drv.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				var rows entsql.Rows
				if err := drv.Query(context.Background(), fmt.Sprintf("SELECT $1::int + %d", (w+i)%5), []any{i}, &rows); err != nil {
					t.Error(err)
					return
				}
				var got int
				rows.Next()
				rows.Scan(&got) //nolint:errcheck
				rows.Close()
				if got != i+(w+i)%5 {
					t.Errorf("got %d", got)
				}
			}
		})
	}
	wg.Wait()
}

// After PostgreSQL restarts, the pooled connections and the statements
// prepared on them are gone: the next request prepares again on a new
// connection and succeeds, on the pool and in a transaction.
func TestStatementCacheSurvivesARestart(t *testing.T) {
	c := testdb.OwnCluster(t)
	plain, err := Driver(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	drv := Cached(plain, DefaultStatementCache)
	defer drv.Close()
	// Fill the pool with connections that have the statement prepared.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			tx, err := drv.Tx(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer tx.Rollback() //nolint:errcheck
			if _, err := countTo(tx, 3); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	c.Restart(t)
	if got := count(t, drv, 5); got != 5 {
		t.Fatalf("after a restart: %d", got)
	}
	tx, err := drv.Tx(context.Background())
	if err != nil {
		t.Fatalf("a transaction after a restart: %v", err)
	}
	defer tx.Rollback() //nolint:errcheck
	if got := count(t, tx, 6); got != 6 {
		t.Fatalf("in a transaction after a restart: %d", got)
	}
}
