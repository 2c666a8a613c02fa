// Package cultureops applies the culture office's rules (package culture)
// to stored campaigns, activities and registrations, inside the caller's
// transaction: life-cycle steps, activities, the calendar, and places at
// an activity, whose capacity the database guards (the activity's row is
// locked while a place is given or freed).
package cultureops

import (
	"context"
	"errors"
	"strings"
	"time"

	"rapport/ent"
	"rapport/ent/activityregistration"
	"rapport/ent/cultureactivity"
	"rapport/ent/culturecampaign"
	"rapport/ent/cultureplan"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/culture"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// Calendar limits.
const (
	MaxCalendarDays  = 366
	MaxCalendarItems = 500
)

// Step applies action to campaign id: the life cycle decides (an action
// the current status does not allow is BAD_USER_INPUT naming the status),
// and the campaign's policy decides who (only an executive approves or
// rejects, never the one who submitted).
func Step(ctx context.Context, c *ent.Client, id pulid.ID, action culture.Action, reason *string) (*ent.CultureCampaign, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	cc, err := c.CultureCampaign.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	d, err := decide(ctx, culture.Status(cc.Status), action, reason)
	if err != nil {
		return nil, err
	}
	return apply(cc.Update().SetStatus(culturecampaign.Status(d.to)), d).Save(ctx)
}

// StepPlan is Step for the year's culture plan.
func StepPlan(ctx context.Context, c *ent.Client, id pulid.ID, action culture.Action, reason *string) (*ent.CulturePlan, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	p, err := c.CulturePlan.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	d, err := decide(ctx, culture.Status(p.Status), action, reason)
	if err != nil {
		return nil, err
	}
	return apply(p.Update().SetStatus(cultureplan.Status(d.to)), d).Save(ctx)
}

// decision is what a step of the life cycle writes besides the status.
type decision struct {
	action culture.Action
	to     culture.Status
	by     *pulid.ID
	at     time.Time
	reason string
}

func decide(ctx context.Context, from culture.Status, action culture.Action, reason *string) (decision, error) {
	to, err := culture.Next(from, action)
	if err != nil {
		return decision{}, apierr.BadInput("id", "%s", err)
	}
	d := decision{action: action, to: to, by: viewer.FromContext(ctx).User(), at: time.Now().UTC()}
	if reason != nil {
		d.reason = strings.TrimSpace(*reason)
	}
	if action == culture.Reject && d.reason == "" {
		return decision{}, apierr.BadInput("reason", "a rejection gives its reason")
	}
	return d, nil
}

// lifeCycleUpdate is the update builder of a plan or a campaign.
type lifeCycleUpdate[U any] interface {
	SetSubmittedByID(pulid.ID) U
	SetApprovedByID(pulid.ID) U
	ClearApprovedByID() U
	SetDecidedAt(time.Time) U
	ClearDecidedAt() U
	SetDecisionReason(string) U
	ClearDecisionReason() U
}

// apply writes d: a (re)submission records who and clears the earlier
// decision; an approval or rejection records who, when and why; a
// cancellation why.
func apply[U lifeCycleUpdate[U]](u U, d decision) U {
	switch d.action {
	case culture.Submit:
		if d.by != nil {
			u = u.SetSubmittedByID(*d.by)
		}
		return u.ClearApprovedByID().ClearDecidedAt().ClearDecisionReason()
	case culture.Approve, culture.Reject:
		if d.by != nil {
			u = u.SetApprovedByID(*d.by)
		}
		u = u.SetDecidedAt(d.at)
	}
	if d.reason != "" && (d.action == culture.Approve || d.action == culture.Reject || d.action == culture.Cancel) {
		u = u.SetDecisionReason(d.reason)
	}
	return u
}

// CreateActivity adds an activity to a campaign that is still running
// (not completed or cancelled). Without an audience of its own it takes
// the campaign's.
func CreateActivity(ctx context.Context, c *ent.Client, input ent.CreateCultureActivityInput) (*ent.CultureActivity, error) {
	cc, err := c.CultureCampaign.Query().Where(culturecampaign.ID(input.CampaignID)).WithAudience().Only(ctx)
	if err != nil {
		return nil, err
	}
	if s := culture.Status(cc.Status); s == culture.Completed || s == culture.Cancelled {
		return nil, apierr.BadInput("campaignID", "the campaign is %s", s)
	}
	if input.EndsAt.Before(input.StartsAt) {
		return nil, apierr.BadInput("endsAt", "endsAt is before startsAt")
	}
	if d := input.RegistrationDeadline; d != nil && d.After(input.EndsAt) {
		return nil, apierr.BadInput("registrationDeadline", "registration closes after the activity ends")
	}
	if input.AudienceAll == nil && len(input.AudienceIDs) == 0 {
		all := cc.AudienceAll
		input.AudienceAll = &all
		for _, d := range cc.Edges.Audience {
			input.AudienceIDs = append(input.AudienceIDs, d.ID)
		}
	}
	if input.AudienceAll == nil {
		no := false
		input.AudienceAll = &no
	}
	return c.CultureActivity.Create().SetInput(input).Save(ctx)
}

// CancelActivity cancels an activity; it stays in the calendar.
func CancelActivity(ctx context.Context, c *ent.Client, id pulid.ID, reason *string) (*ent.CultureActivity, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	a, err := c.CultureActivity.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status == cultureactivity.StatusCANCELLED {
		return nil, apierr.BadInput("id", "the activity is CANCELLED already")
	}
	upd := a.Update().SetStatus(cultureactivity.StatusCANCELLED)
	if reason != nil {
		upd.SetCancelReason(strings.TrimSpace(*reason))
	}
	return upd.Save(ctx)
}

// Register gives the viewer a place at an activity, or one on its
// waitlist when it is full. Registering again returns what they have.
// The activity's row is locked meanwhile, so two registrations never take
// the same last place, whichever instance serves them.
func Register(ctx context.Context, c *ent.Client, activityID pulid.ID, now time.Time) (*ent.ActivityRegistration, error) {
	v := viewer.FromContext(ctx)
	a, err := lockActivity(ctx, c, activityID)
	if err != nil {
		return nil, err
	}
	mine, err := c.ActivityRegistration.Query().
		Where(activityregistration.ActivityID(a.ID), activityregistration.UserID(v.UserID)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if mine != nil && mine.Status != activityregistration.StatusCANCELLED {
		return mine, nil
	}
	if a.Status == cultureactivity.StatusCANCELLED {
		return nil, apierr.BadInput("activityID", "the activity is CANCELLED")
	}
	if !culture.Open(a.RegistrationDeadline, a.StartsAt, now) {
		return nil, apierr.BadInput("activityID", "registration closed at %s", culture.Deadline(a.RegistrationDeadline, a.StartsAt).UTC().Format(time.RFC3339))
	}
	place := culture.Admit(a.Capacity, a.RegisteredCount)
	if mine != nil {
		mine, err = mine.Update().SetStatus(activityregistration.Status(place)).SetQueuedAt(now.UTC()).Save(ctx)
	} else {
		mine, err = c.ActivityRegistration.Create().SetActivityID(a.ID).SetUserID(v.UserID).
			SetStatus(activityregistration.Status(place)).SetQueuedAt(now.UTC()).Save(ctx)
	}
	if err != nil {
		return nil, err
	}
	if culture.Holds(place) {
		err = c.CultureActivity.UpdateOneID(a.ID).AddRegisteredCount(1).Exec(viewer.SystemOf(ctx))
	}
	return mine, err
}

// CancelRegistration withdraws the viewer's registration; a place it
// held goes at once to the first on the waitlist.
func CancelRegistration(ctx context.Context, c *ent.Client, activityID pulid.ID) (*ent.ActivityRegistration, error) {
	v := viewer.FromContext(ctx)
	a, err := lockActivity(ctx, c, activityID)
	if err != nil {
		return nil, err
	}
	mine, err := c.ActivityRegistration.Query().
		Where(activityregistration.ActivityID(a.ID), activityregistration.UserID(v.UserID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apierr.NotFoundf("no registration of yours for activity %q", activityID)
	}
	if err != nil {
		return nil, err
	}
	switch mine.Status {
	case activityregistration.StatusCANCELLED:
		return mine, nil
	case activityregistration.StatusATTENDED:
		return nil, apierr.BadInput("activityID", "you attended it already")
	}
	held := culture.Holds(culture.Place(mine.Status))
	if mine, err = mine.Update().SetStatus(activityregistration.StatusCANCELLED).Save(ctx); err != nil {
		return nil, err
	}
	if !held {
		return mine, nil
	}
	taken := a.RegisteredCount - 1
	sys := viewer.SystemOf(ctx)
	var promote []pulid.ID
	if free := culture.Promotions(a.Capacity, taken, MaxPromotions); free > 0 {
		promote, err = c.ActivityRegistration.Query().
			Where(activityregistration.ActivityID(a.ID), activityregistration.StatusEQ(activityregistration.StatusWAITLISTED)).
			Order(ent.Asc(activityregistration.FieldQueuedAt), ent.Asc(activityregistration.FieldID)).
			Limit(free).IDs(sys)
		if err != nil {
			return nil, err
		}
	}
	for _, id := range promote { // one freed place: one row, the first in the queue
		if err := c.ActivityRegistration.UpdateOneID(id).SetStatus(activityregistration.StatusREGISTERED).Exec(sys); err != nil {
			return nil, err
		}
	}
	return mine, c.CultureActivity.UpdateOneID(a.ID).AddRegisteredCount(len(promote) - 1).Exec(sys)
}

// MaxPromotions bounds the waitlist moved up at once.
const MaxPromotions = 100

// lockActivity locks an activity the viewer may see and reads it.
func lockActivity(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.CultureActivity, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	a, err := c.CultureActivity.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apierr.NotFoundf("activity %q not found", id)
	}
	return a, err
}

// Calendar is the activities the viewer may see overlapping [from, to),
// earliest first, with whatever prepare loads with them (the API: the
// viewer's registrations, WithViewerRegistrations, and what the client
// selected): a fixed number of statements, whatever the number of
// activities.
func Calendar(ctx context.Context, c *ent.Client, from, to time.Time, prepare func(*ent.CultureActivityQuery) (*ent.CultureActivityQuery, error)) ([]*ent.CultureActivity, error) {
	if !to.After(from) {
		return nil, apierr.BadInput("to", "to is not after from")
	}
	if to.Sub(from) > MaxCalendarDays*24*time.Hour {
		return nil, apierr.BadInput("to", "a calendar spans at most %d days", MaxCalendarDays)
	}
	q := c.CultureActivity.Query().
		Where(cultureactivity.StartsAtLT(to.UTC()), cultureactivity.EndsAtGT(from.UTC())).
		Order(ent.Asc(cultureactivity.FieldStartsAt), ent.Asc(cultureactivity.FieldID)).
		Limit(MaxCalendarItems)
	if prepare != nil {
		var err error
		if q, err = prepare(q); err != nil {
			return nil, err
		}
	}
	return q.All(ctx)
}

// ViewerRegistrations names the eager-loaded registrations of the viewer.
const ViewerRegistrations = "viewer"

// WithViewerRegistrations loads, with the activities of q, the viewer's
// registrations for them, which ViewerRegistration then reads.
func WithViewerRegistrations(ctx context.Context, q *ent.CultureActivityQuery) *ent.CultureActivityQuery {
	v := viewer.FromContext(ctx)
	return q.WithNamedRegistrations(ViewerRegistrations, func(rq *ent.ActivityRegistrationQuery) {
		rq.Where(activityregistration.UserID(v.UserID))
	})
}

// ViewerRegistration is the viewer's registration for a, from what
// Calendar loaded, else read.
func ViewerRegistration(ctx context.Context, a *ent.CultureActivity) (*ent.ActivityRegistration, error) {
	regs, err := a.NamedRegistrations(ViewerRegistrations)
	if err != nil {
		var nl *ent.NotLoadedError
		if !errors.As(err, &nl) {
			return nil, err
		}
		r, err := a.QueryRegistrations().Where(activityregistration.UserID(viewer.FromContext(ctx).UserID)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return r, err
	}
	if len(regs) == 0 {
		return nil, nil
	}
	return regs[0], nil
}

// MaxAttendance bounds the people one attendance record names.
const MaxAttendance = 500

// RecordAttendance marks who attended an activity that has begun (the
// culture office): their registration becomes ATTENDED, or a walk-in's is
// created so; with attended false, ATTENDED goes back to REGISTERED. Each
// user must be of the organisation.
func RecordAttendance(ctx context.Context, c *ent.Client, activityID pulid.ID, userIDs []pulid.ID, attended bool, now time.Time) ([]*ent.ActivityRegistration, error) {
	if !viewer.FromContext(ctx).Can(authz.ManageCulture) {
		return nil, apierr.Forbiddenf("only the culture office records attendance")
	}
	if len(userIDs) > MaxAttendance {
		return nil, apierr.BadInput("userIDs", "at most %d people at a time", MaxAttendance)
	}
	a, err := lockActivity(ctx, c, activityID)
	if err != nil {
		return nil, err
	}
	if now.Before(a.StartsAt) {
		return nil, apierr.BadInput("activityID", "the activity has not begun")
	}
	if a.Status == cultureactivity.StatusCANCELLED {
		return nil, apierr.BadInput("activityID", "the activity is CANCELLED")
	}
	regs, err := c.ActivityRegistration.Query().
		Where(activityregistration.ActivityID(a.ID), activityregistration.UserIDIn(userIDs...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byUser := map[pulid.ID]*ent.ActivityRegistration{}
	for _, r := range regs {
		byUser[r.UserID] = r
	}
	delta := 0
	out := make([]*ent.ActivityRegistration, 0, len(userIDs))
	seen := map[pulid.ID]bool{}
	for _, u := range userIDs {
		if seen[u] {
			continue
		}
		seen[u] = true
		r := byUser[u]
		switch {
		case r == nil && attended: // a walk-in
			r, err = c.ActivityRegistration.Create().SetActivityID(a.ID).SetUserID(u).
				SetStatus(activityregistration.StatusATTENDED).SetQueuedAt(now.UTC()).Save(ctx)
			delta++
		case r == nil:
			continue
		case attended && r.Status != activityregistration.StatusATTENDED:
			if !culture.Holds(culture.Place(r.Status)) {
				delta++
			}
			r, err = r.Update().SetStatus(activityregistration.StatusATTENDED).Save(ctx)
		case !attended && r.Status == activityregistration.StatusATTENDED:
			r, err = r.Update().SetStatus(activityregistration.StatusREGISTERED).Save(ctx)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if delta != 0 {
		err = c.CultureActivity.UpdateOneID(a.ID).AddRegisteredCount(delta).Exec(viewer.SystemOf(ctx))
	}
	return out, err
}

// DepartmentAttendance is one department's attendees of an activity.
type DepartmentAttendance struct {
	Department *ent.Department // nil: people in no department
	Attendees  []*ent.User
}

// MaxAttendees is the most attendees Attendance lists, all departments together.
const MaxAttendees = 2000

// Attendance is who attended an activity, by department in the order of
// their first attendee (the culture office's export): three statements,
// at most MaxAttendees people.
func Attendance(ctx context.Context, c *ent.Client, activityID pulid.ID) ([]*DepartmentAttendance, error) {
	a, err := c.CultureActivity.Get(ctx, activityID)
	if err != nil {
		return nil, err
	}
	regs, err := c.ActivityRegistration.Query().
		Where(activityregistration.ActivityID(a.ID), activityregistration.StatusEQ(activityregistration.StatusATTENDED)).
		WithUser(func(q *ent.UserQuery) { q.WithDepartment() }).
		Order(ent.Asc(activityregistration.FieldQueuedAt), ent.Asc(activityregistration.FieldID)).
		Limit(MaxAttendees).All(ctx)
	if err != nil {
		return nil, err
	}
	var out []*DepartmentAttendance
	index := map[pulid.ID]*DepartmentAttendance{}
	for _, r := range regs {
		u := r.Edges.User
		if u == nil {
			continue
		}
		var key pulid.ID
		if u.Edges.Department != nil {
			key = u.Edges.Department.ID
		}
		g := index[key]
		if g == nil {
			g = &DepartmentAttendance{Department: u.Edges.Department}
			index[key] = g
			out = append(out, g)
		}
		g.Attendees = append(g.Attendees, u)
	}
	return out, nil
}
