// Package service holds the customer-service rules (domain §3 dormant
// accounts, §4 callbacks and complaints, §2 credit changes): which
// accounts the watchlist flags and since when, spreading callbacks over
// reps, scheduling inside the organisation's working hours, the one-hour
// escalation of issues, the credit approval steps and the complaint
// follow-up limit. Plain Go, no database.
package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"rapport/internal/cadence"
)

// Rule is a watchlist rule.
type Rule string

// The watchlist rules.
const (
	NewAccount     Rule = "NEW_ACCOUNT"     // a rep assigned, who has not yet contacted the account manager
	NoRecentOrder  Rule = "NO_RECENT_ORDER" // no order (nor contact) for over a week: a call within the next week
	NotCooperating Rule = "NOT_COOPERATING" // no order for over a month, or DORMANT: 2 contacts a month
	NoFollowUp     Rule = "NO_FOLLOW_UP"    // no business contact for over 2 months: service takes over
)

// Policy holds the thresholds; DefaultPolicy is the domain's.
type Policy struct {
	NewAccountDays      int // the rep contacts the account manager within
	NoOrderDays         int // no order for longer flags NO_RECENT_ORDER …
	CallWithinDays      int // … and the call is due within
	NotCooperatingMonth int // no order for longer (months) flags NOT_COOPERATING
	ContactsPerMonth    int // … which needs this many contacts a month
	NoFollowUpMonths    int // no business contact for longer flags NO_FOLLOW_UP
}

// DefaultPolicy is domain §3's.
var DefaultPolicy = Policy{NewAccountDays: 7, NoOrderDays: 7, CallWithinDays: 7, NotCooperatingMonth: 1, ContactsPerMonth: 2, NoFollowUpMonths: 2}

// Account is what the watchlist reads of an account.
type Account struct {
	CreatedAt          time.Time
	LastOrderAt        *time.Time
	LastContactAt      *time.Time // by the business side
	Dormant            bool       // lifecycle DORMANT
	OutstandingBalance int64
	RepAssignedAt      *time.Time
	RepContactedAt     *time.Time // the rep's first contact with the account manager
	TakenOverAt        *time.Time // by the service department
	ContactsThisMonth  int        // in the organisation's current month
}

// Flag is a rule's verdict on an account.
type Flag struct {
	Since       time.Time // when the account became flagged
	ActionDueAt time.Time // when what the rule asks for is due
}

// Check reports whether rule flags a at now, and since when. Thresholds
// are strict: an account whose last order was exactly a week ago is not
// yet flagged by NO_RECENT_ORDER. The month rules count days in the
// organisation's time zone (like the follow-up cadence): an account whose
// last order was on October 23 has been "over a month" without one from
// November 24, 00:00; one on January 31, from March 1 (a month after it
// is the end of February). Threshold gives the same verdicts as a bound on
// the rule's clock column, which is how the database lists them.
func (p Policy) Check(rule Rule, a Account, now time.Time, loc *time.Location) (Flag, bool) {
	switch rule {
	case NewAccount:
		if a.RepAssignedAt == nil || a.RepContactedAt != nil {
			return Flag{}, false
		}
		return Flag{Since: *a.RepAssignedAt, ActionDueAt: a.RepAssignedAt.AddDate(0, 0, p.NewAccountDays)}, true
	case NoRecentOrder:
		if a.LastOrderAt == nil { // never ordered: a prospect, not a dormant client
			return Flag{}, false
		}
		// A week without an order, nor a contact since (the call it asks
		// for clears it, for a week).
		since := Later(from(a.LastContactAt, a.CreatedAt), a.LastOrderAt).AddDate(0, 0, p.NoOrderDays)
		if !now.After(since) {
			return Flag{}, false
		}
		return Flag{Since: since, ActionDueAt: since.AddDate(0, 0, p.CallWithinDays)}, true
	case NotCooperating:
		if a.ContactsThisMonth >= p.ContactsPerMonth {
			return Flag{}, false
		}
		monthStart := startOfMonth(now, loc)
		due := monthStart.AddDate(0, 1, 0)
		switch {
		case a.LastOrderAt != nil && !now.Before(PastMonths(*a.LastOrderAt, p.NotCooperatingMonth, loc)):
			return Flag{Since: PastMonths(*a.LastOrderAt, p.NotCooperatingMonth, loc), ActionDueAt: due}, true
		case a.Dormant:
			return Flag{Since: monthStart, ActionDueAt: due}, true
		}
		return Flag{}, false
	case NoFollowUp:
		since := PastMonths(from(a.LastContactAt, a.CreatedAt), p.NoFollowUpMonths, loc)
		if a.OutstandingBalance > 0 || a.TakenOverAt != nil || now.Before(since) {
			return Flag{}, false
		}
		return Flag{Since: since, ActionDueAt: since}, true
	}
	return Flag{}, false
}

