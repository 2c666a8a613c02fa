package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"go.opentelemetry.io/otel/trace"

	"rapport/ent"
	"rapport/internal/api"
	"rapport/internal/archive"
	"rapport/internal/auth"
	"rapport/internal/figures"
	"rapport/internal/followup"
	"rapport/internal/querycost"
	"rapport/internal/store"
	"rapport/internal/tracing"
)

// config is the server's configuration: environment first, flags override.
type config struct {
	Addr        string
	DatabaseURL string
	JWTSecret   string
	JWKSURL     string
	Issuer      string
	Audience    string
	Demo        bool
	demoSet     bool // RAPPORT_DEMO or --demo given; otherwise it follows the database
	LogFormat   string
	LogLevel    slog.Level
	CORSOrigins []string
	MaxInFlight int
	PublicURL   string
	StmtCache   int
	// Pooled: DATABASE_URL is a transaction-mode pooler (RAPPORT_POOLER);
	// MigrateURL is PostgreSQL itself, for `server migrate`.
	Pooled     bool
	MigrateURL string
	PprofAddr  string
	// Introspection serves the schema to clients (and suggests field names
	// in errors).
	Introspection bool
	MetricsAddr   string
	FiguresEvery  time.Duration // how old the business figures may be when scraped
	Trusted       string        // trusted documents: file patterns
	RateLimits    api.RateLimits
	OTLPEndpoint  string // tracing: the OTLP/HTTP collector; "" is off
	// The API's limits (api.Config).
	RequestTimeout  time.Duration
	QueryLimits     querycost.Limits
	MaxBodyBytes    int
	UploadsInFlight int
	QueryCache      int
	QueryCacheBytes int
	ServiceName     string
	// tracer, when set, traces the statements of the client openDriver
	// returns.
	tracer trace.TracerProvider
}

// setting is one configuration variable, declared once: the environment
// variable, the flag that overrides it (if any), its default as applied and
// as documented, its meaning, and how it sets the config. loadConfig,
// the flags, --help and the README's configuration table (checked by a
// test) all come from settings.
type setting struct {
	env, flag string
	def       string // applied when the variable is unset ("" = none)
	doc       string // the default as the README states it
	meaning   string
	set       func(c *config, v string) error
	serveOnly bool // a flag of serve only; others are flags of every command
	boolean   bool // a flag that may stand alone (--demo means --demo=true)
}

