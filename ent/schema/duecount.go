package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/ent/privacy"
	"rapport/internal/viewer"
)

// DueCount is how many of an organisation's accounts of a tier have their
// next call (or visit) due at an instant, kept by the database itself:
// triggers on accounts add a row of +n/−n for every statement that moves
// due dates (see the dueCounts migration), and followup.CompactDueCounts
// folds the rows of one key back into one. The sum of n over the rows with
// due_at ≤ t is the size of the organisation-wide due list before t, read
// without counting the accounts one by one. Never exposed through GraphQL.
type DueCount struct{ ent.Schema }

func (DueCount) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

func (DueCount) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("CALL", "VISIT").Immutable(),
		field.Enum("tier").Values("A", "B", "C").Immutable(),
		field.Time("due_at").Immutable(),
		field.Int64("n").Immutable(),
	}
}

func (DueCount) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "kind", "due_at")}
}

func (DueCount) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy: only system code reads the counts (for a viewer who may read
// every account of the organisation); only the database writes them.
func (DueCount) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.ContextQueryMutationRule(func(ctx context.Context) error {
				if viewer.FromContext(ctx).IsSystem() {
					return privacy.Allow
				}
				return privacy.Denyf("due counts are read by system code only")
			}),
		},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
