package schema

import (
	"context"

	"entgo.io/ent/dialect/sql"

	gen "rapport/ent"
	"rapport/ent/account"
	"rapport/ent/callback"
	"rapport/ent/creditrequest"
	"rapport/ent/predicate"
	"rapport/ent/privacy"
	"rapport/ent/user"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// Who may see and change accounts is the capability table of
// internal/authz; this file turns its capabilities into predicates. The
// tenant filter (tenant.go) applies before any of them.

// none matches no row.
func none(s *sql.Selector) { s.Where(sql.False()) }

// AccountsVisibleTo returns the predicate of the accounts v may see, or nil
// when v may see every account of the organisation: those v's roles read
// (accountsReadBy), and those a workflow grants for a while: the account of
// a callback open and assigned to v (a service rep), the account of a
// pending credit request (finance, read only). Contacts follow the grants
// too (AccountScoped{Grants: true}); other account-scoped rows and the
// service history follow accountsReadBy.
func AccountsVisibleTo(v *viewer.Viewer) predicate.Account {
	base := accountsReadBy(v)
	if base == nil {
		return nil
	}
	ps := []predicate.Account{base}
	if v.Can(authz.RecordCallbacks) {
		ps = append(ps, account.HasCallbacksWith(callback.AssigneeID(v.UserID), callback.StatusEQ(callback.StatusOPEN)))
	}
	if v.Can(authz.CheckCredit) {
		ps = append(ps, account.HasCreditRequestsWith(creditrequest.StatusEQ(creditrequest.StatusPENDING)))
	}
	if len(ps) == 1 {
		return base
	}
	return account.Or(ps...)
}

// accountsReadBy returns the predicate of the accounts v's roles read, or
// nil for all of the organisation's.
func accountsReadBy(v *viewer.Viewer) predicate.Account {
	if v.Can(authz.ReadAllAccounts) {
		return nil
	}
	var ps []predicate.Account
	if v.Can(authz.ReadOwnAccounts) {
		ps = append(ps, account.OwnerID(v.UserID))
	}
	if v.Can(authz.ReadTeamAccounts) {
		ps = append(ps, ownedByTeamOf(v.UserID))
	}
	if v.Can(authz.ReadServicedAccounts) {
		ps = append(ps, account.ServiceRepID(v.UserID))
	}
	return anyOf(ps)
}

// accountsEditableBy returns the predicate of the accounts v may edit, or nil
// for all of them.
func accountsEditableBy(v *viewer.Viewer) predicate.Account {
	if v.Can(authz.EditAllAccounts) {
		return nil
	}
	var ps []predicate.Account
	if v.Can(authz.EditOwnAccounts) {
		ps = append(ps, account.OwnerID(v.UserID))
	}
	if v.Can(authz.EditTeamAccounts) {
		ps = append(ps, ownedByTeamOf(v.UserID))
	}
	return anyOf(ps)
}

// canReadSomeAccount reports whether any of v's roles reads accounts.
func canReadSomeAccount(v *viewer.Viewer) bool {
	return v.Can(authz.ReadAllAccounts) || v.Can(authz.ReadTeamAccounts) || v.Can(authz.ReadOwnAccounts) || v.Can(authz.ReadServicedAccounts)
}

// canEditSomeAccount reports whether any of v's roles edits accounts.
func canEditSomeAccount(v *viewer.Viewer) bool {
	return v.Can(authz.EditAllAccounts) || v.Can(authz.EditTeamAccounts) || v.Can(authz.EditOwnAccounts)
}

func anyOf(ps []predicate.Account) predicate.Account {
	if len(ps) == 0 {
		return none
	}
	return account.Or(ps...)
}

// inSubtree is the predicate "column col holds a row below root" in the
// tree that parentCol of table forms (root itself excluded). UNION, not
// UNION ALL, ends the recursion even if the data ever held a cycle.
func inSubtree(s *sql.Selector, col, table, parentCol string, root pulid.ID) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		b.WriteString(s.C(col)).
			WriteString(" IN (WITH RECURSIVE sub(id) AS (SELECT id FROM " + table + " WHERE " + parentCol + " = ").
			Arg(root).
			WriteString(" UNION SELECT t.id FROM " + table + " t JOIN sub ON t." + parentCol + " = sub.id) SELECT id FROM sub)")
	})
}

// inTeamOf: column col holds a member of manager's team, a user whose
// manager chain reaches manager.
func inTeamOf(s *sql.Selector, col string, manager pulid.ID) *sql.Predicate {
	return inSubtree(s, col, user.Table, user.FieldManagerID, manager)
}

func ownedByTeamOf(manager pulid.ID) predicate.Account {
	return func(s *sql.Selector) { s.Where(inTeamOf(s, account.FieldOwnerID, manager)) }
}

// usersInTeamOf is the predicate of the users in manager's team.
func usersInTeamOf(manager pulid.ID) predicate.User {
	return func(s *sql.Selector) { s.Where(inTeamOf(s, user.FieldID, manager)) }
}

