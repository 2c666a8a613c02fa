// Package bulletin holds the rules of the firm's publications (domain §6):
// the regular issues a cadence plans in a year and their windows, when an
// issue is late, and the issue workflow. Plain Go, no database.
package bulletin

import (
	"fmt"
	"slices"
	"time"
)

// Cadence is how often a publication appears.
type Cadence string

// The cadences. MONTHLY and QUARTERLY plan regular issues in their months
// (every month; January, April, July, October unless given); IRREGULAR
// plans none (special issues only).
const (
	Monthly   Cadence = "MONTHLY"
	Quarterly Cadence = "QUARTERLY"
	Irregular Cadence = "IRREGULAR"
)

// DefaultMonths are the months of a cadence given none.
func DefaultMonths(c Cadence) []int {
	switch c {
	case Monthly:
		return []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	case Quarterly:
		return []int{1, 4, 7, 10}
	}
	return nil
}

// Schedule is a publication's cadence: the months its regular issues
// appear in, and the days of the month of the window to publish in.
type Schedule struct {
	Cadence                      Cadence
	Months                       []int // 1–12, ascending; empty: the cadence's default
	WindowStartDay, WindowEndDay int   // 1–28… a day past the month's end means its last day
}

// Check reports what is wrong with s, naming the field.
func (s Schedule) Check() (field string, err error) {
	switch s.Cadence {
	case Monthly, Quarterly, Irregular:
	default:
		return "cadence", fmt.Errorf("unknown cadence %q", s.Cadence)
	}
	seen := map[int]bool{}
	for _, m := range s.Months {
		if m < 1 || m > 12 || seen[m] {
			return "months", fmt.Errorf("months are distinct numbers from 1 to 12")
		}
		seen[m] = true
	}
	if s.WindowStartDay < 1 || s.WindowStartDay > 31 || s.WindowEndDay < s.WindowStartDay || s.WindowEndDay > 31 {
		return "windowEndDay", fmt.Errorf("the window is days 1–31 of the month, start before end")
	}
	return "", nil
}

// Slot is a regular issue the schedule plans: its number in the year and
// the window to publish it in, [Start, End) (End is the end of the
// window's last day), in the organisation's time zone.
type Slot struct {
	Number     int
	Month      int
	Start, End time.Time
}

// Plan is the regular issues of year: one per month of the schedule,
// numbered from 1 in month order.
func (s Schedule) Plan(year int, loc *time.Location) []Slot {
	months := s.Months
	if len(months) == 0 {
		months = DefaultMonths(s.Cadence)
	}
	months = slices.Sorted(slices.Values(months))
	out := make([]Slot, 0, len(months))
	for i, m := range months {
		out = append(out, Slot{
			Number: i + 1,
			Month:  m,
			Start:  day(year, m, s.WindowStartDay, loc),
			End:    day(year, m, s.WindowEndDay, loc).AddDate(0, 0, 1),
		})
	}
	return out
}

// day is the start of day d of month m (clamped to the month's last day).
func day(year, m, d int, loc *time.Location) time.Time {
	last := time.Date(year, time.Month(m)+1, 0, 0, 0, 0, 0, loc).Day()
	return time.Date(year, time.Month(m), min(d, last), 0, 0, 0, 0, loc)
}

// Late reports whether the issue of slot is late at now: not published
// (publishedAt nil) when its window has ended, or published after it.
func Late(slot Slot, publishedAt *time.Time, now time.Time) bool {
	if publishedAt != nil {
		return !publishedAt.Before(slot.End)
	}
	return !now.Before(slot.End)
}

// Status is where an issue stands.
type Status string

// The workflow, one step at a time.
const (
	Planned   Status = "PLANNED"
	Editing   Status = "EDITING"
	InReview  Status = "IN_REVIEW"
	Approved  Status = "APPROVED"
	Published Status = "PUBLISHED"
)

// Workflow is the order of the statuses.
var Workflow = []Status{Planned, Editing, InReview, Approved, Published}

// Advance checks the step from from to to: only the next status.
func Advance(from, to Status) error {
	i, j := slices.Index(Workflow, from), slices.Index(Workflow, to)
	if i < 0 || j < 0 {
		return fmt.Errorf("unknown status")
	}
	if j != i+1 {
		return fmt.Errorf("an issue moves one step at a time: it is %s, so the next step is %s", from, next(i))
	}
	return nil
}

func next(i int) string {
	if i+1 < len(Workflow) {
		return string(Workflow[i+1])
	}
	return "none (it is published)"
}
