// Package testdb hands tests fresh database URLs for every backend Rapport
// supports: SQLite (modernc.org/sqlite, driver "sqlite") and PostgreSQL
// (github.com/lib/pq, driver "postgres").
//
// PostgreSQL tests use the server named by TEST_DATABASE_URL when it is set.
// Otherwise a throwaway cluster is started on first use (once per test
// process) with the locally installed PostgreSQL binaries, and stopped by Main.
// A package that calls PostgresURL must therefore run its tests through Main:
//
//	func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
//
// When PostgreSQL is unavailable, PostgresURL skips the test, unless CI=true,
// in which case it fails it: CI must never silently skip.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"
)

// Backend is one database backend a test suite runs on.
type Backend struct {
	Name string                  // "sqlite" or "postgres"; also the database/sql driver name to use
	URL  func(testing.TB) string // returns the URL of a fresh, empty database
}

// Backends lists the backends a suite should run on:
//
//	for _, b := range testdb.Backends() {
//		t.Run(b.Name, func(t *testing.T) { url := b.URL(t); ... })
//	}
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", URL: SQLiteURL},
		{Name: "postgres", URL: PostgresURL},
	}
}

// SQLiteURL returns the URL of a new SQLite database file in t.TempDir(),
// with foreign keys on, a 5s busy timeout and WAL journaling.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rapport.db")
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
}

// EnvURL names the environment variable holding the URL of an existing
// PostgreSQL server to use instead of a throwaway cluster. The user must be
// allowed to create databases, e.g. postgres://postgres@localhost:5432/postgres?sslmode=disable.
const EnvURL = "TEST_DATABASE_URL"

// server is the PostgreSQL server tests create their databases on.
type server struct {
	base    *url.URL // URL of the server's maintenance database; only the path is replaced per test
	admin   *sql.DB  // connection to base, used for CREATE/DROP DATABASE
	cluster *cluster // throwaway cluster, nil when TEST_DATABASE_URL is used
}

var (
	mainCalled atomic.Bool
	dbCounter  atomic.Int64

	srvOnce sync.Once
	srvMu   sync.Mutex // guards srv against Main's shutdown
	srv     *server
	srvErr  error
)

// Main runs the tests, then stops the throwaway PostgreSQL cluster if one was
// started and removes its directory. It returns m.Run's exit code:
//
//	func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
func Main(m *testing.M) int {
	mainCalled.Store(true)
	defer shutdown()
	return m.Run()
}

// shutdown closes the admin connection and stops the throwaway cluster.
func shutdown() {
	srvMu.Lock()
	defer srvMu.Unlock()
	if srv == nil {
		return
	}
	srv.admin.Close()
	if srv.cluster != nil {
		if err := srv.cluster.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
		}
	}
	srv = nil
}

// PostgresURL returns a lib/pq URL of a fresh, empty database created for this
// call and dropped (WITH (FORCE)) when the test finishes.
func PostgresURL(t testing.TB) string {
	t.Helper()
	if os.Getenv(EnvURL) == "" && !mainCalled.Load() {
		t.Fatalf("testdb: PostgresURL needs TestMain to call testdb.Main, which stops the throwaway cluster; " +
			"add: func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }")
	}
	s, err := getServer()
	if err != nil {
		switch {
		case os.Getenv(EnvURL) != "":
			// Explicitly configured but broken: always a failure.
			t.Fatalf("testdb: %s: %v", EnvURL, err)
		case isCI():
			t.Fatalf("testdb: PostgreSQL is required when CI=true but unavailable: %v", err)
		default:
			t.Skipf("testdb: skipping PostgreSQL test: %v\n"+
				"Install PostgreSQL (apt-get install postgresql) or set %s=postgres://user@host:port/db?sslmode=disable", err, EnvURL)
		}
	}

	name := uniqueName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		t.Fatalf("testdb: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			t.Logf("testdb: drop database %s: %v", name, err)
		}
	})

	u := *s.base
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// getServer connects to TEST_DATABASE_URL or starts the throwaway cluster,
// once per process; later calls return the same result.
func getServer() (*server, error) {
	srvOnce.Do(func() {
		s, err := newServer()
		srvMu.Lock()
		srv, srvErr = s, err
		srvMu.Unlock()
	})
	srvMu.Lock()
	defer srvMu.Unlock()
	if srv == nil && srvErr == nil {
		return nil, errors.New("PostgresURL called after Main finished")
	}
	return srv, srvErr
}

func newServer() (*server, error) {
	var c *cluster
	raw := os.Getenv(EnvURL)
	if raw == "" {
		var err error
		if c, err = startCluster(); err != nil {
			return nil, err
		}
		raw = c.url()
	}
	s, err := connect(raw)
	if err != nil && c != nil {
		c.stop()
	}
	if s != nil {
		s.cluster = c
	}
	return s, err
}

// connect opens and pings the admin connection to the server at raw.
func connect(raw string) (*server, error) {
	base, err := url.Parse(raw)
	if err != nil || (base.Scheme != "postgres" && base.Scheme != "postgresql") {
		return nil, fmt.Errorf("want a URL like postgres://user@host:port/db?sslmode=disable, got %q", raw)
	}
	db, err := sql.Open("postgres", raw)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", base.Redacted(), err)
	}
	return &server{base: base, admin: db}, nil
}

// uniqueName returns a database name unique across tests and processes.
func uniqueName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("rapport_test_%d_%s", dbCounter.Add(1), hex.EncodeToString(b))
}

// isCI reports whether CI=true (or 1, t, TRUE...) is set.
func isCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Cluster is a PostgreSQL server of a test's own, for tests that do to the
// server what others must not see (freezing it, for one).
type Cluster struct{ c *cluster }

// OwnCluster starts a throwaway cluster for t alone and stops it when t
// ends. Without PostgreSQL it skips t, unless CI=true.
func OwnCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		if isCI() {
			t.Fatalf("testdb: PostgreSQL is required when CI=true but unavailable: %v", err)
		}
		t.Skipf("testdb: skipping PostgreSQL test: %v", err)
	}
	t.Cleanup(func() {
		if err := c.stop(); err != nil {
			t.Logf("testdb: %v", err)
		}
	})
	return &Cluster{c: c}
}

// URL is the lib/pq URL of the cluster's postgres database.
func (c *Cluster) URL() string { return c.c.url() }

// Freeze stops every process of the server (SIGSTOP), as a hung host
// would: connections stay open, nothing answers. Thaw undoes it; Freeze
// registers Thaw as a cleanup so a failing test never leaves it stopped.
func (c *Cluster) Freeze(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { c.signal(t, syscall.SIGCONT) })
	c.signal(t, syscall.SIGSTOP)
}

// Restart stops the server (fast shutdown: every connection is closed)
// and starts it again on the same port, as an operator's restart or a
// failover would.
func (c *Cluster) Restart(t testing.TB) {
	t.Helper()
	if out, err := c.c.run("pg_ctl", "-D", c.c.dir, "-l", c.c.logFile(), "-m", "fast", "-w", "restart"); err != nil {
		t.Fatalf("testdb: pg_ctl restart: %v\n%s\n%s", err, out, c.c.logTail())
	}
}

// Thaw resumes the server's processes (SIGCONT).
func (c *Cluster) Thaw(t testing.TB) { c.signal(t, syscall.SIGCONT) }

func (c *Cluster) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.c.dir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("testdb: postmaster.pid: %v", err)
	}
	pids := append([]int{pm}, childrenOf(pm)...)
	for _, pid := range pids {
		_ = syscall.Kill(pid, sig)
	}
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}
