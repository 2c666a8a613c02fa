package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

var (
	// ErrInvalidToken is wrapped by every error [Verifier.Verify] returns and
	// by the errors [BearerToken] returns for a malformed header.
	ErrInvalidToken = errors.New("invalid token")
	// ErrNoToken is returned by [BearerToken] when there is no token at all.
	ErrNoToken = errors.New("missing bearer token")
)

// MinSecretLen is the minimum length of an HS256 secret, in bytes.
const MinSecretLen = 32

// JWKS refresh policy: a background refresh every jwksRefreshInterval, and at
// most one extra refresh per jwksUnknownKIDEvery when a token names a key ID
// that is not in the cached set. HTTP fetches, including one made on behalf of
// a request, are bounded by jwksHTTPTimeout.
const (
	jwksRefreshInterval = 15 * time.Minute
	jwksUnknownKIDEvery = time.Minute
	jwksHTTPTimeout     = 10 * time.Second
)

const algHS256 = "HS256"

// jwksAlgs are the asymmetric algorithms accepted with keys from the JWKS.
var jwksAlgs = []string{"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"}

// Claims is what a verified token says about its bearer.
type Claims struct {
	Subject   string
	Org       string // organisation slug
	Roles     []Role // validated, de-duplicated, non-empty
	Name      string
	Email     string
	ExpiresAt time.Time
}

// Has reports whether the bearer holds role r.
func (c Claims) Has(r Role) bool { return slices.Contains(c.Roles, r) }

// tokenClaims is the JSON form of a token's payload.
type tokenClaims struct {
	jwt.RegisteredClaims
	Org   string   `json:"org,omitempty"`
	Roles []string `json:"roles,omitempty"`
	Name  string   `json:"name,omitempty"`
	Email string   `json:"email,omitempty"`
}

// Config configures a [Verifier]. At least one of Secret and JWKSURL is required.
type Config struct {
	// Secret is the HS256 shared secret; when set it must be at least
	// MinSecretLen bytes.
	Secret []byte
	// JWKSURL is the identity provider's JWK Set. Its keys verify RS256/384/512,
	// PS256, ES256/384 and EdDSA tokens, selected by the token's "kid". The set
	// is refreshed in the background and, rate-limited, when a token names an
	// unknown kid.
	JWKSURL string
	// Issuer, when set, must equal the token's "iss".
	Issuer string
	// Audience, when set, must be one of the token's "aud" values.
	Audience string
	// Leeway is the clock skew tolerated on exp, nbf and iat.
	Leeway time.Duration
	// HTTPClient is used to fetch the JWKS; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// Verifier verifies bearer tokens. It is safe for concurrent use.
type Verifier struct {
	secret []byte          // nil: HS256 not accepted
	jwks   keyfunc.Keyfunc // nil: asymmetric algorithms not accepted
	algs   []string        // the pinned list of accepted "alg" values
	issuer string
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for cfg. With a JWKSURL it fetches the key
// set before returning (failing if that fails) and keeps it refreshed until
// ctx is done.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if len(cfg.Secret) == 0 && cfg.JWKSURL == "" {
		return nil, errors.New("auth: need a secret or a JWKS URL")
	}
	if len(cfg.Secret) > 0 && len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("auth: secret must be at least %d bytes", MinSecretLen)
	}
	if cfg.Leeway < 0 {
		return nil, errors.New("auth: negative leeway")
	}
	v := &Verifier{issuer: cfg.Issuer}
	if len(cfg.Secret) > 0 {
		v.secret = slices.Clone(cfg.Secret)
		v.algs = append(v.algs, algHS256)
	}
	if cfg.JWKSURL != "" {
		kf, err := newJWKSKeyfunc(ctx, cfg)
		if err != nil {
			return nil, err
		}
		v.jwks = kf
		v.algs = append(v.algs, jwksAlgs...)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(v.algs),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// newJWKSKeyfunc fetches the JWKS at cfg.JWKSURL and returns a keyfunc over
// it that refreshes it until ctx is done.
func newJWKSKeyfunc(ctx context.Context, cfg Config) (keyfunc.Keyfunc, error) {
	// The refresh goroutine starts before the first fetch; stop it if that fails.
	ctx, cancel := context.WithCancel(ctx)
	failFirst := false
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:                    cfg.HTTPClient,
		HTTPTimeout:               jwksHTTPTimeout,
		NoErrorReturnFirstHTTPReq: &failFirst,
		RefreshInterval:           jwksRefreshInterval,
		RefreshUnknownKID:         rate.NewLimiter(rate.Every(jwksUnknownKIDEvery), 1),
		// Also bounds the refresh itself; a request never waits for the limiter
		// longer than this, it fails at once instead.
		RateLimitWaitMax: jwksHTTPTimeout,
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("auth: fetch JWKS: %w", err)
	}
	context.AfterFunc(ctx, cancel) // keep refreshing until the parent ctx is done
	return kf, nil
}

