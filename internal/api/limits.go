package api

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"rapport/ent/schema"
	"rapport/internal/apierr"
	"rapport/internal/archive"
	"rapport/internal/bulletinops"
	"rapport/internal/cultureops"
	"rapport/internal/followup"
	"rapport/internal/querycost"
	"rapport/internal/service"
	"rapport/internal/serviceops"
)

// Limits that keep one request from monopolising the server.
const (
	MaxPageSize         = 500     // largest first/last a connection accepts, and the page of one asked for neither
	DefaultMaxBodyBytes = 1 << 20 // largest request body, unless Config.MaxBodyBytes says otherwise
	DefaultQueryCache   = 1000    // parsed queries, and persisted-query hashes, an instance keeps
)

// DefaultQueryLimits bound every operation unless Config.QueryLimits sets
// others (RAPPORT_MAX_QUERY_COST and the like); see package querycost for
// how the cost is computed. The contract's Accounts query at its largest
// page (500 accounts with owners and contacts) costs about 88,000.
var DefaultQueryLimits = querycost.Limits{
	MaxTokens:      10_000,
	MaxFields:      1_000,
	MaxDepth:       15,
	MaxCost:        100_000,
	MaxReads:       50,
	DefaultPage:    MaxPageSize,
	StatementCost:  10,
	MaxInputDepth:  10,
	MaxInputItems:  1_000,
	MaxInputString: 100_000,
}

// listCaps are the plain (non-connection) lists of objects in the schema and
// the most rows the cost model counts for each. A test fails when the
// schema has a list of objects missing here, so that every new list joins
// the cost model. Contacts are bounded when written and the follow-up lists
// when built; departments, their children and tier histories are counted
// at the sizes of a large organisation, not cut when loaded.
var listCaps = map[string]int{
	"Query.departments":    200,
	"Department.children":  50,
	"Account.contacts":     schema.MaxContactsPerAccount,
	"Interaction.contacts": schema.MaxContactsPerAccount, // the account's contacts met
	"Account.tierChanges":  100,                          // at most a few a year (monthly reviews)
	"AuditEvent.changes":   100,
	// The agenda's days hold all its items together (each kind's most
	// urgent), so it is counted as one day of all of them.
	"Query.agenda":             1,
	"AgendaDay.items":          2 * followup.MaxAgendaItems,
	"TierReview.proposals":     followup.MaxReviewAccounts,
	"Mutation.applyTierReview": followup.MaxReviewAccounts,
	"Query.holidays":           366, // one row a day of the year
	"ContactOverview.rows":     followup.MaxOverviewAccounts,
	"ContactOverviewRow.days":  followup.MaxOverviewDays,
	"BulletinIssue.articles":   bulletinops.MaxArticlesPerIssue,
	"Query.issuePlan":          12, // a month at most
	"Query.issueAlerts":        bulletinops.MaxAlerts,
	"Query.distributionList":   bulletinops.MaxDistribution,
	"Mutation.orderArticles":   bulletinops.MaxArticlesPerIssue,
	"Query.cultureCalendar":    cultureops.MaxCalendarItems,
	// The attendance's departments hold all its attendees together.
	"Query.activityAttendance":       1,
	"DepartmentAttendance.attendees": cultureops.MaxAttendees,
	"Mutation.recordAttendance":      cultureops.MaxAttendance,
	"Recognition.people":             schema.MaxRecognized,
	"Recognition.departments":        schema.MaxRecognized,
	"CultureCampaign.audience":       schema.MaxAudienceDepartments,
	"CultureActivity.audience":       schema.MaxAudienceDepartments,
	"Callback.issues":                serviceops.MaxIssuesPerRecord,
	"Complaint.steps":                serviceops.MaxComplaintSteps,
	"Complaint.followUps":            service.MaxFollowUps,
	"CreditRequest.steps":            len(service.CreditSteps),
	"CallbackReport.satisfaction":    5,
	"CallbackReport.missedMembers":   serviceops.MaxMissedMembers,
	"Query.serviceReps":              serviceops.MaxReps,
	"Mutation.assignServiceRep":      serviceops.MaxAssign,
}

