package schema

import (
	"context"
	"slices"
	"time"

	gen "rapport/ent"
	"rapport/ent/account"
	"rapport/ent/hook"
	"rapport/internal/followup"
	"rapport/internal/service"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/apierr"
	"rapport/internal/auth"
	"rapport/internal/pulid"
	"rapport/internal/validate"
	"rapport/internal/viewer"
)

// Account is a client company: the client archive (客户档案) of domain §2.
type Account struct{ ent.Schema }

func (Account) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("AC"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
}

func (Account) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Validate(validate.Name(200)).Annotations(entgql.OrderField("NAME")),
		field.String("industry").Optional().Validate(validate.Text(100)),
		field.String("region").Optional().Validate(validate.Text(100)).Annotations(entgql.OrderField("REGION")),
		field.String("address").Optional().Validate(validate.Text(300)),
		field.String("phone").Optional().Validate(validate.Phone),
		field.String("fax").Optional().Validate(validate.Phone),
		field.String("email").Optional().Validate(validate.Email),
		field.String("website").Optional().Validate(validate.URL),
		field.Text("business_scope").Optional().Validate(validate.Text(4000)),
		field.Text("main_products").Optional().Validate(validate.Text(4000)),
		field.Text("industry_position").Optional().Validate(validate.Text(4000)),
		field.Text("recent_developments").Optional().Validate(validate.Text(4000)),
		field.String("company_size").Optional().Validate(validate.Text(200)).
			Comment("Strength and size of the company, as the account manager describes it."),
		field.Enum("source").Optional().
			Values("INBOUND_CALL", "COLD_CALL", "INVITED_VISIT", "MARKETING_EVENT", "WALK_IN",
				"CHANNEL_PARTNER", "REFERRAL", "WEB_RESEARCH", "ADVERTISING", "OWN_RECORDS").
			Comment("How the account came to the firm."),
		field.Enum("lifecycle_stage").
			Values("PROSPECT", "DEVELOPING", "ACTIVE", "DORMANT", "LOST").
			Default("PROSPECT").
			Annotations(entgql.OrderField("LIFECYCLE_STAGE")),
		field.Enum("cooperation_intent").Values("HIGH", "MEDIUM", "LOW").Default("MEDIUM"),
		field.Enum("tier").Values("A", "B", "C").Default("C").
			Comment("Set when the account is created; changed by changeAccountTier and tier reviews.").
			Annotations(entgql.OrderField("TIER"), entgql.Skip(entgql.SkipMutationUpdateInput)),
		field.String("owner_id").GoType(pulid.ID("")).Optional().
			Comment("The account manager who won the account; defaults to the creator."),
		field.String("service_rep_id").GoType(pulid.ID("")).Optional(),
		field.String("intelligence_owner_id").GoType(pulid.ID("")).Optional().
			Comment("An A-tier account's dedicated intelligence owner, set by a sales manager (or an admin)."),
		field.Int64("credit_limit").Optional().Nillable().Min(0).
			Comment("Credit limit in whole currency units (CNY). Set when the account is created; changed through the credit approval workflow (updateAccount refuses it)."),
		field.Int("payment_term_days").Optional().Nillable().Range(0, 365).
			Comment("Payment terms in days. Set when the account is created; changed through the credit approval workflow (updateAccount refuses it)."),
		field.Time("contract_signed_at").Optional().Nillable(),
		field.Time("last_order_at").Optional().Nillable().Annotations(entgql.OrderField("LAST_ORDER_AT")).
			Comment("Set through createAccount/updateAccount until an order import exists."),
		field.Bool("member").Default(false).
			Comment("A member account (会员客户): every callback batch must reach it."),
		field.Int64("outstanding_balance").Default(0).Min(0).Max(1_000_000_000_000).
			Comment("Unpaid balance in whole currency units (CNY). An account with one is never handed to the service department for lack of follow-up."),
		// The service side (domain §3): when the rep was assigned, when
		// they contacted the account manager (within the org's
		// service_new_account_days, or the account is on the NEW_ACCOUNT
		// watch), and when the service department took over follow-up.
		serviceTime("service_assigned_at"),
		serviceTime("service_handover_at"),
		serviceTime("service_taken_over_at"),
		systemTime("last_contact_at", "LAST_CONTACT_AT"),
		systemTime("last_call_at", "LAST_CALL_AT"),
		systemTime("last_visit_at", "LAST_VISIT_AT"),
		systemTime("next_call_due_at", "NEXT_CALL_DUE_AT"),
		systemTime("next_visit_due_at", "NEXT_VISIT_DUE_AT"),
		field.Time("quiet_since").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("The last contact, or the creation of an account never contacted: the NO_FOLLOW_UP clock."),
		searchText(),
		field.Time("last_activity_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("The later of the last order and quiet_since: the NO_RECENT_ORDER clock (a week without either)."),
	}
}

