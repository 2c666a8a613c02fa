// Package store opens Rapport's database — embedded SQLite or PostgreSQL —
// and keeps its schema and server settings.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"    // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"

	"rapport/ent"
	"rapport/ent/organization"
	"rapport/ent/privacy"
	_ "rapport/ent/runtime" // schema hooks and privacy policies
	"rapport/ent/setting"
)

// DefaultURL is the embedded database used when DATABASE_URL is not set.
const DefaultURL = "file:rapport.db"

// sqlitePragmas are added to every SQLite URL: foreign keys on, a busy
// timeout instead of immediate "database is locked" errors, WAL so readers
// never block the writer, and BEGIN IMMEDIATE so a transaction that reads
// and then writes cannot deadlock on the lock upgrade.
var sqlitePragmas = []string{"_pragma=foreign_keys(1)", "_pragma=busy_timeout(10000)", "_pragma=journal_mode(WAL)", "_pragma=synchronous(NORMAL)", "_txlock=immediate"}

// postgresDefaults are added to a PostgreSQL URL that does not set them:
// no statement outlives the longest request (StatementTimeout), a
// transaction left idle cannot hold its locks for long, and an unreachable
// server is given up on quickly.
var postgresDefaults = map[string]string{
	"statement_timeout":                   fmt.Sprint(StatementTimeout.Milliseconds()),
	"idle_in_transaction_session_timeout": "60000",
	"connect_timeout":                     "5",
}

// StatementTimeout bounds every PostgreSQL statement; it matches the
// request deadline of the API.
const StatementTimeout = 15 * time.Second

// WithStatementTimeout is a PostgreSQL rawURL with statement_timeout set to
// d, unless it sets one itself (or d is zero); any other URL as it is.
func WithStatementTimeout(rawURL string, d time.Duration) string {
	if d <= 0 || (!strings.HasPrefix(rawURL, "postgres://") && !strings.HasPrefix(rawURL, "postgresql://")) {
		return rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL // Driver reports it
	}
	q := u.Query()
	if q.Has("statement_timeout") {
		return rawURL
	}
	q.Set("statement_timeout", fmt.Sprint(d.Milliseconds()))
	u.RawQuery = q.Encode()
	return u.String()
}

// Driver opens the database named by rawURL and returns ent's SQL driver
// for it. Accepted forms: postgres://… or postgresql://… (lib/pq), and
// file:PATH or sqlite:PATH (embedded SQLite, created if missing).
func Driver(rawURL string) (*entsql.Driver, error) {
	name, dsn, dia, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	if dia == dialect.SQLite {
		return entsql.OpenDB(dia, sqliteDB(dsn)), nil
	}
	db, err := sql.Open(name, dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s database: %w", dia, err)
	}
	// The pool keeps every connection it opens (a new one is a backend
	// process to fork and statements to prepare again) until idle for
	// ConnMaxIdle.
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	db.SetConnMaxIdleTime(ConnMaxIdle)
	return entsql.OpenDB(dia, db), nil
}

// The PostgreSQL connection pool of an instance.
const (
	MaxConns    = 20
	ConnMaxIdle = 5 * time.Minute
)

// Open returns an ent client on the database named by rawURL.
func Open(rawURL string) (*ent.Client, error) {
	drv, err := Driver(rawURL)
	if err != nil {
		return nil, err
	}
	return ent.NewClient(ent.Driver(drv)), nil
}

// IsEmbedded reports whether rawURL names an embedded SQLite database.
func IsEmbedded(rawURL string) bool {
	_, _, dia, err := parse(rawURL)
	return err == nil && dia == dialect.SQLite
}

