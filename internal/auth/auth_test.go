package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

const (
	testIssuer   = "https://idp.example.test"
	testAudience = "rapport"
)

var testClaims = Claims{
	Subject: "user-42",
	Org:     "acme",
	Roles:   []Role{RoleSalesManager, RoleEmployee},
	Name:    "Ada Lovelace",
	Email:   "ada@acme.test",
}

// testKeys are generated once: RSA generation is slow on a shared machine.
var testKeys = sync.OnceValue(func() (k struct {
	rsa1, rsa2 *rsa.PrivateKey
	ec, ec2    *ecdsa.PrivateKey
	ed         ed25519.PrivateKey
}) {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var err error
	k.rsa1, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.ec2, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

// rawClaims returns valid token claims as a map, for tokens Issue won't make.
func rawClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":   "user-42",
		"org":   "acme",
		"roles": []string{"EMPLOYEE"},
		"iss":   testIssuer,
		"aud":   testAudience,
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
	}
}

// with returns a copy of c with the given claims set, or removed when nil.
func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// sign signs claims with method and key, setting the kid header when non-empty.
func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return s
}

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func newVerifier(t *testing.T, cfg Config) *Verifier {
	t.Helper()
	v, err := NewVerifier(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// jwksServer serves a JWK Set that tests can replace, counting fetches.
type jwksServer struct {
	*httptest.Server
	body    atomic.Pointer[[]byte]
	fetches atomic.Int32
}

type testJWK struct {
	kid string
	alg jwkset.ALG // may be empty
	key crypto.PublicKey
}

func newJWKSServer(t *testing.T, keys ...testJWK) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.serve(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(*s.body.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

// serve makes the server serve keys from now on.
func (s *jwksServer) serve(t *testing.T, keys ...testJWK) {
	t.Helper()
	store := jwkset.NewMemoryStorage()
	for _, k := range keys {
		jwk, err := jwkset.NewJWKFromKey(k.key, jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: k.kid, ALG: k.alg},
		})
		if err != nil {
			t.Fatalf("jwk %s: %v", k.kid, err)
		}
		if err := store.KeyWrite(t.Context(), jwk); err != nil {
			t.Fatal(err)
		}
	}
	body, err := store.JSONPublic(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(body)
	s.body.Store(&b)
}

func (s *jwksServer) config() Config {
	return Config{JWKSURL: s.URL + "/.well-known/jwks.json", HTTPClient: s.Client()}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	now := time.Now()
	tok, err := Issue(testSecret, testClaims, testIssuer, testAudience, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, Config{Secret: testSecret, Issuer: testIssuer, Audience: testAudience})
	got, err := v.Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := testClaims
	want.ExpiresAt = now.Add(time.Hour).Truncate(time.Second)
	if got.Subject != want.Subject || got.Org != want.Org || got.Name != want.Name ||
		got.Email != want.Email || !slices.Equal(got.Roles, want.Roles) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("claims = %+v, want %+v", *got, want)
	}
	if !got.Has(RoleSalesManager) || got.Has(RoleAdmin) {
		t.Errorf("Has: got roles %v", got.Roles)
	}

	// Duplicate roles in a token are dropped.
	tok = sign(t, jwt.SigningMethodHS256, testSecret, "",
		with(rawClaims(now), "roles", []string{"HR", "EDITOR", "HR"}))
	if got, err = v.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if want := []Role{RoleHR, RoleEditor}; !slices.Equal(got.Roles, want) {
		t.Errorf("roles = %v, want %v", got.Roles, want)
	}
}

func TestVerifyRejects(t *testing.T) {
	now := time.Now()
	good := rawClaims(now)
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, testSecret, "", c) }
	issue := func(at time.Time) string {
		s, err := Issue(testSecret, testClaims, testIssuer, testAudience, at, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := hs(good)
	parts := strings.Split(valid, ".")

	tests := []struct {
		name, token, want string
		is                error // an additional error the result must wrap
	}{
		{"alg none", b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64(good) + ".",
			"signing algorithm not allowed", nil},
		{"alg none with a signature", b64(map[string]string{"alg": "none"}) + "." + b64(good) + "." + parts[2],
			"signing algorithm not allowed", nil},
		{"unknown alg", b64(map[string]string{"alg": "XS256"}) + "." + b64(good) + "." + parts[2],
			"signing algorithm not allowed", nil},
		{"HS384 with the secret", sign(t, jwt.SigningMethodHS384, testSecret, "", good),
			"signing algorithm not allowed", nil},
		{"RS256 with only a secret", sign(t, jwt.SigningMethodRS256, testKeys().rsa1, "rsa-1", good),
			"signing algorithm not allowed", nil},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), "", good),
			"signature invalid", jwt.ErrTokenSignatureInvalid},
		{"tampered payload", parts[0] + "." + b64(with(good, "roles", []string{"ADMIN"})) + "." + parts[2],
			"signature invalid", jwt.ErrTokenSignatureInvalid},
		{"truncated signature", parts[0] + "." + parts[1] + "." + parts[2][:10],
			"signature invalid", nil},
		{"not a JWT", "abc.def", "token malformed", jwt.ErrTokenMalformed},
		{"empty", "", "token malformed", jwt.ErrTokenMalformed},
		{"roles not an array", hs(with(good, "roles", "ADMIN")), "token malformed", nil},
		{"expired", issue(now.Add(-2 * time.Hour)), "token expired", jwt.ErrTokenExpired},
		{"nbf beyond leeway", hs(with(good, "nbf", now.Add(time.Minute).Unix())),
			"token not valid yet", jwt.ErrTokenNotValidYet},
		{"issued in the future", issue(now.Add(5 * time.Minute)), "token not valid yet", nil},
		{"iat beyond leeway", hs(with(good, "nbf", nil, "iat", now.Add(time.Minute).Unix())),
			"token issued in the future", jwt.ErrTokenUsedBeforeIssued},
		{"missing exp", hs(with(good, "exp", nil)), "missing exp claim", jwt.ErrTokenRequiredClaimMissing},
		{"wrong iss", hs(with(good, "iss", "https://evil.test")), "invalid issuer", jwt.ErrTokenInvalidIssuer},
		{"missing iss", hs(with(good, "iss", nil)), "invalid issuer", nil},
		{"wrong aud", hs(with(good, "aud", []string{"other", "another"})), "invalid audience", jwt.ErrTokenInvalidAudience},
		{"missing aud", hs(with(good, "aud", nil)), "invalid audience", nil},
		{"missing sub", hs(with(good, "sub", nil)), "missing sub claim", nil},
		{"blank sub", hs(with(good, "sub", "  ")), "missing sub claim", nil},
		{"missing org", hs(with(good, "org", nil)), "missing org claim", nil},
		{"empty roles", hs(with(good, "roles", []string{})), "missing roles claim", nil},
		{"missing roles", hs(with(good, "roles", nil)), "missing roles claim", nil},
		{"unknown role", hs(with(good, "roles", []string{"EMPLOYEE", "FOO"})), `unknown role "FOO"`, ErrUnknownRole},
		{"lower-case role", hs(with(good, "roles", []string{"admin"})), `unknown role "admin"`, ErrUnknownRole},
		{"padded role", hs(with(good, "roles", []string{" ADMIN"})), `unknown role " ADMIN"`, ErrUnknownRole},
		{"null role", hs(with(good, "roles", []any{nil})), "empty role name", nil},
		{"exp as a string", hs(with(good, "exp", fmt.Sprint(now.Add(time.Hour).Unix()))), "exp claim must be a number", nil},
		{"nbf as a string", hs(with(good, "nbf", fmt.Sprint(now.Unix()))), "nbf claim must be a number", nil},
		{"sub of 256 characters", hs(with(good, "sub", strings.Repeat("s", 256))), "sub claim longer than 255 characters", nil},
		{"sub with NUL", hs(with(good, "sub", "a\x00b")), "sub claim holds a control character or invalid text", nil},
		{"sub with a line break", hs(with(good, "sub", "a\nb")), "sub claim holds a control character or invalid text", nil},
		{"org of 65 characters", hs(with(good, "org", strings.Repeat("o", 65))), "org claim longer than 64 characters", nil},
		{"name of 101 characters", hs(with(good, "name", strings.Repeat("名", 101))), "name claim longer than 100 characters", nil},
		{"name with escape", hs(with(good, "name", "a\x1bb")), "name claim holds a control character or invalid text", nil},
		{"email of 255 characters", hs(with(good, "email", strings.Repeat("e", 255))), "email claim longer than 254 characters", nil},
		{"23 roles", hs(with(good, "roles", slices.Repeat([]string{"EMPLOYEE"}, 23))), "too many roles", nil},
		{"token over 8 KiB", hs(with(good, "pad", strings.Repeat("p", 9000))), "token too large", nil},
	}
	v := newVerifier(t, Config{Secret: testSecret, Issuer: testIssuer, Audience: testAudience, Leeway: 30 * time.Second})
	if _, err := v.Verify(valid); err != nil {
		t.Fatalf("baseline token rejected: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(tt.token)
			if err == nil {
				t.Fatalf("accepted: %+v", *got)
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Errorf("error %v does not wrap ErrInvalidToken", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if err.Error() != tt.want {
				t.Errorf("Error() = %q, want %q", err, tt.want)
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name   string
		issued time.Time // Issue's now; the token lives for a minute
		leeway time.Duration
		ok     bool
	}{
		{"expired 10s ago, leeway 30s", now.Add(-70 * time.Second), 30 * time.Second, true},
		{"expired 10s ago, no leeway", now.Add(-70 * time.Second), 0, false},
		{"expired 60s ago, leeway 30s", now.Add(-2 * time.Minute), 30 * time.Second, false},
		{"nbf/iat 10s ahead, leeway 30s", now.Add(10 * time.Second), 30 * time.Second, true},
		{"nbf/iat 10s ahead, no leeway", now.Add(10 * time.Second), 0, false},
		{"nbf/iat 60s ahead, leeway 30s", now.Add(time.Minute), 30 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Issue(testSecret, testClaims, "", "", tt.issued, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			v := newVerifier(t, Config{Secret: testSecret, Leeway: tt.leeway})
			_, err = v.Verify(tok)
			if (err == nil) != tt.ok {
				t.Fatalf("Verify error = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidToken) {
				t.Errorf("error %v does not wrap ErrInvalidToken", err)
			}
		})
	}
}

func TestJWKS(t *testing.T) {
	k := testKeys()
	srv := newJWKSServer(t,
		testJWK{"rsa-1", jwkset.AlgRS256, &k.rsa1.PublicKey},
		testJWK{"rsa-any", "", &k.rsa1.PublicKey},
		testJWK{"ec-1", jwkset.AlgES256, &k.ec.PublicKey},
		testJWK{"ed-1", jwkset.AlgEdDSA, k.ed.Public()},
	)
	cfg := srv.config()
	cfg.Issuer = testIssuer
	v := newVerifier(t, cfg)
	claims := rawClaims(time.Now())

	tests := []struct {
		name   string
		method jwt.SigningMethod
		key    any
		kid    string
		want   string // "" for success
	}{
		{"RS256", jwt.SigningMethodRS256, k.rsa1, "rsa-1", ""},
		{"ES256", jwt.SigningMethodES256, k.ec, "ec-1", ""},
		{"EdDSA", jwt.SigningMethodEdDSA, k.ed, "ed-1", ""},
		{"PS256 with a JWK without alg", jwt.SigningMethodPS256, k.rsa1, "rsa-any", ""},
		{"RS512 with a JWK without alg", jwt.SigningMethodRS512, k.rsa1, "rsa-any", ""},
		{"RS256 without kid", jwt.SigningMethodRS256, k.rsa1, "", ""},
		{"EdDSA without kid", jwt.SigningMethodEdDSA, k.ed, "", ""},
		{"PS256 against an RS256 JWK", jwt.SigningMethodPS256, k.rsa1, "rsa-1", "no usable signing key"},
		{"ES256 against an RSA JWK without alg", jwt.SigningMethodES256, k.ec, "rsa-any", "no usable signing key"},
		{"ES256 by another key", jwt.SigningMethodES256, k.ec2, "ec-1", "signature invalid"},
		{"ES256 by another key without kid", jwt.SigningMethodES256, k.ec2, "", "signature invalid"},
		{"RS256 by an unpublished key", jwt.SigningMethodRS256, k.rsa2, "rsa-1", "signature invalid"},
		{"HS256 with only JWKS", jwt.SigningMethodHS256, testSecret, "", "signing algorithm not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(sign(t, tt.method, tt.key, tt.kid, claims))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.Subject != "user-42" || !got.Has(RoleEmployee) {
					t.Errorf("claims = %+v", *got)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalidToken) || err.Error() != tt.want {
				t.Errorf("error = %q (wraps ErrInvalidToken: %v), want %q", err, errors.Is(err, ErrInvalidToken), tt.want)
			}
		})
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

// TestHSRSConfusion checks that the RSA public key, which attackers know,
// never works as an HMAC secret.
func TestHSRSConfusion(t *testing.T) {
	k := testKeys()
	srv := newJWKSServer(t, testJWK{"rsa-1", jwkset.AlgRS256, &k.rsa1.PublicKey})
	der, err := x509.MarshalPKIXPublicKey(&k.rsa1.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa1.PublicKey)})

	jwksOnly := newVerifier(t, srv.config())
	both := srv.config()
	both.Secret = testSecret
	withSecret := newVerifier(t, both)
	claims := rawClaims(time.Now())

	for _, secret := range []struct {
		name  string
		bytes []byte
	}{{"PEM", pemBytes}, {"DER", der}, {"PKCS1 PEM", pkcs1}} {
		for _, kid := range []string{"rsa-1", ""} {
			tok := sign(t, jwt.SigningMethodHS256, secret.bytes, kid, claims)
			for _, vv := range []struct {
				name string
				v    *Verifier
				want string
			}{{"JWKS only", jwksOnly, "signing algorithm not allowed"}, {"secret and JWKS", withSecret, "signature invalid"}} {
				t.Run(secret.name+"/kid="+kid+"/"+vv.name, func(t *testing.T) {
					_, err := vv.v.Verify(tok)
					if err == nil {
						t.Fatal("HS256 token signed with the RSA public key accepted")
					}
					if !errors.Is(err, ErrInvalidToken) || err.Error() != vv.want {
						t.Errorf("error = %q, want %q wrapping ErrInvalidToken", err, vv.want)
					}
				})
			}
		}
	}
	// Sanity check: the verifier with both accepts real tokens of both kinds.
	for _, tok := range []string{
		sign(t, jwt.SigningMethodHS256, testSecret, "", claims),
		sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims),
	} {
		if _, err := withSecret.Verify(tok); err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
}

func TestJWKSUnknownKIDAndRotation(t *testing.T) {
	k := testKeys()
	claims := rawClaims(time.Now())
	srv := newJWKSServer(t, testJWK{"rsa-1", jwkset.AlgRS256, &k.rsa1.PublicKey})
	v := newVerifier(t, srv.config())

	verify := func(key any, kid, want string) {
		t.Helper()
		_, err := v.Verify(sign(t, jwt.SigningMethodRS256, key, kid, claims))
		switch {
		case want == "" && err != nil:
			t.Errorf("kid %s: %v", kid, err)
		case want != "" && err == nil:
			t.Errorf("kid %s: accepted", kid)
		case want != "" && (err.Error() != want || !errors.Is(err, ErrInvalidToken)):
			t.Errorf("kid %s: error = %q, want %q wrapping ErrInvalidToken", kid, err, want)
		}
	}
	fetches := func(want int32) {
		t.Helper()
		if n := srv.fetches.Load(); n != want {
			t.Errorf("JWKS fetched %d times, want %d", n, want)
		}
	}

	verify(k.rsa1, "rsa-1", "")
	fetches(1)

	// Rotation: the IdP publishes rsa-2 and drops rsa-1. The unknown kid
	// triggers a refresh, which finds the new key.
	srv.serve(t, testJWK{"rsa-2", jwkset.AlgRS256, &k.rsa2.PublicKey})
	verify(k.rsa2, "rsa-2", "")
	fetches(2)
	// The refreshed set no longer has rsa-1; refreshes are now rate-limited,
	// so this fails at once without a fetch.
	start := time.Now()
	verify(k.rsa1, "rsa-1", "no usable signing key")
	fetches(2)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("rate-limited lookup took %v", d)
	}

	// A fresh verifier: an unknown kid costs one refresh, then fails.
	v = newVerifier(t, srv.config())
	fetches(3)
	verify(k.rsa2, "nope", "unknown signing key")
	fetches(4)
	verify(k.rsa2, "nope-again", "no usable signing key")
	fetches(4)
	verify(k.rsa2, "rsa-2", "")
}

func TestNewVerifierErrors(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer failing.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name string
		cfg  Config
	}{
		{"nothing configured", Config{}},
		{"empty secret", Config{Secret: []byte{}}},
		{"short secret", Config{Secret: []byte(strings.Repeat("s", 31))}},
		{"short secret with JWKS", Config{Secret: []byte("short"), JWKSURL: failing.URL}},
		{"negative leeway", Config{Secret: testSecret, Leeway: -time.Second}},
		{"JWKS status 500", Config{JWKSURL: failing.URL, HTTPClient: failing.Client()}},
		{"JWKS unreachable", Config{JWKSURL: closed.URL}},
		{"JWKS URL invalid", Config{JWKSURL: "not a url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(t.Context(), tt.cfg)
			if err == nil {
				t.Fatalf("NewVerifier succeeded: %+v", v)
			}
		})
	}
	if _, err := NewVerifier(context.Background(), Config{Secret: []byte(strings.Repeat("s", 32))}); err != nil {
		t.Errorf("32-byte secret rejected: %v", err)
	}
}

