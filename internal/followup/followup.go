// Package followup keeps the follow-up columns of accounts (last contacts,
// next due call and visit) right as interactions are logged and tiers
// change, and reads the due lists and the agenda. The rules themselves are
// in package cadence; this package reads what they need and writes what
// they decide, inside the caller's transaction.
package followup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/duecount"
	"rapport/ent/greetingoutline"
	"rapport/ent/holiday"
	"rapport/ent/interaction"
	"rapport/ent/privacy"
	"rapport/ent/tierchange"
	"rapport/ent/visitreport"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/cadence"
	"rapport/internal/pulid"
	"rapport/internal/service"
	"rapport/internal/viewer"
)

// PolicyOf returns the viewer's organisation's cadence policy and
// working-day calendar: two small reads (the organisation, its holidays).
func PolicyOf(ctx context.Context, c *ent.Client) (cadence.Policy, cadence.Calendar, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return cadence.Policy{}, cadence.Calendar{}, errors.New("followup: no viewer")
	}
	return PolicyFor(ctx, c, v.OrgID)
}

// PolicyFor is PolicyOf for organisation orgID, read as its system viewer.
func PolicyFor(ctx context.Context, c *ent.Client, orgID pulid.ID) (cadence.Policy, cadence.Calendar, error) {
	sys := viewer.NewContext(ctx, viewer.NewSystem(orgID, nil))
	org, err := c.Organization.Get(sys, orgID)
	if err != nil {
		return cadence.Policy{}, cadence.Calendar{}, err
	}
	loc, err := time.LoadLocation(org.Timezone)
	if err != nil {
		return cadence.Policy{}, cadence.Calendar{}, err
	}
	p := cadence.Policy{
		CallDays:    map[cadence.Tier]int{cadence.TierA: org.CallDaysA, cadence.TierB: org.CallDaysB, cadence.TierC: org.CallDaysC},
		VisitMonths: map[cadence.Tier]int{cadence.TierA: org.VisitMonthsA, cadence.TierB: org.VisitMonthsB, cadence.TierC: org.VisitMonthsC},
	}
	cal := cadence.NewCalendar(loc)
	days, err := c.Holiday.Query().Where(holiday.KindNEQ(holiday.KindNORMAL)).All(sys)
	if err != nil {
		return cadence.Policy{}, cadence.Calendar{}, err
	}
	for _, d := range days {
		day, err := cadence.ParseDay(d.Day)
		if err != nil {
			continue // validated when written
		}
		if d.Kind == holiday.KindOFF {
			cal.Holidays[day] = true
		} else {
			cal.Workdays[day] = true
		}
	}
	return p, cal, nil
}

// span is the days from from's to to's in cal's zone, at most max of them
// (what names the list in the error).
func span(cal cadence.Calendar, from, to time.Time, max int, what string) ([]cadence.Day, error) {
	first, last := cal.DayOf(from), cal.DayOf(to)
	if last.Before(first) {
		return nil, apierr.BadInput("to", "to is before from")
	}
	if first.AddDays(max - 1).Before(last) {
		return nil, apierr.BadInput("to", "%s spans at most %d days", what, max)
	}
	var days []cadence.Day
	for d := first; !last.Before(d); d = d.AddDays(1) {
		days = append(days, d)
	}
	return days, nil
}

// zone is the viewer's organisation's time zone, as loaded for the request.
func zone(v *viewer.Viewer) cadence.Calendar {
	if v != nil && v.Location != nil {
		return cadence.NewCalendar(v.Location)
	}
	return cadence.NewCalendar(time.UTC)
}

