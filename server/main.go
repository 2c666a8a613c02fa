// Command server runs Rapport.
//
//	go run ./server                       serve on :8080 (embedded SQLite with demo data by default)
//	go run ./server token --org demo --sub am.east.1 --roles ACCOUNT_MANAGER
//	go run ./server org create acme "Acme Consulting" [--timezone Asia/Shanghai]
//	go run ./server migrate               bring the database schema up to date and exit
//
// Configuration comes from the environment (see README.md); flags override it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // time zones even where the system has no zoneinfo
)

// DefaultGCPercent is the garbage collector's target unless GOGC is set: a
// request allocates much and keeps nothing, so collecting when the heap
// reaches five times the live data rather than twice costs a few tens of
// MiB and saves about a quarter of the CPU a request costs (README,
// Performance). GOMEMLIMIT still caps the heap when set.
const DefaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "rapport:", err)
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg + "\n" + usage + "\nSee --help for the environment." }

const usage = `usage:
  server [serve] [--addr :8080] [--database-url URL] [--demo=true|false]
  server token --org SLUG --sub SUBJECT --roles ROLE[,ROLE…] [--ttl 1h] [--name NAME] [--email EMAIL] [--database-url URL]
  server org create SLUG NAME [--timezone Asia/Shanghai] [--database-url URL]
  server migrate [--database-url URL]
  server migrate new NAME --dev-postgres URL   (a developer's: plan the next migration)
  server migrate hash                          (a developer's: re-sum after hand-editing the newest migration)
`

// run is the whole program, testable without globals.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || len(args[0]) > 0 && args[0][0] != '-') {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout)
	case "token":
		return token(ctx, args, getenv, stdout)
	case "org":
		if len(args) == 0 || args[0] != "create" {
			return usageError{"unknown org command"}
		}
		return orgCreate(ctx, args[1:], getenv, stdout)
	case "migrate":
		return migrateCmd(ctx, args, getenv, stdout)
	case "help", "-h", "--help":
		_, err := fmt.Fprintf(stdout, "%s\n%sSee README.md.\n", usage, environmentHelp())
		return err
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}
