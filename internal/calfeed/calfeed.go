// Package calfeed serves a user's agenda and culture calendar as iCalendar
// feeds that a calendar app subscribes to without a bearer token: the URL
// carries an unguessable token, an HMAC over the feed, the user and their
// token version with a secret kept in the database (so every instance
// signs and checks alike). Rotating bumps the version, which revokes every
// earlier URL of the user's feeds.
package calfeed

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"rapport/ent"
	"rapport/ent/privacy"
	"rapport/internal/auth"
	"rapport/internal/followup"
	"rapport/internal/ical"
	"rapport/internal/pulid"
	"rapport/internal/store"
	"rapport/internal/viewer"
)

// Path is where the agenda feeds are served: Path + token + ".ics";
// CulturePath the culture calendars: CulturePath + token + ".ics",
// optionally ?campaign=ID or ?department=ID for one campaign's or one
// department's activities.
const (
	Path        = "/calendar/agenda/"
	CulturePath = "/calendar/culture/"
)

// A feed is one of a user's calendars.
type feedKind string

const (
	agendaFeed  feedKind = "agenda"
	cultureFeed feedKind = "culture"
)

func (k feedKind) path() string {
	if k == cultureFeed {
		return CulturePath
	}
	return Path
}

// feedDays is how far ahead a feed reaches (overdue items come first).
const feedDays = followup.MaxAgendaDays

// token is the user's current token for a feed of kind k.
func token(ctx context.Context, c *ent.Client, u *ent.User, k feedKind) (string, error) {
	secret, err := store.Secret(ctx, c, store.SettingCalendarSecret)
	if err != nil {
		return "", err
	}
	return string(u.ID) + "." + mac(secret, u, k), nil
}

func mac(secret []byte, u *ent.User, k feedKind) string {
	h := hmac.New(sha256.New, secret)
	fmt.Fprintf(h, "%s|%s|%s|%d", k, u.OrganizationID, u.ID, u.CalendarTokenVersion)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// url is the feed's absolute URL, under the base the request came in by.
func url(ctx context.Context, tok string, k feedKind) string {
	return strings.TrimRight(Base(ctx), "/") + k.path() + tok + ".ics"
}

// URLOf returns u's agenda feed URL when the viewer is u, and nil for
// anyone else: the URL is a credential, shown to its owner only.
func URLOf(ctx context.Context, c *ent.Client, u *ent.User) (*string, error) {
	return urlOf(ctx, c, u, agendaFeed)
}

// CultureURLOf returns u's culture calendar URL, to u only.
func CultureURLOf(ctx context.Context, c *ent.Client, u *ent.User) (*string, error) {
	return urlOf(ctx, c, u, cultureFeed)
}

func urlOf(ctx context.Context, c *ent.Client, u *ent.User, k feedKind) (*string, error) {
	if v := viewer.FromContext(ctx); v == nil || v.UserID != u.ID {
		return nil, nil
	}
	tok, err := token(ctx, c, u, k)
	if err != nil {
		return nil, err
	}
	feed := url(ctx, tok, k)
	return &feed, nil
}

// Rotate revokes the viewer's feed URLs and returns the new one. The
// version is a column the system keeps: no edit of the user, no audit.
func Rotate(ctx context.Context, c *ent.Client) (string, error) {
	v := viewer.FromContext(ctx)
	if v == nil || v.UserID == "" {
		return "", errors.New("calfeed: no user")
	}
	sys := viewer.SystemOf(ctx)
	u, err := c.User.UpdateOneID(v.UserID).AddCalendarTokenVersion(1).Save(sys)
	if err != nil {
		return "", err
	}
	tok, err := token(ctx, c, u, agendaFeed)
	return url(ctx, tok, agendaFeed), err
}

var errBadToken = errors.New("no such feed")

// verify returns the user a token of a feed of kind k belongs to, if it is current.
func verify(ctx context.Context, c *ent.Client, token string, k feedKind) (*ent.User, error) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 200 || !pulid.ID(id).Valid() {
		return nil, errBadToken
	}
	u, err := c.User.Get(privacy.DecisionContext(ctx, privacy.Allow), pulid.ID(id))
	if ent.IsNotFound(err) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	secret, err := store.Secret(ctx, c, store.SettingCalendarSecret)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, u, k))) {
		return nil, errBadToken
	}
	if time.Since(u.LastSeenAt) > IdleFeed {
		return nil, errBadToken // until they sign in again
	}
	return u, nil
}

// IdleFeed is how long a user's feeds are served after they last signed in:
// calendar applications poll them without signing in, so a user who left
// (whom the identity provider no longer signs in) loses them after this.
// A user who loses a role gets new feed URLs at their next request.
const IdleFeed = 60 * 24 * time.Hour

// Handler serves the agenda feeds: the user's agenda from today, overdue
// items on today, as all-day events on their due day in the organisation's
// time zone, each kind and account one event with a stable UID. An
// unchanged feed answers 304 to If-None-Match.
// The feed's user, once verified, is charged to the rate limits by
// limited (which reads the viewer of the request's context).
func Handler(c *ent.Client, log *slog.Logger, limited func(http.Handler) http.Handler) http.Handler {
	return serve(c, log, agendaFeed, limited, func(ctx context.Context, u *ent.User, _ *http.Request) ([]byte, error) {
		return feed(ctx, c, u)
	})
}

