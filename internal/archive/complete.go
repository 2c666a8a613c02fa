package archive

import (
	"context"
	"encoding/json"
	"time"

	"entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/clientdocument"
	"rapport/ent/contact"
	"rapport/ent/predicate"
	"rapport/internal/apierr"
	"rapport/internal/followup"
	"rapport/internal/pulid"
)

// CompleteWithin is how long after the contract's signature an account's
// archive must be complete (domain §2).
const CompleteWithin = 3 * 24 * time.Hour

// Fact is a fact the archive must hold.
type Fact string

// The required facts.
const (
	Industry       Fact = "INDUSTRY"
	Address        Fact = "ADDRESS"
	Phone          Fact = "PHONE"
	BusinessScope  Fact = "BUSINESS_SCOPE"
	DecisionMaker  Fact = "DECISION_MAKER"
	CompanyProfile Fact = "COMPANY_PROFILE"
)

// Facts are the required facts, in the order they are reported.
var Facts = []Fact{Industry, Address, Phone, BusinessScope, DecisionMaker, CompanyProfile}

// Gap is an account past its archive deadline and what it lacks.
type Gap struct {
	Missing []Fact
	DueAt   time.Time
	Account *ent.Account
}

// GapEdge and GapConnection page the gaps (Relay).
type GapEdge struct {
	Node   *Gap
	Cursor ent.Cursor
}

type GapConnection struct {
	Edges      []*GapEdge
	PageInfo   ent.PageInfo
	TotalCount int
}

// MaxPage is the largest page of gaps.
const MaxPage = 500

func blank(f string) predicate.Account {
	return func(s *sql.Selector) { s.Where(sql.Or(sql.IsNull(s.C(f)), sql.EQ(s.C(f), ""))) }
}

func hasDecisionMaker() predicate.Account {
	return account.HasContactsWith(contact.IsDecisionMaker(true), contact.ArchivedAtIsNil())
}

func hasProfile() predicate.Account {
	return account.HasDocumentsWith(clientdocument.CategoryEQ(clientdocument.CategoryCOMPANY_PROFILE))
}

// incomplete is the predicate of the accounts past their deadline at now
// that lack a fact.
func incomplete(now time.Time) []predicate.Account {
	return []predicate.Account{
		account.ContractSignedAtLT(now.Add(-CompleteWithin)),
		account.Or(blank(account.FieldIndustry), blank(account.FieldAddress), blank(account.FieldPhone), blank(account.FieldBusinessScope),
			account.Not(hasDecisionMaker()), account.Not(hasProfile())),
	}
}

type gapCursor struct {
	Signed time.Time `json:"s"`
	ID     pulid.ID  `json:"i"`
}

// Incomplete lists the accounts the viewer sees whose archive is past its
// deadline at now and incomplete, the longest overdue first (by signature,
// then id): one statement for the page, one for the count, two for what
// the page's accounts lack, and prepare's.
func Incomplete(ctx context.Context, c *ent.Client, first *int, after *ent.Cursor, now time.Time, prepare followup.Prepare, count bool) (*GapConnection, error) {
	n := MaxPage
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxPage {
		return nil, apierr.BadInput("first", "first is between 0 and %d", MaxPage)
	}
	q := c.Account.Query().Where(incomplete(now)...)
	conn := &GapConnection{Edges: []*GapEdge{}}
	if count {
		total, err := q.Clone().Count(ctx)
		if err != nil {
			return nil, err
		}
		conn.TotalCount = total
	}
	if after != nil {
		var cur gapCursor
		s, _ := after.Value.(string)
		if json.Unmarshal([]byte(s), &cur) != nil || cur.ID == "" {
			return nil, apierr.BadInput("after", "not a cursor of this list")
		}
		q.Where(func(s *sql.Selector) {
			s.Where(sql.Or(sql.GT(s.C(account.FieldContractSignedAt), cur.Signed),
				sql.And(sql.EQ(s.C(account.FieldContractSignedAt), cur.Signed), sql.GT(s.C(account.FieldID), cur.ID))))
		})
	}
	rows, err := q.Order(ent.Asc(account.FieldContractSignedAt), ent.Asc(account.FieldID)).Limit(n + 1).All(ctx)
	if err != nil || len(rows) == 0 {
		return conn, err
	}
	if len(rows) > n {
		conn.PageInfo.HasNextPage = true
		rows = rows[:n]
	}
	ids := make([]pulid.ID, len(rows))
	for i, a := range rows {
		ids[i] = a.ID
	}
	withBoss, err := c.Account.Query().Where(account.IDIn(ids...), hasDecisionMaker()).IDs(ctx)
	if err != nil {
		return nil, err
	}
	withProfile, err := c.Account.Query().Where(account.IDIn(ids...), hasProfile()).IDs(ctx)
	if err != nil {
		return nil, err
	}
	shown, err := followup.Reload(ctx, c, rows, prepare)
	if err != nil {
		return nil, err
	}
	for i, a := range rows {
		gap := &Gap{DueAt: a.ContractSignedAt.Add(CompleteWithin), Account: shown[i], Missing: []Fact{}}
		for _, f := range Facts {
			lacks := false
			switch f {
			case Industry:
				lacks = a.Industry == ""
			case Address:
				lacks = a.Address == ""
			case Phone:
				lacks = a.Phone == ""
			case BusinessScope:
				lacks = a.BusinessScope == ""
			case DecisionMaker:
				lacks = !contains(withBoss, a.ID)
			case CompanyProfile:
				lacks = !contains(withProfile, a.ID)
			}
			if lacks {
				gap.Missing = append(gap.Missing, f)
			}
		}
		b, _ := json.Marshal(gapCursor{Signed: *a.ContractSignedAt, ID: a.ID})
		conn.Edges = append(conn.Edges, &GapEdge{Node: gap, Cursor: ent.Cursor{Value: string(b)}})
	}
	conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
	conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	return conn, nil
}

func contains(ids []pulid.ID, id pulid.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
