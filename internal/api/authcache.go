package api

import (
	"sync"
	"time"

	"rapport/internal/pulid"
)

// The authentication cache. Every request names its organisation by slug
// and its user by subject; reading both from the database cost two round
// trips a request. An instance keeps what it read for AuthCacheTTL:
//   - an organisation's id for its slug (a slug never changes) and its time
//     zone, parsed once (a change made on any instance shows everywhere
//     within the TTL);
//   - a user's id for its subject (never changes) and the copy of the
//     token's roles, name and e-mail last written, with when the user was
//     last marked seen, so that a request writes only when the token says
//     something new or the mark is an hour old (a change of roles seen by
//     another instance is reconciled here within the TTL).
//
// It is a cache, never the truth: a miss or an expired entry reads the
// database, and a user created on another instance is found there. Each
// map holds at most authCacheSize entries; past that an arbitrary one is
// dropped.

// DefaultAuthCacheTTL is how long an instance trusts what it read.
const DefaultAuthCacheTTL = 30 * time.Second

const authCacheSize = 10_000

type cachedOrg struct {
	id  pulid.ID
	loc *time.Location
}

type userKey struct {
	org     pulid.ID
	subject string
}

type cachedUser struct {
	id          pulid.ID
	roles       []string
	name, email string
	lastSeen    time.Time
}

type authCache struct {
	ttl   time.Duration
	orgs  ttlMap[string, cachedOrg]
	users ttlMap[userKey, cachedUser]
}

func newAuthCache(ttl time.Duration) *authCache {
	if ttl <= 0 {
		ttl = DefaultAuthCacheTTL
	}
	return &authCache{ttl: ttl, orgs: newTTLMap[string, cachedOrg](), users: newTTLMap[userKey, cachedUser]()}
}

// ttlMap is a bounded map whose entries expire.
type ttlMap[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLMap[K comparable, V any]() ttlMap[K, V] {
	return ttlMap[K, V]{m: map[K]ttlEntry[V]{}}
}

func (t *ttlMap[K, V]) get(k K, now time.Time) (V, bool) {
	t.mu.RLock()
	e, ok := t.m[k]
	t.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (t *ttlMap[K, V]) put(k K, v V, expires time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.m[k]; !ok && len(t.m) >= authCacheSize {
		for old := range t.m {
			delete(t.m, old)
			break
		}
	}
	t.m[k] = ttlEntry[V]{v: v, expires: expires}
}