// Threshold is, for a rule with a clock (NO_RECENT_ORDER: the later of the
// last order and the last contact or creation; NOT_COOPERATING: the last
// order; NO_FOLLOW_UP: the last contact, or the creation), the
// instant such that the clock has run out at now exactly when it is before
// it. The zero time for NEW_ACCOUNT, which has no clock.
func (p Policy) Threshold(rule Rule, now time.Time, loc *time.Location) time.Time {
	switch rule {
	case NoRecentOrder:
		return now.AddDate(0, 0, -p.NoOrderDays)
	case NotCooperating:
		return monthsThreshold(now, p.NotCooperatingMonth, loc)
	case NoFollowUp:
		return monthsThreshold(now, p.NoFollowUpMonths, loc)
	}
	return time.Time{}
}

// PastMonths is the start of the first day (in loc) on which a clock set
// at t has run for over n calendar months: the day after t's day n months
// on, clamped to the month's end.
func PastMonths(t time.Time, n int, loc *time.Location) time.Time {
	d := addMonths(startOfDay(t, loc), n, loc)
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
}

// monthsThreshold is the start of the first day L (in loc) whose clock
// has not yet run for over n months at now: PastMonths(t) <= now exactly
// when t's day is before L. Adding months (clamped) never decreases a day,
// so the days that ran out are those before L: n months before today, or,
// when that month is too short for today's day, the first day of the month
// after it.
func monthsThreshold(now time.Time, n int, loc *time.Location) time.Time {
	today := now.In(loc)
	first := time.Date(today.Year(), today.Month()-time.Month(n), 1, 0, 0, 0, 0, loc)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, loc).Day()
	if today.Day() > last {
		return first.AddDate(0, 1, 0)
	}
	return time.Date(first.Year(), first.Month(), today.Day(), 0, 0, 0, 0, loc)
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// Later is the later of t and u (t when u is nil): the service clocks
// (quiet since the last contact or creation; last activity, order or
// contact).
func Later(t time.Time, u *time.Time) time.Time {
	if u != nil && u.After(t) {
		return *u
	}
	return t
}

func from(t *time.Time, otherwise time.Time) time.Time {
	if t != nil {
		return *t
	}
	return otherwise
}

func startOfMonth(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
}

// addMonths adds n months in loc, clamped to the end of a shorter month
// (January 31 + 1 month is the end of February).
func addMonths(t time.Time, n int, loc *time.Location) time.Time {
	l := t.In(loc)
	first := time.Date(l.Year(), l.Month()+time.Month(n), 1, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, loc).Day()
	return first.AddDate(0, 0, min(l.Day(), last)-1)
}

// Spread assigns n callbacks over reps in turn, starting with the reps
// that carry the fewest open callbacks (ties by ID): deterministic, and the
// counts given differ by at most one.
func Spread(n int, reps []string, load map[string]int) ([]string, error) {
	if len(reps) == 0 {
		return nil, errors.New("no service rep to assign to")
	}
	order := slices.Clone(reps)
	slices.SortFunc(order, func(a, b string) int {
		if d := load[a] - load[b]; d != 0 {
			return d
		}
		if a < b {
			return -1
		}
		if a > b {
			return 1
		}
		return 0
	})
	out := make([]string, n)
	for i := range out {
		out[i] = order[i%len(order)]
	}
	return out, nil
}

// Window is a span of working time in a day, in minutes from midnight.
type Window struct{ From, To int }

// Hours are the organisation's working hours (domain §4 rest times): the
// windows of a working day of the calendar.
type Hours struct {
	Windows  []Window
	Calendar cadence.Calendar
}

// DefaultWindows are 09:00–12:00 and 13:30–18:00.
var DefaultWindows = []Window{{9 * 60, 12 * 60}, {13*60 + 30, 18 * 60}}

