package service

import (
	"testing"
	"time"

	"rapport/internal/cadence"
)

var sh, _ = time.LoadLocation("Asia/Shanghai")

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, sh) }

func ptr(t time.Time) *time.Time { return &t }

func TestWatchlistThresholds(t *testing.T) {
	p := DefaultPolicy
	now := at(2026, 11, 24, 10, 0)
	created := at(2026, 1, 5, 9, 0)
	for _, c := range []struct {
		name          string
		rule          Rule
		a             Account
		flagged       bool
		since, action time.Time
	}{
		{"order exactly a week ago", NoRecentOrder, Account{CreatedAt: created, LastOrderAt: ptr(now.AddDate(0, 0, -7))}, false, time.Time{}, time.Time{}},
		{"order a week and a minute ago", NoRecentOrder, Account{CreatedAt: created, LastOrderAt: ptr(now.AddDate(0, 0, -7).Add(-time.Minute))}, true, now.Add(-time.Minute), now.AddDate(0, 0, 7).Add(-time.Minute)},
		{"never ordered: a prospect", NoRecentOrder, Account{CreatedAt: created}, false, time.Time{}, time.Time{}},
		{"no order for 10 days, called 3 days ago", NoRecentOrder, Account{CreatedAt: created, LastOrderAt: ptr(now.AddDate(0, 0, -10)), LastContactAt: ptr(now.AddDate(0, 0, -3))}, false, time.Time{}, time.Time{}},
		{"no order for 10 days, called 8 days ago", NoRecentOrder, Account{CreatedAt: created, LastOrderAt: ptr(now.AddDate(0, 0, -10)), LastContactAt: ptr(now.AddDate(0, 0, -8))}, true, now.AddDate(0, 0, -1), now.AddDate(0, 0, 6)},
		{"filed 3 days ago with an old order", NoRecentOrder, Account{CreatedAt: now.AddDate(0, 0, -3), LastOrderAt: ptr(now.AddDate(0, -2, 0))}, false, time.Time{}, time.Time{}},
		{"never ordered, not dormant", NotCooperating, Account{CreatedAt: created}, false, time.Time{}, time.Time{}},
		{"order a month ago, one contact", NotCooperating, Account{CreatedAt: created, LastOrderAt: ptr(at(2026, 10, 23, 10, 0)), ContactsThisMonth: 1}, true, at(2026, 11, 24, 0, 0), at(2026, 12, 1, 0, 0)},
		{"order a month ago, two contacts", NotCooperating, Account{CreatedAt: created, LastOrderAt: ptr(at(2026, 10, 23, 10, 0)), ContactsThisMonth: 2}, false, time.Time{}, time.Time{}},
		{"order exactly a month ago", NotCooperating, Account{CreatedAt: created, LastOrderAt: ptr(at(2026, 10, 24, 10, 0))}, false, time.Time{}, time.Time{}},
		{"order on Jan 31, a month is the end of February", NotCooperating, Account{CreatedAt: created, LastOrderAt: ptr(at(2026, 1, 31, 10, 0))}, true, at(2026, 3, 1, 0, 0), at(2026, 12, 1, 0, 0)},
		{"dormant, recent order", NotCooperating, Account{CreatedAt: created, LastOrderAt: ptr(now.AddDate(0, 0, -2)), Dormant: true}, true, at(2026, 11, 1, 0, 0), at(2026, 12, 1, 0, 0)},
		{"two months and a day without contact", NoFollowUp, Account{CreatedAt: created, LastContactAt: ptr(at(2026, 9, 23, 23, 59))}, true, at(2026, 11, 24, 0, 0), at(2026, 11, 24, 0, 0)},
		{"two months to the day", NoFollowUp, Account{CreatedAt: created, LastContactAt: ptr(at(2026, 9, 24, 0, 0))}, false, time.Time{}, time.Time{}},
		{"never contacted, created long ago", NoFollowUp, Account{CreatedAt: created}, true, at(2026, 3, 6, 0, 0), at(2026, 3, 6, 0, 0)},
		{"taken over by the service department", NoFollowUp, Account{CreatedAt: created, TakenOverAt: ptr(now)}, false, time.Time{}, time.Time{}},
		{"outstanding balance excepted", NoFollowUp, Account{CreatedAt: created, OutstandingBalance: 1200}, false, time.Time{}, time.Time{}},
		{"new account, rep silent", NewAccount, Account{CreatedAt: created, RepAssignedAt: ptr(now.AddDate(0, 0, -2))}, true, now.AddDate(0, 0, -2), now.AddDate(0, 0, 5)},
		{"new account, rep reported", NewAccount, Account{CreatedAt: created, RepAssignedAt: ptr(now.AddDate(0, 0, -2)), RepContactedAt: ptr(now)}, false, time.Time{}, time.Time{}},
	} {
		f, ok := p.Check(c.rule, c.a, now, sh)
		if ok != c.flagged || (ok && (!f.Since.Equal(c.since) || !f.ActionDueAt.Equal(c.action))) {
			t.Errorf("%s: flagged %v since %v due %v; want %v since %v due %v", c.name, ok, f.Since, f.ActionDueAt, c.flagged, c.since, c.action)
		}
	}
}

