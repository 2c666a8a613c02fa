package schema

import (
	"context"
	"fmt"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/entql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "rapport/ent"
	"rapport/ent/activityregistration"
	"rapport/ent/cultureactivity"
	"rapport/ent/culturecampaign"
	"rapport/ent/hook"
	"rapport/ent/predicate"
	"rapport/ent/privacy"
	"rapport/ent/recognition"
	"rapport/ent/user"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/culture"
	"rapport/internal/pulid"
	"rapport/internal/validate"
	"rapport/internal/viewer"
)

// The culture office's calendar (domain §5): campaigns under the year's
// plan, their activities, and who registered. The rules (life cycle,
// places) are in internal/culture; internal/cultureops applies them.

// CultureCampaign is a campaign of the culture office: a theme, dates, an
// audience, and a life cycle that an executive approves.
type CultureCampaign struct{ ent.Schema }

func (CultureCampaign) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CC"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
}

func (CultureCampaign) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").Validate(validate.Name(200)).Annotations(entgql.OrderField("TITLE")),
		field.Enum("kind").Values("STORY_COLLECTION", "SPORTS_RECREATION", "STUDY_SESSION", "ROLE_MODELS",
			"TRAINING", "SAFETY_MONTH", "VOLUNTEERING", "OTHER").
			Comment("Story collection, sports and recreation around the holidays, study sessions, recognition of role models, training, safety month, volunteering."),
		field.String("theme").Optional().Validate(validate.Text(500)),
		field.Text("description").Optional().Validate(validate.Text(8000)),
		field.String("organizing_department_id").GoType(pulid.ID("")).Optional(),
		field.String("plan_id").GoType(pulid.ID("")).Optional().
			Comment("The year's culture plan the campaign sits under."),
		field.String("starts_on").Validate(validate.Day).Annotations(entgql.OrderField("STARTS_ON")).
			Comment("The first day, YYYY-MM-DD, in the organisation's calendar."),
		field.String("ends_on").Validate(validate.Day).Comment("The last day, YYYY-MM-DD."),
		field.Bool("audience_all").Default(true).
			Comment("For all staff; otherwise for the audience departments."),
		field.Enum("status").Values(culture.Strings(culture.Statuses)...).Default(string(culture.Draft)).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("submitted_by_id").GoType(pulid.ID("")).Optional().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("approved_by_id").GoType(pulid.ID("")).Optional().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("decided_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("decision_reason").Optional().Validate(validate.Text(1000)).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

func (CultureCampaign) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("organizing_department", Department.Type).Field("organizing_department_id").Unique(),
		edge.To("audience", Department.Type).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("submitted_by", User.Type).Field("submitted_by_id").Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("approved_by", User.Type).Field("approved_by_id").Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The executive who approved or rejected it."),
		edge.From("activities", CultureActivity.Type).Ref("campaign").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), noWhereInput),
		edge.To("plan", CulturePlan.Type).Field("plan_id").Unique().Annotations(noWhereInput),
		edge.From("recognitions", Recognition.Type).Ref("campaign").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), noWhereInput),
	}
}

func (CultureCampaign) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "status", "starts_on")}
}

func (CultureCampaign) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate()),
	}
}

// MaxAudienceDepartments is the most departments a campaign or an
// activity is for (more: all staff).
const MaxAudienceDepartments = 50

// Hooks bound the audience and keep the days in order.
func (CultureCampaign) Hooks() []ent.Hook { return []ent.Hook{boundedAudience, daysInOrder} }

// daysInOrder refuses a campaign that ends before it starts (days are
// YYYY-MM-DD, so their text order is their order). Campaigns are written
// whole (there is no partial update of their days).
func daysInOrder(next ent.Mutator) ent.Mutator {
	return hook.CultureCampaignFunc(func(ctx context.Context, m *gen.CultureCampaignMutation) (ent.Value, error) {
		from, _ := m.StartsOn()
		to, _ := m.EndsOn()
		if from != "" && to != "" && to < from {
			return nil, apierr.BadInput("endsOn", "endsOn %s is before startsOn %s", to, from)
		}
		return next.Mutate(ctx, m)
	})
}

// Hooks bound the audience and raise the sequence (a calendar's SEQUENCE)
// on every change an attendee would see.
func (CultureActivity) Hooks() []ent.Hook { return []ent.Hook{boundedAudience, raiseSequence} }

