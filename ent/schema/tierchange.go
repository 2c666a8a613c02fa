package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/pulid"
	"rapport/internal/validate"
)

// TierChange is one change of an account's tier: from, to, why and who
// decided (domain §3: every tier change is kept with reason and decider).
// Written by changeAccountTier and applyTierReview, never edited.
type TierChange struct{ ent.Schema }

func (TierChange) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("TC"), TenantMixin{}, AccountScoped{Write: EditAccount}}
}

func (TierChange) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.Enum("from_tier").Values("A", "B", "C").Immutable(),
		field.Enum("to_tier").Values("A", "B", "C").Immutable(),
		field.String("reason").Immutable().Validate(validate.Name(500)),
		field.String("decided_by_id").GoType(pulid.ID("")).Optional().Immutable(),
		field.Time("created_at").Default(func() time.Time { return time.Now().UTC() }).Immutable(),
	}
}

func (TierChange) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("tier_changes").Field("account_id").Unique().Required().Immutable(),
		edge.To("decided_by", User.Type).Field("decided_by_id").Unique().Immutable(),
	}
}

func (TierChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "created_at")}
}
