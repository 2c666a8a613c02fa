package api

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"rapport/ent"
	"rapport/internal/audit"
	"rapport/internal/viewer"
)

// RateLimits bound how fast a user, and an organisation's users together,
// may send requests (GraphQL, document downloads and calendar feeds): so many a minute on
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

// burst is how many requests fit at once.
func (g gcra) burst() int64 { return g.tolerance/g.interval + 1 }

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

// NewRateLimiter returns the limiter for the database behind client, nil
// when both limits are off. Each instance decides in memory, in no time
// and with no statement; on PostgreSQL the instances share their counts
// through the rate_limits table every sync (DefaultRateSync): each sends
// what it admitted and reads what the others did, in one statement. A key
// can thus be overrun by what the other instances admit within one sync
// (within idleRefreshSyncs syncs for a key this instance has been admitting
// nothing for), never more. On embedded SQLite, one process, there is nothing to share.
// The sync stops with ctx; its failures are logged (throttled) to log, and
// meanwhile each instance goes on deciding alone.
func NewRateLimiter(ctx context.Context, client *ent.Client, dialectName string, l RateLimits, sync time.Duration, log *slog.Logger) RateLimiter {
	if l.UserPerMinute <= 0 && l.OrgPerMinute <= 0 {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	lim := &localLimiter{limits: l, keys: map[string]*keyState{}, now: time.Now, log: log, throttle: newLogThrottle(logEvery)}
	if dialectName == dialect.Postgres {
		if sync <= 0 {
			sync = DefaultRateSync
		}
		lim.load = func(ctx context.Context, ids []string) (map[string]int64, int64, error) {
			return readTATs(ctx, client, ids)
		}
		lim.refresh = idleRefreshSyncs * int64(sync/time.Microsecond)
		go lim.syncEvery(ctx, client, sync)
	}
	return lim
}

// DefaultRateSync is how often instances share their rate counts.
const DefaultRateSync = 100 * time.Millisecond

// idleRefreshSyncs: a key this instance admitted nothing for since the
// last sync is read back every this many syncs only (every second by
// default), so that a sync's work follows the traffic, not the number of
// users seen in the last minute.
const idleRefreshSyncs = 10

// localLimiter decides on the keys' TATs as this instance knows them: its
// own requests at once, the other instances' as of the last sync.
type localLimiter struct {
	limits   RateLimits
	now      func() time.Time
	log      *slog.Logger
	throttle *logThrottle
	// load, when set, reads keys' TATs and the database's clock: a key new
	// to this instance starts from what the others spent, not from zero.
	load func(ctx context.Context, ids []string) (tats map[string]int64, dbNow int64, err error)

	// refresh is how old (µs) what this instance last read of a key it
	// has nothing to send for may get before a sync reads it again.
	refresh int64

	mu     sync.Mutex
	keys   map[string]*keyState
	pruned int64 // when idle keys were last dropped
}

// keyState is one key as an instance knows it.
type keyState struct {
	g       gcra
	tat     int64 // on this instance's clock, in microseconds
	pending int64 // requests admitted here and not yet sent
	seen    int64 // when last asked for
	read    int64 // when last read from the database (this instance's clock)
}

// idleKey is how long a key nobody asks for is kept in memory.
const idleKey = time.Minute

func (l *localLimiter) Admit(ctx context.Context, user, org string) (time.Duration, error) {
	keys := keysOf(l.limits, user, org)
	if l.load != nil {
		l.learn(ctx, keys)
	}
	now := l.now().UnixMicro()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	states := make([]*keyState, len(keys))
	var wait int64
	for i, k := range keys { // all must admit before any is charged
		st := l.keys[k.key]
		if st == nil {
			st = &keyState{g: k.g}
			l.keys[k.key] = st
		}
		st.seen = now
		states[i] = st
		wait = max(wait, max(st.tat, now)-now-k.g.tolerance) // > 0: how long until it fits
	}
	if wait > 0 {
		return time.Duration(wait) * time.Microsecond, nil
	}
	for _, st := range states {
		st.tat = max(st.tat, now) + st.g.interval
		if l.load != nil { // shared: the next sync sends it
			st.pending++
		}
	}
	return 0, nil
}

// prune drops, at most once per idleKey, the keys idle that long with
// nothing left to send (l.mu held): the map holds the keys in use only.
func (l *localLimiter) prune(now int64) {
	idle := int64(idleKey / time.Microsecond)
	if now-l.pruned < idle {
		return
	}
	l.pruned = now
	for id, st := range l.keys {
		if now-st.seen > idle && st.pending == 0 {
			delete(l.keys, id)
		}
	}
}

// learn loads the keys this instance does not know yet (one statement,
// once per key while it is in use). When the database cannot say, the
// keys start here from zero, as on a single instance, and the next sync
// merges them.
func (l *localLimiter) learn(ctx context.Context, keys []keyLimit) {
	l.mu.Lock()
	var missing []string
	for _, k := range keys {
		if l.keys[k.key] == nil {
			missing = append(missing, k.key)
		}
	}
	l.mu.Unlock()
	if len(missing) == 0 {
		return
	}
	local := l.now().UnixMicro()
	tats, dbNow, err := l.load(ctx, missing)
	if err != nil {
		if ctx.Err() == nil {
			l.throttle.Error(ctx, l.log, "rate limit load", "rate limits: reading a key's count failed; deciding on this instance alone", "err", err)
		}
		tats, dbNow = nil, local
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if l.keys[k.key] == nil {
			l.keys[k.key] = &keyState{g: k.g, tat: max(tats[k.key]-dbNow+local, 0), seen: local, read: local}
		}
	}
}

// readTATs reads keys' TATs (0 for a key never used) and the database's clock.
func readTATs(ctx context.Context, client *ent.Client, ids []string) (map[string]int64, int64, error) {
	return queryTATs(ctx, client, `SELECT v.id, COALESCE(r.tat, 0), (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
FROM unnest($1::varchar[]) AS v(id) LEFT JOIN rate_limits r ON r.id = v.id`, pq.Array(ids))
}

// queryTATs runs q, whose rows are (key, TAT, the database's clock).
func queryTATs(ctx context.Context, client *ent.Client, q string, args ...any) (map[string]int64, int64, error) {
	rows, err := client.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	tats := map[string]int64{}
	var dbNow int64
	for rows.Next() {
		var id string
		var tat int64
		if err := rows.Scan(&id, &tat, &dbNow); err != nil {
			return nil, 0, err
		}
		tats[id] = tat
	}
	return tats, dbNow, rows.Err()
}

// syncEvery shares the counts every interval until ctx ends. A failed sync
// keeps what it would have sent for the next one.
func (l *localLimiter) syncEvery(ctx context.Context, client *ent.Client, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := l.sync(sctx, client); err != nil && ctx.Err() == nil {
				l.throttle.Error(ctx, l.log, "rate limit sync", "rate limits: sharing the counts failed; each instance decides alone meanwhile", "err", err)
			}
			cancel()
		}
	}
}