// The database lists a month rule's accounts by a bound on its clock
// column (Threshold); the bound gives Check's verdict for every clock and
// every day, across month ends, short months and a leap year.
func TestThresholdsAgreeWithCheck(t *testing.T) {
	p := DefaultPolicy
	for _, rule := range []Rule{NoRecentOrder, NotCooperating, NoFollowUp} {
		for now := at(2027, 12, 20, 9, 30); now.Before(at(2028, 5, 3, 0, 0)); now = now.Add(23 * time.Hour) {
			th := p.Threshold(rule, now, sh)
			for clock := now.AddDate(0, -4, 0); clock.Before(now); clock = clock.Add(157 * time.Minute) {
				a := Account{CreatedAt: clock.AddDate(-1, 0, 0), LastOrderAt: ptr(clock), LastContactAt: ptr(clock)}
				_, flagged := p.Check(rule, a, now, sh)
				if flagged != clock.Before(th) {
					t.Fatalf("%s at %v, clock %v: flagged %v, threshold %v", rule, now, clock, flagged, th)
				}
			}
		}
	}
}

func TestSpread(t *testing.T) {
	reps := []string{"r3", "r1", "r2"}
	got, err := Spread(7, reps, map[string]int{"r2": 1})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range got {
		counts[r]++
	}
	if counts["r1"] != 3 || counts["r3"] != 2 || counts["r2"] != 2 || got[0] != "r1" || got[1] != "r3" {
		t.Fatalf("spread %v (%v): the least loaded first, counts within one", got, counts)
	}
	again, _ := Spread(7, []string{"r2", "r3", "r1"}, map[string]int{"r2": 1})
	for i := range got {
		if got[i] != again[i] {
			t.Fatal("spreading is not deterministic")
		}
	}
	if _, err := Spread(1, nil, nil); err == nil {
		t.Fatal("spread over no rep")
	}
}

func TestWorkingHours(t *testing.T) {
	cal := cadence.NewCalendar(sh)
	cal.Holidays[cadence.Day{Year: 2026, Month: 12, Day: 31}] = true
	cal.Workdays[cadence.Day{Year: 2027, Month: 1, Day: 2}] = true // a make-up Saturday
	h := Hours{Windows: DefaultWindows, Calendar: cal}
	for _, c := range []struct {
		t    time.Time
		open bool
	}{
		{at(2026, 11, 24, 9, 0), true}, {at(2026, 11, 24, 8, 59), false}, {at(2026, 11, 24, 12, 0), false},
		{at(2026, 11, 24, 13, 30), true}, {at(2026, 11, 24, 18, 0), false}, {at(2026, 11, 28, 10, 0), false},
		{at(2026, 12, 31, 10, 0), false}, {at(2027, 1, 2, 10, 0), true},
	} {
		if got := h.Open(c.t); got != c.open {
			t.Errorf("open at %v: %v", c.t, got)
		}
	}
	for _, c := range []struct{ assigned, due time.Time }{
		{at(2026, 11, 24, 10, 0), at(2026, 11, 27, 10, 0)},   // Tuesday → Friday, same time
		{at(2026, 11, 24, 12, 30), at(2026, 11, 27, 11, 59)}, // lands at lunch → the end of the morning
		{at(2026, 11, 25, 20, 0), at(2026, 11, 27, 17, 59)},  // lands on a Saturday evening → Friday's close
		{at(2026, 11, 26, 10, 0), at(2026, 11, 27, 17, 59)},  // lands on Sunday → Friday
		{at(2027, 1, 1, 9, 30), at(2027, 1, 4, 9, 30)},       // Friday → Monday, inside the morning
	} {
		got, err := h.CallbackDue(c.assigned)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(c.due) || !h.Open(got) {
			t.Errorf("assigned %v: due %v, want %v", c.assigned, got, c.due)
		}
	}
	nye, _ := h.CallbackDue(at(2026, 12, 28, 18, 30)) // lands on the 31st (a holiday) evening
	if !nye.Equal(at(2026, 12, 30, 17, 59)) {
		t.Errorf("over the New Year holiday: %v", nye)
	}
}

func TestEscalation(t *testing.T) {
	raised := at(2026, 11, 24, 10, 0)
	if Escalated(raised, nil, raised.Add(time.Hour)) || !Escalated(raised, nil, raised.Add(time.Hour+time.Second)) {
		t.Error("an unresolved issue escalates after exactly one hour")
	}
	if Escalated(raised, ptr(raised.Add(59*time.Minute)), raised.Add(5*time.Hour)) || !Escalated(raised, ptr(raised.Add(61*time.Minute)), raised.Add(5*time.Hour)) {
		t.Error("a resolved issue is escalated when resolved after the hour")
	}
}

func TestCreditSteps(t *testing.T) {
	roles := func(held ...CreditStep) func(CreditStep) bool {
		return func(s CreditStep) bool {
			for _, h := range held {
				if h == s {
					return true
				}
			}
			return false
		}
	}
	if err := CheckCreditDecision(0, SalesApproval, roles(SalesApproval)); err != nil {
		t.Error(err)
	}
	if err := CheckCreditDecision(0, FinanceCheck, roles(FinanceCheck)); err == nil {
		t.Error("finance before the sales manager")
	}
	if err := CheckCreditDecision(1, FinanceCheck, roles(SalesApproval)); err == nil {
		t.Error("the finance step by a sales manager")
	}
	if err := CheckCreditDecision(2, ExecutiveSign, roles(ExecutiveSign)); err != nil {
		t.Error(err)
	}
	if err := CheckCreditDecision(3, ExecutiveSign, roles(ExecutiveSign)); err == nil {
		t.Error("a decision after the last step")
	}
	if !CanFollowUp(0) || !CanFollowUp(1) || CanFollowUp(2) {
		t.Error("at most two follow-ups")
	}
}
