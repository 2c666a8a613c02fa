package bulletin

import (
	"testing"
	"time"
)

func TestPlan(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	q := Schedule{Cadence: Quarterly, WindowStartDay: 10, WindowEndDay: 15}
	slots := q.Plan(2027, sh)
	if len(slots) != 4 {
		t.Fatalf("%d quarterly slots", len(slots))
	}
	for i, want := range []time.Month{time.January, time.April, time.July, time.October} {
		s := slots[i]
		if s.Number != i+1 || s.Start != time.Date(2027, want, 10, 0, 0, 0, 0, sh) || s.End != time.Date(2027, want, 16, 0, 0, 0, 0, sh) {
			t.Errorf("slot %d: %+v", i, s)
		}
	}
	m := Schedule{Cadence: Monthly, WindowStartDay: 25, WindowEndDay: 31}
	feb := m.Plan(2027, sh)[1]
	if feb.Start != time.Date(2027, 2, 25, 0, 0, 0, 0, sh) || feb.End != time.Date(2027, 3, 1, 0, 0, 0, 0, sh) {
		t.Errorf("February's window: %v – %v", feb.Start, feb.End)
	}
	dec := m.Plan(2026, sh)[11]
	if dec.Number != 12 || dec.End != time.Date(2027, 1, 1, 0, 0, 0, 0, sh) {
		t.Errorf("December's window crosses into the next year: %+v", dec)
	}
	odd := Schedule{Cadence: Quarterly, Months: []int{11, 2}, WindowStartDay: 1, WindowEndDay: 5}.Plan(2027, sh)
	if odd[0].Month != 2 || odd[1].Month != 11 || odd[1].Number != 2 {
		t.Errorf("given months are planned in order: %+v", odd)
	}
	if n := len(Schedule{Cadence: Irregular, WindowStartDay: 1, WindowEndDay: 1}.Plan(2027, sh)); n != 0 {
		t.Errorf("an irregular publication plans %d issues", n)
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		s     Schedule
		field string
	}{
		{Schedule{Cadence: Quarterly, WindowStartDay: 10, WindowEndDay: 15}, ""},
		{Schedule{Cadence: "WEEKLY", WindowStartDay: 1, WindowEndDay: 2}, "cadence"},
		{Schedule{Cadence: Monthly, Months: []int{13}, WindowStartDay: 1, WindowEndDay: 2}, "months"},
		{Schedule{Cadence: Monthly, Months: []int{3, 3}, WindowStartDay: 1, WindowEndDay: 2}, "months"},
		{Schedule{Cadence: Monthly, WindowStartDay: 15, WindowEndDay: 10}, "windowEndDay"},
		{Schedule{Cadence: Monthly, WindowStartDay: 0, WindowEndDay: 10}, "windowEndDay"},
	} {
		if field, _ := c.s.Check(); field != c.field {
			t.Errorf("%+v: field %q, want %q", c.s, field, c.field)
		}
	}
}

func TestLate(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	slot := Schedule{Cadence: Quarterly, WindowStartDay: 10, WindowEndDay: 15}.Plan(2027, sh)[0]
	inWindow := time.Date(2027, 1, 15, 23, 0, 0, 0, sh)
	after := time.Date(2027, 1, 16, 0, 0, 0, 0, sh)
	if Late(slot, nil, inWindow) || !Late(slot, nil, after) {
		t.Error("an unpublished issue is late from the end of the 15th")
	}
	if Late(slot, &inWindow, after.AddDate(0, 1, 0)) || !Late(slot, &after, after) {
		t.Error("a published issue is late when published after its window")
	}
}

func TestAdvance(t *testing.T) {
	for _, c := range []struct {
		from, to Status
		ok       bool
	}{
		{Planned, Editing, true}, {Editing, InReview, true}, {InReview, Approved, true}, {Approved, Published, true},
		{Planned, InReview, false}, {Editing, Published, false}, {Published, Planned, false}, {InReview, Editing, false}, {Published, Published, false},
	} {
		if err := Advance(c.from, c.to); (err == nil) != c.ok {
			t.Errorf("%s → %s: %v", c.from, c.to, err)
		}
	}
}
