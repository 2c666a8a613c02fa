// Command followupbench measures the follow-up lists at scale on
// PostgreSQL: it loads N accounts (with interactions) into an empty
// database with COPY, serves the API on 127.0.0.1 and reports the latency
// (p50, p99 over HTTP) and SQL statements per request of followUpsDue
// (first: 50) and agenda, as an account manager and as an admin, with the
// EXPLAIN plans of the due-list queries.
//
//	go run ./internal/followup/followupbench --database-url postgres://…/empty_db -n 100000
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"rapport/ent"
	"rapport/internal/api"
	"rapport/internal/auth"
	"rapport/internal/pulid"
	"rapport/internal/store"
)

func main() {
	url := flag.String("database-url", "", "an empty PostgreSQL database")
	n := flag.Int("n", 10000, "accounts")
	per := flag.Int("interactions", 20, "interactions per account")
	owned := flag.Int("per-manager", 200, "accounts per account manager")
	reqs := flag.Int("requests", 300, "requests per measurement")
	flag.Parse()
	if err := run(*url, *n, *per, *owned, *reqs); err != nil {
		fmt.Fprintln(os.Stderr, "followupbench:", err)
		os.Exit(1)
	}
}

var secret = []byte("followupbench-secret-0123456789abcdef")

func run(url string, n, per, owned, reqs int) error {
	ctx := context.Background()
	drv, err := store.Driver(url)
	if err != nil {
		return err
	}
	if drv.Dialect() != dialect.Postgres {
		return fmt.Errorf("a PostgreSQL URL, please")
	}
	if err := store.Migrate(ctx, drv); err != nil {
		return err
	}
	db := drv.DB()
	start := time.Now()
	am, err := load(ctx, db, n, per, owned)
	if err != nil {
		return fmt.Errorf("loading: %w", err)
	}
	fmt.Printf("loaded %d accounts, %d interactions in %s\n", n, n*per, time.Since(start).Round(time.Second))

	var stmts atomic.Int64
	counted := dialect.DebugWithContext(drv, func(context.Context, ...any) { stmts.Add(1) })
	client := ent.NewClient(ent.Driver(counted))
	verifier, err := auth.NewVerifier(ctx, auth.Config{Secret: secret})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api.NewHandler(api.Config{Client: client, Verifier: verifier, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})}
	go srv.Serve(ln) //nolint:errcheck
	defer srv.Close()
	endpoint := "http://" + ln.Addr().String() + "/graphql"

	before := time.Now().AddDate(0, 0, 7).Format(time.RFC3339)
	due := `query($b: Time!) { followUpsDue(kind: CALL, before: $b, first: 50) { totalCount edges { node { id name tier nextCallDueAt owner { id } } } } }`
	agenda := `query($f: Time!, $t: Time!) { agenda(from: $f, to: $t) { day items { kind dueAt overdue account { id name tier } } } }`
	for _, c := range []struct {
		who   string
		roles []auth.Role
		sub   string
		query string
		vars  map[string]any
	}{
		{"account manager", []auth.Role{auth.RoleAccountManager}, am, due, map[string]any{"b": before}},
		{"admin", []auth.Role{auth.RoleAdmin}, "bench-admin", due, map[string]any{"b": before}},
		{"account manager", []auth.Role{auth.RoleAccountManager}, am, agenda, map[string]any{"f": time.Now().Format(time.RFC3339), "t": time.Now().AddDate(0, 0, 6).Format(time.RFC3339)}},
	} {
		tok, err := auth.Issue(secret, auth.Claims{Subject: c.sub, Org: "bench", Roles: c.roles, Name: c.sub}, "", "", time.Now(), time.Hour)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
		if _, err := post(endpoint, tok, body); err != nil { // warm: provisioning, plans
			return err
		}
		var lat []time.Duration
		s0 := stmts.Load()
		for range reqs {
			t0 := time.Now()
			if _, err := post(endpoint, tok, body); err != nil {
				return err
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		name := "followUpsDue(first: 50)"
		if c.query == agenda {
			name = "agenda(7 days)"
		}
		fmt.Printf("N=%d %-24s as %-15s p50 %6.2f ms  p99 %6.2f ms  %.1f statements/request\n", n, name, c.who,
			ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), float64(stmts.Load()-s0)/float64(reqs))
	}
	return explain(ctx, db, am)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func post(endpoint, tok string, body []byte) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && (resp.StatusCode != 200 || bytes.Contains(b, []byte(`"errors"`))) {
		err = fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, b)
	}
	return b, err
}

