package cadence

import (
	"fmt"
	"time"
)

// Day is a civil date: a day in some time zone, without a time.
type Day struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDay reads "YYYY-MM-DD".
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Day{}, fmt.Errorf("%q is not a day like 2026-05-01", s)
	}
	return DayOfTime(t), nil
}

// DayOfTime is the date of t in t's own location.
func DayOfTime(t time.Time) Day {
	y, m, d := t.Date()
	return Day{y, m, d}
}

func (d Day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// date is d at midnight UTC, for arithmetic that must not see zones.
func (d Day) date() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays is the day n days after d.
func (d Day) AddDays(n int) Day { return DayOfTime(d.date().AddDate(0, 0, n)) }

// AddMonthsClamped is the same day n calendar months later, or that
// month's last day when it is shorter (Dec 31 + 2 months = Feb 28 or 29).
func (d Day) AddMonthsClamped(n int) Day {
	first := time.Date(d.Year, d.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return Day{first.Year(), first.Month(), min(d.Day, last)}
}

// Before reports whether d is earlier than e.
func (d Day) Before(e Day) bool { return d.date().Before(e.date()) }

// Weekday is d's day of the week.
func (d Day) Weekday() time.Weekday { return d.date().Weekday() }

// Calendar is an organisation's working days: Monday to Friday in its time
// zone, less its holidays, plus its make-up working days (调休: a weekend
// day worked in exchange for a holiday).
type Calendar struct {
	Loc      *time.Location
	Holidays map[Day]bool // days off that would be working days
	Workdays map[Day]bool // weekend days that are working days
}

// NewCalendar returns the calendar of a zone with no holidays: weekends only.
func NewCalendar(loc *time.Location) Calendar {
	return Calendar{Loc: loc, Holidays: map[Day]bool{}, Workdays: map[Day]bool{}}
}

// DayOf is the day of instant t in the calendar's zone.
func (c Calendar) DayOf(t time.Time) Day { return DayOfTime(t.In(c.Loc)) }

// Start is the instant day d begins in the calendar's zone.
func (c Calendar) Start(d Day) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, c.Loc)
}

// Working reports whether d is a working day.
func (c Calendar) Working(d Day) bool {
	if c.Workdays[d] {
		return true
	}
	if c.Holidays[d] {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// OnOrBeforeWorking is d when it is a working day, or else the working day
// before it: a due day never falls on a rest day, and moving it earlier
// never stretches the cadence. (A calendar without a single working day
// in the year before d returns d.)
func (c Calendar) OnOrBeforeWorking(d Day) Day {
	for i, x := 0, d; i < 366; i, x = i+1, x.AddDays(-1) {
		if c.Working(x) {
			return x
		}
	}
	return d
}
