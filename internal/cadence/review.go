package cadence

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The monthly tier review (domain §3): every account is scored on its
// cooperation intent, how regularly it was contacted against its cadence
// during the month, and the company's strength, and the accounts are ranked
// toward the target shares: the best 20% A, the next 40% B, the rest C.
//
// The score, 0 to 100:
//
//	cooperation intent   HIGH 50, MEDIUM 25, LOW 0
//	contact regularity   up to 30: the month's qualifying calls over the
//	                     calls the current tier's cadence asks for, capped at 1
//	company strength     up to 20 by lifecycle stage: ACTIVE 20,
//	                     DEVELOPING 12, PROSPECT 6, DORMANT 3, LOST 0
//
// Ties keep the current tier's order (A before B before C), then the
// account's ID, so a review is stable.

// TargetShares are the tiers' target shares of the accounts, in percent.
var TargetShares = map[Tier]int{TierA: 20, TierB: 40, TierC: 40}

// ReviewAccount is what the review knows of an account.
type ReviewAccount struct {
	ID     string
	Tier   Tier
	Intent string // HIGH, MEDIUM, LOW
	Stage  string // PROSPECT, DEVELOPING, ACTIVE, DORMANT, LOST
	Calls  int    // qualifying calls (phone, visit, meeting) in the month
}

// Proposal is the review's proposed tier for an account.
type Proposal struct {
	Account  ReviewAccount
	Proposed Tier
	Score    float64
}

var (
	intentPoints   = map[string]float64{"HIGH": 50, "MEDIUM": 25, "LOW": 0}
	strengthPoints = map[string]float64{"ACTIVE": 20, "DEVELOPING": 12, "PROSPECT": 6, "DORMANT": 3, "LOST": 0}
)

// Score is an account's review score for a month of days days.
func Score(a ReviewAccount, p Policy, days int) float64 {
	every := max(p.CallDays[a.Tier], 1)
	expected := max(float64(days)/float64(every), 1)
	regularity := min(float64(a.Calls)/expected, 1)
	s := intentPoints[a.Intent] + 30*regularity + strengthPoints[a.Stage]
	return float64(int(s*10+0.5)) / 10 // one decimal, so equal work scores equal
}

// Review ranks accounts and proposes a tier for each toward TargetShares.
// The result is in rank order, best first.
func Review(accounts []ReviewAccount, p Policy, days int) []Proposal {
	out := make([]Proposal, len(accounts))
	for i, a := range accounts {
		out[i] = Proposal{Account: a, Score: Score(a, p, days)}
	}
	slices.SortStableFunc(out, func(x, y Proposal) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(x.Account.Tier, y.Account.Tier), cmp.Compare(x.Account.ID, y.Account.ID))
	})
	n := len(out)
	aEnd := (n*TargetShares[TierA] + 50) / 100
	bEnd := aEnd + (n*TargetShares[TierB]+50)/100
	for i := range out {
		switch {
		case i < aEnd:
			out[i].Proposed = TierA
		case i < bEnd:
			out[i].Proposed = TierB
		default:
			out[i].Proposed = TierC
		}
	}
	return out
}

// Month is a calendar month, "YYYY-MM".
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return Month{}, fmt.Errorf("%q is not a month like 2026-05", s)
	}
	return Month{t.Year(), t.Month()}, nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, m.Month) }

// Days is the number of days in the month.
func (m Month) Days() int { return time.Date(m.Year, m.Month+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// Span is the month's first instant and the next month's, in cal's zone.
func (m Month) Span(cal Calendar) (from, to time.Time) {
	return cal.Start(Day{m.Year, m.Month, 1}), cal.Start(Day{m.Year, m.Month, 1}.AddMonthsClamped(1))
}
