package culture

import (
	"errors"
	"testing"
	"time"
)

func TestLifeCycle(t *testing.T) {
	for _, c := range []struct {
		from   Status
		action Action
		to     Status // "" when refused
	}{
		{Draft, Submit, Submitted},
		{Draft, Approve, ""},
		{Draft, Publish, ""},
		{Draft, Cancel, Cancelled},
		{Submitted, Approve, Approved},
		{Submitted, Reject, Rejected},
		{Submitted, Publish, ""},
		{Submitted, Submit, ""},
		{Rejected, Submit, Submitted},
		{Rejected, Publish, ""},
		{Rejected, Approve, ""},
		{Approved, Publish, Published},
		{Approved, Approve, ""},
		{Approved, Complete, ""},
		{Published, Complete, Completed},
		{Published, Cancel, Cancelled},
		{Published, Publish, ""},
		{Completed, Cancel, ""},
		{Completed, Submit, ""},
		{Cancelled, Submit, ""},
		{Cancelled, Cancel, ""},
	} {
		got, err := Next(c.from, c.action)
		if c.to == "" {
			var te *TransitionError
			if !errors.As(err, &te) || te.From != c.from || got != c.from {
				t.Errorf("%s from %s: got %s, %v; want refused naming %s", c.action, c.from, got, err, c.from)
			}
			continue
		}
		if err != nil || got != c.to {
			t.Errorf("%s from %s: got %s, %v; want %s", c.action, c.from, got, err, c.to)
		}
	}
	for _, s := range Statuses {
		if Visible(s) != (s == Published || s == Completed) {
			t.Errorf("visible %s: %v", s, Visible(s))
		}
	}
}

func TestPlaces(t *testing.T) {
	two := 2
	for _, c := range []struct {
		capacity *int
		taken    int
		want     Place
	}{
		{nil, 0, Registered}, {nil, 1000, Registered},
		{&two, 0, Registered}, {&two, 1, Registered}, {&two, 2, Waitlisted}, {&two, 3, Waitlisted},
	} {
		if got := Admit(c.capacity, c.taken); got != c.want {
			t.Errorf("capacity %v, %d taken: %s, want %s", c.capacity, c.taken, got, c.want)
		}
	}
	for _, c := range []struct {
		capacity              *int
		taken, waiting, moves int
	}{
		{&two, 1, 3, 1}, {&two, 2, 3, 0}, {&two, 0, 1, 1}, {&two, 0, 5, 2}, {nil, 7, 4, 4}, {&two, 3, 2, 0},
	} {
		if got := Promotions(c.capacity, c.taken, c.waiting); got != c.moves {
			t.Errorf("capacity %v, %d taken, %d waiting: %d promoted, want %d", c.capacity, c.taken, c.waiting, got, c.moves)
		}
	}
	for _, p := range []Place{Registered, Attended} {
		if !Holds(p) {
			t.Errorf("%s holds no place", p)
		}
	}
	for _, p := range []Place{Waitlisted, Withdrawn} {
		if Holds(p) {
			t.Errorf("%s holds a place", p)
		}
	}
}

func TestRegistrationCloses(t *testing.T) {
	starts := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	deadline := time.Date(2027, 1, 28, 16, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		deadline *time.Time
		now      time.Time
		open     bool
	}{
		{&deadline, deadline.Add(-time.Minute), true},
		{&deadline, deadline, true},
		{&deadline, deadline.Add(time.Second), false},
		{nil, starts.Add(-time.Hour), true},
		{nil, starts.Add(time.Second), false},
	} {
		if got := Open(c.deadline, starts, c.now); got != c.open {
			t.Errorf("deadline %v at %s: open %v, want %v", c.deadline, c.now, got, c.open)
		}
	}
}