// raiseSequence adds one to an activity's sequence when an update changes
// more than its places taken.
func raiseSequence(next ent.Mutator) ent.Mutator {
	return hook.CultureActivityFunc(func(ctx context.Context, m *gen.CultureActivityMutation) (ent.Value, error) {
		if m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
			for _, f := range append(m.Fields(), m.ClearedFields()...) {
				if f != cultureactivity.FieldRegisteredCount && f != cultureactivity.FieldSequence && f != cultureactivity.FieldUpdatedAt {
					m.AddSequence(1)
					break
				}
			}
		}
		return next.Mutate(ctx, m)
	})
}

// boundedAudience refuses a campaign or an activity created for more than
// MaxAudienceDepartments departments.
func boundedAudience(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if a, ok := m.(interface{ AudienceIDs() []pulid.ID }); ok && len(a.AudienceIDs()) > MaxAudienceDepartments {
			return nil, apierr.BadInput("audienceIDs", "at most %d departments; for more, all staff", MaxAudienceDepartments)
		}
		return next.Mutate(ctx, m)
	})
}

// Policy: see lifeCyclePolicy.
func (CultureCampaign) Policy() ent.Policy { return lifeCyclePolicy("campaign") }

// lifeCyclePolicy is the policy of what goes through the culture life
// cycle (plans, campaigns): the culture office (HR) drafts and sees them
// all; an executive sees them all too and decides on them, never on one
// they submitted; everyone else sees the published and completed ones.
func lifeCyclePolicy(what string) ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() || v.Can(authz.ManageCulture) || v.Can(authz.ApproveCulture) {
					return privacy.Skip
				}
				sf, ok := f.(interface{ WhereStatus(entql.StringP) })
				if !ok {
					return privacy.Denyf("%T has no status", f)
				}
				visible := make([]entql.StringP, len(culture.VisibleStatuses))
				for i, st := range culture.VisibleStatuses {
					visible[i] = entql.StringEQ(string(st))
				}
				sf.WhereStatus(entql.StringOr(visible[0], visible[1], visible[2:]...))
				return privacy.Skip
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() {
					return privacy.Skip
				}
				status, _ := m.Field("status")
				if s := fmt.Sprint(status); s == string(culture.Approved) || s == string(culture.Rejected) {
					if !v.Can(authz.ApproveCulture) {
						return apierr.Forbiddenf("only an executive approves or rejects a %s", what)
					}
					if by, err := m.OldField(ctx, "submitted_by_id"); err == nil && v.User() != nil && fmt.Sprint(by) == string(*v.User()) {
						return apierr.Forbiddenf("a %s is approved by someone other than who submitted it", what)
					}
					return privacy.Skip
				}
				if !v.Can(authz.ManageCulture) {
					return apierr.Forbiddenf("only the culture office (HR) drafts and publishes a %s", what)
				}
				return privacy.Skip
			}),
		},
	}
}

// CultureActivity is an entry of the activity calendar: an event of a
// campaign that employees register for.
type CultureActivity struct{ ent.Schema }

func (CultureActivity) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CA"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
}

func (CultureActivity) Fields() []ent.Field {
	return []ent.Field{
		field.String("campaign_id").GoType(pulid.ID("")).Immutable(),
		field.String("title").Validate(validate.Name(200)),
		field.Text("description").Optional().Validate(validate.Text(8000)),
		field.Time("starts_at").Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at"),
		field.Bool("all_day").Default(false).
			Comment("An all-day activity runs from the start of startsAt's day to the end of endsAt's day, in the organisation's time zone."),
		field.String("location").Optional().Validate(validate.Text(200)),
		field.Int("capacity").Optional().Nillable().Min(1).Max(100_000).
			Comment("Places; none: unlimited."),
		field.Time("registration_deadline").Optional().Nillable().
			Comment("When registration closes; none: when the activity starts."),
		field.Bool("audience_all").Optional().Nillable().
			Comment("For all staff; none: the campaign's audience (copied when the activity is created)."),
		field.Enum("status").Values("SCHEDULED", "CANCELLED").Default("SCHEDULED").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("cancel_reason").Optional().Validate(validate.Text(1000)).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("registered_count").Default(0).
			Comment("Places taken (registered or attended), kept with every registration under the activity's row lock.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("sequence").Default(0).
			Comment("Raised on every change, for calendar feeds (iCalendar SEQUENCE).").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (CultureActivity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("campaign", CultureCampaign.Type).Field("campaign_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("audience", Department.Type).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("registrations", ActivityRegistration.Type).Ref("activity").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (CultureActivity) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "starts_at"), index.Fields("campaign_id", "starts_at")}
}

func (CultureActivity) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Mutations(entgql.MutationCreate())}
}

// Policy: the culture office sees and changes every activity; anyone else
// sees the activities of published (or completed) campaigns whose
// audience they are in: all staff, or a department they belong to.
func (CultureActivity) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.CultureActivityQueryRuleFunc(func(ctx context.Context, q *gen.CultureActivityQuery) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() || v.Can(authz.ManageCulture) {
					return privacy.Skip
				}
				q.Where(ActivitiesVisibleTo(v))
				return privacy.Skip
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.CultureActivityMutationRuleFunc(func(ctx context.Context, m *gen.CultureActivityMutation) error {
				if v := viewer.FromContext(ctx); !v.IsSystem() && !v.Can(authz.ManageCulture) {
					return apierr.Forbiddenf("only the culture office (HR) plans activities")
				}
				return privacy.Skip
			}),
		},
	}
}

