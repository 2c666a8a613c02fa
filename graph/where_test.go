package graph_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"rapport/graph"
)

// A where-filter across an edge (hasAccountWith, hasCallbacksWith…) runs
// as a plain subquery, without the privacy policy of the rows it reaches:
// it is safe only when every row the viewer could reach through it is one
// they read anyway. These are the filters the schema offers, each with the
// reason it is safe; any other edge must skip its where input
// (entgql.SkipWhereInput), or a viewer could test, through totalCount, the
// fields of rows they cannot read (an account's credit limit through a
// callback a rep once made, a contact's mobile through a credit request).
var safeWhereEdges = map[string]string{
	// Users and departments: every user of the organisation reads them all.
	"Account.hasOwner": "users", "Account.hasServiceRep": "users", "Account.hasIntelligenceOwner": "users",
	"Article.hasAuthor": "users", "Article.hasDepartment": "departments", "AuditEvent.hasActor": "users",
	"Callback.hasAssignee": "users", "CallbackBatch.hasCreatedBy": "users", "CaseStudy.hasAuthor": "users",
	"ClientDocument.hasUploadedBy": "users", "Complaint.hasEscalatedTo": "users", "Complaint.hasFiledBy": "users",
	"ComplaintFollowUp.hasAuthor": "users", "ComplaintStep.hasAuthor": "users", "CreditDecision.hasDecidedBy": "users",
	"CreditRequest.hasRequestedBy": "users", "CultureCampaign.hasApprovedBy": "users", "CultureCampaign.hasSubmittedBy": "users",
	"CultureCampaign.hasOrganizingDepartment": "departments", "CulturePlan.hasApprovedBy": "users", "CulturePlan.hasSubmittedBy": "users",
	"Department.hasChildren": "departments", "Department.hasParent": "departments", "Department.hasHead": "users", "Department.hasMembers": "users",
	"GreetingOutline.hasAuthor": "users", "GreetingOutline.hasDecidedBy": "users", "IntelligenceItem.hasAuthor": "users",
	"Interaction.hasLoggedBy": "users", "Recognition.hasPeople": "users", "Recognition.hasDepartments": "departments",
	"ServiceIssue.hasResolvedBy": "users", "TierChange.hasDecidedBy": "users",
	"User.hasDepartment": "departments", "User.hasManager": "users", "User.hasReports": "users",
	// An account-scoped row is read exactly when its account is.
	"Contact.hasAccount": "account-scoped", "Interaction.hasAccount": "account-scoped", "VisitReport.hasAccount": "account-scoped",
	"TierChange.hasAccount": "account-scoped", "ClientDocument.hasAccount": "account-scoped", "IntelligenceItem.hasAccount": "account-scoped",
	// Contacts follow their account's grants too (AccountScoped{Grants: true}).
	"Account.hasContacts": "contacts follow the account",
	// A visit and its report are read under the same accounts.
	"Interaction.hasVisitReport": "same accounts", "VisitReport.hasInteraction": "same accounts",
	// Publications have no read rule: every user reads them.
	"BulletinIssue.hasPublication": "publications",
}

func TestWhereFiltersReachOnlyReadableRows(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	var offered []string
	for _, typ := range schema.Types {
		name, ok := strings.CutSuffix(typ.Name, "WhereInput")
		if !ok || typ.Kind != ast.InputObject {
			continue
		}
		for _, f := range typ.Fields {
			edge, ok := strings.CutSuffix(f.Name, "With")
			if !ok || !strings.HasPrefix(edge, "has") {
				continue
			}
			key := name + "." + edge
			offered = append(offered, key)
			if _, safe := safeWhereEdges[key]; !safe {
				t.Errorf("%sWhereInput.%s filters through rows its policy does not check: skip its where input, or say here why it is safe", name, f.Name)
			}
		}
	}
	for key := range safeWhereEdges {
		if !slices.Contains(offered, key) {
			t.Errorf("safeWhereEdges names %s, which no where input offers", key)
		}
	}
}
