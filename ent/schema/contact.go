package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/pulid"
	"rapport/internal/validate"
)

// Contact is a person at an account. Whoever may see the account may see
// its contacts; whoever may edit the account may edit them (AccountScoped).
type Contact struct{ ent.Schema }

func (Contact) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CO"), TimeMixin{}, TenantMixin{}, AccountScoped{Write: EditAccount}, VersionMixin{}, AuditMixin{}}
}

func (Contact) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.String("name").Validate(validate.Name(100)).Annotations(entgql.OrderField("NAME")),
		field.String("title").Optional().Validate(validate.Text(100)),
		field.String("mobile").Optional().Validate(validate.Phone),
		field.String("direct_line").Optional().Validate(validate.Phone),
		field.String("email").Optional().Validate(validate.Email),
		field.String("wechat").Optional().Validate(validate.Text(64)),
		field.Bool("is_decision_maker").Default(false).
			Comment("Chairman or general manager: an A-tier visit only counts if one was met."),
	}
}

func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("contacts").Field("account_id").Unique().Required().Immutable(),
	}
}

func (Contact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id")}
}

func (Contact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
