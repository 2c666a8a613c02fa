package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
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
		field.String("starts_on").Validate(validate.Day).Annotations(entgql.OrderField("STARTS_ON")).
			Comment("The first day, YYYY-MM-DD, in the organisation's calendar."),
		field.String("ends_on").Validate(validate.Day).Comment("The last day, YYYY-MM-DD."),
		field.Bool("audience_all").Default(true).
			Comment("For all staff; otherwise for the audience departments."),
		field.Enum("status").Values(statusValues()...).Default(string(culture.Draft)).
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

func statusValues() []string {
	out := make([]string, len(culture.Statuses))
	for i, s := range culture.Statuses {
		out[i] = string(s)
	}
	return out
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
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
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

// Hooks bound the audience.
func (CultureCampaign) Hooks() []ent.Hook { return []ent.Hook{boundedAudience} }

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

// Policy: the culture office (HR) drafts and sees every campaign; an
// executive sees them all too and decides on them (never on one they
// submitted); everyone else sees the published and completed ones.
func (CultureCampaign) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.CultureCampaignQueryRuleFunc(func(ctx context.Context, q *gen.CultureCampaignQuery) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() || v.Can(authz.ManageCulture) || v.Can(authz.ApproveCulture) {
					return privacy.Skip
				}
				q.Where(culturecampaign.StatusIn(culturecampaign.StatusPUBLISHED, culturecampaign.StatusCOMPLETED))
				return privacy.Skip
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.CultureCampaignMutationRuleFunc(func(ctx context.Context, m *gen.CultureCampaignMutation) error {
				v := viewer.FromContext(ctx)
				status, deciding := m.Status()
				deciding = deciding && (status == culturecampaign.StatusAPPROVED || status == culturecampaign.StatusREJECTED)
				if deciding {
					if !v.Can(authz.ApproveCulture) {
						return apierr.Forbiddenf("only an executive approves or rejects a campaign")
					}
					if by, err := m.OldSubmittedByID(ctx); err == nil && v.User() != nil && by == *v.User() {
						return apierr.Forbiddenf("a campaign is approved by someone other than who submitted it")
					}
					return privacy.Skip
				}
				if !v.Can(authz.ManageCulture) {
					return apierr.Forbiddenf("only the culture office (HR) drafts and publishes campaigns")
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
		edge.To("campaign", CultureCampaign.Type).Field("campaign_id").Unique().Required().Immutable(),
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
			Where(sql.In(campaigns.C(culturecampaign.FieldStatus), string(culture.Published), string(culture.Completed)))
		audience := sql.Table(cultureactivity.AudienceTable)
		users := sql.Table("users")
		mine := sql.Select(audience.C(cultureactivity.AudiencePrimaryKey[0])).From(audience).
			Where(sql.In(audience.C(cultureactivity.AudiencePrimaryKey[1]),
				sql.Select(users.C("department_id")).From(users).Where(sql.EQ(users.C("id"), v.UserID))))
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
