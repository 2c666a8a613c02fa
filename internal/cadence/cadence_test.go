package cadence

import (
	"testing"
	"time"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func day(s string) Day {
	d, err := ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at is a Shanghai wall-clock time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

func TestAddMonthsClamped(t *testing.T) {
	for _, c := range []struct {
		from   string
		months int
		want   string
	}{
		{"2026-12-31", 2, "2027-02-28"},
		{"2027-12-31", 2, "2028-02-29"}, // leap year
		{"2026-01-31", 1, "2026-02-28"},
		{"2026-03-31", 3, "2026-06-30"},
		{"2026-05-15", 4, "2026-09-15"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2026-08-31", 4, "2026-12-31"},
	} {
		if got := day(c.from).AddMonthsClamped(c.months); got != day(c.want) {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.months, got, c.want)
		}
	}
}

func TestWorkingDays(t *testing.T) {
	cal := NewCalendar(shanghai)
	cal.Holidays[day("2026-10-01")] = true // National Day, a Thursday
	cal.Holidays[day("2026-10-02")] = true
	cal.Workdays[day("2026-10-10")] = true // a make-up Saturday
	for _, c := range []struct{ d, want string }{
		{"2026-11-23", "2026-11-23"}, // a Monday
		{"2026-11-28", "2026-11-27"}, // Saturday → Friday
		{"2026-11-29", "2026-11-27"}, // Sunday → Friday
		{"2026-10-02", "2026-09-30"}, // holiday Friday → before the holidays
		{"2026-10-04", "2026-09-30"}, // the weekend after them too
		{"2026-10-10", "2026-10-10"}, // make-up Saturday is a working day
		{"2026-10-11", "2026-10-10"}, // the Sunday after it
	} {
		if got := cal.OnOrBeforeWorking(day(c.d)); got != day(c.want) {
			t.Errorf("working day on or before %s = %s, want %s", c.d, got, c.want)
		}
	}
}

func TestNext(t *testing.T) {
	p := DefaultPolicy()
	cal := NewCalendar(shanghai)
	cal.Holidays[day("2027-02-26")] = true
	created := at("2026-11-02 10:00") // a Monday
	for _, c := range []struct {
		name             string
		acc              Account
		wantCall, wantVt string
	}{
		{"never contacted: due from creation", Account{Tier: TierA, CreatedAt: created}, "2026-11-09", "2027-01-01"},
		{"B: weekly calls, 3-month visits", Account{Tier: TierB, CreatedAt: created, LastCall: ptr(at("2026-11-10 09:00")), LastVisit: ptr(at("2026-11-10 09:00"))}, "2026-11-17", "2027-02-10"},
		{"C: fortnightly calls, 4-month visits", Account{Tier: TierC, CreatedAt: created, LastCall: ptr(at("2026-11-10 09:00")), LastVisit: ptr(at("2026-11-10 09:00"))}, "2026-11-24", "2027-03-10"},
		// Dec 31 + 2 months = Feb 28, 2027, a Sunday → Friday Feb 26, a holiday here → Thursday Feb 25.
		{"A visit on Dec 31: end of February, moved back off the weekend and a holiday", Account{Tier: TierA, CreatedAt: created, LastCall: ptr(at("2026-12-31 15:00")), LastVisit: ptr(at("2026-12-31 15:00"))}, "2027-01-07", "2027-02-25"},
		// A call at 23:30 UTC on Friday Nov 20 is Saturday Nov 21 in Shanghai: + 7 = Saturday Nov 28 → Friday Nov 27.
		{"the org's time zone decides the day", Account{Tier: TierA, CreatedAt: created, LastCall: ptr(time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC))}, "2026-11-27", "2027-01-01"},
		{"a due Saturday moves back to Friday", Account{Tier: TierB, CreatedAt: created, LastCall: ptr(at("2026-11-21 10:00"))}, "2026-11-27", "2027-02-02"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Next(c.acc, p, cal)
			if d := cal.DayOf(got.Call); d != day(c.wantCall) {
				t.Errorf("next call %s, want %s", d, c.wantCall)
			}
			if d := cal.DayOf(got.Visit); d != day(c.wantVt) {
				t.Errorf("next visit %s, want %s", d, c.wantVt)
			}
			if !got.Call.Equal(cal.Start(cal.DayOf(got.Call))) {
				t.Errorf("due instant %v is not the start of its day in the org's zone", got.Call)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	created := at("2026-11-02 10:00")
	newer, older := at("2026-11-20 10:00"), at("2026-11-10 10:00")
	for _, c := range []struct {
		name                string
		tier                Tier
		start               Account
		contact             Contact
		wantCall, wantVisit *time.Time
	}{
		{"a phone call keeps the call cadence, not the visit's", TierB, Account{}, Contact{Kind: Phone, OccurredAt: newer}, &newer, nil},
		{"a visit is also a call", TierB, Account{}, Contact{Kind: Visit, OccurredAt: newer}, &newer, &newer},
		{"an A visit without a decision maker is only a call", TierA, Account{}, Contact{Kind: Visit, OccurredAt: newer}, &newer, nil},
		{"an A visit with a decision maker counts", TierA, Account{}, Contact{Kind: Visit, OccurredAt: newer, DecisionMakerMet: true}, &newer, &newer},
		{"a meeting is a call", TierC, Account{}, Contact{Kind: Meeting, OccurredAt: newer}, &newer, nil},
		{"an e-mail is no call", TierC, Account{}, Contact{Kind: Email, OccurredAt: newer}, nil, nil},
		{"a greeting is no call", TierC, Account{}, Contact{Kind: Greeting, OccurredAt: newer}, nil, nil},
		{"an older contact logged late never moves a date backwards", TierB, Account{LastCall: &newer, LastVisit: &newer}, Contact{Kind: Visit, OccurredAt: older}, &newer, &newer},
		{"a contact logged late counts from when it occurred", TierB, Account{}, Contact{Kind: Phone, OccurredAt: older}, &older, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := c.start
			a.Tier, a.CreatedAt = c.tier, created
			a.Record(c.contact)
			if !same(a.LastCall, c.wantCall) || !same(a.LastVisit, c.wantVisit) {
				t.Fatalf("last call %v, last visit %v; want %v, %v", a.LastCall, a.LastVisit, c.wantCall, c.wantVisit)
			}
		})
	}
}

func same(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }

// A tier change recomputes: the same contacts give the new tier's cadence.
func TestTierChangeRecomputes(t *testing.T) {
	cal := NewCalendar(shanghai)
	last := at("2026-11-10 10:00")
	a := Account{Tier: TierC, CreatedAt: at("2026-01-05 09:00"), LastCall: &last, LastVisit: &last}
	before := Next(a, DefaultPolicy(), cal)
	a.Tier = TierA
	after := Next(a, DefaultPolicy(), cal)
	if cal.DayOf(before.Call) != day("2026-11-24") || cal.DayOf(after.Call) != day("2026-11-17") ||
		cal.DayOf(before.Visit) != day("2027-03-10") || cal.DayOf(after.Visit) != day("2027-01-08") {
		t.Fatalf("C→A: calls %s→%s, visits %s→%s", cal.DayOf(before.Call), cal.DayOf(after.Call), cal.DayOf(before.Visit), cal.DayOf(after.Visit))
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	p := DefaultPolicy()
	p.CallDays[TierB] = 0
	if p.Validate() == nil {
		t.Fatal("a zero-day cadence passed")
	}
}

func TestOverContacted(t *testing.T) {
	p := DefaultPolicy()
	for _, c := range []struct {
		contacts, days int
		tier           Tier
		want           bool
	}{
		{3, 7, TierC, true},   // three calls in one week to a C account
		{2, 7, TierC, false},  // twice the one asked for
		{3, 7, TierA, true},   // A: one a week asked for
		{4, 14, TierA, false}, // two asked for in two weeks
		{5, 14, TierA, true},
		{4, 30, TierC, false}, // three asked for in a month
		{7, 30, TierC, true},
		{1, 1, TierC, false},
	} {
		if got := OverContacted(c.contacts, c.tier, c.days, p); got != c.want {
			t.Errorf("%d contacts in %d days to %s: %v, want %v", c.contacts, c.days, c.tier, got, c.want)
		}
	}
}