// RecomputeOrganization rewrites the due dates of every account of org
// from their stored contacts, after the cadence, the time zone or the
// holiday calendar changed: one read of the accounts, then set-based
// updates (RecomputeAccountTimes), not a query per account.
func RecomputeOrganization(ctx context.Context, c *ent.Client, org pulid.ID, why string) error {
	sys := viewer.NewContext(ctx, viewer.NewSystem(org, nil))
	p, cal, err := PolicyFor(ctx, c, org)
	if err != nil {
		return err
	}
	accounts, err := c.Account.Query().
		Select(account.FieldID, account.FieldTier, account.FieldCreatedAt, account.FieldLastCallAt, account.FieldLastVisitAt).
		All(sys)
	if err != nil {
		return err
	}
	calls := make(map[pulid.ID]*time.Time, len(accounts))
	visits := make(map[pulid.ID]*time.Time, len(accounts))
	for _, a := range accounts {
		due := cadence.Next(stateOf(a), p, cal)
		calls[a.ID], visits[a.ID] = &due.Call, &due.Visit
	}
	var actor pulid.ID
	if u := viewer.FromContext(ctx).User(); u != nil {
		actor = *u
	}
	if _, err := RecomputeAccountTimes(ctx, c, org, account.FieldNextCallDueAt, calls, actor, why); err != nil {
		return err
	}
	_, err = RecomputeAccountTimes(ctx, c, org, account.FieldNextVisitDueAt, visits, actor, why)
	return err
}

// Record folds a logged contact into its account: it reads the account's
// follow-up state and writes the new last-contact and due columns as the
// organisation's system viewer (no version bump, no audit: the interaction
// is the record). The caller holds the account's row lock (Interaction's
// hook takes it before inserting), so concurrent logs for one account, on
// any instance, take turns.
func Record(ctx context.Context, c *ent.Client, accountID pulid.ID, contact cadence.Contact) error {
	a, err := c.Account.Get(ctx, accountID)
	if err != nil {
		return err
	}
	st := stateOf(a)
	st.Record(contact)
	last := a.LastContactAt
	if last == nil || contact.OccurredAt.After(*last) {
		last = &contact.OccurredAt
	}
	return write(ctx, c, a, st, last)
}

// Recompute rewrites an account's due columns from its stored state, after
// its tier changed.
func Recompute(ctx context.Context, c *ent.Client, a *ent.Account) error {
	return write(ctx, c, a, stateOf(a), a.LastContactAt)
}

func stateOf(a *ent.Account) cadence.Account {
	return cadence.Account{Tier: cadence.Tier(a.Tier), CreatedAt: a.CreatedAt, LastCall: a.LastCallAt, LastVisit: a.LastVisitAt}
}

func write(ctx context.Context, c *ent.Client, a *ent.Account, st cadence.Account, lastContact *time.Time) error {
	p, cal, err := PolicyOf(ctx, c)
	if err != nil {
		return err
	}
	due := cadence.Next(st, p, cal)
	sys := viewer.NewContext(ctx, viewer.NewSystem(viewer.FromContext(ctx).OrgID, cal.Loc))
	quiet := service.Later(st.CreatedAt, lastContact)
	return c.Account.UpdateOneID(a.ID).
		SetQuietSince(quiet).
		SetLastActivityAt(service.Later(quiet, a.LastOrderAt)).
		SetNillableLastCallAt(st.LastCall).
		SetNillableLastVisitAt(st.LastVisit).
		SetNillableLastContactAt(lastContact).
		SetNextCallDueAt(due.Call).
		SetNextVisitDueAt(due.Visit).
		Exec(sys)
}

// InitialDue is when a new account's first call and visit are due: from the
// day it was created.
func InitialDue(ctx context.Context, c *ent.Client, org pulid.ID, tier string, created time.Time) (cadence.Due, error) {
	p, cal, err := PolicyFor(ctx, c, org)
	if err != nil {
		return cadence.Due{}, err
	}
	return cadence.Next(cadence.Account{Tier: cadence.Tier(tier), CreatedAt: created}, p, cal), nil
}

