package schema

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/entql"

	gen "rapport/ent"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// Policy isolates tenants. It runs before every type's own policy:
//   - there is no access at all without a viewer (system code that must act
//     outside a request uses privacy.DecisionContext explicitly);
//   - every query and every update or delete is filtered to the viewer's
//     organisation;
//   - a new row belongs to the viewer's organisation, and every row it links
//     to (owner, account, manager…) must be visible to the viewer, so an ID
//     from another organisation can never be attached.
func (TenantMixin) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			requireViewer(),
			privacy.FilterFunc(sameOrganization),
		},
		Mutation: privacy.MutationPolicy{
			requireViewer(),
			privacy.MutationRuleFunc(stampOrganization),
			privacy.MutationRuleFunc(systemColumnsBySystem),
			privacy.FilterFunc(sameOrganization),
			privacy.MutationRuleFunc(linkedRowsVisible),
		},
	}
}

type queryMutationRule interface {
	privacy.QueryRule
	privacy.MutationRule
}

type viewerRequired struct{}

func (viewerRequired) EvalQuery(ctx context.Context, _ ent.Query) error { return checkViewer(ctx) }
func (viewerRequired) EvalMutation(ctx context.Context, _ ent.Mutation) error {
	return checkViewer(ctx)
}

func requireViewer() queryMutationRule { return viewerRequired{} }

func checkViewer(ctx context.Context) error {
	if v := viewer.FromContext(ctx); v == nil || v.OrgID == "" || (v.UserID == "" && !v.System) {
		return privacy.Denyf("no authenticated viewer")
	}
	return privacy.Skip
}

// sameOrganization narrows a query or an update/delete to the viewer's organisation.
func sameOrganization(ctx context.Context, f privacy.Filter) error {
	tf, ok := f.(interface{ WhereOrganizationID(entql.StringP) })
	if !ok {
		return privacy.Denyf("%T is not tenant-scoped", f)
	}
	tf.WhereOrganizationID(entql.StringEQ(string(viewer.FromContext(ctx).OrgID)))
	return privacy.Skip
}

// stampOrganization puts a new row in the viewer's organisation and refuses
// any attempt to create it in another one.
func stampOrganization(ctx context.Context, m ent.Mutation) error {
	if !m.Op().Is(ent.OpCreate) {
		return privacy.Skip
	}
	org := viewer.FromContext(ctx).OrgID
	if v, ok := m.Field("organization_id"); ok && v.(pulid.ID) != org {
		return privacy.Denyf("cannot create a row in another organisation")
	}
	if err := m.SetField("organization_id", org); err != nil {
		return err
	}
	return privacy.Skip
}

// linkedRowsVisible checks that every row a mutation links to is of the
// edge's type and one the viewer may see. Each is looked up through the
// linked type's own policy (tenant and role), so an ID from another
// organisation, or a visible ID of the wrong type, is never attached.
func linkedRowsVisible(ctx context.Context, m ent.Mutation) error {
	c, ok := m.(interface{ Client() *gen.Client })
	if !ok {
		return privacy.Denyf("%T has no client", m)
	}
	client := c.Client()
	for _, e := range m.AddedEdges() {
		if e == "organization" {
			continue
		}
		for _, v := range m.AddedIDs(e) {
			id, _ := v.(pulid.ID)
			ok, err := client.LinkExists(ctx, m.Type(), e, id)
			if err != nil && !errors.Is(err, privacy.Deny) {
				return fmt.Errorf("checking %s %s: %w", e, id, err)
			}
			if !ok {
				return apierr.NotFoundf("%s %q not found", e, id)
			}
		}
	}
	return privacy.Skip
}
