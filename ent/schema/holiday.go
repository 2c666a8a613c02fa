package schema

import (
	"context"
	gen "rapport/ent"
	"rapport/internal/followup"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/ent/hook"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/validate"
	"rapport/internal/viewer"
)

// Holiday is one day of an organisation's working-day calendar that is not
// as the weekday says: a day OFF (a public holiday on a weekday) or a
// WORKDAY (a make-up working day on a weekend, 调休). A NORMAL row undoes
// either. A new organisation has none: weekends only. An ADMIN keeps the
// calendar; every change recomputes the due dates.
type Holiday struct{ ent.Schema }

func (Holiday) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("HD"), TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

func (Holiday) Fields() []ent.Field {
	return []ent.Field{
		field.String("day").Immutable().Validate(validate.Day).
			Annotations(entgql.OrderField("DAY")).
			Comment("The day, YYYY-MM-DD, in the organisation's calendar."),
		field.Enum("kind").Values("OFF", "WORKDAY", "NORMAL"),
		field.String("name").Optional().Validate(validate.Text(100)),
	}
}

func (Holiday) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "day").Unique()}
}

func (Holiday) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}

// Policy: everyone reads the calendar; an ADMIN changes it.
func (Holiday) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			privacy.HolidayMutationRuleFunc(func(ctx context.Context, m *gen.HolidayMutation) error {
				if !viewer.FromContext(ctx).Can(authz.ManageDirectory) {
					return apierr.Forbiddenf("only an admin keeps the holiday calendar")
				}
				return privacy.Skip
			}),
		},
	}
}

// Hooks recompute the due dates once the calendar changed.
func (Holiday) Hooks() []ent.Hook {
	return []ent.Hook{hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.HolidayFunc(func(ctx context.Context, m *gen.HolidayMutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			return v, followup.RecomputeOrganization(ctx, m.Client(), viewer.FromContext(ctx).OrgID, "the holiday calendar changed")
		})
	}, ent.OpCreate|ent.OpUpdateOne)}
}