func (Account) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("owner", User.Type).Field("owner_id").Unique(),
		edge.To("service_rep", User.Type).Field("service_rep_id").Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		edge.To("contacts", Contact.Type).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("interactions", Interaction.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), noWhereInput),
		edge.To("visit_reports", VisitReport.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), noWhereInput),
		edge.To("tier_changes", TierChange.Type).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		// The archive beyond contacts.
		edge.To("documents", ClientDocument.Type).Annotations(entgql.RelayConnection(), readOnlyInputs, entgql.Skip(entgql.SkipWhereInput)),
		edge.To("intelligence", IntelligenceItem.Type).Annotations(entgql.RelayConnection(), readOnlyInputs, entgql.Skip(entgql.SkipWhereInput)),
		edge.To("intelligence_owner", User.Type).Field("intelligence_owner_id").Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		// The account's service history.
		edge.To("callbacks", Callback.Type).Annotations(entgql.RelayConnection(), readOnlyInputs, entgql.Skip(entgql.SkipWhereInput)),
		edge.To("service_issues", ServiceIssue.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("complaints", Complaint.Type).Annotations(entgql.RelayConnection(), readOnlyInputs, entgql.Skip(entgql.SkipWhereInput)),
		edge.To("credit_requests", CreditRequest.Type).Annotations(entgql.RelayConnection(), readOnlyInputs, entgql.Skip(entgql.SkipWhereInput)),
	}
}

func (Account) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "owner_id"),
		index.Fields("organization_id", "service_rep_id"),
		index.Fields("organization_id", "tier"),
		index.Fields("organization_id", "name"),
		index.Fields("organization_id", "region"),
		// The due lists: an organisation's (admins, executives) and an
		// owner's, in their order (due date, then id), so a page is the
		// first rows of an index range whatever the number of accounts due
		// on one day.
		index.Fields("organization_id", "next_call_due_at", "id"),
		index.Fields("organization_id", "next_visit_due_at", "id"),
		index.Fields("owner_id", "next_call_due_at", "id"),
		index.Fields("owner_id", "next_visit_due_at", "id"),
		// The service watchlist, one index range per rule.
		index.Fields("organization_id", "service_handover_at", "service_assigned_at", "id"),
		index.Fields("organization_id", "last_order_at", "id"),
		index.Fields("organization_id", "quiet_since", "id"),
		index.Fields("organization_id", "last_activity_at", "id"),
		index.Fields("organization_id", "lifecycle_stage"),
		index.Fields("organization_id", "contract_signed_at", "id"), // the archive deadline
		searchIndex(),
	}
}

func (Account) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy: see access.go for who may see and change accounts.
func (Account) Policy() ent.Policy { return accountPolicy() }

