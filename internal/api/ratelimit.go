package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"

	"rapport/ent"
	"rapport/internal/audit"
	"rapport/internal/viewer"
)

// RateLimits bound how fast a user, and an organisation's users together,
// may send requests (GraphQL and document downloads): so many a minute on
// average, with bursts of a quarter of that. Zero turns a limit off.
type RateLimits struct {
	UserPerMinute, OrgPerMinute int
}

// Default rate limits (RAPPORT_RATE_LIMIT_USER, RAPPORT_RATE_LIMIT_ORG).
const (
	DefaultUserPerMinute = 600    // 10 a second, 150 at once
	DefaultOrgPerMinute  = 30_000 // 500 a second, 7,500 at once
)

// gcra is one limit as the generic cell rate algorithm keeps it: a request
// every interval on average, up to burst at once. A key's state is its
// theoretical arrival time (TAT): a request is admitted when the TAT is at
// most tolerance ahead of now, and moves it one interval on.
type gcra struct {
	interval, tolerance int64 // microseconds
}

func newGCRA(perMinute int) gcra {
	interval := int64(time.Minute/time.Microsecond) / int64(perMinute)
	burst := max(1, perMinute/4)
	return gcra{interval: max(1, interval), tolerance: int64(burst-1) * max(1, interval)}
}

// retryAfter is when a refused key may try again: within one interval.
func (g gcra) retryAfter() time.Duration {
	return time.Duration(g.interval) * time.Microsecond
}

// RateLimiter admits or refuses one request of a user of an organisation;
// wait > 0 is a refusal, and how long to wait.
type RateLimiter interface {
	Admit(ctx context.Context, user, org string) (wait time.Duration, err error)
}

// keyLimit is one key of a request and its limit.
type keyLimit struct {
	key string
	g   gcra
}

func keysOf(l RateLimits, user, org string) []keyLimit {
	var out []keyLimit
	if l.UserPerMinute > 0 {
		out = append(out, keyLimit{"u:" + user, newGCRA(l.UserPerMinute)})
	}
	if l.OrgPerMinute > 0 {
		out = append(out, keyLimit{"o:" + org, newGCRA(l.OrgPerMinute)})
	}
	return out
}

// NewRateLimiter returns the limiter for the database behind client: on
// PostgreSQL the state is in the database (the rate_limits table), shared
// by every instance, one statement a request; on embedded SQLite, which one
// process serves, in memory. Nil when both limits are off.
func NewRateLimiter(client *ent.Client, dialectName string, l RateLimits) RateLimiter {
	switch {
	case l.UserPerMinute <= 0 && l.OrgPerMinute <= 0:
		return nil
	case dialectName == dialect.Postgres:
		return &sharedLimiter{client: client, limits: l}
	default:
		return &localLimiter{limits: l, tat: map[string]int64{}, now: time.Now}
	}
}

// sharedLimiter keeps the TATs in PostgreSQL, on the database's clock, so
// that instances share them whatever their own clocks say.
type sharedLimiter struct {
	client *ent.Client
	limits RateLimits
}

