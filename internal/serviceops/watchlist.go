// Package serviceops applies the customer-service rules of
// internal/service to the database, each operation inside the request's
// transaction: the watchlist, callback batches, issues, complaints, the
// case library and credit-term requests. Who may do what is decided by
// the ent privacy policies (ent/schema/serviceaccess.go) under the
// caller's viewer; the functions here add the workflow's order and
// limits.
package serviceops

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/interaction"
	"rapport/ent/predicate"
	"rapport/internal/apierr"
	"rapport/internal/cadence"
	"rapport/internal/followup"
	"rapport/internal/pulid"
	"rapport/internal/service"
	"rapport/internal/viewer"
)

// PolicyOf is the viewer's organisation's service policy and its calendar.
func PolicyOf(ctx context.Context, c *ent.Client) (service.Policy, cadence.Calendar, error) {
	_, cal, err := followup.PolicyOf(ctx, c)
	if err != nil {
		return service.Policy{}, cal, err
	}
	org, err := c.Organization.Get(viewer.SystemOf(ctx), viewer.FromContext(ctx).OrgID)
	if err != nil {
		return service.Policy{}, cal, err
	}
	return service.Policy{
		NewAccountDays:      org.ServiceNewAccountDays,
		NoOrderDays:         org.ServiceNoOrderDays,
		CallWithinDays:      org.ServiceCallWithinDays,
		NotCooperatingMonth: org.ServiceNotCooperatingMonths,
		ContactsPerMonth:    org.ServiceContactsPerMonth,
		NoFollowUpMonths:    org.ServiceNoFollowUpMonths,
	}, cal, nil
}

// Flag is an account a rule flags, since when, and when its action is due.
type Flag struct {
	Rule        service.Rule
	Since       time.Time
	ActionDueAt time.Time
	Account     *ent.Account
	stream      int      // the stream it came from
	pos         position // its place in the stream
}

// FlagEdge and FlagConnection page the watchlist (Relay). A cursor holds
// where each of the list's streams stopped.
type FlagEdge struct {
	Node   *Flag
	Cursor ent.Cursor
}

type FlagConnection struct {
	Edges      []*FlagEdge
	PageInfo   ent.PageInfo
	TotalCount int
}

// MaxWatchPage is the largest watchlist page.
const MaxWatchPage = 500

// A stream is one index range the watchlist reads: a rule's flagged
// accounts in the order of its clock column (and id), which is the order
// of their action due times. NOT_COOPERATING has two: the accounts
// without an order for too long, then those DORMANT otherwise.
type stream struct {
	rule  service.Rule
	where []predicate.Account
	key   string // the clock column; "" orders by id alone
}

func streams(p service.Policy, rules []service.Rule, now time.Time, loc *time.Location) []stream {
	var out []stream
	for _, r := range rules {
		th := p.Threshold(r, now, loc)
		switch r {
		case service.NewAccount:
			out = append(out, stream{r, []predicate.Account{account.ServiceRepIDNotNil(), account.ServiceHandoverAtIsNil(), account.ServiceAssignedAtNotNil()}, account.FieldServiceAssignedAt})
		case service.NoRecentOrder:
			out = append(out, stream{r, []predicate.Account{account.LastOrderAtNotNil(), account.LastActivityAtLT(th)}, account.FieldLastActivityAt})
		case service.NotCooperating:
			few := fewContacts(p.ContactsPerMonth, startOfMonth(now, loc))
			out = append(out,
				stream{r, []predicate.Account{account.LastOrderAtLT(th), few}, account.FieldLastOrderAt},
				stream{r, []predicate.Account{account.LifecycleStageEQ(account.LifecycleStageDORMANT),
					account.Or(account.LastOrderAtIsNil(), account.LastOrderAtGTE(th)), few}, ""})
		case service.NoFollowUp:
			out = append(out, stream{r, []predicate.Account{account.QuietSinceLT(th), account.OutstandingBalance(0), account.ServiceTakenOverAtIsNil()}, account.FieldQuietSince})
		}
	}
	return out
}

// fewContacts: the account has had fewer than n contacts since from.
func fewContacts(n int, from time.Time) predicate.Account {
	return func(s *sql.Selector) {
		t := sql.Table(interaction.Table).As("month_contacts")
		sub := sql.Select(sql.Count("*")).From(t).
			Where(sql.And(sql.ColumnsEQ(t.C(interaction.FieldAccountID), s.C(account.FieldID)), sql.GTE(t.C(interaction.FieldOccurredAt), from)))
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString("(").Join(sub).WriteString(") < ").Arg(n)
		}))
	}
}

func startOfMonth(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
}

// watchCursor is where each stream stopped: its last key and id.
type watchCursor struct {
	Pos []position `json:"p"`
}

type position struct {
	Done bool       `json:"d,omitempty"` // every row was read
	Key  *time.Time `json:"k,omitempty"`
	ID   pulid.ID   `json:"i,omitempty"`
}

func (c watchCursor) encode() ent.Cursor {
	b, _ := json.Marshal(c)
	return ent.Cursor{Value: string(b)} // the Cursor scalar encodes it
}

func decodeCursor(cur *ent.Cursor, n int) (watchCursor, error) {
	var c watchCursor
	s, _ := cur.Value.(string)
	if err := json.Unmarshal([]byte(s), &c); err != nil || len(c.Pos) != n {
		return c, apierr.BadInput("after", "not a cursor of this watchlist")
	}
	return c, nil
}