// ActivitiesVisibleTo is the predicate of the activities v sees without
// the culture office's capability: a published or completed campaign's,
// for all staff or for a department v is in.
func ActivitiesVisibleTo(v *viewer.Viewer) predicate.CultureActivity {
	return func(s *sql.Selector) {
		campaigns := sql.Table(culturecampaign.Table)
		published := sql.Select(campaigns.C(culturecampaign.FieldID)).From(campaigns).
			Where(visibleStatus(campaigns.C(culturecampaign.FieldStatus)))
		audience := sql.Table(cultureactivity.AudienceTable)
		users := sql.Table(user.Table)
		mine := sql.Select(audience.C(cultureactivity.AudiencePrimaryKey[0])).From(audience).
			Where(sql.In(audience.C(cultureactivity.AudiencePrimaryKey[1]),
				sql.Select(users.C(user.FieldDepartmentID)).From(users).Where(sql.EQ(users.C(user.FieldID), v.UserID))))
		s.Where(sql.And(
			sql.In(s.C(cultureactivity.FieldCampaignID), published),
			sql.Or(sql.EQ(s.C(cultureactivity.FieldAudienceAll), true), sql.In(s.C(cultureactivity.FieldID), mine)),
		))
	}
}

// ActivityRegistration is an employee's place at an activity: registered,
// waitlisted, cancelled or attended.
type ActivityRegistration struct{ ent.Schema }

func (ActivityRegistration) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("AR"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
}

func (ActivityRegistration) Fields() []ent.Field {
	return []ent.Field{
		field.String("activity_id").GoType(pulid.ID("")).Immutable(),
		field.String("user_id").GoType(pulid.ID("")).Immutable(),
		field.Enum("status").Values(string(culture.Registered), string(culture.Waitlisted), string(culture.Withdrawn), string(culture.Attended)),
		field.Time("queued_at").Default(nowUTC).
			Comment("When the place was asked for: the waitlist's order."),
	}
}

func (ActivityRegistration) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("activity", CultureActivity.Type).Field("activity_id").Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

func (ActivityRegistration) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("activity_id", "user_id").Unique(),
		index.Fields("activity_id", "status", "queued_at"),
	}
}

func (ActivityRegistration) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}

// Policy: everyone sees and changes their own registrations; the culture
// office sees them all and records attendance.
func (ActivityRegistration) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.ActivityRegistrationQueryRuleFunc(func(ctx context.Context, q *gen.ActivityRegistrationQuery) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() || v.Can(authz.ManageCulture) {
					return privacy.Skip
				}
				q.Where(activityregistration.UserID(v.UserID))
				return privacy.Skip
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.ActivityRegistrationMutationRuleFunc(func(ctx context.Context, m *gen.ActivityRegistrationMutation) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() || v.Can(authz.ManageCulture) {
					return privacy.Skip
				}
				if st, ok := m.Status(); ok && st == activityregistration.StatusATTENDED {
					return apierr.Forbiddenf("only the culture office records attendance")
				}
				if m.Op().Is(gen.OpCreate) {
					if u, ok := m.UserID(); !ok || u != v.UserID {
						return apierr.Forbiddenf("one registers oneself")
					}
					return privacy.Skip
				}
				m.Where(activityregistration.UserID(v.UserID))
				return privacy.Skip
			}),
		},
	}
}

