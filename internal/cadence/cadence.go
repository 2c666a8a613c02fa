// Package cadence holds the ABC follow-up rules (domain §3): which contacts
// count for the call and visit cadence of an account, when its next call
// and next visit are due, and the working-day calendar that moves a due day
// off weekends and holidays. It is plain Go, with no database: hooks and
// resolvers feed it what they read and store what it returns.
package cadence

import (
	"fmt"
	"time"
)

// Tier is an account's ABC tier.
type Tier string

const (
	TierA Tier = "A"
	TierB Tier = "B"
	TierC Tier = "C"
)

// Kind is the kind of an interaction with an account.
type Kind string

const (
	Phone    Kind = "PHONE"
	Visit    Kind = "VISIT"
	SMS      Kind = "SMS"
	WeChat   Kind = "WECHAT"
	Email    Kind = "EMAIL"
	Meeting  Kind = "MEETING"
	Letter   Kind = "LETTER"
	Greeting Kind = "GREETING"
	Gift     Kind = "GIFT"
)

// Policy is an organisation's cadence: days between calls and calendar
// months between visits, per tier.
type Policy struct {
	CallDays    map[Tier]int
	VisitMonths map[Tier]int
}

// DefaultPolicy is the cadence of domain §3: weekly calls for A and B,
// fortnightly for C; visits every 2, 3 and 4 months.
func DefaultPolicy() Policy {
	return Policy{
		CallDays:    map[Tier]int{TierA: 7, TierB: 7, TierC: 14},
		VisitMonths: map[Tier]int{TierA: 2, TierB: 3, TierC: 4},
	}
}

// Validate checks the policy has a positive cadence for every tier.
func (p Policy) Validate() error {
	for _, t := range []Tier{TierA, TierB, TierC} {
		if d := p.CallDays[t]; d < 1 || d > 366 {
			return fmt.Errorf("calls of tier %s: %d days is not between 1 and 366", t, d)
		}
		if m := p.VisitMonths[t]; m < 1 || m > 24 {
			return fmt.Errorf("visits of tier %s: %d months is not between 1 and 24", t, m)
		}
	}
	return nil
}

// CountsAsCall reports whether a contact of this kind keeps the call
// cadence: a phone call, and anything where the people met (a visit, a
// meeting). A message, a letter, a greeting or a gift does not.
func CountsAsCall(k Kind) bool { return k == Phone || k == Visit || k == Meeting }

// CountsAsVisit reports whether a contact keeps the visit cadence of an
// account of tier t: a visit, and for tier A only a visit that met a
// decision maker (the chairman or general manager).
func CountsAsVisit(k Kind, t Tier, decisionMakerMet bool) bool {
	return k == Visit && (t != TierA || decisionMakerMet)
}

// Contact is an interaction as the cadence sees it.
type Contact struct {
	Kind             Kind
	OccurredAt       time.Time
	DecisionMakerMet bool
}

// Account is what the cadence of one account depends on.
type Account struct {
	Tier      Tier
	CreatedAt time.Time
	// The last qualifying contacts; nil when there was none.
	LastCall  *time.Time
	LastVisit *time.Time
}

// Record folds a contact into the account: it moves LastCall and LastVisit
// forward when the contact qualifies and is newer, never backwards (a
// contact logged late counts from when it occurred, but cannot undo a newer
// one). It reports whether anything changed.
func (a *Account) Record(c Contact) bool {
	changed := false
	if CountsAsCall(c.Kind) && later(c.OccurredAt, a.LastCall) {
		t := c.OccurredAt
		a.LastCall, changed = &t, true
	}
	if CountsAsVisit(c.Kind, a.Tier, c.DecisionMakerMet) && later(c.OccurredAt, a.LastVisit) {
		t := c.OccurredAt
		a.LastVisit, changed = &t, true
	}
	return changed
}

func later(t time.Time, than *time.Time) bool { return than == nil || t.After(*than) }

// Due is when an account's next call and next visit are due: the start of
// the due day in the organisation's time zone.
type Due struct {
	Call, Visit time.Time
}

// Next computes the account's due days under policy p and calendar cal:
// the last qualifying contact's day (or the day the account was created,
// when there was none) plus the tier's days or calendar months (clamped to
// the month's last day), moved back to the previous working day.
func Next(a Account, p Policy, cal Calendar) Due {
	callFrom, visitFrom := a.CreatedAt, a.CreatedAt
	if a.LastCall != nil {
		callFrom = *a.LastCall
	}
	if a.LastVisit != nil {
		visitFrom = *a.LastVisit
	}
	call := cal.DayOf(callFrom).AddDays(p.CallDays[a.Tier])
	visit := cal.DayOf(visitFrom).AddMonthsClamped(p.VisitMonths[a.Tier])
	return Due{
		Call:  cal.Start(cal.OnOrBeforeWorking(call)),
		Visit: cal.Start(cal.OnOrBeforeWorking(visit)),
	}
}

// OverContacted reports contact that exceeds the cadence by a wide margin
// (domain §3: too much contact annoys clients): more than twice the
// contacts the tier's call cadence asks for over a period of days, counting
// at least one asked for. Three calls in one week to a C account (one
// asked for every two weeks) is over; two is not.
func OverContacted(contacts int, t Tier, days int, p Policy) bool {
	every := max(p.CallDays[t], 1)
	asked := max((days+every-1)/every, 1)
	return contacts > 2*asked
}
