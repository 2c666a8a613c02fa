// Package viewer carries the authenticated user of a request through its
// context. The ent privacy policies read it to decide what a query may see
// and what a mutation may change.
package viewer

import (
	"context"
	"slices"
	"time"

	"rapport/internal/auth"
	"rapport/internal/authz"
	"rapport/internal/pulid"
)

// Viewer is the user a request acts for.
type Viewer struct {
	UserID pulid.ID
	OrgID  pulid.ID
	Roles  []auth.Role // from the token, never from the database
	// Location is the organisation's time zone, loaded per request: business
	// days (due dates, calendars) are computed in it.
	Location *time.Location
	// System marks the organisation's system viewer: the server itself,
	// writing the columns it maintains (due dates, last contact, counts).
	// It has no user, holds every capability and stays inside its
	// organisation like any viewer.
	System bool
}

// NewSystem returns the system viewer of an organisation.
func NewSystem(org pulid.ID, loc *time.Location) *Viewer {
	return &Viewer{OrgID: org, Location: loc, System: true}
}

// User is the viewer's user, or nil for none (the system viewer): what
// "who did it" columns (actor, logged by, decided by) record.
func (v *Viewer) User() *pulid.ID {
	if v == nil || v.UserID == "" {
		return nil
	}
	id := v.UserID
	return &id
}

// IsSystem reports whether v is a system viewer.
func (v *Viewer) IsSystem() bool { return v != nil && v.System }

// Has reports whether the viewer holds any of the given roles.
func (v *Viewer) Has(roles ...auth.Role) bool {
	if v == nil {
		return false
	}
	for _, r := range roles {
		if slices.Contains(v.Roles, r) {
			return true
		}
	}
	return false
}

// Can reports whether one of the viewer's roles allows c (internal/authz).
func (v *Viewer) Can(c authz.Capability) bool {
	return v != nil && (v.System || authz.Can(v.Roles, c))
}

type ctxKey struct{}

// NewContext returns a copy of ctx that carries v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer of ctx, or nil when there is none.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(ctxKey{}).(*Viewer)
	return v
}

// SystemOf returns ctx with its viewer's organisation's system viewer (in
// the same time zone) in place of the viewer: for the writes and reads a
// user's action causes on rows the user may not touch themselves.
func SystemOf(ctx context.Context) context.Context {
	v := FromContext(ctx)
	if v == nil {
		return ctx
	}
	return NewContext(ctx, NewSystem(v.OrgID, v.Location))
}