func TestIssueErrors(t *testing.T) {
	now := time.Now()
	bad := func(f func(c *Claims)) Claims {
		c := testClaims
		c.Roles = slices.Clone(c.Roles)
		f(&c)
		return c
	}
	tests := []struct {
		name   string
		secret []byte
		c      Claims
		ttl    time.Duration
	}{
		{"short secret", []byte("short"), testClaims, time.Hour},
		{"zero ttl", testSecret, testClaims, 0},
		{"missing sub", testSecret, bad(func(c *Claims) { c.Subject = "" }), time.Hour},
		{"missing org", testSecret, bad(func(c *Claims) { c.Org = "" }), time.Hour},
		{"no roles", testSecret, bad(func(c *Claims) { c.Roles = nil }), time.Hour},
		{"unknown role", testSecret, bad(func(c *Claims) { c.Roles = append(c.Roles, "ROOT") }), time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tok, err := Issue(tt.secret, tt.c, "", "", now, tt.ttl); err == nil {
				t.Fatalf("Issue succeeded: %s", tok)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	want := []Role{"ADMIN", "EXECUTIVE", "SALES_MANAGER", "ACCOUNT_MANAGER", "SERVICE_SUPERVISOR",
		"SERVICE_REP", "FINANCE", "HR", "EDITOR", "CORRESPONDENT", "EMPLOYEE"}
	all := AllRoles()
	if !slices.Equal(all, want) {
		t.Fatalf("AllRoles() = %v", all)
	}
	all[0] = "MUTATED"
	if AllRoles()[0] != RoleAdmin {
		t.Error("AllRoles returns a shared slice")
	}
	for _, r := range want {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "admin", " ADMIN", "ROOT"} {
		if _, err := ParseRole(s); !errors.Is(err, ErrUnknownRole) {
			t.Errorf("ParseRole(%q) error = %v, want ErrUnknownRole", s, err)
		}
	}
	if _, err := ParseRole(strings.Repeat("X", 1000)); err == nil || len(err.Error()) > 100 {
		t.Errorf("long unknown role: error %q not short", err)
	}
}

func TestParseRoles(t *testing.T) {
	tests := []struct {
		in      string
		want    []Role
		wantErr bool
	}{
		{"ADMIN", []Role{RoleAdmin}, false},
		{"ADMIN,SALES_MANAGER", []Role{RoleAdmin, RoleSalesManager}, false},
		{" HR , EDITOR ,CORRESPONDENT", []Role{RoleHR, RoleEditor, RoleCorrespondent}, false},
		{"EMPLOYEE,HR,EMPLOYEE", []Role{RoleEmployee, RoleHR}, false},
		{"", nil, true},
		{"   ", nil, true},
		{"ADMIN,", nil, true},
		{"ADMIN,,HR", nil, true},
		{"admin", nil, true},
		{"ADMIN,ROOT", nil, true},
		{"ADMIN HR", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseRoles(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("ParseRoles(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header, want string
		err          error
	}{
		{"Bearer abc.def.ghi", "abc.def.ghi", nil},
		{"bearer abc", "abc", nil},
		{"BEARER abc", "abc", nil},
		{"  Bearer   abc  ", "abc", nil},
		{"", "", ErrNoToken},
		{"   ", "", ErrNoToken},
		{"Bearer", "", ErrInvalidToken},
		{"Bearer   ", "", ErrInvalidToken},
		{"Basic dXNlcjpwYXNz", "", ErrInvalidToken},
		{"abc.def.ghi", "", ErrInvalidToken},
		{"Bearer abc def", "", ErrInvalidToken},
		{"Bearerabc", "", ErrInvalidToken},
	}
	for _, tt := range tests {
		got, err := BearerToken(tt.header)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tt.header, got, err, tt.want, tt.err)
		}
		if errors.Is(err, ErrInvalidToken) && errors.Is(err, ErrNoToken) {
			t.Errorf("BearerToken(%q): error wraps both sentinels", tt.header)
		}
	}
}
