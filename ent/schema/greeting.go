package schema

import (
	"context"
	gen "rapport/ent"
	"rapport/ent/greetingoutline"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/viewer"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/pulid"
	"rapport/internal/validate"
)

// GreetingOutline is the outline of a holiday greeting or a courtesy call
// (domain §3): written by a department secretary or manager, it needs a
// sales manager's approval before a GREETING interaction may be logged
// against it.
type GreetingOutline struct{ ent.Schema }

func (GreetingOutline) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("GO"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
}

func (GreetingOutline) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").Validate(validate.Name(200)).Comment("The occasion, e.g. 春节问候 2027."),
		field.Text("body").Validate(validate.Text(8000)),
		field.Enum("status").Values("SUBMITTED", "APPROVED", "REJECTED").Default("SUBMITTED").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("author_id").GoType(pulid.ID("")).Optional().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		field.String("decided_by_id").GoType(pulid.ID("")).Optional().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("decided_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("decision_note").Optional().Validate(validate.Text(1000)).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

func (GreetingOutline) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("author", User.Type).Field("author_id").Unique().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		edge.To("decided_by", User.Type).Field("decided_by_id").Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("greetings", Interaction.Type).Ref("greeting_outline").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (GreetingOutline) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "status")}
}

func (GreetingOutline) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate()),
	}
}

// Policy: everyone in the organisation reads the outlines and may write
// one; only a sales manager or an admin decides on them, never on their
// own, and a decided outline is not rewritten.
func (GreetingOutline) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			privacy.GreetingOutlineMutationRuleFunc(func(ctx context.Context, m *gen.GreetingOutlineMutation) error {
				v := viewer.FromContext(ctx)
				if m.Op().Is(gen.OpCreate) {
					if u := v.User(); u != nil {
						m.SetAuthorID(*u)
					}
					return privacy.Skip
				}
				if _, deciding := m.Status(); deciding {
					if !v.Can(authz.ApproveGreetings) {
						return apierr.Forbiddenf("only a sales manager or an admin approves greeting outlines")
					}
					// An approval is a second pair of eyes: never the author's.
					ids, err := m.IDs(ctx)
					if err != nil {
						return err
					}
					own, err := m.Client().GreetingOutline.Query().Where(greetingoutline.IDIn(ids...), greetingoutline.AuthorID(v.UserID)).Exist(ctx)
					if err != nil {
						return err
					}
					if own {
						return apierr.Forbiddenf("an outline is decided by someone other than its author")
					}
				}
				if !v.Can(authz.ApproveGreetings) {
					return apierr.Forbiddenf("an outline is changed by a new one, not edited")
				}
				return privacy.Skip
			}),
		},
	}
}
