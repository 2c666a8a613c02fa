package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"rapport/ent"
	"rapport/ent/organization"
	"rapport/ent/privacy"
	"rapport/internal/api"
	"rapport/internal/auth"
	"rapport/internal/demo"
	"rapport/internal/figures"
	"rapport/internal/followup"
	"rapport/internal/store"
	"rapport/internal/tracing"
)

const (
	demoTokenTTL    = 12 * time.Hour
	shutdownTimeout = 10 * time.Second // for the trace exporter when stopping
	minWrite        = 60 * time.Second // the least a request has to be answered (a document download over a slow line)
	writeMargin     = 30 * time.Second // for writing an answer after the request timeout
	drainMargin     = 5 * time.Second  // for the requests under way at a stop, after the write timeout
	demoSlug        = "demo"
	demoName        = "Demo Consulting 示范咨询"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := parseFlags(c.flags("serve"), args); err != nil {
		return err
	}
	c.settle()
	log := newLogger(c, os.Stderr)
	if err := c.checkKeys(); err != nil {
		return err
	}
	if c.OTLPEndpoint != "" {
		tp, err := tracing.Setup(ctx, c.OTLPEndpoint, c.ServiceName, version())
		if err != nil {
			return err
		}
		defer func() { // sends the spans left
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
			defer cancel()
			if err := tp.Shutdown(ctx); err != nil {
				log.Warn("sending the last traces", "err", err)
			}
		}()
		c.tracer = tp
		log.Info("tracing: OTLP/HTTP", "endpoint", c.OTLPEndpoint, "service", c.ServiceName)
	}
	client, drv, err := openDriver(ctx, c)
	if err != nil {
		return err
	}
	defer client.Close()
	key, err := secret(ctx, c, client)
	if err != nil {
		return err
	}
	verifier, err := auth.NewVerifier(ctx, auth.Config{
		Secret: key, JWKSURL: c.JWKSURL, Issuer: c.Issuer, Audience: c.Audience, Leeway: 30 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("setting up token verification: %w", err)
	}

	metrics := api.NewMetrics(drv.DB(), figures.New(client, c.FiguresEvery, log))
	var trusted *api.TrustedDocuments
	if c.Trusted != "" {
		if trusted, err = api.LoadTrustedDocuments(c.Trusted); err != nil {
			return err
		}
		log.Info("trusted documents: only their operations run", "operations", trusted.Len())
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: api.NewHandler(api.Config{
			Client: client, Verifier: verifier, Logger: log, AllowedOrigins: c.CORSOrigins, MaxInFlight: c.MaxInFlight, PublicURL: c.PublicURL,
			Ready:            func(ctx context.Context) error { return store.CheckSchema(ctx, drv) },
			IntrospectionOff: !c.Introspection,
			Metrics:          metrics, MetricsHere: c.MetricsAddr == "", Trusted: trusted,
			RateLimiter:    api.NewRateLimiter(ctx, client, drv.Dialect(), c.RateLimits, 0, log),
			Tracing:        c.tracer,
			RequestTimeout: c.RequestTimeout, QueryLimits: c.QueryLimits, MaxBodyBytes: int64(c.MaxBodyBytes),
			UploadsInFlight: c.UploadsInFlight, QueryCache: c.QueryCache, QueryCacheBytes: c.QueryCacheBytes,
		}),
		MaxHeaderBytes:    64 << 10, // a bearer token is at most auth.MaxTokenBytes
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A request may run RAPPORT_REQUEST_TIMEOUT and then be written.
		WriteTimeout: writeTimeout(c.RequestTimeout),
		IdleTimeout:  120 * time.Second,
		// Requests outlive the signal that stops the server: Shutdown
		// lets those under way finish (up to the write timeout and a margin).
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if c.Demo {
		if err := seedDemo(ctx, client, c, key, stdout); err != nil {
			ln.Close()
			return err
		}
	}
	endpoint := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "Rapport is serving GraphQL at %s/graphql (GraphiQL at %s/)\n", endpoint, endpoint)

	go followup.KeepDueCounts(ctx, client, log)
	if c.PprofAddr != "" {
		go servePprof(ctx, c.PprofAddr, log)
	}
	if c.MetricsAddr != "" {
		go serveMetrics(ctx, c.MetricsAddr, metrics, log)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout(c.RequestTimeout)+drainMargin)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Warn("stopping: requests still under way after the drain are cut", "err", err)
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// seedDemo loads the demo organisation into an empty database and prints
// ready-made tokens for its sales manager, account manager and admin.
func seedDemo(ctx context.Context, client *ent.Client, c config, key []byte, stdout io.Writer) error {
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	others, err := client.Organization.Query().Where(organization.SlugNEQ(demoSlug)).Exist(sys)
	if err != nil {
		return err
	}
	if others {
		return nil // someone else's data: never mix the demo into it
	}
	res, err := demo.Seed(ctx, client, demoSlug, demoName)
	if err != nil {
		return fmt.Errorf("loading the demo organisation: %w", err)
	}
	if key == nil {
		return nil // tokens come from the identity provider
	}
	fmt.Fprintf(stdout, "\nDemo organisation %q: %d accounts. Tokens valid for %s (header Authorization: Bearer <token>):\n", demoSlug, res.Accounts, demoTokenTTL)
	for _, u := range []demo.User{res.SalesManager, res.AccountManager, res.Admin} {
		tok, err := auth.Issue(key, auth.Claims{Subject: u.Subject, Org: demoSlug, Roles: u.Roles, Name: u.Name}, c.Issuer, c.Audience, time.Now(), demoTokenTTL)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n  %s (%s, %v):\n  %s\n", u.Name, u.Subject, u.Roles, tok)
	}
	fmt.Fprintln(stdout)
	return nil
}

// displayAddr turns a listen address such as [::]:8080 into localhost:8080.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// servePprof serves net/http/pprof on addr until ctx ends.
// serveMetrics serves /metrics on its own address (RAPPORT_METRICS_ADDR),
// for a scraper on the internal network.
func serveMetrics(ctx context.Context, addr string, m *api.Metrics, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	serveAside(ctx, "metrics", addr, mux, log)
}

func servePprof(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	serveAside(ctx, "profiler", addr, mux, log)
}

// serveAside serves h on addr, apart from the API, until ctx ends.
func serveAside(ctx context.Context, name, addr string, h http.Handler, log *slog.Logger) {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error(name, "addr", addr, "err", err)
	}
}

// version is the build's VCS revision (with "+dirty" for a modified tree),
// or "devel".
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	switch {
	case rev == "":
		return "devel"
	case dirty:
		return rev[:min(12, len(rev))] + "+dirty"
	}
	return rev[:min(12, len(rev))]
}

// writeTimeout is how long a request has from its headers to the end of its
// answer: its run (RAPPORT_REQUEST_TIMEOUT) and the writing, at least a
// minute. Whatever is under way when the server stops finishes within it.
func writeTimeout(request time.Duration) time.Duration {
	return max(minWrite, request+writeMargin)
}
