package schema

import (
	"context"
	gen "rapport/ent"
	"rapport/ent/auditevent"
	"rapport/ent/privacy"
	"rapport/internal/authz"
	"rapport/internal/viewer"

	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/audit"
	"rapport/internal/pulid"
)

// AuditEvent records one change: who did what to which row, when, with the
// old and new value of every field that changed. Rows are written by the
// AuditMixin hook in the same transaction as the change and never edited.
type AuditEvent struct{ ent.Schema }

func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("AU"), TenantMixin{}}
}

func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(func() time.Time { return time.Now().UTC() }).Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		field.String("actor_id").GoType(pulid.ID("")).Optional().Immutable().
			Comment("The user who made the change; empty for the system (provisioning, seeding)."),
		field.Enum("action").Values("CREATE", "UPDATE", "DELETE", "RECOMPUTE").Immutable().
			Comment("RECOMPUTE: the system rewrote a derived column of many rows at once (one event for the whole change)."),
		field.String("entity_type").Immutable(),
		field.String("entity_id").Immutable(),
		field.JSON("changes", []audit.Change{}).Immutable().
			Annotations(entgql.Type("[AuditChange!]"), entgql.Skip(entgql.SkipWhereInput)),
		field.String("request_id").Optional().Immutable(),
	}
}

func (AuditEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("actor", User.Type).Field("actor_id").Unique().Immutable(),
	}
}

func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "entity_id", "created_at"),
		index.Fields("organization_id", "created_at"),
	}
}

func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// Policy: ADMIN and EXECUTIVE read the whole trail of their organisation;
// everyone else reads the changes they made. Nobody writes it directly: the
// AuditMixin hook does, as system code.
func (AuditEvent) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.AuditEventQueryRuleFunc(func(ctx context.Context, q *gen.AuditEventQuery) error {
				if v := viewer.FromContext(ctx); !v.Can(authz.ReadAuditTrail) {
					q.Where(auditevent.ActorID(v.UserID))
				}
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