// mayAssignTo checks that v may make target the owner of an account: one
// who edits every account anyone in the organisation, anyone themself, a
// sales manager their team.
func mayAssignTo(ctx context.Context, c *gen.Client, v *viewer.Viewer, target pulid.ID) error {
	if v.Can(authz.EditAllAccounts) || target == v.UserID {
		return nil
	}
	if v.Can(authz.AssignOwners) {
		ok, err := c.User.Query().Where(user.ID(target), usersInTeamOf(v.UserID)).Exist(ctx)
		if err != nil || ok {
			return err
		}
		return apierr.Forbiddenf("a sales manager assigns accounts only within their team")
	}
	return apierr.Forbiddenf("only a sales manager or an admin assigns an account to someone else")
}

// accountPolicy is the Account type's own policy, after the tenant rules.
func accountPolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.AccountQueryRuleFunc(func(ctx context.Context, q *gen.AccountQuery) error {
				if p := AccountsVisibleTo(viewer.FromContext(ctx)); p != nil {
					q.Where(p)
				}
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.AccountMutationRuleFunc(accountMutationRule),
		},
	}
}

func accountMutationRule(ctx context.Context, m *gen.AccountMutation) error {
	v := viewer.FromContext(ctx)
	if m.Op().Is(gen.OpUpdate | gen.OpUpdateOne) {
		if err := serviceAccountChange(ctx, v, m); err != privacy.Skip {
			return err
		}
	}
	if !canEditSomeAccount(v) && !v.Can(authz.AssignServiceReps) {
		return apierr.Forbiddenf("your roles do not allow changing accounts")
	}
	if m.Op().Is(gen.OpDelete | gen.OpDeleteOne) {
		if !v.Can(authz.EditAllAccounts) {
			return apierr.Forbiddenf("only an admin deletes accounts")
		}
		return privacy.Allow
	}
	if _, changed := m.ServiceRepID(); changed || m.ServiceRepCleared() {
		if !v.Can(authz.AssignServiceReps) {
			return apierr.Forbiddenf("only a service supervisor, sales manager or admin assigns service reps")
		}
	}
	onlyServiceRep := onlyFields(m, account.FieldServiceRepID)
	if m.Op().Is(gen.OpCreate) {
		if !v.Can(authz.CreateAccounts) {
			return apierr.Forbiddenf("your roles do not allow creating accounts")
		}
		owner, ok := m.OwnerID()
		if !ok {
			owner = v.UserID
			m.SetOwnerID(owner)
		}
		if err := mayAssignTo(ctx, m.Client(), v, owner); err != nil {
			return err
		}
		return privacy.Allow
	}
	// Update: narrow to the rows v may change, so any other row is
	// NOT_FOUND, and one v sees but may not change is FORBIDDEN. Assigning
	// the service rep reaches every account v sees; anything else needs the
	// right to edit the account.
	scope, what := accountsEditableBy(v), "it"
	if onlyServiceRep && v.Can(authz.AssignServiceReps) {
		scope, what = AccountsVisibleTo(v), "its service rep"
	} else if !canEditSomeAccount(v) {
		return apierr.Forbiddenf("your roles allow changing only the service rep of an account")
	}
	if scope != nil {
		if id, ok := m.ID(); ok && m.Op().Is(gen.OpUpdateOne) {
			if err := accountWritable(ctx, m.Client(), id, scope, what); err != nil {
				return err
			}
		}
		m.Where(scope)
	}
	if _, ok := m.Tier(); ok && !v.Can(authz.ChangeTiers) {
		return apierr.Forbiddenf("only a sales manager or an admin changes an account's tier")
	}
	if _, ok := m.IntelligenceOwnerID(); (ok || m.IntelligenceOwnerCleared()) && !v.Can(authz.AssignOwners) {
		return apierr.Forbiddenf("only a sales manager or an admin names an account's intelligence owner")
	}
	if owner, ok := m.OwnerID(); ok || m.OwnerCleared() {
		if !v.Can(authz.AssignOwners) {
			return apierr.Forbiddenf("only a sales manager or an admin reassigns an account")
		}
		if m.OwnerCleared() {
			return apierr.BadInput("ownerID", "an account always has an owner")
		}
		if err := mayAssignTo(ctx, m.Client(), v, owner); err != nil {
			return err
		}
	}
	return privacy.Allow
}

// accountWritable answers NOT_FOUND for an account the viewer cannot see,
// and FORBIDDEN for one they see but that writable (the accounts they may
// change this way; nil: all they see) leaves out, so that a read-only row
// is neither mistaken for a missing one nor, with an expectedVersion, for a
// stale edit (CONFLICT) a client would retry. what names the change: "it",
// "its contacts"…
func accountWritable(ctx context.Context, c *gen.Client, id pulid.ID, writable predicate.Account, what string) error {
	if writable != nil {
		ok, err := c.Account.Query().Where(account.ID(id), writable).Exist(ctx)
		if err != nil || ok {
			return err
		}
	}
	seen, err := c.Account.Query().Where(account.ID(id)).Exist(ctx)
	switch {
	case err != nil:
		return err
	case !seen:
		return apierr.NotFoundf("account %q not found", id)
	case writable != nil:
		return apierr.Forbiddenf("you may read this account but not change %s", what)
	}
	return nil
}