// ChangeTier moves an account to another tier for a reason: the tier change
// is the decider's own audited edit (the policy lets only a sales manager,
// for their team, or an admin make it), it is kept in the account's tier
// history, and both due dates follow at once.
func ChangeTier(ctx context.Context, c *ent.Client, id pulid.ID, tier account.Tier, reason string) (*ent.Account, error) {
	if err := mayChangeTiers(ctx); err != nil {
		return nil, err
	}
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	a, err := c.Account.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Tier == tier {
		return nil, apierr.BadInput("tier", "the account is tier %s already", tier)
	}
	from := a.Tier
	if a, err = c.Account.UpdateOneID(id).SetTier(tier).Save(ctx); err != nil {
		return nil, err
	}
	err = c.TierChange.Create().SetAccountID(id).
		SetFromTier(tierchange.FromTier(from)).SetToTier(tierchange.ToTier(tier)).
		SetReason(reason).SetNillableDecidedByID(viewer.FromContext(ctx).User()).
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	if err := Recompute(ctx, c, a); err != nil {
		return nil, err
	}
	return c.Account.Get(ctx, id)
}

// mayChangeTiers refuses a viewer whose roles do not change tiers. The
// account policy refuses the change too; saying so first answers FORBIDDEN
// rather than a complaint about the tier or a review's work.
func mayChangeTiers(ctx context.Context) error {
	if !viewer.FromContext(ctx).Can(authz.ChangeTiers) {
		return apierr.Forbiddenf("only a sales manager or an admin changes an account's tier")
	}
	return nil
}

// Kind is what is due: a call or a visit.
type Kind string

const (
	Call  Kind = "CALL"
	Visit Kind = "VISIT"
)

// dueColumn is the stored, indexed column a due list of kind k reads.
func dueColumn(k Kind) string {
	if k == Visit {
		return account.FieldNextVisitDueAt
	}
	return account.FieldNextCallDueAt
}

// DueQuery is the accounts whose next call or visit is due on or before
// before, earliest first: a range scan of the organisation's (or, through
// the privacy filter, an owner's) index on the due column.
func DueQuery(c *ent.Client, k Kind, tier *account.Tier, before time.Time) (*ent.AccountQuery, *ent.AccountOrder) {
	q := c.Account.Query()
	field, order := dueColumn(k), ent.AccountOrderFieldNextCallDueAt
	if k == Visit {
		order = ent.AccountOrderFieldNextVisitDueAt
	}
	q.Where(func(s *sql.Selector) { s.Where(sql.LTE(s.C(field), before.UTC())) })
	if tier != nil {
		q.Where(account.TierEQ(*tier))
	}
	return q, &ent.AccountOrder{Field: order, Direction: entgql.OrderDirectionAsc}
}

// DueTotal is the length of the due list of DueQuery(k, tier, before) for
// a viewer who may read every account of the organisation (ok false for
// anyone else, whose list the privacy filter narrows: count that list
// itself): the sum of the organisation's due counts up to before, which
// the database keeps (schema.DueCount), so that the total of a list of a
// million accounts costs a short index range, not a count of the accounts.
func DueTotal(ctx context.Context, c *ent.Client, k Kind, tier *account.Tier, before time.Time) (n int, ok bool, err error) {
	v := viewer.FromContext(ctx)
	if !v.Can(authz.ReadAllAccounts) { // the same test as schema.AccountsVisibleTo
		return 0, false, nil
	}
	sys := viewer.SystemOf(ctx)
	q := c.DueCount.Query().Where(duecount.KindEQ(duecount.Kind(k)), duecount.DueAtLTE(before.UTC()))
	if tier != nil {
		q.Where(duecount.TierEQ(duecount.Tier(*tier)))
	}
	var sum []struct{ N *int }
	if err := q.Aggregate(ent.As(ent.Sum(duecount.FieldN), "n")).Scan(sys, &sum); err != nil {
		return 0, false, err
	}
	if len(sum) == 1 && sum[0].N != nil {
		n = *sum[0].N
	}
	return n, true, nil
}

