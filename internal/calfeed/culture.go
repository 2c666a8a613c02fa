package calfeed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/ent"
	"rapport/ent/cultureactivity"
	"rapport/ent/department"
	"rapport/internal/cultureops"
	"rapport/internal/ical"
	"rapport/internal/pulid"
)

// The culture calendar feed reaches back cultureBack and forward to the
// calendar's longest span.
const cultureBack = 30 * 24 * time.Hour

// cultureFeedOf renders the activities u may see (as their latest roles
// allow: published campaigns of their audience; HR's drafts too), of one
// campaign or one department when asked: timed events in UTC, all-day ones
// as DATE values in the organisation's time zone, each with a stable UID,
// a SEQUENCE raised on every change and STATUS:CANCELLED when cancelled.
func cultureFeedOf(ctx context.Context, c *ent.Client, u *ent.User, campaign, dept string) ([]byte, error) {
	asUser, org, loc, err := as(ctx, c, u)
	if err != nil {
		return nil, err
	}
	name := "文化活动 Culture · " + u.Name
	narrow := func(q *ent.CultureActivityQuery) (*ent.CultureActivityQuery, error) {
		q.WithCampaign()
		if campaign != "" {
			if !pulid.ID(campaign).Valid() {
				return nil, errBadToken
			}
			q.Where(cultureactivity.CampaignID(pulid.ID(campaign)))
		}
		if dept != "" {
			if !pulid.ID(dept).Valid() {
				return nil, errBadToken
			}
			q.Where(cultureactivity.HasAudienceWith(department.ID(pulid.ID(dept))))
		}
		return q, nil
	}
	from := time.Now().Add(-cultureBack)
	acts, err := cultureops.Calendar(asUser, c, from, from.Add(cultureops.MaxCalendarDays*24*time.Hour), narrow)
	if err != nil {
		return nil, err
	}
	cal := ical.Calendar{ProdID: "-//Rapport//Culture//ZH", Name: name}
	for _, a := range acts {
		e := ical.Event{
			UID:       fmt.Sprintf("activity-%s@%s.rapport", a.ID, org.Slug),
			Summary:   a.Title,
			Location:  a.Location,
			Sequence:  a.Sequence,
			Cancelled: a.Status == cultureactivity.StatusCANCELLED,
			Stamp:     a.UpdatedAt,
			Timed:     !a.AllDay,
			Start:     a.StartsAt,
			End:       a.EndsAt,
		}
		if a.AllDay {
			s, l := a.StartsAt.In(loc), a.EndsAt.In(loc)
			e.Day = time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
			e.LastDay = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		}
		var desc []string
		if cc := a.Edges.Campaign; cc != nil {
			desc = append(desc, cc.Title)
			e.Categories = []string{string(cc.Kind)}
		}
		if a.Description != "" {
			desc = append(desc, a.Description)
		}
		if e.Cancelled && a.CancelReason != "" {
			desc = append(desc, "已取消 Cancelled: "+a.CancelReason)
		}
		e.Description = strings.Join(desc, "\n")
		cal.Events = append(cal.Events, e)
	}
	return cal.Encode(), nil
}
