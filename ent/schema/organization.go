package schema

import (
	"context"
	gen "rapport/ent"
	"rapport/ent/organization"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/viewer"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"rapport/internal/validate"
)

// DefaultTimeZone is the organisation time zone when none is given.
const DefaultTimeZone = "Asia/Shanghai"

// Organization is a tenant: a firm using Rapport. Nothing crosses organisations.
type Organization struct{ ent.Schema }

func (Organization) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("OR"), TimeMixin{}}
}

func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.String("slug").Unique().Immutable().Validate(validate.Slug).
			Comment("Short name carried in the `org` claim of tokens."),
		field.String("name").Validate(validate.Name(200)),
		field.String("timezone").Default(DefaultTimeZone).Validate(validate.TimeZone).
			Comment("IANA time zone in which business days are computed."),
	}
}

func (Organization) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField),
		entgql.Mutations(entgql.MutationUpdate()),
	}
}

// Policy: a viewer sees only their own organisation. Organisations are
// created by the `server org create` command (system code); an ADMIN may
// rename theirs or change its time zone.
func (Organization) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			requireViewer(),
			privacy.OrganizationQueryRuleFunc(func(ctx context.Context, q *gen.OrganizationQuery) error {
				q.Where(organization.ID(viewer.FromContext(ctx).OrgID))
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{
			requireViewer(),
			privacy.OrganizationMutationRuleFunc(func(ctx context.Context, m *gen.OrganizationMutation) error {
				v := viewer.FromContext(ctx)
				if !m.Op().Is(gen.OpUpdateOne) || !v.Can(authz.ManageDirectory) {
					return apierr.Forbiddenf("only an admin changes their organisation")
				}
				m.Where(organization.ID(v.OrgID))
				return privacy.Allow
			}),
		},
	}
}