// fieldWork is the work of the fields whose resolvers read or compute over
// many rows whatever is selected under them: the most rows each may read.
// The cost model adds it to what their selection costs, so that aliases of
// a report cannot repeat it cheaply. A test fails when a root query field
// is neither a connection, a capped list, a single-row lookup (viewer,
// node) nor here.
var fieldWork = map[string]int{
	"Query.tierReview":      followup.MaxReviewAccounts,
	"Query.contactOverview": followup.MaxOverviewAccounts + followup.MaxOverviewContacts, // the accounts and their contacts
	"Query.agenda":          2 * followup.MaxAgendaItems,                                 // calls and visits, whatever the days shown
	"Query.callbackReport":  serviceops.MaxBatchAccounts,
	// Every attendee, grouped by department whatever is shown.
	"Query.activityAttendance": cultureops.MaxAttendees,
	// A two-character search starts from the viewer's accounts (at most
	// FewAccounts), then reads each type's best matches.
	"Query.search":                 archive.FewAccounts,
	"Mutation.createCallbackBatch": serviceops.MaxBatchAccounts, // a callback per account
}

// fieldCost is the cost model's view of fieldWork.
var fieldCost = byField(fieldWork)

// defaultOrders are the orders of connections asked for none, written into
// the operation like the default page (an account's interactions: newest
// first).
var defaultOrders = map[string]struct{ field, direction string }{
	"Account.interactions": {"OCCURRED_AT", "DESC"},
	"Account.intelligence": {"CREATED_AT", "DESC"}, // the newest news first
}

// listCap is the cost model's view of listCaps.
var listCap = byField(listCaps)

// byField looks a field ("Type.field") up in m.
func byField(m map[string]int) func(typ, field string) (int, bool) {
	return func(typ, field string) (int, bool) {
		n, ok := m[typ+"."+field]
		return n, ok
	}
}

// costLimit is the gqlgen extension that applies the query limits: the document
// check before gqlgen parses and validates a query it has not seen (a cached
// query passed it already), the cost once variables are known.
type costLimit struct {
	cache  graphql.Cache[*ast.QueryDocument]
	limits querycost.Limits
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = costLimit{}

func (costLimit) ExtensionName() string                   { return "CostLimit" }
func (costLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (c costLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := c.cache.Get(ctx, p.Query); ok {
		return nil
	}
	return limitError(querycost.CheckDocument(p.Query, c.limits))
}

func (c costLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if err := checkPages(oc); err != nil {
		return &gqlerror.Error{Message: err.Message, Err: err, Extensions: map[string]any{"code": string(err.Code), "field": err.Field}}
	}
	defaultPages(oc)
	_, err := querycost.Cost(oc.Operation, oc.Variables, c.limits, listCap, fieldCost)
	return limitError(err)
}

// limitError reports a refusal as BAD_USER_INPUT with the limit's reason.
func limitError(err error) *gqlerror.Error {
	var qe *querycost.Error
	if !errors.As(err, &qe) {
		return nil
	}
	e := &apierr.Error{Code: apierr.BadUserInput, Message: qe.Message, Reason: qe.Reason + "_LIMIT"}
	return &gqlerror.Error{Message: e.Message, Err: e, Extensions: map[string]any{"code": string(e.Code)}}
}

// checkPages refuses, before anything runs, a page the client asked for out
// of range: first or last below 0 or above MaxPageSize, both at once, or
// more than MaxPageSize ids for nodes. It reads every field of the
// operation once (a fragment however often it is spread), with the
// request's variables.
func checkPages(oc *graphql.OperationContext) *apierr.Error {
	var bad *apierr.Error
	eachField(oc.Operation.SelectionSet, oc.Doc, func(f *ast.Field) bool {
		bad = checkPage(f, oc.Variables)
		return bad == nil
	})
	return bad
}

// eachField calls visit with every field of set and below it, a fragment
// however often it is spread visited once, until visit returns false.
func eachField(set ast.SelectionSet, doc *ast.QueryDocument, visit func(*ast.Field) bool) bool {
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if !visit(sel) || !walk(sel.SelectionSet) {
					return false
				}
			case *ast.InlineFragment:
				if !walk(sel.SelectionSet) {
					return false
				}
			case *ast.FragmentSpread:
				if f := doc.Fragments.ForName(sel.Name); f != nil && !seen[sel.Name] {
					seen[sel.Name] = true
					if !walk(f.SelectionSet) {
						return false
					}
				}
			}
		}
		return true
	}
	return walk(set)
}

func checkPage(f *ast.Field, vars map[string]any) *apierr.Error {
	d := f.Definition
	if d == nil || (d.Arguments.ForName("first") == nil && d.Arguments.ForName("ids") == nil) {
		return nil
	}
	args := f.ArgumentMap(vars)
	if args["first"] != nil && args["last"] != nil {
		return asAPIError(apierr.BadInput("last", "first and last cannot be used together"))
	}
	for _, arg := range []string{"first", "last"} {
		if n, ok := args[arg].(int64); ok && (n < 0 || n > MaxPageSize) {
			return asAPIError(badPageSize(arg))
		}
	}
	if ids, ok := args["ids"].([]any); ok && len(ids) > MaxPageSize {
		return asAPIError(badPageSize("ids"))
	}
	return nil
}

