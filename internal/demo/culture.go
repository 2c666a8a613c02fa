package demo

import (
	"context"
	"fmt"
	"time"

	"rapport/ent"
	"rapport/ent/activityregistration"
	"rapport/ent/culturecampaign"
	"rapport/ent/cultureplan"
	"rapport/ent/recognition"
	"rapport/internal/culture"
	"rapport/internal/pulid"
)

// seedCulture gives the demo organisation this year's culture calendar: a
// published Spring Festival gala for all staff, a safety month for the
// client and service teams whose fire drill is full (one colleague waits),
// and a story collection waiting for the general manager's approval.
// Dates follow today, so the calendar is live whenever the demo starts.
func seedCulture(ctx context.Context, c *ent.Client, org pulid.ID, users, depts map[string]pulid.ID, loc *time.Location, now time.Time) error {
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	at := func(d, hour, minute int) time.Time {
		return today.AddDate(0, 0, d).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	}
	decided := now.Add(-48 * time.Hour).UTC()
	plan, err := c.CulturePlan.Create().SetOrganizationID(org).SetYear(today.Year()).
		SetTitle(fmt.Sprintf("%d 年企业文化建设计划 Culture plan", today.Year())).
		SetGoals("凝聚人心、弘扬正气：每季度一项主题活动，全年评选服务之星与岗位标兵。").
		SetBudgetNotes("全年预算 30 万元，其中春节联欢会 12 万元、安全生产月 3 万元。").
		SetStatus(cultureplan.StatusPUBLISHED).SetSubmittedByID(users["hr"]).SetApprovedByID(users["gm"]).SetDecidedAt(decided).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("culture plan: %w", err)
	}

	type activitySpec struct {
		title, location string
		starts, ends    time.Time
		allDay          bool
		capacity        *int
		registrants     []string
	}
	five, hundred := 5, 120
	for _, cs := range []struct {
		title, theme string
		kind         culturecampaign.Kind
		status       culturecampaign.Status
		from, to     int
		audience     []string // departments; none: all staff
		activities   []activitySpec
	}{
		{"2027 春节联欢会 Spring Festival gala", "辞旧迎新 · 同心筑梦", culturecampaign.KindSPORTS_RECREATION, culturecampaign.StatusPUBLISHED, 8, 14, nil, []activitySpec{
			{"联欢晚会 Gala evening", "总部三楼多功能厅 Hall, 3F", at(10, 18, 30), at(10, 21, 30), false, &hundred,
				[]string{"gm", "hr", "emp.1", "emp.2", "emp.3", "am.east.1", "sales.east", "rep.1", "corr.hr"}},
			{"猜灯谜 Lantern riddles", "各楼层大厅 Lobbies", at(12, 0, 0), at(13, 23, 59), true, nil, []string{"emp.2", "am.east.2"}},
		}},
		{"安全生产月 Safety month", "人人讲安全 · 个个会应急", culturecampaign.KindSAFETY_MONTH, culturecampaign.StatusPUBLISHED, 1, 30, []string{"east", "north", "service"}, []activitySpec{
			{"消防演练 Fire drill", "园区东门广场 East gate square", at(5, 14, 0), at(5, 15, 30), false, &five,
				[]string{"am.east.1", "am.east.2", "am.north.1", "rep.1", "rep.2", "am.north.2"}},
		}},
		{"员工故事征集 Our stories", "我与公司的十年", culturecampaign.KindSTORY_COLLECTION, culturecampaign.StatusSUBMITTED, 15, 60, nil, nil},
	} {
		cc := c.CultureCampaign.Create().SetOrganizationID(org).SetTitle(cs.title).SetTheme(cs.theme).SetKind(cs.kind).
			SetStatus(cs.status).SetStartsOn(day(cs.from)).SetEndsOn(day(cs.to)).
			SetOrganizingDepartmentID(depts["hr"]).SetSubmittedByID(users["hr"]).SetAudienceAll(len(cs.audience) == 0).SetPlanID(plan.ID)
		for _, d := range cs.audience {
			cc.AddAudienceIDs(depts[d])
		}
		if cs.status == culturecampaign.StatusPUBLISHED {
			cc.SetApprovedByID(users["gm"]).SetDecidedAt(decided)
		}
		campaign, err := cc.Save(ctx)
		if err != nil {
			return fmt.Errorf("culture campaign %s: %w", cs.title, err)
		}
		if cs.kind == culturecampaign.KindSAFETY_MONTH {
			if err := c.Recognition.Create().SetOrganizationID(org).SetCampaignID(campaign.ID).SetKind(recognition.KindROLE_MODEL).
				SetTitle("安全标兵 Safety role model").SetCitation("连续三年零事故，带领客服团队完成应急预案演练。").
				AddPersonIDs(users["rep.1"]).AddDepartmentIDs(depts["service"]).Exec(ctx); err != nil {
				return fmt.Errorf("recognition: %w", err)
			}
		}
		for _, as := range cs.activities {
			ac := c.CultureActivity.Create().SetOrganizationID(org).SetCampaignID(campaign.ID).SetTitle(as.title).
				SetLocation(as.location).SetStartsAt(as.starts.UTC()).SetEndsAt(as.ends.UTC()).SetAllDay(as.allDay).
				SetNillableCapacity(as.capacity).SetRegistrationDeadline(as.starts.Add(-24 * time.Hour).UTC()).
				SetAudienceAll(len(cs.audience) == 0)
			for _, d := range cs.audience {
				ac.AddAudienceIDs(depts[d])
			}
			a, err := ac.Save(ctx)
			if err != nil {
				return fmt.Errorf("culture activity %s: %w", as.title, err)
			}
			taken := 0
			for i, who := range as.registrants {
				place := culture.Admit(as.capacity, taken)
				if culture.Holds(place) {
					taken++
				}
				if err := c.ActivityRegistration.Create().SetOrganizationID(org).SetActivityID(a.ID).SetUserID(users[who]).
					SetStatus(activityregistration.Status(place)).SetQueuedAt(now.Add(time.Duration(i-len(as.registrants)) * time.Hour).UTC()).Exec(ctx); err != nil {
					return fmt.Errorf("registration for %s: %w", as.title, err)
				}
			}
			if err := a.Update().SetRegisteredCount(taken).Exec(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}
