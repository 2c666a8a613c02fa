package api_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"rapport/internal/auth"
)

// TestIdentityProviderTokens signs tokens the way an identity provider does
// (RS256, ES256, EdDSA keys published in a JWKS) and sends them to the server.
func TestIdentityProviderTokens(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	jwks := map[string]any{"keys": []any{
		map[string]any{"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig", "n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
		map[string]any{"kty": "EC", "kid": "ec-1", "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(ecKey.X.FillBytes(make([]byte, 32))), "y": b64(ecKey.Y.FillBytes(make([]byte, 32)))},
		map[string]any{"kty": "OKP", "kid": "ed-1", "alg": "EdDSA", "use": "sig", "crv": "Ed25519", "x": b64(edPub)},
	}}
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jwks)
	}))
	defer idp.Close()

	e := newEnv(t, testdbSQLite(t), auth.Config{JWKSURL: idp.URL, Issuer: "https://id.example.cn", Audience: "rapport"})
	e.org("acme")
	claims := func(sub string) jwt.MapClaims {
		return jwt.MapClaims{"sub": sub, "org": "acme", "roles": []string{"ACCOUNT_MANAGER"}, "iss": "https://id.example.cn",
			"aud": "rapport", "exp": time.Now().Add(time.Hour).Unix(), "email": sub + "@acme.example.cn"}
	}
	sign := func(m jwt.SigningMethod, kid string, key crypto.Signer, sub string) string {
		tok := jwt.NewWithClaims(m, claims(sub))
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name string
		tok  string
	}{
		{"RS256", sign(jwt.SigningMethodRS256, "rsa-1", rsaKey, "rsa.user")},
		{"ES256", sign(jwt.SigningMethodES256, "ec-1", ecKey, "ec.user")},
		{"EdDSA", sign(jwt.SigningMethodEdDSA, "ed-1", edKey, "ed.user")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post(tc.tok, `{ viewer { subject email roles } }`, nil).ok(t)
			if r.str(t, "viewer.email") != r.str(t, "viewer.subject")+"@acme.example.cn" {
				t.Fatalf("viewer = %v", r.Data)
			}
		})
	}
	t.Run("wrong key for the kid", func(t *testing.T) {
		other, _ := rsa.GenerateKey(rand.Reader, 2048)
		if r := e.post(sign(jwt.SigningMethodRS256, "rsa-1", other, "x"), `{ viewer { id } }`, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("HTTP %d", r.Status)
		}
	})
	t.Run("HS256 signed with the public key", func(t *testing.T) {
		pub, _ := json.Marshal(jwks)
		tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims("x")).SignedString(pub)
		if r := e.post(tok, `{ viewer { id } }`, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("HTTP %d", r.Status)
		}
	})
}