func asAPIError(err error) *apierr.Error {
	e, _ := apierr.As(err)
	return e
}

// defaultPages gives every connection field that is asked for neither first
// nor last (or only with null variables) the argument first: MaxPageSize. It
// rewrites a copy of the operation and its fragments, since the parsed
// document is cached and shared between requests. Resolvers, entgql's
// eager loading (which reads the operation's arguments, not the
// resolver's) and the cost model then all work on the same bounded page,
// and nested connections are loaded with a per-parent limit and a grouped
// totalCount instead of every row.
func defaultPages(oc *graphql.OperationContext) {
	r := pageRewriter{vars: oc.Variables}
	if !r.needs(oc.Operation.SelectionSet, oc.Doc) {
		return
	}
	frags := make(ast.FragmentDefinitionList, len(oc.Doc.Fragments))
	r.frags = map[string]*ast.FragmentDefinition{}
	for i, f := range oc.Doc.Fragments {
		cp := *f
		frags[i] = &cp
		r.frags[f.Name] = &cp
	}
	for _, f := range frags {
		f.SelectionSet = r.copy(f.SelectionSet)
	}
	op := *oc.Operation
	op.SelectionSet = r.copy(op.SelectionSet)
	oc.Doc = &ast.QueryDocument{Operations: ast.OperationList{&op}, Fragments: frags, Position: oc.Doc.Position, Comment: oc.Doc.Comment}
	oc.Operation = &op
}

type pageRewriter struct {
	vars  map[string]any
	frags map[string]*ast.FragmentDefinition
}

// unordered reports a connection with a default order asked for none.
func (r pageRewriter) unordered(f *ast.Field) (field, direction string, ok bool) {
	if f.ObjectDefinition == nil {
		return "", "", false
	}
	o, ok := defaultOrders[f.ObjectDefinition.Name+"."+f.Name]
	if !ok || f.ArgumentMap(r.vars)["orderBy"] != nil {
		return "", "", false
	}
	return o.field, o.direction, true
}

// unpaged reports a connection field asked for no page.
func (r pageRewriter) unpaged(f *ast.Field) bool {
	d := f.Definition
	if d == nil || d.Arguments.ForName("first") == nil || !strings.HasSuffix(d.Type.Name(), "Connection") {
		return false
	}
	args := f.ArgumentMap(r.vars)
	return args["first"] == nil && args["last"] == nil
}

func (r pageRewriter) needs(set ast.SelectionSet, doc *ast.QueryDocument) bool {
	return !eachField(set, doc, func(f *ast.Field) bool {
		_, _, unordered := r.unordered(f)
		return !unordered && !r.unpaged(f)
	})
}

func (r pageRewriter) copy(set ast.SelectionSet) ast.SelectionSet {
	out := make(ast.SelectionSet, len(set))
	for i, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			f := *sel
			f.SelectionSet = r.copy(sel.SelectionSet)
			if r.unpaged(sel) {
				f.Arguments = make(ast.ArgumentList, 0, len(sel.Arguments)+1)
				for _, a := range sel.Arguments {
					if a.Name != "first" && a.Name != "last" {
						f.Arguments = append(f.Arguments, a)
					}
				}
				f.Arguments = append(f.Arguments, &ast.Argument{Name: "first", Position: sel.Position,
					Value: &ast.Value{Kind: ast.IntValue, Raw: strconv.Itoa(MaxPageSize), Position: sel.Position}})
			}
			if field, dir, ok := r.unordered(sel); ok {
				args := make(ast.ArgumentList, 0, len(f.Arguments)+1)
				for _, a := range f.Arguments {
					if a.Name != "orderBy" {
						args = append(args, a)
					}
				}
				enum := func(raw string) *ast.Value { return &ast.Value{Kind: ast.EnumValue, Raw: raw, Position: sel.Position} }
				f.Arguments = append(args, &ast.Argument{Name: "orderBy", Position: sel.Position, Value: &ast.Value{
					Kind: ast.ObjectValue, Position: sel.Position,
					Children: ast.ChildValueList{{Name: "field", Value: enum(field)}, {Name: "direction", Value: enum(dir)}},
				}})
			}
			out[i] = &f
		case *ast.InlineFragment:
			f := *sel
			f.SelectionSet = r.copy(sel.SelectionSet)
			out[i] = &f
		case *ast.FragmentSpread:
			f := *sel
			if def, ok := r.frags[sel.Name]; ok {
				f.Definition = def
			}
			out[i] = &f
		default:
			out[i] = sel
		}
	}
	return out
}