// Open reports whether t is working time.
func (h Hours) Open(t time.Time) bool {
	l := t.In(h.Calendar.Loc)
	if !h.Calendar.Working(h.Calendar.DayOf(t)) {
		return false
	}
	m := l.Hour()*60 + l.Minute()
	for _, w := range h.Windows {
		if m >= w.From && m < w.To {
			return true
		}
	}
	return false
}

// LatestBefore is the last moment of working time at or before t (the end
// of the window t falls after): a due time never falls in a rest time.
func (h Hours) LatestBefore(t time.Time) (time.Time, error) {
	for range 60 { // two months of days off in a row would be a broken calendar
		day := h.Calendar.DayOf(t)
		start := h.Calendar.Start(day)
		if h.Calendar.Working(day) {
			for j := len(h.Windows) - 1; j >= 0; j-- {
				w := h.Windows[j]
				open := start.Add(time.Duration(w.From) * time.Minute)
				closed := start.Add(time.Duration(w.To) * time.Minute)
				switch {
				case !t.Before(closed):
					return closed.Add(-time.Minute), nil
				case !t.Before(open):
					return t, nil
				}
			}
		}
		t = start.Add(-time.Nanosecond) // the end of the day before
	}
	return time.Time{}, errors.New("no working time in the last 60 days")
}

// CallbackDays is how long a rep has for a callback.
const CallbackDays = 3

// CallbackDue is when a callback assigned at assigned is due: within
// CallbackDays, at the last working moment before that.
func (h Hours) CallbackDue(assigned time.Time) (time.Time, error) {
	return h.LatestBefore(assigned.Add(CallbackDays * 24 * time.Hour))
}

// EscalateAfter is how long a supervisor has to resolve an issue raised in
// a callback before it is escalated.
const EscalateAfter = time.Hour

// Escalated reports whether an issue raised at raised is escalated at
// now: unresolved (resolved nil) an hour after, or resolved after that.
// Derived from stored times, so every instance agrees without a timer.
func Escalated(raised time.Time, resolved *time.Time, now time.Time) bool {
	deadline := raised.Add(EscalateAfter)
	if resolved != nil {
		return resolved.After(deadline)
	}
	return now.After(deadline)
}

// CreditStep is a step of a credit-term change.
type CreditStep string

// The steps, in order: the sales manager approves, finance checks, an
// executive signs.
const (
	SalesApproval CreditStep = "SALES_MANAGER"
	FinanceCheck  CreditStep = "FINANCE"
	ExecutiveSign CreditStep = "EXECUTIVE"
)

// CreditSteps is their order.
var CreditSteps = []CreditStep{SalesApproval, FinanceCheck, ExecutiveSign}

// NextCreditStep is the step after done approving steps (in order), or
// "" when all are done.
func NextCreditStep(done int) CreditStep {
	if done < 0 || done >= len(CreditSteps) {
		return ""
	}
	return CreditSteps[done]
}

// CheckCreditDecision refuses a decision on step when done steps were
// approved so far, or by someone without the step's role.
func CheckCreditDecision(done int, step CreditStep, holds func(CreditStep) bool) error {
	next := NextCreditStep(done)
	if next == "" {
		return errors.New("the request is decided")
	}
	if step != next {
		return fmt.Errorf("the next step is %s, not %s", next, step)
	}
	if !holds(step) {
		return fmt.Errorf("the %s step is decided by a holder of that role", step)
	}
	return nil
}

// MaxFollowUps is how many times a client is asked, after a complaint is
// resolved, whether they are satisfied.
const MaxFollowUps = 2

// CanFollowUp reports whether another satisfaction follow-up may be
// recorded after asked ones.
func CanFollowUp(asked int) bool { return asked < MaxFollowUps }

type creditApprovalKey struct{}

// WithCreditApproval marks ctx as applying a credit change whose last step
// approved it: only then may an account's credit limit and payment term
// change (the Account policy asks CreditApproval).
func WithCreditApproval(ctx context.Context) context.Context {
	return context.WithValue(ctx, creditApprovalKey{}, true)
}

// CreditApproval reports whether ctx applies an approved credit change.
func CreditApproval(ctx context.Context) bool {
	ok, _ := ctx.Value(creditApprovalKey{}).(bool)
	return ok
}
