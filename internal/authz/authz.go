// Package authz is who may do what: one table from role to capability. The
// ent privacy policies (ent/schema) ask it, and the README's "Who sees what"
// is checked against it (Markdown), so the rules read in one place.
//
// A capability says what kind of rows a role reaches; the policies turn it
// into predicates (which accounts are "the team's") and the tenant filter
// keeps every one of them inside the viewer's organisation.
package authz

import (
	"fmt"
	"slices"
	"strings"

	"rapport/internal/auth"
)

// Capability is something a role allows.
type Capability string

// The capabilities. Account-scoped rows (contacts, interactions, tier
// changes; documents, callbacks… next) are read as their account is;
// contacts and tier changes are written by those who edit the account,
// interactions by anyone who sees it.
const (
	ReadAllAccounts      Capability = "read every account"
	ReadTeamAccounts     Capability = "read the accounts of their team"
	ReadOwnAccounts      Capability = "read the accounts they own"
	ReadServicedAccounts Capability = "read the accounts they service"
	EditAllAccounts      Capability = "edit every account"
	EditTeamAccounts     Capability = "edit the accounts of their team"
	EditOwnAccounts      Capability = "edit the accounts they own"
	CreateAccounts       Capability = "create accounts"
	AssignOwners         Capability = "reassign accounts (within their team, for a sales manager)"
	AssignServiceReps    Capability = "assign service reps to the accounts they reach"
	ChangeTiers          Capability = "change the tier of the accounts they edit"
	ApproveGreetings     Capability = "approve greeting outlines"
	ManageDirectory      Capability = "change users, departments and the organisation"
	ReadAuditTrail       Capability = "read the whole audit trail (everyone reads their own changes)"
	ManageCulture        Capability = "draft and publish culture campaigns and their activities, and see them all"
	ApproveCulture       Capability = "approve or reject culture campaigns (never one they submitted)"
	ManagePublications   Capability = "run publications: create issues, review articles, move issues through their workflow"
	ApproveIssues        Capability = "approve a bulletin issue in review"
	SubmitArticles       Capability = "submit articles to an issue being edited"
	SuperviseService     Capability = "run callback batches, resolve the issues callbacks raise, see all service data, take accounts over, add case studies"
	RecordCallbacks      Capability = "record the callbacks assigned to them, and read an open one's account and contacts"
	HandleComplaints     Capability = "file and handle complaints on the accounts they see"
	RequestCreditChanges Capability = "request credit-term changes for the accounts they edit"
	ApproveCredit        Capability = "approve credit-term changes (the sales manager's step)"
	CheckCredit          Capability = "check credit-term changes (finance's step), reading the accounts of pending requests"
	SignCredit           Capability = "sign credit-term changes (the last step)"
)

// table is the capability table: every role and what it allows.
var table = []struct {
	role auth.Role
	can  []Capability
}{
	{auth.RoleAdmin, []Capability{ReadAllAccounts, EditAllAccounts, CreateAccounts, AssignOwners, AssignServiceReps, ChangeTiers, ApproveGreetings, ManageDirectory, ReadAuditTrail, HandleComplaints, RequestCreditChanges}},
	{auth.RoleExecutive, []Capability{ReadAllAccounts, ReadAuditTrail, ApproveCulture, ApproveIssues, SignCredit}},
	{auth.RoleSalesManager, []Capability{ReadTeamAccounts, ReadOwnAccounts, EditTeamAccounts, EditOwnAccounts, CreateAccounts, AssignOwners, AssignServiceReps, ChangeTiers, ApproveGreetings, HandleComplaints, RequestCreditChanges, ApproveCredit}},
	{auth.RoleAccountManager, []Capability{ReadOwnAccounts, EditOwnAccounts, CreateAccounts, HandleComplaints, RequestCreditChanges}},
	{auth.RoleServiceSupervisor, []Capability{ReadAllAccounts, AssignServiceReps, SuperviseService, HandleComplaints}},
	{auth.RoleServiceRep, []Capability{ReadServicedAccounts, RecordCallbacks, HandleComplaints}},
	{auth.RoleFinance, []Capability{CheckCredit}},
	{auth.RoleHR, []Capability{ManageCulture}},
	{auth.RoleEditor, []Capability{ManagePublications, SubmitArticles}},
	{auth.RoleCorrespondent, []Capability{SubmitArticles}},
	{auth.RoleEmployee, nil},
}

// Can reports whether any of roles allows c.
func Can(roles []auth.Role, c Capability) bool {
	for _, row := range table {
		if slices.Contains(roles, row.role) && slices.Contains(row.can, c) {
			return true
		}
	}
	return false
}

// Roles returns the roles that allow c, in the table's order.
func Roles(c Capability) []auth.Role {
	var out []auth.Role
	for _, row := range table {
		if slices.Contains(row.can, c) {
			out = append(out, row.role)
		}
	}
	return out
}

// Markdown renders the table as the README shows it: one row per role.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| role | may |\n|---|---|\n")
	for _, row := range table {
		may := "only what everyone may: read the directory, their own changes"
		if len(row.can) > 0 {
			names := make([]string, len(row.can))
			for i, c := range row.can {
				names[i] = string(c)
			}
			may = strings.Join(names, "; ")
		}
		fmt.Fprintf(&b, "| %s | %s |\n", row.role, may)
	}
	return b.String()
}
