package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"rapport/ent"
	"rapport/internal/auth"
	"rapport/internal/store"
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
	LogFormat   string
	LogLevel    slog.Level
	CORSOrigins []string
	MaxInFlight int
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Addr:        or(getenv("RAPPORT_ADDR"), ":8080"),
		DatabaseURL: or(getenv("DATABASE_URL"), store.DefaultURL),
		JWTSecret:   getenv("RAPPORT_JWT_SECRET"),
		JWKSURL:     getenv("RAPPORT_JWKS_URL"),
		Issuer:      getenv("RAPPORT_JWT_ISSUER"),
		Audience:    getenv("RAPPORT_JWT_AUDIENCE"),
		LogFormat:   getenv("RAPPORT_LOG_FORMAT"),
	}
	if s := getenv("RAPPORT_LOG_LEVEL"); s != "" {
		if err := c.LogLevel.UnmarshalText([]byte(s)); err != nil {
			return c, fmt.Errorf("RAPPORT_LOG_LEVEL must be debug, info, warn or error, not %q", s)
		}
	}
	for _, o := range strings.Split(getenv("RAPPORT_CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	if s := getenv("RAPPORT_MAX_IN_FLIGHT"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10_000 {
			return c, fmt.Errorf("RAPPORT_MAX_IN_FLIGHT must be a whole number from 1 to 10000, not %q", s)
		}
		c.MaxInFlight = n
	}
	c.Demo = store.IsEmbedded(c.DatabaseURL)
	if s := getenv("RAPPORT_DEMO"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return c, fmt.Errorf("RAPPORT_DEMO must be true or false, not %q", s)
		}
		c.Demo = b
	}
	return c, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// flags binds the database flag that every sub-command shares.
func (c *config) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "database URL (postgres://…, file:PATH)")
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, c config) (*ent.Client, error) {
	drv, err := store.Driver(c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, drv); err != nil {
		drv.Close()
		return nil, fmt.Errorf("migrating the database: %w", err)
	}
	return ent.NewClient(ent.Driver(drv)), nil
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
