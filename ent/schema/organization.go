package schema

import (
	"context"
	"rapport/internal/followup"
	"slices"

	gen "rapport/ent"
	"rapport/ent/hook"
	"rapport/ent/organization"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/viewer"

	"entgo.io/ent/schema"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
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
		// The follow-up cadence (domain §3), an ADMIN's to change: changing
		// it, or the time zone, recomputes every account's due dates.
		field.Int("call_days_a").Default(7).Range(1, 366).Comment("Days between calls to an A-tier account."),
		field.Int("call_days_b").Default(7).Range(1, 366).Comment("Days between calls to a B-tier account."),
		field.Int("call_days_c").Default(14).Range(1, 366).Comment("Days between calls to a C-tier account."),
		field.Int("visit_months_a").Default(2).Range(1, 24).Comment("Calendar months between visits to an A-tier account."),
		field.Int("visit_months_b").Default(3).Range(1, 24).Comment("Calendar months between visits to a B-tier account."),
		field.Int("visit_months_c").Default(4).Range(1, 24).Comment("Calendar months between visits to a C-tier account."),
		// The service department's watch (domain §3), internal/service.Policy.
		field.Int("service_new_account_days").Default(7).Range(1, 90).Comment("Days a new account's service rep has to contact the account manager."),
		field.Int("service_no_order_days").Default(7).Range(1, 366).Comment("Days without an order after which an account needs a call (NO_RECENT_ORDER)."),
		field.Int("service_call_within_days").Default(7).Range(1, 90).Comment("Days within which that call is due."),
		field.Int("service_not_cooperating_months").Default(1).Range(1, 24).Comment("Months without an order after which an account is NOT_COOPERATING."),
		field.Int("service_contacts_per_month").Default(2).Range(1, 31).Comment("Contacts a month a NOT_COOPERATING or DORMANT account needs."),
		field.Int("service_no_follow_up_months").Default(2).Range(1, 24).Comment("Months without contact after which the service department takes over (NO_FOLLOW_UP)."),
	}
}

// cadenceFields are the organisation's fields the due dates depend on.
var cadenceFields = []string{
	organization.FieldTimezone,
	organization.FieldCallDaysA, organization.FieldCallDaysB, organization.FieldCallDaysC,
	organization.FieldVisitMonthsA, organization.FieldVisitMonthsB, organization.FieldVisitMonthsC,
}

// Hooks recompute every account's due dates after the cadence or the time
// zone changed, in the same transaction.
func (Organization) Hooks() []ent.Hook {
	return []ent.Hook{hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.OrganizationFunc(func(ctx context.Context, m *gen.OrganizationMutation) (ent.Value, error) {
			changed := slices.ContainsFunc(m.Fields(), func(f string) bool { return slices.Contains(cadenceFields, f) })
			v, err := next.Mutate(ctx, m)
			if err != nil || !changed {
				return v, err
			}
			id, _ := m.ID()
			return v, followup.RecomputeOrganization(ctx, m.Client(), id, "the cadence or time zone changed")
		})
	}, ent.OpUpdateOne)}
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
