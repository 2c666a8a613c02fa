package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"

	"rapport/internal/auth"
	"rapport/internal/store"
	"rapport/internal/validate"
)

// token prints a signed HS256 token for the configured secret.
func token(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := c.flags("token")
	org := fs.String("org", "", "organisation slug (required)")
	sub := fs.String("sub", "", "the user's subject (required)")
	roles := fs.String("roles", "", "comma-separated roles (required)")
	ttl := fs.String("ttl", "1h", "validity")
	name := fs.String("name", "", "display name")
	email := fs.String("email", "", "e-mail address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *org == "" || *sub == "" || *roles == "" {
		return usageError{"token needs --org, --sub and --roles"}
	}
	rs, err := auth.ParseRoles(*roles)
	if err != nil {
		return usageError{err.Error()}
	}
	d, err := parseTTL(*ttl)
	if err != nil {
		return err
	}
	if err := c.checkKeys(); err != nil {
		return err
	}
	key := []byte(c.JWTSecret)
	if c.JWTSecret == "" {
		// Embedded mode: the secret is kept in the database. The token is
		// signed whether or not the organisation exists (the server answers
		// such a token with 401), so that refusals can be tried too.
		client, err := openDB(ctx, c)
		if err != nil {
			return err
		}
		defer client.Close()
		if key, err = secret(ctx, c, client); err != nil {
			return err
		}
	}
	if key == nil {
		return errors.New("token signs with RAPPORT_JWT_SECRET; with only a JWKS, tokens come from the identity provider")
	}
	tok, err := auth.Issue(key, auth.Claims{Subject: *sub, Org: *org, Roles: rs, Name: *name, Email: *email}, c.Issuer, c.Audience, time.Now(), d)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// orgCreate creates an organisation, or reports the existing one with that slug.
func orgCreate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := c.flags("org create")
	tz := fs.String("timezone", "Asia/Shanghai", "IANA time zone of the organisation")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{"org create needs SLUG and NAME"}
	}
	slug, name := pos[0], pos[1]
	if err := validate.Slug(slug); err != nil {
		return usageError{"slug " + err.Error()}
	}
	if err := validate.TimeZone(*tz); err != nil {
		return usageError{"timezone " + err.Error()}
	}
	client, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer client.Close()
	o, created, err := store.EnsureOrganization(ctx, client, slug, name, *tz)
	if err != nil {
		return err
	}
	verb := "exists"
	if created {
		verb = "created"
	}
	_, err = fmt.Fprintf(stdout, "organisation %s %s: %s (%s, %s)\n", o.Slug, verb, o.Name, o.Timezone, o.ID)
	return err
}

func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "new" {
		return migrateNew(ctx, args[1:], getenv, stdout)
	}
	if len(args) > 0 && args[0] == "hash" {
		return migrateHash(args[1:], stdout)
	}
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := parseFlags(c.flags("migrate"), args); err != nil {
		return err
	}
	direct := c.DatabaseURL
	switch {
	case c.MigrateURL != "":
		direct = c.MigrateURL
	case c.Pooled:
		return errors.New("with RAPPORT_POOLER=transaction, set RAPPORT_MIGRATE_DATABASE_URL to PostgreSQL itself: the migration's advisory lock needs one session, which the pooler does not keep")
	}
	drv, err := store.Driver(direct)
	if err != nil {
		return err
	}
	defer drv.Close()
	if err := migrateAll(ctx, drv); err != nil {
		return fmt.Errorf("migrating the database: %w", err)
	}
	_, err = fmt.Fprintln(stdout, "schema up to date")
	return err
}

// migrateNew writes the migration that takes the committed migrations to
// the current ent schema, for both dialects: SQLite is planned on a
// throwaway file, PostgreSQL on the empty database --dev-postgres names.
func migrateNew(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate new", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	devPG := fs.String("dev-postgres", getenv("RAPPORT_DEV_POSTGRES"), "an empty PostgreSQL database to plan on")
	root := fs.String("dir", "internal/store/migrations", "the migration directories")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *devPG == "" {
		return usageError{"migrate new needs a NAME and --dev-postgres URL (an empty database)"}
	}
	tmp, err := os.MkdirTemp("", "rapport-migrate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, dev := range []struct{ sub, url string }{{"sqlite", "file:" + filepath.Join(tmp, "dev.db")}, {"postgres", *devPG}} {
		drv, err := store.Driver(dev.url)
		if err != nil {
			return err
		}
		dir, err := migrate.NewLocalDir(filepath.Join(*root, dev.sub))
		if err != nil {
			drv.Close()
			return err
		}
		err = store.Diff(ctx, drv, dir, pos[0])
		drv.Close()
		switch {
		case errors.Is(err, migrate.ErrNoPlan):
			fmt.Fprintf(stdout, "%s: no changes\n", dev.sub)
		case err != nil:
			return fmt.Errorf("%s: %w", dev.sub, err)
		default:
			fmt.Fprintf(stdout, "%s: wrote a migration into %s\n", dev.sub, filepath.Join(*root, dev.sub))
		}
	}
	return nil
}

// migrateHash rewrites the atlas.sum of both migration directories after
// a hand edit of the newest, unreleased migration (triggers and data
// steps, which the schema diff does not write).
func migrateHash(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate hash", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	root := fs.String("dir", "internal/store/migrations", "the migration directories")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	for _, sub := range []string{"sqlite", "postgres"} {
		dir, err := migrate.NewLocalDir(filepath.Join(*root, sub))
		if err != nil {
			return err
		}
		sum, err := dir.Checksum()
		if err != nil {
			return err
		}
		if err := migrate.WriteSumFile(dir, sum); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: atlas.sum rewritten\n", sub)
	}
	return nil
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func parseInterleaved(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if strings.HasPrefix(rest[0], "-") && rest[0] != "-" {
			args = rest
			continue
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}