func nowUTC() time.Time { return time.Now().UTC() }

// visibleStatus is "column col holds one of culture.VisibleStatuses".
func visibleStatus(col string) *sql.Predicate {
	var vs []any
	for _, st := range culture.VisibleStatuses {
		vs = append(vs, string(st))
	}
	return sql.In(col, vs...)
}

// CulturePlan is the culture office's plan for a year: goals and budget
// notes, approved by the general manager; the year's campaigns sit under it.
type CulturePlan struct{ ent.Schema }

func (CulturePlan) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CP"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
}

func (CulturePlan) Fields() []ent.Field {
	return []ent.Field{
		field.Int("year").Min(2000).Max(2100).Immutable().Annotations(entgql.OrderField("YEAR")),
		field.String("title").Validate(validate.Name(200)),
		field.Text("goals").Optional().Validate(validate.Text(8000)),
		field.Text("budget_notes").Optional().Validate(validate.Text(8000)),
		field.Enum("status").Values(culture.Strings(culture.Statuses)...).Default(string(culture.Draft)).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("submitted_by_id").GoType(pulid.ID("")).Optional().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("approved_by_id").GoType(pulid.ID("")).Optional().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("decided_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("decision_reason").Optional().Validate(validate.Text(1000)).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

func (CulturePlan) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("submitted_by", User.Type).Field("submitted_by_id").Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("approved_by", User.Type).Field("approved_by_id").Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("campaigns", CultureCampaign.Type).Ref("plan").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), noWhereInput),
	}
}

func (CulturePlan) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "year").Unique()}
}

func (CulturePlan) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection(), entgql.Mutations(entgql.MutationCreate())}
}

// Recognition is an award or a role-model recognition under a campaign,
// naming people or departments with a citation.
type Recognition struct{ ent.Schema }

func (Recognition) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("RG"), TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

func (Recognition) Fields() []ent.Field {
	return []ent.Field{
		field.String("campaign_id").GoType(pulid.ID("")).Immutable(),
		field.Enum("kind").Values("AWARD", "ROLE_MODEL"),
		field.String("title").Validate(validate.Name(200)).Comment("e.g. 年度服务之星 Service star of the year."),
		field.Text("citation").Validate(validate.Text(4000)),
	}
}

// MaxRecognized is the most people, and the most departments, one
// recognition names.
const MaxRecognized = 50

func (Recognition) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("campaign", CultureCampaign.Type).Field("campaign_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("people", User.Type),
		edge.To("departments", Department.Type),
	}
}

func (Recognition) Indexes() []ent.Index {
	return []ent.Index{index.Fields("campaign_id", "created_at")}
}

func (Recognition) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Mutations(entgql.MutationCreate())}
}

// Policy: see lifeCyclePolicy.
func (CulturePlan) Policy() ent.Policy { return lifeCyclePolicy("plan") }

// Policy: the culture office records recognitions and sees them all;
// everyone sees those of published (or completed) campaigns.
func (Recognition) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.RecognitionQueryRuleFunc(func(ctx context.Context, q *gen.RecognitionQuery) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() || v.Can(authz.ManageCulture) {
					return privacy.Skip
				}
				q.Where(recognition.HasCampaignWith(func(s *sql.Selector) { s.Where(visibleStatus(s.C(culturecampaign.FieldStatus))) }))
				return privacy.Skip
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.RecognitionMutationRuleFunc(func(ctx context.Context, m *gen.RecognitionMutation) error {
				if v := viewer.FromContext(ctx); !v.IsSystem() && !v.Can(authz.ManageCulture) {
					return apierr.Forbiddenf("only the culture office records recognitions")
				}
				if len(m.PeopleIDs()) > MaxRecognized || len(m.DepartmentsIDs()) > MaxRecognized {
					return apierr.BadInput("personIDs", "at most %d people and %d departments", MaxRecognized, MaxRecognized)
				}
				if len(m.PeopleIDs()) == 0 && len(m.DepartmentsIDs()) == 0 && m.Op().Is(gen.OpCreate) {
					return apierr.BadInput("personIDs", "a recognition names people or departments")
				}
				return privacy.Skip
			}),
		},
	}
}
