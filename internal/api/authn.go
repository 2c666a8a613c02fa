package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"rapport/ent"
	"rapport/ent/organization"
	"rapport/ent/privacy"
	"rapport/ent/user"
	"rapport/internal/apierr"
	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/store"
	"rapport/internal/validate"
	"rapport/internal/viewer"
)

// authenticate admits a request only with a valid bearer token for an
// existing organisation, provisions the token's user on first sight, and
// puts the viewer in the request context. Anything else is answered with
// HTTP 401 and a GraphQL error coded UNAUTHENTICATED; nothing is executed.
func authenticate(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		claims, err := cfg.claims(r)
		if err != nil {
			unauthenticated(w, err.Error())
			return
		}
		v, err := within(r.Context(), authTimeout, func(ctx context.Context) (*viewer.Viewer, error) {
			return provision(ctx, cfg.Client, cfg.auth, claims, time.Now())
		})
		if err != nil {
			if e, ok := apierr.As(err); ok && e.Code == apierr.Unauthenticated {
				unauthenticated(w, e.Message)
				return
			}
			id := audit.RequestID(r.Context())
			if r.Context().Err() != nil { // the client hung up: nobody to answer
				cfg.Logger.DebugContext(r.Context(), "request cancelled while authenticating", "err", err, "request_id", id)
				return
			}
			if store.Unavailable(err) || store.TimedOut(err) {
				cfg.throttle.Error(r.Context(), cfg.Logger, "database unavailable", "database unavailable while authenticating", "err", err, "request_id", id)
				writeUnavailable(w, reasonUnavailable, fmt.Sprintf("the database is unavailable; retry in %d seconds (request %s)", retryAfterSeconds, id))
				return
			}
			cfg.Logger.ErrorContext(r.Context(), "provisioning user", "err", err, "org", claims.Org, "sub", claims.Subject, "request_id", id)
			writeError(w, http.StatusInternalServerError, apierr.Internal, fmt.Sprintf("internal error (request %s)", id))
			return
		}
		if info := requestInfoFrom(r.Context()); info != nil {
			info.org, info.subject = claims.Org, claims.Subject
		}
		next.ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), v)))
	})
}

func unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="rapport"`)
	writeError(w, http.StatusUnauthorized, apierr.Unauthenticated, "unauthenticated: "+msg)
}

// writeError answers a request that never reached GraphQL execution with a
// GraphQL error response.
func writeError(w http.ResponseWriter, status int, code apierr.Code, msg string) {
	writeErrorReason(w, status, code, "", msg)
}

// writeErrorReason is writeError with an extensions.reason.
func writeErrorReason(w http.ResponseWriter, status int, code apierr.Code, reason, msg string) {
	ext := map[string]any{"code": string(code)}
	if reason != "" {
		ext["reason"] = reason
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"message": msg, "extensions": ext}},
	})
}

// seenEvery is how stale a user's last_seen_at may get before a request
// refreshes it, so that ordinary requests do not write.
const seenEvery = time.Hour

// claims are those of a request's bearer token, checked (its signature,
// claims and expiry: no database work).
func (cfg Config) claims(r *http.Request) (*auth.Claims, error) {
	token, err := auth.BearerToken(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	return cfg.Verifier.Verify(token)
}

// provision returns the viewer for verified claims: it looks up the
// organisation, creates the user on first sight and keeps the copy of the
// token's name, e-mail and roles current. It runs as system code. What it
// read stays in cache for its TTL (see authcache.go).
func provision(ctx context.Context, client *ent.Client, cache *authCache, c *auth.Claims, now time.Time) (*viewer.Viewer, error) {
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	org, hit := cache.orgs.get(c.Org, now)
	if !hit {
		o, err := client.Organization.Query().Where(organization.Slug(c.Org)).Only(sys)
		if ent.IsNotFound(err) {
			return nil, apierr.Newf(apierr.Unauthenticated, "unknown organisation %q", c.Org)
		}
		if err != nil {
			return nil, err
		}
		loc, err := time.LoadLocation(o.Timezone)
		if err != nil {
			return nil, err
		}
		org = cachedOrg{id: o.ID, loc: loc}
		cache.orgs.put(c.Org, org, now.Add(cache.ttl))
	}
	roles := auth.RoleNames(c.Roles)
	name, email := strings.TrimSpace(c.Name), c.Email
	if validate.Email(email) != nil {
		email = ""
	}
	key := userKey{org: org.id, subject: c.Subject}
	u, hit := cache.users.get(key, now)
	if !hit {
		eu, _, err := store.FirstOrCreate(
			func() (*ent.User, error) {
				return client.User.Query().Where(user.OrganizationID(org.id), user.Subject(c.Subject)).Only(sys)
			},
			func() (*ent.User, error) {
				return client.User.Create().
					SetOrganizationID(org.id).SetSubject(c.Subject).
					SetName(name).SetEmail(email).SetRoles(roles).SetLastSeenAt(now.UTC()).
					Save(sys)
			})
		if err != nil {
			return nil, err
		}
		u = userOf(eu)
	}
	if !slices.Equal(u.roles, roles) || (name != "" && u.name != name) || (email != "" && u.email != email) || now.Sub(u.lastSeen) > seenEvery {
		// A role lost ends the calendar feeds handed out under it, once:
		// decided on the stored roles (this instance's copy may be stale),
		// and written only if no other instance bumped the version meanwhile.
		var bumpFrom *int
		if !slices.Equal(u.roles, roles) {
			stored, err := client.User.Get(sys, u.id)
			if err != nil {
				return nil, err
			}
			if slices.ContainsFunc(stored.Roles, func(r string) bool { return !slices.Contains(roles, r) }) {
				bumpFrom = &stored.CalendarTokenVersion
			}
		}
		save := func(bumpFrom *int) (*ent.User, error) {
			upd := client.User.UpdateOneID(u.id).SetRoles(roles).SetLastSeenAt(now.UTC())
			if bumpFrom != nil {
				upd.Where(user.CalendarTokenVersion(*bumpFrom)).AddCalendarTokenVersion(1)
			}
			if name != "" {
				upd.SetName(name)
			}
			if email != "" {
				upd.SetEmail(email)
			}
			return upd.Save(sys)
		}
		eu, err := save(bumpFrom)
		if ent.IsNotFound(err) && bumpFrom != nil {
			eu, err = save(nil) // another instance recorded the loss (and bumped) meanwhile
		}
		if err != nil {
			return nil, err
		}
		u, hit = userOf(eu), false
	}
	if !hit {
		cache.users.put(key, u, now.Add(cache.ttl))
	}
	return &viewer.Viewer{UserID: u.id, OrgID: org.id, Roles: c.Roles, Location: org.loc}, nil
}

func userOf(u *ent.User) cachedUser {
	return cachedUser{id: u.ID, roles: u.Roles, name: u.Name, email: u.Email, lastSeen: u.LastSeenAt}
}