func parse(rawURL string) (driverName, dsn, dia string, err error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		u, err := url.Parse(rawURL)
		if err != nil {
			return "", "", "", errors.New("DATABASE_URL is not a valid postgres:// URL")
		}
		q := u.Query()
		for k, v := range postgresDefaults {
			if !q.Has(k) {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
		return "postgres", u.String(), dialect.Postgres, nil
	case strings.HasPrefix(rawURL, "sqlite:"), strings.HasPrefix(rawURL, "file:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "file:")
		if path == "" {
			return "", "", "", errors.New("DATABASE_URL names no SQLite file")
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		var add []string
		for _, p := range sqlitePragmas {
			if key, _, _ := strings.Cut(p, "("); !strings.Contains(path, key+"(") && !strings.Contains(path, key+"=") {
				add = append(add, p)
			}
		}
		if len(add) > 0 {
			path += sep + strings.Join(add, "&")
		}
		return "sqlite", "file:" + path, dialect.SQLite, nil
	default:
		return "", "", "", errors.New("DATABASE_URL must start with postgres://, postgresql://, file or sqlite")
	}
}

// migrationLock is the PostgreSQL advisory lock key held while migrating,
// so that several instances starting together migrate one after another.
const migrationLock = 0x5261_7070 // "Rapp"

// migrating serialises the ent migrator within one process (Diff): it
// rewrites the package-level table descriptions as it goes.
var migrating sync.Mutex

// Migrate applies the committed migrations the database lacks (see
// migrations.go). On PostgreSQL it holds an advisory lock meanwhile, so
// concurrent instances do not race.
func Migrate(ctx context.Context, drv *entsql.Driver) error {
	if drv.Dialect() != dialect.Postgres {
		if err := applyMigrations(ctx, drv); err != nil {
			return err
		}
		return normalizeSQLiteTimes(ctx, drv)
	}
	conn, err := drv.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("migrate: taking the migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) //nolint:errcheck
	return applyMigrations(ctx, drv)
}

// system is the context of server code that acts outside any request.
func system(ctx context.Context) context.Context { return privacy.DecisionContext(ctx, privacy.Allow) }

// FirstOrCreate returns what get finds, or else what create makes. When a
// concurrent caller creates the same row first (a unique constraint refuses
// ours), it reads theirs: the database decides, not a lock in this process.
// Not for use inside a transaction, which PostgreSQL aborts on the conflict.
func FirstOrCreate[T any](get, create func() (T, error)) (v T, created bool, err error) {
	for range 2 {
		if v, err = get(); !ent.IsNotFound(err) {
			return v, false, err
		}
		if v, err = create(); !ent.IsConstraintError(err) {
			return v, err == nil, err
		}
	}
	return v, false, err
}

// EnsureOrganization creates the organisation unless one with that slug
// exists, and reports whether it did.
func EnsureOrganization(ctx context.Context, client *ent.Client, slug, name, tz string) (*ent.Organization, bool, error) {
	ctx = system(ctx)
	return FirstOrCreate(
		func() (*ent.Organization, error) {
			return client.Organization.Query().Where(organization.Slug(slug)).Only(ctx)
		},
		func() (*ent.Organization, error) {
			return client.Organization.Create().SetSlug(slug).SetName(name).SetTimezone(tz).Save(ctx)
		})
}

// Keys of the secrets kept in the settings table.
const (
	SettingJWTSecret      = "jwt_secret"      // the HS256 secret of an embedded installation
	SettingCalendarSecret = "calendar_secret" // signs the calendar feeds' URLs
)

// EmbeddedSecret returns the HS256 secret kept in the database, generating
// and storing a random one the first time.
func EmbeddedSecret(ctx context.Context, client *ent.Client) ([]byte, error) {
	return Secret(ctx, client, SettingJWTSecret)
}

// Secret returns the secret kept under key, generating and storing a
// random one the first time. Processes racing to create it end up with
// the same secret, so every instance signs and checks alike.
// Under WithSecrets it reads each key once.
func Secret(ctx context.Context, client *ent.Client, key string) ([]byte, error) {
	memo, _ := ctx.Value(secretsKey{}).(*secrets)
	if memo != nil {
		memo.mu.Lock()
		defer memo.mu.Unlock()
		if s, ok := memo.m[key]; ok {
			return s, nil
		}
	}
	ctx = system(ctx)
	secret, _, err := FirstOrCreate(
		func() ([]byte, error) {
			s, err := client.Setting.Query().Where(setting.Key(key)).Only(ctx)
			if err != nil {
				return nil, err
			}
			return base64.RawStdEncoding.DecodeString(s.Value)
		},
		func() ([]byte, error) {
			raw := make([]byte, 48)
			if _, err := rand.Read(raw); err != nil {
				return nil, err
			}
			return raw, client.Setting.Create().SetKey(key).SetValue(base64.RawStdEncoding.EncodeToString(raw)).Exec(ctx)
		})
	if err == nil && memo != nil {
		memo.m[key] = secret
	}
	return secret, err
}

// WithSecrets returns ctx under which Secret reads each secret from the
// database at most once, so that a page of signed URLs (documents'
// downloadURL) costs one statement, not one a row. A secret never changes
// once stored; the memo lives as long as the request.
func WithSecrets(ctx context.Context) context.Context {
	return context.WithValue(ctx, secretsKey{}, &secrets{m: map[string][]byte{}})
}

type secretsKey struct{}

type secrets struct {
	mu sync.Mutex
	m  map[string][]byte
}

// Unavailable reports an error that says the database cannot be reached or
// cannot take the work now (refused or dropped connections, a server
// shutting down or out of connections, a closed pool, SQLite busy past its
// timeout), as opposed to one about the request itself. Such a request may
// be retried later as it is.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "53": // connection exception, insufficient resources
			return true
		case "57": // operator intervention: shutdown, crash, cannot connect now
			return pqErr.Code != "57014" // query_canceled is a timeout, not an outage
		}
		return false
	}
	var netErr *net.OpError
	var coded interface{ Code() int }
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &netErr):
		return true
	case errors.As(err, &coded):
		return coded.Code()&0xff == sqliteBusy || coded.Code()&0xff == sqliteLocked
	}
	return strings.Contains(err.Error(), "sql: database is closed")
}

// SQLite's primary result codes for a database held by another connection.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// TimedOut reports a statement the database cancelled or a deadline that
// passed: the work was too slow, the database was not necessarily down.
func TimedOut(err error) bool {
	var pqErr *pq.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &pqErr) && pqErr.Code == "57014"
}

// MaxAs is the name Largest reads an aggregate under:
// q.Aggregate(ent.As(ent.Max(field), store.MaxAs)).
const MaxAs = "max"

// Largest reads the largest value an aggregate selected (under MaxAs), 0
// when there is no row: the last of a running number, whose next one the
// caller takes under a row lock.
func Largest(ctx context.Context, sel interface {
	Scan(context.Context, any) error
}) (int, error) {
	var v []struct {
		Max sql.NullInt64 `json:"max"`
	}
	if err := sel.Scan(ctx, &v); err != nil {
		return 0, err
	}
	if len(v) == 0 || !v[0].Max.Valid {
		return 0, nil
	}
	return int(v[0].Max.Int64), nil
}
