package schema

import (
	"context"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/mixin"

	gen "rapport/ent"
	"rapport/ent/predicate"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// AccountScoped is the mixin of every entity that belongs to an account
// (contacts now; interactions, visit reports, documents, intelligence,
// callbacks, complaints, credit requests next). Such a row is visible
// exactly when its account is (AccountsVisibleTo, where every extra grant
// plugs in), and created or changed when the viewer may do so to its
// account: edit it (Write: EditAccount) or merely see it (Write:
// SeeAccount, e.g. logging a call on an account one services).
//
// The type itself declares its immutable account_id field and its account
// edge; the mixin supplies the policy and an annotation that lists the type
// in ent.AccountScopedTypes, which the role-matrix test walks.
type AccountScoped struct {
	mixin.Schema
	Write AccountAccess
	// Grants: rows are read through the account's workflow grants too (a
	// rep's open callback, AccountsVisibleTo), not only by role.
	Grants bool
}

// AccountAccess is what a viewer needs on an account.
type AccountAccess int

const (
	EditAccount AccountAccess = iota // may edit the account
	SeeAccount                       // may see the account
)

// AccountScopeAnnotation marks a type as account-scoped for the templates.
type AccountScopeAnnotation struct {
	Write string // "EDIT" or "SEE": what writing a row needs on its account
}

func (AccountScopeAnnotation) Name() string { return "AccountScope" }

func (m AccountScoped) Annotations() []schema.Annotation {
	write := "EDIT"
	if m.Write == SeeAccount {
		write = "SEE"
	}
	return []schema.Annotation{AccountScopeAnnotation{Write: write}}
}

func (m AccountScoped) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
				return narrowToAccounts(f, m.readable(viewer.FromContext(ctx)))
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.MutationRuleFunc(m.checkAccount),
			privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
				return narrowToAccounts(f, m.writable(viewer.FromContext(ctx)))
			}),
		},
	}
}

// readable is the predicate of the accounts under which v reads rows of the
// type (nil: all of the organisation's).
func (m AccountScoped) readable(v *viewer.Viewer) predicate.Account {
	if m.Grants {
		return AccountsVisibleTo(v)
	}
	return accountsReadBy(v)
}

// writable is the predicate of the accounts under which v may write rows of
// the type (nil: all of the organisation's).
func (m AccountScoped) writable(v *viewer.Viewer) predicate.Account {
	if m.Write == SeeAccount {
		return accountsReadBy(v)
	}
	return accountsEditableBy(v)
}

// narrowToAccounts restricts a query, or an update or delete, to rows
// whose account matches p (all rows when p is nil).
func narrowToAccounts(f privacy.Filter, p predicate.Account) error {
	if p == nil {
		return privacy.Skip
	}
	af, ok := f.(interface{ WhereHasAccountWith(...predicate.Account) })
	if !ok {
		return privacy.Denyf("%T is not account-scoped", f)
	}
	af.WhereHasAccountWith(p)
	return privacy.Skip
}

// checkAccount answers a write under an account the viewer cannot see with
// NOT_FOUND and one under an account they see but may not write under
// with FORBIDDEN, before the filter would silently match nothing.
func (m AccountScoped) checkAccount(ctx context.Context, mu ent.Mutation) error {
	v := viewer.FromContext(ctx)
	if m.Write == EditAccount && !canEditSomeAccount(v) {
		return apierr.Forbiddenf("your roles do not allow changing %ss", lowerFirst(mu.Type()))
	}
	c, ok := mu.(interface{ Client() *gen.Client })
	if !ok {
		return privacy.Denyf("%T has no client", mu)
	}
	var id pulid.ID
	switch {
	case mu.Op().Is(ent.OpCreate):
		v, _ := mu.Field("account_id")
		id, _ = v.(pulid.ID)
	case mu.Op().Is(ent.OpUpdateOne | ent.OpDeleteOne):
		old, err := mu.OldField(ctx, "account_id")
		if err != nil {
			return err // not visible: NOT_FOUND
		}
		id, _ = old.(pulid.ID)
	default:
		return privacy.Skip // bulk changes: the filter narrows them
	}
	if err := accountWritable(ctx, c.Client(), id, m.writable(v), "its "+lowerFirst(mu.Type())+"s"); err != nil {
		return err
	}
	return privacy.Skip
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return fmt.Sprintf("%c%s", s[0]|0x20, s[1:])
}
