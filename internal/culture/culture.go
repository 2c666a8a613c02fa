// Package culture holds the rules of the culture office's work (domain
// §5): the life cycle of plans and campaigns, and who gets a place at an
// activity. Plain Go, no database: internal/cultureops applies them to
// stored rows.
package culture

import (
	"fmt"
	"slices"
	"time"
)

// Status is where a culture plan or campaign stands.
type Status string

// The life cycle: DRAFT → SUBMITTED → APPROVED | REJECTED → PUBLISHED →
// COMPLETED, or CANCELLED from any state before COMPLETED. A rejected one
// is revised and submitted again.
const (
	Draft     Status = "DRAFT"
	Submitted Status = "SUBMITTED"
	Approved  Status = "APPROVED"
	Rejected  Status = "REJECTED"
	Published Status = "PUBLISHED"
	Completed Status = "COMPLETED"
	Cancelled Status = "CANCELLED"
)

// Statuses lists every status, in life-cycle order.
var Statuses = []Status{Draft, Submitted, Approved, Rejected, Published, Completed, Cancelled}

// Action is a step of the life cycle.
type Action string

// The actions.
const (
	Submit   Action = "submit"
	Approve  Action = "approve"
	Reject   Action = "reject"
	Publish  Action = "publish"
	Complete Action = "complete"
	Cancel   Action = "cancel"
)

// steps is the life cycle: from a status, what each action leads to.
var steps = map[Status]map[Action]Status{
	Draft:     {Submit: Submitted, Cancel: Cancelled},
	Submitted: {Approve: Approved, Reject: Rejected, Cancel: Cancelled},
	Rejected:  {Submit: Submitted, Cancel: Cancelled},
	Approved:  {Publish: Published, Cancel: Cancelled},
	Published: {Complete: Completed, Cancel: Cancelled},
}

// TransitionError is an action the current status does not allow.
type TransitionError struct {
	From   Status
	Action Action
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot %s: the status is %s", e.Action, e.From)
}

// Next is the status that action leads to from from, or a
// *TransitionError naming from when the life cycle does not allow it.
func Next(from Status, action Action) (Status, error) {
	to, ok := steps[from][action]
	if !ok {
		return from, &TransitionError{From: from, Action: action}
	}
	return to, nil
}

// VisibleStatuses are the statuses in which a plan or campaign is shown
// to everyone (rather than only to the culture office and executives).
var VisibleStatuses = []Status{Published, Completed}

// Visible reports whether status s is one of VisibleStatuses.
func Visible(s Status) bool { return slices.Contains(VisibleStatuses, s) }

// Strings returns statuses as strings, for queries.
func Strings(statuses []Status) []string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return out
}

// Place is what a registration holds.
type Place string

// The places.
const (
	Registered Place = "REGISTERED"
	Waitlisted Place = "WAITLISTED"
	Withdrawn  Place = "CANCELLED"
	Attended   Place = "ATTENDED"
)

// Holds reports whether p takes one of an activity's places.
func Holds(p Place) bool { return p == Registered || p == Attended }

// Admit is the place of a new registration at an activity of capacity
// (nil: unlimited) whose places taken are taken.
func Admit(capacity *int, taken int) Place {
	if capacity == nil || taken < *capacity {
		return Registered
	}
	return Waitlisted
}

// Promotions is how many of the waitlist move up when places taken of
// capacity are held: the free places, none when unlimited or full.
func Promotions(capacity *int, taken, waiting int) int {
	if capacity == nil {
		return waiting
	}
	return max(0, min(waiting, *capacity-taken))
}

// Deadline is when registration for an activity closes: its deadline when
// it has one, else when it starts.
func Deadline(deadline *time.Time, startsAt time.Time) time.Time {
	if deadline != nil {
		return *deadline
	}
	return startsAt
}

// Open reports whether registration is open at now.
func Open(deadline *time.Time, startsAt, now time.Time) bool {
	return !now.After(Deadline(deadline, startsAt))
}
