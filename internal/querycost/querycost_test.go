package querycost

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const testSchema = `
type Query {
  accounts(first: Int, last: Int, where: Filter): AccountConnection!
  nodes(ids: [ID!]!): [Account]!
  viewer: User
  report(month: String): Report
}
type Report { month: String accounts: [Account!] }
input Filter { name: String, not: Filter, or: [Filter!] }
type AccountConnection { totalCount: Int! edges: [AccountEdge] }
type AccountEdge { node: Account }
type Account { id: ID! name: String contacts: [Contact!] tags: [String!] }
type Contact { id: ID! account: Account! }
type User { id: ID! reports: [User!] manager: User }
`

var limits = Limits{
	MaxTokens: 1000, MaxFields: 100, MaxDepth: 6, MaxCost: 10_000, MaxReads: 12, DefaultPage: 500, StatementCost: 10,
	MaxInputDepth: 4, MaxInputItems: 20, MaxInputString: 10,
}

func caps(typ, field string) (int, bool) {
	switch typ + "." + field {
	case "Account.contacts":
		return 50, true
	case "Report.accounts":
		return 100, true
	}
	return 0, false
}

// work: the report reads 1,000 accounts whatever it shows.
func work(typ, field string) (int, bool) {
	if typ+"."+field == "Query.report" {
		return 1000, true
	}
	return 0, false
}

func TestCost(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	for _, c := range []struct {
		name  string
		query string
		vars  map[string]any
		want  int    // expected cost, when no refusal
		fails string // expected refusal reason
	}{
		{"a root field reads", `{ viewer { id } }`, nil, 2 + 10, ""},
		{"meta fields cost 1", `{ __typename viewer { __typename } }`, nil, 3 + 10, ""},
		{"connection pays children per row", `{ accounts(first: 10) { edges { node { id } } } }`, nil, 1 + 10 + 10*3, ""},
		{"first from a variable", `query($n: Int) { accounts(first: $n) { totalCount } }`, map[string]any{"n": int64(7)}, 1 + 10 + 7, ""},
		{"default page", `{ accounts { totalCount } }`, nil, 1 + 10 + 500, ""},
		{"last", `{ accounts(last: 3) { totalCount } }`, nil, 1 + 10 + 3, ""},
		{"nested list uses its cap", `{ accounts(first: 2) { edges { node { contacts { id } } } } }`, nil, 1 + 10 + 2*(1+1+(1+10+50)), ""},
		{"list of scalars is one field", `{ accounts(first: 1) { edges { node { tags } } } }`, nil, 1 + 10 + 3, ""},
		{"nodes pays per id", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []any{"a", "b", "c"}}, 1 + 10 + 3, ""},
		{"uncapped list gets the default page", `{ viewer { reports { id } } }`, nil, 1 + 10 + 1 + 10 + 500, ""},
		{"aliases add up", `{ a: accounts(first: 500) { totalCount } b: accounts(first: 500) { totalCount } }`, nil, 2 * 511, ""},
		{"fragments are paid where spread", `{ ...F ...F } fragment F on Query { accounts(first: 5) { totalCount } }`, nil, 2 * 16, ""},
		{"cycle multiplies", `{ accounts(first: 500) { edges { node { contacts { account { contacts { id } } } } } } }`, nil, 0, "COST"},
		{"introspection's lists count one row", introspectionQuery(t), nil, -1, ""},
		{"a type's fields under a type's fields", `{ __schema { types { fields { type { fields { name } } } } } }`, nil, 0, "INTROSPECTION"},
		{"under possible types", `{ __type(name: "Account") { possibleTypes { interfaces { name } } } }`, nil, 0, "INTROSPECTION"},
		{"aliases repeating whole-schema walks", `{ __schema { ` + aliases(`types { fields { name } }`, 11) + ` } }`, nil, 0, "INTROSPECTION"},
		{"under an argument's type", `{ __schema { types { fields { args { type { ofType { enumValues { name } } } } } } } }`, nil, 0, "INTROSPECTION"},
		{"many aliases", strings.Repeat(`{ `, 1) + strings.Repeat(`x: accounts(first: 500) { totalCount } `, 20) + `}`, nil, 0, "COST"},
		{"a report pays its work", `{ report(month: "2026-11") { month } }`, nil, 1 + 1 + 1000 + 10, ""},
		{"and its lists", `{ report { accounts { id } } }`, nil, 1 + (1 + 10 + 100) + 1000 + 10, ""},
		{"aliased reports", `{ ` + aliases(`report { month }`, 10) + ` }`, nil, 0, "COST"},
		{"reads where they stand", `{ ` + aliases(`accounts(first: 1) { edges { node { contacts { id } } } }`, 6) + ` }`, nil, 6 * (1 + 10 + (1 + 1 + (1 + 10 + 50))), ""},
		{"too many reads", `{ ` + aliases(`accounts(first: 1) { totalCount }`, 13) + ` }`, nil, 0, "READS"},
		{"aliased single rows read too", `{ ` + aliases(`viewer { id }`, 13) + ` }`, nil, 0, "READS"},
		{"reads through fragments", `{ ...F ...F } fragment F on Query { ` + aliases(`accounts(first: 1) { totalCount }`, 7) + ` }`, nil, 0, "READS"},
		{"input nested too deep", `{ accounts(first: 1, where: {not: {not: {not: {not: {name: "x"}}}}}) { totalCount } }`, nil, 0, "INPUT"},
		{"input too wide", `query($w: Filter) { accounts(first: 1, where: $w) { totalCount } }`, map[string]any{"w": map[string]any{"or": manyFilters(30)}}, 0, "INPUT"},
		{"input string too long", `{ accounts(first: 1, where: {name: "12345678901"}) { totalCount } }`, nil, 0, "INPUT"},
		{"input string of 10 CJK characters", `{ accounts(first: 1, where: {name: "一二三四五六七八九十"}) { totalCount } }`, nil, 1 + 10 + 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, c.query)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got, err := Cost(doc.Operations[0], c.vars, limits, caps, work)
			var qe *Error
			switch {
			case c.fails != "" && (!errors.As(err, &qe) || qe.Reason != c.fails):
				t.Fatalf("want refusal %s, got cost %d, %v", c.fails, got, err)
			case c.fails == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.fails == "" && c.want >= 0 && got != c.want:
				t.Fatalf("cost %d, want %d", got, c.want)
			}
		})
	}
}