// toSync is the keys the next sync takes, in order (l.mu held): those with
// requests to send, and those not read for refresh.
func (l *localLimiter) toSync(now int64) []string {
	var ids []string
	for id, st := range l.keys {
		if st.pending > 0 || now-st.read >= l.refresh {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// sync sends the admitted requests of each key used since the last sync
// (as intervals to add to its TAT) and reads back their TATs, with those
// of the keys not read for refresh, in one statement on the database's
// clock, with two parameters whatever the number of keys. The keys go in
// order, so that instances syncing at once lock the rows in the same order
// and never deadlock.
func (l *localLimiter) sync(ctx context.Context, client *ent.Client) error {
	l.mu.Lock()
	now := l.now().UnixMicro()
	l.prune(now)
	ids := l.toSync(now)
	adds := make([]int64, len(ids))
	taken := make([]int64, len(ids))
	for i, id := range ids {
		st := l.keys[id]
		taken[i] = st.pending
		adds[i] = st.pending * st.g.interval
		st.pending = 0
	}
	l.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	// PostgreSQL's own INSERT … ON CONFLICT in a CTE, which ent's builder
	// does not write: add what was admitted (from now, when the TAT is
	// past), then read every key's TAT and the database's clock.
	const q = `WITH c AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS t),
v AS (SELECT * FROM unnest($1::varchar[], $2::bigint[]) AS v(id, add)),
up AS (
  INSERT INTO rate_limits AS r (id, tat)
  SELECT v.id, c.t + v.add FROM c, v WHERE v.add > 0 ORDER BY v.id
  ON CONFLICT (id) DO UPDATE SET tat = GREATEST(r.tat, (SELECT t FROM c)) + (excluded.tat - (SELECT t FROM c))
  RETURNING r.id, r.tat)
SELECT v.id, COALESCE(up.tat, r.tat, 0), c.t FROM c, v LEFT JOIN up ON up.id = v.id LEFT JOIN rate_limits r ON r.id = v.id`
	local := l.now().UnixMicro()
	tats, dbNow, err := queryTATs(ctx, client, q, pq.Array(ids), pq.Array(adds))
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		// Keep what was taken for the next sync, but never more than a
		// burst: after an outage a key is not charged for all of it.
		for i, id := range ids {
			if st := l.keys[id]; st != nil {
				st.pending = min(st.pending+taken[i], st.g.burst())
			}
		}
		return err
	}
	// The TATs read, on this clock, plus what this instance admitted while
	// the statement ran.
	for id, tat := range tats {
		if st := l.keys[id]; st != nil {
			st.tat = max(tat-dbNow+local, local) + st.pending*st.g.interval
			st.read = local
		}
	}
	return nil
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
