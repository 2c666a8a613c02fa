package schema

import (
	"context"
	gen "rapport/ent"
	"rapport/ent/department"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/viewer"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"rapport/internal/pulid"
	"rapport/internal/validate"
)

// Department is a unit of the organisation; departments form a tree.
type Department struct{ ent.Schema }

func (Department) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("DE"), TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

func (Department) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Validate(validate.Name(100)).Annotations(entgql.OrderField("NAME")),
		field.String("parent_id").GoType(pulid.ID("")).Optional(),
		field.String("head_id").GoType(pulid.ID("")).Optional().
			Comment("The department head: major complaints on its members' accounts escalate to them."),
	}
}

func (Department) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("head", User.Type).Field("head_id").Unique(),
		// Children are moved from their own side (parentID).
		edge.To("children", Department.Type).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			From("parent").Field("parent_id").Unique(),
		edge.From("members", User.Type).Ref("department").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		// The culture campaigns and activities the department is the audience of.
		edge.From("audience_of_campaigns", CultureCampaign.Type).Ref("audience").
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.From("audience_of_activities", CultureActivity.Type).Ref("audience").
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.From("recognitions", Recognition.Type).Ref("departments").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), noWhereInput),
	}
}

func (Department) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy: everyone in the organisation sees its departments; only an ADMIN
// changes them.
func (Department) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			privacy.DepartmentMutationRuleFunc(func(ctx context.Context, m *gen.DepartmentMutation) error {
				if !viewer.FromContext(ctx).Can(authz.ManageDirectory) {
					return apierr.Forbiddenf("only an admin changes departments")
				}
				self, _ := m.ID()
				if parent, ok := m.ParentID(); ok && self != "" {
					if parent == self {
						return apierr.BadInput("parentID", "a department cannot be its own parent")
					}
					loop, err := m.Client().Department.Query().Where(department.ID(parent), func(s *sql.Selector) {
						s.Where(inSubtree(s, department.FieldID, department.Table, department.FieldParentID, self))
					}).Exist(ctx)
					if err != nil {
						return err
					}
					if loop {
						return apierr.BadInput("parentID", "the parent lies inside this department; the tree would loop")
					}
				}
				return privacy.Allow
			}),
		},
	}
}