// Watchlist lists the accounts the viewer may see that rule (every rule
// when nil) flags at now, the earliest action due first (then by rule and
// account). Each stream is one statement for the page and one for its
// count, whatever the number of accounts; a page merges the streams.
func Watchlist(ctx context.Context, c *ent.Client, rule *service.Rule, first *int, after *ent.Cursor, now time.Time,
	prepare followup.Prepare, count bool) (*FlagConnection, error) {
	n := MaxWatchPage
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxWatchPage {
		return nil, apierr.BadInput("first", "first is between 0 and %d", MaxWatchPage)
	}
	p, cal, err := PolicyOf(ctx, c)
	if err != nil {
		return nil, err
	}
	rules := []service.Rule{service.NewAccount, service.NoRecentOrder, service.NotCooperating, service.NoFollowUp}
	if rule != nil {
		if !slices.Contains(rules, *rule) {
			return nil, apierr.BadInput("rule", "unknown rule %q", *rule)
		}
		rules = []service.Rule{*rule}
	}
	ss := streams(p, rules, now, cal.Loc)
	cur := watchCursor{Pos: make([]position, len(ss))}
	if after != nil {
		if cur, err = decodeCursor(after, len(ss)); err != nil {
			return nil, err
		}
	}
	conn := &FlagConnection{Edges: []*FlagEdge{}}
	var flags []*Flag
	for i, st := range ss {
		if count {
			total, err := c.Account.Query().Where(st.where...).Count(ctx)
			if err != nil {
				return nil, err
			}
			conn.TotalCount += total
		}
		if cur.Pos[i].Done || n == 0 {
			continue
		}
		q := c.Account.Query().Where(st.where...).Where(st.after(cur.Pos[i])).Limit(n + 1)
		if st.key != "" {
			q.Order(ent.Asc(st.key), ent.Asc(account.FieldID))
		} else {
			q.Order(ent.Asc(account.FieldID))
		}
		rows, err := q.All(ctx)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			cur.Pos[i].Done = true // nothing after: so for every edge of this page
		}
		for j, a := range rows {
			f := flagOf(p, st.rule, a, now, cal.Loc)
			f.stream = i
			f.pos = position{Key: st.keyOf(a), ID: a.ID, Done: j == len(rows)-1 && len(rows) <= n}
			flags = append(flags, f)
		}
	}
	// Within a stream, the due time never decreases with its order, so a
	// stable sort by due time and stream merges the streams.
	slices.SortStableFunc(flags, func(a, b *Flag) int {
		if c := a.ActionDueAt.Compare(b.ActionDueAt); c != 0 {
			return c
		}
		return a.stream - b.stream
	})
	if len(flags) > n {
		conn.PageInfo.HasNextPage = true
		flags = flags[:n]
	}
	// The page's accounts again, as the client asked for them (nested
	// edges eager-loaded): one more statement for the whole page.
	accounts := make([]*ent.Account, len(flags))
	for i, f := range flags {
		accounts[i] = f.Account
	}
	if accounts, err = followup.Reload(ctx, c, accounts, prepare); err != nil {
		return nil, err
	}
	for i, f := range flags {
		f.Account = accounts[i]
		cur.Pos[f.stream] = f.pos
		conn.Edges = append(conn.Edges, &FlagEdge{Node: f, Cursor: cur.encode()})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn, nil
}

// after is the predicate of the stream's rows after position p.
func (st stream) after(p position) predicate.Account {
	if p.ID == "" {
		return func(*sql.Selector) {}
	}
	if st.key == "" || p.Key == nil {
		return account.IDGT(p.ID)
	}
	return func(s *sql.Selector) {
		s.Where(sql.Or(sql.GT(s.C(st.key), *p.Key), sql.And(sql.EQ(s.C(st.key), *p.Key), sql.GT(s.C(account.FieldID), p.ID))))
	}
}

func (st stream) keyOf(a *ent.Account) *time.Time {
	switch st.key {
	case account.FieldServiceAssignedAt:
		return a.ServiceAssignedAt
	case account.FieldLastOrderAt:
		return a.LastOrderAt
	case account.FieldQuietSince:
		return a.QuietSince
	case account.FieldLastActivityAt:
		return a.LastActivityAt
	}
	return nil
}

// flagOf is the rule's verdict on a row the stream's filter matched: the
// filter is the rule's threshold, so only since and the due time remain.
func flagOf(p service.Policy, r service.Rule, a *ent.Account, now time.Time, loc *time.Location) *Flag {
	f := &Flag{Rule: r, Account: a}
	monthStart := startOfMonth(now, loc)
	switch r {
	case service.NewAccount:
		f.Since = *a.ServiceAssignedAt
		f.ActionDueAt = a.ServiceAssignedAt.AddDate(0, 0, p.NewAccountDays)
	case service.NoRecentOrder:
		f.Since = a.LastActivityAt.AddDate(0, 0, p.NoOrderDays)
		f.ActionDueAt = f.Since.AddDate(0, 0, p.CallWithinDays)
	case service.NotCooperating:
		f.Since = monthStart
		if a.LastOrderAt != nil && a.LastOrderAt.Before(p.Threshold(r, now, loc)) {
			f.Since = service.PastMonths(*a.LastOrderAt, p.NotCooperatingMonth, loc)
		}
		f.ActionDueAt = monthStart.AddDate(0, 1, 0)
	case service.NoFollowUp:
		f.Since = service.PastMonths(*a.QuietSince, p.NoFollowUpMonths, loc)
		f.ActionDueAt = f.Since
	}
	return f
}