// CompactDueCounts folds each organisation's due counts into one row per
// kind, tier and instant (dropping the ones that come to zero), so that
// DueTotal reads as few rows as there are distinct due instants. Any
// instance may run it at any time, concurrently with writers and with
// itself: it sums exactly the rows its DELETE … RETURNING removed, in one
// transaction, and writers only ever insert.
func CompactDueCounts(ctx context.Context, c *ent.Client) (folded int, err error) {
	tx, err := c.Tx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	// Only the keys with more than one row.
	rows, err := tx.QueryContext(ctx, `DELETE FROM due_counts WHERE id IN (
		SELECT d.id FROM due_counts d JOIN (
			SELECT organization_id, kind, tier, due_at FROM due_counts GROUP BY organization_id, kind, tier, due_at HAVING count(*) > 1
		) k ON d.organization_id = k.organization_id AND d.kind = k.kind AND d.tier = k.tier AND d.due_at = k.due_at
	) RETURNING organization_id, kind, tier, due_at, n`)
	if err != nil {
		return 0, fmt.Errorf("compacting due counts: %w", err)
	}
	type key struct {
		org, kind, tier string
		due             time.Time
	}
	sums := map[key]int64{}
	var order []key
	for rows.Next() {
		var k key
		var n int64
		if err := rows.Scan(&k.org, &k.kind, &k.tier, &k.due, &n); err != nil {
			rows.Close()
			return 0, err
		}
		k.due = k.due.UTC() // one key per instant, however the driver read it
		if _, seen := sums[k]; !seen {
			order = append(order, k)
		}
		sums[k] += n
		folded++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var creates []*ent.DueCountCreate
	for _, k := range order {
		if sums[k] != 0 {
			creates = append(creates, tx.DueCount.Create().SetOrganizationID(pulid.ID(k.org)).
				SetKind(duecount.Kind(k.kind)).SetTier(duecount.Tier(k.tier)).SetDueAt(k.due).SetN(sums[k]))
		}
	}
	for chunk := range slices.Chunk(creates, RecomputeChunk) {
		// Only the database and this fold write due counts: past the policy.
		if err := tx.DueCount.CreateBulk(chunk...).Exec(privacy.DecisionContext(ctx, privacy.Allow)); err != nil {
			return 0, fmt.Errorf("compacting due counts: %w", err)
		}
	}
	return folded, tx.Commit()
}

// CompactDueCountsEvery is how often a server folds the due counts.
const CompactDueCountsEvery = time.Minute

// KeepDueCounts runs CompactDueCounts every CompactDueCountsEvery until ctx
// ends, logging a failure (the next round tries again).
func KeepDueCounts(ctx context.Context, c *ent.Client, log *slog.Logger) {
	t := time.NewTicker(CompactDueCountsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := CompactDueCounts(ctx, c); err != nil && ctx.Err() == nil {
				log.Warn("folding due counts", "error", err)
			}
		}
	}
}

// AgendaDay is one day of the agenda.
type AgendaDay struct {
	Day   time.Time
	Items []*AgendaItem
}

// AgendaItem is one due call or visit.
type AgendaItem struct {
	Kind    Kind
	DueAt   time.Time
	Overdue bool
	Account *ent.Account
}

// Agenda limits.
const (
	MaxAgendaDays  = 31
	MaxAgendaItems = 200 // per kind: the most urgent ones
)

// Agenda is the viewer's kanban from from to to: the visible accounts'
// calls and visits due before the end of to's day, by day in the
// organisation's time zone, overdue ones on the first day. Two queries,
// whatever the number of days or accounts.
// prepare, when not nil, readies each account query (the resolver eager-loads
// what the client selected of the accounts with it).
func Agenda(ctx context.Context, c *ent.Client, from, to time.Time, prepare Prepare) ([]*AgendaDay, error) {
	cal := zone(viewer.FromContext(ctx))
	period, err := span(cal, from, to, MaxAgendaDays, "an agenda")
	if err != nil {
		return nil, err
	}
	first, last := period[0], period[len(period)-1]
	days := []*AgendaDay{}
	index := map[cadence.Day]*AgendaDay{}
	for _, d := range period {
		day := &AgendaDay{Day: cal.Start(d).UTC(), Items: []*AgendaItem{}}
		days = append(days, day)
		index[d] = day
	}
	end := cal.Start(last.AddDays(1))
	for _, k := range []Kind{Call, Visit} {
		q, _ := DueQuery(c, k, nil, end.Add(-time.Nanosecond))
		accounts, err := q.Order(ent.Asc(dueColumn(k)), ent.Asc(account.FieldID)).Limit(MaxAgendaItems).All(ctx)
		if err != nil {
			return nil, err
		}
		if accounts, err = Reload(ctx, c, accounts, prepare); err != nil {
			return nil, err
		}
		for _, a := range accounts {
			due := *a.NextCallDueAt
			if k == Visit {
				due = *a.NextVisitDueAt
			}
			d := cal.DayOf(due)
			item := &AgendaItem{Kind: k, DueAt: due, Account: a}
			if d.Before(first) {
				item.Overdue, d = true, first
			}
			index[d].Items = append(index[d].Items, item)
		}
	}
	return days, nil
}