func manyFilters(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"name": "x"}
	}
	return out
}

func TestCheckDocument(t *testing.T) {
	fan := func(n int) string {
		var b strings.Builder
		b.WriteString("{ ...F0 } ")
		for i := range n {
			b.WriteString("fragment F" + itoa(i) + " on Query { a: viewer { id } ...F" + itoa(i+1) + " ...F" + itoa(i+1) + " } ")
		}
		b.WriteString("fragment F" + itoa(n) + " on Query { viewer { id } }")
		return b.String()
	}
	for _, c := range []struct {
		name, query, fails string
	}{
		{"small", `{ viewer { id } }`, ""},
		{"syntax errors are left to the parser", `{ viewer { id `, ""},
		{"too many tokens", "{ " + strings.Repeat("__typename ", 1000) + "}", "TOKENS"},
		{"too many fields", "{ " + strings.Repeat("__typename ", 101) + "}", "FIELDS"},
		{"fragment fan-out", fan(20), "FIELDS"},
		{"unused fragments count", `{ viewer { id } } fragment U on Query { ` + strings.Repeat("__typename ", 100) + `}`, "FIELDS"},
		{"too deep", "{ " + strings.Repeat("a { ", 7) + "b" + strings.Repeat(" }", 7) + " }", "DEPTH"},
		{"deep enough", "{ " + strings.Repeat("a { ", 5) + "b" + strings.Repeat(" }", 5) + " }", ""},
		{"fragment cycle is left to validation", `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckDocument(c.query, limits)
			var qe *Error
			switch {
			case c.fails != "" && (!errors.As(err, &qe) || qe.Reason != c.fails):
				t.Fatalf("want refusal %s, got %v", c.fails, err)
			case c.fails == "" && err != nil:
				t.Fatalf("refused: %v", err)
			}
		})
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// introspectionQuery is the standard introspection query, as GraphiQL sends it.
func introspectionQuery(t *testing.T) string {
	b, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// aliases is n aliased copies of a selection.
func aliases(sel string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "x%d: %s ", i, sel)
	}
	return b.String()
}