func (s *sharedLimiter) Admit(ctx context.Context, user, org string) (time.Duration, error) {
	keys := keysOf(s.limits, user, org)
	// One statement (PostgreSQL's own INSERT … ON CONFLICT … WHERE, which
	// ent's builder does not write). A request is charged to its keys only
	// when every one of them admits it, so that a user over their own
	// limit never spends their organisation's: s reads whether each key's
	// TAT fits, and the rows are written only when all do. The update
	// checks each row again under its lock, so that concurrent requests
	// cannot overrun a key (a request refused that way, by a race, may
	// still be charged to its other key: an error of one interval, against
	// the caller, never past a limit).
	var values, tolerance []string
	var args []any
	for i, k := range keys {
		values = append(values, fmt.Sprintf("($%d::varchar, $%d::bigint, $%d::bigint)", 3*i+1, 3*i+2, 3*i+3))
		tolerance = append(tolerance, fmt.Sprintf("WHEN $%d THEN $%d::bigint", 3*i+1, 3*i+3))
		args = append(args, k.key, k.g.interval, k.g.tolerance)
	}
	q := `WITH c AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS t),
v (id, d, tol) AS (VALUES ` + strings.Join(values, ", ") + `),
s AS (SELECT v.id, GREATEST(r.tat, c.t) - c.t <= v.tol AS fits FROM c, v LEFT JOIN rate_limits r ON r.id = v.id),
ins AS (
  INSERT INTO rate_limits AS r (id, tat)
  SELECT v.id, c.t + v.d FROM c, v WHERE (SELECT bool_and(fits) FROM s)
  ON CONFLICT (id) DO UPDATE SET tat = GREATEST(r.tat, (SELECT t FROM c)) + (excluded.tat - (SELECT t FROM c))
  WHERE GREATEST(r.tat, (SELECT t FROM c)) - (SELECT t FROM c) <= CASE r.id ` + strings.Join(tolerance, " ") + ` END
  RETURNING r.id)
SELECT s.id, s.fits, EXISTS (SELECT 1 FROM ins WHERE ins.id = s.id) FROM s`
	rows, err := s.client.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	type verdict struct{ fits, charged bool }
	got := map[string]verdict{}
	for rows.Next() {
		var id string
		var v verdict
		if err := rows.Scan(&id, &v.fits, &v.charged); err != nil {
			return 0, err
		}
		got[id] = v
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	allFit := true
	for _, k := range keys {
		allFit = allFit && got[k.key].fits
	}
	// Refused: wait one interval of each key that did not fit (or, when
	// all fitted but a concurrent request took a key's room first, of that
	// key): then a request fits again.
	var wait time.Duration
	for _, k := range keys {
		if v := got[k.key]; !v.fits || (allFit && !v.charged) {
			wait = max(wait, k.g.retryAfter())
		}
	}
	return wait, nil
}

// localLimiter keeps the TATs in memory: for embedded SQLite, where one
// process is the whole service. A key's state is one integer; there is a
// key per user and per organisation.
type localLimiter struct {
	limits RateLimits
	now    func() time.Time

	mu  sync.Mutex
	tat map[string]int64
}

func (l *localLimiter) Admit(_ context.Context, user, org string) (time.Duration, error) {
	keys := keysOf(l.limits, user, org)
	now := l.now().UnixMicro()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys { // all must admit before any is charged
		if max(l.tat[k.key], now)-now > k.g.tolerance {
			wait = max(wait, k.g.retryAfter())
		}
	}
	if wait > 0 {
		return wait, nil
	}
	for _, k := range keys {
		l.tat[k.key] = max(l.tat[k.key], now) + k.g.interval
	}
	return 0, nil
}

// limitRate refuses a request over its user's or organisation's rate with
// 429, Retry-After and code INTERNAL, reason RATE_LIMITED (like OVERLOADED,
// a refusal a client retries later). A limiter that fails admits the
// request: rate limiting must not become an outage of its own.
func limitRate(cfg Config, next http.Handler) http.Handler {
	if cfg.RateLimiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewer.FromContext(r.Context())
		if v == nil || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		wait, err := cfg.RateLimiter.Admit(r.Context(), string(v.UserID), string(v.OrgID))
		switch {
		case err != nil && r.Context().Err() != nil:
			unanswered(w, r.Context())
			return
		case err != nil:
			cfg.throttle.Error(r.Context(), cfg.Logger, "rate limit", "rate limit unavailable; admitting", "err", err, "request_id", audit.RequestID(r.Context()))
		case wait > 0:
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeErrorReason(w, http.StatusTooManyRequests, "INTERNAL", "RATE_LIMITED",
				"too many requests from this user or organisation; retry after the Retry-After seconds")
			return
		}
		next.ServeHTTP(w, r)
	})
}
