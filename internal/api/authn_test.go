package api_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"rapport/internal/auth"
)

func TestAuthenticationFailuresAre401(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.org("acme")
		now := time.Now()
		sign := func(claims jwt.MapClaims, key []byte) string {
			s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		base := func() jwt.MapClaims {
			return jwt.MapClaims{"sub": "mallory", "org": "acme", "roles": []string{"ADMIN"}, "exp": now.Add(time.Hour).Unix()}
		}
		with := func(k string, v any) string {
			c := base()
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
			return sign(c, testSecret)
		}
		rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
		rs256, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, base()).SignedString(rsaKey)
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
			base64.RawURLEncoding.EncodeToString([]byte(jsonOf(base()))) + "."
		good := sign(base(), testSecret)
		parts := strings.Split(good, ".")
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(jsonOf(jwt.MapClaims{"sub": "mallory", "org": "globex", "roles": []string{"ADMIN"}, "exp": now.Add(time.Hour).Unix()}))) + "." + parts[2]

		for _, tc := range []struct{ name, header string }{
			{"no header", ""},
			{"not bearer", "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b"))},
			{"garbage", "Bearer not.a.token"},
			{"alg none", "Bearer " + none},
			{"wrong secret", "Bearer " + sign(base(), []byte("another-secret-that-is-long-enough-32b"))},
			{"RS256 when only HS256 is configured", "Bearer " + rs256},
			{"tampered payload", "Bearer " + tampered},
			{"expired", "Bearer " + with("exp", now.Add(-time.Hour).Unix())},
			{"no exp", "Bearer " + with("exp", nil)},
			{"not yet valid", "Bearer " + with("nbf", now.Add(time.Hour).Unix())},
			{"unknown organisation", "Bearer " + with("org", "nope")},
			{"unknown role", "Bearer " + with("roles", []string{"ADMIN", "GOD"})},
			{"no roles", "Bearer " + with("roles", []string{})},
			{"no subject", "Bearer " + with("sub", nil)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := `{"query":"mutation { createAccount(input: {name: \"Injected\"}) { id } }"}`
				req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				var r result
				if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal(raw, &r) != nil || len(r.Errors) != 1 ||
					r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" || resp.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("HTTP %d %s", resp.StatusCode, raw)
				}
			})
		}
		if n, _ := e.client.Account.Query().Count(sys(context.Background())); n != 0 {
			t.Fatalf("a rejected request created %d accounts", n)
		}
		if n, _ := e.client.User.Query().Count(sys(context.Background())); n != 0 {
			t.Fatalf("a rejected request provisioned %d users", n)
		}
	})
}

func TestIssuerAndAudienceWhenConfigured(t *testing.T) {
	e := newEnv(t, testdbSQLite(t), auth.Config{Secret: testSecret, Issuer: "https://id.example.cn", Audience: "rapport"})
	e.org("acme")
	issue := func(iss, aud string) string {
		tok, err := auth.Issue(testSecret, auth.Claims{Subject: "u", Org: "acme", Roles: []auth.Role{auth.RoleEmployee}}, iss, aud, time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	q := `{ viewer { id } }`
	if r := e.post(issue("https://id.example.cn", "rapport"), q, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("valid iss/aud refused: %+v", r)
	}
	for _, tok := range []string{issue("https://evil.example", "rapport"), issue("https://id.example.cn", "other"), issue("", "")} {
		if r := e.post(tok, q, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong iss/aud accepted: HTTP %d", r.Status)
		}
	}
}