// load writes the organisation, its managers, n accounts spread over them
// with due dates around today, and per interactions each, with COPY.
func load(ctx context.Context, db *sql.DB, n, per, owned int) (firstManager string, err error) {
	now := time.Now().UTC()
	org := string(pulid.New("OR"))
	if _, err := db.ExecContext(ctx, `INSERT INTO organizations (id, created_at, updated_at, slug, name, timezone, call_days_a, call_days_b, call_days_c, visit_months_a, visit_months_b, visit_months_c)
		VALUES ($1, $2, $2, 'bench', 'Bench', 'Asia/Shanghai', 7, 7, 14, 2, 3, 4)`, org, now); err != nil {
		return "", err
	}
	managers := make([]string, (n+owned-1)/owned)
	for i := range managers {
		managers[i] = string(pulid.New("US"))
	}
	if err := copyRows(ctx, db, "users", []string{"id", "created_at", "updated_at", "organization_id", "subject", "name", "email", "roles", "last_seen_at", "calendar_token_version"},
		len(managers), func(i int) []any {
			return []any{managers[i], now, now, org, fmt.Sprintf("am-%d", i), fmt.Sprintf("AM %d", i), "", `["ACCOUNT_MANAGER"]`, now, 0}
		}); err != nil {
		return "", err
	}
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, n)
	tiers := []string{"A", "B", "B", "C", "C"}
	if err := copyRows(ctx, db, "accounts", []string{"id", "created_at", "updated_at", "version", "name", "lifecycle_stage", "cooperation_intent", "tier",
		"organization_id", "owner_id", "last_call_at", "last_contact_at", "next_call_due_at", "next_visit_due_at"}, n, func(i int) []any {
		ids[i] = string(pulid.New("AC"))
		last := now.Add(-time.Duration(r.IntN(20*24)) * time.Hour)
		return []any{ids[i], now.AddDate(-1, 0, 0), now, 1, fmt.Sprintf("Account %07d", i), "ACTIVE", "MEDIUM", tiers[i%5], org, managers[i/owned],
			last, last, last.AddDate(0, 0, 7), last.AddDate(0, 2, 0)}
	}); err != nil {
		return "", err
	}
	kinds := []string{"PHONE", "WECHAT", "EMAIL", "VISIT", "PHONE"}
	if err := copyRows(ctx, db, "interactions", []string{"id", "created_at", "updated_at", "kind", "occurred_at", "summary", "decision_maker_met", "account_id", "organization_id"},
		n*per, func(i int) []any {
			at := now.Add(-time.Duration(r.IntN(365*24)) * time.Hour)
			return []any{string(pulid.New("IN")), at, at, kinds[i%5], at, "例行联系", false, ids[i/per], org}
		}); err != nil {
		return "", err
	}
	// As autovacuum leaves a live database: statistics and the visibility map
	// (index-only scans for the counts).
	_, err = db.ExecContext(ctx, "VACUUM ANALYZE")
	return "am-0", err
}

func copyRows(ctx context.Context, db *sql.DB, table string, cols []string, n int, row func(int) []any) error {
	const batch = 100_000
	for from := 0; from < n; from += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, cols...))
		if err != nil {
			tx.Rollback()
			return err
		}
		for i := from; i < min(from+batch, n); i++ {
			if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
				tx.Rollback()
				return err
			}
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			tx.Rollback()
			return err
		}
		if err := stmt.Close(); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// explain prints the plans of the due list's page query, for an owner and
// for the whole organisation.
func explain(ctx context.Context, db *sql.DB, am string) error {
	var owner, org string
	if err := db.QueryRowContext(ctx, "SELECT id, organization_id FROM users WHERE subject = $1", am).Scan(&owner, &org); err != nil {
		return err
	}
	before := time.Now().AddDate(0, 0, 7)
	for _, q := range []struct{ who, sql string }{
		{"account manager", `EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM accounts WHERE organization_id = $1 AND owner_id = $2 AND next_call_due_at <= $3 ORDER BY next_call_due_at, id LIMIT 51`},
		{"admin", `EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM accounts WHERE organization_id = $1 AND next_call_due_at <= $3 AND $2::text IS NOT NULL ORDER BY next_call_due_at, id LIMIT 51`},
	} {
		rows, err := db.QueryContext(ctx, q.sql, org, owner, before)
		if err != nil {
			return err
		}
		fmt.Printf("\nEXPLAIN, due list as %s:\n", q.who)
		for rows.Next() {
			var line string
			rows.Scan(&line) //nolint:errcheck
			fmt.Println("  " + line)
		}
		rows.Close()
	}
	return nil
}