// MaxReviewAccounts is the most accounts one tier review ranks.
const MaxReviewAccounts = 5000

// TierReview is a month's review of the viewer's visible accounts.
type TierReview struct {
	Month     string
	Proposals []*TierProposal
}

// TierProposal is one account's proposed tier.
type TierProposal struct {
	Account      *ent.Account
	ProposedTier account.Tier
	Score        float64
}

// Review ranks the accounts the viewer may see for month ("YYYY-MM", not
// in the future) toward the 20/40/40 target and proposes a tier for each
// (cadence.Review). It changes nothing. prepare, when not nil, readies the
// query that loads the proposals' accounts for display.
func Review(ctx context.Context, c *ent.Client, month string, prepare Prepare) (*TierReview, error) {
	p, cal, err := PolicyOf(ctx, c)
	if err != nil {
		return nil, err
	}
	m, err := cadence.ParseMonth(month)
	if err != nil {
		return nil, apierr.BadInput("month", "%s", err.Error())
	}
	from, to := m.Span(cal)
	if from.After(time.Now()) {
		return nil, apierr.BadInput("month", "month %s has not begun", m)
	}
	accounts, err := c.Account.Query().Order(ent.Asc(account.FieldID)).Limit(MaxReviewAccounts + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(accounts) > MaxReviewAccounts {
		return nil, apierr.BadInput("month", "a review ranks at most %d accounts; you see more", MaxReviewAccounts)
	}
	var counts []struct {
		AccountID pulid.ID `json:"account_id"`
		Count     int      `json:"count"`
	}
	err = c.Interaction.Query().
		Where(interaction.OccurredAtGTE(from.UTC()), interaction.OccurredAtLT(to.UTC()),
			interaction.KindIn(interaction.KindPHONE, interaction.KindVISIT, interaction.KindMEETING)).
		GroupBy(interaction.FieldAccountID).Aggregate(ent.Count()).Scan(ctx, &counts)
	if err != nil {
		return nil, err
	}
	calls := make(map[pulid.ID]int, len(counts))
	for _, n := range counts {
		calls[n.AccountID] = n.Count
	}
	in := make([]cadence.ReviewAccount, len(accounts))
	byID := make(map[string]*ent.Account, len(accounts))
	for i, a := range accounts {
		in[i] = cadence.ReviewAccount{ID: string(a.ID), Tier: cadence.Tier(a.Tier), Intent: string(a.CooperationIntent),
			Stage: string(a.LifecycleStage), Calls: calls[a.ID]}
		byID[string(a.ID)] = a
	}
	shown, err := Reload(ctx, c, accounts, prepare)
	if err != nil {
		return nil, err
	}
	for _, a := range shown {
		byID[string(a.ID)] = a
	}
	review := &TierReview{Month: m.String()}
	for _, pr := range cadence.Review(in, p, m.Days()) {
		review.Proposals = append(review.Proposals, &TierProposal{Account: byID[pr.Account.ID], ProposedTier: account.Tier(pr.Proposed), Score: pr.Score})
	}
	return review, nil
}

// ApplyReview gives each listed account the tier month's review proposes
// for it, each recorded as a tier change with the reason "monthly review
// YYYY-MM" (ChangeTier's rules apply: a sales manager or an admin), and
// returns the listed accounts. An account the review does not rank (not
// visible) is NOT_FOUND; one whose proposal is its tier is left as it is.
func ApplyReview(ctx context.Context, c *ent.Client, month string, ids []pulid.ID) ([]*ent.Account, error) {
	if err := mayChangeTiers(ctx); err != nil {
		return nil, err
	}
	if len(ids) > MaxReviewAccounts {
		return nil, apierr.BadInput("accountIDs", "at most %d accounts at a time", MaxReviewAccounts)
	}
	review, err := Review(ctx, c, month, nil)
	if err != nil {
		return nil, err
	}
	proposed := make(map[pulid.ID]account.Tier, len(review.Proposals))
	for _, p := range review.Proposals {
		proposed[p.Account.ID] = p.ProposedTier
	}
	out := make([]*ent.Account, 0, len(ids))
	for _, id := range ids {
		tier, ok := proposed[id]
		if !ok {
			return nil, apierr.NotFoundf("account %q not found", id)
		}
		a, err := ChangeTier(ctx, c, id, tier, "monthly review "+review.Month)
		if e, isBad := apierr.As(err); isBad && e.Code == apierr.BadUserInput && e.Field == "tier" {
			a, err = c.Account.Get(ctx, id) // already at the proposed tier
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// SetHoliday marks day ("YYYY-MM-DD") in the viewer's organisation's
// calendar as a day OFF, a make-up WORKDAY, or NORMAL again (the policy lets
// only an ADMIN), and the due dates follow (Holiday's hook).
func SetHoliday(ctx context.Context, c *ent.Client, day string, kind holiday.Kind, name *string) (*ent.Holiday, error) {
	existing, err := c.Holiday.Query().Where(holiday.Day(day)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return c.Holiday.Create().SetDay(day).SetKind(kind).SetNillableName(name).Save(ctx)
	case err != nil:
		return nil, err
	}
	upd := existing.Update().SetKind(kind)
	if name != nil {
		upd.SetName(*name)
	}
	return upd.Save(ctx)
}

// Holidays lists the days of year that are not as their weekday says, in
// order.
func Holidays(ctx context.Context, c *ent.Client, year int) ([]*ent.Holiday, error) {
	if year < 1 || year > 9999 {
		return nil, apierr.BadInput("year", "a year from 1 to 9999")
	}
	from, to := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)
	return c.Holiday.Query().
		Where(holiday.DayGTE(from), holiday.DayLT(to), holiday.KindNEQ(holiday.KindNORMAL)).
		Order(ent.Asc(holiday.FieldDay)).All(ctx)
}

// Prepare readies a query of accounts for display: the resolvers pass one
// that eager-loads what the client selected of them.
type Prepare func(*ent.AccountQuery) (*ent.AccountQuery, error)

// Reload loads accounts again through prepare, in the same order, keeping
// the follow-up columns the caller read (prepare may select fewer): a
// fixed number of statements whatever their number.
func Reload(ctx context.Context, c *ent.Client, accounts []*ent.Account, prepare Prepare) ([]*ent.Account, error) {
	if prepare == nil || len(accounts) == 0 {
		return accounts, nil
	}
	ids := make([]pulid.ID, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	q, err := prepare(c.Account.Query().Where(account.IDIn(ids...)))
	if err != nil {
		return nil, err
	}
	loaded, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[pulid.ID]*ent.Account, len(loaded))
	for _, a := range loaded {
		byID[a.ID] = a
	}
	out := make([]*ent.Account, len(accounts))
	for i, a := range accounts {
		l := byID[a.ID]
		if l == nil {
			l = a
		}
		l.Tier, l.NextCallDueAt, l.NextVisitDueAt = a.Tier, a.NextCallDueAt, a.NextVisitDueAt
		out[i] = l
	}
	return out, nil
}

// Overview limits: a sheet spans at most a month, lists at most this many
// accounts (by name; narrow it by region for more) and reads at most this
// many contacts (40 a month for each account listed: past that it is
// truncated, its last days' ticks missing).
const (
	MaxOverviewDays     = 31
	MaxOverviewAccounts = 500
	MaxOverviewContacts = 20_000
)

// Overview is the contact overview sheet (客户联络一览表): for a period and
// optionally a region, each visible account's days with contact.
type Overview struct {
	Days      []time.Time // the period's days, each the start of the day in the organisation's zone
	Rows      []*OverviewRow
	Truncated bool // more accounts than MaxOverviewAccounts matched, or more contacts than MaxOverviewContacts
}

// OverviewRow is one account's line of the sheet.
type OverviewRow struct {
	Account       *ent.Account
	Contacts      int // interactions in the period
	OverContacted bool
	Days          []*OverviewDay // only the days with contact, in order
}

// OverviewDay is one ticked day: the kinds of contact and a short note.
type OverviewDay struct {
	Day   time.Time
	Kinds []interaction.Kind
	Note  string
}

// ContactOverview builds the sheet from from's day to to's day: two
// queries (the accounts, their interactions in the period), whatever the
// number of accounts or days.
func ContactOverview(ctx context.Context, c *ent.Client, from, to time.Time, region *string, prepare Prepare) (*Overview, error) {
	p, cal, err := PolicyOf(ctx, c)
	if err != nil {
		return nil, err
	}
	period, err := span(cal, from, to, MaxOverviewDays, "a sheet")
	if err != nil {
		return nil, err
	}
	first, last := period[0], period[len(period)-1]
	q := c.Account.Query().Order(ent.Asc(account.FieldName), ent.Asc(account.FieldID)).Limit(MaxOverviewAccounts + 1)
	if region != nil {
		q.Where(account.Region(*region))
	}
	accounts, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	sheet := &Overview{Truncated: len(accounts) > MaxOverviewAccounts}
	accounts = accounts[:min(len(accounts), MaxOverviewAccounts)]
	for _, d := range period {
		sheet.Days = append(sheet.Days, cal.Start(d).UTC())
	}
	ids := make([]pulid.ID, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	start, end := cal.Start(first), cal.Start(last.AddDays(1))
	var its []*ent.Interaction
	if len(ids) > 0 {
		its, err = c.Interaction.Query().
			Where(interaction.AccountIDIn(ids...), interaction.OccurredAtGTE(start.UTC()), interaction.OccurredAtLT(end.UTC())).
			Order(ent.Asc(interaction.FieldOccurredAt), ent.Asc(interaction.FieldID)).Limit(MaxOverviewContacts + 1).All(ctx)
		if err != nil {
			return nil, err
		}
		if len(its) > MaxOverviewContacts {
			sheet.Truncated = true
			its = its[:MaxOverviewContacts]
		}
	}
	shown, err := Reload(ctx, c, accounts, prepare)
	if err != nil {
		return nil, err
	}
	rows := make(map[pulid.ID]*OverviewRow, len(accounts))
	for i, a := range accounts {
		row := &OverviewRow{Account: shown[i], Days: []*OverviewDay{}}
		rows[a.ID] = row
		sheet.Rows = append(sheet.Rows, row)
	}
	for _, it := range its {
		row := rows[it.AccountID]
		day := cal.Start(cal.DayOf(it.OccurredAt)).UTC()
		var od *OverviewDay
		if n := len(row.Days); n > 0 && row.Days[n-1].Day.Equal(day) {
			od = row.Days[n-1]
		} else {
			od = &OverviewDay{Day: day, Kinds: []interaction.Kind{}}
			row.Days = append(row.Days, od)
		}
		if !slices.Contains(od.Kinds, it.Kind) {
			od.Kinds = append(od.Kinds, it.Kind)
		}
		if od.Note == "" && it.Summary != "" {
			od.Note = clipRunes(it.Summary, 40)
		}
		row.Contacts++
	}
	days := len(sheet.Days)
	for i, a := range accounts {
		sheet.Rows[i].OverContacted = cadence.OverContacted(sheet.Rows[i].Contacts, cadence.Tier(a.Tier), days, p)
	}
	return sheet, nil
}

// clipRunes shortens s to n characters, marking the cut.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// ProposalDays is how many days after a visit its proposal is due.
const ProposalDays = 3

// FileVisitReport records the report of a visit: the interaction must be a
// VISIT the viewer may see; the report belongs to its account, and the
// proposal falls due at the end of the third day after the visit.
func FileVisitReport(ctx context.Context, c *ent.Client, in ent.CreateVisitReportInput) (*ent.VisitReport, error) {
	it, err := c.Interaction.Get(ctx, in.InteractionID)
	if err != nil {
		return nil, err
	}
	if it.Kind != interaction.KindVISIT {
		return nil, apierr.BadInput("interactionID", "a visit report belongs to a VISIT, not a %s", it.Kind)
	}
	_, cal, err := PolicyOf(ctx, c)
	if err != nil {
		return nil, err
	}
	due := cal.Start(cal.DayOf(it.OccurredAt).AddDays(ProposalDays + 1))
	return c.VisitReport.Create().SetInput(in).SetAccountID(it.AccountID).SetProposalDueAt(due.UTC()).Save(ctx)
}

// SubmitProposal records that the proposal following a visit was
// delivered, with a summary; a proposal is submitted once.
func SubmitProposal(ctx context.Context, c *ent.Client, id pulid.ID, summary string) (*ent.VisitReport, error) {
	r, err := c.VisitReport.UpdateOneID(id).
		Where(visitreport.ProposalSubmittedAtIsNil()).
		SetProposalSubmittedAt(time.Now().UTC()).SetProposalSummary(summary).Save(ctx)
	if !ent.IsNotFound(err) {
		return r, err
	}
	// Not visible, not writable, or submitted already: say which.
	if r, err = c.VisitReport.Get(ctx, id); err != nil {
		return nil, err
	}
	if r.ProposalSubmittedAt != nil {
		return nil, apierr.Conflictf("the proposal was submitted already, on %s", r.ProposalSubmittedAt.Format(time.DateOnly))
	}
	return nil, apierr.Forbiddenf("you may not change this visit report")
}

// LateProposals are the visible visit reports whose proposal is past due
// and not submitted, the longest late first.
func LateProposals(c *ent.Client) (*ent.VisitReportQuery, *ent.VisitReportOrder) {
	q := c.VisitReport.Query().Where(visitreport.ProposalSubmittedAtIsNil(), visitreport.ProposalDueAtLT(time.Now().UTC()))
	return q, &ent.VisitReportOrder{Field: ent.VisitReportOrderFieldProposalDueAt, Direction: entgql.OrderDirectionAsc}
}

// DecideOutline approves or rejects a submitted greeting outline (the
// policy lets a sales manager or an admin), with an optional note.
func DecideOutline(ctx context.Context, c *ent.Client, id pulid.ID, approve bool, note *string) (*ent.GreetingOutline, error) {
	status := greetingoutline.StatusREJECTED
	if approve {
		status = greetingoutline.StatusAPPROVED
	}
	o, err := c.GreetingOutline.UpdateOneID(id).
		Where(greetingoutline.StatusEQ(greetingoutline.StatusSUBMITTED)).
		SetStatus(status).SetDecidedAt(time.Now().UTC()).SetNillableDecisionNote(note).
		SetNillableDecidedByID(viewer.FromContext(ctx).User()).
		Save(ctx)
	if !ent.IsNotFound(err) {
		return o, err
	}
	if o, err = c.GreetingOutline.Get(ctx, id); err != nil {
		return nil, err
	}
	return nil, apierr.Conflictf("the outline was %s already", strings.ToLower(string(o.Status)))
}

// BackfillDue gives due dates to the accounts that have none: those of a
// database made before the follow-up engine (its accounts were never
// contacted in Rapport, so they are due from their creation). It recomputes
// the organisations concerned, once; afterwards it finds nothing to do.
func BackfillDue(ctx context.Context, c *ent.Client) (int, error) {
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	orgs, err := c.Account.Query().
		Where(account.Or(account.NextCallDueAtIsNil(), account.NextVisitDueAtIsNil())).
		Unique(true).Select(account.FieldOrganizationID).Strings(sys)
	if err != nil {
		return 0, err
	}
	for _, org := range orgs {
		if err := RecomputeOrganization(ctx, c, pulid.ID(org), "due dates of accounts made before the follow-up engine"); err != nil {
			return 0, err
		}
	}
	return len(orgs), nil
}
