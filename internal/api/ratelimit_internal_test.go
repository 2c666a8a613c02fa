package api

import (
	"context"
	"slices"
	"testing"
	"time"
)

// The in-memory limiter on a clock of the test's: bursts of a quarter of
// the minute's allowance, then one request per interval; a request refused
// for one key is charged to none.
func TestLocalLimiterGCRA(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	l := NewRateLimiter(context.Background(), nil, "sqlite3", RateLimits{UserPerMinute: 120, OrgPerMinute: 240}, 0, nil).(*localLimiter)
	l.now = func() time.Time { return now }
	admit := func(user string) time.Duration {
		wait, err := l.Admit(context.Background(), user, "acme")
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	for i := range 30 { // 120 a minute: bursts of 30
		if w := admit("a"); w != 0 {
			t.Fatalf("request %d refused", i+1)
		}
	}
	if w := admit("a"); w != 500*time.Millisecond {
		t.Fatalf("request 31: wait %v, want one interval (500ms)", w)
	}
	for range 100 { // refused, so acme pays nothing
		admit("a")
	}
	for i := range 30 { // acme: bursts of 60, 30 spent
		if w := admit("b"); w != 0 {
			t.Fatalf("b's request %d refused: a's refusals were charged to acme", i+1)
		}
	}
	if w := admit("c"); w != 250*time.Millisecond {
		t.Fatalf("acme's request 61: wait %v, want acme's interval (250ms)", w)
	}
	now = now.Add(499 * time.Millisecond)
	if w := admit("a"); w == 0 {
		t.Fatal("admitted before an interval")
	}
	now = now.Add(time.Millisecond)
	if w := admit("a"); w != 0 {
		t.Fatalf("refused after an interval: %v", w)
	}
	// Keys idle for a minute leave memory (on every database: the sync,
	// which also prunes, runs on PostgreSQL only).
	now = now.Add(2 * idleKey)
	admit("z")
	if len(l.keys) != 2 { // u:z and o:acme
		t.Fatalf("%d keys in memory after a minute's idleness, want 2", len(l.keys))
	}
}

// A sync takes the keys with requests to send and those not read for the
// refresh interval, not every key seen in the last minute.
func TestSyncTakesBusyAndStaleKeys(t *testing.T) {
	l := &localLimiter{refresh: 1_000_000, keys: map[string]*keyState{
		"u:busy":  {pending: 2, read: 900_000},
		"u:idle":  {read: 900_000},
		"u:stale": {read: 0},
		"o:acme":  {pending: 1, read: 0},
	}}
	if got := l.toSync(1_000_000); !slices.Equal(got, []string{"o:acme", "u:busy", "u:stale"}) {
		t.Fatalf("a sync at 1 s takes %v", got)
	}
	if got := l.toSync(1_900_000); !slices.Equal(got, []string{"o:acme", "u:busy", "u:idle", "u:stale"}) {
		t.Fatalf("a sync at 1.9 s takes %v", got)
	}
}