// Verify checks token's signature against the pinned algorithm list (HS256
// with the secret only, asymmetric algorithms with JWKS keys only), its exp
// (required), nbf, iat, iss and aud, and the Rapport claims: sub and org
// non-empty, roles non-empty and all known. Every error wraps
// [ErrInvalidToken] and has a short message that is safe to show to clients.
func (v *Verifier) Verify(token string) (*Claims, error) {
	if len(token) > MaxTokenBytes {
		return nil, invalid("token too large", nil)
	}
	var tc tokenClaims
	tok, err := v.parser.ParseWithClaims(token, &tc, v.key)
	if err != nil {
		return nil, invalid(v.reason(tok, &tc, err), err)
	}
	if err := numericTimes(tok); err != nil {
		return nil, invalid(err.Error(), err)
	}
	roles, err := checkClaims(tc.Subject, tc.Org, tc.Roles)
	if err == nil {
		err = checkProfile(tc.Name, tc.Email)
	}
	if err != nil {
		return nil, invalid(err.Error(), err)
	}
	return &Claims{
		Subject:   tc.Subject,
		Org:       tc.Org,
		Roles:     roles,
		Name:      tc.Name,
		Email:     tc.Email,
		ExpiresAt: tc.ExpiresAt.Time,
	}, nil
}

var (
	errAlgNotAllowed = errors.New("signing algorithm not allowed")
	errKeyMismatch   = errors.New("signing key does not fit the algorithm")
)

// key is the jwt.Keyfunc. It picks the key by the token's alg (already
// checked against v.algs by the parser): the secret for HS256, otherwise a
// JWKS key, which must be of the algorithm's type. A JWKS key is thus never
// used as an HMAC secret, nor the secret for an asymmetric algorithm.
func (v *Verifier) key(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if alg == algHS256 {
		if v.secret == nil {
			return nil, errAlgNotAllowed
		}
		return v.secret, nil
	}
	if v.jwks == nil || !slices.Contains(jwksAlgs, alg) {
		return nil, errAlgNotAllowed
	}
	key, err := v.jwks.Keyfunc(t)
	if err != nil {
		return nil, err
	}
	if set, ok := key.(jwt.VerificationKeySet); ok { // token without kid
		set.Keys = slices.DeleteFunc(set.Keys, func(k jwt.VerificationKey) bool { return !keyFits(alg, k) })
		return set, nil
	}
	if !keyFits(alg, key) {
		return nil, errKeyMismatch
	}
	return key, nil
}

// keyFits reports whether key is a public key usable with the asymmetric alg.
func keyFits(alg string, key any) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		curve := k.Curve.Params().Name
		return alg == "ES256" && curve == "P-256" || alg == "ES384" && curve == "P-384"
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// reason turns a parse error into a short message for the client.
func (v *Verifier) reason(tok *jwt.Token, tc *tokenClaims, err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "token malformed"
	case tok != nil && !slices.Contains(v.algs, headerAlg(tok)), errors.Is(err, errAlgNotAllowed):
		return "signing algorithm not allowed"
	case errors.Is(err, jwkset.ErrKeyNotFound):
		return "unknown signing key"
	case errors.Is(err, jwt.ErrTokenUnverifiable): // key of the wrong type or alg, refresh rate-limited, ...
		return "no usable signing key"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "signature invalid"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token issued in the future"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing) && tc.ExpiresAt == nil:
		return "missing exp claim"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), v.issuer != "" && tc.Issuer == "":
		return "invalid issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience), errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "invalid audience"
	}
	return ErrInvalidToken.Error()
}

func headerAlg(t *jwt.Token) string {
	alg, _ := t.Header["alg"].(string)
	return alg
}

