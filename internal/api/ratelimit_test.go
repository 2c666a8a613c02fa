package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/api"
	"rapport/internal/auth"
	"rapport/internal/testdb"
)

// ask sends one small query as tok and returns the HTTP status, the
// Retry-After header and the error's reason, if any.
func ask(e *env, tok string) (status int, retryAfter, reason string) {
	e.t.Helper()
	r := e.raw("POST", "/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`), bearer(tok))
	var body struct {
		Errors []struct{ Extensions map[string]any }
	}
	_ = json.Unmarshal(r.body, &body)
	if len(body.Errors) > 0 {
		reason, _ = body.Errors[0].Extensions["reason"].(string)
		if code := body.Errors[0].Extensions["code"]; reason == "RATE_LIMITED" && code != "INTERNAL" {
			e.t.Errorf("a rate-limited request has code %v", code)
		}
	}
	return r.status, r.header.Get("Retry-After"), reason
}

// A user's rate: 40 a minute allows a burst of 10, then 429 with
// Retry-After (until one interval, 1.5 s, has passed) and reason
// RATE_LIMITED; another user is not affected; 2 s later exactly one more
// request passes. (Margins: the burst must take under 1.5 s, the request
// after the pause under 1 s; PostgreSQL's sync may charge up to 100 ms late.)
func TestRateLimitPerUser(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnvWith(t, b.URL(t), auth.Config{Secret: testSecret}, envOptions{rateLimits: api.RateLimits{UserPerMinute: 40}})
			e.org("acme")
			busy, other := token(t, "acme", "busy", auth.RoleEmployee), token(t, "acme", "other", auth.RoleEmployee)
			ask(e, other) // both users known before the clock matters
			ask(e, busy)
			time.Sleep(2 * time.Second) // busy's first request is paid back
			start := time.Now()
			for i := range 10 {
				if status, _, reason := ask(e, busy); status != http.StatusOK {
					t.Fatalf("request %d of the burst: %d %s", i+1, status, reason)
				}
			}
			status, retry, reason := ask(e, busy)
			if status != http.StatusTooManyRequests || (retry != "1" && retry != "2") || reason != "RATE_LIMITED" {
				t.Fatalf("request 11 (after %v): %d, Retry-After %q, %q", time.Since(start), status, retry, reason)
			}
			if status, _, _ := ask(e, other); status != http.StatusOK {
				t.Fatalf("another user is limited too: %d", status)
			}
			time.Sleep(2 * time.Second)
			if status, _, reason := ask(e, busy); status != http.StatusOK {
				t.Fatalf("after one interval: %d %s", status, reason)
			}
			if status, _, _ := ask(e, busy); status != http.StatusTooManyRequests {
				t.Fatalf("the interval admits one request only: %d", status)
			}
		})
	}
}

// On PostgreSQL the limits are shared: what a user or an organisation
// spent on one instance counts on the other once they have synced (every
// 20 ms here, a key idle on an instance every 200 ms; the test waits 300 ms
// at each change of instance). 8 a minute
// per user (bursts of 2, an interval of 7.5 s) and 20 per organisation
// (bursts of 5, an interval of 3 s: the test runs well within it). A request refused for its user costs the organisation
// nothing, so one user over their limit cannot lock their colleagues out.
func TestRateLimitsSharedAcrossInstances(t *testing.T) {
	url := testdb.PostgresURL(t)
	limits := envOptions{rateLimits: api.RateLimits{UserPerMinute: 8, OrgPerMinute: 20}, rateSync: 20 * time.Millisecond}
	one := newEnvWith(t, url, auth.Config{Secret: testSecret}, limits)
	two := newEnvWith(t, url, auth.Config{Secret: testSecret}, limits)
	one.org("acme")
	one.org("globex")
	settle := func() { time.Sleep(300 * time.Millisecond) } // more than 10 syncs: an idle key is read back every 10
	tok := func(org, sub string) string { return token(t, org, sub, auth.RoleEmployee) }
	a := tok("acme", "a")
	for i, e := range []*env{one, two} {
		if status, _, reason := ask(e, a); status != http.StatusOK {
			t.Fatalf("a's request %d: %d %s", i+1, status, reason)
		}
		settle()
	}
	for range 5 { // a, over their limit, keeps trying: acme pays nothing for it
		if status, retry, _ := ask(one, a); status != http.StatusTooManyRequests || !between(retry, 1, 8) {
			t.Fatalf("a's request over the limit, on instance one after two: %d, Retry-After %q", status, retry)
		}
	}
	// acme has spent 2 of its 5; b and c spend 3 through both instances.
	for _, step := range []struct {
		e   *env
		sub string
	}{{two, "b"}, {one, "b"}, {two, "c"}} {
		if status, _, reason := ask(step.e, tok("acme", step.sub)); status != http.StatusOK {
			t.Fatalf("%s's request: %d %s", step.sub, status, reason)
		}
		settle()
	}
	if status, retry, reason := ask(one, tok("acme", "f")); status != http.StatusTooManyRequests || !between(retry, 1, 3) || reason != "RATE_LIMITED" {
		t.Fatalf("acme's sixth request: %d, Retry-After %q, %q", status, retry, reason)
	}
	// A user who spent their burst on instance one is refused at their very
	// first request to instance two, which reads what they spent.
	g := tok("globex", "g")
	for range 2 {
		if status, _, _ := ask(one, g); status != http.StatusOK {
			t.Fatal("another organisation is limited by acme's rate")
		}
	}
	settle()
	if status, _, _ := ask(two, g); status != http.StatusTooManyRequests {
		t.Fatalf("g's first request on instance two, after their burst on one: %d", status)
	}
}

// between reports whether the Retry-After header s is whole seconds from lo to hi.
func between(s string, lo, hi int) bool {
	n, err := strconv.Atoi(s)
	return err == nil && lo <= n && n <= hi
}

// Calendar feeds are charged to the user they are for: a client polling a
// feed faster than that user's rate gets 429 with Retry-After.
func TestFeedsAreRateLimited(t *testing.T) {
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{rateLimits: api.RateLimits{UserPerMinute: 40}})
	e.org("acme")
	am := e.as("acme", "am", auth.RoleAccountManager)
	feed := strings.TrimPrefix(am.do(`{ viewer { agendaCalendarURL } }`, nil).ok(t).str(t, "viewer.agendaCalendarURL"), e.url)
	if !limitedWithin(t, 20, func() (int, string) {
		r := e.raw("GET", feed, "", nil)
		return r.status, r.header.Get("Retry-After")
	}) {
		t.Fatal("20 feed requests at once, none limited (the user may send 10 at once)")
	}
}

// limitedWithin sends up to n requests and reports whether one was refused
// 429 with Retry-After; an answer other than 200 fails the test.
func limitedWithin(t *testing.T, n int, send func() (status int, retryAfter string)) bool {
	t.Helper()
	for i := range n {
		switch status, retry := send(); status {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			return retry != ""
		default:
			t.Fatalf("request %d: HTTP %d", i+1, status)
		}
	}
	return false
}
