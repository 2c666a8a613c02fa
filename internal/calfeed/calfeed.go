// Package calfeed serves a user's agenda as an iCalendar feed that a
// calendar app subscribes to without a bearer token: the URL carries an
// unguessable token, an HMAC over the user and their token version with a
// secret kept in the database (so every instance signs and checks alike).
// Rotating bumps the version, which revokes every earlier URL.
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

// Path is where the agenda feeds are served: Path + token + ".ics".
const Path = "/calendar/agenda/"

// feedDays is how far ahead a feed reaches (overdue items come first).
const feedDays = followup.MaxAgendaDays

// token is the user's current feed token.
func token(ctx context.Context, c *ent.Client, u *ent.User) (string, error) {
	secret, err := store.Secret(ctx, c, store.SettingCalendarSecret)
	if err != nil {
		return "", err
	}
	return string(u.ID) + "." + mac(secret, u), nil
}

func mac(secret []byte, u *ent.User) string {
	h := hmac.New(sha256.New, secret)
	fmt.Fprintf(h, "agenda|%s|%s|%d", u.OrganizationID, u.ID, u.CalendarTokenVersion)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// url is the feed's absolute URL, under the base the request came in by.
func url(ctx context.Context, tok string) string {
	return strings.TrimRight(Base(ctx), "/") + Path + tok + ".ics"
}

// URLOf returns u's agenda feed URL when the viewer is u, and nil for
// anyone else: the URL is a credential, shown to its owner only.
func URLOf(ctx context.Context, c *ent.Client, u *ent.User) (*string, error) {
	if v := viewer.FromContext(ctx); v == nil || v.UserID != u.ID {
		return nil, nil
	}
	tok, err := token(ctx, c, u)
	if err != nil {
		return nil, err
	}
	feed := url(ctx, tok)
	return &feed, nil
}

// Rotate revokes the viewer's feed URLs and returns the new one. The
// version is a column the system keeps: no edit of the user, no audit.
func Rotate(ctx context.Context, c *ent.Client) (string, error) {
	v := viewer.FromContext(ctx)
	if v == nil || v.UserID == "" {
		return "", errors.New("calfeed: no user")
	}
	sys := viewer.NewContext(ctx, viewer.NewSystem(v.OrgID, v.Location))
	u, err := c.User.UpdateOneID(v.UserID).AddCalendarTokenVersion(1).Save(sys)
	if err != nil {
		return "", err
	}
	tok, err := token(ctx, c, u)
	return url(ctx, tok), err
}

var errBadToken = errors.New("no such feed")

// verify returns the user a token belongs to, if it is current.
func verify(ctx context.Context, c *ent.Client, token string) (*ent.User, error) {
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
	if !hmac.Equal([]byte(sig), []byte(mac(secret, u))) {
		return nil, errBadToken
	}
	return u, nil
}

// Handler serves the feeds: the user's agenda from today, overdue items on
// today, as all-day events on their due day in the organisation's time
// zone, each kind and account one event with a stable UID. An unchanged
// feed answers 304 to If-None-Match.
func Handler(c *ent.Client, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, Path), ".ics")
		u, err := verify(r.Context(), c, tok)
		if errors.Is(err, errBadToken) {
			http.Error(w, "no such calendar", http.StatusNotFound)
			return
		}
		if err != nil {
			log.ErrorContext(r.Context(), "calendar feed", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		body, err := feed(r.Context(), c, u)
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
		h.Set("Content-Disposition", `inline; filename="agenda.ics"`)
		_, _ = w.Write(body)
	})
}

// feed renders u's agenda as their current roles see it.
func feed(ctx context.Context, c *ent.Client, u *ent.User) ([]byte, error) {
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	org, err := c.Organization.Get(sys, u.OrganizationID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(org.Timezone)
	if err != nil {
		return nil, err
	}
	as := viewer.NewContext(ctx, &viewer.Viewer{UserID: u.ID, OrgID: u.OrganizationID, Roles: auth.KnownRoles(u.Roles), Location: loc})
	now := time.Now()
	days, err := followup.Agenda(as, c, now, now.AddDate(0, 0, feedDays-1), nil)
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
// or else the scheme and host the request names.
func BaseOf(r *http.Request, configured string) string {
	if configured != "" {
		return configured
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