// Hooks give a new account its first due call and visit, counted from the
// day it was created (domain §3: a never-contacted account is due from
// then). They run after the policy, so the derived columns are set by the
// server, not by the creator.
func (Account) Hooks() []ent.Hook {
	return []ent.Hook{hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.AccountFunc(func(ctx context.Context, m *gen.AccountMutation) (ent.Value, error) {
			created, ok := m.CreatedAt()
			if !ok {
				created = time.Now().UTC()
			}
			tier, _ := m.Tier()
			org, _ := m.OrganizationID() // stamped by the tenant policy, or set by system code
			due, err := followup.InitialDue(ctx, m.Client(), org, string(tier), created)
			if err != nil {
				return nil, err
			}
			m.SetNextCallDueAt(due.Call)
			m.SetNextVisitDueAt(due.Visit)
			m.SetQuietSince(created)
			order, _ := m.LastOrderAt()
			m.SetLastActivityAt(service.Later(created, &order))
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate), searchHook([]string{"name", "industry", "region", "address", "email", "website", "business_scope", "main_products"}, []string{"phone", "fax"}),
		serviceRepAssigned, hook.On(lastOrderMoved, ent.OpUpdateOne), hook.On(intelligenceOwnerReads, ent.OpUpdateOne)}
}

// intelligenceOwnerReads checks that a new intelligence owner reads the
// account by their roles: they file its news, and read it to do so.
func intelligenceOwnerReads(next ent.Mutator) ent.Mutator {
	return hook.AccountFunc(func(ctx context.Context, m *gen.AccountMutation) (ent.Value, error) {
		owner, ok := m.IntelligenceOwnerID()
		id, _ := m.ID()
		if !ok {
			return next.Mutate(ctx, m)
		}
		sys := viewer.SystemOf(ctx)
		u, err := m.Client().User.Get(sys, owner)
		if gen.IsNotFound(err) {
			return nil, apierr.BadInput("intelligenceOwnerID", "no user %q in the organisation", owner)
		}
		if err != nil {
			return nil, err
		}
		q := m.Client().Account.Query().Where(account.ID(id))
		if p := accountsReadBy(&viewer.Viewer{UserID: u.ID, OrgID: u.OrganizationID, Roles: auth.Stored(u.Roles)}); p != nil {
			q.Where(p)
		}
		if reads, err := q.Exist(sys); err != nil || !reads {
			if err == nil {
				err = apierr.BadInput("intelligenceOwnerID", "%s does not read this account; choose someone who does", u.Name)
			}
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}

// lastOrderMoved keeps the NO_RECENT_ORDER clock when an account's last
// order is set or cleared: the later of it and the last contact.
func lastOrderMoved(next ent.Mutator) ent.Mutator {
	return hook.AccountFunc(func(ctx context.Context, m *gen.AccountMutation) (ent.Value, error) {
		order, set := m.LastOrderAt()
		if !set && !m.LastOrderAtCleared() {
			return next.Mutate(ctx, m)
		}
		quiet, err := m.OldQuietSince(ctx)
		if err != nil {
			return nil, err
		}
		if quiet == nil { // rows older than the clock: their creation
			created, err := m.OldCreatedAt(ctx)
			if err != nil {
				return nil, err
			}
			quiet = &created
		}
		if set {
			m.SetLastActivityAt(service.Later(*quiet, &order))
		} else {
			m.SetLastActivityAt(*quiet)
		}
		return next.Mutate(ctx, m)
	})
}

// serviceRepAssigned checks that a new service rep holds SERVICE_REP and
// starts their time to contact the
// account manager (the NEW_ACCOUNT watch); clearing the rep ends it.
func serviceRepAssigned(next ent.Mutator) ent.Mutator {
	return hook.AccountFunc(func(ctx context.Context, m *gen.AccountMutation) (ent.Value, error) {
		if rep, ok := m.ServiceRepID(); ok {
			u, err := m.Client().User.Get(viewer.SystemOf(ctx), rep)
			if gen.IsNotFound(err) {
				return nil, apierr.BadInput("serviceRepID", "no user %q in the organisation", rep)
			}
			if err != nil {
				return nil, err
			}
			if !slices.Contains(u.Roles, string(auth.RoleServiceRep)) {
				return nil, apierr.BadInput("serviceRepID", "%s does not hold the SERVICE_REP role", u.Name)
			}
			if _, given := m.ServiceAssignedAt(); !given { // system code (the demo) may date it
				m.SetServiceAssignedAt(time.Now().UTC())
				m.ClearServiceHandoverAt()
			}
		} else if m.ServiceRepCleared() {
			m.ClearServiceAssignedAt()
			m.ClearServiceHandoverAt()
		}
		return next.Mutate(ctx, m)
	})
}

// serviceTime is a time the service workflows set: readable and
// filterable, in no input.
func serviceTime(name string) ent.Field {
	return field.Time(name).Optional().Nillable().Annotations(readOnlyInputs)
}