var settings = []setting{
	{env: "RAPPORT_ADDR", flag: "addr", def: ":8080", doc: "`:8080`", serveOnly: true,
		meaning: "listen address",
		set:     func(c *config, v string) error { c.Addr = v; return nil }},
	{env: "DATABASE_URL", flag: "database-url", def: store.DefaultURL, doc: "`file:rapport.db`",
		meaning: "`postgres://user:pass@host/db?sslmode=…` (lib/pq), or `file:PATH` / `sqlite:PATH` (embedded SQLite, created if missing)",
		set:     func(c *config, v string) error { c.DatabaseURL = v; return nil }},
	{env: "RAPPORT_JWT_SECRET",
		doc:     "embedded mode: a random secret generated once and kept in the SQLite database, so `server token` and the server agree. PostgreSQL mode refuses to start without a secret or a JWKS",
		meaning: "HS256 secret, at least 32 bytes",
		set:     func(c *config, v string) error { c.JWTSecret = v; return nil }},
	{env: "RAPPORT_JWKS_URL", doc: "none",
		meaning: "an identity provider's JWKS (RS256/384/512, PS256, ES256/384, EdDSA); refreshed every 15 minutes and on an unknown `kid` (at most once a minute)",
		set:     func(c *config, v string) error { c.JWKSURL = v; return nil }},
	{env: "RAPPORT_JWT_ISSUER", doc: "none", meaning: "required `iss` of tokens, when set",
		set: func(c *config, v string) error { c.Issuer = v; return nil }},
	{env: "RAPPORT_JWT_AUDIENCE", doc: "none", meaning: "required `aud` of tokens, when set",
		set: func(c *config, v string) error { c.Audience = v; return nil }},
	{env: "RAPPORT_DEMO", flag: "demo", doc: "`true` for SQLite, `false` for PostgreSQL", serveOnly: true, boolean: true,
		meaning: "load the demo organisation into an empty database",
		set: func(c *config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("RAPPORT_DEMO must be true or false, not %q", v)
			}
			c.Demo, c.demoSet = b, true
			return nil
		}},
	{env: "RAPPORT_CORS_ORIGINS", doc: "none (no CORS)",
		meaning: "comma-separated browser origins of the frontends allowed to call the API, or `*`",
		set: func(c *config, v string) error {
			c.CORSOrigins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o != "" {
					c.CORSOrigins = append(c.CORSOrigins, o)
				}
			}
			return nil
		}},
	{env: "RAPPORT_MAX_IN_FLIGHT", doc: "4 per CPU, at least 8",
		meaning: "requests executing at once per instance (GraphQL and calendar feeds together; document downloads as many again apart); more wait up to 2 s, then get 503",
		set: func(c *config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 10_000 {
				return fmt.Errorf("RAPPORT_MAX_IN_FLIGHT must be a whole number from 1 to 10000, not %q", v)
			}
			c.MaxInFlight = n
			return nil
		}},
	{env: "RAPPORT_STATEMENT_CACHE", def: strconv.Itoa(store.DefaultStatementCache), doc: strconv.Itoa(store.DefaultStatementCache),
		meaning: "PostgreSQL statements each instance keeps prepared (per pooled connection, least recently used dropped); `0` sends every statement unprepared; always off with `RAPPORT_POOLER=transaction`",
		set: func(c *config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100_000 {
				return fmt.Errorf("RAPPORT_STATEMENT_CACHE must be a whole number from 0 to 100000, not %q", v)
			}
			c.StmtCache = n
			return nil
		}},
	{env: "RAPPORT_POOLER", def: "none", doc: "`none`",
		meaning: "`transaction` when `DATABASE_URL` is a pooler in transaction mode (PgBouncer `pool_mode=transaction`): no statement is prepared (the statement cache is off), every statement with arguments is one round trip, and no session setting is sent at connection (set `statement_timeout` and `idle_in_transaction_session_timeout` on the database); see Deployment",
		set: func(c *config, v string) error {
			switch v {
			case "none", "transaction":
				c.Pooled = v == "transaction"
				return nil
			}
			return fmt.Errorf("RAPPORT_POOLER must be none or transaction, not %q", v)
		}},
	{env: "RAPPORT_MIGRATE_DATABASE_URL", doc: "`DATABASE_URL`",
		meaning: "the PostgreSQL URL `server migrate` uses, straight to the server: its advisory lock is a session's, which a transaction-mode pooler does not keep; required with `RAPPORT_POOLER=transaction`",
		set:     func(c *config, v string) error { c.MigrateURL = v; return nil }},
	{env: "RAPPORT_REQUEST_TIMEOUT", def: api.DefaultRequestTimeout.String(), doc: "`15s`",
		meaning: "how long a request may run, its database work included: past it, 503 (reason `TIMEOUT`); PostgreSQL's `statement_timeout` follows unless `DATABASE_URL` sets it (behind `RAPPORT_POOLER=transaction` it is the database's: change both); from `1s` to `5m`",
		set: func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second || d > 5*time.Minute {
				return fmt.Errorf("RAPPORT_REQUEST_TIMEOUT must be a duration from 1s to 5m, not %q", v)
			}
			c.RequestTimeout = d
			return nil
		}},
	{env: "RAPPORT_MAX_QUERY_COST", def: strconv.Itoa(api.DefaultQueryLimits.MaxCost), doc: "`100000`",
		meaning: "the most an operation may cost (see Limits); from 1,000 to 10,000,000",
		set: func(c *config, v string) error {
			return wholeNumber(&c.QueryLimits.MaxCost, "RAPPORT_MAX_QUERY_COST", v, 1000, 10_000_000)
		}},
	{env: "RAPPORT_MAX_QUERY_READS", def: strconv.Itoa(api.DefaultQueryLimits.MaxReads), doc: "`50`",
		meaning: "how many fields of an operation may read from the database (root fields, connections, lists, reports; counted where they stand in the document, so aliases add up); from 5 to 1,000",
		set: func(c *config, v string) error {
			return wholeNumber(&c.QueryLimits.MaxReads, "RAPPORT_MAX_QUERY_READS", v, 5, 1000)
		}},
	{env: "RAPPORT_MAX_QUERY_DEPTH", def: strconv.Itoa(api.DefaultQueryLimits.MaxDepth), doc: "`15`",
		meaning: "how deep an operation's selections may nest; from 3 to 50",
		set: func(c *config, v string) error {
			return wholeNumber(&c.QueryLimits.MaxDepth, "RAPPORT_MAX_QUERY_DEPTH", v, 3, 50)
		}},
	{env: "RAPPORT_MAX_QUERY_FIELDS", def: strconv.Itoa(api.DefaultQueryLimits.MaxFields), doc: "`1000`",
		meaning: "how many fields an operation's document may name, fragments counted where spread; from 10 to 100,000",
		set: func(c *config, v string) error {
			return wholeNumber(&c.QueryLimits.MaxFields, "RAPPORT_MAX_QUERY_FIELDS", v, 10, 100_000)
		}},
	{env: "RAPPORT_MAX_BODY_BYTES", def: strconv.Itoa(api.DefaultMaxBodyBytes), doc: "`1048576` (1 MiB)",
		meaning: "the largest request body but an upload's (a larger one is 413); from 1,024 to 67,108,864",
		set: func(c *config, v string) error {
			return wholeNumber(&c.MaxBodyBytes, "RAPPORT_MAX_BODY_BYTES", v, 1024, 64<<20)
		}},
	{env: "RAPPORT_MAX_UPLOADS_IN_FLIGHT", def: strconv.Itoa(api.DefaultUploadsInFlight), doc: "`4`",
		meaning: "document uploads an instance reads at once (each up to 21 MiB in memory); more get 503; from 1 to 100",
		set: func(c *config, v string) error {
			return wholeNumber(&c.UploadsInFlight, "RAPPORT_MAX_UPLOADS_IN_FLIGHT", v, 1, 100)
		}},
	{env: "RAPPORT_QUERY_CACHE", def: strconv.Itoa(api.DefaultQueryCache), doc: "`1000`",
		meaning: "parsed queries, and automatic persisted queries' hashes, an instance keeps (least recently used dropped); from 10 to 100,000",
		set: func(c *config, v string) error {
			return wholeNumber(&c.QueryCache, "RAPPORT_QUERY_CACHE", v, 10, 100_000)
		}},
	{env: "RAPPORT_QUERY_CACHE_BYTES", def: strconv.Itoa(api.DefaultQueryCacheBytes), doc: "`67108864` (64 MiB)",
		meaning: "the memory each of those two caches may hold (a parsed query counts about 400 bytes a field it names or value it writes; least recently used dropped), so that many large distinct queries cannot fill an instance's memory; from 1,048,576 to 1,073,741,824",
		set: func(c *config, v string) error {
			return wholeNumber(&c.QueryCacheBytes, "RAPPORT_QUERY_CACHE_BYTES", v, 1<<20, 1<<30)
		}},
	{env: "RAPPORT_RATE_LIMIT_USER", def: strconv.Itoa(api.DefaultUserPerMinute), doc: "`600` (10 a second, bursts of 150)",
		meaning: "requests a minute one user may send (GraphQL, document downloads and calendar feeds), with bursts of a quarter of that; beyond, 429 with `Retry-After` (code `INTERNAL`, reason `RATE_LIMITED`). Instances share their counts through PostgreSQL every 100 ms (one statement each, whatever the traffic); `0` turns it off",
		set: func(c *config, v string) error {
			return perMinute(&c.RateLimits.UserPerMinute, "RAPPORT_RATE_LIMIT_USER", v)
		}},
	{env: "RAPPORT_RATE_LIMIT_ORG", def: strconv.Itoa(api.DefaultOrgPerMinute), doc: "`30000` (500 a second, bursts of 7,500)",
		meaning: "requests a minute one organisation's users may send together, likewise",
		set: func(c *config, v string) error {
			return perMinute(&c.RateLimits.OrgPerMinute, "RAPPORT_RATE_LIMIT_ORG", v)
		}},
	{env: "RAPPORT_PUBLIC_URL", doc: "taken from each request's host",
		meaning: "scheme and host clients reach the server under (`https://crm.example.cn`), for the calendar feed URLs it hands out",
		set: func(c *config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("RAPPORT_PUBLIC_URL must be like https://crm.example.cn, not %q", v)
			}
			c.PublicURL = strings.TrimRight(v, "/")
			return nil
		}},
	{env: "RAPPORT_PPROF_ADDR", doc: "none (off)",
		meaning: "serves Go's profiler (`net/http/pprof`, `/debug/pprof/`) on this address, such as `127.0.0.1:6060`; keep it off public interfaces",
		set:     func(c *config, v string) error { c.PprofAddr = v; return nil }},
	{env: "RAPPORT_METRICS_ADDR", doc: "none: `/metrics` on the API's own address, without the business figures",
		meaning: "serves the Prometheus metrics (`/metrics`) on this address instead, such as `:9090`, apart from the API, with every organisation's business figures (which the API's own address leaves out); keep it off public interfaces",
		set:     func(c *config, v string) error { c.MetricsAddr = v; return nil }},
	{env: "RAPPORT_FIGURES_EVERY", def: figures.DefaultEvery.String(), doc: "`30s`",
		meaning: "how old the business figures in `/metrics` (overdue follow-ups, callbacks, late issues, complaints past promise) may be: a scrape refreshes them, with one grouped statement per figure across all organisations, only when they are older; from `5s` to `1h`",
		set: func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 5*time.Second || d > time.Hour {
				return fmt.Errorf("RAPPORT_FIGURES_EVERY must be a duration from 5s to 1h, not %q", v)
			}
			c.FiguresEvery = d
			return nil
		}},
	{env: "RAPPORT_TRUSTED_DOCUMENTS", doc: "none: every valid operation runs",
		meaning: "comma-separated file patterns (`schema/contract/*.graphql`): only the operations of these files run, anything else is `FORBIDDEN` (reason `UNTRUSTED_DOCUMENT`); the production posture for a portal whose frontend is known",
		set:     func(c *config, v string) error { c.Trusted = v; return nil }},
	{env: "RAPPORT_INTROSPECTION", def: "true", doc: "`true`",
		meaning: "`false` turns off schema introspection and the \"did you mean\" field suggestions in errors: the production posture for a portal whose frontend knows the schema",
		set: func(c *config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("RAPPORT_INTROSPECTION must be true or false, not %q", v)
			}
			c.Introspection = b
			return nil
		}},
	{env: "OTEL_EXPORTER_OTLP_ENDPOINT", doc: "none: no tracing",
		meaning: "an OpenTelemetry collector's OTLP/HTTP base URL (`http://otel-collector:4318`): a span for each HTTP request (named by its route; a caller's `traceparent` is linked, not continued), each GraphQL operation and each SQL statement (its text, never its arguments). The standard `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT` and `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG` (default: parent-based, every trace) apply",
		set: func(c *config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT must be like http://otel-collector:4318, not %q", v)
			}
			c.OTLPEndpoint = v
			return nil
		}},
	{env: "OTEL_SERVICE_NAME", def: "rapport", doc: "`rapport`", meaning: "the traces' `service.name`",
		set: func(c *config, v string) error { c.ServiceName = v; return nil }},
	{env: "RAPPORT_LOG_FORMAT", doc: "text", meaning: "`json` for JSON logs, anything else for text",
		set: func(c *config, v string) error { c.LogFormat = v; return nil }},
	{env: "RAPPORT_LOG_LEVEL", doc: "`info`", meaning: "`debug`, `info`, `warn`, `error`",
		set: func(c *config, v string) error {
			if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("RAPPORT_LOG_LEVEL must be debug, info, warn or error, not %q", v)
			}
			return nil
		}},
}

