package cadence

import (
	"fmt"
	"testing"
)

func TestScore(t *testing.T) {
	p := DefaultPolicy()
	for _, c := range []struct {
		a    ReviewAccount
		want float64
	}{
		{ReviewAccount{Tier: TierA, Intent: "HIGH", Stage: "ACTIVE", Calls: 5}, 100},                // weekly calls in a 30-day month: 30/7 ≈ 4.3 asked
		{ReviewAccount{Tier: TierA, Intent: "HIGH", Stage: "ACTIVE", Calls: 2}, 50 + 14 + 20},       // 2 / 4.29 of 30
		{ReviewAccount{Tier: TierC, Intent: "LOW", Stage: "PROSPECT", Calls: 1}, 0 + 14 + 6},        // 1 of 2.14 asked
		{ReviewAccount{Tier: TierB, Intent: "MEDIUM", Stage: "LOST", Calls: 0}, 25},                 //
		{ReviewAccount{Tier: TierC, Intent: "MEDIUM", Stage: "DEVELOPING", Calls: 9}, 25 + 30 + 12}, // capped
	} {
		if got := Score(c.a, p, 30); got != c.want {
			t.Errorf("Score(%+v) = %v, want %v", c.a, got, c.want)
		}
	}
}

func TestReviewAimsAt20_40_40(t *testing.T) {
	var accounts []ReviewAccount
	intents := []string{"HIGH", "MEDIUM", "LOW"}
	for i := range 10 {
		accounts = append(accounts, ReviewAccount{ID: fmt.Sprintf("a%02d", i), Tier: TierC, Intent: intents[i%3], Stage: "ACTIVE", Calls: i % 4})
	}
	got := Review(accounts, DefaultPolicy(), 30)
	count := map[Tier]int{}
	for i, p := range got {
		count[p.Proposed]++
		if i > 0 && p.Score > got[i-1].Score {
			t.Fatalf("not ranked: %v", got)
		}
	}
	if count[TierA] != 2 || count[TierB] != 4 || count[TierC] != 4 {
		t.Fatalf("shares %v, want 2/4/4", count)
	}
	// Equal scores: the current tier, then the ID, decides; the review is stable.
	tied := []ReviewAccount{{ID: "b", Tier: TierB, Intent: "HIGH"}, {ID: "a", Tier: TierC, Intent: "HIGH"}, {ID: "c", Tier: TierA, Intent: "HIGH"}}
	r := Review(tied, DefaultPolicy(), 30)
	if r[0].Account.ID != "c" || r[1].Account.ID != "b" || r[2].Account.ID != "a" {
		t.Fatalf("tie order %v", r)
	}
	if len(Review(nil, DefaultPolicy(), 30)) != 0 {
		t.Fatal("a review of nothing proposed something")
	}
}

func TestParseMonth(t *testing.T) {
	for _, bad := range []string{"2026-13", "2026-1", "26-01", "2026-00", "", "2026-01-01"} {
		if _, err := ParseMonth(bad); err == nil {
			t.Errorf("ParseMonth(%q) accepted", bad)
		}
	}
	m, err := ParseMonth("2024-02")
	if err != nil || m.Days() != 29 {
		t.Fatalf("2024-02: %v, %d days", err, m.Days())
	}
	from, to := m.Span(NewCalendar(shanghai))
	if from.Format("2006-01-02T15:04Z07:00") != "2024-02-01T00:00+08:00" || to.Format("2006-01-02") != "2024-03-01" {
		t.Fatalf("span %v – %v", from, to)
	}
}