// Bounds on what a token may carry; anything beyond them is refused before
// any other processing.
const (
	MaxTokenBytes = 8 << 10 // the whole token
	maxSubject    = 255     // characters of sub
	maxOrg        = 64      // characters of org
	maxName       = 100     // characters of name (User.name holds 100)
	maxEmail      = 254     // characters of email
	maxRoles      = 2 * 11  // entries of roles (duplicates are dropped later)
)

// checkClaims validates the Rapport-specific claims and returns the roles.
func checkClaims(sub, org string, roles []string) ([]Role, error) {
	switch {
	case strings.TrimSpace(sub) == "":
		return nil, errors.New("missing sub claim")
	case strings.TrimSpace(org) == "":
		return nil, errors.New("missing org claim")
	case len(roles) == 0:
		return nil, errors.New("missing roles claim")
	case len(roles) > maxRoles:
		return nil, errors.New("too many roles")
	}
	if err := plainText("sub", sub, maxSubject); err != nil {
		return nil, err
	}
	if err := plainText("org", org, maxOrg); err != nil {
		return nil, err
	}
	return parseRoleList(roles)
}

// checkProfile validates the optional name and email claims.
func checkProfile(name, email string) error {
	if err := plainText("name", name, maxName); err != nil {
		return err
	}
	return plainText("email", email, maxEmail)
}

// plainText refuses a claim longer than max characters, or holding invalid
// UTF-8 or a control character (NUL, escape, line breaks…). The length is
// checked on bytes first, so a huge claim costs nothing more.
func plainText(claim, s string, max int) error {
	if len(s) > 4*max || utf8.RuneCountInString(s) > max {
		return fmt.Errorf("%s claim longer than %d characters", claim, max)
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return fmt.Errorf("%s claim holds a control character or invalid text", claim)
	}
	return nil
}

// numericTimes refuses a token whose exp, nbf or iat is not a JSON number
// (the JWT library also takes a string holding digits).
func numericTimes(tok *jwt.Token) error {
	parts := strings.Split(tok.Raw, ".")
	if len(parts) != 3 {
		return errors.New("token malformed")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return errors.New("token malformed")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return errors.New("token malformed")
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		if v, ok := raw[name]; ok && (len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9')) {
			return fmt.Errorf("%s claim must be a number", name)
		}
	}
	return nil
}

// tokenError is a token rejection: a client-safe message that wraps
// ErrInvalidToken and, for errors.Is/As and logging, the underlying cause.
type tokenError struct {
	msg   string
	cause error
}

func invalid(msg string, cause error) error { return &tokenError{msg: msg, cause: cause} }

func (e *tokenError) Error() string { return e.msg }

func (e *tokenError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrInvalidToken}
	}
	return []error{ErrInvalidToken, e.cause}
}

// BearerToken extracts the token from an Authorization header value of the
// form "Bearer <token>" (scheme case-insensitive). An empty header yields
// [ErrNoToken]; any other malformed value an error wrapping [ErrInvalidToken].
func BearerToken(header string) (string, error) {
	f := strings.Fields(header)
	switch {
	case len(f) == 0:
		return "", ErrNoToken
	case !strings.EqualFold(f[0], "Bearer"):
		return "", invalid("authorization scheme must be Bearer", nil)
	case len(f) == 1:
		return "", invalid("empty bearer token", nil)
	case len(f) > 2:
		return "", invalid("malformed bearer token", nil)
	}
	return f[1], nil
}

// Issue signs an HS256 token for c, valid from now for ttl: it sets iat and
// nbf to now and exp to now+ttl (c.ExpiresAt is ignored), and iss and aud when
// non-empty. c must pass the checks Verify makes (sub, org, known roles).
func Issue(secret []byte, c Claims, issuer, audience string, now time.Time, ttl time.Duration) (string, error) {
	if len(secret) < MinSecretLen {
		return "", fmt.Errorf("auth: secret must be at least %d bytes", MinSecretLen)
	}
	if ttl <= 0 {
		return "", errors.New("auth: ttl must be positive")
	}
	checked, err := checkClaims(c.Subject, c.Org, RoleNames(c.Roles))
	if err == nil {
		err = checkProfile(c.Name, c.Email)
	}
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	tc := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   c.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Org:   c.Org,
		Name:  c.Name,
		Email: c.Email,
	}
	tc.Roles = RoleNames(checked)
	if audience != "" {
		tc.Audience = jwt.ClaimStrings{audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, tc).SignedString(secret)
}