// wholeNumber sets *to from v, a whole number from lo to hi.
func wholeNumber(to *int, name, v string, lo, hi int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("%s must be a whole number from %d to %d, not %q", name, lo, hi, v)
	}
	*to = n
	return nil
}

// perMinute sets a rate limit: a whole number of requests a minute, 0 (off)
// to 10,000,000.
func perMinute(to *int, name, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 10_000_000 {
		return fmt.Errorf("%s must be a whole number of requests a minute from 0 (off) to 10000000, not %q", name, v)
	}
	*to = n
	return nil
}

func loadConfig(getenv func(string) string) (config, error) {
	var c config
	for _, s := range settings {
		v := getenv(s.env)
		if v == "" {
			v = s.def
		}
		if v == "" {
			continue
		}
		if err := s.set(&c, v); err != nil {
			return c, err
		}
	}
	c.settle()
	return c, nil
}

// settle derives what depends on other settings: the demo follows the
// database unless it was set.
func (c *config) settle() {
	if !c.demoSet {
		c.Demo = store.IsEmbedded(c.DatabaseURL)
	}
}

// flags binds the flags of a command: every setting's flag for serve, the
// shared ones (the database) for the others.
func (c *config) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range settings {
		if s.flag == "" || (s.serveOnly && name != "serve") {
			continue
		}
		set := s.set
		if s.boolean {
			fs.BoolFunc(s.flag, s.meaning, func(v string) error { return set(c, v) })
		} else {
			fs.Func(s.flag, s.meaning, func(v string) error { return set(c, v) })
		}
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// environmentHelp lists the settings for --help.
func environmentHelp() string {
	var b strings.Builder
	b.WriteString("Environment (flags in parentheses override it):\n")
	for _, s := range settings {
		name := s.env
		if s.flag != "" {
			name += " (--" + s.flag + ")"
		}
		fmt.Fprintf(&b, "  %-40s %s\n", name, strings.ReplaceAll(s.meaning, "`", ""))
	}
	return b.String()
}

// readmeTable is the configuration table README.md must hold.
func readmeTable() string {
	var b strings.Builder
	b.WriteString("| variable | meaning | default |\n|---|---|---|\n")
	for _, s := range settings {
		name := "`" + s.env + "`"
		if s.flag != "" {
			name += " (`--" + s.flag + "`)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", name, s.meaning, s.doc)
	}
	return b.String()
}

// openDB opens the configured database. Embedded SQLite is migrated on the
// spot, so that `go run ./server` stays one command; PostgreSQL must already
// be at this binary's schema (`server migrate` applies it, once, for every
// instance).
func openDB(ctx context.Context, c config) (*ent.Client, error) {
	client, _, err := openDriver(ctx, c)
	return client, err
}

// openDriver is openDB, with the driver under the client (to check the
// schema for readiness).
func openDriver(ctx context.Context, c config) (*ent.Client, *entsql.Driver, error) {
	open, cache := store.Driver, c.StmtCache
	if c.Pooled {
		open, cache = store.PooledDriver, 0
	}
	dbURL := c.DatabaseURL
	if !c.Pooled { // behind a pooler the database holds its statement_timeout
		dbURL = store.WithStatementTimeout(dbURL, c.RequestTimeout)
	}
	drv, err := open(dbURL)
	if err != nil {
		return nil, nil, err
	}
	if store.IsEmbedded(c.DatabaseURL) {
		err = migrateAll(ctx, drv)
	} else {
		err = store.CheckSchema(ctx, drv)
	}
	if err != nil {
		drv.Close()
		return nil, nil, fmt.Errorf("database schema: %w", err)
	}
	var served dialect.Driver = store.Cached(drv, cache)
	if c.tracer != nil {
		served = tracing.Driver(served, c.tracer)
	}
	return ent.NewClient(ent.Driver(served)), drv, nil
}

// migrateAll applies the pending migrations, then the data they imply
// that only Go computes: due dates of accounts from before the follow-up
// engine, the search text of rows from before search.
func migrateAll(ctx context.Context, drv *entsql.Driver) error {
	if err := store.Migrate(ctx, drv); err != nil {
		return err
	}
	client := ent.NewClient(ent.Driver(drv))
	if _, err := followup.BackfillDue(ctx, client); err != nil {
		return err
	}
	_, err := archive.BackfillSearch(ctx, client)
	return err
}

// secret returns the HS256 secret: the configured one, or in embedded mode
// the one generated once and kept in the database. PostgreSQL mode never
// invents one: its instances must share a configured secret.
func secret(ctx context.Context, c config, client *ent.Client) ([]byte, error) {
	if err := c.checkKeys(); err != nil {
		return nil, err
	}
	switch {
	case c.JWTSecret != "":
		return []byte(c.JWTSecret), nil
	case !store.IsEmbedded(c.DatabaseURL):
		return nil, nil // tokens are checked against the JWKS only
	}
	return store.EmbeddedSecret(ctx, client)
}

// checkKeys refuses a configuration that could not verify tokens, before
// anything connects: a short secret, or PostgreSQL with neither a secret
// nor a JWKS (instances must share their keys; none is invented).
func (c config) checkKeys() error {
	if c.JWTSecret != "" && len(c.JWTSecret) < auth.MinSecretLen {
		return fmt.Errorf("RAPPORT_JWT_SECRET must be at least %d bytes", auth.MinSecretLen)
	}
	if c.JWTSecret == "" && c.JWKSURL == "" && !store.IsEmbedded(c.DatabaseURL) {
		return errors.New("with PostgreSQL, set RAPPORT_JWT_SECRET (at least 32 bytes) or RAPPORT_JWKS_URL")
	}
	return nil
}

func newLogger(c config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if strings.EqualFold(c.LogFormat, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func parseTTL(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usageError{fmt.Sprintf("--ttl must be a positive duration such as 1h, not %q", s)}
	}
	return d, nil
}
