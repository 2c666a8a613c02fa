package demo

import (
	"context"
	"fmt"
	"time"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/contact"
	"rapport/ent/interaction"
	"rapport/internal/pulid"
)

// history gives every demo account a believable record of contact over the
// last months, so that due lists, the agenda and overdue items show on day
// one: a few calls and messages, visits on the tier's rhythm (an A visit
// meets the chairman or general manager), and the last call spread so that
// some accounts are overdue, some due this week and the rest later. It is
// deterministic for a given day.
func history(ctx context.Context, c *ent.Client, org pulid.ID, loc *time.Location, now time.Time) error {
	accounts, err := c.Account.Query().Where(account.OrganizationID(org)).Order(ent.Asc(account.FieldName)).All(ctx)
	if err != nil {
		return err
	}
	cs, err := c.Contact.Query().Where(contact.OrganizationID(org)).Order(ent.Asc(contact.FieldName)).All(ctx)
	if err != nil {
		return err
	}
	byAccount := map[pulid.ID][]*ent.Contact{}
	for _, ct := range cs {
		byAccount[ct.AccountID] = append(byAccount[ct.AccountID], ct)
	}
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	// at is a working-hours time daysAgo days before today (weekends moved to Friday).
	at := func(daysAgo, hour int) time.Time {
		t := today.AddDate(0, 0, -daysAgo).Add(time.Duration(hour) * time.Hour)
		for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
			t = t.AddDate(0, 0, -1)
		}
		if t.After(now) {
			t = now.Add(-time.Hour)
		}
		return t
	}
	var builders []*ent.InteractionCreate
	add := func(a *ent.Account, kind interaction.Kind, when time.Time, summary string, met ...*ent.Contact) {
		b := c.Interaction.Create().SetOrganizationID(org).SetAccountID(a.ID).SetKind(kind).
			SetOccurredAt(when.UTC()).SetSummary(summary)
		if a.OwnerID != "" {
			b.SetLoggedByID(a.OwnerID)
		}
		for _, m := range met {
			b.AddContactIDs(m.ID)
		}
		builders = append(builders, b)
	}
	for i, a := range accounts {
		if a.CreatedAt.Before(now.AddDate(0, -3, 0)) {
			continue // filed long ago and never contacted since (NO_FOLLOW_UP)
		}
		people := byAccount[a.ID]
		var boss, someone *ent.Contact
		for _, p := range people {
			if p.IsDecisionMaker && boss == nil {
				boss = p
			}
			if someone == nil {
				someone = p
			}
		}
		callEvery, visitMonths := 7, map[account.Tier]int{account.TierA: 2, account.TierB: 3, account.TierC: 4}[a.Tier]
		if a.Tier == account.TierC {
			callEvery = 14
		}
		// The last call: 0 … callEvery+4 days ago, so about a quarter are overdue.
		last := (i*7 + 3) % (callEvery + 5)
		// The last visit: within 1.3 cadences, so some are overdue.
		visitAgo := (i*13 + 5) % (visitMonths*30*13/10 + 1)
		met := []*ent.Contact{}
		if someone != nil {
			met = append(met, someone)
		}
		if a.Tier == account.TierA && boss != nil {
			met = []*ent.Contact{boss}
		}
		add(a, interaction.KindVISIT, at(visitAgo, 10), "拜访：了解需求，介绍服务方案", met...)
		add(a, interaction.KindWECHAT, at(visitAgo-2, 15), "发送拜访纪要和案例资料")
		add(a, interaction.KindPHONE, at(last+callEvery, 11), "电话回访，确认后续安排", met...)
		add(a, interaction.KindPHONE, at(last, 10), fmt.Sprintf("例行电话联系（%s类客户）", a.Tier), met...)
		if i%5 == 0 {
			add(a, interaction.KindEMAIL, at(last+1, 16), "邮件发送月度简报")
		}
	}
	for batch := range chunks(builders) {
		if err := c.Interaction.CreateBulk(batch...).Exec(ctx); err != nil {
			return fmt.Errorf("interactions: %w", err)
		}
	}
	return nil
}