// CultureHandler serves the culture calendars (see cultureFeedOf), charged
// to the rate limits as Handler's.
func CultureHandler(c *ent.Client, log *slog.Logger, limited func(http.Handler) http.Handler) http.Handler {
	return serve(c, log, cultureFeed, limited, func(ctx context.Context, u *ent.User, r *http.Request) ([]byte, error) {
		return cultureFeedOf(ctx, c, u, r.URL.Query().Get("campaign"), r.URL.Query().Get("department"))
	})
}

func serve(c *ent.Client, log *slog.Logger, k feedKind, limited func(http.Handler) http.Handler, render func(context.Context, *ent.User, *http.Request) ([]byte, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, k.path()), ".ics")
		u, err := verify(r.Context(), c, tok, k)
		if errors.Is(err, errBadToken) {
			http.Error(w, "no such calendar", http.StatusNotFound)
			return
		}
		if err != nil {
			log.ErrorContext(r.Context(), "calendar feed", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		// The limits see who the feed is for; the feed renders as before.
		answer := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { write(w, r, log, k, u, render) })
		limited(answer).ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), &viewer.Viewer{UserID: u.ID, OrgID: u.OrganizationID})))
	})
}

// write renders u's feed and answers it (304 when the client has it).
func write(w http.ResponseWriter, r *http.Request, log *slog.Logger, k feedKind, u *ent.User, render func(context.Context, *ent.User, *http.Request) ([]byte, error)) {
	body, err := render(r.Context(), u, r)
	if errors.Is(err, errBadToken) {
		http.Error(w, "no such calendar", http.StatusNotFound)
		return
	}
	if err != nil {
		log.ErrorContext(r.Context(), "calendar feed", "err", err, "user", u.ID)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.ics"`, k))
	_, _ = w.Write(body)
}

// as is the context of u's requests: their organisation, its time zone,
// and the roles of their latest signed request (never more).
func as(ctx context.Context, c *ent.Client, u *ent.User) (context.Context, *ent.Organization, *time.Location, error) {
	org, err := c.Organization.Get(privacy.DecisionContext(ctx, privacy.Allow), u.OrganizationID)
	if err != nil {
		return nil, nil, nil, err
	}
	loc, err := time.LoadLocation(org.Timezone)
	if err != nil {
		return nil, nil, nil, err
	}
	v := &viewer.Viewer{UserID: u.ID, OrgID: u.OrganizationID, Roles: auth.KnownRoles(u.Roles), Location: loc}
	return viewer.NewContext(ctx, v), org, loc, nil
}

// feed renders u's agenda as their current roles see it.
func feed(ctx context.Context, c *ent.Client, u *ent.User) ([]byte, error) {
	asUser, org, loc, err := as(ctx, c, u)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	days, err := followup.Agenda(asUser, c, now, now.AddDate(0, 0, feedDays-1), nil)
	if err != nil {
		return nil, err
	}
	cal := ical.Calendar{ProdID: "-//Rapport//Agenda//ZH", Name: "Rapport · " + u.Name, Stamp: stamp(days)}
	for _, d := range days {
		for _, it := range d.Items {
			kind, zh := "call", "电话"
			if it.Kind == followup.Visit {
				kind, zh = "visit", "拜访"
			}
			day := d.Day.In(loc)
			desc := fmt.Sprintf("%s %s, tier %s. Due %s.", zh, it.Account.Name, it.Account.Tier, it.DueAt.In(loc).Format(time.DateOnly))
			summary := fmt.Sprintf("%s %s", zh, it.Account.Name)
			if it.Overdue {
				summary = "逾期 " + summary
				desc += " Overdue."
			}
			cal.Events = append(cal.Events, ical.Event{
				UID:         fmt.Sprintf("%s-%s@%s.rapport", kind, it.Account.ID, org.Slug),
				Day:         time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC),
				Summary:     summary,
				Description: desc,
				Categories:  []string{strings.ToUpper(kind), "TIER " + string(it.Account.Tier)},
			})
		}
	}
	return cal.Encode(), nil
}

// stamp is the feed's DTSTAMP: the start of its first day, so an unchanged
// agenda gives the same bytes (and ETag) all day.
func stamp(days []*followup.AgendaDay) time.Time {
	if len(days) == 0 {
		return time.Time{}
	}
	return days[0].Day
}

type baseKey struct{}

// WithBase records the public base URL (scheme://host) under which the
// request reached the server, for the feed URLs shown to the user.
func WithBase(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseKey{}, base)
}

// Base is the public base URL recorded by WithBase.
func Base(ctx context.Context) string {
	b, _ := ctx.Value(baseKey{}).(string)
	return b
}

// BaseOf is the base URL a request was made to: the configured public URL,
// or else the scheme and host the request names, as a reverse proxy
// forwards them (X-Forwarded-Proto, X-Forwarded-Host; only the URL shown
// back to the same client is built from them).
func BaseOf(r *http.Request, configured string) string {
	if configured != "" {
		return configured
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(firstOf(r.Header.Get("X-Forwarded-Proto")), "https") {
		scheme = "https"
	}
	host := r.Host
	if fh := firstOf(r.Header.Get("X-Forwarded-Host")); validHost(fh) {
		host = fh
	}
	return scheme + "://" + host
}

// firstOf is the first of a proxy header's comma-separated values.
func firstOf(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// validHost accepts a host[:port] of letters, digits, dots, dashes and
// brackets (IPv6), nothing that could break out of a URL.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return false
		}
	}
	return true
}
