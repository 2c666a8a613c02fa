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

// VisitReport is what an account manager records after a visit (domain §3):
// the client's needs, their environment, the service entry point. A
// proposal is due within 3 days of the visit; submitting it is recorded
// here, and a late one is listed (lateProposals). It is the account
// manager's work: written by whoever edits the account (its manager, their
// sales manager, an admin), read by whoever reads it.
type VisitReport struct{ ent.Schema }

func (VisitReport) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("VR"), TimeMixin{}, TenantMixin{}, AccountScoped{Write: EditAccount}, VersionMixin{}, AuditMixin{}}
}

func (VisitReport) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").GoType(pulid.ID("")).Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		field.String("interaction_id").GoType(pulid.ID("")).Unique().Immutable(),
		field.Text("needs_analysis").Validate(validate.Text(8000)),
		field.Text("environment_assessment").Optional().Validate(validate.Text(8000)),
		field.Text("service_entry_point").Optional().Validate(validate.Text(4000)),
		field.Time("proposal_due_at").Immutable().
			Annotations(entgql.OrderField("PROPOSAL_DUE_AT"), entgql.Skip(entgql.SkipMutationCreateInput)).
			Comment("The end of the third day after the visit, in the organisation's time zone."),
		field.Time("proposal_submitted_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Text("proposal_summary").Optional().Validate(validate.Text(4000)).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

func (VisitReport) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("visit_reports").Field("account_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		edge.From("interaction", Interaction.Type).Ref("visit_report").Field("interaction_id").Unique().Required().Immutable(),
	}
}

func (VisitReport) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "proposal_submitted_at", "proposal_due_at")}
}

func (VisitReport) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
